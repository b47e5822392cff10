"""What the browser walks of the issue-19 field types share: a signed-in admin of a served app with a "visit" form
(title only), two teams, and calls to the same server's REST API with the admin's token."""
from __future__ import annotations

import io
import json
import urllib.request

from PIL import Image
from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from engine.runtime import Actor
from engine.services import credentials, users

ADMIN = {"username": "hanmei", "password": "correct-horse-battery-7", "display_name": "Han Mei"}
NEW_TYPES = ("region", "rating", "signature", "image", "richtext", "team")
#: an <img>'s width once it has loaded (visible comes before loaded)
LOADED_WIDTH = "img => img.complete && img.naturalWidth ? img.naturalWidth : new Promise(ok => { img.onload = () => ok(img.naturalWidth); })"


def call(base: str, token: str, method: str, path: str, body=None):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode() if body is not None else None, method=method,
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read() or b"null")


def download(base: str, token: str, path: str) -> bytes:
    req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req) as resp:
        return resp.read()


def png(size=(900, 600), colour=(30, 140, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def open_visit(live_app, base: str, page, teams=("Sales",)) -> str:
    """An admin signed in on *page*, *teams* made, an app whose "visit" form has only a title; the admin's API token."""
    rt = live_app.extensions["formflow"]
    admin = users.create_user(rt, Actor.system(), ADMIN["username"], password=ADMIN["password"], display_name=ADMIN["display_name"],
                              roles=["admin"], timezone="Asia/Shanghai", check=False)
    token = credentials.create_token(rt, Actor.user(admin["id"]), "browser tests")["token"]
    for i, name in enumerate(teams):
        call(base, token, "POST", "/api/teams", {"key": f"team{i}", "name": name})
    call(base, token, "POST", "/api/apps", {"key": "crm", "label": {"en": "CRM"}})
    call(base, token, "POST", "/api/apps/crm/forms", {"key": "visit", "label": {"en": "Visit"},
                                                      "fields": [{"id": "title", "type": "text", "label": {"en": "Title"}}]})
    page.goto(base + "/login")
    page.get_by_label("User name").fill(ADMIN["username"])
    page.get_by_label("Password", exact=True).fill(ADMIN["password"])
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("nav-apps").wait_for()
    return token


def draw_signature(page) -> None:
    """Draw a zigzag on the signature pad with the mouse, as a user signs, and keep it."""
    pad = page.get_by_role("img", name="Signature pad: draw your signature")
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + 90)
    page.mouse.down()
    for step in range(1, 20):
        page.mouse.move(box["x"] + 30 + step * 14, box["y"] + 90 - (step % 5) * 10, steps=2)
    page.mouse.up()
    page.get_by_role("button", name="Use this signature").click()
    expect(page.get_by_role("status").filter(has_text="Signature saved.")).to_be_visible()
