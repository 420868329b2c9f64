"""The arrivals API, the transport desk's pick-up list (windows, the flag on a flight changed after the export,
its XLSX, audited), the hotels' rooming list, and the self-service travel page."""
from __future__ import annotations

import re

import io

from openpyxl import load_workbook
from sqlalchemy import select

from summit.models import AuditEntry, Hotel, HotelNight
from summit.plumbing.extensions import db

from support.console_support import api_token, same_origin, sign_in, text
from support.factories import delegate_data

DAY = "2024-09-24"


def _register(client, given, family, at, flight="CA981", airport="PEK", phone="+86 138 0000 0000", **more):
    data = delegate_data(given_name=given, family_name=family, phone=phone,
                         arrival={"at": at, "flight": flight, "airport": airport}, **more)
    answer = client.post("/api/v1/registrations", json=data)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_arrivals_in_time_order_in_the_contracts_shape(client, summit):
    late = _register(client, "Ada", "Lovelace", "2024-09-24T18:05:00+08:00", flight="LH720")
    early = _register(client, "Wei", "Zhang", "2024-09-24T01:10:00Z", airport="PKX")  # 09:10 in Beijing
    _register(client, "Next", "Day", "2024-09-25T00:30:00+08:00")
    answer = client.get(f"/api/v1/arrivals?date={DAY}", headers=api_token("staff"))
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.get_json() == {"arrivals": [
        {"delegate_id": early["id"], "name": early["display_name"], "flight": "CA981", "airport": "PKX",
         "at": "2024-09-24T09:10:00+08:00"},
        {"delegate_id": late["id"], "name": late["display_name"], "flight": "LH720", "airport": "PEK",
         "at": "2024-09-24T18:05:00+08:00"}]}
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "arrivals.json")).one()
    assert entry.action == "download" and entry.changes["count"] == 2


def test_arrivals_need_a_staff_token(client, summit):
    delegate = _register(client, "Ada", "Lovelace", "2024-09-24T18:05:00+08:00")
    assert client.get(f"/api/v1/arrivals?date={DAY}").status_code == 401
    as_delegate = client.get(f"/api/v1/arrivals?date={DAY}", headers={"Authorization": f"Bearer {delegate['token']}"})
    assert as_delegate.status_code == 401  # a delegate's secret is no console token
    assert client.get("/api/v1/arrivals?date=24-09-2024", headers=api_token("staff")).status_code == 422
    assert client.get("/api/v1/arrivals", headers=api_token("staff")).status_code == 422


def test_the_desk_list_groups_windows_and_flags_a_flight_changed_after_the_export(client, summit):
    a = _register(client, "Ada", "Lovelace", "2024-09-24T14:05:00+08:00", flight="LH720")
    _register(client, "Wei", "Zhang", "2024-09-24T14:25:00+08:00")
    _register(client, "Omar", "Haddad", "2024-09-24T15:40:00+08:00", flight="EK308", phone="+971 50 000 0000")
    sign_in(client, "staff")
    page = client.get(f"/desk/transport?date={DAY}&airport=PEK&window=30")
    assert page.status_code == 200
    shown = text(page.get_data(as_text=True))
    assert "14:00–14:30 2 delegates" in shown and "15:30–16:00 1 delegate" in shown
    assert "+971 50 000 0000" in shown and "EK308" in shown and "changed since the export" not in shown
    hourly = text(client.get(f"/desk/transport?date={DAY}&airport=PEK&window=60").get_data(as_text=True))
    assert "14:00–15:00 2 delegates" in hourly and "15:00–16:00 1 delegate" in hourly

    sheet = client.get(f"/desk/transport.xlsx?date={DAY}&airport=PEK&window=30")
    assert sheet.status_code == 200
    rows = list(load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True))
    assert rows[0][:6] == ("window", "time", "name", "flight", "airport", "phone")
    assert [(r[0], r[1], r[3], r[5]) for r in rows[1:]] == [
        ("14:00–14:30", "2024-09-24 14:05 +08:00", "LH720", "+86 138 0000 0000"),
        ("14:00–14:30", "2024-09-24 14:25 +08:00", "CA981", "+86 138 0000 0000"),
        ("15:30–16:00", "2024-09-24 15:40 +08:00", "EK308", "+971 50 000 0000")]
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "pickups_arrivals.xlsx")).one()
    db.session.rollback()

    # Ada's flight changes after the export: flagged; the others are not.
    changed = client.patch("/api/v1/registrations/self", headers={"Authorization": f"Bearer {a['token']}"},
                           json={"arrival": {"at": "2024-09-24T16:10:00+08:00", "flight": "LH 722", "airport": "PEK"}})
    assert changed.status_code == 200
    page = client.get(f"/desk/transport?date={DAY}&airport=PEK&window=30").get_data(as_text=True)
    flagged = [row for row in page.split("<tr") if "changed since the export" in row]
    assert len(flagged) == 1 and "LH722" in flagged[0]
    again = client.get(f"/desk/transport.xlsx?date={DAY}&airport=PEK&window=30")
    rows = list(load_workbook(io.BytesIO(again.data)).active.iter_rows(values_only=True))
    assert [r[8] for r in rows[1:]] == [None, None, "yes"] or [r[8] for r in rows[1:]] == ["", "", "yes"]
    assert "changed since the export" not in client.get(f"/desk/transport?date={DAY}&airport=PEK").get_data(as_text=True)


