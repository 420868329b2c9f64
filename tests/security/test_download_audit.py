"""Every download of delegates' personal data is audited (issue 17, item 7), and no route escapes the rule.

Every endpoint of the app is named below, once: either in AUDITED, with a request that downloads
through it (the test makes each and expects exactly one new ``download`` entry naming the account
and what was downloaded), or in NOT_A_DOWNLOAD with the reason it is none.  A new endpoint in
neither list fails ``test_every_endpoint_is_classified``: whoever adds it decides, here, whether it
hands out personal data.

What counts as a download: anything that hands delegates' personal data to someone to take away, a
file (CSV, XLSX, PDF, a printable page) or a machine-readable list (the API, a roster).  The
console's and the desk's own pages (the delegate list and search, a delegate's page, the badge
list, the review queue) are where staff do their work on screen, and are not audited page by page:
each page view would bury the downloads, which are what leaves the system. Their export buttons
are audited.  A delegate's or a focal point's views of their own data are not downloads either,
except the data copy (pd-consent's, which records itself).
"""
from __future__ import annotations

import re

import pytest

from summit.models import AuditEntry, Hotel
from summit.plumbing.extensions import db
from summit.services.badges import jobs as badge_jobs
from summit.services.badges.selection import Selection
from summit.services.registration import delegates as registration
from summit.services.travel import plans as travel

from support.app import csrf_token
from support.badge_helpers import wait_for
from support.console_support import api_token, sign_in
from support.factories import make_delegate

STAFF_EMAIL = "audited@example.org"

#: endpoint → (role, how to download through it); each returns the response
AUDITED = {
    "api.list_delegates": ("staff", lambda c, ids, h: c.get("/api/v1/delegates?q=Love&per_page=5", headers=h)),
    "api.get_badges_pdf": ("staff", lambda c, ids, h: c.get(f"/api/v1/badges.pdf?ids={ids['delegate_id']}",
                                                            headers=h)),
    "api.post_badges_pdf": ("staff", lambda c, ids, h: c.post("/api/v1/badges.pdf", json={"all": True},
                                                              headers=h)),
    "api.get_roster": ("staff", lambda c, ids, h: c.get("/api/v1/zones/venue/roster", headers=h)),
    "console.export_delegates": ("organiser", lambda c, ids, h: c.get("/console/exports/delegates.csv")),
    "console.route_manifest": ("staff", lambda c, ids, h: c.get(f"/console/routes/{ids['route_id']}/manifest")),
    "console.route_manifest_csv": ("staff", lambda c, ids, h: c.get(
        f"/console/routes/{ids['route_id']}/manifest.csv")),
    "desk.print_one": ("staff", lambda c, ids, h: c.post("/desk/badges/print", data={
        "csrf_token": csrf_token(c.get("/desk/badges").text), "print": str(ids["delegate_id"]), "layout": "a6"})),
    "desk.reissue": ("staff", lambda c, ids, h: c.post(f"/desk/delegates/{ids['delegate_id']}/reissue", data={
        "csrf_token": csrf_token(c.get(f"/desk/delegates/{ids['delegate_id']}/reissue").text),
        "confirm": "yes", "layout": "a6"})),
    "desk.batch_pdf": ("staff", lambda c, ids, h: c.get(f"/desk/badges/batches/{ids['job_id']}.pdf")),
    "door.roster_json": ("staff", lambda c, ids, h: c.get("/desk/door/zones/venue/roster.json")),
    "console.letter_batch_pdf": ("organiser", lambda c, ids, h: c.get(_letter_batch_url())),
    # travel: the pick-up lists and the rooming lists (names, flights, phones)
    "api.get_arrivals": ("staff", lambda c, ids, h: c.get("/api/v1/arrivals?date=2024-09-24", headers=h)),
    "desk.transport_xlsx": ("staff", lambda c, ids, h: c.get("/desk/transport.xlsx?date=2024-09-24&airport=PEK")),
    "desk.rooming_xlsx": ("staff", lambda c, ids, h: c.get(f"/desk/hotels/{ids['hotel_id']}/rooming.xlsx")),
}


def _letter_batch_url() -> str:
    """A finished visa-letter batch (one Senegalese delegate's letter), its download's URL."""
    from summit.models import ConsoleUser, Summit
    from summit.services.travel.letter_jobs import create_letter_job
    from support.factories import register
    from support.visa_letters import PASSPORT, open_requests

    summit = db.session.scalars(db.select(Summit)).first()
    open_requests(summit)
    register(summit, given_name="Amina", family_name="Diallo", email="amina@example.org", visa_letter=True,
             passport=dict(PASSPORT), sensitive_consent=True)
    user = db.session.scalars(db.select(ConsoleUser).where(ConsoleUser.email == STAFF_EMAIL)).one()
    job = wait_for(create_letter_job(summit, "SN", user).id)
    assert job.status == "done", job.error
    return f"/console/letters/batches/{job.id}.pdf"
