"""Accreditation in a real browser, end to end (issue 14): an organiser switches the summit to
invitation and creates a delegation; its focal point imports the members from a CSV (a dry run
refusing a bad row, then the corrected file); the organiser approves two and rejects one with a
reason; staff print the approved badges (the rejected one is refused); the door admits an approved
delegate and turns the rejected one away in amber."""
from __future__ import annotations

import csv
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from summit.plumbing.extensions import db
from summit.models import Delegate, Delegation
from summit.services.checkin.codes import checkin_code

from browser.console_login import sign_in
from browser.journey import words

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HEADER = ["given_name", "family_name", "email", "organisation", "country", "category", "language"]
MEMBERS = [
    ["Awa", "Diop", "awa.diop@transports.sn", "Ministère des Transports", "SN", "government", "en"],
    ["Moussa", "Fall", "moussa.fall@transports.sn", "Ministère des Transports", "SN", "government", "en"],
    ["Fatou", "Sarr", "fatou.sarr@ageroute.sn", "AGEROUTE", "SN", "enterprise", "en"],
    ["Ibrahima", "Ba", "ibrahima.ba@ucad.sn", "Université Cheikh Anta Diop", "SN", "academia", "en"],
]
BAD_EMAIL = "fatou.sarr@@ageroute"
REASON = "The ministry has replaced this member in its delegation."


def en(msgid: str, **params) -> str:
    return words("en", msgid, **params)


def write_csv(path, rows) -> str:
    with open(path, "w", encoding="utf-8-sig", newline="") as out:  # as Excel's "CSV UTF-8" saves it
        csv.writer(out).writerows([HEADER, *rows])
    return str(path)


def row_of(page, email: str):
    return page.get_by_role("row").filter(has_text=email)


