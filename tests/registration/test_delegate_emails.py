"""What a delegate's mailbox receives: every mail kind, in zh and en, as text and as HTML.

The mails come through the doors that send them (the API, the registration form, a cancellation
that frees a place, the lost-link page) and are read off a real SMTP conversation, as a mail
client gets them: multipart/alternative, the text first, then the HTML.
"""
from __future__ import annotations

import email
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from support.app import _empty_tables, csrf_token, make_app
from support.factories import delegate_data, route, set_capacity
from support.smtp_sink import smtp_sink
from summit.plumbing.extensions import db
from summit.models import Delegate, RouteBooking, Summit, VisitRoute
from summit.plumbing.mail_templates import render_email
from summit.services.summits.seeding import seed_summit
from summit.services.summits.current import current_summit

BASE = "https://summit.test/"  # the tests' public address (conftest.make_app)
TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "emails"

#: an organiser's route name that is hostile to HTML and must reach the text part untouched
ROUTE_EN = 'Port & "Harbour" <script>alert(1)</script>'
ROUTE_ZH = "港口与“码头” <script>alert(1)</script>"
#: a delegate's name as the registration rules let it be written, with what HTML escaping would spoil
FAMILY = "O'Brien"


@dataclass
class Mailbox:
    client: FlaskClient
    summit: Summit
    inbox: list[str]

    def last(self, to: str) -> EmailMessage:
        for raw in reversed(self.inbox):
            message = email.message_from_string(raw, policy=policy.default)
            if message["To"] == to:
                return message
        raise AssertionError(f"no mail to {to}")


@pytest.fixture
def mailbox(database_url):
    with smtp_sink() as (host, port, inbox):
        app = make_app(database_url, MAIL_SERVER=host, MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_DELIVERY="inline")
        with app.app_context():
            seed_summit()
            summit = current_summit()
            r1 = route(summit, "R1")
            r1.name_en, r1.name_zh = ROUTE_EN, ROUTE_ZH
            db.session.commit()
            yield Mailbox(app.test_client(), summit, inbox)
            db.session.remove()
            db.engine.dispose()
    _empty_tables(database_url)


def api_register(box: Mailbox, **fields) -> dict:
    answer = box.client.post("/api/v1/registrations", json=delegate_data(family_name=FAMILY, **fields))
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def registration_by_api(box: Mailbox, language: str, visit: str) -> tuple[str, dict]:
    r1 = route(box.summit, "R1")
    if visit == "waiting":
        set_capacity(r1, 1)
        api_register(box, route_id=r1.id)
    fields = {} if visit == "none" else {"route_id": r1.id, "join_waitlist": True}
    body = api_register(box, language=language, email=f"{language}-{visit}@example.org", **fields)
    return f"{language}-{visit}@example.org", body


def registration_by_form(box: Mailbox, language: str, page_language: str | None = None) -> str:
    page = box.client.get(f"/register?lang={page_language or language}").get_data(as_text=True)
    fields = {"csrf_token": csrf_token(page), "given_name": "Fatima", "family_name": FAMILY,
              "email": "form@example.ae", "organisation": "Roads & Transport Authority", "country": "AE",
              "category": "government", "language": language, "route": str(route(box.summit, "R1").id),
              "consent": "y"}
    assert box.client.post("/register", data=fields).status_code == 302
    return "form@example.ae"


def promotion(box: Mailbox, language: str) -> str:
    r1 = route(box.summit, "R1")
    set_capacity(r1, 1)
    holder = api_register(box, route_id=r1.id)
    api_register(box, route_id=r1.id, join_waitlist=True, language=language, email="waiting@example.org")
    freed = box.client.delete("/api/v1/registrations/self", headers={"Authorization": f"Bearer {holder['token']}"})
    assert freed.status_code == 204
    return "waiting@example.org"


def new_link(box: Mailbox, language: str) -> str:
    api_register(box, language=language, email="lost@example.org", route_id=route(box.summit, "R1").id)
    page = box.client.get("/manage/lost-link").get_data(as_text=True)
    sent = box.client.post("/manage/lost-link", data={"csrf_token": csrf_token(page), "email": "lost@example.org"})
    assert sent.status_code == 302
    return "lost@example.org"


KINDS = {
    "confirmation, no route": lambda box, language: registration_by_api(box, language, "none")[0],
    "confirmation, place confirmed": lambda box, language: registration_by_api(box, language, "confirmed")[0],
    "confirmation, on the waiting list": lambda box, language: registration_by_api(box, language, "waiting")[0],
    "confirmation from the form": registration_by_form,
    "promotion from the waiting list": promotion,
    "new link": new_link,
}


