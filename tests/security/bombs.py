"""Budget-busting inputs built in memory: tiny XLSX files that declare or hold huge sheets, deep JSON, long template loops."""
from __future__ import annotations

import io
import struct
import zipfile

_CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                  '<Default Extension="xml" ContentType="application/xml"/>'
                  '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                  '<Override PartName="/xl/worksheets/sheet1.xml" '
                  'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
         'Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
             '<sheet name="Customers" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                  'Target="worksheets/sheet1.xml"/></Relationships>')
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def cell(ref: str, text: str, prefix: str = "") -> str:
    return f'<{prefix}c r="{ref}" t="inlineStr"><{prefix}is><{prefix}t>{text}</{prefix}t></{prefix}is></{prefix}c>'


def sheet_xml(cells: list[tuple[str, str]], dimension: str | None = None, prefix: str = "") -> str:
    """A worksheet with one row element per cell, in the given order (no style, inline strings)."""
    rows = "".join(f'<{prefix}row r="{"".join(ch for ch in ref if ch.isdigit())}">{cell(ref, text, prefix)}</{prefix}row>'
                   for ref, text in cells)
    ns = f'xmlns:{prefix[:-1]}="{MAIN_NS}"' if prefix else f'xmlns="{MAIN_NS}"'
    dim = f'<{prefix}dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0" encoding="UTF-8"?><{prefix}worksheet {ns}>{dim}<{prefix}sheetData>{rows}</{prefix}sheetData></{prefix}worksheet>'


def xlsx(sheet: str, extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def xlsx_bomb() -> bytes:
    """The issue's file: cells A1, A2 and XFD1048576 under ``<dimension ref="A1:XFD1048576"/>`` (a 512 GiB grid to a reader)."""
    return xlsx(sheet_xml([("A1", "name"), ("A2", "Acme"), ("XFD1048576", "boom")], dimension="A1:XFD1048576"))


def declare_size(data: bytes, member: str, size: int) -> bytes:
    """Rewrite the uncompressed size a zip declares for ``member`` (local header and central directory)."""
    raw = bytearray(data)
    name = member.encode()
    for signature, offset, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = raw.find(signature)
        while at >= 0:
            name_len = struct.unpack_from("<H", raw, at + (26 if signature == b"PK\x03\x04" else 28))[0]
            if bytes(raw[at + name_at:at + name_at + name_len]) == name:
                struct.pack_into("<I", raw, at + offset, size)
            at = raw.find(signature, at + 4)
    return bytes(raw)


def deep_json(depth: int = 3000) -> bytes:
    return b"[" * depth + b"]" * depth


#: a template preview looping over a ~93,000-character join (issue 18, point 13: 250 passes took 13-15 s), each pass
#: url-encoding, title-casing, stripping and counting it: 2-6 s of work on this machine without a time budget, though
#: every text stays within the size limits and the loop within its iterations
LONG_LOOP_TEMPLATE = ('{% for i in range(1000) %}{% set big = range(1000)|join("x" * 90) %}'
                      '{{ big|urlencode|title|striptags|wordcount }} {% endfor %}')
