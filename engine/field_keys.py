"""Field keys made from a field's label: "客户名称" -> ``kehu_mingcheng``, "Next follow-up" -> ``next_follow_up``.

Chinese is transliterated with pypinyin (words kept together, tones dropped); other letters are folded to ASCII.
A key is unique within the form (``_2``, ``_3`` ... appended) and may be changed only while the field has never
been published: after the first publish records, rules and templates hold it.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable

from pypinyin import Style, lazy_pinyin

#: the longest key made from a label (the definition schema allows 64)
MAX_KEY = 40
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")


def _ascii_words(label: str) -> list[str]:
    words: list[str] = []
    for part in lazy_pinyin(label, style=Style.NORMAL, errors="default", v_to_u=False):
        folded = unicodedata.normalize("NFKD", part).encode("ascii", "ignore").decode().lower()
        words.extend(w for w in re.split(r"[^a-z0-9]+", folded) if w)
    return words


def key_from_label(label: str, fallback: str = "field") -> str:
    """The key for a label, not yet made unique."""
    text = str(label or "")
    # Chinese is cut in two-character words (the common length of a Chinese noun), each word's syllables joined
    pieces = []
    for chunk in re.split(r"(\s+)", text):
        hans = re.findall(r"[\u4e00-\u9fff]+|[^\u4e00-\u9fff]+", chunk)
        for h in hans:
            if re.match(r"[\u4e00-\u9fff]", h):
                pieces.extend("".join(_ascii_words(h[i:i + 2])) for i in range(0, len(h), 2))
            else:
                pieces.extend(_ascii_words(h))
    key = "_".join(p for p in pieces if p)[:MAX_KEY].strip("_")
    if not key:
        key = fallback
    if not key[0].isalpha():
        key = f"f_{key}"
    return key


def label_for_key(label) -> str:
    """The text a key is made from: the English label when there is one, else the Chinese, else any other.

    An admin often types the English label first and the Chinese one after (or the other way round); the key must
    not follow whichever came last: ``{"en": "Customer no.", "zh-CN": "客户编号"}`` -> ``customer_no``.
    """
    if not isinstance(label, dict):
        return str(label or "")
    for loc in ("en", "zh-CN"):
        if str(label.get(loc) or "").strip():
            return str(label[loc])
    return next((str(v) for v in label.values() if str(v or "").strip()), "")


def unique_key(base: str, taken: Iterable[str]) -> str:
    taken = set(taken)
    if base not in taken:
        return base
    n = 2
    while f"{base}_{n}" in taken:
        n += 1
    return f"{base}_{n}"


def key_for(label: str | dict, taken: Iterable[str], fallback: str = "field") -> str:
    """A key for ``label`` (a text, or per language: English first) unique among ``taken``."""
    return unique_key(key_from_label(label_for_key(label), fallback), taken)


def is_valid_key(key: str) -> bool:
    return bool(_KEY.match(key or "")) and len(key) <= 64


def published_keys(definition: dict | None) -> set[str]:
    """Keys fixed by a published definition (every field it has ever held, deleted ones too)."""
    return {f["id"] for f in (definition or {}).get("fields", []) if isinstance(f, dict) and "id" in f}
