"""Set-password links through the API, on SQLite and PostgreSQL: an admin makes one, the user (not signed in) sets their
password with it once, before it expires; only its hash is stored."""
from __future__ import annotations

import hashlib

import sqlalchemy as sa

from engine.services import credentials, password_links
from engine.storage.access_tables import password_links as links_table


def _link(root, user_id):
    made = root.post(f"/api/users/{user_id}/password-link")
    assert made.status_code == 201, made.get_json()
    return made.get_json()


def test_admin_makes_a_link_the_user_sets_a_password_once_and_signs_in(app, rt, people, anon):
    root = people["root"].client
    lily = root.post("/api/users", json={"username": "lily", "display_name": "Lily"}).get_json()
    link = _link(root, lily["id"])
    assert link["url"].endswith(password_links.LINK_PATH + link["token"]) and len(link["token"]) >= 40
    with rt.db.read() as conn:  # only the secret's hash is kept
        stored = conn.execute(sa.select(links_table.c.token_hash).where(links_table.c.user_id == lily["id"])).scalars().all()
    assert stored == [hashlib.sha256(link["token"].encode()).hexdigest()]

    # a weak password is refused at its field and the link stays usable
    weak = anon.post("/api/password-links/use", json={"token": link["token"], "password": "password123"})
    assert weak.status_code == 422 and weak.get_json()["error"]["errors"][0]["path"] == "/password"
    used = anon.post("/api/password-links/use", json={"token": link["token"], "password": "copper lantern drifts east"})
    assert used.status_code == 200 and used.get_json() == {"username": "lily"}
    sid, actor = credentials.login(rt, "lily", "copper lantern drifts east")
    assert actor.user_id == lily["id"]

    again = anon.post("/api/password-links/use", json={"token": link["token"], "password": "another fine long phrase"})
    assert again.status_code == 404 and again.get_json()["error"]["reason"] == "link_used"
    actions = [a["action"] for a in root.get("/api/admin/audit").get_json()["items"]]
    assert "user.password_link" in actions and "user.password" in actions


def test_links_expire_a_newer_link_voids_the_older_and_strangers_get_404(app, rt, clock, people, anon):
    root = people["root"].client
    first = _link(root, people["ann"].id)
    second = _link(root, people["ann"].id)
    gone = anon.post("/api/password-links/use", json={"token": first["token"], "password": "copper lantern drifts east"})
    assert gone.status_code == 404 and gone.get_json()["error"]["reason"] == "link_used"
    unknown = anon.post("/api/password-links/use", json={"token": "x" * 43, "password": "copper lantern drifts east"})
    assert unknown.status_code == 404 and unknown.get_json()["error"]["reason"] == "link_unknown"
    clock.advance(hours=password_links.LINK_HOURS, seconds=1)
    late = anon.post("/api/password-links/use", json={"token": second["token"], "password": "copper lantern drifts east"})
    assert late.status_code == 404 and late.get_json()["error"]["reason"] == "link_expired"
    # only admins make links, and not for themselves
    assert people["ann"].client.post(f"/api/users/{people['bob'].id}/password-link").status_code == 403
    assert root.post(f"/api/users/{people['root'].id}/password-link").status_code == 422
    assert root.post("/api/users/999999/password-link").status_code == 404
    assert anon.post(f"/api/users/{people['bob'].id}/password-link").status_code == 401
    assert anon.post("/api/password-links/use", json={"token": "abc"}).status_code == 422


def test_using_a_link_ends_the_users_sessions_and_tokens(app, rt, people, anon):
    ann = people["ann"]
    assert ann.client.get("/api/me").status_code == 200
    link = _link(people["root"].client, ann.id)
    assert anon.post("/api/password-links/use", json={"token": link["token"], "password": "copper lantern drifts east"}).status_code == 200
    assert ann.client.get("/api/me").status_code == 401
