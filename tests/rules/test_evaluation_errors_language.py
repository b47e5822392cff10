"""A rule or formula that fails on a record's values says why in the reader's language, on the server and in the browser
(issue 21, point 8): every evaluation error is a catalogue code (``error.eval.*``) with params, the compiled Python and
the compiled JavaScript throw the same code for the same data, and each code reads in zh-CN without English words."""
from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest

from engine import i18n
from engine.rules import RuleContext, RuleEvaluationError, RuleScope, compile_rule
from engine.rules.errors import EXPECTED_KINDS
from tests.rules.rules_agreement_support import NODE, run_node

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "engine" / "rules"
#: an English word: a run of three or more ASCII letters
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
NOW = dt.datetime(2026, 3, 10, 4, 0, tzinfo=dt.timezone.utc)

FIELDS = [{"id": "n", "type": "number"}, {"id": "d", "type": "number"}, {"id": "t", "type": "text"},
          {"id": "when", "type": "datetime"}, {"id": "day", "type": "date"}, {"id": "tags", "type": "multiselect"},
          {"id": "cust", "type": "reference", "options": {"form": "customer"}},
          {"id": "rows", "type": "subtable", "options": {"fields": [{"id": "q", "type": "number"}]}}]
CUSTOMER = [{"id": "name", "type": "text"}]

#: (rule, record) pairs that cannot be evaluated, and the code each gives (one per kind of failure the data can cause)
FAILING = [
    ("n / d", {"n": 1, "d": 0}, "error.eval.division_by_zero"),
    ("n // d", {"n": 1, "d": 0}, "error.eval.division_by_zero"),
    ("n * 2", {}, "error.eval.empty_needed"),
    ("n * 1e300", {"n": 1e10}, "error.eval.number_range"),
    ("n ** 0.5", {"n": 2}, "error.eval.power_exponent"),
    ("d ** -1", {"d": 0}, "error.eval.power_undefined"),
    ("n > 1", {"n": "many"}, "error.eval.expected.number"),
    ("t == 'a'", {"t": 5}, "error.eval.expected.text"),
    ("when > $now", {"when": "tomorrow"}, "error.eval.expected.datetime"),
    ("day > $today", {"day": "2026-02-31"}, "error.eval.expected.date"),
    ("n < t.length", {"t": "abc"}, "error.eval.empty_needed"),
    ("t[5] == 'x'", {"t": "abc"}, "error.eval.index_range"),
    ("cust.name == 'x'", {"cust": 99}, "error.eval.empty_reference"),
    ("$round(n, d) > 1", {"n": 1, "d": 11}, "error.eval.round_digits"),
    ("$max([r.q for r in rows]) > 1", {"rows": []}, "error.eval.function_empty_list"),
    ("$add_days(when, n) > $now", {"when": "2026-03-10T00:00:00Z", "n": 1.5}, "error.eval.add_days_range"),
]


def _scope() -> RuleScope:
    return RuleScope.from_fields(FIELDS, lambda key: CUSTOMER if key == "customer" else None)


def _context() -> RuleContext:
    return RuleContext(now=NOW, tz="Asia/Shanghai", user_id=1, load_reference=lambda form, rid: None)


def _words_left(text: str, params: dict) -> list[str]:
    """English words of a rendered message that are neither a param (a user value, a function name) nor a $function."""
    for value in params.values():
        text = text.replace(str(value), " ")
    return ENGLISH_WORD.findall(re.sub(r"\$[a-z_]+", " ", text))


def _codes_in(source: str, call: str) -> set[str]:
    return set(re.findall(call + r'\("([a-z_.]+)"\s*[,)]', source))


def test_no_evaluation_error_is_built_from_english_text():
    """Every RuleEvaluationError in the engine is built from a code (``failed``, ``.coded``), never from a sentence."""
    found = []
    for path in (ROOT / "engine").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "RuleEvaluationError" \
                    and node.args and not (isinstance(node.args[0], ast.Name) and node.args[0].id == "message"):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_every_code_either_runtime_throws_reads_in_both_languages_without_english_words():
    py = "\n".join(p.read_text(encoding="utf-8") for p in RULES.rglob("*.py"))
    js = (RULES / "runtime.js").read_text(encoding="utf-8")
    codes = {f"error.eval.{c}" for c in _codes_in(py, "failed") | _codes_in(js, "fail")}
    codes |= set(re.findall(r'"(error\.eval\.[a-z_.]+)"', py))
    codes |= {f"error.eval.expected.{kind}" for kind in EXPECTED_KINDS.values()}
    codes |= {f"error.eval.expected.{kind}" for kind in re.findall(r'\bbad\([a-z]+, "([a-z_]+)"\)', js)}
    assert len(codes) > 30  # the grep still finds what it is meant to
    english, chinese = (i18n.engine_catalogue()[loc] for loc in ("en", "zh-CN"))
    assert sorted(c for c in codes if c not in english or c not in chinese) == []
    params = {"value": "'v'", "id": "7", "name": "max", "low": 0, "high": 10, "max": "1,000", "reason": "x"}
    assert {c: _words_left(i18n.render(c, "zh-CN", params), params) for c in codes
            if _words_left(i18n.render(c, "zh-CN", params), params)} == {}


@pytest.mark.parametrize("text,values,code", FAILING, ids=[t for t, _, _ in FAILING])
def test_a_failing_rule_says_why_in_the_readers_language(text, values, code):
    rule = compile_rule(text, _scope(), name="check")
    with pytest.raises(RuleEvaluationError) as info:
        rule.evaluate(values, _context())
    err = info.value
    assert err.message_code == code
    assert err.message == i18n.render(code, "en", err.params)  # API clients keep the English text
    chinese = err.localized("zh-CN")
    assert re.search(r"[\u4e00-\u9fff]", chinese) and _words_left(chinese, err.params) == []


def test_the_browser_throws_a_coded_error_for_the_same_data():
    """The compiled JavaScript fails where the Python does, with a catalogue code (the same one, but where the Python
    reads an empty operand as the general "a value is needed" and the browser's helper names the operation)."""
    if NODE is None:
        pytest.fail("node is required (the compiled JavaScript runs under it)")
    cases, expected = [], []
    for text, values, code in FAILING:
        rule = compile_rule(text, _scope(), name="check")
        cases.append({"js": rule.js, "values": values, "ctx": _context().to_js(), "refs": {}})
        expected.append(code)
    outcomes = run_node(cases)
    english, chinese = (i18n.engine_catalogue()[loc] for loc in ("en", "zh-CN"))
    assert not any(o.get("foreign") for o in outcomes)
    assert [o.get("error") in english and o.get("error") in chinese for o in outcomes] == [True] * len(FAILING)
    assert [o["error"] for o, code in zip(outcomes, expected) if code != "error.eval.empty_needed"] == \
        [code for code in expected if code != "error.eval.empty_needed"]
