"""The privacy notice: versioned, bilingual, written in the summit file's [privacy] table.

The text is never edited in place. ``sync_notice`` (called by the seed) compares the text the file gives,
with its placeholders filled, to the latest version; a different text becomes version N+1 and the old
versions stay, so every consent names the exact text it was given under.

A summit file without [privacy] sections borrows the default file's (summit/data/gstf-2024.toml),
filled with its own organiser, contact and retention: every summit has a notice before its first consent.
"""
from __future__ import annotations

import hashlib
import json
import tomllib
from datetime import date, timedelta
from importlib import resources

from ...models import PrivacyNotice, Summit, utcnow
from ...plumbing.errors import NotFound
from ...plumbing.database import in_writing_block, writing
from ...plumbing.extensions import db
from ...plumbing import read_versions

#: the default the notice states when neither the summit nor its file sets retention_days (pd-erase's value)
DEFAULT_RETENTION_DAYS = 180
LANGS = ("zh", "en")


class _Blank(dict):
    """str.format_map that leaves an unknown {placeholder} as written instead of failing the seed."""

    def __missing__(self, key):
        return "{" + key + "}"


def _default_privacy() -> dict:
    with resources.files("summit.data").joinpath("gstf-2024.toml").open("rb") as handle:
        return tomllib.load(handle).get("privacy", {})


def retention_days(summit: Summit, spec: dict | None = None) -> int:
    """The summit's own value (an organiser's edit, once the column exists), else the file's, else the default."""
    value = getattr(summit, "retention_days", None)
    if value is None and spec is not None:
        value = spec.get("retention_days")
    return value if isinstance(value, int) and not isinstance(value, bool) else DEFAULT_RETENTION_DAYS


def notice_content(summit: Summit, privacy: dict | None, *, retention: int) -> dict:
    """The notice as stored: both languages' sections with every placeholder filled."""
    privacy = privacy or {}
    sections = privacy.get("sections") or _default_privacy().get("sections", [])
    ends_on = summit.ends_on if isinstance(summit.ends_on, date) else None
    until = ends_on + timedelta(days=retention) if ends_on else None
    contact = privacy.get("contact_email") or summit.contact_email or ""
    content = {"contact_email": contact, "retention_days": retention,
               "retention_until": until.isoformat() if until else None}
    for lang in LANGS:
        values = _Blank(
            summit=getattr(summit, f"name_{lang}"),
            controller=privacy.get(f"controller_{lang}") or getattr(summit, f"organiser_{lang}", "") or "",
            contact_email=contact, retention_days=retention,
            retention_until=_day(until, lang) if until else "",
        )
        content[lang] = {
            "controller": values["controller"],
            "sections": [{"heading": str(s.get(f"heading_{lang}", "")).format_map(values),
                          "body": str(s.get(f"body_{lang}", "")).format_map(values)} for s in sections],
        }
    return content


def _day(day: date, lang: str) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if lang == "zh" else f"{day.day} {day:%B} {day.year}"


def _fingerprint(content: dict) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _newest(summit_id: int, what):
    """SELECT ``what`` (the notice, or a column of it) of the summit's newest version."""
    return (db.select(what).where(PrivacyNotice.summit_id == summit_id)
            .order_by(PrivacyNotice.version.desc()).limit(1))


def latest(summit_id: int) -> PrivacyNotice | None:
    return db.session.scalars(_newest(summit_id, PrivacyNotice)).first()


def sync_notice(summit: Summit, privacy: dict | None, spec: dict | None = None) -> PrivacyNotice | None:
    """Publish the file's text as a new version when it differs from the latest; None when unchanged.

    Inside the seed's write transaction (a concurrent seed waits for it, so two cannot both add N+1;
    the unique (summit, version) would refuse the second anyway)."""
    content = notice_content(summit, privacy, retention=retention_days(summit, spec))
    fingerprint = _fingerprint(content)
    current = latest(summit.id)
    if current is not None and current.fingerprint == fingerprint:
        return None
    notice = PrivacyNotice(summit_id=summit.id, version=(current.version + 1) if current else 1,
                           content=content, fingerprint=fingerprint, published_at=utcnow())
    db.session.add(notice)
    db.session.flush()
    return notice


def current_notice(summit: Summit) -> PrivacyNotice:
    """The version a consent given now is given under (published first if the summit has none yet)."""
    notice = latest(summit.id)
    if notice is None:
        if in_writing_block():  # committed with the consent that needs it
            return sync_notice(summit, None)
        summit_id = summit.id
        with writing(keep_state=True):
            notice = latest(summit_id) or sync_notice(db.session.get(Summit, summit_id), None)
    return notice


def current_notice_id(summit: Summit) -> int:
    """The id of current_notice: what a consent records.  Only the id is read (the notice's text is a JSON
    document that every registration would otherwise load and decode, for nothing)."""
    summit_id = summit.id
    # kept like the summit (read_versions.programme_kept): a new version moves the programme's number
    notice_id = read_versions.programme_kept(("notice_id", summit_id),
                                             lambda: db.session.scalar(_newest(summit_id, PrivacyNotice.id)))
    return notice_id if notice_id is not None else current_notice(summit).id


def notice_version(summit: Summit, version: int) -> PrivacyNotice:
    notice = db.session.scalars(db.select(PrivacyNotice).where(
        PrivacyNotice.summit_id == summit.id, PrivacyNotice.version == version)).first()
    if notice is None:
        raise NotFound("no such version of the privacy notice", code="unknown_notice")
    return notice


def versions(summit_id: int) -> list[PrivacyNotice]:
    return list(db.session.scalars(db.select(PrivacyNotice).where(PrivacyNotice.summit_id == summit_id)
                                   .order_by(PrivacyNotice.version.desc())))
