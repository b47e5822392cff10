"""Reading files, suggesting the column mapping (zh-CN and en), and cleaning cells: no database needed."""
import json
from pathlib import Path

import pytest

from engine import i18n

from engine.definitions import CompiledForm
from engine.errors import ValidationFailed
from engine.imports.cleaning import CleaningContext, clean_cell
from engine.imports.mapping import checked_mapping, suggest_mapping
from engine.imports.reading import read_upload
from tests.imports.conftest import csv_bytes, xlsx_bytes

CRM = json.loads((Path(__file__).resolve().parents[2] / "builtin_apps" / "crm.json").read_text("utf-8"))


def crm_form(key: str) -> CompiledForm:
    definition = next(f for f in CRM["forms"] if f["key"] == key)
    return CompiledForm(form_id=0, key=key, app_key="crm", version=1, definition=definition)


def test_mapping_is_suggested_from_chinese_labels():
    header = ["客户名称", "所属行业", " 客户等级 ", "手机号", "邮箱", "备注*", "不认识的列", "客户编号"]
    assert suggest_mapping(crm_form("customer"), header) == {
        "0": "name", "1": "industry", "2": "level", "3": "phone", "4": "email", "5": "remarks"}  # 客户编号 is a serial: never imported


def test_mapping_is_suggested_from_english_labels_and_names_ignoring_case_width_and_spaces():
    header = ["CUSTOMER NAME", "ｉｎｄｕｓｔｒｙ", "Customer_Level", "E-mail", "Mobile", "region", "name"]
    assert suggest_mapping(crm_form("customer"), header) == {
        "0": "name", "1": "industry", "2": "level", "3": "email", "4": "phone", "5": "region"}  # the second "name" column loses


def test_a_mapping_sent_by_a_person_is_checked_with_paths():
    form = crm_form("customer")
    header = ["名称", "电话", "编号"]
    assert checked_mapping(form, header, {"名称": "name", "1": "phone", "编号": None}) == {"0": "name", "1": "phone"}
    with pytest.raises(ValidationFailed) as err:
        checked_mapping(form, header, {"名称": "name", "电话": "name", "nope": "email", "编号": "serial"})
    problems = {e.path: e.code for e in err.value.errors}
    assert problems == {"/mapping/电话": "mapped_twice", "/mapping/nope": "unknown_column", "/mapping/编号": "unknown_field"}


CTX = CleaningContext(timezone="Asia/Shanghai", users={"wangfang": 7, "王芳": 7})
SELECT = {"type": "select", "options": {"choices": [{"value": "key", "label": {"en": "Key", "zh-CN": "重点"}},
                                                      {"value": "main", "label": {"en": "Main", "zh-CN": "主要"}}]}}
MULTI = {**SELECT, "type": "multiselect"}


@pytest.mark.parametrize("field, cell, cleaned", [
    ({"type": "text"}, "  华为技术  ", "华为技术"),
    ({"type": "text"}, "ＡＣＭＥ（中国）", "ACME(中国)"),               # full width -> half width
    ({"type": "text"}, 12345.0, "12345"),                                # a number typed in a text column
    ({"type": "phone"}, "１３８ ００１３ ８０００", "138 0013 8000"),
    ({"type": "phone"}, 13800138000, "13800138000"),                     # Excel keeps phone numbers as numbers
    ({"type": "email"}, " ＡＢＣ＠Example.com ", "ABC@Example.com"),      # case is the email type's job
    ({"type": "date"}, "2026-03-09", "2026-03-09"),
    ({"type": "date"}, "2026/3/9", "2026-03-09"),
    ({"type": "date"}, "2026.3.9", "2026-03-09"),
    ({"type": "date"}, "2026年3月9日", "2026-03-09"),
    ({"type": "date"}, "25/03/2026", "2026-03-25"),                      # day first when the day says so
    ({"type": "date"}, "03/25/2026", "2026-03-25"),                      # month first when the day says so
    ({"type": "date"}, 46090, "2026-03-09"),                             # Excel serial
    ({"type": "date"}, "46090", "2026-03-09"),                           # Excel serial that went through a CSV
    ({"type": "date"}, "2026-03-09T00:00:00", "2026-03-09"),             # openpyxl's datetime cell
    ({"type": "datetime"}, "2026-03-09 14:30", "2026-03-09T14:30:00+08:00"),   # the workspace's zone
    ({"type": "datetime"}, "2026年3月9日 9:05", "2026-03-09T09:05:00+08:00"),
    ({"type": "datetime"}, "2026-03-09T06:30:00Z", "2026-03-09T06:30:00+00:00"),
    ({"type": "datetime"}, 46090.5, "2026-03-09T12:00:00+08:00"),
    ({"type": "number"}, "1,234", 1234),
    ({"type": "number"}, "１２.５", 12.5),
    ({"type": "money"}, "¥1,234.50", "1234.50"),
    ({"type": "money"}, "1234.5元", "1234.5"),
    ({"type": "boolean"}, "是", True),
    ({"type": "boolean"}, "No", False),
    ({"type": "boolean"}, 1, True),
    (SELECT, "重点", "key"),
    (SELECT, " main ", "main"),
    (SELECT, "KEY", "key"),
    (MULTI, "重点、主要", ["key", "main"]),
    ({"type": "user"}, "王芳", 7),
    ({"type": "user"}, "WangFang", 7),
    ({"type": "text"}, "   ", None),
])
def test_cleaning_table(field, cell, cleaned):
    assert clean_cell(cell, field, CTX) == cleaned