#: the other URLs of an endpoint in AUDITED (one endpoint, two files)
ALSO = {"console.export_delegates": [("organiser", lambda c, ids, h: c.get("/console/exports/delegates.xlsx"))]}

_SCREEN = "a console or desk page: staff work on screen; its downloads are audited where they are"
_OWN = "the delegate's own data, shown to them (their data copy is the audited download)"
_FOCAL = "the focal point's own delegation, which they entered; no one else's data"
_NONE = "holds no delegate's personal data"
_WRITE = "changes something (audited as a change where it matters); answers with no list of people"
_OWN_COPY = "the delegate's own data copy: audited with actor delegate, checked in tests/privacy"
_OWN_LETTER = ("the delegate's own visa letter (or their focal point's for a member): audited with actor none, "
               "checked in tests/travel/test_visa_letters.py")
NOT_A_DOWNLOAD = {
    # public and technical
    "static": _NONE, "public.home": _NONE, "public.agenda_page": _NONE, "public.routes_page": _NONE,
    "public.switch_language": _NONE, "public.switch_language_keeping": _NONE, "health.healthz": _NONE,
    "health.readyz": _NONE, "public.privacy": _NONE, "registration.register": _NONE, "calendar.agenda_ics": _NONE,
    "calendar.item_ics": _NONE, "api.openapi_document": _NONE, "api.get_agenda": _NONE, "api.get_routes": _NONE,
    "api.get_summit": _NONE, "api.get_zones": _NONE, "api.list_delegations": "delegations' names and counts only",
    "door.door_page": "the door's page shell; its roster comes from door.roster_json",
    "door.service_worker": _NONE, "door.manifest": _NONE,
    # the delegate's own
    "api.withdraw_sensitive_consent": _OWN, "selfservice.withdraw_sensitive": _OWN, "selfservice.erase": _OWN,
    "selfservice.erased": _OWN,
    # the delegate's own copy IS audited (actor "delegate"): tests/privacy/test_consents_and_copy.py checks its entry
    "api.get_own_data": _OWN_COPY, "selfservice.own_data": _OWN_COPY, "selfservice.own_data_json": _OWN_COPY,
    "api.own_visa_letter": _OWN_LETTER, "selfservice.visa_letter_pdf": _OWN_LETTER,
    "delegation_page.member_visa_letter_pdf": _OWN_LETTER,
    "api.put_own_passport": _OWN + " (the number masked)", "selfservice.visa_letter": _OWN + " (the number masked)",
    "delegation_page.member_visa_letter": _FOCAL + " (the number masked)",
    "letters.verify": ("public: one letter's masked facts to whoever holds its serial (what the contract allows), "
                       "rate-limited, the same answer for an unknown and a forged serial; no list"),
    "calendar.personal_ics": _OWN, "api.create_registration": _OWN, "api.get_self": _OWN, "api.patch_self": _OWN,
    "api.delete_self": _OWN, "api.reset_own_calendar": _OWN, "selfservice.open_new_link": _OWN,
    "selfservice.manage": _OWN, "selfservice.reset_calendar": _OWN, "selfservice.cancel": _OWN,
    "selfservice.edit_details": _OWN, "selfservice.change_route": _OWN, "selfservice.lost_link": _OWN,
    # the focal point's own delegation
    "api.get_own_delegation": _FOCAL, "api.add_member": _FOCAL, "api.import_members": _FOCAL,
    "delegation_page.home": _FOCAL, "delegation_page.import_preview": _FOCAL + " (their upload, shown back)",
    "delegation_page.import_confirm": _FOCAL, "delegation_page.add_member": _FOCAL,
    "delegation_page.edit_member": _FOCAL, "delegation_page.resend_link": _FOCAL,
    "delegation_page.member_route": _FOCAL, "delegation_page.withdraw_member": _FOCAL,
    "delegation_page.member_travel": _FOCAL, "selfservice.travel_page": _OWN,
    "delegation_page.import_template": "the empty templates to fill in (member_files.template_*): no one's data",
    # API calls that change things and answer about one delegate at most
    "api.post_decisions": _WRITE, "api.post_checkin": _WRITE + " (the scanned delegate, at the door)",
    "api.post_checkins_sync": _WRITE, "api.patch_delegate": _WRITE, "api.post_accreditation": _WRITE,
    "api.post_reissue": _WRITE + " (the new badge version, no PDF)", "api.create_delegation": _WRITE,
    "api.patch_route": _WRITE, "api.patch_summit": _WRITE, "api.post_undo": _WRITE,
    "api.get_audit": "the audit itself: who downloaded what, no delegate's data",
    # console and desk pages
    **{endpoint: _SCREEN for endpoint in (
        "console.home", "console.banquet", "console.accreditation", "console.review_reject", "console.review_queue",
        "console.review_decide", "console.audit_log", "console.delegates", "console.delegate_detail",
        "console.delegate_cancel", "console.delegate_edit", "console.delegate_move", "console.delegations_list",
        "console.delegation_detail", "console.delegation_places", "console.delegation_reissue",
        "console.delegation_revoke", "console.delegation_new", "console.exports_page", "console.login",
        "console.logout", "console.messages", "console.message_detail", "console.message_new",
        "console.programme_list", "console.programme_cancel", "console.programme_delete", "console.programme_edit",
        "console.programme_restore", "console.programme_new", "console.routes", "console.route_edit",
        "console.tokens", "console.token_revoke", "console.zones", "console.letters_page",
        "console.start_letter_batch", "console.letter_batch", "console.letter_batch_status", "desk.index", "desk.badge_list",
        "desk.start_batch", "desk.batch", "desk.batch_status", "desk.board", "desk.board_json",
        "desk.checkin_page", "desk.checkin_json", "desk.find", "desk.delegate_page", "desk.undo_entry",
        "door.sync_json", "desk.transport", "desk.hotel_list")},
}


