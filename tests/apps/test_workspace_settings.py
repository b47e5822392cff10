"""Workspace settings (name, time zone, default language, template review) and the admin audit's filters: the service,
the REST routes and the two pages, over SQLite and PostgreSQL."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from engine.errors import PermissionDenied, ValidationFailed
from engine.runtime import Actor
from engine.services import admin_audit, template_review, users, workspace_settings


@pytest.fixture
def rt_app(app):
    return app.extensions["formflow"]


def _admin(rt):
    return Actor.user(users.create_user(rt, Actor.system(), "boss", display_name="Boss", roles=["admin"], check=False)["id"])


def test_settings_change_is_applied_and_audited(rt_app):
    boss = _admin(rt_app)
    before = workspace_settings.get_settings(rt_app)
    assert before["timezone"] == "Asia/Shanghai" and before["default_locale"] == "en" and before["publisher"] == "both"
    after = workspace_settings.update_settings(rt_app, boss, {"timezone": "Europe/Paris", "default_locale": "zh-CN",
                                                              "publisher": "approver", "name": " Acme "})
    assert after["timezone"] == "Europe/Paris" and after["default_locale"] == "zh-CN" and after["name"] == "Acme"
    assert rt_app.timezone == "Europe/Paris" and template_review.review_settings(rt_app)["publisher"] == "approver"
    [entry] = admin_audit.list_entries(rt_app, kind="workspace")
    assert entry["action"] == "workspace.settings" and entry["actor_id"] == boss.user_id
    assert entry["details"]["timezone"] == ["Asia/Shanghai", "Europe/Paris"] and entry["details"]["publisher"] == ["both", "approver"]
    workspace_settings.update_settings(rt_app, boss, {"timezone": "Europe/Paris"})  # nothing differs: nothing audited
    assert len(admin_audit.list_entries(rt_app, kind="workspace")) == 1


def test_bad_settings_are_refused_at_their_path_and_members_may_not(rt_app):
    boss = _admin(rt_app)
    with pytest.raises(ValidationFailed) as caught:
        workspace_settings.update_settings(rt_app, boss, {"timezone": "Mars/Olympus", "default_locale": "fr", "publisher": "x",
                                                          "name": "", "colour": "red"})
    assert {e.path for e in caught.value.errors} == {"/timezone", "/default_locale", "/publisher", "/name", "/colour"}
    member = Actor.user(users.create_user(rt_app, Actor.system(), "mia", roles=["member"], check=False)["id"], roles=("member",))
    with pytest.raises(PermissionDenied):
        workspace_settings.update_settings(rt_app, member, {"timezone": "UTC"})
    assert workspace_settings.get_settings(rt_app)["timezone"] == "Asia/Shanghai"


def test_audit_filters_by_kind_user_date_and_pages(rt_app, clock):
    boss = _admin(rt_app)
    for i in range(4):
        users.create_user(rt_app, boss, f"u{i}", roles=["member"], check=False)
        clock.advance(timedelta(days=1))
    workspace_settings.update_settings(rt_app, boss, {"default_locale": "zh-CN"})
    users_only = admin_audit.list_entries(rt_app, kind="user", actor_id=boss.user_id)
    assert [e["target"] for e in users_only][:4] == [f"user:{n}" for n in sorted(
        (u["id"] for u in users.list_users(rt_app, boss) if u["username"].startswith("u")), reverse=True)]
    page2 = admin_audit.list_entries(rt_app, kind="user", actor_id=boss.user_id, limit=2, offset=2)
    assert page2 == users_only[2:4]
    start = clock.now() - timedelta(days=2, hours=1)
    recent = admin_audit.list_entries(rt_app, since=start, actor_id=boss.user_id)
    assert {e["action"] for e in recent} == {"user.create", "workspace.settings"} and len(recent) == 3
    assert "workspace" in admin_audit.kinds(rt_app) and "user" in admin_audit.kinds(rt_app)


def test_api_settings_and_audit_filters(client):
    r = client.patch("/api/workspace/settings", json={"timezone": "UTC", "default_locale": "zh-CN"})
    assert r.status_code == 200 and r.json["timezone"] == "UTC"
    assert client.get("/api/workspace/settings").json["default_locale"] == "zh-CN"
    r = client.patch("/api/workspace/settings", json={"timezone": "Nowhere/Land"})
    assert r.status_code == 422 and r.json["error"]["errors"][0]["path"] == "/timezone"
    r = client.get("/api/admin/audit?kind=workspace")
    assert r.status_code == 200 and [e["action"] for e in r.json["items"]] == ["workspace.settings"]
    r = client.get("/api/admin/audit?since=yesterday&offset=-1")
    assert r.status_code == 422 and {e["path"] for e in r.json["error"]["errors"]} == {"/since", "/offset"}


def test_pages_show_refusals_at_the_field_and_the_audit(client):
    page = client.get("/admin/workspace")
    assert page.status_code == 200 and 'id="ws-timezone"' in page.get_data(as_text=True)
    r = client.post("/admin/workspace", data={"name": "Acme", "timezone": "Bad/Zone", "default_locale": "en", "publisher": "both"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and 'data-testid="ws-timezone-error"' in html and 'value="Acme"' in html
    r = client.post("/admin/workspace?lang=zh-CN", data={"name": "Acme", "timezone": "Europe/Berlin", "default_locale": "zh-CN",
                                                         "publisher": "author"})
    assert r.status_code == 303
    audit = client.get("/admin/audit?kind=workspace&lang=zh-CN").get_data(as_text=True)
    assert "审计日志" in audit and len(re.findall('data-testid="audit-row"', audit)) == 1 and "Europe/Berlin" in audit
    bad = client.get("/admin/audit?until=31-12-2026")
    assert bad.status_code == 422 and 'data-testid="audit-until-error"' in bad.get_data(as_text=True)


def test_default_language_applies_when_the_browser_asks_for_none_we_offer(app, client):
    rt = app.extensions["formflow"]
    anonymous = app.test_client()
    assert 'lang="en"' in anonymous.get("/login").get_data(as_text=True)
    workspace_settings.update_settings(rt, Actor.system(), {"default_locale": "zh-CN"})
    assert 'lang="zh-CN"' in anonymous.get("/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in anonymous.get("/login", headers={"Accept-Language": "fr-FR"}).get_data(as_text=True)
    assert 'lang="en"' in anonymous.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
