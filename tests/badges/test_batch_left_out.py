"""A batch stores its delegates when queued; whoever is rejected (or cancels) before it renders is not printed,
and the batch says how many were left out and why."""
from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader

from support.badge_helpers import login, staff_user, wait_for
from support.factories import make_delegate
from summit.models import Delegate
from summit.plumbing.extensions import db
from summit.services.accreditation import decisions
from summit.services.badges import jobs as badge_jobs
from summit.services.badges.selection import Selection
from summit.services.registration import delegates as registration


def queued_not_started(summit):
    """A batch of "all", queued with no runner woken yet: what the staff saw when they started it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(badge_jobs, "wake_runner", lambda app: None)
        return badge_jobs.create_job(summit, Selection("all"), "a6", None)


def test_the_render_prints_only_the_approved_and_counts_who_was_left_out(app, summit, client):
    app.config["BADGE_RENDER_PROCESSES"] = 1
    people = [make_delegate(summit, f"Given{chr(97 + i)}", f"Family{chr(97 + i)}") for i in range(5)]
    job = queued_not_started(summit)
    assert job.total == 5 and job.status == "queued"
    decisions.decide(summit, people[0].id, {"decision": "reject", "reason": "Withdrawn."}, None)
    registration.cancel(db.session.get(Delegate, people[1].id))
    badge_jobs.wake_runner(app)
    job = wait_for(job.id)
    assert job.status == "done", job.error
    assert job.total == 3 and job.done == 3
    assert badge_jobs.left_out(job) == {"pending": 0, "rejected": 1, "cancelled": 1}
    assert len(PdfReader(BytesIO(badge_jobs.result_pdf(job))).pages) == 3
    db.session.expire_all()
    printed = {d.id for d in db.session.scalars(db.select(Delegate).where(Delegate.badge_print_count > 0))}
    assert printed == {p.id for p in people[2:]}
    # the batch page and its status say so, in the staff member's language
    login(client, staff_user())
    status = client.get(f"/desk/badges/batches/{job.id}.json").get_json()
    assert status["left_out"] == {"pending": 0, "rejected": 1, "cancelled": 1} and status["total"] == 3
    page = client.get(f"/desk/badges/batches/{job.id}?lang=en").get_data(as_text=True)
    assert "Left out, as only approved delegates are printed: 0 pending, 1 rejected, 1 cancelled" in page
    assert "1 个未获批准" in client.get(f"/desk/badges/batches/{job.id}?lang=zh").get_data(as_text=True)


def test_a_batch_whose_every_delegate_was_rejected_fails_and_says_why(app, summit):
    people = [make_delegate(summit, "Only", f"Person{chr(97 + i)}") for i in range(2)]
    job = queued_not_started(summit)
    decisions.decide_many(summit, [p.id for p in people], {"decision": "reject", "reason": "Withdrawn."}, None)
    badge_jobs.wake_runner(app)
    job = wait_for(job.id)
    assert job.status == "failed" and "no longer approved" in job.error and "2 rejected" in job.error
    assert badge_jobs.left_out(job)["rejected"] == 2 and job.total == 0