def test_every_endpoint_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    both = set(AUDITED) & set(NOT_A_DOWNLOAD)
    assert not both, f"named as audited and as no download: {sorted(both)}"
    unclassified = endpoints - set(AUDITED) - set(NOT_A_DOWNLOAD)
    assert not unclassified, (
        f"new endpoints {sorted(unclassified)}: if they hand out delegates' personal data, call "
        "summit.services.console.audit.record_download and add them to AUDITED here; if not, say why in "
        "NOT_A_DOWNLOAD")
    gone = (set(AUDITED) | set(NOT_A_DOWNLOAD)) - endpoints
    assert not gone, f"listed here but no longer in the app: {sorted(gone)}"


@pytest.fixture
def ids(app, summit):
    app.config["BADGE_RENDER_PROCESSES"] = 1
    delegate = make_delegate(summit, "Ada", "Lovelace", route="R1")
    job = wait_for(badge_jobs.create_job(summit, Selection("all"), "a6", None).id)
    assert job.status == "done", job.error
    hotel_id = db.session.scalars(db.select(Hotel.id).where(Hotel.summit_id == summit.id).order_by(Hotel.id)).first()
    travel.change_travel(lambda: registration.lock_delegate(delegate.id), summit, {  # on the pick-up and rooming lists
        "arrival": {"at": "2024-09-24T14:30:00+08:00", "flight": "CA981", "airport": "PEK"},
        "hotel": {"hotel_id": hotel_id, "nights": ["2024-09-24"]}})
    return {"delegate_id": delegate.id, "route_id": delegate.booking.route_id, "job_id": job.id, "hotel_id": hotel_id}


def _downloads() -> list[AuditEntry]:
    db.session.rollback()  # what the app committed, not this session's old snapshot
    return db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "download")
                              .order_by(AuditEntry.id)).all()


@pytest.mark.parametrize("endpoint", sorted(AUDITED))
def test_each_download_writes_one_entry_naming_the_account(app, client, summit, ids, endpoint):
    role = AUDITED[endpoint][0]
    headers = api_token(role, STAFF_EMAIL) if endpoint.startswith("api.") else {}
    if not endpoint.startswith("api."):
        sign_in(client, role, STAFF_EMAIL)
    for _, download in [AUDITED[endpoint], *ALSO.get(endpoint, [])]:
        before = len(_downloads())
        response = download(client, ids, headers)
        assert response.status_code == 200, (endpoint, response.status_code, response.get_data(as_text=True)[:300])
        new = _downloads()[before:]
        assert len(new) == 1, (endpoint, [(e.entity, e.changes) for e in new])
        entry = new[0]
        assert entry.user is not None and entry.user.email == STAFF_EMAIL
        assert re.fullmatch(r"[a-z_.]+", entry.entity), entry.entity
        assert entry.changes.get("count", 0) >= 1, entry.changes


def test_a_refused_download_writes_nothing(client, summit, ids):
    """No entry for a download that did not happen (a wrong role, an unknown zone)."""
    staff = api_token("staff", STAFF_EMAIL)
    assert client.get("/api/v1/zones/kitchen/roster", headers=staff).status_code == 404
    assert client.get("/api/v1/delegates?per_page=0", headers=staff).status_code == 422
    sign_in(client, "staff", STAFF_EMAIL)
    assert client.get("/console/exports/delegates.csv").status_code == 403
    assert _downloads() == []
