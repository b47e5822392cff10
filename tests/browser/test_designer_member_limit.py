"""A member field limited to a role, built in the designer (no JSON typed): the admin selects the deal's Owner, ticks the
role "Sales" under "Who may be chosen" in its settings and publishes; a member filling in a new deal then finds only the
sales people in the Owner picker (the Helper, not limited, offers everyone). The settings panel fits a 390 px phone
(nothing wider than the screen, the check boxes reachable). In English and in Chinese (the catalogue's texts written
out, so that a lost translation fails); axe-core: 0 serious/critical on the designer with the editor shown."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from engine.runtime import Actor
from engine.services import forms, permissions, users

from tests.browser.admin_steps import designer_ready, publish_form
from tests.browser.signin import sign_in

PASSWORD = "member-limit-Secret-2026"
PHONE_WIDTH = 390
T = {"en": {"limit": "Who may be chosen", "roles": "Roles", "teams": "Teams", "sales": "Sales", "no_teams": "No teams yet",
            "publish": "Publish", "published": "Published", "owner": "Owner", "helper": "Helper"},
     "zh-CN": {"limit": "可选成员范围", "roles": "角色", "teams": "部门", "sales": "销售", "no_teams": "还没有部门",
               "publish": "发布", "published": "已发布", "owner": "负责人", "helper": "协助人"}}


def _workspace(app, lang: str) -> dict[str, int]:
    """A role "Sales" held by Sam and Sal, a member Una who is no sales person, and a published Deal form whose Owner
    and Helper are member fields without a limit; everyone reads ``lang``. The admin Ann is made by the test."""
    rt, system = app.extensions["formflow"], Actor.system()
    permissions.save_role(rt, system, "sales", label={"en": "Sales", "zh-CN": "销售"}, capabilities=[])
    ids = {name: users.create_user(rt, system, name.split()[0].lower(), password=PASSWORD, display_name=name, roles=roles,
                                   locale=lang, check=False)["id"]
           for name, roles in (("Sam Sales", ["member", "sales"]), ("Sal Seller", ["member", "sales"]), ("Una Other", ["member"]))}
    forms.create_app(rt, system, "sales", {"en": "Sales", "zh-CN": "销售"})
    forms.create_form(rt, system, "sales", {"key": "deal", "label": {"en": "Deal", "zh-CN": "商机"}, "fields": [
        {"id": "name", "type": "text", "label": {"en": "Deal name", "zh-CN": "商机名称"}},
        {"id": "owner", "type": "user", "label": {"en": "Owner", "zh-CN": "负责人"}},
        {"id": "helper", "type": "user", "label": {"en": "Helper", "zh-CN": "协助人"}}]})
    forms.publish_form(rt, system, "sales", "deal")
    return ids


def _offered(page, picker: str, typed: str) -> list[str]:
    """The names the form's picker ``picker`` offers for ``typed`` (its listbox, once the server answered)."""
    box = page.get_by_role("combobox", name=picker, exact=True)
    with page.expect_response(lambda r: "/api/users" in r.url):
        box.fill(typed)
    options = page.get_by_role("listbox").filter(has=page.get_by_role("option")).get_by_role("option")
    expect(options.first).to_be_visible()
    names = [text.strip() for text in options.all_inner_texts()]
    box.fill("")
    return sorted(names)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_an_admin_limits_the_owner_to_sales_and_the_picker_offers_only_them(live_app, live_server, page, axe_check, lang):
    ids = _workspace(live_app, lang)
    rt, t = live_app.extensions["formflow"], T[lang]
    users.create_user(rt, Actor.system(), "ann", password=PASSWORD, display_name="Ann", roles=["admin"], locale=lang, check=False)
    sign_in(page, live_server, "ann", PASSWORD)
    page.goto(f"{live_server}/apps/sales/forms/deal/design")
    designer_ready(page)

    page.get_by_test_id("field-owner").click()
    editor = page.get_by_role("group", name=t["limit"], exact=True)
    expect(editor).to_be_visible()
    roles = editor.get_by_role("group", name=t["roles"], exact=True)
    expect(editor.get_by_role("group", name=t["teams"], exact=True)).to_contain_text(t["no_teams"])
    sales = roles.get_by_role("checkbox", name=t["sales"], exact=True)
    expect(sales).not_to_be_checked()
    sales.check()
    assert axe_check(page) == []

    # the settings panel on a phone: the editor is there, nothing is wider than the screen
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 844})
    sales.scroll_into_view_if_needed()
    expect(sales).to_be_in_viewport()
    expect(sales).to_be_checked()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE_WIDTH
    box = editor.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH
    page.screenshot(path=f"docs/screenshots/designer_member_limit_phone_{lang}.png")
    page.set_viewport_size({"width": 1280, "height": 800})

    publish_form(page, t)
    owner = next(f for f in forms.get_draft(rt, "sales", "deal")["definition"]["fields"] if f["id"] == "owner")
    assert owner["options"]["limit"] == {"roles": ["sales"]}
    page.reload()
    designer_ready(page)
    page.get_by_test_id("field-owner").click()
    expect(page.get_by_role("group", name=t["limit"], exact=True).get_by_role("checkbox", name=t["sales"], exact=True)).to_be_checked()

    # a member who is no sales person fills in a new deal
    page.context.clear_cookies()
    sign_in(page, live_server, "una", PASSWORD)
    page.goto(f"{live_server}/apps/sales/forms/deal/new")
    assert _offered(page, t["owner"], "e") == ["Sal Seller", "Sam Sales"]
    assert _offered(page, t["helper"], "e") == ["Sal Seller", "Sam Sales", "Una Other"]
    page.get_by_role("combobox", name=t["owner"], exact=True).fill("Sam")
    page.get_by_role("option", name=re.compile("^Sam Sales")).click()
    expect(page.get_by_test_id("fill-owner")).to_contain_text("Sam Sales")
    assert page.js_errors == []
    assert ids["Sam Sales"]
