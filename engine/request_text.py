"""Text a request may carry: the one check that keeps NUL and lone UTF-16 surrogates out.

PostgreSQL can store neither ``\\u0000`` nor a lone surrogate in text or jsonb (the driver raises, the
request would end in a 500), SQLite stores them and hands them back to browsers and exports. Every
string that comes from outside (URL path, query string, form post, JSON body keys and values) is
checked here once, before any service or the database sees it; the web layer calls
``refuse_unstorable_text`` from one request hook for the API, the designer and public forms.
"""
from __future__ import annotations

from typing import Any, Iterable

from engine import i18n
from engine.errors import ErrorItem, FormflowError

#: most problems listed in one answer (the first few are enough to fix the client)
MAX_TEXT_PROBLEMS = 20


class UnstorableText(FormflowError):
    """A string holds a NUL character or a lone surrogate: answered 400 with the path of each."""

    status = 400
    code = "invalid_text"


def text_problem(text: str) -> dict[str, str] | None:
    """Why *text* can't be stored, in every language ({"en", "zh-CN"}), or None."""
    if "\x00" in text:
        return _words("error.text.nul")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return _words("error.text.surrogate")
    return None


def _words(message_code: str) -> dict[str, str]:
    return {loc: i18n.render(message_code, loc) for loc in i18n.LOCALES}


def unstorable_text(parts: Iterable[tuple[str, Any]]) -> list[ErrorItem]:
    """Every string inside *parts* ((path, value) pairs; values may be JSON) that can't be stored, by path.

    JSON is walked with an explicit stack, so a deeply nested body costs no recursion here.
    """
    problems: list[ErrorItem] = []
    stack = list(reversed(list(parts)))
    while stack and len(problems) < MAX_TEXT_PROBLEMS:
        path, value = stack.pop()
        if isinstance(value, str):
            why = text_problem(value)
            if why:
                problems.append(ErrorItem.coded("error.text.text", path=path, code="invalid_text", why=why))
        elif isinstance(value, dict):
            for key, item in value.items():
                key_text = str(key)
                why = text_problem(key_text)
                if why:
                    problems.append(ErrorItem.coded("error.text.name", path=path, code="invalid_text", why=why))
                    continue
                stack.append((f"{path}/{_pointer(key_text)}", item))
        elif isinstance(value, (list, tuple)):
            stack.extend((f"{path}/{i}", item) for i, item in reversed(list(enumerate(value))))
    return problems


def refuse_unstorable_text(parts: Iterable[tuple[str, Any]]) -> None:
    """Raise ``UnstorableText`` naming each bad string's path, or return."""
    problems = unstorable_text(parts)
    if problems:
        raise UnstorableText("the request contains text that can't be stored", problems, message_code="error.text.unstorable")


def _pointer(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
