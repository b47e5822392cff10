"""A rule that fails for a reason of ours (a defect, not the admin's text) gives the reader a coded message in their
language without the English exception text, and the server log keeps that detail with the rule text. A position
that is not a whole number is refused when the rule is compiled, and `name[1.0]`, `name[-2]` still compile.
Chinese messages join a kind word to its sentence without spaces ("文本没有属性", not "文本 值没有属性")."""
from __future__ import annotations

import datetime as dt
import logging
import re

import pytest

from engine import i18n
from engine.rules import RuleContext, RuleError, RuleEvaluationError, RuleScope, compile_rule
from engine.rules.compiler import driver
from engine.rules.compiler.code import kind_words
from tests.core.sample import CUSTOMER

SCOPE = RuleScope.from_fields(CUSTOMER["fields"], lambda key: None)
ASCII_WORD = re.compile(r"[A-Za-z]{2,}")


def _words_not_typed(message: str, typed: str) -> list[str]:
    return [w for w in ASCII_WORD.findall(message) if w not in ASCII_WORD.findall(typed) and w != "formflow"]


def test_a_compile_defect_reads_in_chinese_without_its_english_detail_and_is_logged(monkeypatch, caplog):
    def broken(self, node):
        raise KeyError("internal table lookup went wrong")

    monkeypatch.setattr(driver.Compiler, "expr", broken)
    text = "name == 'Acme Zeta'"
    with caplog.at_level(logging.ERROR, logger=driver.__name__), pytest.raises(RuleError) as info:
        compile_rule(text + " ", SCOPE, name="defect_check")  # a text no other test has cached
    err = info.value
    assert err.message_code == "error.rule.compile.failed" and err.params == {}
    chinese = err.localized("zh-CN")
    assert _words_not_typed(chinese, text) == [] and re.search(r"[\u4e00-\u9fff]", chinese), chinese
    assert "KeyError" not in err.message and "internal" not in err.message
    logged = caplog.text
    assert "KeyError" in logged and "internal table lookup went wrong" in logged and "Acme Zeta" in logged


def test_an_evaluation_defect_reads_in_chinese_without_its_english_detail_and_is_logged(caplog):
    with caplog.at_level(logging.ERROR, logger=driver.__name__):
        err = driver.evaluation_error(LookupError("stored value table broken"), "defect_eval", "employees > 1")
    assert isinstance(err, RuleEvaluationError) and err.message_code == "error.eval.failed" and err.params == {}
    chinese = err.localized("zh-CN")
    assert _words_not_typed(chinese, "employees > 1") == [] and re.search(r"[\u4e00-\u9fff]", chinese), chinese
    assert "LookupError" in caplog.text and "stored value table broken" in caplog.text and "employees > 1" in caplog.text


def test_the_browser_code_of_a_failure_carries_no_english_reason():
    js = compile_rule("employees > 1", SCOPE, name="js_failed").js
    assert 'RuleEvaluationError("failed")' in js and "reason" not in js


@pytest.mark.parametrize("text", ["name[1.0] == 'a'", "name[-2] == 'a'", "name[1:2] == 'a'", "name[employees] == 'a'"])
def test_whole_positions_still_compile(text):
    assert compile_rule(text, SCOPE, name="whole").result_type == "boolean"


def test_a_position_that_is_not_whole_fails_in_python_and_in_the_browser_only_when_it_comes_from_data():
    rule = compile_rule("name[employees] == 'a'", SCOPE, name="data_position")
    ctx = RuleContext(now=dt.datetime(2026, 3, 10, tzinfo=dt.timezone.utc), tz="UTC", user_id=1,
                      load_reference=lambda form, rid: None)
    with pytest.raises(RuleEvaluationError) as info:
        rule.evaluate({"name": "abc", "employees": 1.5}, ctx)
    assert info.value.message_code == "error.eval.index_whole"
    assert "rt.item(" in rule.js  # runtime.js's item() fails with the same code ("index_whole")


@pytest.mark.parametrize("text,words", [
    ("name.nosuch == 'a'", "文本没有属性"),
    ("employees.length > 1", "数字没有属性"),
])
def test_chinese_joins_a_kind_word_without_a_space(text, words):
    with pytest.raises(RuleError) as info:
        compile_rule(text, SCOPE, name="kinds")
    chinese = info.value.localized("zh-CN")
    assert words in chinese and not re.search(r"[\u4e00-\u9fff] [\u4e00-\u9fff]", chinese), chinese


KIND_MESSAGES = ["arithmetic_kind", "cannot_combine", "coalesce_mixed", "in_container", "in_member_kind", "needs_boolean",
                 "never_equal", "no_attribute", "no_method", "order_kind", "ternary_mixed", "wrong_result", "argument_kind",
                 "mixed_operands", "operand_kind", "needs_kind"]


@pytest.mark.parametrize("code", KIND_MESSAGES)
def test_every_message_with_kind_words_reads_without_a_space_around_them_in_chinese(code):
    words = {key: kind_words(kind) for key, kind in (("kind", "text"), ("left", "number"), ("right", "text"),
                                                      ("expect", "boolean"), ("yes", "number"), ("no", "text"),
                                                      ("items", "number"), ("member", "text"))}
    chinese = i18n.render("error.rule.compile." + code, "zh-CN", {**words, "op": "+", "name": "x", "call": "$f",
                                                                    "n": 1, "what": "and"})
    assert not re.search(r"[\u4e00-\u9fff] [\u4e00-\u9fff]", chinese), chinese
