"""The import screen in Debian's Chromium against the REAL app over SQLite: upload, matched columns, refused rows named, progress.

An admin opens the customer list, follows "Import", uploads a CSV with Chinese headings (two good rows, one with a
bad email, one duplicate of the first written differently), sees the columns matched to the fields, checks the rows
(the bad line and the duplicate are listed with their reason), imports with the progress bar reaching the end, and
downloads the refused rows. The database then holds exactly the good rows. No JavaScript error, axe-core clean; the
screenshot docs/screenshots/import.png comes from here.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from signin import crm_admin  # tests/browser/signin.py

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ADMIN = {"username": "lihua", "password": "correct-horse-battery-9", "display_name": "李华"}
CSV = ("客户名称,所属行业,客户等级,手机,邮箱\n"
       "青松科技,制造业,重点,13800000001,qs@example.com\n"
       "远山贸易,金融,普通,13800000002,not-an-email\n"
       "  青松科技  有限公司,制造业,重点,13800000001,qs@example.com\n"
       "白云物流,Retail,Main,13800000004,by@example.com\n")


@pytest.fixture
def signed_in(live_app, live_server, page):
    return crm_admin(live_app, live_server, page, ADMIN)


def _customers(rt) -> list[str]:
    with rt.db.read() as conn:
        rows = conn.execute(sa.text("SELECT json_extract(r.data, '$.name') FROM records r JOIN forms f ON f.id = r.form_id "
                                    "WHERE f.key = 'customer' AND r.deleted_at IS NULL ORDER BY r.id")).scalars().all()
    return list(rows)


def test_import_screen_checks_rows_then_imports_with_progress(signed_in, page, axe_check, tmp_path):
    base, rt = signed_in["url"], signed_in["rt"]
    page.goto(base + "/apps/crm/forms/customer/records")
    page.get_by_test_id("import-link").click()
    expect(page.get_by_test_id("importer")).to_be_visible()
    source = tmp_path / "客户.csv"
    source.write_text(CSV, encoding="utf-8")
    page.get_by_test_id("import-automations").uncheck()
    page.get_by_test_id("import-file").set_input_files(str(source))
    page.get_by_test_id("import-upload").click()
    # the headings are matched to the customer form's fields
    expect(page.get_by_test_id("import-mapping")).to_be_visible()
    expect(page.get_by_test_id("map-0")).to_have_value("name")
    expect(page.get_by_test_id("map-4")).to_have_value("email")
    expect(page.get_by_test_id("import-unmapped")).to_be_hidden()
    page.get_by_test_id("import-preview").click()
    expect(page.get_by_test_id("import-summary")).to_contain_text("4 rows checked: 2 ready, 1 with problems, 1 duplicates")
    problems = page.get_by_test_id("import-problems")
    expect(problems.locator("tr[data-line='3']")).to_contain_text("邮箱")  # the column the bad email came from
    expect(problems.locator("tr[data-line='4']")).to_contain_text("Duplicate")
    assert axe_check(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "import.png"), full_page=True)
    assert _customers(rt) == []  # checking saves nothing
    page.get_by_test_id("import-commit").click()
    expect(page.get_by_test_id("import-done")).to_be_visible()
    expect(page.get_by_test_id("import-done")).to_contain_text("Done: 2 records created, 2 rows refused.")
    progress = page.get_by_test_id("import-progress")
    assert progress.get_attribute("value") == progress.get_attribute("max") == "2"
    assert _customers(rt) == ["青松科技", "白云物流"]
    with page.expect_download() as download:
        page.get_by_test_id("import-refused").click()
    refused = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "not-an-email" in refused and "duplicate" in refused
    assert page.js_errors == []


def test_import_screen_names_a_refused_file(signed_in, page, tmp_path):
    """A file that is not a CSV or XLSX: the API's reason is shown where the upload is, nothing is created."""
    base, rt = signed_in["url"], signed_in["rt"]
    page.goto(base + "/apps/crm/forms/customer/import")
    bad = tmp_path / "photo.xlsx"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n not a workbook")
    page.get_by_test_id("import-file").set_input_files(str(bad))
    page.get_by_test_id("import-upload").click()
    expect(page.get_by_test_id("import-error")).to_be_visible()
    expect(page.get_by_test_id("import-mapping")).to_be_hidden()
    assert _customers(rt) == [] and page.js_errors == []


