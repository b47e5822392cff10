"""Apps and forms as a whole (look, order, archive, copy, delete with a typed confirmation), teams, passwords handed
out by admins, another user's tokens, and the last admin who can't be locked out: through the API, SQLite and PostgreSQL."""
from __future__ import annotations

import json

import pytest

from engine.errors import ValidationFailed
from engine.runtime import Actor
from engine.services import app_admin, credentials, users as user_service

CUSTOMER = {"key": "customer", "label": "Customer", "fields": [
    {"id": "name", "type": "text", "label": "Name", "required": True}, {"id": "phone", "type": "phone", "label": "Phone"}]}
VISIT = {"key": "visit", "label": "Visit", "fields": [
    {"id": "customer", "type": "reference", "label": "Customer", "options": {"form": "customer"}},
    {"id": "note", "type": "textarea", "label": "Note"}]}


def _crm(client):
    assert client.post("/api/apps", json={"key": "crm", "label": "CRM"}).status_code == 201
    for form in (CUSTOMER, VISIT):
        assert client.post("/api/apps/crm/forms", json=form).status_code == 201
        assert client.post(f"/api/apps/crm/forms/{form['key']}/publish").status_code == 201
    for name in ("Acme", "Beta"):
        assert client.post("/api/apps/crm/forms/customer/records", json={"data": {"name": name}}).status_code == 201


def test_app_look_order_archive_and_copy(client):
    _crm(client)
    changed = client.patch("/api/apps/crm/settings", json={"label": "Sales", "icon": "🚀", "color": "teal"})
    assert changed.status_code == 200
    assert (changed.get_json()["label"], changed.get_json()["icon"], changed.get_json()["color"]) == ("Sales", "🚀", "teal")
    bad = client.patch("/api/apps/crm/settings", json={"color": "neon", "icon": "x" * 30}).get_json()
    assert {e["path"] for e in bad["error"]["errors"]} == {"/color", "/icon"}
    assert client.patch("/api/apps/crm/settings", json={"label": " "}).get_json()["error"]["errors"][0]["path"] == "/label"

    assert [f["key"] for f in client.put("/api/apps/crm/form-order", json={"order": ["visit", "customer"]}).get_json()["forms"]] \
        == ["visit", "customer"]
    refused = client.put("/api/apps/crm/form-order", json={"order": ["visit"]})
    assert refused.status_code == 422 and refused.get_json()["error"]["errors"][0]["path"] == "/order"
    assert client.post("/api/apps/crm/forms/visit/archive", json={"archived": True}).get_json()["forms"][0]["archived"] is True
    assert client.post("/api/apps/crm/archive", json={"archived": True}).get_json()["archived"] is True

    copied = client.post("/api/apps/crm/copy", json={"key": "crm_b", "label": "Sales B"})
    assert copied.status_code == 201
    body = copied.get_json()
    assert [f["key"] for f in body["forms"]] == ["visit", "customer"] and body["color"] == "teal"
    assert all(f["published_version"] == 1 for f in body["forms"])
    assert client.get("/api/apps/crm_b/forms/customer/records").get_json()["total"] == 0      # definitions only, no records
    dup = client.post("/api/apps/crm/copy", json={"key": "crm_b", "label": "again"})
    assert dup.status_code == 409 and dup.get_json()["error"]["errors"][0]["path"] == "/key"
    assert client.post("/api/apps/crm/copy", json={"key": "Bad Key", "label": "x"}).get_json()["error"]["errors"][0]["path"] == "/key"


