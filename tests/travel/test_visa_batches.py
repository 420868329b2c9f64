"""Organisers print visa letters by country (its embassy) as a background batch: the console page, the job's
progress, the PDF (each page's text read back with pdftotext), its audited download, and who may do it.
Also the verify page's rate limit."""
from __future__ import annotations

import subprocess

from support.app import csrf_token
from support.badge_helpers import wait_for
from support.console_support import sign_in
from support.factories import register
from support.visa_letters import PASSPORT, open_requests
from summit.models import AuditEntry, BadgeJob
from summit.plumbing.extensions import db
from summit.services.travel import letters

PEOPLE = [("Amina", "Diallo", "SN", "A1000001"), ("Moussa", "Sow", "SN", "B2000002"),
          ("Kofi", "Mensah", "GH", "G3000003")]


def _people(summit):
    out = {}
    for i, (given, family, country, number) in enumerate(PEOPLE):
        r = register(summit, given_name=given, family_name=family, email=f"b{i}@example.org", visa_letter=True,
                     passport={**PASSPORT, "nationality": country, "number": number,
                               "name": f"{given.upper()} {family.upper()}"}, sensitive_consent=True)
        out[family] = r.delegate.id
    return out


def pdftotext_pages(pdf: bytes, tmp_path) -> list[str]:
    path = tmp_path / "letters.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [page for page in text.split("\f") if page.strip()]


def test_a_country_batch_end_to_end(app, client, summit, tmp_path):
    app.config["BADGE_RENDER_PROCESSES"] = 1
    open_requests(summit)
    ids = _people(summit)
    sign_in(client, "organiser", "org@example.org")
    page = client.get("/console/letters?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Senegal" in html and "Ghana" in html and "A1000001" not in html
    response = client.post("/console/letters/batches", data={"csrf_token": csrf_token(html), "country": "SN"})
    assert response.status_code == 303
    batch_url = response.headers["Location"]
    job_id = int(batch_url.rstrip("/").rsplit("/", 1)[1])
    seen = []
    job = wait_for(job_id, on_progress=lambda j: seen.append((j.status, j.done, j.total)))
    assert job.status == "done", job.error
    assert seen[-1] == ("done", 2, 2)
    status = client.get(f"/console/letters/batches/{job_id}.json").get_json()
    assert status["status"] == "done" and status["done"] == status["total"] == 2 and status["download_url"]
    assert "letters rendered" in client.get(batch_url + "?lang=en").get_data(as_text=True)
    before = db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(AuditEntry.action == "download"))
    pdf = client.get(status["download_url"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    pages = pdftotext_pages(pdf.data, tmp_path)
    assert len(pages) == 2  # one letter a page, Senegal's only, in name order
    assert "AMINA DIALLO" in pages[0] and "A1000001" in pages[0] and "MOUSSA SOW" in pages[1]
    assert all("KOFI" not in p for p in pages)
    for p, family in zip(pages, ("Diallo", "Sow")):
        serial = letters.live_letter(ids[family]).serial
        assert serial in p and "邀" in p and "Letter of Invitation" in p
    db.session.rollback()
    entries = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "download")
                                 .order_by(AuditEntry.id)).all()
    assert len(entries) == before + 1
    assert entries[-1].entity == "visa_letters.pdf" and entries[-1].user.email == "org@example.org"
    assert entries[-1].changes["filters"] == {"job": job_id, "country": "SN"} and entries[-1].changes["count"] == 2
    # the desk's badge-batch URLs do not serve a letter batch (staff may not see passport numbers)
    assert client.get(f"/desk/badges/batches/{job_id}.pdf").status_code == 404


def test_only_organisers_print_letters(app, client, summit):
    open_requests(summit)
    _people(summit)
    assert client.get("/console/letters").status_code in (302, 401)
    sign_in(client, "staff", "staff@example.org")
    assert client.get("/console/letters").status_code == 403
    token = csrf_token(client.get("/desk/badges").get_data(as_text=True))
    assert client.post("/console/letters/batches", data={"csrf_token": token, "country": "SN"}).status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(BadgeJob)) == 0


def test_a_country_with_no_letter_is_a_clear_422(app, client, summit):
    open_requests(summit)
    _people(summit)
    sign_in(client, "organiser", "org@example.org")
    token = csrf_token(client.get("/console/letters").get_data(as_text=True))
    for country in ("FR", "QQ", ""):
        response = client.post("/console/letters/batches?lang=en", data={"csrf_token": token, "country": country})
        assert response.status_code == 422 and "No approved delegate" in response.get_data(as_text=True)
    assert client.get("/console/letters/batches/999999").status_code == 404


def test_the_verify_page_is_rate_limited(database_url, summit):
    from support.app import make_app

    app = make_app(database_url, RATELIMIT_ENABLED=True, LETTER_VERIFY_RATE_LIMIT="3 per minute")
    client = app.test_client()
    statuses = [client.get(f"/verify/GSTF24-AAAAA-BBBB{i}").status_code for i in range(5)]
    assert statuses == [404, 404, 404, 429, 429]
    assert client.get("/verify/GSTF24-AAAAA-BBBBB", environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code == 404
