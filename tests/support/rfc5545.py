"""An RFC 5545 check of a generated file that does not trust the library that wrote it.

The second parser is ``ical`` (an independent implementation, pydantic-typed): it rejects
malformed content lines and values of the wrong type (a DTSTART that is not a DATE-TIME,
a TZID it cannot resolve, an unknown STATUS).  It fills in some required properties
silently (UID, DTSTAMP), so the structural rules of the RFC are checked here directly.
"""
from __future__ import annotations

import re

from ical.calendar import Calendar as IcalCalendar
from ical.calendar_stream import IcsCalendarStream

ONCE = {
    # RFC 5545 §3.6 and §3.6.1: required, must not occur more than once
    "VCALENDAR": {"PRODID", "VERSION"},
    "VEVENT": {"UID", "DTSTAMP", "DTSTART"},
    "VTIMEZONE": {"TZID"},
}
AT_MOST_ONCE = {
    "VCALENDAR": {"CALSCALE", "METHOD", "REFRESH-INTERVAL", "NAME", "X-WR-CALNAME", "X-WR-TIMEZONE"},
    "VEVENT": {"DTEND", "DURATION", "SUMMARY", "DESCRIPTION", "LOCATION", "URL", "STATUS", "SEQUENCE",
               "LAST-MODIFIED", "CLASS", "CREATED", "TRANSP"},
}


def content_lines(body: bytes) -> list[str]:
    assert body.endswith(b"\r\n"), "the file must end with CRLF"
    assert b"\n" not in body.replace(b"\r\n", b""), "every line must end with CRLF (§3.1)"
    for raw in body.split(b"\r\n"):
        assert len(raw) <= 75, f"line longer than 75 octets (§3.1): {raw[:40]!r}…"
    text = body.decode("utf-8")  # §3.1.4: UTF-8
    return [line for line in re.sub(r"\r\n[ \t]", "", text).split("\r\n") if line]


def assert_rfc5545(body: bytes) -> IcalCalendar:
    """Check the file; returns it as the second parser read it."""
    lines = content_lines(body)
    stack: list[tuple[str, list[str]]] = []
    tzids_defined: set[str] = set()
    tzids_used: set[str] = set()
    uids: list[str] = []
    for line in lines:
        name_and_params, _, value = line.partition(":")
        name = name_and_params.split(";")[0].upper()
        if name == "BEGIN":
            stack.append((value.upper(), []))
            continue
        if name == "END":
            component, names = stack.pop()
            assert component == value.upper(), f"END:{value} closes {component}"
            for required in ONCE.get(component, ()):
                assert names.count(required) == 1, f"{component} needs exactly one {required}"
            for single in AT_MOST_ONCE.get(component, ()):
                assert names.count(single) <= 1, f"{component} has {single} more than once"
            if component == "VEVENT":
                assert not ("DTEND" in names and "DURATION" in names), "DTEND and DURATION together"
            continue
        assert stack, f"property outside any component: {line[:40]}"
        stack[-1][1].append(name)
        tzids_used.update(re.findall(r";TZID=([^;:]+)", name_and_params))
        if name == "TZID" and stack[-1][0] == "VTIMEZONE":
            tzids_defined.add(value)
        if name == "UID" and stack[-1][0] == "VEVENT":
            uids.append(value)
        if name in {"DTSTAMP", "LAST-MODIFIED"}:
            assert re.fullmatch(r"\d{8}T\d{6}Z", value), f"{name} must be UTC (§3.8.7): {value}"
    assert not stack, "unclosed component"
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert tzids_used <= tzids_defined, f"TZID without a VTIMEZONE (§3.2.19): {tzids_used - tzids_defined}"
    assert len(uids) == len(set(uids)), "UIDs repeat within the file"

    calendar = IcsCalendarStream.calendar_from_ics(body.decode("utf-8"))
    for event in calendar.events:
        assert event.dtstart.tzinfo is not None, "floating time: apps would guess the zone"
        if event.dtend is not None:
            assert event.dtend > event.dtstart, f"{event.uid} ends before it starts"
    return calendar