@pytest.mark.parametrize("field, cell, message", [
    ({"type": "date"}, "09/03/2026", "ambiguous"),
    ({"type": "date"}, "next tuesday", "is not a date"),
    ({"type": "datetime"}, "2026-03-09 25h", "is not a time"),
    ({"type": "number"}, "12abc", "is not a number"),
    ({"type": "boolean"}, "maybe", "is not yes or no"),
    (SELECT, "普通", "is not one of the choices (Key, Main)"),
    ({"type": "user"}, "nobody", "no user named"),
])
def test_cells_that_cant_be_read_say_why(field, cell, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        clean_cell(cell, field, CTX)


def test_a_cell_that_cant_be_read_says_why_in_the_readers_language():
    """The refusal is coded: its choices are listed in the reader's language, like the rest of the sentence."""
    with pytest.raises(ValueError) as refused:
        clean_cell("普通", SELECT, CTX)
    assert i18n.render(refused.value.message_code, "zh-CN", refused.value.params) == "'普通' 不是可选项之一（重点、主要）"


ROWS = [["客户名称", "电话"], ["华为", "13800138000"], ["", ""], ["腾讯", "13900139000"]]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings_are_found(encoding):
    source = read_upload("c.csv", csv_bytes(ROWS, encoding))
    assert source.format == "csv" and source.encoding == encoding.replace("-sig", "")
    assert source.header == ["客户名称", "电话"]
    assert source.rows == [(2, ["华为", "13800138000"]), (4, ["腾讯", "13900139000"])]  # blank lines skipped, line numbers kept


def test_semicolon_csv_and_xlsx_read_alike():
    semicolon = "\n".join(";".join(r) for r in ROWS).encode()
    assert read_upload("c.csv", semicolon).rows == read_upload("c.xlsx", xlsx_bytes(ROWS)).rows


def _typed_workbook(extra: list | None = None) -> bytes:
    """A workbook with every kind of cell a spreadsheet holds, data starting at B3 and a second sheet."""
    import io
    from datetime import date, datetime, time, timedelta

    from openpyxl import Workbook

    cells = [(13000000000, None), (1.5, None), (2.0, None), (1e20, None), (-3, None), (1e-7, None), (True, None), (False, None),
             ("  a b  ", None), ("", None), ("全角ＡＢＣ", None), ("line\nbreak", None), (date(2026, 3, 9), "yyyy-mm-dd"),
             (datetime(2026, 3, 9, 13, 45, 7), "yyyy-mm-dd hh:mm:ss"), (datetime(2026, 3, 9, 13, 45, 7, 999600), "yyyy-mm-dd hh:mm:ss"),
             (time(8, 30), "hh:mm"), (timedelta(hours=30), "[h]:mm:ss"), (1234.5, "#,##0.00"), (0.25, "0%"),
             (46090, 'yyyy"年"m"月"d"日"'), (46090, "m/d"), (46090.5, "d-mmm-yy h:mm AM/PM"), (46090, "General"),
             ("00123", "@"), ("=1+1", None), (datetime(1900, 1, 1), "yyyy-mm-dd")] + (extra or [])
    book = Workbook()
    sheet = book.active
    for i, (value, number_format) in enumerate(cells):
        sheet.cell(row=3, column=i + 2, value=f"c{i}")
        cell = sheet.cell(row=5, column=i + 2, value=value)
        if number_format:
            cell.number_format = number_format
    sheet.cell(row=6, column=3, value="last")
    book.create_sheet("other")["A1"] = "not read"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_cells_come_out_as_openpyxl_reads_them():
    from engine.imports import reading

    data = _typed_workbook()
    assert reading._calamine_reads_alike(data)
    fast, reference = read_upload("c.xlsx", data), reading._read_xlsx_openpyxl(data)
    assert (fast.header, fast.rows) == (reference.header, reference.rows)
    assert fast.header[:3] == ["", "c0", "c1"] and [line for line, _ in fast.rows] == [5, 6]
    assert fast.rows[0][1][1:4] == [13000000000, 1.5, 2] and fast.rows[0][1][13:15] == ["2026-03-09T00:00:00", "2026-03-09T13:45:07"]


def test_a_sheet_too_large_to_read_whole_is_streamed_with_the_same_cells(monkeypatch):
    from engine.imports import reading

    data = _typed_workbook()
    monkeypatch.setattr(reading, "MAX_XLSX_IN_MEMORY_BYTES", 100)
    assert not reading._calamine_reads_alike(data)
    assert read_upload("c.xlsx", data).rows == reading._read_xlsx_openpyxl(data).rows


def test_xlsx_error_cells_keep_their_text():
    source = read_upload("c.xlsx", _typed_workbook(extra=[("#N/A", None)]))
    assert source.rows[0][1][-1] == "#N/A" and source.rows[0][1][1] == 13000000000


@pytest.mark.parametrize("name, data, code", [
    ("c.csv", b"", "empty"),
    ("c.xlsx", b"not a workbook", "bad_file"),
    ("c.xlsx", b"PK\x03\x04broken", "bad_file"),
    ("c.csv", b"\xff\xfe\x00\x00\xff", "bad_encoding"),
])
def test_unreadable_files_are_refused_with_a_reason(name, data, code):
    with pytest.raises(ValidationFailed) as err:
        read_upload(name, data)
    assert err.value.errors[0].code == code and err.value.errors[0].path == "/file"
