"""Compile rule texts once into a Python callable and a JavaScript function.

The text is parsed and type-checked by rule-engine (with a type resolver built from the form's `RuleScope`,
and constant folding switched off: `folding`), then its AST is walked once: each node class has a registered
`NodeCompiler` (`literals`, `access`, `operators`) that emits the Python and the JavaScript expression for the
node. `driver` compiles the Python source into `fn(values, ctx)` and wraps the JS source as
`function(values, ctx){...}` over runtime.js; anything outside the supported subset, and any failure at all
while compiling, is a `RuleError`.
"""
from . import access, literals, operators  # noqa: F401 - registers the node compilers
from .driver import RULE_CACHE, CompiledRule, Compiler, RuleCache, compile_rule

__all__ = ["RULE_CACHE", "CompiledRule", "Compiler", "RuleCache", "compile_rule"]
