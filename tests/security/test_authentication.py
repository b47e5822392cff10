"""Authentication: every API operation refuses anonymous and forged callers; tokens and passwords are stored safely."""
from __future__ import annotations

import hashlib
import re

import pytest
import sqlalchemy as sa

from engine.api import auth
from engine.runtime import Actor
from engine.services import credentials, users
from engine.storage.access_tables import api_tokens
from engine.storage.tables import users as users_table, workspaces
from tests.security.conftest import bearer_client


def _operations(client):
    spec = client.get("/api/openapi.json").get_json()
    for path, item in spec["paths"].items():
        for method, op in item.items():
            concrete = re.sub(r"\{(\w+)\}", lambda m: "1" if m.group(1).endswith("id") or m.group(1) in ("version", "revision") else "crm", path)
            yield method.upper(), concrete, op["operationId"]


def _call(client, method, path):
    return client.open(path, method=method, json={} if method in ("POST", "PUT", "PATCH") else None)


#: the operations anyone may call, with what an empty call answers: the API description, and using a set-password link
#: (the link's secret in the body is its credential, so an empty body is refused at the field, not as anonymous)
PUBLIC = {"api.get_openapi": 200, "api.use_password_link": 422}


def test_attack_anonymous_call_to_every_api_operation_is_401(app, anon):
    ops = list(_operations(anon))
    assert len(ops) > 20
    for method, path, op_id in ops:
        response = _call(anon, method, path)
        if f"api.{op_id}" in auth.PUBLIC_ENDPOINTS:
            assert response.status_code == PUBLIC[f"api.{op_id}"], path
            continue
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.get_json()["error"]["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert auth.PUBLIC_ENDPOINTS == set(PUBLIC)


@pytest.mark.parametrize("header", ["Bearer ffk_not-a-real-token", "Bearer ", "Basic YWRtaW46YWRtaW4=", "Token abc", "bearer"])
def test_attack_forged_or_malformed_credentials_are_401(app, people, header):
    c = app.test_client()
    response = c.get("/api/apps", headers={"Authorization": header})
    assert response.status_code == 401
    # a malformed header never falls back to the session or to anonymous access
    assert c.post("/api/apps", json={"key": "x", "label": "X"}, headers={"Authorization": header}).status_code == 401


def test_attack_revoked_token_stops_working_at_once(app, people):
    ann = people["ann"]
    assert ann.client.get("/api/me").status_code == 200
    tokens = ann.client.get("/api/tokens").get_json()["items"]
    assert "token" not in tokens[0]  # the secret is never listed again
    assert ann.client.delete(f"/api/tokens/{tokens[0]['id']}").status_code == 200
    response = ann.client.get("/api/me")
    assert response.status_code == 401
    assert "invalid_token" in response.headers["WWW-Authenticate"]


def test_attack_revoke_someone_elses_token_looks_missing(app, people):
    bob_tokens = people["bob"].client.get("/api/tokens").get_json()["items"]
    assert people["ann"].client.delete(f"/api/tokens/{bob_tokens[0]['id']}").status_code == 404
    assert people["bob"].client.get("/api/me").status_code == 200
    # the admin may revoke it, and that is audited
    assert people["root"].client.delete(f"/api/tokens/{bob_tokens[0]['id']}").status_code == 200
    assert people["bob"].client.get("/api/me").status_code == 401
    audit = people["root"].client.get("/api/admin/audit?action=token.revoke").get_json()["items"]
    assert audit and audit[0]["actor"] == f"user:{people['root'].id}"


def test_attack_expired_token_is_refused(app, people, clock):
    made = people["ann"].client.post("/api/tokens", json={"name": "short", "expires_in_days": 1})
    assert made.status_code == 201
    short = bearer_client(app, made.get_json()["token"])
    assert short.get("/api/me").status_code == 200
    clock.advance(days=1, seconds=1)
    assert short.get("/api/me").status_code == 401


def test_token_shown_once_and_stored_only_as_hash(app, rt, people):
    made = people["ann"].client.post("/api/tokens", json={"name": "ci"}).get_json()
    secret = made["token"]
    assert secret.startswith(credentials.TOKEN_PREFIX) and len(secret) > 40
    with rt.db.read() as conn:
        rows = conn.execute(sa.select(api_tokens)).mappings().all()
    dumped = repr([dict(r) for r in rows])
    assert secret not in dumped and secret[len(credentials.TOKEN_PREFIX):] not in dumped
    assert hashlib.sha256(secret.encode()).hexdigest() in dumped


def test_password_is_never_stored_plain(app, rt):
    users.create_user(rt, Actor.system(), "carol", password="correct horse battery", check=False)
    with rt.db.read() as conn:
        stored = conn.execute(sa.select(users_table.c.password_hash).where(users_table.c.username == "carol")).scalar_one()
    assert "correct horse battery" not in stored
    assert stored.startswith("scrypt:")
    other = users.hash_password("correct horse battery")
    assert other != stored  # salted


def test_weak_password_refused(app, rt):
    from engine.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        users.create_user(rt, Actor.system(), "dave", password="short", check=False)
    with pytest.raises(ValidationFailed):
        users.create_user(rt, Actor.system(), "davedavedave", password="davedavedave", check=False)


def test_attack_deactivated_users_token_stops_working(app, people):
    assert people["root"].client.post(f"/api/users/{people['bob'].id}/deactivate").status_code == 200
    assert people["bob"].client.get("/api/me").status_code == 401
    # and nobody deactivates themselves by mistake
    assert people["root"].client.post(f"/api/users/{people['root'].id}/deactivate").status_code == 422


def test_attack_token_of_a_user_in_another_workspace_is_refused(app, rt, clock):
    with rt.db.transaction() as conn:
        other = conn.execute(sa.insert(workspaces).values(key="other", name="Other", timezone="UTC", settings={},
                                                          created_at=clock.now())).inserted_primary_key[0]
        uid = conn.execute(sa.insert(users_table).values(workspace_id=other, username="intruder", display_name="I", is_active=True,
                                                         created_at=clock.now())).inserted_primary_key[0]
    # a token row for that user, made directly: the runtime's workspace doesn't know the user, so it can't act here
    secret = credentials.TOKEN_PREFIX + "intruder-secret-0123456789abcdef"
    with rt.db.transaction() as conn:
        conn.execute(sa.insert(api_tokens).values(user_id=uid, name="x", prefix=secret[:12], token_hash=hashlib.sha256(secret.encode()).hexdigest(),
                                                  created_at=clock.now(), expires_at=clock.now().replace(year=2030)))
    assert bearer_client(app, secret).get("/api/apps").status_code == 401


def test_cli_create_admin_and_token(app, runner):
    from formflow.cli import cli

    result = runner.invoke(cli, args=["create-admin", "boss", "--generate-password"])
    assert result.exit_code == 0, result.output
    password = re.search(r"password \(shown once\): (\S+)", result.output).group(1)
    rt = app.extensions["formflow"]
    sid, actor = credentials.login(rt, "boss", password)
    assert "admin" in actor.roles and sid
    result = runner.invoke(cli, args=["create-token", "boss", "--name", "ci"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[0]
    assert bearer_client(app, token).get("/api/me").get_json()["user"]["username"] == "boss"
    assert runner.invoke(cli, args=["create-admin", "boss", "--generate-password"]).exit_code != 0  # taken


def test_first_run_creates_an_admin_with_a_printed_random_password(db_url, clock, tmp_path, capfd):
    from formflow import create_app

    app = create_app({"DATABASE_URL": db_url, "CLOCK": clock, "TESTING": True, "FIRST_RUN_ADMIN": True,
                      "INSTANCE_PATH": str(tmp_path / "inst"), "INSTALL_TEMPLATES": False})
    try:
        c = app.test_client()
        page = c.get("/login")
        assert page.status_code == 200 and b'data-testid="first-run"' in page.data
        printed = capfd.readouterr().err
        password = re.search(r"with password '([^']+)'", printed).group(1)
        assert len(password) >= 12
        rt = app.extensions["formflow"]
        assert credentials.login(rt, "admin", password)[1].roles == frozenset({"admin"})
        c.get("/login")
        assert "with password" not in capfd.readouterr().err  # once
    finally:
        app.extensions["formflow"].db.dispose()


def test_attack_a_person_of_another_workspace_is_refused_in_a_user_field(rt, clock, system):
    """A user field holds people of this workspace only: another workspace's user id is 'no such user', as a made-up id."""
    from engine.errors import ValidationFailed
    from engine.services import app_templates, records

    app_templates.install_template(rt, system, "crm")
    with rt.db.transaction() as conn:
        other = conn.execute(sa.insert(workspaces).values(key="elsewhere", name="Elsewhere", timezone="UTC", settings={},
                                                          created_at=clock.now())).inserted_primary_key[0]
        uid = conn.execute(sa.insert(users_table).values(workspace_id=other, username="outsider", display_name="O", is_active=True,
                                                         created_at=clock.now())).inserted_primary_key[0]
    with pytest.raises(ValidationFailed) as info:
        records.create_record(rt, system, "crm", "customer", {"name": "Acme", "owner": uid})
    assert [(e.path, e.code) for e in info.value.errors] == [("/data/owner", "not_found")]
