"""The print font is parsed once per process: later documents copy it, each embeds its own subset, a changed file is parsed again."""
import io
import os
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
from pypdf import PdfReader

from engine.printing.document import PrintFontMissing, build_pdf, font_path
from engine.printing.fonts import prepared_font


@pytest.fixture
def font(tmp_path):
    try:
        installed = font_path(None)
    except PrintFontMissing:  # the CI image installs fonts-wqy-microhei; only a bare developer machine skips
        if os.environ.get("CI"):
            raise
        pytest.skip("no CJK print font installed (fonts-wqy-microhei)")
    copy = tmp_path / installed.name
    shutil.copyfile(installed, copy)
    return copy


def text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_later_documents_reuse_the_parsed_font_and_each_embeds_its_own_glyphs(font):
    first = build_pdf("A", "<h1>合同 Contract</h1><p>客户 <b>甲</b> <i>乙</i></p>", font=font)
    parsed = prepared_font(font)
    second = build_pdf("B", "<p>报价单 Quote <b>丙</b></p><table border='1'><thead><tr><th>产品</th></tr></thead>"
                            "<tbody><tr><td>许可</td></tr></tbody></table>", font=font)
    assert prepared_font(font) is parsed  # not parsed again
    assert "合同 Contract" in text(first) and "客户 甲 乙" in text(first)
    second_text = text(second)
    assert "报价单 Quote 丙" in second_text and "产品" in second_text and "许可" in second_text
    assert "合同" not in second_text
    assert second.count(b"/FontFile2") == 1  # bold and italics use the one face: embedded once
    parsed_tables = parsed.tables  # each document subset its own copy: the parsed font is whole
    glyph = dict.__getitem__(parsed_tables["glyf"].glyphs, parsed_tables.getBestCmap()[ord("合")])
    assert hasattr(glyph, "data") and not hasattr(glyph, "coordinates")
    assert len(parsed_tables["hmtx"].metrics) == len(parsed_tables["glyf"].glyphs) == parsed_tables["maxp"].numGlyphs > 20_000
    assert min(len(t.cmap) for t in parsed_tables["cmap"].tables if t.isUnicode()) > 20_000


def test_a_changed_font_file_is_parsed_again(font):
    parsed = prepared_font(font)
    stat = font.stat()
    os.utime(font, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert prepared_font(font) is not parsed
    assert "再次 again" in text(build_pdf("C", "<p>再次 again</p>", font=font))


def test_documents_printed_at_the_same_time_each_get_their_own_text(font):
    build_pdf("warm", "<p>预热</p>", font=font)
    words = ["甲方 first", "乙方 second", "丙方 third", "丁方 fourth"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        pdfs = list(pool.map(lambda w: build_pdf(w, f"<h2>{w}</h2><p><b>合同</b> {w}</p>", font=font), words * 2))
    for word, pdf in zip(words * 2, pdfs):
        got = text(pdf)
        assert got.count(word) == 2 and "合同" in got and not any(other in got for other in words if other != word)
