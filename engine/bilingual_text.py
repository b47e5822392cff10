"""A text an admin or a template gives in several languages: every user-facing name or message of a definition.

Rule, validation and automation names, validation messages, workflow and step names, template, dashboard and app
descriptions are a plain text (English, as before) or {"en": .., "zh-CN": ..}; readers see their language with the
fallback of engine.i18n.localized. An app's description comes from a template as {"en": .., "zh-CN": ..}; the column is text, so the map is kept as its
JSON text and read back as the map (the reader's language is picked where it is shown, like a label). A plain text
stays plain.
"""
from __future__ import annotations

import json
from typing import Any, Mapping

from engine.i18n import DEFAULT_LOCALE, LOCALES, localized, normalize_locale


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


def text_in(value: Any, locale: str) -> str:
    """A name or message (plain text or language map) as one text for ``locale``, falling back to English, then any."""
    text = localized(value, normalize_locale(locale))
    return text if isinstance(text, str) else ("" if text is None else str(text))


def quoted(value: Any) -> Any:
    """A name as an error message quotes it ('name'): a language map stays a map (the message takes the reader's)."""
    if is_bilingual(value):
        return {k: repr(v) for k, v in value.items()}
    return repr(value)


def missing_locales(value: Any) -> list[str]:
    """The product's languages a user-facing text lacks (a plain text counts as English only)."""
    if isinstance(value, str):
        return [loc for loc in LOCALES if loc != DEFAULT_LOCALE] if value.strip() else list(LOCALES)
    if is_bilingual(value):
        return [loc for loc in LOCALES if not (isinstance(value.get(loc), str) and value[loc].strip())]
    return list(LOCALES)
