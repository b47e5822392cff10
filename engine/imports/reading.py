"""Reading an uploaded CSV or XLSX file into a header and rows of cells.

CSV: the encoding is found by trying UTF-8 (with or without BOM) then GB18030
(what Excel on a Chinese Windows saves), the delimiter by sniffing. XLSX: the
first worksheet's values (not formulas) through python-calamine (Rust; many
times faster than openpyxl), turned into what openpyxl's read-only reader
gives, which still reads a sheet holding error cells (calamine drops them;
openpyxl keeps "#N/A" as text). Cells come back as JSON values: text,
numbers, booleans, and dates as ISO text. Limits are named constants; a file
over them is refused (422), and before any reader runs the file is held to the
budgets of ``engine.imports.budget`` (sheet extent, cells, inflated bytes: 413).
Rows are read one at a time and stop at the limits; no reader is handed a
sheet whose grid is over ``MAX_IMPORT_CELLS``.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, Callable, Iterator

from engine.errors import ErrorItem, ValidationFailed
from engine.imports.budget import MAX_IMPORT_COLUMNS, MAX_IMPORT_ROWS, CsvBudget, check_xlsx
import openpyxl
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

#: largest file accepted (bytes)
MAX_IMPORT_BYTES = 50 * 1024 * 1024
#: longest cell kept (characters); longer cells are cut and then fail the field's own length check
MAX_CELL_CHARS = 20_000
#: CSV encodings tried in order
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
#: delimiters the CSV sniffer may pick
CSV_DELIMITERS = ",;\t|"
#: whole numbers below this come out of a workbook as int (openpyxl: a stored number without "." or "E"; Excel writes
#: 1E+16 and up in E notation, which openpyxl reads as float)
XLSX_INT_BELOW = 1e16
#: largest worksheet XML (uncompressed) read whole into memory by calamine; a larger one is streamed through openpyxl
MAX_XLSX_IN_MEMORY_BYTES = 256 * 1024 * 1024
#: an error cell (#N/A, #DIV/0!...) in a sheet's XML: such a sheet is read by openpyxl, which keeps the error text
_XLSX_ERROR_CELL = re.compile(rb"<c\b[^>]*\st=[\"']e[\"']")


@dataclass
class SourceFile:
    format: str  # csv / xlsx
    encoding: str | None
    header: list[str]
    rows: list[tuple[int, list[Any]]]  # (spreadsheet line number, cells)


def read_upload(filename: str, data: bytes) -> SourceFile:
    if len(data) > MAX_IMPORT_BYTES:
        raise _refused("error.import.file_too_large", "too_large", "MAX_IMPORT_BYTES", mb=MAX_IMPORT_BYTES // (1024 * 1024))
    if not data.strip():
        raise _refused("error.import.file_empty", "empty")
    is_xlsx = data[:4] == b"PK\x03\x04"  # a zip container: XLSX whatever the name says
    if filename.lower().endswith((".xlsx", ".xlsm")) and not is_xlsx:
        raise _refused("error.import.not_xlsx", "bad_file")
    if is_xlsx:
        check_xlsx(data)  # before any reader allocates: extent, cells, inflated bytes
    source = _read_xlsx(data) if is_xlsx else _read_csv(data)
    if not any(h for h in source.header):
        raise _refused("error.import.no_header", "no_header")
    return source


def _refused(message_code: str, code: str, limit: str | None = None, **params: Any) -> ValidationFailed:
    """A refused file; ``limit`` names the constant it ran into."""
    item = ErrorItem.coded(message_code, path="/file", code=code, extra={"limit": limit} if limit else {}, **params)
    return ValidationFailed(item.message, [item], message_code=message_code, params=params)


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


def _collect(lines: Iterator[tuple[int, list[Any]]],
             cell: Callable[[Any], Any] = _cell) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    header: list[str] | None = None
    rows: list[tuple[int, list[Any]]] = []
    for line, cells in lines:
        cells = [cell(c) for c in cells]
        if header is None:
            if not any(c not in (None, "") for c in cells):
                continue  # blank lines above the titles
            while cells and cells[-1] in (None, ""):
                cells.pop()
            if len(cells) > MAX_IMPORT_COLUMNS:
                raise _refused("error.import.at_most_columns", "too_many_columns", "MAX_IMPORT_COLUMNS", max=MAX_IMPORT_COLUMNS)
            header = [str(c).strip() if c is not None else "" for c in cells]
            continue
        cells = cells[:len(header)]
        if not any(c not in (None, "") and not (isinstance(c, str) and not c.strip()) for c in cells):
            continue  # blank lines are not rows
        if len(rows) >= MAX_IMPORT_ROWS:
            raise _refused("error.import.at_most_rows", "too_many_rows", "MAX_IMPORT_ROWS", max=MAX_IMPORT_ROWS)
        rows.append((line, cells + [None] * (len(header) - len(cells))))
    return header or [], rows


def _read_xlsx(data: bytes) -> SourceFile:
    if not _calamine_reads_alike(data):
        return _read_xlsx_openpyxl(data)

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        try:
            first = next(i for i, m in enumerate(book.sheets_metadata) if m.typ == SheetTypeEnum.WorkSheet)
            sheet = book.get_sheet_by_index(first)
            # rows one at a time (not to_python's list of the whole grid), lined up from A1 as openpyxl numbers lines
            pad = [""] * sheet.start[1] if sheet.start else []
            header, rows = _collect(enumerate((pad + row for row in sheet.iter_rows()), start=1), _calamine_cell)
        finally:
            book.close()
    except (CalamineError, StopIteration, ValueError, OSError) as exc:
        raise _refused("error.import.unreadable_workbook", "bad_file", detail=str(exc or "no worksheet")) from None
    return SourceFile("xlsx", None, header, rows)


def _calamine_cell(value: Any) -> Any:
    """``_cell`` of what openpyxl's read-only reader gives for a calamine cell: empty is None, whole numbers are int,
    a date is a midnight datetime."""
    kind = type(value)
    if kind is str:
        return value[:MAX_CELL_CHARS] if value else None
    if kind is float:
        return int(value) if value.is_integer() and abs(value) < XLSX_INT_BELOW else value
    if kind is date:
        return datetime.combine(value, time()).isoformat(timespec="seconds")
    return _cell(value)


def _calamine_reads_alike(data: bytes) -> bool:
    """No worksheet holds an error cell or is too large to read whole (its XML scanned in chunks, never whole)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sheets = [i for i in archive.infolist() if i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml")]
            if any(i.file_size > MAX_XLSX_IN_MEMORY_BYTES for i in sheets):
                return False
            for info in sheets:
                with archive.open(info) as xml:
                    tail = b""
                    while chunk := xml.read(1 << 20):
                        if _XLSX_ERROR_CELL.search(tail + chunk):
                            return False
                        tail = chunk[-200:]  # a cell's start tag cut by the chunk boundary
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, RuntimeError):
        return True  # unreadable: calamine says why
    return True


def _read_xlsx_openpyxl(data: bytes) -> SourceFile:

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _refused("error.import.unreadable_workbook", "bad_file", detail=str(exc)) from None
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
    raise _refused("error.import.bad_encoding", "bad_encoding", encodings=" or ".join(CSV_ENCODINGS))


def _read_csv(data: bytes) -> SourceFile:
    text, encoding = _decode(data)
    text = text.lstrip("\ufeff")
    try:
        dialect = csv.Sniffer().sniff(text[:65536], delimiters=CSV_DELIMITERS)
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    csv.field_size_limit(MAX_CELL_CHARS * 4)
    budget = CsvBudget(delimiter)  # a row's separators counted as its lines are read, before the row is split
    reader = csv.reader(budget.lines(io.StringIO(text, newline="")), delimiter=delimiter)

    def lines():
        for row in reader:
            budget.row_done()
            yield reader.line_num, row

    try:
        header, rows = _collect(lines())
    except csv.Error as exc:
        raise _refused("error.import.unreadable_csv", "bad_file", line=reader.line_num, detail=str(exc)) from None
    return SourceFile("csv", encoding, header, rows)
