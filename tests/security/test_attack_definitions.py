"""Attacks on definitions (issue 18, points 3, 8, 11 and 15), on SQLite and PostgreSQL through the real API.

3: workflow secrets (robot URLs with their key, signing secrets) are write-only: never in a response, nor in the
   stored definition; a mask sent back keeps them and the sender still uses them. Drafts, versions, workflows and
   templates are read only by roles that design or operate them.
8: a workflow that writes records is published only by someone who may write them.
11: a notification link is http(s) or a path on this site, and the inbox never renders another as a link.
15: validate needs ``automate`` and never says what a host name resolved to.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import threading

import pytest
import sqlalchemy as sa
from tests.conftest import served
from werkzeug.wrappers import Request, Response

from engine.runtime import Actor
from engine.scheduler import tick
from engine.services import records as record_service
from engine.storage.secret_tables import definition_secrets
from engine.workflows.tables import outbox, workflow_versions, workflows

ROBOT_KEY = "robot-key-5d1c0ffee9a2"  #: the access key inside the robot URL (the attack's loot)
SIGNING_SECRET = "signing-secret-8b7e61f04d"


class Hook:
    """A real local HTTP receiver keeping each call's path, headers and body."""

    def __init__(self):
        self.calls: list[dict] = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        request = Request(environ)
        with self.lock:
            self.calls.append({"path": request.full_path, "headers": dict(request.headers), "body": request.get_data()})
        return Response("ok")(environ, start_response)


@pytest.fixture
def hook():
    receiver = Hook()
    with served(receiver) as server:
        receiver.base = f"http://127.0.0.1:{server.server_port}"
        yield receiver


@pytest.fixture
def loopback(rt):
    rt.config["WEBHOOK_ALLOWLIST"] = ["127.0.0.1/32"]


def secret_workflow(base: str, key: str = "welcome_hook") -> dict:
    return {"key": key, "form": "customer", "trigger": {"type": "record_event", "on": ["created"]},
            "steps": [{"id": "tell_robot", "type": "notify", "to": [{"owner": True}], "channels": ["webhook"],
                       "channel_config": {"webhook": {"url": f"{base}/robot/send?key={ROBOT_KEY}", "secret": SIGNING_SECRET}},
                       "message": {"subject": "New customer", "body": "{{ record.name }}"}},
                      {"id": "raw_hook", "type": "webhook", "url": f"{base}/raw?access_token={ROBOT_KEY}"}]}


def _no_secret(text: str) -> None:
    assert ROBOT_KEY not in text and SIGNING_SECRET not in text


def _stored_text(rt) -> str:
    """Everything the database holds about workflows, as text (drafts, versions, queued messages)."""
    with rt.db.read() as conn:
        rows = [*conn.execute(sa.select(workflows.c.draft)).scalars(), *conn.execute(sa.select(workflow_versions.c.definition)).scalars(),
                *conn.execute(sa.select(outbox.c.message)).scalars(), *conn.execute(sa.select(definition_secrets.c.ciphertext)).scalars()]
    return json.dumps(rows)


def test_attack_member_reads_workflow_secrets_from_get_and_list(app, rt, people, crm, hook, loopback):
    root = people["root"].client
    created = root.post("/api/apps/crm/workflows", json=secret_workflow(hook.base))
    assert created.status_code == 201, created.get_json()
    _no_secret(created.get_data(as_text=True))
    assert root.post("/api/apps/crm/workflows/welcome_hook/publish").status_code == 201
    urls = ["/api/apps/crm/workflows", "/api/apps/crm/workflows/welcome_hook", "/api/apps/crm/workflows/welcome_hook/versions"]
    for who in ("ann", "vic", "mia"):  # members and viewers: definitions are not theirs to read
        for url in urls:
            r = people[who].client.get(url)
            assert r.status_code == 403, (who, url, r.status_code)
            _no_secret(r.get_data(as_text=True))
    for who in ("otto", "root", "bella"):  # those who operate or design them see masks, never the text
        for url in urls:
            r = people[who].client.get(url)
            assert r.status_code == 200, (who, url)
            _no_secret(r.get_data(as_text=True))
    shown = people["otto"].client.get("/api/apps/crm/workflows/welcome_hook").get_json()["definition"]
    mask = shown["steps"][0]["channel_config"]["webhook"]
    assert mask["url"]["secret"] is True and mask["url"]["set"] is True and mask["url"]["hint"].startswith("http://127.0.0.1/••••")
    assert mask["secret"]["hint"] == "••••" + SIGNING_SECRET[-4:]
    assert shown["steps"][1]["url"]["secret"] is True
    # the stored definition (draft and published version) holds handles only; the secret rows hold ciphertext only
    _no_secret(_stored_text(rt))
    dry = people["otto"].client.post("/api/apps/crm/workflows/welcome_hook/dry-run", json={"record_id": crm["ann"]})
    assert dry.status_code == 200, dry.get_json()
    _no_secret(dry.get_data(as_text=True))


