"""A delegate's flights and hotel nights are personal data: in their own data copy, and gone with erasure."""
from __future__ import annotations

from sqlalchemy import select

from summit.models import Flight, Hotel, HotelNight, RoomNight
from summit.models.travel import ERASED_AT
from summit.plumbing.extensions import db
from summit.services.privacy.erasure import personal_columns

from support.factories import delegate_data

ARRIVAL = {"at": "2024-09-24T14:30:00+08:00", "flight": "ca 981", "airport": "pek"}
DEPARTURE = {"at": "2024-09-27T10:05:00+08:00", "flight": "CA982", "airport": "PKX"}


def _registered(client):
    hotel = db.session.scalars(select(Hotel).where(Hotel.code == "pangu")).one()
    body = client.post("/api/v1/registrations", json=delegate_data(
        arrival=ARRIVAL, departure=DEPARTURE, hotel={"hotel_id": hotel.id, "nights": ["2024-09-24"]})).get_json()
    return body, hotel


def test_the_data_copy_holds_the_flights_and_the_hotel(client, summit):
    body, hotel = _registered(client)
    auth = {"Authorization": f"Bearer {body['token']}"}
    copy = client.get("/api/v1/registrations/self/data", headers=auth)
    assert copy.status_code == 200, copy.status_code
    travel = copy.get_json()["travel"]
    assert [(f["direction"], f["flight"], f["airport"], f["at"]) for f in travel["flights"]] == [
        ("arrival", "CA981", "PEK", "2024-09-24T14:30:00+08:00"), ("departure", "CA982", "PKX", "2024-09-27T10:05:00+08:00")]
    assert travel["hotel"]["code"] == "pangu" and travel["hotel"]["nights"] == ["2024-09-24"]


def test_erasure_blanks_the_flights_and_gives_the_rooms_back(client, summit):
    body, hotel = _registered(client)
    assert {c.key for c in personal_columns(Flight.__table__)} == {"at", "flight", "airport"}
    response = client.delete("/api/v1/registrations/self?erase=1", headers={"Authorization": f"Bearer {body['token']}"})
    assert response.status_code == 204
    db.session.expire_all()
    rows = db.session.scalars(select(Flight).where(Flight.delegate_id == body["id"])).all()
    assert all((r.flight, r.airport) == ("", "") and r.at == ERASED_AT for r in rows)
    assert db.session.scalar(select(RoomNight.id).where(RoomNight.delegate_id == body["id"])) is None
    assert set(db.session.scalars(select(HotelNight.booked).where(HotelNight.hotel_id == hotel.id))) == {0}
