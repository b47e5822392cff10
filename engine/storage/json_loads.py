"""The JSON documents the database hands back (a record's data above all), decoded by orjson where that gives exactly
what the standard library gives.

A list page decodes one document per row; ``json.loads`` was most of the Python a page's rows cost. orjson decodes
the same documents three to four times as fast, and to the same values, but for one thing: an integer beyond 64 bits
(past 18446744073709551615, or below -9223372036854775808) comes back as a float, its digits lost. So a document with
a run of 19 or more digits anywhere (in a number or, harmlessly, in a text) goes to ``json.loads``, as does anything
orjson refuses (a number beyond a double's range, a lone surrogate, nesting past 1024): the answer is always the
standard library's.
"""
from __future__ import annotations

import json
from typing import Any

import orjson

#: every byte to a space but the ASCII digits, which become "0": a run of digits is then a run of "0"
_DIGITS = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
#: the shortest run of digits that may be an integer orjson can't keep (2**63 has 19 digits)
_WIDE = b"0" * 19


def exact_loads(document: str | bytes | bytearray | memoryview) -> Any:
    """``json.loads(document)``'s value, through orjson when that is the same value."""
    raw = document.encode("utf-8", "surrogatepass") if isinstance(document, str) else bytes(document)
    if _WIDE not in raw.translate(_DIGITS):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    return json.loads(document if isinstance(document, (str, bytes, bytearray)) else raw)
