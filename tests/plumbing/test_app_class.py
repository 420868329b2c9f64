"""SummitFlask keeps Flask's sync check per function: hooks still run on every request, and what it keeps does
not grow with the requests (nothing made per request is kept)."""
from __future__ import annotations


def test_the_kept_sync_checks_do_not_grow_with_requests(app, client, summit):
    seen = []

    @app.after_request  # after: a kept read is answered from a before_request hook, which ends those
    def _count(response):
        seen.append(1)
        return response

    for _ in range(3):
        client.get("/agenda.ics")
        client.get("/no-such-page")
    kept = len(app._synced)
    assert kept > 5 and _count in app._synced
    for _ in range(20):
        assert client.get("/agenda.ics").status_code == 200
        client.get("/no-such-page")
    assert len(app._synced) == kept and len(seen) == 46
