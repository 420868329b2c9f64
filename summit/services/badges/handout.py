"""Badges handed out: stamped as printed, audited as a download, and the PDF saying who downloaded it.

Who downloaded the file, when and what was asked go in the PDF's document information
(Subject, and DownloadedBy / DownloadedAt for scripts), not on the badges: a badge is worn,
and the wearer's badge is no place for the name of whoever printed it.  pikepdf (qpdf) writes
it; for a batch's file, at the download, so the file on disk stays the job's and each download
carries its own downloader.
"""
from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import IO, Sequence

import pikepdf

from ...models import BadgeJob, Delegate, Summit
from ...plumbing.database import writing
from ..console import audit
from .documents import record_printed


def stamp_pdf(source: bytes | Path | IO[bytes], stamp: audit.Provenance, zone, target: IO[bytes]) -> None:
    """Copy ``source`` into ``target`` with the download named in the PDF's metadata."""
    with pikepdf.open(io.BytesIO(source) if isinstance(source, bytes) else source) as pdf:
        info = pdf.docinfo
        info[pikepdf.Name.Subject] = stamp.line(zone)
        info[pikepdf.Name("/DownloadedBy")] = stamp.by
        info[pikepdf.Name("/DownloadedAt")] = stamp.at_text(zone)
        pdf.save(target)


def _stamped(pdf: bytes, stamp: audit.Provenance, zone) -> bytes:
    out = io.BytesIO()
    stamp_pdf(pdf, stamp, zone, out)
    return out.getvalue()


def hand_out(pdf: bytes, delegates: Sequence[Delegate], by_user, summit: Summit, *, what: str = "badges.pdf",
             filters: dict | None = None) -> bytes:
    """The rendered badges, as they leave: marked printed and audited in one transaction, then stamped."""
    ids = [d.id for d in delegates]
    with writing():
        record_printed(ids)
        entry = audit.record_download(by_user, what, filters=filters, count=len(ids),
                                      delegate_id=ids[0] if len(ids) == 1 else None)
    return _stamped(pdf, audit.provenance(entry), summit.zone)


def hand_out_batch(job: BadgeJob, result: IO[bytes], by_user, summit: Summit) -> IO[bytes]:
    """A finished batch's file, audited, stamped into a temporary file (gone once it is closed)."""
    params = job.params or {}
    filters = {"job": job.id, "selection": params.get("selection"), "category": params.get("category"),
               "route_id": params.get("route_id"), "layout": params.get("layout")}
    entry = audit.record_download(by_user, "badges.pdf", filters=filters, count=job.total)
    out = tempfile.TemporaryFile(prefix="summit-badges-")
    try:
        stamp_pdf(result, audit.provenance(entry), summit.zone, out)
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return out
