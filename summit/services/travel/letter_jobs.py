"""Invitation letters printed in batches, by the passport's country (its embassy), in the background.

A batch is a job of the badges' queue (services/badges/jobs.py) of kind ``visa_letters``: the same table,
one batch at a time per host, heartbeat, progress, expiry of the PDF and download; only what a page holds
differs. The batch stores its delegates when queued; at render time each is printed with their current
letter (a letter reissued meanwhile prints its new serial), and those no longer approved are left out by
the badges' own rule (jobs.printable).
"""
from __future__ import annotations

from flask import Flask

from ...models import BadgeJob, ConsoleUser, Delegate, Passport, Summit, VisaLetter
from ...models.labels import Accreditation, DelegateStatus
from ...plumbing.database import writing
from ...plumbing.errors import ValidationFailed
from ...plumbing.extensions import db
from ..badges import jobs
from ..registration.countries import COUNTRY_CODES
from . import letters
from .letter_documents import render_letters

#: letters per part: each part is one WeasyPrint render, so progress moves and memory stays flat
CHUNK = 20
ISSUED = ("issued", "reissued")


def countries_with_letters(summit: Summit) -> list[tuple[str, int, int]]:
    """(nationality, letters issued, letters still requested) for the console's table, most letters first."""
    rows = db.session.execute(
        db.select(Passport.nationality, VisaLetter.status, db.func.count())
        .join(VisaLetter, VisaLetter.delegate_id == Passport.delegate_id)
        .where(VisaLetter.summit_id == summit.id, VisaLetter.status.in_(letters.LIVE))
        .group_by(Passport.nationality, VisaLetter.status)).all()
    counts: dict[str, list[int]] = {}
    for nationality, status, n in rows:
        pair = counts.setdefault(nationality, [0, 0])
        pair[0 if status in ISSUED else 1] += n
    return sorted(((c, i, r) for c, (i, r) in counts.items()), key=lambda row: (-row[1] - row[2], row[0]))


def _delegates_for(summit: Summit, country: str) -> list[Delegate]:
    return list(db.session.scalars(
        db.select(Delegate).join(Passport, Passport.delegate_id == Delegate.id)
        .join(VisaLetter, VisaLetter.delegate_id == Delegate.id)
        .where(Delegate.summit_id == summit.id, Passport.nationality == country,
               Delegate.status == DelegateStatus.REGISTERED, Delegate.accreditation == Accreditation.APPROVED,
               VisaLetter.status.in_(letters.LIVE))
        .order_by(Delegate.family_name, Delegate.given_name, Delegate.id)))


def create_letter_job(summit: Summit, country, by_user: ConsoleUser | None):
    """Queue the letters of every approved delegate whose passport is of ``country`` (issuing those due)."""
    country = country.strip().upper() if isinstance(country, str) else country
    if country not in COUNTRY_CODES:
        raise ValidationFailed({"country": ["choose a country (ISO 3166-1 alpha-2)"]}, "unknown country")
    ids = [d.id for d in _delegates_for(summit, country)]
    if not ids:
        raise ValidationFailed({"country": ["no approved delegate of this country asked for a letter"]},
                               "nothing to print")
    with writing():
        for delegate_id in ids:  # approved before letters existed, or a request never downloaded
            letters.issue_if_due(db.session.get(Delegate, delegate_id))
    return jobs.queue_job(summit, len(ids), {"kind": jobs.VISA_LETTERS, "country": country, "ids": ids}, by_user)


def render_letter_job(app: Flask, job_id: int, heartbeat) -> None:
    """The render function of a visa-letters batch (jobs.job_renderer)."""
    job = db.session.get(BadgeJob, job_id)
    summit = db.session.get(Summit, job.summit_id)
    ids, dropped = jobs.printable(list(job.params.get("ids", [])))
    params = {**job.params, "left_out": dropped}
    db.session.commit()
    if not jobs.beat(job_id, total=len(ids), params=params):
        raise jobs.JobLost()
    if not ids:
        raise jobs.NothingLeftToPrint(dropped)
    work_dir = jobs.work_dir(job_id)
    work_dir.mkdir(parents=True, exist_ok=True)
    parts = []
    for number, start in enumerate(range(0, len(ids), CHUNK)):
        if heartbeat.lost:
            raise jobs.JobLost()
        chunk = ids[start:start + CHUNK]
        found = [letters.live_letter(delegate_id) for delegate_id in chunk]
        printable = [letter for letter in found if letter is not None and letter.status in ISSUED]
        if printable:
            part = work_dir / f"part-{number:06d}.pdf"
            render_letters(printable, summit, str(part))
            parts.append(part)
        db.session.commit()
        # a letter withdrawn meanwhile is not printed, and counts as done: the bar still reaches the end
        if not jobs.beat(job_id, done=BadgeJob.done + len(chunk)):
            raise jobs.JobLost()
    if not parts:
        raise jobs.NothingLeftToPrint(dropped)
    jobs.finish_job(app, job_id, parts, "letters")