def test_attack_mask_round_trip_keeps_the_secret_and_a_real_send_still_signs_with_it(app, rt, people, crm, hook, loopback):
    otto = people["otto"].client
    assert people["root"].client.post("/api/apps/crm/workflows", json=secret_workflow(hook.base)).status_code == 201
    shown = otto.get("/api/apps/crm/workflows/welcome_hook").get_json()
    with rt.db.read() as conn:
        before = conn.execute(sa.select(workflows.c.draft)).scalar_one()
    # the editor sends back what it was shown (masks included) with a changed label: the secrets stay as they were
    definition = {**shown["definition"], "label": "Welcome"}
    saved = otto.put("/api/apps/crm/workflows/welcome_hook/draft", json=definition, headers={"If-Match": str(shown["draft_revision"])})
    assert saved.status_code == 200, saved.get_json()
    _no_secret(saved.get_data(as_text=True))
    with rt.db.read() as conn:
        after = conn.execute(sa.select(workflows.c.draft)).scalar_one()
    assert after["steps"] == before["steps"]
    # a mask without its ref (the bare text "••••...") keeps the slot's secret too
    definition = json.loads(json.dumps(saved.get_json()["definition"]))
    definition["steps"][0]["channel_config"]["webhook"]["secret"] = "••••" + SIGNING_SECRET[-4:]
    assert otto.put("/api/apps/crm/workflows/welcome_hook/draft", json=definition).status_code == 200
    with rt.db.read() as conn:
        assert conn.execute(sa.select(workflows.c.draft)).scalar_one()["steps"] == before["steps"]
    # someone else's handle is not a way to borrow their secret
    foreign = json.loads(json.dumps(definition))
    foreign["steps"][1]["url"] = {"$secret": "sec_" + "0" * 48}
    refused = otto.put("/api/apps/crm/workflows/welcome_hook/draft", json=foreign)
    assert refused.status_code == 422 and refused.get_json()["error"]["errors"][0]["path"] == "/steps/1/url"
    # publish (by an admin: the workflow writes nothing) and send for real: the sender decrypts and signs
    assert people["root"].client.post("/api/apps/crm/workflows/welcome_hook/publish").status_code == 201
    record_service.create_record(rt, Actor.system(), "crm", "customer", {"name": "Round trip Ltd"}, owner_id=people["ann"].id)
    tick(rt)
    by_path = {c["path"].split("?")[0]: c for c in hook.calls}
    robot = by_path["/robot/send"]
    assert robot["path"].endswith(f"key={ROBOT_KEY}")
    stamp = robot["headers"]["X-Formflow-Timestamp"]
    expected = hmac.new(SIGNING_SECRET.encode(), stamp.encode() + b"." + robot["body"], hashlib.sha256).hexdigest()
    assert robot["headers"]["X-Formflow-Signature"] == f"sha256={expected}"
    assert by_path["/raw"]["path"].endswith(f"access_token={ROBOT_KEY}")
    _no_secret(_stored_text(rt))  # the queued messages held handles, not the text
    # a new value replaces the secret (a new encrypted row; the published version keeps its own)
    definition["steps"][0]["channel_config"]["webhook"]["secret"] = "a-brand-new-signing-secret"
    assert otto.put("/api/apps/crm/workflows/welcome_hook/draft", json=definition).status_code == 200
    with rt.db.read() as conn:
        replaced = conn.execute(sa.select(workflows.c.draft)).scalar_one()["steps"][0]["channel_config"]["webhook"]["secret"]
    assert replaced != before["steps"][0]["channel_config"]["webhook"]["secret"]
    assert "a-brand-new-signing-secret" not in _stored_text(rt)


