"""Limits on what users may write, stated as data.

Every user-written artefact (definitions, patterns, records) is checked
against these at save time; the numbers are the policy.
"""
from __future__ import annotations

#: longest regular expression a definition may contain (field patterns and rule patterns; engine.patterns)
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


def check_regex(pattern: str) -> str | None:
    """Return why a user's regex is refused, or None if it runs (on RE2, linear-time: see engine.patterns)."""
    from engine.patterns import pattern_problem

    problem = pattern_problem(pattern)
    return None if problem is None else str(problem)
