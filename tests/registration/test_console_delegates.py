"""Finding delegates (list page and GET /api/v1/delegates), and organisers' corrections, moves and cancellations."""
from __future__ import annotations

import pytest

from summit.plumbing.extensions import db
from summit.models import AuditEntry, Delegate, VisitRoute
from summit.services.registration import search as delegate_search

from support.bulk_delegates import insert_delegates
from support.console_support import api_token, page_csrf, sign_in, text
from support.factories import register, route, set_capacity


def api_ids(client, headers, **params):
    response = client.get("/api/v1/delegates", query_string=params, headers=headers)
    assert response.status_code == 200, response.get_json()
    return [d["id"] for d in response.get_json()["delegates"]]


@pytest.fixture
def people(summit):
    made = {
        "wang": register(summit, given_name="Xiaoming", family_name="Wang", native_name="王小明",
                         organisation="交通运输部", email="wang@mot.gov.cn", country="CN"),
        "ali": register(summit, given_name="Mohammed", family_name="Ali", native_name="محمد علي",
                        organisation="هيئة الطرق والمواصلات", email="m.ali@rta.ae", country="AE"),
        "olga": register(summit, given_name="Olga", family_name="Petrova", native_name="Ольга Петрова",
                         organisation="100% Green_Transit", email="olga@example.ru", country="RU", category="academia"),
        "elodie": register(summit, given_name="Élodie", family_name="Dubois", organisation="Ville de Paris",
                           email="Elodie.Dubois@Paris.fr", country="FR", category="media"),
    }
    return {key: result.delegate.id for key, result in made.items()}


@pytest.mark.parametrize("q, expected", [
    ("王小明", {"wang"}), ("小明", {"wang"}), ("交通运输", {"wang"}),
    ("محمد", {"ali"}), ("علي", {"ali"}), ("الطرق", {"ali"}),
    ("ольга", {"olga"}), ("ПЕТРОВА", {"olga"}),  # case folds in Cyrillic too
    ("élodie", {"elodie"}), ("ÉLODIE", {"elodie"}), ("elodie.dubois@paris", {"elodie"}),
    ("XIAOMING WANG", {"wang"}), ("wang xiaoming", {"wang"}),
    ("100%", {"olga"}), ("%", {"olga"}), ("_", {"olga"}), ("n_T", {"olga"}), ("100_", set()), ("\\", set()),
    ("mot.gov", {"wang"}), ("  Olga   Petrova ", {"olga"}),
])
def test_search_matches_any_script_case_insensitively_and_literally(client, summit, people, q, expected):
    headers = api_token("staff")
    assert set(api_ids(client, headers, q=q)) == {people[k] for k in expected}


def test_the_api_answers_the_contract_shape(client, summit, people):
    r1 = route(summit, "R1")
    set_capacity(r1, 0)
    register(summit, given_name="Queue", family_name="Person", route_id=r1.id, join_waitlist=True)
    headers = api_token("staff")
    response = client.get("/api/v1/delegates", query_string={"q": "queue"}, headers=headers)
    body = response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    (d,) = body["delegates"]
    assert list(d)[:10] == ["id", "given_name", "family_name", "native_name", "email", "organisation", "country",
                            "category", "route", "checked_in_at"]
    assert d["route"] == {"id": r1.id, "status": "waitlisted", "waitlist_position": 1, "code": "R1"}
    assert d["checked_in_at"] is None
    wang = next(x for x in client.get("/api/v1/delegates", query_string={"q": "王"}, headers=headers)
                .get_json()["delegates"])
    assert wang["native_name"] == "王小明" and wang["route"] is None and wang["country"] == "CN"


def test_paging_defaults_limits_and_refusals(client, summit, people):
    headers = api_token("staff")
    body = client.get("/api/v1/delegates", headers=headers).get_json()
    assert (body["page"], body["per_page"], body["total"]) == (1, 50, 4)
    assert len(api_ids(client, headers, per_page=3)) == 3 and len(api_ids(client, headers, per_page=3, page=2)) == 1
    assert api_ids(client, headers, page=9) == []
    for bad in ({"per_page": 501}, {"per_page": 0}, {"page": 0}, {"page": "x"}, {"per_page": "-1"},
                {"q": "x" * 201}, {"category": "royalty"}, {"sort": "password"}):
        response = client.get("/api/v1/delegates", query_string=bad, headers=headers)
        assert response.status_code == 422, bad
        assert response.get_json()["error"] == "validation_failed"
    assert client.get("/api/v1/delegates").status_code == 401


