"""rule-engine's refusals (parser, literals, type checks, function calls, attributes) each become a formflow code whose
params are what the admin typed or words per language: read in zh-CN, no English sentence of rule-engine's is left,
and the place is kept where it is known (issue 21, point 8)."""
from __future__ import annotations

import re

import pytest

from engine.rules import RuleError, RuleScope, compile_rule
from tests.core.sample import CUSTOMER

SCOPE = RuleScope.from_fields(CUSTOMER["fields"], lambda key: None)
#: quoted or typed parts of a message (kept as written), and the rule language's `$functions` and `.methods()`
TYPED = re.compile(r"'[^']*'|\"[^\"]*\"|“[^”]*”|\$\w+|\.\w+\(\)|\[[^\]]*\]")

#: (rule, its code, position or None, English words its message has in English)
CASES = [
    ("employees @ 1", "illegal_character", 10, "character"),
    ("name == 'Acme", "unclosed_text", 8, "not closed"),
    ("name == \"Acme", "unclosed_text", 8, "not closed"),
    ("$abs('x') > 1", "argument_kind", 0, "argument 1 must be a number, not a text"),
    ("$days_between(1, since) > 1", "argument_kind", 0, "argument 1 must be a date and time, not a number"),
    ("$sum(tags) > 1", "argument_kind", 0, "list of number values, not a list of text values"),
    ("name.starts_with(5)", "argument_kind", 4, ".starts_with(): argument 1"),
    ("$round(1, 2, 3) > 1", "too_many_arguments", 0, "at most 2 arguments"),
    ("$abs() > 1", "too_few_arguments", 0, "at least 1 argument"),
    ("name.starts_with('a', 'b')", "too_many_arguments", 4, "at most 1 argument"),
    ("employees > 'a'", "mixed_operands", 10, "between a number and a text"),
    ("since > 5", "mixed_operands", 6, "between a date and time and a number"),
    ("5 in name", "mixed_operands", 2, "'in' cannot be used between a number and a text"),
    ("1 / 'a' > 0", "operand_kind", 2, "'/' cannot be used with a text"),
    ("active + 1 > 2", "operand_kind", 7, "'+' cannot be used with a boolean"),
    ("name['a'] == 'b'", "needs_whole_number", 0, "whole number"),
    ("name[1.5] == 'b'", "needs_whole_number", 5, "whole number"),  # refused when saved, not when the rule runs
    ("name[-0.5] == 'b'", "needs_whole_number", 5, "whole number"),
    ("name[1:2.5] == 'b'", "needs_whole_number", 7, "whole number"),
    ("name[.5:] == 'b'", "needs_whole_number", 5, "whole number"),
    ("employees > 1.5 and tags[1.5] == 'b'", "needs_whole_number", 25, "whole number"),
    ("since == d'2024-13-01'", "invalid_date_literal", 11, "'2024-13-01' is not a valid date"),
    ("t'P1X' > t'P1D'", "invalid_duration_literal", 2, "'P1X' is not a valid duration"),
    ("'\\x' == name", "invalid_text_literal", 1, "the text '\\x' is not valid"),
    ("name.nosuch == 'a'", "no_attribute", 4, "text values have no attribute 'nosuch'"),
    ("employees.length > 1", "no_attribute", 9, "number values have no attribute 'length'"),
    ("since.yeer > 1", "unknown_attribute_suggest", 5, "did you mean 'year'"),
]


@pytest.mark.parametrize("text,code,position,english", CASES, ids=[c[0] for c in CASES])
def test_a_rule_engine_refusal_has_its_own_code_and_reads_in_chinese(text, code, position, english):
    with pytest.raises(RuleError) as info:
        compile_rule(text, SCOPE, name="check")
    err = info.value
    assert err.message_code == "error.rule.compile." + code, (text, err.message_code, err.params)
    assert err.position == position and english in err.message, (text, err.position, err.message)
    chinese = err.localized("zh-CN")
    left = TYPED.sub(" ", chinese)
    for value in sorted({text, *re.findall(r"[A-Za-z_]\w*", text)}, key=len, reverse=True):  # what the admin typed
        left = re.sub(r"(?<![A-Za-z0-9_])" + re.escape(value) + r"(?![A-Za-z0-9_])", " ", left)
    assert [w for w in re.findall(r"[A-Za-z]{2,}", left) if w != "formflow"] == [], (text, chinese)  # the product's name
    assert re.search(r"[\u4e00-\u9fff]", chinese), chinese


def test_no_param_is_a_sentence_of_rule_engine():
    """Params are typed text, numbers or words per language: nothing like 'data type mismatch (argument #1)'."""
    for text, *_ in CASES:
        with pytest.raises(RuleError) as info:
            compile_rule(text, SCOPE)
        for value in info.value.params.values():
            words = value.get("en", "") if isinstance(value, dict) else str(value)
            assert not re.search(r"mismatch|syntax error|illegal|positional|literal|#\d", words), (text, value)
