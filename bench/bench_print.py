"""Printing speed: the print font is parsed once per process, so a later print costs the layout, not the font.

Plain script; every figure is printed next to a baseline measured in the same run:

1. the first print in this process (parses the CJK font) vs each later print of the same contract markup
   (copies the parsed font): the ratio later / first (goal: well under 0.5);
2. a later print vs a bare fpdf2 document of the same cleaned markup (``add_font`` of the same file, ``write_html``,
   ``output``: what each print cost before the font was kept): the ratio ours / bare (goal: under 1).

Run: ``python bench/bench_print.py [--runs N] [--font PATH]`` (default font: ``FORMFLOW_PRINT_FONT`` or the first of
``engine.printing.document.DEFAULT_FONT_PATHS`` installed).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fpdf import FPDF  # noqa: E402

from engine.printing.document import build_pdf, clean_markup, font_path  # noqa: E402

#: A contract like the CRM's shipped one: headings, bold, a table, Chinese and English text.
CONTRACT = ("<h1>销售合同 Sales contract</h1><p>合同对方 / Customer: <b>上海示例科技有限公司</b>（C-000123）</p>"
            "<table border=\"1\"><tbody>" + "".join(
                f"<tr><td>字段 Field {i}</td><td>内容 Value {i} 客户等级 VIP</td></tr>" for i in range(12)) +
            "</tbody></table><h2>条款 Terms</h2>" + "<p>甲方与乙方经友好协商，就产品与服务达成如下协议。The parties agree "
            "on the products and services below.</p>" * 6 + "<p>签署日期 Date: 2026-12-06　　经办人 Prepared by: 李雷</p>")


def _bare(font: Path, markup: str) -> bytes:
    pdf = FPDF(format="A4")
    for style in ("", "B"):  # the contract has bold text: fpdf2 needs a face for it
        pdf.add_font("bare", style, str(font), collection_font_number=0)
    pdf.set_font("bare", size=11)
    pdf.add_page()
    pdf.write_html(clean_markup(markup), font_family="bare")
    return bytes(pdf.output())


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--font", default=os.environ.get("FORMFLOW_PRINT_FONT"))
    args = parser.parse_args()
    font = font_path(args.font)
    print(f"font: {font}")
    first = _timed(lambda: build_pdf("Contract", CONTRACT, font=font))
    later = [_timed(lambda: build_pdf("Contract", CONTRACT, font=font)) for _ in range(args.runs)]
    bare = [_timed(lambda: _bare(font, CONTRACT)) for _ in range(args.runs)]
    ours = statistics.median(later)
    print(f"first print (parses the font): {first * 1000:8.1f} ms")
    print(f"later print, median of {args.runs}:  {ours * 1000:8.1f} ms   later / first = {ours / first:.2f}")
    print(f"bare fpdf2 document, median:    {statistics.median(bare) * 1000:8.1f} ms   ours / bare = "
          f"{ours / statistics.median(bare):.2f}")


if __name__ == "__main__":
    main()
