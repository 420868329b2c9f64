"""Visa invitation letters in the console (organisers): the countries whose delegates asked for letters, and
a batch per country (its embassy) printed in the background with a progress bar, like the desk's badge
batches (services/travel/letter_jobs.py on the badges' queue). The batch PDF names passport numbers in
full: its download is audited and stamped with who downloaded it."""
from __future__ import annotations

import tempfile

from flask import abort, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...auth import console_requires
from ...plumbing.errors import NotFound, ValidationFailed
from ...services.badges import jobs as badge_jobs
from ...services.badges.handout import stamp_pdf
from ...services.console import audit
from ...services.registration.countries import country_names
from ...services.summits.current import current_summit
from ...services.travel import letter_jobs
from ..desk import job_status, result_hours
from .blueprint import console


def _country(code: str) -> dict:
    en, zh = country_names(code)
    return {"code": code, "en": en, "zh": zh}


@console.get("/letters")
@console_requires("organiser")
def letters_page():
    summit = current_summit()
    rows = [{**_country(code), "issued": issued, "requested": requested}
            for code, issued, requested in letter_jobs.countries_with_letters(summit)]
    return render_template("console/letters.html", summit=summit, rows=rows)


@console.post("/letters/batches")
@console_requires("organiser")
def start_letter_batch():
    summit = current_summit()
    try:
        job = letter_jobs.create_letter_job(summit, request.form.get("country", ""), current_user)
    except ValidationFailed:
        return render_template("console/letters_error.html", summit=summit,
                               message=_("No approved delegate of this country asked for a letter.")), 422
    return redirect(url_for("console.letter_batch", job_id=job.id), 303)


def _job(job_id: int):
    try:
        job = badge_jobs.get_job(job_id)
    except NotFound:
        abort(404)
    if badge_jobs.job_kind(job) != badge_jobs.VISA_LETTERS or job.summit_id != current_summit().id:
        abort(404)
    return job


def _status(job) -> dict:
    return job_status(job, "console.letter_batch_pdf")


@console.get("/letters/batches/<int:job_id>")
@console_requires("organiser")
def letter_batch(job_id: int):
    job = _job(job_id)
    return render_template("console/letter_batch.html", summit=current_summit(), job=job, status=_status(job),
                           country=_country(job.params.get("country", "")), hours=result_hours())


@console.get("/letters/batches/<int:job_id>.json")
@console_requires("organiser")
def letter_batch_status(job_id: int):
    response = jsonify(_status(_job(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@console.get("/letters/batches/<int:job_id>.pdf")
@console_requires("organiser")
def letter_batch_pdf(job_id: int):
    job = _job(job_id)
    result = badge_jobs.open_result(job)
    if result is None:
        abort(410 if job.status == "expired" else 404)
    entry = audit.record_download(current_user, "visa_letters.pdf",
                                  filters={"job": job.id, "country": job.params.get("country")}, count=job.total)
    out = tempfile.TemporaryFile(prefix="summit-letters-")
    with result:
        stamp_pdf(result, audit.provenance(entry), current_summit().zone, out)
    out.seek(0)
    return send_file(out, mimetype="application/pdf", as_attachment=True, max_age=0,
                     download_name=f"invitation-letters-{job.params.get('country', '')}-{job_id}.pdf")