def test_departures_are_listed_the_same_way(client, summit):
    data = delegate_data(given_name="Ada", family_name="Lovelace",
                         departure={"at": "2024-09-27T10:05:00+08:00", "flight": "CA937", "airport": "PEK"})
    assert client.post("/api/v1/registrations", json=data).status_code == 201
    sign_in(client, "staff")
    shown = text(client.get("/desk/transport?direction=departure&date=2024-09-27").get_data(as_text=True))
    assert "10:00–10:30 1 delegate" in shown and "CA937" in shown


def test_the_desk_pages_need_staff(client, summit):
    for url in ("/desk/transport", "/desk/transport.xlsx?date=2024-09-24", "/desk/hotels"):
        assert client.get(url).status_code in (302, 401)


def test_a_stay_books_room_nights_and_the_rooming_list_exports(client, summit):
    hotel = db.session.scalars(select(Hotel).where(Hotel.code == "pangu")).one()
    body = client.post("/api/v1/registrations", json=delegate_data(
        given_name="Ada", family_name="Lovelace", hotel={"hotel_id": hotel.id, "nights": ["2024-09-25", "2024-09-24"]}))
    assert body.status_code == 201, body.get_json()
    assert body.get_json()["hotel"] == {"hotel_id": hotel.id, "code": "pangu", "nights": ["2024-09-24", "2024-09-25"]}
    booked = dict(db.session.execute(select(HotelNight.night, HotelNight.booked).where(HotelNight.hotel_id == hotel.id)).all())
    assert [booked[n] for n in sorted(booked)] == [1, 1, 0]
    sign_in(client, "staff")
    sheet = client.get(f"/desk/hotels/{hotel.id}/rooming.xlsx")
    rows = list(load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True))
    assert rows[1][0] == "Ada LOVELACE" and rows[1][5:] == ("2024-09-24", "2024-09-26", 2)
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "rooming.xlsx")).one()
    db.session.rollback()
    # cancelling gives the rooms back to the block
    token = body.get_json()["token"]
    assert client.delete("/api/v1/registrations/self", headers={"Authorization": f"Bearer {token}"}).status_code == 204
    db.session.rollback()
    assert set(db.session.scalars(select(HotelNight.booked).where(HotelNight.hotel_id == hotel.id))) == {0}


def test_a_full_block_offers_the_next_nearest(client, summit):
    hotel = db.session.scalars(select(Hotel).where(Hotel.code == "cncc-grand")).one()
    for night in hotel.nights:
        night.rooms = 0
    db.session.commit()
    answer = client.post("/api/v1/registrations", json=delegate_data(hotel={"hotel_id": hotel.id, "nights": ["2024-09-25"]}))
    assert answer.status_code == 409
    nearest = db.session.scalars(select(Hotel).where(Hotel.code == "intercontinental-beichen")).one()
    assert answer.get_json()["error"] == "hotel_full" and answer.get_json()["alternative"] == nearest.id
    unknown_night = client.post("/api/v1/registrations", json=delegate_data(
        hotel={"hotel_id": nearest.id, "nights": ["2024-10-01"]}))
    assert unknown_night.status_code == 422 and "hotel.nights" in unknown_night.get_json()["errors"]
    for no_row in (0, -1, 2**31, 2**63):  # past a 32-bit id: PostgreSQL refused the number with a 500
        answer = client.post("/api/v1/registrations", json=delegate_data(hotel={"hotel_id": no_row, "nights": []}))
        assert answer.status_code == 422 and "hotel.hotel_id" in answer.get_json()["errors"], (no_row, answer.json)


def test_the_self_service_page_takes_beijing_time_and_keeps_what_was_typed(client, summit):
    from support.app import csrf_token
    body = client.post("/api/v1/registrations", json=delegate_data()).get_json()
    url = f"/manage/{body['token']}/travel"
    same_origin(client)
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # the list: Beijing's two first, then the other international airports a pick-up reaches; not the world's
    listed = re.findall(r'<option value="([A-Z]{3})">', html.split('<datalist id="airports">', 1)[1].split("</datalist>")[0])
    assert listed[:2] == ["PEK", "PKX"] and "TSN" in listed and "PVG" not in listed and len(listed) < 10, listed
    form = {"csrf_token": csrf_token(html), "arrival_at": "2024-09-24T14:30", "arrival_flight": "ca 981",
            "arrival_airport": "ZZQ", "departure_at": "", "departure_flight": "", "departure_airport": ""}
    refused = client.post(url, data=form)
    assert refused.status_code == 422
    shown = refused.get_data(as_text=True)
    assert "Unknown airport" in shown and 'value="ca 981"' in shown and 'value="2024-09-24T14:30"' in shown
    form["arrival_airport"] = "pek"
    assert client.post(url, data=form).status_code == 302
    again = client.get("/api/v1/registrations/self", headers={"Authorization": f"Bearer {body['token']}"}).get_json()
    assert again["arrival"] == {"at": "2024-09-24T14:30:00+08:00", "flight": "CA981", "airport": "PEK"}
