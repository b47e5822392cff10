"""A team's managers: set with PATCH /api/teams/<key> (or on creation), their "team" record scope covers the team's
members, and a member without a manager of their own has them as manager (workflow "manager of", approvals); SQLite and
PostgreSQL through ``app``."""
from __future__ import annotations

from engine.services import permissions, team_managers, users


def test_patch_sets_managers_and_refuses_unknown_users_at_their_index(crm, people, rt):
    root = people["root"].client
    made = root.post("/api/teams", json={"key": "east", "name": "East", "members": [people["ann"].id], "managers": [people["mia"].id]})
    assert made.status_code == 201 and made.get_json()["managers"] == [people["mia"].id]
    changed = root.patch("/api/teams/east", json={"managers": [people["vic"].id, people["mia"].id]})
    assert changed.status_code == 200
    assert changed.get_json() == {"key": "east", "name": "East", "members": [people["ann"].id],
                                  "managers": sorted([people["vic"].id, people["mia"].id])}
    refused = root.patch("/api/teams/east", json={"managers": [people["mia"].id, 999999]})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["errors"][0]["path"] == "/managers/1"
    assert root.get("/api/teams").get_json()["items"][0]["managers"] == sorted([people["vic"].id, people["mia"].id])  # nothing half-done
    assert people["ann"].client.patch("/api/teams/east", json={"managers": [people["ann"].id]}).status_code == 403
    spec = root.get("/api/openapi.json").get_json()
    patch = spec["paths"]["/api/teams/{team_key}"]["patch"]
    assert "managers" in str(patch)


def test_a_team_manager_reads_the_members_records_with_team_scope(crm, people, rt):
    root = people["root"].actor
    permissions.set_grant(rt, root, "crm", "customer", "member", {"create": True, "read": "team", "update": "own", "delete": "none"})
    users.create_team(rt, root, "east", "East", [people["ann"].id])
    mia = people["mia"].client
    assert {r["id"] for r in mia.get("/api/apps/crm/forms/customer/records").get_json()["items"]} == set()
    users.update_team(rt, root, "east", manager_ids=[people["mia"].id])   # mia manages East without being a member
    assert {r["id"] for r in mia.get("/api/apps/crm/forms/customer/records").get_json()["items"]} == {crm["ann"]}
    assert mia.get(f"/api/apps/crm/forms/customer/records/{crm['bob']}").status_code in (403, 404)
    # ann, a member, does not gain mia's own records: managing is one way
    assert {r["id"] for r in people["ann"].client.get("/api/apps/crm/forms/customer/records").get_json()["items"]} == {crm["ann"]}


def test_a_member_without_a_manager_has_the_team_managers(people, rt):
    root = people["root"].actor
    users.create_team(rt, root, "east", "East", [people["ann"].id, people["bob"].id, people["mia"].id],
                      [people["mia"].id, people["vic"].id])
    users.set_manager(rt, root, people["bob"].id, people["otto"].id)
    with rt.db.read() as conn:
        found = team_managers.managers_by_user(conn, [people["ann"].id, people["bob"].id, people["mia"].id])
        assert found == {people["ann"].id: sorted([people["mia"].id, people["vic"].id]),  # no own manager: the team's
                         people["bob"].id: [people["otto"].id],                          # their own manager wins
                         people["mia"].id: [people["vic"].id]}                           # never their own manager
        assert team_managers.managers_of(conn, [people["bob"].id, people["ann"].id]) == \
            [people["otto"].id, *sorted([people["mia"].id, people["vic"].id])]
