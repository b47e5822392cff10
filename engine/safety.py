"""Limits on what users may write, stated as data.

Every user-written artefact (definitions, patterns, records) is checked
against these at save time; the numbers are the policy.
"""
from __future__ import annotations

import re

#: longest regular expression a definition may contain
MAX_REGEX_LENGTH = 200
#: largest form definition accepted, in bytes of JSON
MAX_DEFINITION_BYTES = 1_000_000
#: most fields in one form (sub-table fields included)
MAX_FIELDS_PER_FORM = 500
#: largest record accepted, in bytes of JSON
MAX_RECORD_BYTES = 1_000_000
#: Largest id a path, payload or reference may carry: every id column is a 32-bit INTEGER (PostgreSQL overflows past it).
MAX_ID = 2**31 - 1
#: Deepest page a list may be asked for (keeps the row offset inside a 64-bit integer; go deeper with a filter).
MAX_PAGE = 10_000_000

#: constructs that make backtracking regexes explode or are not portable to JavaScript
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]")
_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=|\\k<")
_LOOKAROUND = re.compile(r"\(\?<?[=!]")
_ALTERNATION_UNDER_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*\|(?:[^()\\]|\\.)*\)\s*[+*{]")


def check_regex(pattern: str) -> str | None:
    """Return why a user's regex is refused, or None if it is safe to run."""
    if len(pattern) > MAX_REGEX_LENGTH:
        return f"pattern is longer than {MAX_REGEX_LENGTH} characters"
    if _BACKREFERENCE.search(pattern):
        return "back-references are not allowed in patterns"
    if _LOOKAROUND.search(pattern):
        return "look-ahead and look-behind are not allowed in patterns"
    if _NESTED_QUANTIFIER.search(pattern) or _ALTERNATION_UNDER_QUANTIFIER.search(pattern):
        return "a repeated group that itself repeats can take forever to match (e.g. (a+)+); simplify the pattern"
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"pattern is not a valid regular expression: {exc}"
    return None
