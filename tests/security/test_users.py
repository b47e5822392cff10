"""Users, managers, roles and tokens through the API, as the admin and as everyone else."""
from __future__ import annotations


def test_user_picker_search_gives_everyone_names_only(app, people):
    found = people["ann"].client.get("/api/users?search=BO").get_json()["items"]
    assert found == [{"id": people["bob"].id, "username": "bob", "display_name": "bob", "name": "bob"}]
    full = people["root"].client.get("/api/users?search=bo").get_json()["items"]
    assert full[0]["roles"] == ["member"] and "email" in full[0]
    assert people["ann"].client.get("/api/users?search=" + "x" * 101).status_code == 422
    # LIKE wildcards are text, not patterns
    assert people["ann"].client.get("/api/users?search=%25").get_json()["items"] == []


def test_admin_creates_user_sets_manager_roles_and_deactivates(app, people):
    root = people["root"].client
    made = root.post("/api/users", json={"username": "lily", "password": "a good long password", "display_name": "Lily",
                                         "roles": ["member", "approver"], "manager_id": people["ann"].id})
    assert made.status_code == 201
    lily = made.get_json()
    assert lily["roles"] == ["approver", "member"] and lily["manager_id"] == people["ann"].id and "password" not in str(lily)
    assert root.post("/api/users", json={"username": "LILY"}).status_code == 409  # user names are case-insensitive
    # a manager chain may not loop
    assert root.patch(f"/api/users/{people['ann'].id}", json={"manager_id": lily["id"]}).status_code == 422
    assert root.patch(f"/api/users/{lily['id']}", json={"manager_id": None, "roles": ["viewer"]}).get_json()["roles"] == ["viewer"]
    assert root.patch(f"/api/users/{lily['id']}", json={"password_hash": "x"}).status_code == 422  # mass assignment
    assert root.post(f"/api/users/{lily['id']}/deactivate").get_json()["is_active"] is False
    assert lily["id"] not in [u["id"] for u in root.get("/api/users").get_json()["items"]]
    assert lily["id"] in [u["id"] for u in root.get("/api/users?include_inactive=true").get_json()["items"]]


def test_me_and_own_password(app, people):
    me = people["ann"].client.get("/api/me").get_json()
    assert me["user"]["username"] == "ann" and me["capabilities"] == []
    assert people["bella"].client.get("/api/me").get_json()["capabilities"] == ["design"]
    from engine.services import credentials, users as user_service
    from tests.security.conftest import bearer_client

    rt = app.extensions["formflow"]
    user_service.set_password(rt, people["ann"].actor, people["ann"].id, "my first long password", check=False)
    ann = bearer_client(app, credentials.create_token(rt, people["ann"].actor, "after the first password")["token"])
    # your own password: only with the current one (and the change revokes your tokens, so this is the token's last call)
    assert ann.put(f"/api/users/{people['ann'].id}/password", json={"password": "my new long password"}).status_code == 422
    assert ann.put(f"/api/users/{people['ann'].id}/password", json={
        "password": "my new long password", "current_password": "my first long password"}).status_code == 204
    assert ann.get("/api/me").status_code == 401
    assert people["mia"].client.put(f"/api/users/{people['bob'].id}/password", json={"password": "taken over account"}).status_code == 403
    assert people["mia"].client.get(f"/api/users/{people['bob'].id}").status_code == 403


def test_custom_role_with_capabilities(app, people):
    root = people["root"].client
    saved = root.put("/api/roles/sales_lead", json={"label": {"en": "Sales lead", "zh-CN": "销售主管"}, "capabilities": ["design"],
                                                    "default_rights": {"create": True, "read": "team", "update": "team", "delete": "none"}})
    assert saved.status_code == 200 and saved.get_json()["capabilities"] == ["design"]
    assert root.patch(f"/api/users/{people['mia'].id}", json={"roles": ["sales_lead"]}).status_code == 200
    assert people["mia"].client.post("/api/apps", json={"key": "leads", "label": "Leads"}).status_code == 201
    keys = [r["key"] for r in root.get("/api/roles").get_json()["items"]]
    assert {"admin", "builder", "ops", "approver", "member", "viewer", "sales_lead"} <= set(keys)
    assert root.put("/api/roles/admin", json={"capabilities": []}).status_code == 403
    assert root.put("/api/roles/bad", json={"capabilities": ["root_shell"]}).status_code == 422


