"""Limits on what users may write, stated as data.

Every user-written artefact (definitions, patterns, records) is checked
against these at save time; the numbers are the policy.
"""
from __future__ import annotations

import operator
import re
from itertools import accumulate, count

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
#: Deepest nesting of arrays and objects in a JSON body, checked before parsing (the standard decoder recurses).
MAX_JSON_DEPTH = 100


_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
#: an opening bracket counts 2, a closing one 0: the running sum minus the position is the depth
_STEPS = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")


def json_too_deep(raw: bytes | str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether JSON text nests arrays and objects deeper than ``limit``, without parsing it.

    Strings are dropped, then everything but brackets; the deepest running count of open brackets is then
    taken with C-level iterators (no Python loop, no recursion): a 2 MB body costs well under 0.1 s.
    """
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    steps = _JSON_STRING.sub(b"", raw).translate(_STEPS, _NOT_BRACKETS)
    return max(map(operator.sub, accumulate(steps), count(1)), default=0) > limit