def test_import_screen_matches_synonyms_names_skipped_columns_and_flags_a_short_phone(signed_in, page, axe_check, tmp_path):
    """行业/来源/客户级别/地区 are matched to 所属行业/客户来源/客户等级/所在区域; a column matching nothing is listed as
    not imported before the import; a phone of five digits is flagged in the check."""
    base = signed_in["url"]
    page.goto(base + "/apps/crm/forms/customer/import")
    source = tmp_path / "客户2.csv"
    source.write_text("客户名称,行业,来源,客户级别,地区,电话,奇怪的列\n甲公司,制造业,网页表单,重点,华东,12345,x\n", encoding="utf-8")
    page.get_by_test_id("import-file").set_input_files(str(source))
    page.get_by_test_id("import-upload").click()
    for index, field in enumerate(["name", "industry", "source", "level", "region", "phone"]):
        expect(page.get_by_test_id(f"map-{index}")).to_have_value(field)
    warning = page.get_by_test_id("import-not-imported")
    expect(warning).to_be_visible()
    expect(warning.get_by_role("listitem")).to_have_text(["奇怪的列"])
    page.get_by_test_id("map-6").select_option("remarks")
    expect(warning).to_be_hidden()
    page.get_by_test_id("map-6").select_option("")
    page.get_by_test_id("import-preview").click()
    expect(page.get_by_test_id("import-problems").locator("tr[data-line='2']")).to_contain_text("too short for a phone number")
    assert axe_check(page) == []
    assert page.js_errors == []


def test_import_screen_in_chinese_names_every_problem_in_chinese(signed_in, page, axe_check, tmp_path):
    """A zh-CN reader: the checked rows' problems (a bad email, a choice that isn't one, a duplicate, a short phone) and
    the refused rows file read in Chinese; no English word is left but the file's own data (issue 21, point 8)."""
    base = signed_in["url"]
    page.goto(base + "/apps/crm/forms/customer/import?lang=zh-CN")
    source = tmp_path / "客户3.csv"
    source.write_text("客户名称,所属行业,客户等级,电话,邮箱\n"
                      "青松科技,制造业,重点,13800000001,qs@example.com\n"
                      "远山贸易,金融,普通,13800000002,坏邮箱\n"
                      "白云物流,外星,普通,13800000004,by@example.com\n"
                      "青松科技,制造业,重点,13800000001,qs@example.com\n"
                      "星河电子,零售,重点,12345,xh@example.com\n", encoding="utf-8")
    page.get_by_test_id("import-automations").uncheck()
    page.get_by_test_id("import-file").set_input_files(str(source))
    page.get_by_test_id("import-upload").click()
    expect(page.get_by_test_id("map-4")).to_have_value("email")
    page.get_by_test_id("import-preview").click()
    problems = page.get_by_test_id("import-problems")
    expect(problems.locator("tr[data-line='3']")).to_contain_text("邮箱：")  # the column the bad email came from
    expect(problems.locator("tr[data-line='4']")).to_contain_text("'外星' 不是可选项之一（制造业、")
    expect(problems.locator("tr[data-line='5']")).to_contain_text("客户名称与第 2 行相同")
    expect(problems.locator("tr[data-line='6']")).to_contain_text("作为电话号码太短")
    for text in problems.locator("tbody td:nth-child(3)").all_inner_texts():
        assert re.findall(r"[A-Za-z]{2,}", re.sub(r"'[^']*'", "", text)) == [], text
    assert axe_check(page) == []
    page.get_by_test_id("import-commit").click()
    expect(page.get_by_test_id("import-done")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_test_id("import-refused").click()
    refused = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert refused[0] == "行号,状态,原因,客户名称,所属行业,客户等级,电话,邮箱"
    assert refused[1].startswith("3,无效,邮箱：")
    assert page.js_errors == []