def test_attack_member_reads_drafts_versions_and_templates(app, rt, people, crm):
    from engine.services import forms

    ann, vic, otto = people["ann"].client, people["vic"].client, people["otto"].client
    draft = forms.get_draft(rt, "crm", "customer")["definition"]
    draft["automations"] = [{"id": "stamp_industry_x9", "name": "stamp", "trigger": {"on": "create"},
                             "action": {"type": "set_field", "map": [{"field": "industry", "value": "retail"}]}}]
    forms.save_draft(rt, people["root"].actor, "crm", "customer", draft)
    forms.publish_form(rt, people["root"].actor, "crm", "customer")
    for url in ("/api/apps/crm/forms/customer/draft", "/api/apps/crm/forms/customer/diff", "/api/apps/crm/forms/customer/versions",
                "/api/apps/crm/notification-templates"):
        for client in (ann, vic):
            assert client.get(url).status_code == 403, url
        assert otto.get(url).status_code == 200, url
    # what using the form needs stays readable: the live version (without automations) and its rules
    version = people["root"].client.get("/api/apps/crm/forms/customer/versions").get_json()["items"][-1]["version"]
    r = ann.get(f"/api/apps/crm/forms/customer/versions/{version}")
    assert r.status_code == 200 and "automations" not in r.get_json()["definition"]
    assert ann.get("/api/apps/crm/forms/customer/rules.js").status_code == 200
    assert ann.get(f"/api/apps/crm/forms/customer/versions/{version}/rules.js").status_code == 200
    for page in ("/apps/crm/forms/customer/new", "/apps/crm/forms/customer/records", f"/apps/crm/forms/customer/records/{crm['ann']}"):
        r = ann.get(page)
        assert r.status_code == 200 and "stamp_industry_x9" not in r.get_data(as_text=True), page
    assert ann.get(f"/api/apps/crm/forms/customer/versions/{version - 1}").status_code == 403  # only the live one
    assert "stamp_industry_x9" in otto.get(f"/api/apps/crm/forms/customer/versions/{version}").get_data(as_text=True)


def test_attack_ops_publishes_a_set_field_workflow_on_a_form_they_may_only_read(app, rt, people, crm):
    otto = people["otto"].client
    definition = {"key": "rewrite_level", "form": "customer", "trigger": {"type": "record_event", "on": ["created", "updated"]},
                  "steps": [{"id": "check", "type": "condition", "if": "name != ''",
                             "then": [{"id": "downgrade", "type": "set_field", "field": "level", "value": "ordinary"}]}]}
    assert otto.post("/api/apps/crm/workflows", json=definition).status_code == 201  # a draft changes nothing
    refused = otto.post("/api/apps/crm/workflows/rewrite_level/publish")
    assert refused.status_code == 403, refused.get_json()
    paths = {e["path"] for e in refused.get_json()["error"]["errors"]}
    assert "/steps/0/then/0" in paths
    record_service.update_record(rt, Actor.system(), "crm", "customer", crm["ann"], {"name": "ann customer 2"})
    tick(rt)
    assert record_service.get_record(rt, Actor.system(), "crm", "customer", crm["ann"])["data"]["level"] == "key"
    with rt.db.read() as conn:
        assert conn.execute(sa.select(workflows.c.published_version)).scalar_one() is None
    # an admin may write those records, so may publish it
    assert people["root"].client.post("/api/apps/crm/workflows/rewrite_level/publish").status_code == 201


def test_attack_validate_reveals_what_an_internal_name_resolves_to(app, rt, people, crm):
    definition = {"key": "probe", "form": "customer", "trigger": {"type": "record_event", "on": ["created"]},
                  "steps": [{"id": "hook", "type": "webhook", "url": "http://localhost:8080/admin"}]}
    member = people["ann"].client.post("/api/apps/crm/workflows/validate", json=definition)
    assert member.status_code == 403
    r = people["otto"].client.post("/api/apps/crm/workflows/validate", json=definition)
    assert r.status_code == 200
    items = r.get_json()["items"]
    assert [i["path"] for i in items] == ["/steps/0/url"]
    text = r.get_data(as_text=True)
    assert "127.0.0.1" not in text and "::1" not in text and "WEBHOOK_ALLOWLIST" in text


@pytest.mark.parametrize("link", ["javascript:alert(document.cookie)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)",
                                  "//evil.example/x", "data:text/html,<script>alert(1)</script>", "/\\evil.example"])