def test_admin_cannot_drop_own_admin_role(app, people):
    root = people["root"]
    assert root.client.patch(f"/api/users/{root.id}", json={"roles": ["member"]}).status_code == 422


def test_bad_profile_values_and_out_of_range_ids_are_4xx(app, people):
    root = people["root"].client
    assert root.post("/api/users", json={"username": "tz", "timezone": "Mars/Olympus"}).status_code == 422
    assert root.post("/api/users", json={"username": "em", "email": "not an address"}).status_code == 422
    assert root.post("/api/users", json={"username": "ro", "roles": ["no_such_role"]}).status_code == 404
    assert root.get(f"/api/users/{2**40}").status_code == 404
    assert root.delete(f"/api/tokens/{2**40}").status_code == 404
    assert root.post("/api/tokens", json={"name": "x", "user_id": 2**40}).status_code == 422


def test_deleting_a_role_is_refused_while_held_or_built_in(app, people):
    root = people["root"].client
    assert root.put("/api/roles/sales_lead", json={"label": {"en": "Sales lead"}, "capabilities": ["design"]}).status_code == 200
    assert root.patch(f"/api/users/{people['mia'].id}", json={"roles": ["sales_lead"]}).status_code == 200
    held = root.delete("/api/roles/sales_lead")
    assert held.status_code == 409
    item = held.get_json()["error"]["errors"][0]
    assert item["path"] == "/role" and item["code"] == "role_in_use" and item["count"] == 1 and "mia" in item["names"]
    builtin = root.delete("/api/roles/member")
    assert builtin.status_code == 409 and builtin.get_json()["error"]["errors"][0]["code"] == "builtin"
    assert people["ann"].client.delete("/api/roles/sales_lead").status_code == 403
    assert root.patch(f"/api/users/{people['mia'].id}", json={"roles": ["member"]}).status_code == 200
    assert root.delete("/api/roles/sales_lead").status_code == 200
    assert "sales_lead" not in [r["key"] for r in root.get("/api/roles").get_json()["items"]]
    assert root.delete("/api/roles/sales_lead").status_code == 404
    assert "role.delete" in [a["action"] for a in root.get("/api/admin/audit").get_json()["items"]]


def test_the_user_list_comes_in_pages_for_the_admin_and_the_pickers(app, rt, people):
    from engine.runtime import Actor
    from engine.services import users as user_service

    for i in range(60):
        user_service.create_user(rt, Actor.system(), f"bulk{i:03d}", display_name=f"Bulk {i:03d}", email=f"b{i}@corp.example", check=False)
    root = people["root"].client
    first = root.get("/api/users?page=1").get_json()
    assert first["total"] == 67 and first["pages"] == 2 and len(first["items"]) == 50 and first["items"][0]["display_name"] == "Bulk 000"
    second = root.get("/api/users?page=2").get_json()
    assert len(second["items"]) == 17 and not {u["id"] for u in first["items"]} & {u["id"] for u in second["items"]}
    found = root.get("/api/users?page=1&search=b42@").get_json()
    assert found["total"] == 1 and found["items"][0]["username"] == "bulk042"
    assert root.get("/api/users?page=99").get_json()["page"] == 2  # past the end: the last page
    assert root.get("/api/users?page=0").status_code == 422
    deactivated = user_service.update_user(rt, Actor.system(), found["items"][0]["id"], {"is_active": False})
    assert deactivated["is_active"] is False
    picker = people["ann"].client.get("/api/users?page=2&search=bulk").get_json()   # anyone signed in pages the pickers' matches
    assert picker["total"] == 59 and picker["pages"] == 2 and len(picker["items"]) == 9     # active users only
    assert set(picker["items"][0]) == {"id", "username", "display_name", "name"}             # without the admin's record
    assert "bulk042" not in [u["username"] for u in people["ann"].client.get("/api/users?page=1&search=bulk").get_json()["items"]]
    assert root.get("/api/users?page=1&search=bulk").get_json()["total"] == 60            # the admin's list: everyone
