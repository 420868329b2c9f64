"""Flights: normalised and checked (service), given through the API (registration and the self-service PATCH)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from summit.plumbing.errors import ValidationFailed
from summit.services.travel import flights

from support.factories import delegate_data


@pytest.mark.parametrize("typed, kept", [("ca 981", "CA981"), ("CA981", "CA981"), (" mu-5101 ", "MU5101"),
                                         ("3u8881", "3U8881"), ("u38881", "U38881"), ("ca1a", "CA1A"),
                                         ("lh 0720", "LH0720")])
def test_a_flight_number_is_normalised(typed, kept):
    assert flights.normalise_flight(typed) == kept


@pytest.mark.parametrize("typed", ["", "CA", "98 1234", "CA12345", "CA98X1", "CA981AB", "CA-", "中国981", "CA 9 8 1 x y z q w"])
def test_a_flight_number_of_no_iata_form_is_refused(typed):
    with pytest.raises(ValueError):
        flights.normalise_flight(typed)


def test_airports_are_known_codes_with_beijings_two_first(app):
    assert flights.normalise_airport(" pek ") == "PEK"
    with pytest.raises(ValueError):
        flights.normalise_airport("ZZQ")
    codes = [code for code, _ in flights.airport_choices()]
    assert codes[:2] == ["PEK", "PKX"] and "LHR" in codes and len(codes) > 5000


def test_the_forms_local_time_is_the_summits_zone(summit):
    value = flights.clean_flight({"at": "2024-09-24T14:30", "flight": "ca981", "airport": "pek"}, summit,
                                 "arrival", local=True)
    assert value["at"] == datetime(2024, 9, 24, 6, 30, tzinfo=timezone.utc)
    with pytest.raises(ValidationFailed) as refused:  # the API's must carry its offset
        flights.clean_flight({"at": "2024-09-24T14:30", "flight": "CA981", "airport": "PEK"}, summit, "arrival")
    assert list(refused.value.errors) == ["arrival.at"]


def _api_register(client, **travel):
    return client.post("/api/v1/registrations", json=delegate_data(**travel))


ARRIVAL = {"at": "2024-09-24T14:30:00+08:00", "flight": "ca 981", "airport": "pek"}
DEPARTURE = {"at": "2024-09-27T10:05:00+08:00", "flight": "CA982", "airport": "PKX"}


def test_registration_takes_flights_and_answers_them_normalised(client, summit):
    answer = _api_register(client, arrival=ARRIVAL, departure=DEPARTURE)
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["arrival"] == {"at": "2024-09-24T14:30:00+08:00", "flight": "CA981", "airport": "PEK"}
    assert body["departure"]["airport"] == "PKX" and body["hotel"] is None
    token = body["token"]
    again = client.get("/api/v1/registrations/self", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert again["arrival"] == body["arrival"]


@pytest.mark.parametrize("arrival, departure, field", [
    ({**ARRIVAL, "airport": "ZZQ"}, None, "arrival.airport"),
    ({**ARRIVAL, "flight": "981"}, None, "arrival.flight"),
    ({**ARRIVAL, "at": "2024-09-24 14:30"}, None, "arrival.at"),
    (ARRIVAL, {**DEPARTURE, "at": "2024-09-23T10:00:00+08:00"}, "departure.at"),
])
def test_bad_flights_are_clear_422s_and_nothing_is_created(client, summit, arrival, departure, field):
    data = {"arrival": arrival}
    if departure:
        data["departure"] = departure
    answer = _api_register(client, **data)
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["errors"]
    from summit.models import Delegate
    from summit.plumbing.extensions import db
    assert db.session.query(Delegate).count() == 0


def test_self_service_patch_gives_and_clears_flights_and_keeps_the_route(client, summit):
    from summit.models import VisitRoute
    from summit.plumbing.extensions import db
    route = db.session.query(VisitRoute).order_by(VisitRoute.code).first()
    body = _api_register(client, route_id=route.id).get_json()
    auth = {"Authorization": f"Bearer {body['token']}"}
    answer = client.patch("/api/v1/registrations/self", json={"arrival": ARRIVAL}, headers=auth)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["arrival"]["flight"] == "CA981" and body["route"]["id"] == route.id
    refused = client.patch("/api/v1/registrations/self",
                           json={"departure": {**DEPARTURE, "at": "2024-09-20T10:00:00+08:00"}}, headers=auth)
    assert refused.status_code == 422 and "departure.at" in refused.get_json()["errors"]
    cleared = client.patch("/api/v1/registrations/self", json={"arrival": None}, headers=auth).get_json()
    assert cleared["arrival"] is None and cleared["route"]["id"] == route.id
    assert client.patch("/api/v1/registrations/self", json={"arrival": ARRIVAL}).status_code == 401


def test_an_unchanged_flight_keeps_its_updated_at(client, summit):
    from summit.models import Flight
    from summit.plumbing.extensions import db
    body = _api_register(client, arrival=ARRIVAL).get_json()
    auth = {"Authorization": f"Bearer {body['token']}"}
    first = db.session.query(Flight).one().updated_at
    db.session.rollback()
    client.patch("/api/v1/registrations/self", json={"arrival": {**ARRIVAL, "flight": "CA 981"}}, headers=auth)
    assert db.session.query(Flight).one().updated_at == first
    db.session.rollback()
    client.patch("/api/v1/registrations/self",
                 json={"arrival": {**ARRIVAL, "at": "2024-09-24T16:00:00+08:00"}}, headers=auth)
    assert db.session.query(Flight).one().updated_at > first - timedelta(0)
