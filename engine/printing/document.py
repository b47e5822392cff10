"""A print template's rendered markup laid out as a PDF (fpdf2), in a font that has Chinese glyphs.

The markup is a small allow-list of HTML (``PRINT_TAGS``): headings, paragraphs, bold and italics, lists,
lines and tables (a sub-table's rows). Record values are escaped by the template (the ``html`` dialect
autoescapes); the author's own markup is cleaned by nh3 to the allow-list before layout, so nothing else (no
images, links, styles or scripts) reaches the PDF. The font is the file ``PRINT_FONT`` names, else the first
of ``DEFAULT_FONT_PATHS`` that exists (Debian's ``fonts-wqy-microhei``); without one, printing is refused
with an error saying what to install or configure.
"""
from __future__ import annotations

import os
from pathlib import Path

import nh3
from fpdf import FPDF
from fpdf.errors import FPDFException

from engine.errors import ErrorItem, FormflowError, ValidationFailed
from engine.printing.fonts import install, output

__all__ = ["PRINT_TAGS", "PRINT_ATTRIBUTES", "DEFAULT_FONT_PATHS", "MAX_PRINT_PAGES", "PrintFontMissing",
           "clean_markup", "font_path", "build_pdf"]

#: Tags the print markup keeps; any other tag is dropped (its text kept, scripts and styles dropped whole).
PRINT_TAGS = frozenset({"h1", "h2", "h3", "h4", "p", "b", "strong", "i", "em", "u", "br", "hr",
                        "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td"})
#: Attributes the print markup keeps, per tag (layout only).
PRINT_ATTRIBUTES = {"p": {"align"}, "table": {"border", "width"}, "th": {"align", "width", "colspan"},
                    "td": {"align", "width", "colspan"}}
#: Fonts tried, in order, when ``PRINT_FONT`` is not set: they must hold CJK glyphs (a contract names 客户).
DEFAULT_FONT_PATHS = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
                      "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
#: Most pages one printed document may have (a runaway loop is refused, not printed).
MAX_PRINT_PAGES = 50
#: The font family name inside the document.
_FAMILY = "print"


class PrintFontMissing(FormflowError):
    """No usable font file: the server needs ``fonts-wqy-microhei`` installed or ``FORMFLOW_PRINT_FONT`` set (503)."""

    status = 503
    code = "print_font_missing"


def clean_markup(html: str) -> str:
    """The rendered markup reduced to the print allow-list."""
    return nh3.clean(html, tags=set(PRINT_TAGS), attributes={k: set(v) for k, v in PRINT_ATTRIBUTES.items()},
                     link_rel=None, strip_comments=True)


def font_path(configured: str | os.PathLike | None = None) -> Path:
    """The font file to print with: ``configured`` (it must exist), else the first default that exists."""
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise _missing("error.print_font_missing.not_found", font=str(path))
        return path
    for candidate in DEFAULT_FONT_PATHS:
        if Path(candidate).is_file():
            return Path(candidate)
    raise _missing("error.print_font_missing.not_installed")


def _missing(message_code: str, **params) -> PrintFontMissing:
    """The 503 an admin reads: what to install or configure, in the reader's language, at ``/print_font``."""
    item = ErrorItem.coded(message_code, path="/print_font", code="print_font_missing", **params)
    return PrintFontMissing(item.message, [item], message_code=message_code, params=params)


def build_pdf(title: str, markup: str, *, font: Path, author: str = "", name: str = "print", paper: str = "A4",
              orientation: str = "portrait") -> bytes:
    """A PDF of ``markup`` (cleaned here) titled ``title`` on ``paper`` (A4, Letter) in ``orientation`` (portrait,
    landscape); a layout the markup can't make is a 422 at ``/content``."""
    pdf = FPDF(format=paper, orientation="L" if orientation == "landscape" else "P")
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator("formflow")
    pdf.set_auto_page_break(auto=True, margin=15)
    cleaned = clean_markup(markup)
    install(pdf, _FAMILY, font)  # parsed once per process: a later print copies it; bold and italics use its one face
    pdf.set_font(_FAMILY, size=11)
    pdf.add_page()
    try:
        pdf.write_html(cleaned, font_family=_FAMILY)
    except (FPDFException, ValueError, KeyError, IndexError) as exc:
        raise ValidationFailed(f"print template {name!r} cannot be laid out as a document: {exc}",
                               [ErrorItem.coded("error.print.markup", path="/content/print/html", code="template_invalid",
                                                detail=str(exc))],
                               message_code="error.print.layout", params={"name": repr(name), "detail": str(exc)}) from None
    if pdf.pages_count > MAX_PRINT_PAGES:
        raise ValidationFailed(f"print template {name!r} makes more than {MAX_PRINT_PAGES} pages",
                               [ErrorItem.coded("error.print.at_most_pages", path="/content/print/html", max=MAX_PRINT_PAGES)],
                               message_code="error.print.too_many_pages", params={"name": repr(name), "max": MAX_PRINT_PAGES})
    return bytes(output(pdf, _FAMILY))
