"""POST /api/v1/registrations with a seat, kept cheap (issue 19): few statements, and an answer that is the
same as reading the registration back.

A new registration that asked for no visa letter and no travel has none to read back: its answer says so
without asking the database. The comparison with GET /self shows those shortcuts say what a read would."""
from __future__ import annotations

import json

from support.factories import delegate_data, route
from support.queries import data_statements

#: the summit (and its refresh when the write begins), the delegate's INSERT, the privacy notice, the consent's
#: INSERT, the route's counter, the booking and its history; then the confirmation mail into the outbox (is the
#: delegate erased meanwhile, the INSERT) and the delegate read after the commit. The read version's bump and
#: the COMMIT are not counted. It was 18 before issue 19's round on it: a letter, a passport, flights, hotel
#: nights and a place kept were read back for a delegate who had just been created without any.
MOST_STATEMENTS = 11
#: what GET /self reads back that a new registration's answer may say without asking
READ_BACK = ("route", "waiting", "visa_letter", "passport", "arrival", "departure", "hotel", "accreditation")


def post(client, body):
    return client.post("/api/v1/registrations", data=json.dumps(body), content_type="application/json")


def test_a_registration_with_a_seat_asks_the_database_a_fixed_number_of_times(client, summit):
    r1 = route(summit, "R1")
    with data_statements() as statements:
        response = post(client, delegate_data(route_id=r1.id))
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["route"]["status"] == "confirmed"
    assert len(statements) <= MOST_STATEMENTS, "\n".join(s.split("\n")[0][:120] for s in statements)


def test_the_answer_of_a_new_registration_is_what_reading_it_back_says(client, summit):
    r1 = route(summit, "R1")
    for body in (delegate_data(route_id=r1.id), delegate_data(email="plain@example.org")):
        created = post(client, body).get_json()
        read = client.get("/api/v1/registrations/self",
                          headers={"Authorization": f"Bearer {created['token']}"}).get_json()
        assert {k: created.get(k) for k in READ_BACK} == {k: read.get(k) for k in READ_BACK}
        assert created["visa_letter"] is None and created["hotel"] is None
