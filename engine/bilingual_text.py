"""A text an admin or a template gives in several languages, kept in a plain text column.

An app's description comes from a template as {"en": .., "zh-CN": ..}; the column is text, so the map is kept as its
JSON text and read back as the map (the reader's language is picked where it is shown, like a label). A plain text
stays plain.
"""
from __future__ import annotations

import json
from typing import Any, Mapping

from engine.i18n import LOCALES


def is_bilingual(value: Any) -> bool:
    return isinstance(value, Mapping) and bool(value) and set(value) <= set(LOCALES)


def to_column(value: Any) -> str | None:
    """What the text column stores: a language map as JSON text, a plain text (or None) as is."""
    if is_bilingual(value):
        return json.dumps({k: v for k, v in value.items() if v}, ensure_ascii=False, sort_keys=True)
    return value


def from_column(text: str | None) -> Any:
    """The stored value back: the language map a JSON text holds, else the text itself."""
    if isinstance(text, str) and text.startswith("{"):
        try:
            value = json.loads(text)
        except ValueError:
            return text
        if is_bilingual(value):
            return value
    return text


def edited(stored: str | None, new: Any) -> str | None:
    """The column after an edit: a plain text equal to one language of the stored map (a form sent back unchanged in
    the reader's language) keeps every language; anything else replaces it."""
    before = from_column(stored)
    if isinstance(new, str) and is_bilingual(before) and new in before.values():
        return stored
    return to_column(new)
