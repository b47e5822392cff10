"""User-written regular expressions, run on RE2: the one place the server compiles and matches them.

A field's ``pattern`` option and a rule's ``=~`` / ``=~~`` are written by users, so they run on
Google's RE2 (``google-re2``), whose matching time is linear in the input: no pattern, however
nested (``((a+))+``, ten ``\\d*`` in a row), can stall a worker. Python's ``re`` is for our own fixed
patterns only. A pattern outside RE2's syntax (back-references, look-around, possessive ``a++``,
``\\Z``) is refused when the definition is saved, with the position of the offending part.

RE2's dialect, where it differs from Python's ``re`` (also in docs/rules.md):
``$`` matches only at the very end of the text (Python also before a final newline; JavaScript
agrees with RE2); ``\\Z`` is refused (write ``$`` or ``\\z``); ``a{,3}`` is the literal text ``a{,3}``
(as in JavaScript; Python reads ``{0,3}``); ``\\d \\w \\s \\b`` are ASCII (as with ``re.ASCII``), and
``\\s`` does not include the vertical tab; ``.`` is any character but ``\\n`` and counts an emoji as
one character; repetition counts above 1,000 are refused.
"""
from __future__ import annotations

import functools
from typing import Any

import re2

from engine import i18n
from engine.safety import MAX_REGEX_LENGTH

#: memory RE2 may use for one compiled pattern (bytes); a pattern needing more is refused at save
MAX_PATTERN_MEMORY = 8 << 20
#: compiled user patterns kept per process
MAX_CACHED_PATTERNS = 1024

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is the user's answer, not a line in the server log
_OPTIONS.max_mem = MAX_PATTERN_MEMORY


class PatternRefused(ValueError):
    """Why a user pattern can't be used (a catalogue key of engine/translations and its values; ``reason`` is the English
    text) and where in the pattern (0-based character offset)."""

    def __init__(self, message_code: str, position: int | None = None, **params: Any) -> None:
        message = i18n.render(message_code, i18n.DEFAULT_LOCALE, params)
        super().__init__(message if position is None else f"{message} (at position {position})")
        self.reason = message
        self.position = position
        self.message_code = message_code
        self.params = params

    def reasons(self) -> dict[str, str]:
        """The reason in every language the product speaks (a parameter of a message that says where it is)."""
        return {locale: i18n.render(self.message_code, locale, self.params) for locale in i18n.LOCALES}


class UserPattern:
    """A user pattern compiled by RE2. ``match`` / ``search`` / ``fullmatch`` answer True or False in linear time.

    The program runs over UTF-8 bytes (the wrapper's str path maps every offset back to characters, ~3x slower);
    ``for_text()`` is the same pattern for callers that want ``re``-like match objects over str (rule-engine).
    """

    __slots__ = ("text", "_bytes", "_str")

    def __init__(self, text: str) -> None:
        self.text = text
        self._bytes = re2.compile(text.encode("utf-8"), _OPTIONS)
        self._str = None

    def match(self, value: str) -> bool:
        """Whether the pattern matches at the start of *value*."""
        return self._bytes.match(_utf8(value)) is not None

    def search(self, value: str) -> bool:
        """Whether the pattern matches anywhere in *value*."""
        return self._bytes.search(_utf8(value)) is not None

    def fullmatch(self, value: str) -> bool:
        """Whether all of *value* matches the pattern (a field's format check)."""
        return self._bytes.fullmatch(_utf8(value)) is not None

    def for_text(self) -> Any:
        if self._str is None:
            self._str = re2.compile(self.text, _OPTIONS)
        return self._str


@functools.lru_cache(maxsize=MAX_CACHED_PATTERNS)
def compile_pattern(pattern: str) -> UserPattern:
    """The RE2 program of *pattern*, or ``PatternRefused`` with the position of the problem."""
    if not isinstance(pattern, str):
        raise PatternRefused("error.pattern.not_text")
    if len(pattern) > MAX_REGEX_LENGTH:
        raise PatternRefused("error.pattern.too_long", MAX_REGEX_LENGTH, max=MAX_REGEX_LENGTH)
    if _has_lone_surrogate(pattern) or "\x00" in pattern:
        raise PatternRefused("error.pattern.bad_character", _first_bad_char(pattern))
    try:
        return UserPattern(pattern)
    except re2.error as exc:
        raise _refusal(pattern, exc) from None


def pattern_problem(pattern: str) -> PatternRefused | None:
    """Why *pattern* is refused at save, or None when RE2 runs it."""
    try:
        compile_pattern(pattern)
    except PatternRefused as exc:
        return exc
    return None


def fullmatch(pattern: str, text: str) -> bool:
    """Whether all of *text* matches the user's *pattern*."""
    return compile_pattern(pattern).fullmatch(text)


# RE2 reads UTF-8: a lone surrogate (stored before requests were checked) is matched as one "?".
def _utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


def _has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _first_bad_char(text: str) -> int:
    for i, ch in enumerate(text):
        if ch == "\x00" or "\ud800" <= ch <= "\udfff":
            return i
    return 0


#: RE2's messages -> the catalogue key of their reason, in the words of a form designer (engine/translations)
_REASONS = {
    "invalid perl operator": "error.pattern.lookaround",
    "invalid escape sequence": "error.pattern.escape",
    "missing )": "error.pattern.open_paren",
    "unexpected )": "error.pattern.close_paren",
    "missing ]": "error.pattern.open_bracket",
    "bad repetition operator": "error.pattern.repeated_repetition",
    "invalid repetition size": "error.pattern.repetition_size",
    "no argument for repetition operator": "error.pattern.nothing_to_repeat",
    "invalid character class range": "error.pattern.class_range",
    "invalid character class": "error.pattern.char_class",
    "invalid named capture group": "error.pattern.group_name",
    "pattern too large": "error.pattern.too_large",
}


def _refusal(pattern: str, exc: Exception) -> PatternRefused:
    raw = exc.args[0] if exc.args else str(exc)
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    code, _, fragment = text.partition(": ")
    reason = next((why for key, why in _REASONS.items() if code.startswith(key)), None)
    if code in ("missing )", "missing ]"):
        position = len(pattern)
    elif code == "unexpected )":
        position = pattern.rfind(")")
    else:
        found = pattern.find(fragment) if fragment else -1
        position = found if found >= 0 else None
    if reason is None:
        return PatternRefused("error.pattern.invalid", position, detail=text)
    return PatternRefused(reason, position)
