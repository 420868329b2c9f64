"""Approving 500 delegates at once (issue 14: ≤ 3 s), beside a plain UPDATE of the same rows.

    .venv/bin/python bench/bulk_approval.py                       # a fresh SQLite database in a temp folder
    .venv/bin/python bench/bulk_approval.py --database-url postgresql+psycopg://…/summit_bench  # an EMPTY database
    .venv/bin/python bench/bulk_approval.py -n 1000 --repeat 5

Seeds GSTF 2024 and bulk-inserts the delegates (tests/support/bulk_delegates.py, 2,000 by default, so
the 500 are a part of a real-sized table), every one pending, with a route place for a fifth of them.
Before each measurement the same N are made pending again. Each figure is the median of --repeat runs:

  ceiling   one UPDATE … SET accreditation = 'approved' WHERE id IN (…) and its commit: the floor any
            bulk approval stands on (no lock-and-read, no audit, no mail)
  service   decisions.decide_many: lock and read in id order, one UPDATE, one multi-row INSERT of the
            N audit entries, one commit; then each delegate's mail queued (send_decision)
  api       POST /api/v1/accreditation/decisions through Flask's test client: the token, the body's
            schema, the service, the JSON answer, and the mails queued when the answer has gone
  one-by-one  N calls of decisions.decide (the single-decision API's service), for comparison

The mails are written by the mail thread after the answer (development mode: logged, not sent); the
time that thread then takes for all N is printed too, apart.
"""
from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

LIMIT_SECONDS = 3.0


def prepare(database_url: str, total: int):
    from flask_migrate import upgrade
    from sqlalchemy import update

    from support.bulk_delegates import insert_delegates
    from summit import create_app
    from summit.models import Delegate
    from summit.plumbing.extensions import db
    from summit.services.console import accounts
    from summit.services.summits.current import current_summit
    from summit.services.summits.seeding import seed_summit

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                      "REDIS_URL": None})
    with app.app_context():
        upgrade()
        seed_summit()
        insert_delegates(current_summit().id, total)
        db.session.execute(update(Delegate).values(accreditation="pending"))
        db.session.commit()
        accounts.save_user("bench@example.org", "organiser", "bench password 123")
        _, token = accounts.issue_token("bench@example.org", "bench")
    return app, token


def give_routes(summit, ids: list[int]) -> None:
    """A route place for every fifth delegate, through the capacity rule (the approval mail names it)."""
    from summit.models import Delegate
    from summit.plumbing.database import writing
    from summit.plumbing.extensions import db
    from summit.services.visits import capacity

    for n, delegate_id in enumerate(ids[::5]):
        route = summit.routes[n % len(summit.routes)]
        with writing():
            delegate = db.session.get(Delegate, delegate_id)
            capacity.place_delegate(delegate, route.id, join_waitlist=True)


def make_pending(ids: list[int]) -> None:
    from sqlalchemy import update

    from summit.models import Delegate
    from summit.plumbing.extensions import db

    db.session.execute(update(Delegate).where(Delegate.id.in_(ids)).values(accreditation="pending"))
    db.session.commit()
    db.session.expire_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="an EMPTY database (default: a temporary SQLite file)")
    parser.add_argument("-n", type=int, default=500, help="delegates approved at once (default 500)")
    parser.add_argument("--delegates", type=int, default=2000, help="delegates in the table (default 2,000)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    logging.getLogger("summit.mail").setLevel(logging.WARNING)  # development mode logs every mail's text

    from sqlalchemy import select, text, update

    from summit.models import Delegate
    from summit.plumbing.extensions import db
    from summit.plumbing.mail_transport import wait_for_pending_mail
    from summit.services.accreditation import decisions
    from summit.services.accreditation.mail import send_decision
    from summit.services.summits.current import current_summit

    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
        app, token = prepare(url, max(args.delegates, args.n))
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        with app.app_context():
            summit = current_summit()
            ids = list(db.session.scalars(select(Delegate.id).where(Delegate.status == "registered")
                                          .order_by(Delegate.id).limit(args.n)))
            give_routes(summit, ids)
            results: dict[str, list[float]] = {"ceiling": [], "service": [], "api": [], "one-by-one": []}
            mail_seconds = []
            for _ in range(args.repeat):
                make_pending(ids)
                start = time.perf_counter()
                db.session.execute(update(Delegate).where(Delegate.id.in_(ids)).values(accreditation="approved"),
                                   execution_options={"synchronize_session": False})
                db.session.commit()
                results["ceiling"].append(time.perf_counter() - start)

                make_pending(ids)
                start = time.perf_counter()
                decided = decisions.decide_many(summit, ids, {"decision": "approve"}, None)
                for decision in decided:
                    send_decision(decision, summit)
                results["service"].append(time.perf_counter() - start)
                assert len(decided) == len(ids)
                start = time.perf_counter()
                wait_for_pending_mail(timeout=600)
                mail_seconds.append(time.perf_counter() - start)

                make_pending(ids)
                start = time.perf_counter()
                answer = client.post("/api/v1/accreditation/decisions", json={"ids": ids, "decision": "approve"},
                                     headers=headers)
                results["api"].append(time.perf_counter() - start)
                assert answer.status_code == 200 and answer.get_json()["changed"] == len(ids), answer.get_json()
                wait_for_pending_mail(timeout=600)
                summit = current_summit()  # the request's teardown ended the session the summit was read in

                make_pending(ids)
                start = time.perf_counter()
                for delegate_id in ids:
                    send_decision(decisions.decide(summit, delegate_id, {"decision": "approve"}, None), summit)
                results["one-by-one"].append(time.perf_counter() - start)
                wait_for_pending_mail(timeout=600)
            approved = db.session.scalar(select(db.func.count()).select_from(Delegate).where(
                Delegate.id.in_(ids), Delegate.accreditation == "approved"))
            audited = db.session.scalar(text("SELECT count(*) FROM audit_entry WHERE action = 'delegate.approve'"))
            assert approved == len(ids) and audited == 3 * args.repeat * len(ids), (approved, audited)

        kind = url.split(":")[0].split("+")[0]
        print(f"approving {args.n} of {max(args.delegates, args.n)} pending delegates on {kind}; "
              f"median of {args.repeat} runs (limit {LIMIT_SECONDS:.0f} s)")
        print(f"{'':12} {'seconds':>8} {'ms/delegate':>12} {'× ceiling':>10}")
        ceiling = statistics.median(results["ceiling"])
        for name, runs in results.items():
            seconds = statistics.median(runs)
            print(f"{name:12} {seconds:8.3f} {seconds / args.n * 1000:12.2f} {seconds / ceiling:10.1f}")
        print(f"{'mail thread':12} {statistics.median(mail_seconds):8.3f} {'':12} (writing the {args.n} mails "
              "after the commit, apart from the request)")
        worst = max(statistics.median(results["service"]), statistics.median(results["api"]))
        print("OK" if worst <= LIMIT_SECONDS else f"OVER THE LIMIT: {worst:.2f} s")


if __name__ == "__main__":
    main()