def test_forms_copy_rename_and_delete_with_confirmation(client, app):
    _crm(client)
    copied = client.post("/api/apps/crm/forms/customer/copy", json={"key": "lead", "label": "Lead"})
    assert copied.status_code == 201 and [f["id"] for f in copied.get_json()["definition"]["fields"]] == ["name", "phone"]
    rt = app.extensions["formflow"]
    admin = Actor.system()
    assert app_admin.rename_form(rt, admin, "crm", "lead", "Sales lead")["definition"]["label"] == "Sales lead"

    lost = client.get("/api/apps/crm/impact?form=customer").get_json()
    assert lost["records"] == 2 and lost["forms"][0]["key"] == "customer"
    # the visit form refers to customers: refused, saying which field
    used = client.delete("/api/apps/crm/forms/customer", json={"confirm": "customer"})
    assert used.status_code == 409 and (used.get_json()["error"]["errors"][0]["form"], used.get_json()["error"]["errors"][0]["field"]) == ("visit", "customer")
    wrong = client.delete("/api/apps/crm/forms/lead", json={"confirm": "led"})
    assert wrong.status_code == 422 and wrong.get_json()["error"]["errors"][0]["path"] == "/confirm"
    assert client.delete("/api/apps/crm/forms/lead", json={"confirm": "lead"}).status_code == 200
    assert "lead" not in [f["key"] for f in client.get("/api/apps/crm").get_json()["forms"]]

    # the whole app: what is lost, then gone for good
    assert client.get("/api/apps/crm/impact").get_json()["records"] == 2
    assert client.delete("/api/apps/crm", json={"confirm": "CRM"}).status_code == 422
    gone = client.delete("/api/apps/crm", json={"confirm": "crm"})
    assert gone.status_code == 200 and {f["key"] for f in gone.get_json()["forms"]} == {"customer", "visit"}
    assert client.get("/api/apps/crm").status_code == 404
    # a new form may reuse a deleted form's id: it is not served the old compiled form
    assert client.post("/api/apps", json={"key": "crm", "label": "CRM"}).status_code == 201
    assert client.post("/api/apps/crm/forms", json={**VISIT, "key": "customer", "fields": VISIT["fields"][1:]}).status_code == 201
    assert client.post("/api/apps/crm/forms/customer/publish").status_code == 201
    made = client.post("/api/apps/crm/forms/customer/records", json={"data": {"note": "hello"}})
    assert made.status_code == 201, made.get_json()


def test_design_capability_needed(app, client):
    _crm(client)
    rt = app.extensions["formflow"]
    user_service.create_user(rt, Actor.system(), "mia", roles=["member"], check=False)
    mia = user_service.list_users(rt, Actor.system(), search="mia")[0]
    token = credentials.create_token(rt, Actor.user(mia["id"], roles=("member",)), "t")["token"]
    other = app.test_client()
    other.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert other.patch("/api/apps/crm/settings", json={"color": "red"}).status_code == 403
    assert other.delete("/api/apps/crm", json={"confirm": "crm"}).status_code == 403
    assert other.post("/api/apps/crm/copy", json={"key": "x", "label": "x"}).status_code == 403
    assert other.get("/api/teams").status_code == 403
    assert other.get(f"/api/users/{mia['id']}/tokens").status_code == 200
    assert other.get("/api/users/1/tokens").status_code == 403


