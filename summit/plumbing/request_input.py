"""What a request brings in, checked once for every view, before any of it can reach a query.

- **Text no database can keep.** PostgreSQL refuses NUL in text, and UTF-8 cannot encode a lone
  surrogate, so either one turned a harmless request into a 500 wherever it reached a query. The
  path's segments, the query string and form fields (names and values) are checked before any
  view runs; JSON bodies (strings at any depth, and keys) as they are read. The refusal is a 4xx
  in the asker's language: JSON ({"error", "message", "errors"}) for the API and for a client
  that sent JSON, a plain page otherwise.
  A view whose form sends every field through the text rules (summit.plumbing.text_input, which
  refuse the same characters with a message beside the field and keep what was typed) says so
  with ``@form_text_checked``; its form fields are left to it.
- **JSON only where it is read.** Outside /api/, a JSON body goes only to a view marked
  ``@takes_json``; the pages' forms answer one with a 415.
- **One JSON parser.** Every JSON body is read by ``SummitRequest.get_json`` (``json_object`` for a
  view that wants an object): nesting deeper than JSON_DEPTH_MAX is refused, as is a body so
  deep that Python's parser runs out of stack (a RecursionError, otherwise a 500).
- **Bodies without Content-Length.** A chunked body past MAX_CONTENT_LENGTH is a 413, as one
  with the header is; werkzeug alone would cut it at the limit and hand the view a truncated body.
"""
from __future__ import annotations

from flask import Flask, Request, current_app, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_input_stream

from .text_input import unstorable

#: deeper than any body the API takes (a registration is 3 levels)
JSON_DEPTH_MAX = 20
#: fields named in one refusal, at most (a body may hold thousands of bad strings)
NAMED_MAX = 20
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})

NOT_STORABLE = _l("Contains a character that cannot be accepted (NUL, or an invalid code point).")


class InputRefused(HTTPException):
    """A request refused for what it brings in; rendered by summit.plumbing.error_pages (JSON or a page)."""

    def __init__(self, status: int, message, errors: dict | None = None, error: str | None = None):
        super().__init__(message)
        self.code = status
        self.errors = errors
        self.error = error or ("validation_failed" if status == 422 else None)


def _label(name: str) -> str:
    # A name that itself holds the bad character is shown with U+FFFD in its place: an answer
    # carrying a lone surrogate could not even be encoded.
    return "".join("\ufffd" if unstorable(char) else char for char in name)


def _bad_json_text(value) -> tuple[bool, list[str]]:
    """(nested too deep, the paths of keys and strings holding unstorable text), walked without recursion."""
    bad: list[str] = []
    stack = [(value, "", 1)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, (dict, list)) and depth > JSON_DEPTH_MAX:
            return True, bad
        if isinstance(node, dict):
            for key, item in node.items():
                where = f"{path}.{_label(key)}" if path else _label(key)
                if unstorable(key):
                    bad.append(where)
                stack.append((item, where, depth + 1))
        elif isinstance(node, list):
            stack.extend((item, f"{path}[{index}]", depth + 1) for index, item in enumerate(node))
        elif isinstance(node, str) and unstorable(node):
            bad.append(path or "body")
    return False, bad


def _unreadable(why) -> InputRefused:
    return InputRefused(422, _l("The body is not valid JSON."), {"body": [why]})


class _BodyAtMost(LimitedStream):
    """A body without Content-Length, read up to ``maximum`` bytes; one byte more is a 413."""

    def __init__(self, stream, maximum: int):
        super().__init__(stream, maximum + 1, is_max=True)

    def readinto(self, b) -> int | None:
        size = super().readinto(b)
        if self.tell() >= self.limit:
            raise RequestEntityTooLarge()
        return size


class SummitRequest(Request):
    """The app's request: its body stream holds to MAX_CONTENT_LENGTH, and its JSON is read one way."""

    @cached_property
    def stream(self):
        maximum = self.max_content_length
        if self.content_length is None and maximum is not None and self.environ.get("wsgi.input_terminated"):
            return _BodyAtMost(self.environ["wsgi.input"], maximum)
        return get_input_stream(self.environ, max_content_length=maximum)

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True):
        try:
            value = super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            value, too_deep = None, True
        else:
            too_deep, bad = _bad_json_text(value)
            if bad:
                raise InputRefused(422, _l("Some values cannot be accepted."),
                                   {where: [NOT_STORABLE] for where in bad[:NAMED_MAX]})
        if too_deep:
            if silent:
                return None
            raise _unreadable(_l("It is nested more than %(max)d levels deep.", max=JSON_DEPTH_MAX))
        return value

    def on_json_loading_failed(self, e: ValueError | None):
        if e is None:  # not sent as JSON, and the view did not force it: werkzeug's 415
            return super().on_json_loading_failed(e)
        raise _unreadable(_l("It could not be read as JSON."))


def json_object() -> dict:
    """The request body as a JSON object (whatever its Content-Type says), or a 422 that says what is wrong."""
    body = request.get_json(force=True)
    if not isinstance(body, dict):
        why = _l("The body must be a JSON object.")
        raise InputRefused(422, why, {"body": [why]})
    return body


def form_text_checked(view):
    """Marks a view whose form puts every field through the text rules: the guard leaves its fields to them.

    Those rules refuse what the guard would, with a message beside the field and what was typed
    kept, which a plain refusal page cannot do.
    """
    view.form_text_checked = True
    return view


def takes_json(view):
    """Marks a view outside /api/ that reads a JSON body (the door scanner's); the pages' forms take forms only.

    Flask-WTF reads a JSON body as the form's data when it gets one, and anything but an object
    there ([1, 2], "x", 1) was a 500; a page's form has no business reading JSON anyway.
    """
    view.takes_json = True
    return view


def _is_api() -> bool:
    return request.path.startswith("/api/")


def refuse_bad_input() -> None:
    """The guard itself: the matched path's segments, the query string, form fields, and JSON where none belongs."""
    if request.url_rule is None:
        return  # no view will run: the answer is the routing error (404, 405, a redirect)
    if any(isinstance(value, str) and unstorable(value) for value in (request.view_args or {}).values()):
        raise InputRefused(400, _l("The address holds a character that cannot be accepted (NUL)."))
    bad = [name for name, values in request.args.lists() if unstorable(name) or any(map(unstorable, values))]
    if bad:
        if _is_api():
            raise InputRefused(422, _l("Some values cannot be accepted."),
                               {_label(name): [NOT_STORABLE] for name in bad[:NAMED_MAX]})
        raise InputRefused(400, _l("The address holds a character that cannot be accepted (NUL)."))
    if request.method not in WRITES:
        return
    if _is_api():
        return  # the API reads JSON bodies only (get_json checks them); parsing one as a form would consume it
    view = current_app.view_functions.get(request.endpoint)
    if request.is_json and not getattr(view, "takes_json", False):
        raise InputRefused(415, _l("This address takes a form, not JSON."))
    if getattr(view, "form_text_checked", False):
        return
    bad = [name for name, values in request.form.lists() if unstorable(name) or any(map(unstorable, values))]
    if bad:
        raise InputRefused(400, _l("The form held a character that cannot be accepted (NUL). "
                                   "Please go back, remove it and send the form again."))


def init_app(app: Flask) -> None:
    app.request_class = SummitRequest
    app.before_request(refuse_bad_input)
