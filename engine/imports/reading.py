"""Reading an uploaded CSV or XLSX file into a header and rows of cells.

CSV: the encoding is found by trying UTF-8 (with or without BOM) then GB18030
(what Excel on a Chinese Windows saves), the delimiter by sniffing. XLSX: the
first sheet through openpyxl's read-only (streaming) reader, values not
formulas. Cells come back as JSON values: text, numbers, booleans, and dates
as ISO text. Limits are named constants; a file over them is refused (422).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Iterator

from engine.errors import ErrorItem, ValidationFailed

#: largest file accepted (bytes)
MAX_IMPORT_BYTES = 50 * 1024 * 1024
#: most data rows in one file
MAX_IMPORT_ROWS = 200_000
#: most columns in one file
MAX_IMPORT_COLUMNS = 200
#: longest cell kept (characters); longer cells are cut and then fail the field's own length check
MAX_CELL_CHARS = 20_000
#: CSV encodings tried in order
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
#: delimiters the CSV sniffer may pick
CSV_DELIMITERS = ",;\t|"


@dataclass
class SourceFile:
    format: str  # csv / xlsx
    encoding: str | None
    header: list[str]
    rows: list[tuple[int, list[Any]]]  # (spreadsheet line number, cells)


def read_upload(filename: str, data: bytes) -> SourceFile:
    if len(data) > MAX_IMPORT_BYTES:
        raise _refused(f"the file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB", "too_large")
    if not data.strip():
        raise _refused("the file is empty", "empty")
    is_xlsx = data[:4] == b"PK\x03\x04"  # a zip container: XLSX whatever the name says
    if filename.lower().endswith((".xlsx", ".xlsm")) and not is_xlsx:
        raise _refused("the file is named .xlsx but is not an Excel workbook", "bad_file")
    source = _read_xlsx(data) if is_xlsx else _read_csv(data)
    if not any(h for h in source.header):
        raise _refused("the first row must hold the column titles", "no_header")
    return source


def _refused(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, [ErrorItem(message, path="/file", code=code)])


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or isinstance(value, (int, float)):
        return value
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, (date, time)):
        return value.isoformat()
    text = str(value)
    return text[:MAX_CELL_CHARS]


def _collect(lines: Iterator[tuple[int, list[Any]]]) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    header: list[str] | None = None
    rows: list[tuple[int, list[Any]]] = []
    for line, cells in lines:
        cells = [_cell(c) for c in cells]
        if header is None:
            if not any(c not in (None, "") for c in cells):
                continue  # blank lines above the titles
            while cells and cells[-1] in (None, ""):
                cells.pop()
            if len(cells) > MAX_IMPORT_COLUMNS:
                raise _refused(f"at most {MAX_IMPORT_COLUMNS} columns", "too_many_columns")
            header = [str(c).strip() if c is not None else "" for c in cells]
            continue
        cells = cells[:len(header)]
        if not any(c not in (None, "") and not (isinstance(c, str) and not c.strip()) for c in cells):
            continue  # blank lines are not rows
        if len(rows) >= MAX_IMPORT_ROWS:
            raise _refused(f"at most {MAX_IMPORT_ROWS} rows in one file; split it", "too_many_rows")
        rows.append((line, cells + [None] * (len(header) - len(cells))))
    return header or [], rows


def _read_xlsx(data: bytes) -> SourceFile:
    import zipfile

    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _refused(f"the workbook can't be read: {exc}", "bad_file") from None
    try:
        sheet = book.worksheets[0]
        header, rows = _collect((i, list(r)) for i, r in enumerate(sheet.iter_rows(values_only=True), start=1))
    finally:
        book.close()
    return SourceFile("xlsx", None, header, rows)


def _decode(data: bytes) -> tuple[str, str]:
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding), encoding.replace("-sig", "")
        except UnicodeDecodeError:
            continue
    raise _refused(f"the file is not text in {' or '.join(CSV_ENCODINGS)}; save it as CSV UTF-8", "bad_encoding")


def _read_csv(data: bytes) -> SourceFile:
    text, encoding = _decode(data)
    text = text.lstrip("\ufeff")
    try:
        dialect = csv.Sniffer().sniff(text[:65536], delimiters=CSV_DELIMITERS)
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    csv.field_size_limit(MAX_CELL_CHARS * 4)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header, rows = _collect((reader.line_num, row) for row in reader)
    except csv.Error as exc:
        raise _refused(f"the CSV can't be read (line {reader.line_num}): {exc}", "bad_file") from None
    return SourceFile("csv", encoding, header, rows)
