"""Every message a zh-CN reader sees while filling in a generated form is Chinese (issue 21, point 8): the browser's own
checks before sending (required, too short, out of range, a bad e-mail / phone / web address, a sub-table row, the form's
validations), what a rule or formula can't compute, the server's refusals, the network failing and the confirmation.

A principle, not an example: on a phone, in zh-CN, the built-in CRM's customer, contact, follow-up and reminder forms and
a plain form holding one field of every type are driven into each of those states, and after each one every visible
message of the form is read: no run of three or more ASCII letters may remain but the values the test typed, field keys
and the few allowed tokens (a web address's scheme, the time zone's name, a currency code)."""
from __future__ import annotations

import re

from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from engine.fields import FIELD_TYPES
from engine.runtime import Actor
from engine.services import forms as form_service, records as record_service
from tests.browser.signin import crm_admin

ADMIN = {"username": "zhanghua", "password": "correct-horse-battery-7", "display_name": "张华"}
#: a phone in portrait, as issue 21 tried it
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "zh-CN"}
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
#: words that are not English prose: a web address's scheme, the zone's name, a currency code, the product's name
ALLOWED = {"http", "https", "Asia", "Shanghai", "UTC", "CNY", "formflow"}
#: what a person reads as the form's messages: field errors, the banner, notes, computed values, the picker's list
MESSAGES = """() => {
  const form = document.querySelector('[data-testid="record-form"]');
  const seen = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  return [...form.querySelectorAll('.error, [role="alert"], [role="status"], .help, output, .ref-results li, .alert')]
    .filter(seen).map(el => el.innerText.trim()).filter(Boolean);
}"""

#: a plain form with one field of each type (the engine-set ones included), a rule and a validation
LABELS = {"text": "名称", "textarea": "说明", "phone": "电话", "email": "邮箱", "url": "网址", "number": "数量",
          "money": "金额", "boolean": "已确认", "date": "日期", "datetime": "时间", "select": "类别", "multiselect": "标签",
          "reference": "客户", "user": "负责人", "team": "部门", "region": "地区", "rating": "评分", "richtext": "富文本",
          "signature": "签名", "image": "图片", "attachment": "附件", "subtable": "明细", "serial": "编号",
          "computed": "每份金额", "rollup": "明细条数"}
CHOICES = [{"value": "a", "label": {"en": "Alpha", "zh-CN": "甲"}}, {"value": "b", "label": {"en": "Beta", "zh-CN": "乙"}}]
OPTIONS = {
    "text": {"max_length": 20, "min_length": 3}, "number": {"min": 1, "max": 100, "precision": 0},
    "select": {"choices": CHOICES}, "multiselect": {"choices": CHOICES}, "reference": {"form": "customer"},
    "subtable": {"fields": [{"id": "item", "type": "text", "required": True, "label": {"en": "Item", "zh-CN": "品名"}},
                            {"id": "qty", "type": "number", "label": {"en": "Qty", "zh-CN": "件数"}}]},
    "serial": {"format": "EV-{YYYY}-{0000}", "reset": "never"},
    "computed": {"formula": "100 / (number - 5)", "result_type": "number"},
    "rollup": {"form": "every_line", "via": "every", "aggregate": "count"},
}
EVERY = {"key": "every", "label": {"en": "Every type", "zh-CN": "全部类型"},
         "fields": [{"id": name, "type": name, "label": {"en": name.title(), "zh-CN": LABELS[name]},
                     **({"options": OPTIONS[name]} if name in OPTIONS else {}),
                     **({"required": True} if name in ("text", "select", "subtable") else {})}
                    for name in FIELD_TYPES if name != "rollup"],
         "rules": [{"id": "explain", "name": "explain when confirmed", "when": "boolean == true",
                    "effects": [{"field": "textarea", "visible": True, "required": True}]}],
         "validations": [{"id": "not_x", "name": "no x", "condition": "text == null or not text.starts_with('x')",
                          "fields": ["text"], "message": {"en": "Must not start with x", "zh-CN": "名称不能以 x 开头"}}]}
LINE = {"key": "every_line", "label": {"en": "Line", "zh-CN": "明细行"},
        "fields": [{"id": "every", "type": "reference", "label": {"en": "Of", "zh-CN": "所属"}, "options": {"form": "every"}}]}


def _every_type_form(rt) -> None:
    """The plain form (with a roll-up over the lines that point at it) published in the CRM app."""
    system = Actor.system()
    assert set(LABELS) == set(FIELD_TYPES), "a new field type: give it a label here"
    form_service.create_form(rt, system, "crm", EVERY)
    form_service.create_form(rt, system, "crm", LINE)
    form_service.publish_form(rt, system, "crm", "every")
    form_service.publish_form(rt, system, "crm", "every_line")
    definition = form_service.get_draft(rt, "crm", "every", system)["definition"]
    definition["fields"].append({"id": "rollup", "type": "rollup", "label": {"en": "Lines", "zh-CN": LABELS["rollup"]},
                                 "options": OPTIONS["rollup"]})
    form_service.save_draft(rt, system, "crm", "every", definition)
    form_service.publish_form(rt, system, "crm", "every")


