"""The public registration form."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ..plumbing.extensions import csrf, limiter, registration_limit
from ..plumbing.i18n import lang
from ..plumbing.request_input import form_text_checked
from ..models.labels import Accreditation, RegistrationMode
from ..services.programme import agenda
from ..services.registration import delegates as registration
from ..services.registration.mail import send_registration_confirmation
from ..plumbing.errors import ServiceError, ValidationFailed
from ..services.visits.capacity import RouteFull, waitlist_position
from ..services.registration.delegates import EmailTaken
from ..services.summits.current import current_summit
from ..plumbing.urls import manage_url
from . import drafts, read_cache
from .forms import show_errors
from .visa_forms import RegistrationVisaForm, letter_deadline
from .travel_forms import TravelForm, full_notice, hotel_choices, listed_airports
from ..services.travel.hotels import HotelFull
from ..plumbing.extensions import db

registration_bp = Blueprint("registration", __name__)


class RegistrationTravelForm(RegistrationVisaForm, TravelForm):
    """The public registration form, with the visa-letter block and the optional travel block."""


def route_full_message(form) -> str:
    """A full route chosen without its waiting list: the race (it filled while the page was open) or not."""
    if form.shown_full():
        return _("This route is full. Tick the box under it to join its waiting list, or choose another route.")
    return service_message(RouteFull(""))


def service_message(exc: ServiceError) -> str:
    """The page's words for a service refusal (the API sends exc.code)."""
    if isinstance(exc, EmailTaken):
        return _("This email is already registered. Use the link in your confirmation email, or ask for a new one.")
    if isinstance(exc, RouteFull):
        return _("That route has just filled up. Choose another route, or tick the box to join its waiting list.")
    return _("Something in the form needs attention.")


@registration_bp.route("/register", methods=["GET", "POST"])
@form_text_checked
@csrf.exempt  # the form checks its own token, so an expired one re-shows the form with the input kept
@limiter.shared_limit(registration_limit, scope="registration", exempt_when=lambda: request.method == "GET")
def register():
    # A first look at the form is the same page for everyone but its token: kept (web/read_cache.py), the
    # summit and the form looked at only when a write has made the kept page out of date.
    # Not with a draft (the language switch), a message to show, a signed-in user or values in the URL.
    blank = (request.method == "GET" and drafts.SESSION_KEY not in session and "_flashes" not in session
             and not current_user.is_authenticated and set(request.args) <= {"lang"})
    if blank:
        return read_cache.blank_form(_blank_form_page, generate_csrf())
    summit = current_summit()
    if summit.registration_mode == RegistrationMode.INVITATION:
        return _closed_page(summit)
    form = _registration_form()
    full = None
    status = 200
    if form.validate_on_submit():
        data = {**form.delegate_data(), **form.route_data(), **form.visa_data(), **form.travel_data(),
                "consent": bool(form.consent.data)}
        try:
            result = registration.register(summit, data, local_times=True)
        except ValidationFailed as exc:
            show_errors(form, form.show_visa_errors(form.show_travel_errors(exc.errors)))
            status = 422
        except HotelFull as exc:  # nothing was created: the form comes back with the next nearest hotel
            db.session.rollback()
            full = full_notice(exc)
            status = 409
        except (EmailTaken, RouteFull) as exc:
            show_errors(form, {"email": [service_message(exc)]} if isinstance(exc, EmailTaken)
                        else {"route": [route_full_message(form)]})
            status = 409
        else:
            delegate = result.delegate
            link = manage_url(result.manage_token)
            position = waitlist_position(delegate.booking) if delegate.booking else None
            send_registration_confirmation(
                delegate, summit.name_zh if delegate.language == "zh" else summit.name_en, link, position)
            if delegate.accreditation == Accreditation.PENDING:
                flash(_("Thank you: your registration has been received and awaits the organisers' decision. "
                        "We have emailed you this page's link, and will write to you once they have decided."),
                      "success")
            else:
                flash(_("You are registered. We have emailed you this page's link: bookmark it to come back."),
                      "success")
            return redirect(url_for("selfservice.manage", token=result.manage_token, lang=lang()))
    elif request.method == "POST":
        status = 400 if "csrf_token" in form.errors else 422
        if "csrf_token" in form.errors:
            form.form_errors.append(_("The form had expired. Please check your details and send it again."))
    return _form_page(summit, form, full), status


def _registration_form() -> RegistrationTravelForm:
    form = RegistrationTravelForm()
    form.fill_choices()
    if request.method == "GET":
        form.language.data = form.language.data or lang()
    return form


def _closed_page(summit) -> tuple[str, int]:
    """Closed, and said kindly: whom to ask instead (the service refuses a POST the same way)."""
    return render_template("registration/closed.html", summit=summit), 403


def _blank_form_page() -> tuple[str, int]:
    """The page as everyone sees it first, with read_cache.TOKEN_SLOT where the CSRF token goes."""
    summit = current_summit()
    if summit.registration_mode == RegistrationMode.INVITATION:
        return _closed_page(summit)
    form = _registration_form()
    form.csrf_token.current_token = read_cache.TOKEN_SLOT
    return _form_page(summit, form), 200


def _form_page(summit, form, full=None) -> str:
    hotels, nights = hotel_choices(summit)
    return render_template("registration/register.html", summit=summit, form=form,
                           routes=agenda.routes_with_availability(summit),
                           letter_deadline=letter_deadline(summit), travel_values=form.travel_values(),
                           travel_errors=form.travel_errors(), hotels=hotels, nights=nights,
                           airports=listed_airports(), full=full)
