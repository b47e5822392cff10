"""The credential cache (engine.services.credential_cache): a bearer token or login session looked up once is not looked
up again for CREDENTIAL_CACHE_TTL, yet a revocation, deactivation or role change made in this process holds on the very
next request, and one made by another process (its own engine on the same database) within the TTL."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from engine.runtime import Actor
from engine.services import credentials, users
from engine.services.credential_cache import CREDENTIAL_CACHE_TTL


@pytest.fixture
def sent(app):
    """The statements sent on the app's engine, cleared by the test when it wants."""
    statements: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = app.extensions["formflow"].db.engine
    sa.event.listen(engine, "before_cursor_execute", listen)
    yield statements
    sa.event.remove(engine, "before_cursor_execute", listen)


@pytest.fixture
def member(app):
    """A member (not an admin) and a token of theirs."""
    rt = app.extensions["formflow"]
    user = users.create_user(rt, Actor.system(), "mia", display_name="Mia", roles=["member"], check=False)
    token = credentials.create_token(rt, Actor.user(user["id"], roles=("member",)), "mia's")
    return user, token


def _me(app, token: str):
    return app.test_client().get("/api/me", headers={"Authorization": f"Bearer {token}"})


def test_a_token_seen_once_is_not_looked_up_again(app, member, sent):
    _, token = member
    assert _me(app, token["token"]).status_code == 200  # looked up (and its first use stamped)
    assert _me(app, token["token"]).status_code == 200  # looked up again after that write, then kept
    sent.clear()
    assert _me(app, token["token"]).status_code == 200
    assert not [s for s in sent if "api_tokens" in s], sent


def test_revoking_a_token_here_holds_at_the_next_request(app, member):
    user, token = member
    rt = app.extensions["formflow"]
    for _ in range(3):
        assert _me(app, token["token"]).status_code == 200
    credentials.revoke_token(rt, Actor.user(user["id"], roles=("member",)), token["id"])
    response = _me(app, token["token"])
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"


def test_deactivating_the_user_or_changing_roles_here_holds_at_the_next_request(app, member):
    user, token = member
    rt = app.extensions["formflow"]
    for _ in range(3):
        assert _me(app, token["token"]).get_json()["capabilities"] == []  # the token's actor: a member
    users.update_user(rt, Actor.system(), user["id"], {}, roles=["ops"])
    assert _me(app, token["token"]).get_json()["capabilities"] == ["automate", "templates"]
    users.deactivate_user(rt, Actor.system(), user["id"])
    assert _me(app, token["token"]).status_code == 401


def test_another_process_revoking_is_seen_within_the_ttl(app, db_url, clock, member):
    _, token = member
    for _ in range(3):
        assert _me(app, token["token"]).status_code == 200
    other = sa.create_engine(db_url)  # another process: its writes go by no listener of this one
    with other.begin() as conn:
        conn.execute(sa.text("UPDATE api_tokens SET revoked_at = created_at WHERE id = :id"), {"id": token["id"]})
    other.dispose()
    assert _me(app, token["token"]).status_code == 200  # still trusted from the cache ...
    clock.advance(CREDENTIAL_CACHE_TTL)
    assert _me(app, token["token"]).status_code == 401  # ... for CREDENTIAL_CACHE_TTL at most


def test_an_expired_token_fails_though_cached(app, clock, member):
    user, _ = member
    rt = app.extensions["formflow"]
    token = credentials.create_token(rt, Actor.user(user["id"], roles=("member",)), "short", expires_in_days=1)
    for _ in range(3):
        assert _me(app, token["token"]).status_code == 200
    clock.advance(days=1)
    assert _me(app, token["token"]).status_code == 401


def test_signing_out_ends_a_cached_session_at_once(app, member):
    user, _ = member
    rt = app.extensions["formflow"]
    users.set_password(rt, Actor.system(), user["id"], "a long and unusual passphrase 93")
    browser = app.test_client()
    page = browser.get("/login")
    csrf = re.search(rb'name="csrf_token" value="([^"]+)"', page.data).group(1).decode()
    assert browser.post("/login", data={"username": "mia", "password": "a long and unusual passphrase 93",
                                        "csrf_token": csrf}).status_code in (302, 303)
    for _ in range(3):
        assert browser.get("/api/me").status_code == 200
    with browser.session_transaction() as session:
        sid = session["sid"]
    credentials.logout(rt, sid)
    assert browser.get("/api/me").status_code == 401
