"""Where the language overlaps rule-engine, the differences are exactly the documented ones (docs/rules.md,
"Differences from rule-engine"): each is listed here with rule-engine's outcome and ours, and a control list
shows the neighbouring cases that agree. A difference that disappears, or a new one, fails this test."""
from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import pytest

from engine.rules import RuleContext, RuleError, RuleEvaluationError, RuleScope, compile_rule
from engine.rules.reference import evaluate_with_rule_engine, rule_engine_rule

UTC = dt.timezone.utc
SCOPE = RuleScope.from_fields([{"id": "num", "name": "num", "type": "number"},
                               {"id": "txt", "name": "txt", "type": "text"}], None)
CTX = RuleContext(now=dt.datetime(2026, 3, 9, tzinfo=UTC), tz="UTC")
ERROR = "error"
REFUSED = "refused"

#: (rule, rule-engine's outcome, ours, the docs/rules.md item)
DIFFERENCES = [
    ("7 ** 1.5", 18.520259177452136, ERROR, "** takes whole exponents from -1000 to 1000"),
    ("2 ** 1001 > 0", True, ERROR, "** takes whole exponents from -1000 to 1000"),
    ("(10 ** 30 + 1) - 10 ** 30", 0.0, 1.0, "34 significant digits (rule-engine: Python's default 28)"),
    ("1e300 * 1e300 > 0", True, ERROR, "numbers are below 1e308 in magnitude"),
    ("1e400 > 0", True, REFUSED, "numbers are below 1e308 in magnitude"),
    ("inf > 0", True, REFUSED, "no infinity or NaN"),
    ("nan == nan", False, REFUSED, "no infinity or NaN"),
    ("-1 * 0", -0.0, 0.0, "no negative zero"),
    ('t"PT0.0005S" == t"PT0S"', False, True, "times and durations have millisecond resolution"),
    ('d"9999-12-31T00:00:00Z" + t"P1D" > d"2000-01-01"', REFUSED, ERROR,
     "no folding at compile time: a date out of range is an evaluation error"),
    ('"" [0] == ""', REFUSED, ERROR, "no folding at compile time: a date out of range is an evaluation error, as is a bad index"),
]

#: the neighbours that agree
AGREEMENTS = ["0.1 + 0.2 == 0.3", "1 / 3 * 3 == 1", "-7 % 3", "-7 // 2", "7 // -2", "2 ** 10", "2 ** -2",
              "10 ** 30 > 10 ** 29", "0.1 * 3", "1e306 * 10 > 0", '"abc" + "d"', '"abc" =~ "b"', '"abc" =~~ "b"',
              'd"2024-02-28" + t"P1D" > d"2024-02-28"',
              '"b" in "abc"', "num ?? 3", '$abs(-2.5)', "$min([3, 1, 2])", "$sum([0.1, 0.2])", "not (1 > 2)"]


def _outcome(fn):
    try:
        value = fn()
    except RuleError as exc:
        return ERROR if isinstance(exc, RuleEvaluationError) else REFUSED
    except Exception:  # noqa: BLE001 - rule-engine raises several kinds, at parse or evaluation
        return ERROR
    return float(value) if not isinstance(value, (bool, str, dt.datetime)) and value is not None else value


def _rule_engine(text: str):
    try:
        rule_engine_rule(text, SCOPE, CTX)
    except Exception:  # noqa: BLE001 - rule-engine refuses at parse (its constant folding raises there)
        return REFUSED
    return _outcome(lambda: evaluate_with_rule_engine(text, SCOPE, {}, CTX))


def _ours(text: str):
    try:
        rule = compile_rule(text, SCOPE)
    except RuleError:
        return REFUSED
    return _outcome(lambda: rule.evaluate({}, CTX))


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return a == b


@pytest.mark.parametrize("text,theirs,ours,why", DIFFERENCES)
def test_documented_difference(text, theirs, ours, why):
    assert _same(_rule_engine(text), theirs), why
    assert _same(_ours(text), ours), why


@pytest.mark.parametrize("text", AGREEMENTS)
def test_neighbours_agree(text):
    theirs, mine = _rule_engine(text), _ours(text)
    assert theirs not in (ERROR, REFUSED) and _same(theirs, mine), (theirs, mine)


def test_patterns_are_re2_not_pythons_re():
    """rule-engine's own patterns are Python `re`; ours (and rule-engine's, once engine.rules is imported) RE2."""
    for text, pattern, python_re in [("abc\n", "abc$", True), ("aa", "a{,3}$", True)]:
        assert bool(re.match(pattern, text)) is python_re
        rule = compile_rule(f"txt =~ {pattern!r}".replace("'", '"'), SCOPE)
        assert rule.evaluate({"txt": text}, CTX) is (not python_re)


def test_the_docs_list_every_difference():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "rules.md").read_text(encoding="utf-8")
    section = docs.split("## Differences from rule-engine", 1)[1].split("\n## ", 1)[0]
    for why in {d[3] for d in DIFFERENCES} | {"patterns are RE2"}:
        assert why in section, why
