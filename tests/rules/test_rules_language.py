"""Unit tests of the rule language: scope typing, the scenario's rules, null semantics, functions,
compile-time refusals with positions, safety limits, cache, and context ($today in a time zone)."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from engine import i18n
from engine.rules import (JS_RUNTIME, CompiledRule, RuleContext, RuleError, RuleEvaluationError, RuleScope,
                          compile_rule)
from engine.rules.limits import MAX_NESTING, MAX_RULE_LENGTH

UTC = dt.timezone.utc
NOW = dt.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

CUSTOMER = [{"id": "c_name", "name": "name", "type": "text"},
            {"id": "c_level", "name": "level", "type": "select",
             "options": {"choices": [{"value": "key"}, {"value": "main"}]}},
            {"id": "c_owner", "name": "owner", "type": "user"}]
FOLLOW_UP = [
    {"id": "f1", "name": "customer", "type": "reference", "options": {"form": "customer"}},
    {"id": "f2", "name": "method", "type": "select"},
    {"id": "f3", "name": "content", "type": "textarea"},
    {"id": "f4", "name": "enable_reminder", "type": "boolean"},
    {"id": "f5", "name": "next_follow_up", "type": "datetime"},
    {"id": "f6", "name": "amount", "type": "money"},
    {"id": "f7", "name": "due", "type": "date"},
    {"id": "f8", "name": "tags", "type": "multiselect"},
    {"id": "f9", "name": "items", "type": "subtable",
     "options": {"fields": [{"id": "qty", "name": "qty", "type": "number"}]}},
    {"id": "f10", "name": "old", "type": "text", "deleted": True},
    {"id": "f11", "name": "file", "type": "attachment"},
]
RECORDS = {("customer", 7): {"c_name": "ACME", "c_level": "key", "c_owner": 3}}


@pytest.fixture()
def scope():
    return RuleScope.from_fields(FOLLOW_UP, lambda key: CUSTOMER if key == "customer" else None)


@pytest.fixture()
def ctx():
    return RuleContext(now=NOW, tz="Asia/Shanghai", user_id=3,
                       load_reference=lambda form, rid: RECORDS.get((form, rid)))


def ev(text, scope, ctx, values, **kw):
    return compile_rule(text, scope, **kw).evaluate(values, ctx)


def test_scope_types(scope):
    assert scope.get("customer").target.get("level").choices == ["key", "main"]
    assert scope.get("items").row.get("qty").type == "number"
    assert "old" in scope.unusable and "file" in scope.unusable


def test_scenario_rules(scope, ctx):
    show = compile_rule("enable_reminder == true", scope, name="show next", expect="boolean")
    assert show.evaluate({"f4": True}, ctx) is True
    assert show.evaluate({}, ctx) is False
    later = compile_rule("next_follow_up > $now", scope, expect="boolean")
    assert later.evaluate({"f5": "2024-05-02T00:00:00Z"}, ctx) is True
    assert later.evaluate({"f5": "2024-05-01T00:00:00Z"}, ctx) is False
    visit = compile_rule("method == 'visit' and content.length >= 10", scope, expect="boolean")
    assert visit.evaluate({"f2": "visit", "f3": "0123456789"}, ctx) is True
    assert visit.evaluate({"f2": "visit", "f3": "short"}, ctx) is False
    assert visit.fields_used == frozenset({"f2", "f3"})
    assert "function (values, ctx)" in visit.js and "FormflowRules" in JS_RUNTIME


def test_reference_and_rows(scope, ctx):
    r = compile_rule("customer.level == 'key' and customer.owner == $user_id", scope)
    assert r.evaluate({"f1": 7}, ctx) is True
    assert r.fields_used == frozenset({"f1", "f1.c_level", "f1.c_owner"})
    with pytest.raises(RuleEvaluationError):
        r.evaluate({"f1": None}, ctx)
    assert ev("customer&.level", scope, ctx, {"f1": 99}) is None  # dangling reference -> null
    rows = {"f9": [{"qty": 1}, {"qty": 5}]}
    assert ev("$any([r.qty > 3 for r in items])", scope, ctx, rows) is True
    assert ev("$sum([r.qty for r in items])", scope, ctx, rows) == 6.0
    assert "f9.qty" in compile_rule("[r.qty for r in items].length", scope).fields_used


def test_null_semantics(scope, ctx):
    assert ev("amount == null", scope, ctx, {}) is True
    assert ev("amount != 3", scope, ctx, {}) is True
    for text in ("amount > 3", "amount + 1", "content.length", "'x' in content"):
        with pytest.raises(RuleEvaluationError):
            ev(text, scope, ctx, {})
    assert ev("amount ?? 0", scope, ctx, {}) == 0.0
    assert ev("content&.length", scope, ctx, {}) is None
    assert ev("'visit' in tags", scope, ctx, {"f8": ["visit"]}) is True


def test_functions_and_dates(scope, ctx):
    assert ev("$round(amount * 1.5, 1)", scope, ctx, {"f6": "10.05"}) == 15.1
    assert ev("$trim(content)", scope, ctx, {"f3": "  hi "}) == "hi"
    assert ev("$is_empty(content) and $is_empty(tags)", scope, ctx, {"f3": "", "f8": []}) is True
    assert ev("$days_between($today, due)", scope, ctx, {"f7": "2024-05-11"}) == 10.0  # 20:00 in Shanghai: still 2024-05-01
    assert ev("$add_days(due, 3)", scope, ctx, {"f7": "2024-05-11"}) == dt.datetime(2024, 5, 14, tzinfo=UTC)
    assert ev("(next_follow_up - $now).days", scope, ctx, {"f5": "2024-05-03T13:00:00Z"}) == 2.0
    assert ev("$max([amount, 3])", scope, ctx, {"f6": "2.50"}) == 3.0
    assert ev("content.as_upper.starts_with('AB')", scope, ctx, {"f3": "abc"}) is True


def test_today_uses_workspace_time_zone():
    late = dt.datetime(2024, 5, 1, 20, 0, tzinfo=UTC)
    assert RuleContext(now=late, tz="Asia/Shanghai").today == dt.datetime(2024, 5, 2, tzinfo=UTC)
    assert RuleContext(now=late, tz="America/New_York").today == dt.datetime(2024, 5, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        RuleContext(now=dt.datetime(2024, 5, 1))


def test_bad_record_values_are_evaluation_errors(scope, ctx):
    r = compile_rule("amount > 1", scope)
    for bad in ("12,5", True, {"x": 1}):
        with pytest.raises(RuleEvaluationError) as info:
            r.evaluate({"f6": bad}, ctx)
        assert info.value.rule is None or isinstance(info.value.rule, str)
    with pytest.raises(RuleEvaluationError):
        ev("next_follow_up > $now", scope, ctx, {"f5": "tomorrow"})
    with pytest.raises(RuleEvaluationError):
        ev("amount / 0", scope, ctx, {"f6": "1"})


@pytest.mark.parametrize("text, fragment, position", [
    ("nmae == 'x'", "unknown field 'nmae'", 0),
    ("method == 'x' and custmer.level == 'key'", "unknown field 'custmer'", 18),
    ("customer.levle == 'key'", "no field 'levle'", 8),
    ("old == 'x'", "cannot be used in rules: the field is deleted", 0),
    ("method ==", "ends too early", 9),
    ("method == 'x' ) ", "syntax error", 14),
    ("content =~ '(a+)+'", "nested repetition", 12),
    ("content =~ '(a)\\\\1'", "escape", 8),
    ("$random() > 1", "not available", 0),
    ("method and true", "true/false", 0),
    ("amount == 'x'", "never be equal", 0),
    ("amount > method", "different kinds", 7),  # at the operator: "'>' cannot be used between a number and a text"
])
def test_compile_errors_have_location(scope, text, fragment, position):
    with pytest.raises(RuleError) as info:
        compile_rule(text, scope, name="check")
    err = info.value
    assert fragment in err.message and err.rule == "check"
    assert err.position == position
    d = err.to_dict()
    assert set(d) == {"rule", "position", "line", "column", "message"}
    if position is not None:
        assert d["line"] == 1 and d["column"] == position + 1


def test_expect_result_type(scope):
    assert compile_rule("amount * 2", scope, expect="number").result_type == "number"
    assert compile_rule("$add_days(due, 1)", scope, expect="date").result_type == "datetime"
    with pytest.raises(RuleError, match="gives a number but a boolean"):
        compile_rule("amount * 2", scope, expect="boolean")


def test_limits(scope):
    with pytest.raises(RuleError, match="longer than"):
        compile_rule("amount > 1 or " * (MAX_RULE_LENGTH // 10) + "true", scope)
    with pytest.raises(RuleError, match="nests deeper"):
        compile_rule("(" * (MAX_NESTING + 1) + "true" + ")" * (MAX_NESTING + 1), scope)
    with pytest.raises(RuleError, match="repetition counts"):
        compile_rule("content =~ 'a{1,1000}'", scope)
    with pytest.raises(RuleError, match="fixed text pattern"):
        compile_rule("content =~ method", scope)
    with pytest.raises(RuleError, match="not supported"):
        compile_rule("{1: 2}", scope)


def test_cache_and_multiline_position(scope):
    a = compile_rule("amount > 1", scope)
    assert isinstance(a, CompiledRule) and compile_rule("amount > 1", scope) is a
    with pytest.raises(RuleError) as info:
        compile_rule("amount > 1 and\n  nope == 2", scope)
    assert (info.value.line, info.value.column) == (2, 3)


def test_arithmetic_with_a_literal_keeps_the_value_model():
    """`a op k` with a number literal takes a shorter path in Python (numbers.with_literal); its results and errors
    are those of the general path: exact decimals, no negative zero, the range error, division by zero."""
    scope = RuleScope.from_fields([{"id": "n", "name": "n", "type": "number"}], None)
    ctx = RuleContext(now=NOW)
    assert compile_rule("n * 1.1", scope, expect="number").evaluate({"n": 0.1}, ctx) == 0.11  # not 0.11000000000000001
    assert compile_rule("0.1 + n == 0.3", scope).evaluate({"n": 0.2}, ctx) is True
    assert compile_rule("3 - n", scope, expect="number").evaluate({"n": 0.5}, ctx) == 2.5
    assert compile_rule("1 / n", scope, expect="number").evaluate({"n": 4}, ctx) == 0.25
    zero = compile_rule("n * 0", scope, expect="number").evaluate({"n": -5.0}, ctx)
    assert zero == 0 and str(zero) == "0.0"  # +0, never -0
    for text, values, message in [("n * 1e300", {"n": 1e10}, "out of range"), ("n / 0", {"n": 1}, "division by zero"),
                                  ("1e-300 * n", {"n": 1e-10}, "out of range"), ("n * 2", {}, "empty value")]:
        with pytest.raises(RuleEvaluationError, match=message):
            compile_rule(text, scope, expect="number").evaluate(values, ctx)


def test_a_list_built_with_for_over_a_list_using_coalesce_compiles():
    """Python refuses `:=` in a comprehension's iterable; `??` and number reads use it, so the list is walked
    inside a lambda (the rule was refused as "too complex" before)."""
    scope = RuleScope.from_fields([{"id": "n", "name": "n", "type": "number"}], None)
    rule = compile_rule("[x * 2 for x in [n ?? 1, n ?? 2]] == [2, 4]", scope)
    assert rule.evaluate({}, RuleContext(now=NOW)) is True
    assert rule.evaluate({"n": 3}, RuleContext(now=NOW)) is False


@pytest.mark.parametrize("text", ["old == 'x'", "file == 'x'"])
def test_why_a_field_cannot_be_used_reads_in_the_readers_language(scope, text):
    """A field that exists but can't be named in rules (deleted, or of a type rules don't read) says why in Chinese
    too: the reason is a catalogue text (error.rule.unusable.*), not English words inside the Chinese sentence."""
    with pytest.raises(RuleError) as info:
        compile_rule(text, scope, name="check")
    err = info.value
    assert err.message_code == "error.rule.compile.unusable_field"
    zh = i18n.render(err.message_code, "zh-CN", err.params)
    assert "不能在规则中使用" in zh and not re.search(r"[A-Za-z]{3,}", zh.replace(text.split()[0], "")), zh
