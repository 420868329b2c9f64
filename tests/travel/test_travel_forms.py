"""The travel block of the registration form, and the focal point's travel page for a member, through the
test client: shown only when asked for, checked as the API checks (order, flight number, airport, a full
hotel offering the next nearest), never a 500, and nothing typed lost."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from html import unescape

from sqlalchemy import select

from summit.models import Delegate, Flight, Hotel, RoomNight
from summit.plumbing.extensions import db
from summit.services.accreditation import delegations

from support.app import csrf_token
from support.console_support import same_origin
from support.factories import delegate_data

TRAVEL = {"travel": "y", "arrival_at": "2024-09-24T14:30", "arrival_flight": "ca 981", "arrival_airport": "pek",
          "departure_at": "2024-09-27T10:05", "departure_flight": "CA982", "departure_airport": "PKX"}


def form_data(client, url="/register", **fields):
    token = csrf_token(client.get(url).get_data(as_text=True))
    data = {"csrf_token": token, "given_name": "Fatima", "family_name": "Al-Sayed", "email": "fatima@example.ae",
            "organisation": "Roads and Transport Authority", "country": "AE", "category": "government",
            "language": "en", "route": "", "consent": "y"}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def errors(html: str) -> list[str]:
    return [unescape(e) for e in re.findall(r'<p class="error"[^>]*>([^<]+)</p>', html)]


def _hotel(code: str) -> Hotel:
    return db.session.scalars(select(Hotel).where(Hotel.code == code)).one()


def test_the_block_is_offered_closed_with_beijings_airports_first(client, summit):
    html = client.get("/register?lang=en").get_data(as_text=True)
    assert 'name="travel"' in html and 'class="travel-fields"' in html
    assert re.search(r'<input[^>]*name="travel"[^>]*>', html).group(0).count("checked") == 0
    codes = re.findall(r'<option value="([A-Z]{3})">', html.split('<datalist id="airports">')[1])
    assert codes[:2] == ["PEK", "PKX"] and "TSN" in codes and "PVG" not in codes  # those a pick-up reaches
    zh = client.get("/register?lang=zh").get_data(as_text=True)
    assert "航班" in zh


def test_flights_and_a_hotel_given_on_the_form_are_kept_normalised_in_beijing_time(client, summit):
    hotel = _hotel("pangu")
    response = client.post("/register", data=form_data(client, **TRAVEL, hotel_id=str(hotel.id),
                                                       nights=["2024-09-24", "2024-09-25"]))
    assert response.status_code == 302, errors(response.get_data(as_text=True))
    delegate = db.session.scalars(select(Delegate)).one()
    rows = {f.direction: f for f in db.session.scalars(select(Flight).where(Flight.delegate_id == delegate.id))}
    assert rows["arrival"].flight == "CA981" and rows["arrival"].airport == "PEK"
    assert rows["arrival"].at.replace(tzinfo=rows["arrival"].at.tzinfo or timezone.utc) == \
        datetime(2024, 9, 24, 6, 30, tzinfo=timezone.utc)
    assert rows["departure"].airport == "PKX"
    nights = db.session.scalars(select(RoomNight.night).where(RoomNight.delegate_id == delegate.id)).all()
    assert sorted(n.isoformat() for n in nights) == ["2024-09-24", "2024-09-25"]


def test_the_block_left_unticked_is_not_read(client, summit):
    response = client.post("/register", data=form_data(client, **{**TRAVEL, "travel": None,
                                                                   "arrival_airport": "ZZQ"}))
    assert response.status_code == 302
    assert db.session.scalar(select(Flight.id)) is None


def test_mistakes_in_the_block_come_back_clear_with_everything_typed(client, summit):
    client.get("/?lang=en")
    response = client.post("/register", data=form_data(client, **{**TRAVEL, "arrival_airport": "zzq",
                                                                   "departure_flight": "982",
                                                                   "arrival_at": "tomorrow"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    said = " ".join(errors(html))
    assert "Unknown airport" in said and "flight number" in said and "date and time" in said
    for kept in ('value="zzq"', 'value="982"', 'value="tomorrow"', 'value="Fatima"', 'value="ca 981"'):
        assert kept in html, kept
    assert "checked" in re.search(r'<input[^>]*name="travel"[^>]*>', html).group(0)
    assert db.session.scalar(select(Delegate.id)) is None


def test_a_departure_before_the_arrival_is_a_clear_error_in_chinese(client, summit):
    client.get("/?lang=zh")
    response = client.post("/register", data=form_data(client, **{**TRAVEL, "departure_at": "2024-09-23T09:00",
                                                                   "language": "zh"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert any("到达" in e or "出发" in e or "离开" in e for e in errors(html)), errors(html)
    assert 'value="2024-09-23T09:00"' in html


def test_a_full_hotel_on_the_form_offers_the_next_nearest_and_keeps_the_form(client, summit):
    hotel = _hotel("cncc-grand")
    for night in hotel.nights:
        night.rooms = 0
    db.session.commit()
    nearest = _hotel("intercontinental-beichen")
    response = client.post("/register", data=form_data(client, **TRAVEL, hotel_id=str(hotel.id),
                                                       nights=["2024-09-25"]))
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 409
    assert "no room left on 2024-09-25" in html and nearest.name_en in html
    assert f'value="{hotel.id}" checked' in html and 'value="2024-09-25" checked' in html and 'value="ca 981"' in html
    assert db.session.scalar(select(Delegate.id)) is None


def test_odd_input_in_the_block_is_never_a_500(client, summit):
    for i, odd in enumerate(({"hotel_id": "abc", "nights": ["x"]}, {"hotel_id": "999999", "nights": ["2024-09-25"]},
                {"nights": ["2024-13-45"], "hotel_id": str(_hotel("pangu").id)},
                {"arrival_at": "9" * 30, "arrival_flight": "C" * 16, "arrival_airport": "\u4e2d\u56fd"})):
        response = client.post("/register", data=form_data(client, **{**TRAVEL, **odd}, email=f"odd{i}@example.org"))
        assert response.status_code in (302, 422), (odd, response.status_code)
        db.session.rollback()


def test_the_focal_point_completes_a_members_travel(client, summit):
    issued = delegations.create_delegation(summit, {
        "name_zh": "代表团", "name_en": "A delegation", "country": "KE", "focal_name": "Focal Point",
        "focal_email": "focal@example.org", "places": 5}, None)
    member = delegations.add_member(issued.delegation, {k: v for k, v in delegate_data().items()
                                                 if k != "consent"}).delegate
    member_id = member.id
    page = f"/delegation/{issued.token}/members/{member_id}"
    same_origin(client)
    assert f"{page}/travel" in client.get(page).get_data(as_text=True)
    token = csrf_token(client.get(f"{page}/travel").get_data(as_text=True))
    bad = client.post(f"{page}/travel", data={"csrf_token": token, **TRAVEL, "arrival_airport": "ZZQ"})
    assert bad.status_code == 422, bad.get_data(as_text=True)[-1500:]
    assert 'value="ZZQ"' in bad.get_data(as_text=True)
    good = client.post(f"{page}/travel", data={"csrf_token": token, **TRAVEL})
    assert good.status_code == 302
    db.session.expire_all()
    assert db.session.scalars(select(Flight.flight).where(Flight.delegate_id == member_id,
                                                          Flight.direction == "arrival")).one() == "CA981"
    # another delegation's page cannot reach the member
    other = delegations.create_delegation(summit, {
        "name_zh": "另一个", "name_en": "Another", "country": "GH", "focal_name": "Other Focal",
        "focal_email": "other@example.org", "places": 5}, None)
    assert client.get(f"/delegation/{other.token}/members/{member_id}/travel").status_code == 404
    assert client.post(f"/delegation/{other.token}/members/{member_id}/travel",
                       data={"csrf_token": token, **TRAVEL}).status_code == 404