def test_teams_issued_passwords_tokens_and_the_last_admin(app, client):
    rt = app.extensions["formflow"]
    admin_id = user_service.list_users(rt, Actor.system(), search="admin")[0]["id"]
    mia = client.post("/api/users", json={"username": "mia", "display_name": "Mia"}).get_json()
    assert client.post("/api/teams", json={"key": "east", "name": "East", "members": [mia["id"]]}).status_code == 201
    listed = client.get("/api/teams").get_json()["items"]        # managers: tests/security/test_team_managers.py
    assert [{k: t[k] for k in ("key", "name", "members")} for t in listed] == [{"key": "east", "name": "East", "members": [mia["id"]]}]
    changed = client.patch("/api/teams/east", json={"name": "East region", "members": [mia["id"], admin_id]}).get_json()
    assert {k: changed[k] for k in ("key", "name", "members")} == {"key": "east", "name": "East region", "members": sorted([mia["id"], admin_id])}
    assert client.patch("/api/teams/east", json={"members": [999999]}).get_json()["error"]["errors"][0]["path"] == "/members/0"
    assert client.patch("/api/teams/west", json={"name": "W"}).status_code == 404

    issued = client.post(f"/api/users/{mia['id']}/password/issue")
    assert issued.status_code == 201
    password = issued.get_json()["password"]
    assert len(password) == user_service.ISSUED_PASSWORD_LENGTH and user_service.password_errors(password) == []
    _, signed_in = credentials.login(rt, "mia", password)
    assert signed_in.user_id == mia["id"]
    assert client.post(f"/api/users/{admin_id}/password/issue").get_json()["error"]["errors"][0]["path"] == "/user"   # own: the profile

    credentials.create_token(rt, Actor.user(mia["id"], roles=("member",)), "mia's script")
    assert [t["name"] for t in client.get(f"/api/users/{mia['id']}/tokens").get_json()["items"]] == ["mia's script"]

    # the only active admin can't be made a member or deactivated by another admin either
    bob = client.post("/api/users", json={"username": "bob", "roles": ["admin"]}).get_json()
    assert client.patch(f"/api/users/{bob['id']}", json={"roles": ["member"]}).status_code == 200
    bob_token = credentials.create_token(rt, Actor.user(bob["id"], roles=("member",)), "t")["token"]
    assert client.patch(f"/api/users/{bob['id']}", json={"roles": ["admin"]}).status_code == 200
    bob_client = app.test_client()
    bob_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {bob_token}"
    assert bob_client.post(f"/api/users/{admin_id}/deactivate").status_code == 200
    last = client.patch(f"/api/users/{bob['id']}", json={"roles": ["member"]})  # the deactivated admin's token is dead
    assert last.status_code == 401
    refused = bob_client.patch(f"/api/users/{bob['id']}", json={"roles": ["member"]})
    assert refused.status_code == 422 and refused.get_json()["error"]["errors"][0]["path"] == "/roles"
    user_service.create_user(rt, Actor.system(), "carl", roles=["admin"], check=False)
    carl = user_service.list_users(rt, Actor.system(), search="carl")[0]
    assert bob_client.post(f"/api/users/{carl['id']}/deactivate").status_code == 200
    with pytest.raises(ValidationFailed) as exc:
        user_service.update_user(rt, Actor.system(), bob["id"], {"is_active": False})
    assert exc.value.errors[0].code == "last_admin" and exc.value.errors[0].path == "/is_active"


SMALL = {"key": "small", "label": "Small", "template": {"key": "small", "version": "1.0.0"},
         "forms": [{"key": "lead", "label": "Lead", "fields": [{"id": "name", "type": "text", "label": "Name"},
                                                               {"id": "city", "type": "text", "label": "City"}]}]}


