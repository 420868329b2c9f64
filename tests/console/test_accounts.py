"""Console accounts and API tokens: the command line, hashing, throttling, revocation."""
from __future__ import annotations

import pytest

from summit.plumbing.extensions import db
from summit.models import ApiToken, ConsoleUser, RateCounter
from summit.services.console import accounts
from summit.plumbing.errors import ValidationFailed


def create_user(app, email="Ops@Example.org", role="organiser", password="correct horse battery"):
    return app.test_cli_runner().invoke(args=["create-user", email, "--role", role, "--password-stdin"],
                                        input=password + "\n")


def test_create_user_reads_the_password_from_stdin_and_hashes_it(app):
    result = create_user(app)
    assert result.exit_code == 0, result.output
    user = db.session.scalars(db.select(ConsoleUser)).one()
    assert user.email == "ops@example.org" and user.role == "organiser"
    assert "correct horse" not in user.password_hash and user.password_hash.startswith("scrypt:")
    # Running it again updates the role and password instead of failing.
    assert create_user(app, role="staff", password="another long secret").exit_code == 0
    db.session.expire_all()
    assert db.session.scalars(db.select(ConsoleUser)).one().role == "staff"
    assert accounts.authenticate("OPS@example.org", "another long secret", "192.0.2.1").id == user.id


def test_create_user_refuses_a_short_password_with_a_reason(app):
    result = create_user(app, password="short")
    assert result.exit_code != 0 and "at least 10 characters" in result.output
    assert db.session.query(ConsoleUser).count() == 0


def test_create_token_prints_the_token_alone_on_its_last_line_and_stores_its_hash(app):
    create_user(app)
    result = app.test_cli_runner().invoke(args=["create-token", "ops@example.org"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert len(token) >= 40 and " " not in token
    row = db.session.scalars(db.select(ApiToken)).one()
    assert row.token_hash != token and accounts.user_for_token(token).email == "ops@example.org"
    assert app.test_cli_runner().invoke(args=["create-token", "nobody@example.org"]).exit_code != 0


def test_sign_in_is_throttled_per_account_and_address_and_counted_before_the_check(app):
    accounts.save_user("desk@example.org", "staff", "a long enough password")
    limit = app.config["LOGIN_ATTEMPTS_PER_ADDRESS"]
    for _ in range(limit):
        with pytest.raises(accounts.BadCredentials):
            accounts.authenticate("desk@example.org", "wrong password!", "198.51.100.7")
    with pytest.raises(accounts.LoginThrottled) as info:
        accounts.authenticate("desk@example.org", "a long enough password", "198.51.100.7")
    assert 0 < info.value.details["retry_after"] <= app.config["LOGIN_WINDOW_SECONDS"]
    # Another address is not affected; a success there starts that address afresh.
    assert accounts.authenticate("desk@example.org", "a long enough password", "192.0.2.1").email == "desk@example.org"
    # Every attempt is one row in the shared counters, keyed by a hash: no email or address in clear.
    keys = db.session.scalars(db.select(RateCounter.key)).all()
    assert keys and all(len(key) == 64 and "@" not in key for key in keys)


def test_client_keys_group_an_ipv6_network_and_unwrap_mapped_ipv4():
    assert accounts.client_key("2001:db8:1:2::5") == accounts.client_key("2001:db8:1:2:ffff::1") == "2001:db8:1:2::/64"
    assert accounts.client_key("::ffff:192.0.2.1") == "192.0.2.1" == accounts.client_key(" 192.0.2.1 ")
    assert accounts.client_key(None) == "unknown"


def test_counters_restart_when_their_window_ends(app):
    from summit.services.ops import rate_counters

    assert rate_counters.hit(db.session, "k", 60, now=1000.0).hits == 1
    assert rate_counters.hit(db.session, "k", 60, amount=2, now=1030.0) == rate_counters.Window(3, 1060.0)
    assert rate_counters.peek(db.session, "k", now=1059.0).hits == 3
    assert rate_counters.peek(db.session, "k", now=1060.0) is None
    assert rate_counters.hit(db.session, "k", 60, now=1061.0) == rate_counters.Window(1, 1121.0)
    db.session.commit()


def test_revoked_token_stops_working(app):
    accounts.save_user("desk@example.org", "staff", "a long enough password")
    row, token = accounts.issue_token("desk@example.org")
    assert accounts.user_for_token(token) is not None
    accounts.revoke_token(row.id)
    assert accounts.user_for_token(token) is None
    assert accounts.user_for_token("") is None and accounts.user_for_token("x" * 5000) is None


def test_role_is_validated(app):
    with pytest.raises(ValidationFailed) as info:
        accounts.save_user("a@example.org", "admin", "a long enough password")
    assert "role" in info.value.errors
