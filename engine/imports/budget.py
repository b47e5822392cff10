"""Upload budgets: what an uploaded file may make the server allocate, checked before any reader sees it.

An XLSX is a zip of XML parts: 5 KB can hold a cell at XFD1048576, which a spreadsheet reader turns into a grid
of 17 billion cells, or parts that inflate to gigabytes. ``check_xlsx`` opens the zip itself and refuses, in
this order and before anything is allocated: too many parts, a part's declared size or compression ratio, the
total declared size, a DTD, a declared ``<dimension>`` beyond the limits, then (streaming every part through
``zipfile``, which stops at the declared size and checks the CRC) the cells really present: their count, the
last row and column used and the grid they span. ``CsvBudget`` bounds a CSV row's fields while it is being split.
Every refusal is an ``UploadTooLarge`` (HTTP 413) naming the limit and its value.
"""
from __future__ import annotations

import io
import re
import zipfile
from functools import lru_cache
from operator import itemgetter
from typing import Any
from xml.parsers import expat

from engine import i18n
from engine.errors import ErrorItem, FormflowError, ValidationFailed

#: most data rows in one file
MAX_IMPORT_ROWS = 200_000
#: most columns in one file (a cell beyond this column refuses the file)
MAX_IMPORT_COLUMNS = 200
#: last row number a sheet may use: the data rows plus a title row and blank lines
MAX_SHEET_ROWS = MAX_IMPORT_ROWS + 1_000
#: most cells in the grid a sheet spans (last row x last column: what a reader allocates), e.g. 200,000 rows x 25 columns
MAX_IMPORT_CELLS = 5_000_000
#: most parts (files) in an XLSX zip
MAX_ZIP_MEMBERS = 1_000
#: most bytes all parts of an XLSX may inflate to, as declared and as really read
MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024
#: most a part may inflate relative to its compressed size (typical sheets: 5-30x)
MAX_COMPRESSION_RATIO = 200
#: parts smaller than this are not held to the ratio (tiny parts compress arbitrarily well and cost nothing)
RATIO_FREE_BYTES = 1024 * 1024
#: most delimiters (quoted ones included) in one CSV row, counted before the row is split into fields
MAX_CSV_DELIMITERS_PER_ROW = 10_000
#: bytes of a zip part read per step of the scan
SCAN_CHUNK_BYTES = 1 << 20
#: a tag cut by a chunk boundary is carried to the next chunk; a longer unfinished tag sends the part to the exact scan
MAX_CARRIED_TAG_BYTES = 64 * 1024


class UploadTooLarge(FormflowError):
    """An upload over one of the budgets above: 413 naming the limit."""

    status = 413
    code = "upload_too_large"

    def __init__(self, limit: str, value: int, *, message_code: str, **params: Any):
        item = ErrorItem.coded(message_code, path="/file", code="too_large", extra={"limit": limit, "max": value}, **params)
        super().__init__(item.message, [item], message_code=message_code, params=params, limit=limit, max=value)


def column_number(letters: bytes | str) -> int:
    """``A`` -> 1, ``Z`` -> 26, ``AA`` -> 27, ``XFD`` -> 16384."""
    n = 0
    for ch in letters.encode() if isinstance(letters, str) else letters:
        n = n * 26 + (ch - 64)
    return n


def column_letters(n: int) -> str:
    out = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        out = chr(65 + rest) + out
    return out


class _Extent:
    """Cells seen so far in one part: count, last row, last column; refuses as soon as a limit is passed."""

    __slots__ = ("part", "cells", "last_row", "last_column")

    def __init__(self, part: str):
        self.part, self.cells, self.last_row, self.last_column = part, 0, 0, 0

    def add(self, cells: int, last_row: int, last_column: int) -> None:
        self.cells += cells
        self.last_row = max(self.last_row, last_row)
        self.last_column = max(self.last_column, last_column)
        self.check()

    def check(self) -> None:
        if self.last_column > MAX_IMPORT_COLUMNS:
            raise UploadTooLarge("MAX_IMPORT_COLUMNS", MAX_IMPORT_COLUMNS, message_code="error.import.too_many_columns",
                                 column=column_letters(self.last_column), max=MAX_IMPORT_COLUMNS,
                                 last=column_letters(MAX_IMPORT_COLUMNS))
        if self.last_row > MAX_SHEET_ROWS:
            raise UploadTooLarge("MAX_IMPORT_ROWS", MAX_IMPORT_ROWS, message_code="error.import.too_many_rows", row=self.last_row,
                                 max=MAX_IMPORT_ROWS)
        if self.cells > MAX_IMPORT_CELLS or self.last_row * self.last_column > MAX_IMPORT_CELLS:
            raise UploadTooLarge("MAX_IMPORT_CELLS", MAX_IMPORT_CELLS, message_code="error.import.too_many_cells",
                                 rows=self.last_row, columns=self.last_column, max=MAX_IMPORT_CELLS)


