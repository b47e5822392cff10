"""No rule can stall a process (issue 24): every compile of a hostile rule ends with a `RuleError` or a compiled rule,
never another exception, and never by running a user pattern or unbounded work at compile time.

No test here measures time (a busy CI machine would flake it): the 100 ms goal per compile is measured and printed
by bench/bench_rules.py over this same HOSTILE set; a compile that stalled would stall this test.
"""
from __future__ import annotations

import datetime as dt

import pytest

from engine.formrules import compile_form_rules
from engine.rules import CompiledRule, RuleContext, RuleError, RuleEvaluationError, RuleScope
from engine.rules.compiler import Compiler
from engine.rules.limits import MAX_EXPRESSION_DEPTH, MAX_NESTING

FIELDS = [{"id": "txt", "name": "txt", "type": "text"}, {"id": "num", "name": "num", "type": "number"},
          {"id": "valid_until", "name": "valid_until", "type": "date"}]
SCOPE = RuleScope.from_fields(FIELDS, None)

HOSTILE = {
    "nested quantifier on a field": 'txt =~ "(a+)+$"',
    "nested quantifier on a literal (rule-engine would fold it)": '"' + "a" * 40 + '" =~ "(a+)+$"',
    "many stars on a literal (rule-engine would fold it)": '"' + "a" * 40 + '" =~ "a*a*a*a*a*a*a*a*a*a*b"',
    "literal search, many stars": '"' + "a" * 25 + '" =~~ "a*a*a*a*a*a*a*a*a*a*b"',
    "pattern of alternatives": '"ab" =~ "(a|b|ab|ba)*c"',
    "huge repetition count": 'txt =~ "a{1000}{1000}"',
    "constant match folded": '"abc\\n" =~ "abc$"',
    "date overflow, constant": 'd"9999-12-31T00:00:00Z" + t"P1D" > $now',
    "date underflow, constant": 'd"0001-01-01T00:00:00Z" - t"PT1S" < $now',
    "date literal beyond 9999 by its offset": 'd"9999-12-31T23:00:00-05:00" > $now',
    "duration literal too long": 't"P99999999D" > t"P1D"',
    "inf - inf": "inf - inf",
    "nan literal": "num == nan",
    "number literal out of range": "1e400 > num",
    "2000-digit literal": "1" * 1990 + " > num",
    "0.1 + 0.2 == 0.3 (not folded)": "0.1 + 0.2 == 0.3",
    "power overflow, constant": "10 ** 1000 > 1",
    "1000-deep parentheses": "(" * 1000 + "1" + ")" * 1000 + " > 0",
    "600-deep parentheses": "(" * 600 + "1" + ")" * 600 + " > 0",
    "200 nested $abs": "$abs(" * 200 + "1" + ")" * 200 + " > 0",
    "1000-deep brackets": "[" * 1000 + "1" + "]" * 1000,
    "1000 nested not": "not " * 1000 + "true",
    "250 nested not": "not " * 250 + "true",
    "1000 unary minus": "-" * 1000 + "1 > 0",
    "200-term + chain": " + ".join(["num"] * 200) + " > 0",
    "200-term and chain": " and ".join(["true"] * 200),
    "200-term ** chain": " ** ".join(["1"] * 200) + " == 1",
    "200-term ?? chain": " ?? ".join(["num"] * 200) + " > 0",
    "deep ternaries": "true ? " * 150 + "1" + " : 2" * 150 + " > 0",
    "long text": '"' + "x" * 5000 + '" == txt',
    "101-item list": "num in [" + ", ".join(["1"] * 101) + "]",
    "nested comprehensions": "[[[x for x in [1]] for y in [1]] for z in [1]] == []",
    "unterminated text": '"abc',
    "unbalanced": "((num > 1)",
    "junk": "\x00\x01 $$ @@",
    "nul in pattern": 'txt =~ "a\\x00"',
    "lone surrogate pattern": 'txt =~ "\\ud800"',
    "add_days huge constant": "$add_days(valid_until, 1e300) > $today",
    "round digits huge": "$round(1e307, 1e300) > 0",
}


def _compile(text: str):
    try:
        return Compiler(SCOPE).compile(text, name="hostile")
    except RuleError as exc:
        return exc


@pytest.mark.parametrize("label", list(HOSTILE))
def test_every_hostile_compile_ends_with_a_rule_error_or_a_rule(label):
    outcome = _compile(HOSTILE[label])  # any other exception fails the test
    assert isinstance(outcome, (RuleError, CompiledRule)), outcome
    assert type(outcome) is not RuleEvaluationError


def test_what_must_be_refused_is_refused_with_a_position_and_what_compiles_evaluates_in_linear_time():
    for label in ("inf - inf", "nan literal", "600-deep parentheses", "number literal out of range",
                  "nested quantifier on a literal (rule-engine would fold it)", "1000-deep parentheses",
                  "1000 nested not", "200-term + chain", "duration literal too long", "unterminated text",
                  "date literal beyond 9999 by its offset"):
        outcome = _compile(HOSTILE[label])
        assert isinstance(outcome, RuleError), label
        assert outcome.rule == "hostile" and outcome.message and outcome.position is not None and outcome.line == 1
    assert _compile(HOSTILE["inf - inf"]).position == 0
    ctx = RuleContext(now=dt.datetime(2026, 3, 9, tzinfo=dt.timezone.utc))
    rule = _compile(HOSTILE["many stars on a literal (rule-engine would fold it)"])
    assert isinstance(rule, CompiledRule) and rule.evaluate({}, ctx) is False
    assert _compile(HOSTILE["0.1 + 0.2 == 0.3 (not folded)"]).evaluate({}, ctx) is True  # decimals: exact
    with pytest.raises(RuleEvaluationError, match="out of range"):
        _compile(HOSTILE["date overflow, constant"]).evaluate({}, ctx)


def test_a_rule_is_counted_before_it_is_parsed():
    assert "more than 300 parts" in _compile(HOSTILE["200-term + chain"]).message
    assert "more than 300 parts" in _compile(HOSTILE["1000 unary minus"]).message
    assert isinstance(_compile(" + ".join(["1"] * 60) + " > num"), CompiledRule)


def test_limits_are_ours_and_below_pythons():
    ok = " + ".join(["num"] * (MAX_EXPRESSION_DEPTH - 1)) + " > 0"  # a chain of n terms nests n - 1 deep
    assert isinstance(_compile(ok), CompiledRule)
    too_deep = " + ".join(["num"] * (MAX_EXPRESSION_DEPTH + 1)) + " > 0"
    assert "deeper than" in _compile(too_deep).message
    assert "deeper than" in _compile("(" * (MAX_NESTING + 1) + "1" + ")" * (MAX_NESTING + 1) + " > 0").message


def test_publishing_hostile_rules_reports_rule_errors_with_their_json_paths():
    definition = {"fields": FIELDS, "rules": [
        {"name": f"r{i}", "when": text, "effects": [{"field": "txt", "visible": True}]}
        for i, text in enumerate(HOSTILE.values())]}
    _, errors = compile_form_rules(definition, lambda key: [])  # nothing but RuleError escapes into this list
    paths = {e.path for e in errors}
    refused = [i for i, text in enumerate(HOSTILE.values()) if isinstance(_compile(text), RuleError)]
    assert refused and all(f"/rules/{i}/when" in paths for i in refused), paths
