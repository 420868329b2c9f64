"""Reading a page's post forms as a browser submits them, and the whole database as a snapshot.

For the walks over every form (security/test_csrf_every_form.py, security/test_bad_input_every_rule.py).
"""
from __future__ import annotations

from html.parser import HTMLParser

from sqlalchemy import select

from summit.plumbing.extensions import db

#: what a person types into the empty fields of a form (the registration form starts empty)
TYPED = {"given_name": "Ngozi", "family_name": "Okafor", "email": "ngozi.okafor@example.org",
         "organisation": "Federal Ministry of Transport", "country": "NG", "category": "government",
         "consent": "y", "language": "en"}


class FormReader(HTMLParser):
    """The post forms of a page as (action, fields), as a browser would submit them."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url, self.forms, self._form, self._select, self._textarea = page_url, [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            if (a.get("method") or "get").lower() == "post":
                self._form = {"action": a.get("action") or self.page_url, "fields": {}, "buttons": []}
                self.forms.append(self._form)
            return
        if self._form is None:
            return
        fields = self._form["fields"]
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    fields[name] = a.get("value", "on")
                elif kind == "checkbox" and name in TYPED:
                    fields[name] = TYPED[name]  # the person ticks it
                elif kind == "radio":
                    fields.setdefault(name, a.get("value", "on"))
            elif kind not in ("submit", "button", "image", "reset"):
                fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            if "selected" in a or self._select not in fields:
                fields[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""
        elif tag == "button" and a.get("formaction"):
            # A button that posts its form somewhere else (the desk's Print one badge) is a form of its own.
            self._form["buttons"].append((a["formaction"], {name: a.get("value", "")} if name else {}))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form["fields"][self._textarea] += data


def post_forms(client, url: str) -> dict[str, dict]:
    """{action path: fields} of the post forms on the page at url."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    reader = FormReader(url)
    reader.feed(response.get_data(as_text=True))
    found = {}
    for form in reader.forms:
        fields = {name: value or TYPED.get(name, "") for name, value in form["fields"].items()}
        found[form["action"].split("?")[0]] = fields
        for action, extra in form["buttons"]:
            found[action.split("?")[0]] = {**fields, **extra}
    return found


def snapshot() -> dict:
    db.session.rollback()
    return {table.name: sorted(map(repr, db.session.execute(select(table)).all()))
            for table in db.metadata.sorted_tables}