#: a cell written the usual way (Excel, openpyxl, calamine's writers): ``<c r="B12"``
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
#: every way a cell's start tag can begin without a namespace prefix
_CELL_STARTS = (b"<c ", b"<c>", b"<c/", b"<c\t", b"<c\n", b"<c\r")
#: a prefixed element (``<x:c``): such parts take the exact scan
_PREFIXED_CELL = (b":c ", b":c>", b":c/", b":c\t", b":c\n", b":c\r")
_DIMENSION = re.compile(rb'<(?:[\w.-]+:)?dimension\b[^>]*\bref=["\']([A-Za-z]*)([0-9]*)(?::([A-Za-z]*)([0-9]*))?["\']')
_REF = re.compile(r"^([A-Za-z]*)([0-9]*)$")


def check_xlsx(data: bytes) -> None:
    """Refuse an XLSX over the budgets (``UploadTooLarge``); a file that is not a readable zip is left to the reader."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise UploadTooLarge("MAX_ZIP_MEMBERS", MAX_ZIP_MEMBERS, message_code="error.import.too_many_parts", n=len(infos),
                                 max=MAX_ZIP_MEMBERS)
        for info in infos:
            if info.file_size > RATIO_FREE_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
                raise UploadTooLarge("MAX_COMPRESSION_RATIO", MAX_COMPRESSION_RATIO, message_code="error.import.inflates",
                                     part=info.filename, max=MAX_COMPRESSION_RATIO)
        if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED_BYTES:
            raise _too_many_bytes()
        read = 0
        for info in infos:
            read += _scan_part(archive, info)
            if read > MAX_UNCOMPRESSED_BYTES:
                raise _too_many_bytes()


def _too_many_bytes() -> UploadTooLarge:
    return UploadTooLarge("MAX_UNCOMPRESSED_BYTES", MAX_UNCOMPRESSED_BYTES, message_code="error.import.unpacks_too_big",
                          mb=MAX_UNCOMPRESSED_BYTES // (1024 * 1024))


def _damaged(part: str) -> ValidationFailed:
    item = ErrorItem.coded("error.import.damaged", path="/file", code="bad_file", part=part)
    return ValidationFailed(item.message, [item], message_code=item.message_code, params=item.params)


def _refused_dtd() -> ValidationFailed:
    item = ErrorItem.coded("error.import.dtd", path="/file", code="bad_file")
    return ValidationFailed(item.message, [item], message_code=item.message_code, params=item.params)


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    """Stream one part: its dimension and cells against the budgets (fast byte scan, exact XML scan when unusual)."""
    extent = _Extent(info.filename)
    size = 0
    try:
        with archive.open(info) as part:
            carried, first = b"", True
            while chunk := part.read(SCAN_CHUNK_BYTES):
                size += len(chunk)
                if size > info.file_size:  # zipfile stops at the declared size; never trust it blindly
                    raise _damaged(info.filename)
                buf = carried + chunk
                if first:
                    _check_prologue(buf)
                    first = False
                cut = buf.rfind(b"<")
                if cut < 0 or buf.find(b">", cut) >= 0:
                    buf, carried = buf, b""
                else:
                    buf, carried = buf[:cut], buf[cut:]
                if len(carried) > MAX_CARRIED_TAG_BYTES or not _scan_fast(buf, extent):
                    return _scan_exact(archive, info)
            if carried and not _scan_fast(carried, extent):
                return _scan_exact(archive, info)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError, OSError, ValueError):
        raise _damaged(info.filename) from None
    return size


def _check_prologue(head: bytes) -> None:
    """No DTD (no XLSX part has one; entities are how XML bombs inflate) and a ``<dimension>`` within the limits."""
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise _refused_dtd()
    found = _DIMENSION.search(head[:SCAN_CHUNK_BYTES])
    if found:
        _check_dimension(found.group(0).decode("ascii", "replace"), *(g or b"" for g in found.groups()))


def _position(letters: bytes | str, digits: bytes | str) -> tuple[int, int]:
    """(column, row) of a reference's parts, 0 where absent; cut to 4 letters and 8 digits (already past every limit)."""
    return (column_number(letters[:4].upper()) if letters else 0), (int(digits[:8]) if digits else 0)


def _check_dimension(text: str, c1: bytes, r1: bytes, c2: bytes, r2: bytes) -> None:
    (col1, row1), (col2, row2) = _position(c1, r1), _position(c2, r2)
    last_column, last_row = max(col1, col2), max(row1, row2)
    extent = _Extent("dimension")
    extent.last_row, extent.last_column = last_row, last_column
    try:
        extent.check()
    except UploadTooLarge as exc:
        raise UploadTooLarge(exc.details["limit"], exc.details["max"], message_code="error.import.declared_size",
                             size=text.split("ref=")[-1][1:-1], detail={loc: exc.localized(loc) for loc in i18n.LOCALES}) from None


