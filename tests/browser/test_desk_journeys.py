"""Staff at the desk in a real browser: a badge batch with its progress bar and PDF, and the door
scanner page checking delegates in by typed code."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from summit.plumbing.extensions import db
from summit.models import BadgeJob, Delegate
from summit.services.accreditation import decisions
from summit.services.checkin.codes import checkin_code

from browser.console_login import sign_in
from browser.journey import words
from support.bulk_delegates import insert_delegates
from support.factories import register, route

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# One render process: the batch's 50-badge chunks finish one after the other, so the bar has steps to show.
SERVER_ENV = {"BADGE_RENDER_PROCESSES": "1"}

# Enough badges that the batch renders for ten seconds or so (a 50-badge chunk takes about half a
# second): the bar is seen part way, and the second desk's batch has a batch ahead of it to wait for.
BULK = 600


def en(msgid: str, **params) -> str:
    return words("en", msgid, **params)


def test_staff_print_a_badge_batch_and_watch_the_progress_bar(journey, site):
    insert_delegates(site.summit.id, BULK)  # a few of them cancelled
    for given, family, native in (("Na", "Li", "李娜"), ("Layla", "Haddad", "ليلى حداد"),
                                  ("Olga", "Petrova", "Ольга Петрова"), ("Somchai", "Srisuk", "สมชาย ศรีสุข")):
        register(site.summit, given_name=given, family_name=family, native_name=native)
    total = db.session.scalar(db.select(db.func.count()).select_from(Delegate).where(Delegate.status == "registered"))
    assert 550 < total <= BULK + 4  # eleven chunks of 50 at least

    page = journey.open(locale="en-GB")
    sign_in(journey, page, "staff", "/desk/badges")
    expect(page).to_have_url(re.compile(r"/desk/badges$"))
    expect(page.get_by_role("row").filter(has_text="李娜")).to_contain_text("LI Na")  # a Han native name: family name first
    journey.look(page, "badges")

    # A second desk gets two badges ready to print meanwhile.
    other = page.context.new_page()
    other.goto("/desk/badges")
    other.check("input[name=selection][value=ids]")
    for row in range(2):
        other.locator("input[name=ids]").nth(row).check()
    journey.look(other, "second-desk")

    # Every answer the progress script gets is kept: the bar must only ever move forward.
    seen: list[tuple[str, int, int]] = []

    def on_response(response):
        if re.search(r"/desk/badges/batches/\d+\.json$", response.url) and response.ok:
            job = response.json()
            seen.append((job["status"], job["done"], job["total"]))

    page.on("response", on_response)
    page.check("input[name=selection][value=all]")
    page.select_option("[name=layout]", "a6")
    page.get_by_role("button", name=en("Print batch")).click()
    expect(page).to_have_url(re.compile(r"/desk/badges/batches/\d+$"))
    bar = page.locator("progress")
    expect(bar).to_have_attribute("max", str(total))
    download_link = page.get_by_role("link", name=en("Download PDF"), include_hidden=True)
    expect(download_link).to_be_hidden()  # no PDF yet: nothing to click
    journey.look(page, "batch-started")

    # The second desk prints its two now: batches render one at a time, so it waits its turn and
    # says where it stands in the queue.
    other.get_by_role("button", name=en("Print batch")).click()
    expect(other).to_have_url(re.compile(r"/desk/badges/batches/\d+$"))
    queued = en("In the queue: number %(position)s. Batches are printed one at a time.", position="NUMBER")
    expect(other.locator(".batch-state")).to_have_text(re.compile(re.escape(queued).replace("NUMBER", r"[12]")))
    expect(other.get_by_role("link", name=en("Download PDF"), include_hidden=True)).to_be_hidden()
    journey.look(other, "second-batch-queued")

    # Some chunks done: the bar (and the count beside it) moves part way without a reload.
    part_way = "|".join(str(done) for done in range(50, total, 50))
    expect(bar).to_have_attribute("value", re.compile(rf"^({part_way})$"), timeout=120_000)
    expect(page.locator(".batch-state")).to_have_text(en("Rendering…"))
    journey.look(page, "batch-part-way")

    expect(page.locator(".batch-state")).to_have_text(en("Done: your PDF is ready."), timeout=180_000)
    expect(download_link).to_be_visible()
    assert bar.evaluate("bar => [bar.value, bar.max]") == [total, total]
    expect(page.locator("[data-done]")).to_have_text(str(total))
    journey.look(page, "batch-done")
    # the second batch then had its turn
    expect(other.locator(".batch-state")).to_have_text(en("Done: your PDF is ready."), timeout=120_000)
    expect(other.get_by_role("link", name=en("Download PDF"))).to_be_visible()
    journey.look(other, "second-batch-done")

    done = [d for _, d, _ in seen]
    assert done == sorted(done) and any(0 < d < total for d in done), seen
    assert seen[-1] == ("done", total, total), seen

    with page.expect_download() as download_info:
        download_link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf = PdfReader(download.path())
    assert len(pdf.pages) == total
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "HADDAD" in text and "PETROVA" in text

    # The list now says every badge was printed once.
    page.get_by_role("link", name=en("Back to badges")).click()
    expect(page.get_by_text(en("Not yet"), exact=True)).to_have_count(0)
    journey.look(page, "badges-printed")
    site.fresh()
    job, second = db.session.scalars(db.select(BadgeJob).order_by(BadgeJob.id)).all()
    assert (job.status, job.done, job.total) == ("done", total, total)
    assert (second.status, second.total) == ("done", 2) and second.started_at >= job.finished_at


def test_the_door_scanner_checks_a_delegate_in_by_typed_code(journey, site):
    delegate = register(site.summit, given_name="Layla", family_name="Haddad", native_name="ليلى حداد",
                        country="JO", route_id=route(site.summit, "R3").id).delegate
    code = checkin_code(delegate)

    page = journey.open(locale="en-GB")
    sign_in(journey, page, "staff", "/desk/checkin")
    expect(page.get_by_role("heading", name=en("Check-in"), level=1)).to_be_visible()
    expect(page.locator("#code")).to_be_focused()  # a handheld scanner types straight into it
    journey.look(page, "checkin")

    # No camera in a headless browser: the page says so and the typed code still works.
    page.get_by_role("button", name=en("Start camera")).click()
    expect(page.locator(".camera-state")).to_have_text(
        en("No camera here: type the code, or use a handheld scanner in the field below."))

    page.fill("#code", code)
    page.get_by_role("button", name=en("Check in"), exact=True).click()
    result = page.locator("[data-result] .verdict")
    expect(result).to_have_class(re.compile(r"verdict-ok"))
    expect(result).to_contain_text(en("Checked in now"))
    expect(result).to_contain_text("Layla HADDAD")
    expect(result).to_contain_text("ليلى حداد")
    expect(result).to_contain_text("R3")
    expect(page.locator("#code")).to_have_value("")  # ready for the next badge
    journey.look(page, "checked-in")
    site.fresh()
    checked_in_at = db.session.get(Delegate, delegate.id).checked_in_at
    assert checked_in_at is not None

    # The same badge again: amber, with the time of the first check-in.
    page.fill("#code", code)
    page.keyboard.press("Enter")
    expect(result).to_have_class(re.compile(r"verdict-already"))
    expect(result).to_contain_text(en("Already checked in at %(time)s",
                                      time=checked_in_at.astimezone(site.summit.zone).strftime("%H:%M")))
    journey.look(page, "already-checked-in")

    # An altered code: red, and nobody's name.
    page.fill("#code", code[:-3] + "abc")
    page.keyboard.press("Enter")
    expect(result).to_have_class(re.compile(r"verdict-unknown"))
    expect(result).to_contain_text(en("Unknown or forged code: not a valid badge."))
    expect(result).not_to_contain_text("HADDAD")
    journey.look(page, "forged-code")

    # The organisers reject her after her badge was printed and used: the same badge is now amber,
    # neither admitted nor "forged", and says why (colour, ⚠ and words).
    decisions.decide(site.summit, delegate.id, {"decision": "reject", "reason": "Withdrawn by the ministry."}, None)
    page.fill("#code", code)
    page.keyboard.press("Enter")
    expect(result).to_have_class(re.compile(r"verdict-amber"))
    expect(result).to_have_class(re.compile(r"verdict-rejected"))
    expect(result).to_contain_text(en("Not accredited: do not admit."))
    expect(result).to_contain_text("⚠")
    expect(result).to_contain_text("HADDAD")
    journey.look(page, "not-accredited")
