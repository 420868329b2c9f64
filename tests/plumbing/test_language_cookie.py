"""The language cookie is Secure whenever the page came over HTTPS, from either door that sets it."""
from __future__ import annotations

import pytest


def language_cookie(response) -> str:
    return next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("summit_lang="))


@pytest.mark.parametrize("path", ["/language/zh?next=/agenda", "/agenda?lang=zh"])
def test_the_language_cookie_is_secure_over_https(client, summit, path):
    cookie = language_cookie(client.get(path, base_url="https://summit.test"))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize("path", ["/language/zh?next=/agenda", "/agenda?lang=zh"])
def test_over_plain_http_in_development_it_still_works(client, summit, path):
    cookie = language_cookie(client.get(path, base_url="http://summit.test"))
    assert "Secure" not in cookie  # a browser would drop a Secure cookie set over http://127.0.0.1
