"""The formflow rule language: conditions and formulas over a form's fields.

Rules use rule-engine's syntax and type checker; they are compiled once into a Python callable and a
JavaScript function with the same semantics (see docs/rules.md). Public API:
`compile_rule`, `CompiledRule`, `RuleScope`, `FieldInfo`, `RuleContext`, `RuleError`,
`RuleEvaluationError`, `JS_RUNTIME`.
"""
from pathlib import Path

from .compiler import CompiledRule, RuleCache, compile_rule
from .context import RuleContext
from .errors import RuleError, RuleEvaluationError
from .scope import FieldInfo, RuleScope

#: The JS runtime the browser loads once before running compiled rules (`FormflowRules` global).
JS_RUNTIME: str = (Path(__file__).with_name("runtime.js")).read_text(encoding="utf-8")

__all__ = ["CompiledRule", "FieldInfo", "JS_RUNTIME", "RuleCache", "RuleContext", "RuleError",
           "RuleEvaluationError", "RuleScope", "compile_rule"]