def _scan_fast(buf: bytes, extent: _Extent) -> bool:
    """Count cells written as ``<c r="B12"``; False when some cell is written otherwise (then the exact scan runs).

    A chunk whose cells all lie within (last column so far, its last ``<row r>``) is checked by one regex search,
    without a Python object per cell; otherwise its references are read one by one.
    """
    usual = buf.count(b'<c r="')
    starts = buf.count(b"<c")  # cells, <col>, <cfRule>...: when it differs, count cell starts one by one
    if starts != usual and sum(buf.count(s) for s in _CELL_STARTS) != usual:
        return False
    if b":c" in buf and any(p in buf for p in _PREFIXED_CELL):
        return False
    if not usual:
        return True
    rows = _ROW_NUMBER.findall(buf)
    if rows and extent.last_column:
        last_row = max(map(int, rows))
        if last_row <= MAX_SHEET_ROWS and not _outside(extent.last_column, last_row).search(buf):
            extent.add(usual, last_row, extent.last_column)
            return True
    refs = _CELL_REF.findall(buf)
    if len(refs) != usual:
        return False
    extent.add(usual, max(map(int, map(itemgetter(1), refs))), max(map(column_number, set(map(itemgetter(0), refs)))))
    return True


_ROW_NUMBER = re.compile(rb'<row r="([0-9]{1,7})"')


@lru_cache(maxsize=64)
def _outside(last_column: int, last_row: int) -> re.Pattern:
    """Finds a usual cell start whose reference is not within column ``last_column`` and row ``last_row``."""
    within = f"(?:{_at_most(column_letters(last_column), 'A', 'Z')})0*(?:{_at_most(str(last_row), '0', '9')})"
    return re.compile(f'<c r="(?!{within}")'.encode())


def _at_most(top: str, low: str, high: str) -> str:
    """A regex for the strings over [low-high] that sort at or below ``top`` (shorter ones first, as numbers do)."""
    alternatives = [f"[{low}-{high}]{{1,{len(top) - 1}}}"] if len(top) > 1 else []
    for i, ch in enumerate(top):
        if ch > low:
            rest = len(top) - i - 1
            alternatives.append(re.escape(top[:i]) + f"[{low}-{chr(ord(ch) - 1)}]" + (f"[{low}-{high}]{{{rest}}}" if rest else ""))
    alternatives.append(re.escape(top))
    return "|".join(alternatives)


class _ExactScan:
    """expat over a part: rows and cells with or without ``r``, any namespace prefix; refuses DTDs."""

    def __init__(self, extent: _Extent):
        self.extent, self.row, self.column = extent, 0, 0

    def start(self, name: str, attrs: dict) -> None:
        local = name.rsplit(" ", 1)[-1]
        if local == "row":
            r = attrs.get("r")
            self.row = int(r[:8]) if r and r.isascii() and r.isdigit() else self.row + 1
            self.column = 0
        elif local == "c":
            ref = _REF.match(attrs.get("r") or "")
            if ref and ref.group(1) and ref.group(2):
                self.column, row = _position(ref.group(1), ref.group(2))
            else:
                self.column, row = self.column + 1, self.row
            self.extent.add(1, row, self.column)
        elif local == "dimension" and attrs.get("ref"):
            parts = (attrs["ref"].split(":") + [""])[:2]
            groups = [_REF.match(p) for p in parts]
            if all(groups):
                (c1, r1), (c2, r2) = (g.groups() for g in groups)
                _check_dimension(f"ref={attrs['ref']!r}", c1.encode(), r1.encode(), c2.encode(), r2.encode())

    @staticmethod
    def refuse_dtd(*_args) -> None:
        raise _refused_dtd()


def _scan_exact(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> int:
    scan = _ExactScan(_Extent(info.filename))
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = scan.start
    parser.StartDoctypeDeclHandler = scan.refuse_dtd
    parser.EntityDeclHandler = scan.refuse_dtd
    size = 0
    try:
        with archive.open(info) as part:
            while chunk := part.read(SCAN_CHUNK_BYTES):
                size += len(chunk)
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except expat.ExpatError:
        pass  # not XML (an image, a damaged part): its cells, if any, were counted up to here; the reader says why
    return size


class CsvBudget:
    """Counts a CSV row's delimiters line by line as the ``csv`` module pulls them; ``row_done`` after each row."""

    def __init__(self, delimiter: str):
        self.delimiter, self.pending = delimiter, 0

    def lines(self, source):
        for line in source:
            self.pending += line.count(self.delimiter)
            if self.pending > MAX_CSV_DELIMITERS_PER_ROW:
                raise UploadTooLarge("MAX_CSV_DELIMITERS_PER_ROW", MAX_CSV_DELIMITERS_PER_ROW, message_code="error.import.separators",
                                     max=MAX_CSV_DELIMITERS_PER_ROW)
            yield line

    def row_done(self) -> None:
        self.pending = 0
