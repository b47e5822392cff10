"""The print font parsed once per process and handed to each printed document as a fresh copy.

fpdf2 parses a font on every ``add_font`` (for a CJK font of ~30,000 glyphs: ~0.8 s per style), and its PDF
output subsets the font's tables in place, so one parsed font cannot serve two documents as it is. ``PreparedFont``
keeps what parsing yields (the metrics fpdf2 computes and the decompiled font tables, never changed afterwards) under
the font file's path, size and modification time; ``install`` gives a document one face that shares the read-only
metrics and gets tables it may subset: the big tables copied one level deep (the subsetter replaces their
attributes), each glyph copied when the subsetter reads it, the small tables copied whole. A changed font file is a
new key: parsed again on the next print.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import TextEmphasis
from fontTools.ttLib import TTFont
from fpdf.fonts import SubsetMap, TTFFont

from engine.cache import VersionCache

__all__ = ["PreparedFont", "prepared_font", "install", "output", "tables_to_subset", "STYLES", "SHALLOW_TABLES", "DROPPED_TABLES", "MAX_PREPARED_FONTS"]

#: Tables fpdf2 drops from an embedded font anyway (layout and timestamp tables): not copied for each document.
DROPPED_TABLES = frozenset({"GDEF", "GPOS", "GSUB", "FFTM"})
#: The styles fpdf2's layout may ask a family for (regular first).
STYLES = ("", "B", "I", "BI")
#: Parsed print fonts one process keeps (a font file replaced in place is a new entry; the old one ages out). A
#: parsed CJK font holds ~50 MB.
MAX_PREPARED_FONTS = 2
#: Big tables whose subsetting only replaces the table's attributes: a shallow copy per document is enough.
SHALLOW_TABLES = frozenset({"hmtx", "vmtx", "post", "loca", "GlyphOrder"})

_PREPARED = VersionCache(size=MAX_PREPARED_FONTS)


@dataclass(frozen=True)
class PreparedFont:
    """One parsed font file: fpdf2's face (metrics shared read-only by every copy) and its decompiled tables (read
    only: each document subsets its own copy, ``tables_to_subset``)."""

    path: Path
    face: TTFFont
    tables: TTFont

    def face_for(self, pdf: FPDF, family: str, style: str) -> TTFFont:
        """A face of ``pdf`` in ``style`` with its own glyph subset and its own tables to subset at output."""
        face = copy.copy(self.face)
        face.i = len(pdf.fonts) + 1
        face.fontkey = f"{family}{style}"
        face.emphasis = TextEmphasis.coerce(style)
        face.ttfont = tables_to_subset(self.tables)
        face.desc = copy.copy(self.face.desc)  # the output numbers it and hangs the subset file on it
        face.missing_glyphs = []
        face.biggest_size_pt = 0
        face._hbfont = None  # fpdf2's own slot: opened from the file if text shaping is ever asked for
        face.color_font = None
        face.subset = SubsetMap(face)
        return face


def _parse(path: Path) -> PreparedFont:
    scratch = FPDF()
    scratch.render_color_fonts = False  # a print font is an outline font; colour glyph fonts are not laid out
    scratch.add_font("prepared", "", str(path), collection_font_number=0)
    face = scratch.fonts["prepared"]
    ttfont = face.ttfont
    for tag in ttfont.keys():  # decompile every table now so each copy starts from parsed tables
        ttfont[tag]
    ttfont.getGlyphOrder()
    for tag in DROPPED_TABLES & set(ttfont.keys()):
        del ttfont[tag]
    if ttfont.reader is not None:
        ttfont.reader.close()
        ttfont.reader = None
    face.ttfont = None  # documents get copies; the original stays in PreparedFont.tables, never subset
    return PreparedFont(path, face, ttfont)


class _GlyphsCopiedOnRead(dict):
    """A glyph table's glyphs: reading one gives a copy (the subsetter expands, remaps and trims the glyphs it keeps)."""

    def __getitem__(self, name):
        return copy.copy(dict.__getitem__(self, name))


def tables_to_subset(parsed: TTFont) -> TTFont:
    """Tables of ``parsed`` that one document's output may subset in place without changing ``parsed``."""
    font = copy.copy(parsed)
    font.tables = {}
    for tag, table in parsed.tables.items():
        if tag in SHALLOW_TABLES:
            font.tables[tag] = copy.copy(table)
        elif tag == "glyf":
            font.tables[tag] = copy.copy(table)
            font.tables[tag].glyphs = _GlyphsCopiedOnRead(table.glyphs)
        elif tag == "cmap":  # the subsetter replaces each subtable's mapping
            font.tables[tag] = copy.copy(table)
            font.tables[tag].tables = [copy.copy(sub) for sub in table.tables]
        else:
            font.tables[tag] = copy.deepcopy(table)
    return font


def prepared_font(path: Path) -> PreparedFont:
    """The parsed font at ``path``, parsed on the first print after the file appeared or changed."""
    stat = path.stat()
    return _PREPARED.get("print_font", (str(path.resolve()), stat.st_size, stat.st_mtime_ns), lambda: _parse(path))


def install(pdf: FPDF, family: str, path: Path) -> None:
    """Register the font at ``path`` in ``pdf`` as ``family``; bold and italics (``STYLES``) lay out in its one face."""
    pdf.render_color_fonts = False
    face = prepared_font(path).face_for(pdf, family, "")
    for style in STYLES:  # the same face under each style's key: the file has no bold or italic face of its own
        pdf.fonts[f"{family}{style}"] = face


def output(pdf: FPDF, family: str) -> bytearray:
    """The PDF of ``pdf`` with the face of ``family`` embedded once (its style keys removed first)."""
    for style in STYLES[1:]:
        pdf.fonts.pop(f"{family}{style}", None)
    return pdf.output()
