"""Importing customers as a person does it, in Chinese on a phone (issue 22, point 7), finding every control by its
label: the file box is the one thing named "文件（CSV 或 XLSX）" (its section used to carry the same name, so a
person's "the file field" matched two things); the headings 行业 / 来源 / 客户级别 / 地区 are matched to 所属行业 /
客户来源 / 客户等级 / 所在区域; the phone "12345" is named as a problem before anything is saved; nothing overflows.
"""
from __future__ import annotations

from playwright.sync_api import expect

from signin import crm_admin  # tests/browser/signin.py

ADMIN = {"username": "wangfang", "password": "correct-horse-battery-9", "display_name": "王芳"}
CSV = "客户名称,行业,来源,客户级别,地区,电话\n导入测试一,制造业,电话,重点,华东,12345\n导入测试二,零售,线下活动,普通,华北,13800001111\n"


def test_a_chinese_file_is_matched_and_checked_on_a_phone(live_app, live_server, page, axe_check, tmp_path):
    page.set_viewport_size({"width": 390, "height": 844})
    crm = crm_admin(live_app, live_server, page, ADMIN)
    source = tmp_path / "客户.csv"
    source.write_text(CSV, encoding="utf-8")
    page.goto(f"{crm['url']}/apps/crm/forms/customer/records?lang=zh-CN")
    page.get_by_role("link", name="导入").click()
    page.get_by_label("文件（CSV 或 XLSX）").set_input_files(str(source))
    page.get_by_role("button", name="上传并匹配列").click()

    for heading, field in (("行业", "所属行业"), ("来源", "客户来源"), ("客户级别", "客户等级"), ("地区", "所在区域"), ("电话", "电话")):
        picked = page.get_by_role("combobox", name=heading, exact=True)
        expect(picked).to_be_visible()
        assert picked.evaluate("s => s.options[s.selectedIndex].text") == field, heading
    page.get_by_role("button", name="检查数据").click()
    problems = page.get_by_role("table").filter(has_text="12345")
    expect(problems).to_contain_text("电话")
    expect(problems).not_to_contain_text("导入测试二")
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert axe_check(page) == []
    assert page.js_errors == []
