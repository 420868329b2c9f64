"""A second, independent reading of a calendar file: Mozilla's ical.js (Thunderbird's parser), run by Node.

``./dev test`` installs ical.js with npm into ``<virtualenv>/node`` (the version pinned there); the
test finds it next to the Python that runs it, or at ``SUMMIT_ICALJS`` (the package's folder).
Without it a test fails under CI and is skipped, saying why, elsewhere: a second parser that
silently never ran would prove nothing.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

_ROOT = Path(__file__).resolve().parents[2]

# Reads the file on stdin, parses it strictly (a parse error exits non-zero), and prints what a
# calendar app would take from it: the calendar's properties and each event's.
_READER = r"""
const ICAL = require(process.argv[1]);
// The calendar's name and description are TEXT (RFC 7986's NAME, and the X-WR- names every app reads
// as such): ical.js's design knows neither, and leaves a property it does not know unescaped.
for (const name of ["name", "x-wr-calname", "x-wr-caldesc"]) ICAL.design.icalendar.property[name] = {defaultType: "text"};
let text = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { text += chunk; });
process.stdin.on("end", () => {
  const root = new ICAL.Component(ICAL.parse(text));
  if (root.name !== "vcalendar") throw new Error("not a VCALENDAR: " + root.name);
  for (const zone of root.getAllSubcomponents("vtimezone")) ICAL.TimezoneService.register(zone);
  const calendar = {};
  for (const property of root.getAllProperties()) calendar[property.name] = String(property.getFirstValue());
  const events = root.getAllSubcomponents("vevent").map((component) => {
    const event = new ICAL.Event(component);
    const lastModified = component.getFirstPropertyValue("last-modified");
    return {
      uid: event.uid, summary: event.summary, location: event.location, description: event.description,
      status: component.getFirstPropertyValue("status"), sequence: event.sequence,
      start: event.startDate.toJSDate().toISOString(), end: event.endDate ? event.endDate.toJSDate().toISOString() : null,
      tzid: event.startDate.zone ? event.startDate.zone.tzid : null,
      last_modified: lastModified ? lastModified.toJSDate().toISOString() : null,
    };
  });
  process.stdout.write(JSON.stringify({calendar, events}));
});
"""


def icaljs_path() -> Path | None:
    candidates = [os.environ.get("SUMMIT_ICALJS"), Path(sys.prefix) / "node" / "node_modules" / "ical.js",
                  _ROOT / ".venv" / "node" / "node_modules" / "ical.js"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "package.json").is_file():
            return Path(candidate)
    return None


def _require_icaljs() -> Path:
    found = icaljs_path()
    if found is None or shutil.which("node") is None:
        message = ("ical.js (and node) are needed for the second calendar parser: ./dev test installs them "
                   "(npm install into <virtualenv>/node), or set SUMMIT_ICALJS to the ical.js package's folder")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def read_with_icaljs(body: bytes) -> dict:
    """The file as ical.js reads it: ``{"calendar": {PROPERTY: value}, "events": [{uid, summary, …}]}``."""
    package = _require_icaljs()
    result = subprocess.run(["node", "-e", _READER, str(package / "dist" / "ical.es5.cjs")], input=body,
                            capture_output=True, timeout=60, check=False)
    assert result.returncode == 0, f"ical.js refused the file: {result.stderr.decode(errors='replace')[-2000:]}"
    return json.loads(result.stdout)


def icaljs_events(body: bytes) -> dict[str, dict]:
    return {event["uid"]: event for event in read_with_icaljs(body)["events"]}
