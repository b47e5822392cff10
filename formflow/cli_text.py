"""What the ``formflow`` commands print, in the language of the shell: texts of the engine catalogue (``cli.`` keys of
engine/translations, counts as gettext plurals), the language from the environment as gettext reads it (LANGUAGE,
LC_ALL, LC_MESSAGES, LANG; ``C`` / ``POSIX`` or none: English).
"""
from __future__ import annotations

import os
from typing import Any, Mapping

from engine import i18n
from engine.errors import FormflowError

#: the environment variables naming the language, in the order gettext reads them
LANGUAGE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def cli_locale(environ: Mapping[str, str] | None = None) -> str:
    """The shell's language: 'zh_CN.UTF-8' -> 'zh-CN'; 'C', 'POSIX', unset or a language we don't have -> English."""
    env = os.environ if environ is None else environ
    for name in LANGUAGE_VARIABLES:
        value = (env.get(name) or "").strip()
        if not value:
            continue
        first = value.split(":")[0].split(".")[0].split("@")[0]  # LANGUAGE may list several: the first wins
        if first in ("C", "POSIX"):
            return i18n.DEFAULT_LOCALE
        return i18n.normalize_locale(first)
    return i18n.DEFAULT_LOCALE


def say(key: str, /, **params: Any) -> str:
    """The text of ``cli.<key>`` in the shell's language (``count`` picks the plural form)."""
    return i18n.render(f"cli.{key}", cli_locale(), params)


def error_lines(exc: FormflowError) -> list[str]:
    """A refusal's items, one line each ("  /path: message"), in the shell's language."""
    locale = cli_locale()
    return [say("item", path=item.path or "/", message=item.localized(locale)) for item in exc.errors]


def refusal(exc: FormflowError) -> str:
    """A refusal as one line: its message, then each item's path and message, in the shell's language."""
    locale = cli_locale()
    return say("separator").join([exc.localized(locale)] + [say("item_inline", path=e.path or "/", message=e.localized(locale))
                                                          for e in exc.errors])
