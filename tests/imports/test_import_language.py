"""An import's problems read in the reader's language (issue 21, point 8): every row problem is stored with a message
code and params (field labels in every language), and the preview and refused.csv render them for whoever reads: a
zh-CN reader finds no English word in them but the file's own data, an English reader reads the same job in English."""
from __future__ import annotations

import csv
import io
import re

from engine.imports import problems
from tests.imports.conftest import csv_bytes

BASE = "/api/apps/crm/forms/customer"
HEADER = ["客户名称", "所属行业", "客户等级", "电话", "邮箱", "负责人"]
ROWS = [HEADER,
        ["青松科技", "制造业", "重点", "13800000001", "qs@example.com", ""],
        ["远山贸易", "金融", "普通", "13800000002", "坏邮箱", ""],           # 3: not an email
        ["白云物流", "外星", "普通", "13800000004", "by@example.com", ""],  # 4: not a choice
        ["星河电子", "零售", "重点", "12345", "xh@example.com", ""],        # 5: a phone too short (doubtful)
        ["青松科技", "制造业", "重点", "13800000001", "qs@example.com", ""],  # 6: the same name as line 2
        ["", "金融", "普通", "13800000007", "z@example.com", ""],          # 7: no name (required)
        ["大地公司", "金融", "主要", "13800000008", "dd@example.com", "某某人"]]  # 8: no such user
#: quoted cell values (user data) in a message
QUOTED = re.compile(r"'[^']*'")
ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")


def _preview(client, locale: str) -> dict:
    created = client.post(f"{BASE}/imports", data={"file": (io.BytesIO(csv_bytes(ROWS)), "客户.csv"), "run_automations": "false"},
                          content_type="multipart/form-data")
    assert created.status_code in (200, 201), created.get_json()
    answer = client.post(f"{BASE}/imports/{created.get_json()['id']}/preview", headers={"Accept-Language": locale})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def _english_words(text: str) -> list[str]:
    return ENGLISH_WORD.findall(QUOTED.sub("", text))


def test_a_zh_cn_reader_reads_every_problem_in_chinese_and_an_english_reader_in_english(api_crm, client):
    zh = _preview(client, "zh-CN")
    assert [p["line"] for p in zh["problems"]] == [3, 4, 5, 6, 7, 8]
    errors = [e for p in zh["problems"] for e in p["errors"]]
    assert all(e.get("message_code") and "params" in e for e in errors), errors  # every problem is coded
    left = {e["message"]: _english_words(e["message"]) + _english_words(e.get("label", "")) for e in errors}
    assert {m: words for m, words in left.items() if words} == {}
    by_line = {p["line"]: p["errors"][0] for p in zh["problems"]}
    assert by_line[4]["column"] == "所属行业" and "制造业" in by_line[4]["message"]  # the choices in Chinese
    assert by_line[6]["message"] == "客户名称与第 2 行相同" and by_line[6]["label"] == "客户名称"
    assert "找不到名为 '某某人' 的用户" in by_line[8]["message"]
    reasons = {p["line"]: p["reason"] for p in zh["problems"]}  # a row's problems as one line, as the import screen shows it
    assert reasons[3].startswith("邮箱：") and reasons[6] == "客户名称：客户名称与第 2 行相同；电话：电话与第 2 行相同；邮箱：邮箱与第 2 行相同"

    en = _preview(client, "en")  # the same job (the same file): read by an English reader
    by_line = {p["line"]: p["errors"][0] for p in en["problems"]}
    assert by_line[3]["message"] == "is not an email address" and by_line[3]["label"] == "Email"
    assert by_line[4]["message"].startswith("'外星' is not one of the choices (Manufacturing, ")
    assert by_line[5]["code"] == "doubtful" and by_line[5]["message"] == "'12345' is too short for a phone number (5 digits, at least 7)"
    assert by_line[6]["message"] == "the same Customer name as line 2" and by_line[6]["label"] == "Customer name"
    assert by_line[8]["message"].startswith("no user named '某某人'")
    for e in (e for p in en["problems"] for e in p["errors"]):
        assert not re.search(r"[\u4e00-\u9fff]", QUOTED.sub("", e["message"]) + e.get("label", "")), e


def test_the_refused_file_is_in_the_language_of_the_person_downloading(api_crm, client):
    job = _preview(client, "en")
    url = f"{BASE}/imports/{job['id']}"
    assert client.post(f"{url}/commit").status_code == 200

    def read(**kw) -> list[list[str]]:
        answer = client.get(f"{url}/refused.csv", **kw)
        assert answer.status_code == 200
        return list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))

    zh = read(query_string={"lang": "zh-CN"})
    assert zh[0] == ["行号", "状态", "原因"] + HEADER  # the file's own titles as they are
    assert zh[1][:2] == ["3", "无效"] and zh[1][2].startswith("邮箱：")
    for row in zh[1:]:
        assert _english_words(row[1] + row[2]) == [], row
    assert read(headers={"Accept-Language": "zh-CN"})[0][:3] == ["行号", "状态", "原因"]
    en = read()
    assert en[0][:3] == ["line", "state", "reason"]
    assert en[1][:3] == ["3", "invalid", "邮箱: is not an email address"]  # the column is the file's title


def test_a_problem_stored_before_problems_were_coded_still_reads():
    old = {"column": "Email", "field_id": "email", "label": "Email", "message": "is not an email address", "code": "invalid"}
    assert problems.localized(old, "en")["message"] == "is not an email address"
    # the code's words in Chinese, the English detail beside them (nothing is lost)
    assert problems.reason_text(old, "zh-CN") == "Email：填写有误（is not an email address）"
