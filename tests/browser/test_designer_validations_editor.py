"""Submit validation (提交校验) built in the designer's Rules tab, as the reference scenario asks: "next follow-up time
must be later than now, when the reminder is on". The admin adds a validation, names it, types the two conditions, picks
the field its message shows at by label and writes the message in both languages; a mistyped condition is refused at
its own box on publish, the corrected one publishes. A salesperson then submits a time in the past and reads the
message at the field, in their language; a later time saves. English and Chinese (the catalogue's texts written out,
so that a lost translation fails)."""
from __future__ import annotations


import pytest

from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from engine.runtime import Actor
from engine.services import forms, queries

from tests.browser.admin_steps import open_designer_as_admin, publish_form

PASSWORD = "submit-validation-Secret-2026"
MESSAGE = {"en": "The next follow-up time must be later than now", "zh-CN": "下次跟进时间必须晚于当前时间"}
T = {"en": {"rules": "Rules", "add": "Add validation", "name_en": "Validation name (English)", "when": "Only when (optional)",
            "condition": "A submit must meet", "field": "Show the message at", "message_en": "Message (English)",
            "message_zh": "Message (Chinese)", "publish": "Publish", "published": "Published", "not_published": "Not published",
            "next": "Next follow-up time", "switch": "Enable follow-up reminder", "content": "Content", "submit": "Submit"},
     "zh-CN": {"rules": "规则", "add": "添加校验", "name_en": "校验名称（英文）", "when": "仅在此条件成立时校验（可选）",
               "condition": "提交时必须满足", "field": "提示显示在", "message_en": "提示信息（英文）",
               "message_zh": "提示信息（中文）", "publish": "发布", "published": "已发布", "not_published": "未发布",
               "next": "下次跟进时间", "switch": "开启跟进提醒", "content": "跟进内容", "submit": "提交"}}


def _workspace(app) -> None:
    """The Follow-up record with its switch and the time it shows (the show/hide rule): what the admin starts from."""
    rt, system = app.extensions["formflow"], Actor.system()
    forms.create_app(rt, system, "sales", {"en": "Sales", "zh-CN": "销售"})
    forms.create_form(rt, system, "sales", {
        "key": "follow_up", "label": {"en": "Follow-up record", "zh-CN": "跟进记录"},
        "fields": [{"id": "content", "type": "textarea", "label": {"en": "Content", "zh-CN": "跟进内容"}},
                   {"id": "enable_reminder", "type": "boolean", "label": {"en": "Enable follow-up reminder", "zh-CN": "开启跟进提醒"}},
                   {"id": "next_follow_up", "type": "datetime", "label": {"en": "Next follow-up time", "zh-CN": "下次跟进时间"}}],
        "rules": [{"id": "r1", "when": "enable_reminder == true", "effects": [{"field": "next_follow_up", "visible": True, "required": True}]}]})


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_the_admin_adds_a_submit_validation_and_a_past_time_is_refused_at_the_field(live_app, live_server, page, axe_check, lang):
    _workspace(live_app)
    rt, t = live_app.extensions["formflow"], T[lang]
    open_designer_as_admin(live_app, live_server, page, lang, PASSWORD, "sales", "follow_up")
    page.get_by_role("tab", name=t["rules"], exact=True).click()
    page.get_by_role("button", name=t["add"]).click()
    page.get_by_role("textbox", name=t["name_en"]).fill("Next follow-up is in the future")
    validation = page.get_by_role("region", name="Next follow-up is in the future") if lang == "en" else page.get_by_test_id("validation-v1")
    validation.get_by_role("textbox", name=t["when"]).fill("enable_reminder == true")
    validation.get_by_role("textbox", name=t["condition"]).fill("next_follow_up > $nowx")  # a typo
    validation.get_by_role("combobox", name=t["field"]).select_option(label=f"{t['next']} · next_follow_up")
    validation.get_by_role("textbox", name=t["message_en"]).fill(MESSAGE["en"])
    validation.get_by_role("textbox", name=t["message_zh"]).fill(MESSAGE["zh-CN"])
    page.get_by_role("button", name=t["publish"], exact=True).click()
    expect(page.get_by_test_id("status")).to_contain_text(t["not_published"])
    expect(validation.get_by_role("alert")).to_contain_text("$nowx")  # at the box at fault
    assert axe_check(page) == []
    validation.get_by_role("textbox", name=t["condition"]).fill("next_follow_up > $now")
    expect(validation.get_by_role("alert")).to_have_count(0)
    publish_form(page, t)
    (saved,) = forms.get_draft(rt, "sales", "follow_up")["definition"]["validations"]
    assert saved == {"id": "v1", "name": {"en": "Next follow-up is in the future"}, "when": "enable_reminder == true",
                     "condition": "next_follow_up > $now", "fields": ["next_follow_up"], "message": MESSAGE}

    page.goto(live_server + "/apps/sales/forms/follow_up/new")
    page.get_by_role("textbox", name=t["content"]).fill("Called, will visit.")
    page.get_by_label(t["switch"]).check()
    page.get_by_label(t["next"]).fill("2020-01-06T10:00")
    page.get_by_role("button", name=t["submit"]).click()
    expect(page.get_by_test_id("fill-next_follow_up")).to_contain_text(MESSAGE[lang])
    assert queries.list_records(rt, Actor.system(), "sales", "follow_up", queries.Query())["items"] == []
    page.get_by_label(t["next"]).fill("2099-01-06T10:00")
    page.get_by_role("button", name=t["submit"]).click()
    page.get_by_test_id("form-success").wait_for()
    assert len(queries.list_records(rt, Actor.system(), "sales", "follow_up", queries.Query())["items"]) == 1
    assert page.js_errors == []