def test_filters_and_sorting_on_the_list_page(client, summit, people):
    r2 = route(summit, "R2")
    register(summit, given_name="Route", family_name="Rider", route_id=r2.id)
    olga = db.session.get(Delegate, people["olga"])
    from summit.models import utcnow
    olga.checked_in_at = utcnow()
    db.session.commit()
    sign_in(client, "staff")

    def names(**params):
        page = client.get("/console/delegates", query_string=params)
        assert page.status_code == 200
        return text(page.get_data(as_text=True))

    page = names(q="ольга")
    assert "Olga PETROVA" in page and "Ольга Петрова" in page and "1 delegate found" in page
    assert "WANG Xiaoming" not in page
    assert "Route RIDER" in names(route=str(r2.id)) and "WANG" not in names(route=str(r2.id))
    assert "RIDER" not in names(route="none") and "WANG Xiaoming" in names(route="none")
    assert "Olga PETROVA" in names(checked_in="yes") and "WANG" not in names(checked_in="yes")
    assert "Élodie DUBOIS" in names(category="media") and "WANG" not in names(category="media")
    assert "Mohammed ALI" in names(country="ae") and "1 delegate found" in names(country="AE")
    listing = names(sort="-name")
    assert listing.index("WANG Xiaoming") < listing.index("Mohammed ALI")
    listing = names(sort="name")
    assert listing.index("Mohammed ALI") < listing.index("WANG Xiaoming")
    # Nonsense in the address bar resets the filters instead of failing.
    response = client.get("/console/delegates?category=royalty&page=zero")
    assert response.status_code == 400 and "5 delegates found" in text(response.get_data(as_text=True))


def test_search_stays_right_at_ten_thousand_delegates(app, summit):
    data = insert_delegates(summit.id, 10_000)
    registered = [row for row in data if row["status"] == "registered"]

    def expected(q, **extra):
        fold = q.casefold()
        return sorted(row["email"] for row in registered
                      if any(fold in row[f].casefold() for f in ("given_name", "family_name", "native_name",
                                                                   "email", "organisation"))
                      and all(row[k] == v for k, v in extra.items()))

    for q, extra in (("王小明", {}), ("محمد", {}), ("ольга", {}), ("100%", {}), ("rail_net", {}),
                     ("o'brien", {}), ("wang", {"country": "SN"}), ("bulk9999@", {})):
        f = delegate_search.parse_filter({"q": q, **extra})
        found = delegate_search.search(summit, f, 1, 500)
        emails = [d.email for d in found.items]
        page = 2
        while len(emails) < found.total:
            emails += [d.email for d in delegate_search.search(summit, f, page, 500).items]
            page += 1
        assert sorted(emails) == expected(q, **extra), q
        assert found.total == len(expected(q, **extra)) and found.total > 0, q
    # Sorting and the last page at this size.
    f = delegate_search.parse_filter({"sort": "-registered", "badge": "yes"})
    last = delegate_search.search(summit, f, 1, 50)
    assert last.total == sum(1 for row in registered if row["badge_printed_at"])
    assert [d.created_at for d in last.items] == sorted((d.created_at for d in last.items), reverse=True)


# ---- organisers: correct, move, cancel -------------------------------------------------------------


@pytest.fixture
def organiser(client, summit):
    return sign_in(client, "organiser")