def test_update_from_template_reads_as_sentences_and_keeps_your_edits(app, client, tmp_path):
    """The settings page says what a template update changes and what of yours it keeps (en, zh-CN), then applies it."""
    rt = app.extensions["formflow"]
    rt.config["TEMPLATE_DIRS"] = [str(tmp_path)]
    (tmp_path / "small.json").write_text(json.dumps(SMALL), encoding="utf-8")
    made = client.post("/apps/new", data={"kind": "template", "template": "small", "key": "", "label_en": "", "label_zh": ""})
    assert made.status_code == 303 and made.headers["Location"].endswith("/apps/small/settings")
    draft = client.get("/api/apps/small/forms/lead/draft").get_json()["definition"]
    draft["fields"][0]["label"] = "Lead name"                                          # the admin's own edit
    assert client.put("/api/apps/small/forms/lead/draft", json=draft).status_code == 200
    newer = json.loads(json.dumps(SMALL))
    newer["template"]["version"] = "2.0.0"
    newer["forms"][0]["fields"][0]["label"] = "Full name"                              # the template changes it too
    newer["forms"][0]["fields"][1]["label"] = "Town"
    newer["forms"][0]["fields"].append({"id": "phone", "type": "phone", "label": "Phone"})
    (tmp_path / "small-2.json").write_text(json.dumps(newer), encoding="utf-8")

    page = client.get("/apps/small/settings?lang=en").get_data(as_text=True)
    assert "Version 2.0.0 of the template is available." in page
    assert "Field “Phone” added to “Lead”." in page                                 # by labels, never ids
    assert "Field “City” of “Lead” changed: renamed “Town”." in page
    assert "Your edit of field “Lead name” in “Lead” is kept; the template&#39;s change to it is not applied." in page
    zh = client.get("/apps/small/settings?lang=zh-CN").get_data(as_text=True)
    assert "在“Lead”中新增字段“Phone”。" in zh and "“Lead”的字段“City”有修改：改名为“Town”。" in zh
    assert "“phone”" not in page and "“city”" not in page

    done = client.post("/apps/small/template-update", data={"version": "2.0.0"})
    assert done.status_code == 303
    fields = {f["id"]: f["label"] for f in client.get("/api/apps/small/forms/lead/draft").get_json()["definition"]["fields"]}
    assert fields == {"name": "Lead name", "city": "Town", "phone": "Phone"}
    assert "The app is up to date with its template." in client.get("/apps/small/settings?lang=en").get_data(as_text=True)
    # an offer reviewed for another version is refused on the page, not applied
    stale = client.post("/apps/small/template-update", data={"version": "9.9.9"})
    assert stale.status_code in (409, 412)


def test_roles_are_created_once_and_need_a_name(client):
    made = client.post("/api/roles", json={"key": "field_sales", "label": {"en": "Field sales"}, "capabilities": ["design"]})
    assert made.status_code == 201 and made.get_json()["capabilities"] == ["design"]
    taken = client.post("/api/roles", json={"key": "member", "label": "Mine"})
    assert taken.status_code == 409 and taken.get_json()["error"]["errors"][0]["path"] == "/key"
    assert client.post("/api/roles", json={"key": "nameless", "label": {"en": " "}}).get_json()["error"]["errors"][0]["path"] == "/label"
    # on the page: the reason at the field, in the UI language, the typed key kept
    page = client.post("/admin/people/roles?lang=zh-CN", data={"key": "member", "label_en": "Mine"})
    assert page.status_code == 409
    text = page.get_data(as_text=True)
    assert 'id="role-key-error"' in text and "此标识已被使用" in text and 'value="member"' in text


def test_the_field_matrix_shows_a_derived_field_hidden_through_its_source(client):
    assert client.post("/api/apps", json={"key": "crm", "label": "CRM"}).status_code == 201
    form = {"key": "deal", "label": "Deal", "fields": [
        {"id": "amount", "type": "number", "label": "Amount"},
        {"id": "big", "type": "computed", "label": "Big deal", "options": {"formula": "(amount ?? 0) >= 100", "result_type": "boolean"}}]}
    assert client.post("/api/apps/crm/forms", json=form).status_code == 201
    assert client.post("/api/apps/crm/forms/deal/publish").status_code == 201
    saved = client.post("/admin/access/crm/deal/fields", data={"member.amount": "hidden", "member.big": "write"})
    assert saved.status_code == 303
    grants = {g["role"]: g["rights"] for g in client.get("/api/apps/crm/forms/deal/permissions").get_json()["items"]}
    assert grants["member"]["fields"] == {"amount": "hidden"} and grants["viewer"]["fields"] == {}
    page = client.get("/admin/access/crm/deal?lang=en").get_data(as_text=True)
    assert 'data-testid="inherited-big-member"' in page and "hidden because amount is hidden" in page
    assert 'data-testid="inherited-big-viewer"' not in page