def test_attack_notify_link_with_javascript_is_refused_at_save(app, rt, people, crm, link):
    definition = {"key": "linky", "form": "customer", "trigger": {"type": "record_event", "on": ["created"]},
                  "steps": [{"id": "tell", "type": "notify", "to": [{"owner": True}], "channels": ["inbox"], "link": link,
                             "message": {"body": "hi"}}]}
    r = people["root"].client.post("/api/apps/crm/workflows", json=definition)
    assert r.status_code == 422, r.get_json()
    assert "/steps/0/link" in {e["path"] for e in r.get_json()["error"]["errors"]}


def test_attack_inbox_never_renders_a_javascript_link(app, rt, people, crm):
    from engine.services.inbox import store_message

    ok = {"key": "linky", "form": "customer", "trigger": {"type": "record_event", "on": ["created"]},
          "steps": [{"id": "tell", "type": "notify", "to": [{"owner": True}], "channels": ["inbox"], "link": "https://crm.example/x",
                     "message": {"body": "hi"}}]}
    assert people["root"].client.post("/api/apps/crm/workflows", json=ok).status_code == 201
    ok["key"], ok["steps"][0]["link"] = "linky_path", "/apps/crm/forms/customer/records"
    assert people["root"].client.post("/api/apps/crm/workflows", json=ok).status_code == 201
    with rt.db.transaction() as conn:  # as if queued before the save-time check existed
        store_message(conn, rt, user_id=people["ann"].id, title="old", body="old", idempotency_key="legacy-1",
                      link="javascript:alert(document.cookie)")
    ann = people["ann"].client
    items = ann.get("/api/inbox").get_json()["items"]
    assert items and all(i["link"] is None or not i["link"].lower().startswith("javascript") for i in items)
    page = ann.get("/inbox").get_data(as_text=True)
    assert "javascript:" not in page.lower()


def test_attack_builder_publishes_an_automation_writing_a_form_they_may_not_write(app, rt, people, crm):
    from engine.services import permissions

    permissions.set_grant(rt, people["root"].actor, "crm", "follow_up", "builder",
                          {"create": False, "read": "all", "update": "none", "delete": "none"})
    bella = people["bella"].client
    draft = bella.get("/api/apps/crm/forms/customer/draft")
    definition = draft.get_json()["definition"]
    definition["automations"] = [{"id": "log_visit", "name": "log a visit", "trigger": {"on": "create"},
                                  "action": {"type": "create_record", "form": "follow_up",
                                             "map": [{"field": "customer", "from": "$id"}, {"field": "content", "value": "auto"}]}}]
    saved = bella.put("/api/apps/crm/forms/customer/draft", json=definition, headers={"If-Match": draft.headers["ETag"]})
    assert saved.status_code == 200, saved.get_json()
    refused = bella.post("/api/apps/crm/forms/customer/publish")
    assert refused.status_code == 403, refused.get_json()
    assert "/automations/0/action" in {e["path"] for e in refused.get_json()["error"]["errors"]}
    assert people["root"].client.post("/api/apps/crm/forms/customer/publish").status_code == 201


def test_attack_secret_stored_as_text_before_the_upgrade_is_masked_and_sealed_by_the_command(app, rt, people, crm, hook, loopback,
                                                                                               runner):
    root = people["root"].client
    assert root.post("/api/apps/crm/workflows", json=secret_workflow(hook.base)).status_code == 201
    assert root.post("/api/apps/crm/workflows/welcome_hook/publish").status_code == 201
    legacy = secret_workflow(hook.base)
    with rt.db.transaction() as conn:  # as a database written before secrets were kept apart holds it
        conn.execute(sa.update(workflows).values(draft=legacy))
        conn.execute(sa.update(workflow_versions).values(definition=legacy))
    assert ROBOT_KEY in _stored_text(rt)
    for url in ("/api/apps/crm/workflows", "/api/apps/crm/workflows/welcome_hook", "/api/apps/crm/workflows/welcome_hook/versions"):
        r = people["otto"].client.get(url)
        assert r.status_code == 200
        _no_secret(r.get_data(as_text=True))
    from formflow.cli import cli

    result = runner.invoke(cli, ["seal-secrets"])
    assert result.exit_code == 0 and "sealed secrets in 1 draft and 1 published version" in result.output, result.output
    _no_secret(_stored_text(rt))
    assert "0 drafts" in runner.invoke(cli, ["seal-secrets"]).output  # idempotent
    record_service.create_record(rt, Actor.system(), "crm", "customer", {"name": "Legacy Ltd"}, owner_id=people["ann"].id)
    tick(rt)
    assert {c["path"].split("?")[0] for c in hook.calls} == {"/robot/send", "/raw"}