class _HtmlReader(HTMLParser):
    """The visible text of an HTML part and every address it points at."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text, self.addresses, self.tags = [], [], []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in ("p", "td", "tr", "table", "div", "br"):
            self.text.append("\n")
        self._hidden += tag in ("title", "style", "script")
        self.addresses += [value for name, value in attrs if name in ("href", "src", "background", "action")]

    def handle_endtag(self, tag):
        self._hidden -= tag in ("title", "style", "script")

    def handle_data(self, data):
        if not self._hidden:
            self.text.append(data)


def read_html(html: str) -> _HtmlReader:
    reader = _HtmlReader()
    reader.feed(html)
    reader.close()
    return reader


def parts(message: EmailMessage) -> tuple[str, str]:
    assert message.get_content_type() == "multipart/alternative"
    plain, rich = message.iter_parts()
    assert (plain.get_content_type(), rich.get_content_type()) == ("text/plain", "text/html")  # text first
    assert plain.get_content_charset() == rich.get_content_charset() == "utf-8"
    return plain.get_content().replace("\r\n", "\n"), rich.get_content()  # SMTP's line ends, as read


def without_data(text: str, box: Mailbox, to: str) -> str:
    """The mail's own words: what the delegate and the organisers wrote, and the links, taken out."""
    delegate = db.session.scalars(db.select(Delegate).where(Delegate.email == to)).one()
    text = re.sub(r"https?://\S+", " ", text)  # first: a random token may hold "R1"
    for value in (delegate.full_name, to, ROUTE_EN, ROUTE_ZH, box.summit.name_zh, box.summit.name_en, "R1"):
        text = text.replace(value, " ")
    return text


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_mail_comes_as_text_and_html_in_the_delegates_language(mailbox, kind, language):
    to = KINDS[kind](mailbox, language)
    message = mailbox.last(to)
    text, html = parts(message)
    page = read_html(html)
    visible = " ".join("".join(page.text).split())

    # The delegate's own language, in the subject and in both parts; the HTML says which it is.
    words = [without_data(part, mailbox, to) for part in (message["Subject"], text, visible)]
    if language == "zh":
        for part in words:
            assert not re.findall(r"[A-Za-z]{2,}", part), (kind, part)  # no English left untranslated
        assert '<html lang="zh-Hans">' in html
    else:
        for part in words:
            assert not re.findall(r"[\u3000-\u9fff\uff00-\uffef]", part), (kind, part)
        assert '<html lang="en">' in html
    name = mailbox.summit.name_zh if language == "zh" else mailbox.summit.name_en
    assert name in visible  # the summit's name heads every HTML mail

    # Text is text: what people wrote arrives as they wrote it, never HTML-escaped.
    assert FAMILY in text
    assert not re.search(r"&(amp|lt|gt|quot|#\d+|#x[0-9a-f]+);", text, re.IGNORECASE), text
    if kind not in ("confirmation, no route", "new link"):  # the mails that name the route
        assert (ROUTE_ZH if language == "zh" else ROUTE_EN) in text
        # The HTML part shows the same name, escaped: a route named <script> is words, not a script.
        assert "script" not in page.tags and "<script>" not in html
        assert (ROUTE_ZH if language == "zh" else ROUTE_EN) in visible

    # Every link in both parts is on the public address; the HTML loads nothing from anywhere.
    links = re.findall(r"https?://[^\s<>\"']+", text) + re.findall(r"https?://[^\s<>\"']+", html) + page.addresses
    if kind != "promotion from the waiting list":  # the one mail with no link, in text as before
        assert links
    assert all(link.startswith(BASE) for link in links), links
    assert not {"img", "link", "script", "iframe", "style"} & set(page.tags)
    assert "url(" not in html and "@import" not in html
    # The HTML says what the text says, paragraph by paragraph.
    for paragraph in text.split("\n\n"):
        assert " ".join(paragraph.split()) in visible, paragraph


@pytest.mark.parametrize("name", ["registration_confirmation", "promotion_notice", "new_link"])
def test_the_html_part_escapes_a_hostile_name_and_the_text_part_keeps_it(app, name):
    """No door lets "<" into a delegate's name today; the templates do not rely on that."""
    route_row = VisitRoute(code="R9", name_zh="<i>线路</i>", name_en="<i>Route</i> & Co")
    stranger = Delegate(given_name='<script>alert("x")</script>', family_name="O'Brien & Co", language="en")
    stranger.booking = RouteBooking(status="waitlisted", route=route_row)
    email_ = render_email(name, "en", delegate=stranger, booking=stranger.booking, position=2,
                          summit_name="Summit & <b>Co</b>", manage_url=BASE + "manage/x?a=1&b=2", hours=24)
    html = email_.html
    assert "<script" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; O&#39;Brien &amp; Co" in html
    assert "Summit &amp; &lt;b&gt;Co&lt;/b&gt;" in html
    if name != "new_link":
        assert "&lt;i&gt;Route&lt;/i&gt; &amp; Co" in html
    if name != "promotion_notice":
        assert 'href="https://summit.test/manage/x?a=1&amp;b=2"' in html
    # The text part and the subject are plain text: exactly as written, nothing escaped.
    assert "<script>alert(\"x\")</script> O'Brien & Co" in email_.text
    assert "Summit & <b>Co</b>" in email_.subject + email_.text
    if name != "new_link":
        assert "R9 <i>Route</i> & Co" in email_.text
    assert not re.search(r"&(amp|lt|gt|#\d+);", email_.subject + email_.text)


def test_the_delegates_language_wins_over_the_pages(mailbox):
    """A zh delegate registered from an English page still reads zh."""
    to = registration_by_form(mailbox, "zh", page_language="en")
    assert mailbox.last(to)["Subject"].startswith("您的")


def test_every_mail_template_has_a_text_and_an_html_part():
    """A message added later comes as both, like these (summit/plumbing/mail_templates.py)."""
    names = {path.stem for path in TEMPLATES.iterdir() if not path.name.startswith("_")}
    assert {"registration_confirmation", "promotion_notice", "new_link"} <= names
    for name in names:
        assert (TEMPLATES / f"{name}.txt").is_file() and (TEMPLATES / f"{name}.html").is_file(), name


def test_no_html_mail_uses_a_text_template():
    """A macro or include escapes by its caller's mode: text pieces inside HTML would pass unescaped."""
    for path in TEMPLATES.glob("*.html"):
        assert not re.search(r"{%-?\s*(from|import|include|extends)[^%]*\.txt", path.read_text()), path.name
