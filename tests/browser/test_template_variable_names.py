"""The notification template editor's variable picker names every variable in the reader's language, the path beside
it: "Owner's name · owner.name", never the bare code as its own label (it read "owner.name  owner.name", "title  title",
also in Chinese)."""
from __future__ import annotations

import pytest

from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from engine.runtime import Actor
from engine.services import forms, users

from tests.browser.signin import sign_in

PASSWORD = "variable-names-Secret-2026"
#: what the picker shows for some variables, per language (the catalogue's texts written out: a lost one fails)
NAMES = {"en": {"record.title": "Record title", "owner.name": "Owner's name", "owner.manager.name": "Owner's manager",
                "link": "Link to the record", "record.remind_at": "Reminder time"},
         "zh-CN": {"record.title": "记录标题", "owner.name": "负责人姓名", "owner.manager.name": "负责人的上级",
                   "link": "记录链接", "record.remind_at": "提醒时间"}}


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_every_variable_reads_as_a_name_with_its_path_beside(live_app, live_server, page, lang):
    rt, system = live_app.extensions["formflow"], Actor.system()
    forms.create_app(rt, system, "sales", {"en": "Sales", "zh-CN": "销售"})
    forms.create_form(rt, system, "sales", {"key": "reminder", "label": {"en": "Follow-up reminder", "zh-CN": "跟进提醒"},
                                            "fields": [{"id": "remind_at", "type": "datetime", "label": {"en": "Reminder time", "zh-CN": "提醒时间"}}]})
    forms.publish_form(rt, system, "sales", "reminder")
    users.create_user(rt, system, "ann", password=PASSWORD, display_name="Ann", roles=["admin"], locale=lang, check=False)
    sign_in(page, live_server, "ann", PASSWORD)

    page.goto(live_server + "/apps/sales/notification-templates/editor")
    picker = page.get_by_test_id("variable-picker")
    for path, name in NAMES[lang].items():
        expect(picker.get_by_role("button", name=f"{name} {path}", exact=True)).to_be_visible()
    shown = picker.get_by_role("button").evaluate_all(
        "(buttons) => buttons.map(b => [b.querySelector('span').textContent, b.querySelector('code').textContent])")
    assert shown and [path for label, path in shown if label == path] == []
    assert page.js_errors == []