def test_organiser_corrects_details_and_the_change_is_audited(organiser, summit, people):
    did = people["wang"]
    url = f"/console/delegates/{did}/edit"
    page = organiser.get(url).get_data(as_text=True)
    assert 'value="王小明"' in page
    delegate = db.session.get(Delegate, did)
    data = {"csrf_token": page_csrf(organiser, url), "given_name": "Xiaoming", "family_name": "Wang",
            "native_name": "王晓明", "email": delegate.email, "organisation": delegate.organisation, "job_title": "",
            "country": "CN", "category": "government", "phone": "+86 138 0000 0000", "dietary_needs": "",
            "accessibility_needs": "", "language": "zh"}
    assert organiser.post(url, data=data).status_code == 302
    db.session.expire_all()
    delegate = db.session.get(Delegate, did)
    assert delegate.native_name == "王晓明" and delegate.phone == "+86 138 0000 0000"
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "delegate.update")).one()
    assert entry.changes["native_name"] == ["王小明", "王晓明"] and entry.user.email == "organiser@example.org"
    assert "banquet" not in entry.changes and "email" not in entry.changes
    history = text(organiser.get(f"/console/delegates/{did}").get_data(as_text=True))
    assert "delegate.update" in history and "王晓明" in history
    # A mistake comes back with the message and the input kept; nothing is audited.
    response = organiser.post(url, data={**data, "csrf_token": page_csrf(organiser, url),
                                         "given_name": "王", "email": "olga@example.ru"})
    assert response.status_code in (409, 422)
    assert db.session.query(AuditEntry).count() == 1


def test_moving_a_delegate_follows_the_capacity_rules(organiser, summit, people):
    r1, r2 = route(summit, "R1"), route(summit, "R2")
    set_capacity(r1, 1)
    holder = register(summit, given_name="Seat", family_name="Holder", route_id=r1.id).delegate
    waiting = register(summit, given_name="Next", family_name="Inline", route_id=r1.id, join_waitlist=True).delegate
    did = people["olga"]
    url = f"/console/delegates/{did}/move"
    csrf = page_csrf(organiser, f"/console/delegates/{did}")
    # Full route without the waiting-list box: refused, nothing changes.
    response = organiser.post(url, data={"csrf_token": csrf, "route": str(r1.id)})
    assert response.status_code == 409 and "That route is full." in text(response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(Delegate, did).booking is None
    # Moving the seat holder away frees the seat: the first in line moves up at once.
    response = organiser.post(f"/console/delegates/{holder.id}/move", data={"csrf_token": csrf, "route": str(r2.id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Delegate, holder.id).booking.route_id == r2.id
    assert db.session.get(Delegate, waiting.id).booking.status == "confirmed"
    assert db.session.get(VisitRoute, r1.id).confirmed == 1
    actions = [(e.action, e.entity_id) for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == [("delegate.move", holder.id), ("delegate.promoted", waiting.id)]
    move = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "delegate.move")).one()
    assert move.changes["route"] == ["R1", "R2"]
    # With the box ticked, the delegate joins the end of the line.
    organiser.post(url, data={"csrf_token": csrf, "route": str(r1.id), "join_waitlist": "y"})
    db.session.expire_all()
    assert db.session.get(Delegate, did).booking.status == "waitlisted"


def test_cancelling_from_the_console_frees_the_place_and_keeps_the_row(organiser, summit, people):
    r1 = route(summit, "R1")
    set_capacity(r1, 1)
    holder = register(summit, given_name="Seat", family_name="Holder", route_id=r1.id).delegate
    waiting = register(summit, given_name="Next", family_name="Inline", route_id=r1.id, join_waitlist=True).delegate
    url = f"/console/delegates/{holder.id}/cancel"
    assert "Cancel the registration of Seat HOLDER?" in text(organiser.get(url).get_data(as_text=True))
    assert organiser.post(url, data={"csrf_token": page_csrf(organiser, url)}).status_code == 302
    db.session.expire_all()
    cancelled = db.session.get(Delegate, holder.id)
    assert cancelled.status == "cancelled" and cancelled.booking is None
    assert db.session.get(Delegate, waiting.id).booking.status == "confirmed"
    assert [e.action for e in db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id))] == [
        "delegate.cancel", "delegate.promoted"]
    # Listed under cancelled, not under registered.
    page = text(organiser.get("/console/delegates?status=cancelled").get_data(as_text=True))
    assert "Seat HOLDER" in page
    assert "Seat HOLDER" not in text(organiser.get("/console/delegates").get_data(as_text=True))


def test_staff_see_a_delegate_but_not_the_organisers_controls(client, summit, people):
    sign_in(client, "staff")
    page = client.get(f"/console/delegates/{people['ali']}").get_data(as_text=True)
    assert "محمد علي" in page and "Correct details" not in page and "/move" not in page and "History" not in page
    assert client.get("/console/delegates/999999").status_code == 404
