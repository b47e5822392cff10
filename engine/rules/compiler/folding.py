"""rule-engine, made safe to parse untrusted rules with.

rule-engine folds constant sub-expressions while it parses (`"aaaa" =~ "(a+)+$"`, `d"9999-12-31" + t"P1D"`,
`inf - inf`, `0.1 + 0.2` in its own decimal context): that would run user patterns and unbounded work at
compile time, outside our limits, with rule-engine's semantics instead of ours. For contexts marked with
`no_folding(context)` every `reduce()` returns the node unchanged, so a rule is only ever evaluated by our
compiled code. rule-engine's pattern compiler is replaced by RE2 (linear time) for every context.
"""
from __future__ import annotations

from typing import Any

from rule_engine import ast as re_ast, errors as re_errors

from engine import patterns

_MARK = "_formflow_no_folding"


def no_folding(context: Any) -> Any:
    """Mark a rule-engine Context: rules parsed with it are not constant-folded."""
    setattr(context, _MARK, True)
    return context


def _guarded(original: Any) -> Any:
    def reduce(self: Any) -> Any:
        if getattr(getattr(self, "context", None), _MARK, False):
            return self
        return original(self)
    reduce.__wrapped__ = original  # type: ignore[attr-defined]
    reduce.__name__ = "reduce"
    return reduce


def _subclasses(cls: type) -> "list[type]":
    out = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_subclasses(sub))
    return out


for _cls in _subclasses(re_ast.ASTNodeBase):
    if "reduce" in _cls.__dict__ and not hasattr(_cls.__dict__["reduce"], "__wrapped__"):
        setattr(_cls, "reduce", _guarded(_cls.__dict__["reduce"]))


def _compile_regex_on_re2(node: Any, regex: str) -> Any:
    """rule-engine's pattern compiler, replaced: its reference evaluator (agreement tests) matches on RE2 too."""
    try:
        return patterns.compile_pattern(regex).for_text()  # rule-engine reads match objects over str
    except patterns.PatternRefused as exc:
        raise re_errors.RegexSyntaxError("invalid regular expression", error=exc, value=regex) from None


re_ast.FuzzyComparisonExpression._compile_regex = _compile_regex_on_re2
