"""axe-core in the browser journeys: every page they look at, in both languages, with no serious or
critical violation of WCAG 2.1 A/AA.

axe-core is a test tool, never served by the app: ``./dev test`` installs it with npm into
``$VENV/node`` (``setup_node_tests`` in ./dev).  The script is evaluated through the DevTools protocol,
which the pages' Content-Security-Policy (script-src 'self') does not apply to, so the page under test
runs with its real policy.
"""
from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

from playwright.sync_api import Page

REPO = Path(__file__).resolve().parents[2]
#: the standards a page is held to
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
#: what fails a journey; "moderate" and "minor" findings are left to review
FAILING = {"serious", "critical"}


def _candidates() -> list[Path]:
    places = []
    if os.environ.get("SUMMIT_VENV"):
        places.append(Path(os.environ["SUMMIT_VENV"]) / "node")
    places += [Path(sys.prefix) / "node", REPO / ".venv" / "node", Path("/tmp/axe")]
    return [place / "node_modules" / "axe-core" / "axe.min.js" for place in places]


@cache
def axe_source() -> str:
    for candidate in _candidates():
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    raise RuntimeError("axe-core is not installed: run ./dev test, which installs it into $VENV/node "
                       "(looked in " + ", ".join(map(str, _candidates())) + ")")


def violations(page: Page) -> list[str]:
    """The page's serious and critical violations, one line each (rule, what it asks, where)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ') + (n.failureSummary ? ' — ' + n.failureSummary.split('\\n').slice(1).join(' ').trim() : ''))})))",
        TAGS)
    lines = []
    for v in result:
        if v["impact"] in FAILING:
            where = "; ".join(v["nodes"][:4]) + (f" (+{len(v['nodes']) - 4} more)" if len(v["nodes"]) > 4 else "")
            lines.append(f"axe {v['impact']} {v['id']} ({v['help']}) on {page.url}: {where}")
    return lines
