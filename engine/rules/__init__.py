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

#: The vendored browser libraries the runtime is built on (designer_ui/static/vendor/manifest.json).
VENDOR_DIR = Path(__file__).resolve().parents[2] / "designer_ui" / "static" / "vendor"
#: decimal.js and re2js, then runtime.js: both runtimes compute with one decimal context and one regex engine.
JS_LIBRARIES = (VENDOR_DIR / "decimal.js" / "decimal.js", VENDOR_DIR / "re2js" / "re2js.umd.js")


def _bundle() -> str:
    parts = []
    for path in JS_LIBRARIES:
        # run each library as a browser script even under node -e / CommonJS, so it defines its global
        parts.append(f"/* {path.parent.name} (see its LICENSE beside it) */\n"
                     "(function () { var module, exports, define;\n" + path.read_text(encoding="utf-8") +
                     "\n}).call(typeof globalThis !== 'undefined' ? globalThis : this);\n")
    parts.append((Path(__file__).with_name("runtime.js")).read_text(encoding="utf-8"))
    return "\n".join(parts)


#: The JS runtime the browser loads once before running compiled rules (`FormflowRules` global), with its libraries.
JS_RUNTIME: str = _bundle()

__all__ = ["CompiledRule", "FieldInfo", "JS_RUNTIME", "RuleCache", "RuleContext", "RuleError",
           "RuleEvaluationError", "RuleScope", "compile_rule"]