class Reader:
    """The zh-CN reader's phone: opens forms, and reads every visible message against the principle."""

    def __init__(self, page, base: str):
        self.page, self.base, self.typed, self.checked = page, base, set(), 0

    def open(self, form: str) -> None:
        self.page.goto(f"{self.base}/apps/crm/forms/{form}/new?lang=zh-CN")
        self.page.get_by_test_id("record-form").wait_for()
        self.keys = set(self.page.evaluate("() => JSON.parse(document.getElementById('form-def').textContent).fields.map(f => f.id)"))

    def type(self, field: str, text: str) -> None:
        self.typed.add(text)
        self.page.get_by_test_id(f"input-{field}").fill(text)

    def submit(self) -> None:
        self.page.get_by_test_id("submit").click()

    def read(self, *expected: str) -> list[str]:
        """The visible messages (each `expected` text among them), none with an English word."""
        for text in expected:
            expect(self.page.get_by_test_id("record-form")).to_contain_text(text)
        shown = self.page.evaluate(MESSAGES)
        english = {m: words for m in shown if (words := self.english(m))}
        assert english == {}, f"English in zh-CN messages of {self.page.url}: {english}"
        self.checked += len(shown)
        return shown

    def english(self, message: str) -> list[str]:
        for value in sorted(self.typed, key=len, reverse=True):
            message = message.replace(value, " ")
        return [w for w in ENGLISH_WORD.findall(message) if w not in ALLOWED and w not in self.keys]


def test_every_message_of_the_generated_forms_reads_in_chinese_on_a_phone(browser, live_app, live_server):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        crm = crm_admin(live_app, live_server, page, ADMIN)
        rt = crm["rt"]
        record_service.create_record(rt, Actor.system(), "crm", "customer", {"name": "Acme Trading"})
        _every_type_form(rt)
        you = Reader(page, live_server)

        # customer: nothing typed; then a bad e-mail and phone; then a name the server refuses as a duplicate; saved
        you.open("customer")
        you.read("保存时自动生成")  # the serial's "assigned on save"
        you.submit()
        you.read("为必填项", "未保存")
        you.type("name", "Acme Trading")
        you.type("email", "someone@")
        you.type("phone", "call me")
        you.submit()
        you.read("不是有效的电子邮件地址", "不是有效的电话号码")
        you.type("email", "buyer@acme.example")
        you.type("phone", "+86 138 0000 0000")
        you.submit()
        expect(page.get_by_test_id("error-name")).to_contain_text("重复")  # the server's refusal, at the field
        you.read()
        you.type("name", "Acme Trading Shenzhen")
        you.submit()
        you.read("已保存")

        # contact: nothing typed (a name and a customer are required)
        you.open("contact")
        you.submit()
        assert you.read("为必填项").count("为必填项") >= 2

        # follow-up: the picker's texts, the visit validation, the reminder's time shown and required by a rule
        you.open("follow_up")
        you.type("customer", "Nobody Such")
        expect(page.get_by_test_id("fill-customer").get_by_text("没有匹配项")).to_be_visible()
        you.read()
        you.type("customer", "Acme Trading")
        page.get_by_role("option", name=re.compile("^Acme Trading")).first.click()
        page.get_by_test_id("input-method").select_option("visit")
        you.type("content", "short")
        page.get_by_test_id("input-enable_reminder").check()
        you.submit()
        you.read("拜访的跟进内容至少10个字", "为必填项")
        you.type("content", "Visited the plant and met the buyer")
        page.get_by_test_id("input-next_follow_up").fill("2020-01-01T10:00")
        page.get_by_test_id("input-next_follow_up").blur()
        you.submit()
        you.read("下次跟进时间必须晚于当前时间")

        # reminder: nothing typed
        you.open("follow_up_reminder")
        you.submit()
        you.read("为必填项")

        # every type: required, a row's required cell, too short, out of range, a web address, a formula that can't run
        you.open("every")
        you.read("保存时自动生成")
        you.submit()
        you.read("为必填项")
        page.get_by_test_id("input-subtable").get_by_role("button", name="添加一行").click()
        you.type("text", "ab")
        you.type("number", "500")
        you.type("url", "ftp://files.example")
        page.get_by_test_id("input-select").select_option("a")
        you.submit()
        you.read("过短", "不能大于 100", "须为 http:// 或 https://", "第 1 行：品名 为必填项")
        you.type("number", "5")
        you.read("暂时无法计算：除数为零")
        you.type("text", "xylophone")
        page.get_by_test_id("input-boolean").check()
        you.submit()
        you.read("名称不能以 x 开头", "为必填项")

        # the network fails: said in the page's language, nothing typed is lost
        you.type("text", "Widget")
        you.type("number", "6")
        you.type("url", "https://files.example")
        you.type("textarea", "Checked on site")
        page.get_by_test_id("input-subtable").get_by_role("textbox", name="品名").fill("Bolt")
        you.typed.add("Bolt")
        page.route("**/records?*", lambda route: route.abort())  # the submit (…/records?name=1)
        you.submit()
        you.read("无法连接服务器")
        assert page.get_by_test_id("input-text").input_value() == "Widget"
        page.unroute("**/records?*")
        you.submit()
        you.read("已保存")

        assert you.checked > 20  # the reads found what they are meant to
        assert errors == []
    finally:
        context.close()
