"""People in Chromium against the real app, among 1,000 users (no API, no JSON): the admin makes a team with a manager
and members picked with the searchable user picker (typed name / user name / e-mail, server-side pages, "More users…",
keyboard Down + Enter), takes a member off and undoes it from the toast, gives a user a manager with the same picker,
deactivates that user and undoes it (the toast says her sessions ended and stay ended; they do) — in English and in Chinese. axe-core: 0 serious/critical on the screens."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from engine.runtime import Actor
from engine.services import users
from tests.browser.signin import sign_in
from tests.browser.user_picker_steps import pick_user

ADMIN = {"username": "ann.admin", "password": "violet harbour engine 42", "display_name": "Ann Admin"}
#: how many people the workspace holds besides the named ones (the picker must stay usable with them)
CROWD = 1000

TEXTS = {
    "en": {"team_name": "Team name", "team_key": "Team key", "managers": "Managers", "members": "Members", "create": "Create team",
           "created": "The team East was created.", "summary": "East · 3 members · 1 managers", "members_of": "Members of East",
           "remove": "Remove Person 0999 from Members of East", "save": "Save team East", "removed": "Removed from East: Person 0999.",
           "undo": "Undo", "undone": "Undone.", "found": "50 of 100 users shown.", "more": "More users…", "find": "Find users",
           "search": "Search", "edit": "Edit Li Na", "manager": "Manager", "active": "Can sign in", "save_user": "Save",
           "deactivated": "Li Na was deactivated: they can't sign in, and every session they had open was ended. Undo lets them "
                          "sign in again; the ended sessions stay ended, so they sign in anew.",
           "reactivated": "Li Na can sign in again. The sessions ended at deactivation stay ended: they sign in anew."},
    "zh-CN": {"team_name": "团队名称", "team_key": "团队标识", "managers": "负责人", "members": "成员", "create": "创建团队",
              "created": "团队 East 已创建。", "summary": "East · 3 名成员 · 1 名负责人", "members_of": "East 的成员",
              "remove": "从East 的成员中移除 Person 0999", "save": "保存团队 East", "removed": "已从 East 移除：Person 0999。",
              "undo": "撤销", "undone": "已撤销。", "found": "显示 100 个用户中的 50 个。", "more": "更多用户…", "find": "查找用户",
              "search": "搜索", "edit": "编辑 Li Na", "manager": "上级", "active": "允许登录", "save_user": "保存",
              "deactivated": "Li Na 已停用，无法登录，其所有已登录的会话均已结束。 撤销后可再次登录；已结束的会话不会恢复，需要重新登录。",
              "reactivated": "Li Na 可以再次登录。停用时结束的会话不会恢复，需要重新登录。"},
}


def _workspace(rt) -> dict:
    users.create_user(rt, Actor.system(), ADMIN["username"], password=ADMIN["password"], display_name=ADMIN["display_name"],
                      roles=["admin"], check=False)
    for i in range(CROWD):  # demo data: the people of a mid-sized company
        users.create_user(rt, Actor.system(), f"p{i:04d}", display_name=f"Person {i:04d}", email=f"p{i:04d}@corp.example", check=False)
    return {name: users.create_user(rt, Actor.system(), username, display_name=name, email=f"{username}@corp.example",
                                    password=ADMIN["password"], check=False)["id"]
            for username, name in (("wang.fang", "Wang Fang"), ("li.na", "Li Na"))}


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_team_managers_and_members_from_a_thousand_users_with_undo(live_app, live_server, page, axe_check, lang):
    rt = live_app.extensions["formflow"]
    ids = _workspace(rt)
    T = TEXTS[lang]
    sign_in(page, live_server, ADMIN["username"], ADMIN["password"])
    page.goto(live_server + f"/admin/people?lang={lang}")
    manager_label = page.locator('label[for="user-manager-input"]').inner_text()   # the catalogue's word for "Manager"

    # a new team: a manager found by e-mail, members found by name, across the server's pages of matches
    new_team = page.get_by_test_id("new-team")
    new_team.get_by_label(T["team_name"]).fill("East")
    new_team.get_by_label(T["team_key"]).fill("east")
    pick_user(new_team, T["managers"], "wang.fang@corp", "Wang Fang")
    members = new_team.get_by_role("combobox", name=T["members"], exact=True)
    members.fill("Person 09")
    matches = new_team.get_by_role("listbox", name=re.compile(T["members"] + "$"))
    expect(matches.get_by_role("option")).to_have_count(51)                 # 50 of 100 and "More users…"
    expect(new_team.get_by_role("status").filter(has_text=T["found"])).to_have_count(1)
    assert axe_check(page) == []                                             # with the list of matches open
    matches.get_by_role("option", name=T["more"]).click()
    expect(matches.get_by_role("option")).to_have_count(100)                 # the second page joined the first
    matches.get_by_role("option", name=re.compile("^Person 0999 · ")).click()
    pick_user(new_team, T["members"], "Person 0900", "Person 0900")
    pick_user(new_team, T["members"], "li.na", "Li Na")
    new_team.get_by_role("button", name=T["create"]).click()
    expect(page.get_by_test_id("flashes")).to_contain_text(T["created"])
    team = users.list_teams(rt, Actor.system())[0]
    assert team["managers"] == [ids["Wang Fang"]] and len(team["members"]) == 3

    # take a member off, then undo it from the toast
    east = page.get_by_test_id("team-east")
    east.get_by_text(T["summary"]).click()
    chosen = east.get_by_role("list", name=re.compile(re.escape(T["members_of"]) + "$"))
    expect(chosen.get_by_role("listitem")).to_have_count(3)
    assert axe_check(page) == []
    chosen.get_by_role("button", name=T["remove"]).click()
    expect(chosen.get_by_role("listitem")).to_have_count(2)
    east.get_by_role("button", name=T["save"]).click()
    toast = page.get_by_test_id("undo-toast")
    expect(toast).to_contain_text(T["removed"])
    assert axe_check(page) == []
    toast.get_by_role("button", name=T["undo"]).click()
    expect(page.get_by_test_id("flashes")).to_contain_text(T["undone"])
    page.get_by_test_id("team-east").get_by_text(T["summary"]).click()
    expect(page.get_by_test_id("team-east").get_by_role("list", name=re.compile(re.escape(T["members_of"]) + "$"))
           .get_by_role("listitem")).to_have_count(3)

    # a user's manager with the same picker; then deactivate them and undo that
    page.get_by_role("searchbox", name=T["find"]).fill("li.na")
    page.get_by_role("button", name=T["search"], exact=True).click()
    page.get_by_role("link", name=T["edit"]).click()
    pick_user(page.get_by_test_id("user-form"), manager_label, "Wang", "Wang Fang")
    page.get_by_test_id("user-form").get_by_role("button", name=T["save_user"], exact=True).click()
    expect(page.get_by_test_id("user-form").get_by_role("list").get_by_text("Wang Fang", exact=True)).to_be_visible()
    assert users.get_user(rt, ids["Li Na"])["manager_id"] == ids["Wang Fang"]
    li_na = page.context.browser.new_context().new_page()                   # Li Na at work in her own browser
    sign_in(li_na, live_server, "li.na", ADMIN["password"])
    page.get_by_label(T["active"]).uncheck()
    page.get_by_test_id("user-form").get_by_role("button", name=T["save_user"], exact=True).click()
    toast = page.get_by_test_id("undo-toast")
    expect(toast).to_contain_text(T["deactivated"])
    assert users.get_user(rt, ids["Li Na"])["is_active"] is False
    assert axe_check(page) == []
    toast.get_by_role("button", name=T["undo"]).click()
    expect(page.get_by_test_id("flashes")).to_contain_text(T["reactivated"])
    expect(page.get_by_label(T["active"])).to_be_checked()
    assert users.get_user(rt, ids["Li Na"])["is_active"] is True
    li_na.goto(live_server + "/inbox")                                       # as the toast said: her session stayed ended
    expect(li_na.locator("#login-username")).to_be_visible()
    sign_in(li_na, live_server, "li.na", ADMIN["password"])                  # and she signs in anew
    li_na.context.close()
    assert page.js_errors == []