def test_a_role_is_renamed_and_its_capabilities_changed_on_the_people_page(client):
    assert client.post("/api/roles", json={"key": "field_sales", "label": "Field sales"}).status_code == 201
    saved = client.post("/admin/people/roles/field_sales", data={"label_en": "Sales in the field", "label_zh": "外勤销售",
                                                                  "capabilities": ["design", "automate"]})
    assert saved.status_code == 303
    role = next(r for r in client.get("/api/roles").get_json()["items"] if r["key"] == "field_sales")
    assert role["label"] == {"en": "Sales in the field", "zh-CN": "外勤销售"} and role["capabilities"] == ["automate", "design"]
    blank = client.post("/admin/people/roles/field_sales?lang=en", data={"label_en": "", "label_zh": ""})
    assert blank.status_code == 422 and 'id="role_field_sales-label_en-error"' in blank.get_data(as_text=True)
    # the admin role keeps every capability whatever the form sends; only its name changes
    assert client.post("/admin/people/roles/admin", data={"label_en": "Boss", "capabilities": []}).status_code == 303
    admin_role = next(r for r in client.get("/api/roles").get_json()["items"] if r["key"] == "admin")
    assert admin_role["capabilities"] == ["*"] and admin_role["label"] == {"en": "Boss"}


def test_a_workspace_without_admins_still_changes_roles(rt):
    """Only a change that removes the last active admin is refused; where there was none, roles still change."""
    member = user_service.create_user(rt, Actor.system(), "solo", roles=["member"], check=False)
    assert user_service.update_user(rt, Actor.system(), member["id"], {}, roles=["viewer"])["roles"] == ["viewer"]
    assert user_service.update_user(rt, Actor.system(), member["id"], {"is_active": False})["is_active"] is False


def test_the_settings_page_runs_forms_and_the_app(client):
    """Each control of the settings page posts to its route: move, rename, archive, copy, delete; the Apps page follows."""
    _crm(client)
    assert client.post("/apps/crm/forms/visit/move", data={"direction": "up"}).status_code == 303
    assert [f["key"] for f in app_admin_forms(client)] == ["visit", "customer"]
    assert client.post("/apps/crm/forms/customer/rename", data={"label_en": "Client", "label_zh": "客户"}).status_code == 303
    assert client.get("/api/apps/crm/forms/customer/draft").get_json()["definition"]["label"] == {"en": "Client", "zh-CN": "客户"}
    blank = client.post("/apps/crm/forms/customer/rename?lang=en", data={"label_en": "", "label_zh": ""})
    assert blank.status_code == 422 and 'id="form_customer-label_en-error"' in blank.get_data(as_text=True)
    assert client.post("/apps/crm/forms/visit/archive", data={"archived": "1"}).status_code == 303
    index = client.get("/?lang=en").get_data(as_text=True)
    assert 'data-testid="form-crm-customer"' in index and 'data-testid="form-crm-visit"' not in index   # archived: not offered
    assert client.post("/apps/crm/forms/new", data={"key": "lead", "label_en": "Lead", "copy_of": "customer"}).status_code == 303
    assert client.post("/apps/crm/forms/lead/delete", data={"confirm": "lead"}).status_code == 303
    copied = client.post("/apps/new", data={"kind": "copy", "source": "crm", "key": "crm_copy", "label_en": "CRM copy"})
    assert copied.status_code == 303 and copied.headers["Location"].endswith("/apps/crm_copy/settings")
    assert client.post("/apps/crm_copy/archive", data={"archived": "1"}).status_code == 303
    index = client.get("/?lang=en").get_data(as_text=True)
    assert 'data-testid="archived-apps"' in index and 'data-testid="app-crm_copy"' not in index
    in_use = client.post("/apps/crm/forms/customer/delete?lang=en", data={"confirm": "customer"})
    assert in_use.status_code == 409 and "refers to this form" in in_use.get_data(as_text=True)
    assert client.post("/apps/crm_copy/delete", data={"confirm": "crm_copy"}).status_code == 303
    assert client.get("/api/apps/crm_copy").status_code == 404


def app_admin_forms(client) -> list[dict]:
    return client.patch("/api/apps/crm/settings", json={"icon": ""}).get_json()["forms"]
