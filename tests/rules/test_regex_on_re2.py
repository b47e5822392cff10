"""Rule patterns on the server run on RE2; the browser's RegExp is given the same reading where it is cheap.

Each case is evaluated by the compiled Python (RE2) and by the compiled JavaScript under node: they agree, and the
server's answer is RE2's (documented in engine/patterns.py): `$` only at the very end, `.` takes CR, `\\s` is
[\\t\\n\\f\\r ], `a{,3}` is literal text. Ten `\\d*` in a row over 10,000 characters stays linear.
"""
from __future__ import annotations

import datetime as dt
import json
import time

import pytest

from engine.rules import RuleContext, RuleError, RuleScope, compile_rule

from .rules_agreement_support import NODE, run_node

SCOPE = RuleScope.from_fields([{"id": "t", "name": "t", "type": "textarea"}], lambda key: None)
CTX = RuleContext(now=dt.datetime(2026, 3, 9, tzinfo=dt.timezone.utc), tz="UTC", user_id=1, load_reference=lambda f, r: None)

#: (rule over the field t, value of t, RE2's answer)
CASES = [
    ('t =~ "abc$"', "abc\n", False),  # Python's re: True (before a final newline); RE2 and JS: only at the end
    ('t =~ "abc$"', "abc", True),
    ('t =~ "a.c"', "a\rc", True),  # JS's own `.` stops at CR
    ('t =~ "a.c"', "a\nc", False),
    ('t =~ "a.c"', "a\u2028c", True),
    ('t =~~ "\\\\s"', "\v", False),  # RE2's \\s has no vertical tab (Python's and JS's have)
    ('t =~~ "\\\\s"', "\u00a0", False),
    ('t =~~ "[\\\\s]x"', "\tx", True),
    ('t =~~ "\\\\S"', " \t", False),
    ('t =~ "a{,3}$"', "aa", False),  # literal text in RE2 and JS; Python reads {0,3}
    ('t =~ "a{,3}$"', "a{,3}", True),
    ('t =~ "\\\\d+$"', "\u0663", False),  # ASCII digits only
    ('t =~~ "\\\\bword\\\\b"', "a word.", True),
]


@pytest.mark.parametrize("text, value, expected", CASES)
def test_server_matches_as_re2_does(text, value, expected):
    assert compile_rule(text, SCOPE).evaluate({"t": value}, CTX) is expected


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_browser_agrees_with_the_server():
    rules = [compile_rule(text, SCOPE) for text, _, _ in CASES]
    results = run_node([{"js": r.js, "values": {"t": value}, "ctx": CTX.to_js(), "refs": {}, "kind": r.result_type}
                        for r, (_, value, _) in zip(rules, CASES)])
    got = [res.get("ok", res) for res in results]
    assert got == [expected for _, _, expected in CASES], json.dumps(list(zip([c[0] for c in CASES], got)))


@pytest.mark.parametrize("text", ['t =~~ "[]]"', 't =~ "[^]]+$"'])
def test_a_class_opening_with_a_bracket_is_refused(text):
    """RE2 and Python read `[]]` as a set holding `]`; the browser as an empty set: refused, `\\]` says the same to both."""
    with pytest.raises(RuleError, match="write"):
        compile_rule(text, SCOPE)


def test_ten_digit_stars_over_ten_thousand_characters_is_linear():
    rule = compile_rule('t =~~ "' + "\\\\d*" * 10 + 'x"', SCOPE)
    started = time.perf_counter()
    assert rule.evaluate({"t": "1" * 10_000}, CTX) is False
    assert time.perf_counter() - started < 0.05