def test_a_delegation_is_invited_imported_reviewed_printed_and_checked_at_the_door(journey, site, tmp_path):
    # 1. The organiser: invitation only, then a new delegation of five places.
    organiser = journey.open(locale="en-GB")
    sign_in(journey, organiser, "organiser", "/console/accreditation")
    journey.look(organiser, "accreditation")
    organiser.check("input[name=registration_mode][value=invitation]")
    organiser.get_by_role("button", name=en("Save"), exact=True).click()
    expect(organiser.locator(".flash-success")).to_contain_text("The registration mode is now:")
    expect(organiser.locator("input[name=registration_mode][value=invitation]")).to_be_checked()
    journey.look(organiser, "mode-invitation")

    organiser.goto("/console/delegations")
    journey.look(organiser, "delegations")
    organiser.goto("/console/delegations/new")
    journey.look(organiser, "delegation-new")
    organiser.fill("[name=name_zh]", "塞内加尔代表团")
    organiser.fill("[name=name_en]", "Delegation of Senegal")
    organiser.select_option("[name=country]", "SN")
    organiser.fill("[name=focal_name]", "Aminata Ndiaye")
    organiser.fill("[name=focal_email]", "focal@transports.sn")
    organiser.fill("[name=places]", "5")
    organiser.get_by_role("button", name=en("Create and send the invitation")).click()
    expect(organiser.get_by_role("heading", name="Delegation of Senegal", level=1)).to_be_visible()
    link = organiser.locator("code.secret")
    expect(link).to_contain_text("/delegation/")
    secret_link = link.inner_text().strip()
    expect(organiser.locator(".facts")).to_contain_text(en("%(taken)d of %(places)d taken", taken=0, places=5))
    journey.look(organiser, "delegation-created")
    site.fresh()
    delegation = db.session.scalars(db.select(Delegation).where(Delegation.name_en == "Delegation of Senegal")).one()

    # 2. The focal point, in a browser of their own: the link needs no account.
    focal = journey.open(locale="en-GB")
    focal.goto(secret_link)
    expect(focal.get_by_role("heading", name="Delegation of Senegal", level=1)).to_be_visible()
    expect(focal.get_by_text(en("No members yet. Add them below, or import a file."))).to_be_visible()
    journey.look(focal, "delegation-page")

    # A dry run of a file whose third member has a broken email: the row and column are named, nobody is added.
    bad_rows = [row[:] for row in MEMBERS]
    bad_rows[2][2] = BAD_EMAIL
    focal.set_input_files("#delegation-import input[name=file]", write_csv(tmp_path / "members-bad.csv", bad_rows))
    focal.locator("#delegation-import").get_by_role("button", name=en("Check the file")).click()
    expect(focal.get_by_role("heading", name=en("Import members"), level=1)).to_be_visible()
    problems = focal.locator(".import-problems li")
    expect(problems).to_have_count(1)
    # header on line 1: the third member is on line 4; email is the third column, C
    expect(problems).to_contain_text(f"{en('Row %(line)s', line=4)}, {en('column %(letter)s', letter='C')} · Email")
    expect(focal.locator("tr.row-error")).to_have_count(1)
    expect(focal.locator("tr.row-error")).to_contain_text(BAD_EMAIL)
    expect(focal.locator("input[name=sealed]")).to_have_count(0)  # nothing to confirm
    journey.look(focal, "import-dry-run-refused")
    site.fresh()
    assert db.session.scalar(db.select(db.func.count()).select_from(Delegate).where(
        Delegate.delegation_id == delegation.id)) == 0

    # The corrected file: every row correct, then confirmed.
    focal.set_input_files("input[name=file]", write_csv(tmp_path / "members.csv", MEMBERS))
    focal.get_by_role("button", name=en("Check the file")).click()
    expect(focal.locator(".status-ok[role=status]")).to_have_text(
        "Every row is correct: 4 members can be added.")
    expect(focal.locator("tr.row-error")).to_have_count(0)
    journey.look(focal, "import-dry-run-clean")
    focal.get_by_role("button", name="Add these 4 members").click()
    expect(focal.locator(".flash-success")).to_contain_text("4 members are added to your delegation.")
    members = focal.locator(".member")
    expect(members).to_have_count(4)
    expect(focal.locator(".member .state-pending")).to_have_count(4)
    for person in MEMBERS:
        expect(members.filter(has_text=person[2])).to_contain_text(en("Pending"))
    journey.look(focal, "members-pending")
    site.fresh()
    by_email = {d.email: d for d in db.session.scalars(db.select(Delegate).where(
        Delegate.delegation_id == delegation.id))}
    assert sorted(by_email) == sorted(person[2] for person in MEMBERS)
    assert {d.accreditation for d in by_email.values()} == {"pending"}
    awa, moussa, fatou, ibrahima = (by_email[person[2]] for person in MEMBERS)

    # 3. The organiser's review queue, narrowed to the delegation: one approved with its own button,
    # one ticked and approved in bulk, one rejected with a reason on its own page.
    organiser.goto("/console/accreditation/queue")
    journey.look(organiser, "queue")
    organiser.select_option("#f-delegation", str(delegation.id))
    organiser.get_by_role("button", name=en("Filter"), exact=True).click()
    expect(organiser.get_by_role("status").filter(has_text="match")).to_have_text(
        "4 delegates match")
    journey.look(organiser, "queue-delegation")
    row_of(organiser, awa.email).get_by_role("button", name=re.compile(en("Approve"))).click()
    expect(organiser.locator(".flash-success")).to_have_text("1 delegate approved; they are told by email.")
    expect(row_of(organiser, awa.email)).to_have_count(0)  # the pending tab no longer lists her
    journey.look(organiser, "queue-one-approved")
    row_of(organiser, moussa.email).locator("input[name=ids]").check()
    organiser.get_by_role("button", name=re.compile(en("Approve selected"))).click()
    expect(organiser.locator(".flash-success")).to_have_text("1 delegate approved; they are told by email.")
    journey.look(organiser, "queue-bulk-approved")

    row_of(organiser, fatou.email).get_by_role("link", name=en("Reject %(name)s…", name=fatou.full_name)).click()
    expect(organiser.get_by_role("heading", level=1)).to_contain_text(fatou.full_name)
    journey.look(organiser, "reject")
    organiser.get_by_role("button", name=re.compile(en("Reject"))).click()  # no reason: refused, says why
    expect(organiser.locator("#reason-error")).to_have_text(
        en("Give the reason for the rejection: the delegate receives it."))
    journey.look(organiser, "reject-needs-reason")
    organiser.fill("#reason", REASON)
    organiser.get_by_role("button", name=re.compile(en("Reject"))).click()
    expect(organiser.locator(".flash-success")).to_contain_text("is rejected; they are told the reason by email.")
    expect(organiser.get_by_role("status").filter(has_text="match")).to_have_text("1 delegate matches")
    expect(row_of(organiser, ibrahima.email)).to_be_visible()  # still waiting: undecided
    journey.look(organiser, "queue-after-decisions")

    organiser.goto(f"/console/delegations/{delegation.id}")
    for person, state in ((awa, "Approved"), (moussa, "Approved"), (fatou, "Rejected"), (ibrahima, "Pending")):
        expect(row_of(organiser, person.email)).to_contain_text(en(state))
    journey.look(organiser, "delegation-states")
    site.fresh()
    states = {d.email: d.accreditation for d in db.session.scalars(db.select(Delegate).where(
        Delegate.delegation_id == delegation.id))}
    assert states == {awa.email: "approved", moussa.email: "approved", fatou.email: "rejected",
                      ibrahima.email: "pending"}

    # 4. Staff at the badge desk: the two approved are printed; the rejected has no button, and a
    # batch that includes her is refused with the reason.
    desk = journey.open(locale="en-GB")
    sign_in(journey, desk, "staff", "/desk/badges")
    expect(row_of(desk, "Ministère des Transports").first).to_be_visible()
    fatou_row = desk.get_by_role("row").filter(has=desk.locator(f"input[name=ids][value='{fatou.id}']"))
    expect(fatou_row.get_by_role("button", name=en("Print badge"))).to_have_count(0)
    expect(fatou_row).to_contain_text(en("no badge until approved"))
    journey.look(desk, "badges")

    desk.check("input[name=selection][value=ids]")
    desk.check(f"input[name=ids][value='{fatou.id}']")
    desk.get_by_role("button", name=en("Print batch")).click()
    expect(desk.locator(".flash-error")).to_contain_text(
        "Not printed: only delegates whose registration the organisers have approved get a badge.")
    journey.look(desk, "batch-refused")
    desk.get_by_role("link", name=en("Back to badges")).click()
    journey.look(desk, "badges-again")

    desk.check("input[name=selection][value=ids]")
    for person in (awa, moussa):
        desk.check(f"input[name=ids][value='{person.id}']")
    desk.get_by_role("button", name=en("Print batch")).click()
    expect(desk).to_have_url(re.compile(r"/desk/badges/batches/\d+$"))
    expect(desk.locator(".batch-state")).to_have_text(en("Done: your PDF is ready."), timeout=180_000)
    journey.look(desk, "batch-done")
    with desk.expect_download() as download_info:
        desk.get_by_role("link", name=en("Download PDF")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf_file:
        assert pdf_file.read(5) == b"%PDF-"
    pdf = PdfReader(download.path())
    assert len(pdf.pages) == 2
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "DIOP" in text and "FALL" in text and "SARR" not in text

    # 5. The door: an approved delegate is admitted; the rejected one is turned away in amber.
    desk.goto("/desk/checkin")
    expect(desk.locator("#code")).to_be_focused()
    journey.look(desk, "checkin")
    site.fresh()
    result = desk.locator("[data-result] .verdict")
    desk.fill("#code", checkin_code(db.session.get(Delegate, awa.id)))
    desk.get_by_role("button", name=en("Check in"), exact=True).click()
    expect(result).to_have_class(re.compile(r"verdict-ok"))
    expect(result).to_contain_text(en("Checked in now"))
    expect(result).to_contain_text("DIOP")
    journey.look(desk, "checked-in")

    desk.fill("#code", checkin_code(db.session.get(Delegate, fatou.id)))
    desk.keyboard.press("Enter")
    expect(result).to_have_class(re.compile(r"verdict-amber"))
    expect(result).to_have_class(re.compile(r"verdict-rejected"))
    expect(result).to_contain_text(en("Not accredited: do not admit."))
    expect(result).to_contain_text("SARR")
    journey.look(desk, "not-accredited")
    site.fresh()
    assert db.session.get(Delegate, awa.id).checked_in_at is not None
    assert db.session.get(Delegate, fatou.id).checked_in_at is None
