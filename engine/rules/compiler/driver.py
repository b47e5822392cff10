"""The compile driver: rule text -> rule-engine AST (parsed and type-checked, never folded) -> a `CompiledRule`
holding a Python callable and a JavaScript function source, cached per scope."""
from __future__ import annotations

import datetime as _dt
import logging
import threading
from collections import OrderedDict
from typing import Any, Callable

import rule_engine
from rule_engine import errors as re_errors
from rule_engine.builtins import Builtins

from .. import functions as fns
from .. import runtime
from ..context import RuleContext
from ..errors import RuleError, RuleEvaluationError
from ..limits import (MAX_CACHED_RULES, MAX_EXPRESSION_DEPTH, MAX_GENERATED_CODE, MAX_NESTING, MAX_NODES,
                      MAX_RULE_LENGTH, MAX_TOKENS, count_tokens)
from ..scope import RuleScope
from .code import EXPECTED_KINDS, NODE_COMPILERS, Code, Env, Refusal, element_kind, kind_words
from .folding import no_folding
from .translate import UNSUPPORTED, Unusable, locate, suggest, translate

UTC = _dt.timezone.utc
log = logging.getLogger(__name__)


# -- compiled rule ----------------------------------------------------------------------------------
class CompiledRule:
    """A rule compiled once: evaluate many times in Python, or ship `.js` to the browser.

    `evaluate(values, ctx)` evaluates against record data keyed by field id and only ever raises
    `RuleEvaluationError`; numbers come back as floats (the nearest double of the decimal result, as in the
    browser). It is the generated function itself, which turns any failure into that error
    (`evaluation_error`), so an evaluation is one call."""

    def __init__(self, *, source: str, name: str | None, result_type: str, fields_used: frozenset[str],
                 js: str, python_source: str, fn: Callable[[dict, RuleContext], Any]) -> None:
        self.source = source
        self.name = name
        self.result_type = result_type
        self.fields_used = fields_used
        self.js = js
        self.python_source = python_source
        self.evaluate: Callable[[dict, RuleContext], Any] = fn

    def __repr__(self) -> str:
        return f"<CompiledRule {self.name or ''} {self.source!r} -> {self.result_type}>"


def evaluation_error(exc: Exception, name: str | None, text: str) -> RuleEvaluationError:
    """What a failure while evaluating the rule *name* becomes: a `RuleEvaluationError` naming the rule."""
    if isinstance(exc, RuleEvaluationError):
        if exc.rule is None:
            exc.rule, exc.text = name, text
        return exc
    if isinstance(exc, ZeroDivisionError):
        return RuleEvaluationError.coded("error.eval.division_by_zero", rule=name, text=text)
    if "NoneType" in str(exc):
        return RuleEvaluationError.coded("error.eval.empty_needed", rule=name, text=text)
    # the cause is ours (a defect), not the reader's: its English detail goes to the server log, the reader gets the code
    log.error("rule %r could not be evaluated: %s: %s; rule text: %r", name, type(exc).__name__, exc, text)
    return RuleEvaluationError.coded("error.eval.failed", rule=name, text=text)


_RESULT_NAMES = {"number": "number", "text": "text", "boolean": "boolean", "datetime": "datetime",
                 "timedelta": "duration", "array": "list", "null": "null"}


class Compiler:
    """Turns one rule text into a `CompiledRule` for one scope."""

    def __init__(self, scope: RuleScope) -> None:
        self.scope = scope
        self.objects: dict[str, RuleScope] = {}
        self._collect(scope, set())
        self.context = self._rule_engine_context()

    def _collect(self, scope: RuleScope, seen: set) -> None:
        if scope.key in seen:
            return
        seen.add(scope.key)
        self.objects[scope.key] = scope
        for info in scope.fields.values():
            for sub in (info.target, info.row):
                if sub is not None:
                    self._collect(sub, seen)

    def _type_of(self, name: str) -> Any:
        info = self.scope.get(name)
        if info is None:
            if name in self.scope.unusable:
                raise re_errors.SymbolResolutionError(name, suggestion=None) from Unusable(name, self.scope.unusable[name])
            raise re_errors.SymbolResolutionError(name, suggestion=suggest(name, self.scope.fields))
        return self.scope.data_type(name)

    def _rule_engine_context(self) -> rule_engine.Context:
        ctx = no_folding(rule_engine.Context(type_resolver=self._type_of, default_timezone="utc",
                                             mapping_attribute_lookup=False))
        ctx.builtins = Builtins.from_defaults(
            values={name: None for name in fns.builtin_types()},
            value_types=fns.builtin_types(), timezone=UTC)
        return ctx

    def compile(self, text: str, *, name: str | None = None, expect: str | None = None) -> CompiledRule:
        """The compiled rule, or a `RuleError` (never any other exception, whatever the text)."""
        if expect is not None and expect not in EXPECTED_KINDS:
            raise ValueError(f"unknown expect={expect!r}")
        try:
            return self._compile(text, name, expect)
        except RuleError as exc:
            error = exc
        except (RecursionError, MemoryError, SyntaxError):
            error = RuleError.coded("error.rule.compile.too_complex_deep", rule=name, text=text,
                                    max=MAX_EXPRESSION_DEPTH)
        except Exception as exc:  # noqa: BLE001 - whatever the cause, the admin gets a RuleError
            # a defect of ours: the English detail goes to the server log, the admin gets a coded message without it
            log.error("rule %r could not be compiled: %s: %s; rule text: %r", name, type(exc).__name__, exc, text,
                      exc_info=exc)
            error = RuleError.coded("error.rule.compile.failed", rule=name, text=text)
        if error.position is None:  # a problem of the whole rule: point at its start
            error = error.located(rule=name, text=text if isinstance(text, str) else "", position=0)
        raise error from None

    def _compile(self, text: str, name: str | None, expect: str | None) -> CompiledRule:
        def refuse(message_code: str, position: int | None = None, **params: Any) -> RuleError:
            return RuleError.coded(message_code, rule=name, text=text, position=position, **params)

        if not isinstance(text, str) or not text.strip():
            raise refuse("error.rule.compile.empty")
        if len(text) > MAX_RULE_LENGTH:
            raise refuse("error.rule.compile.too_long", MAX_RULE_LENGTH, max=MAX_RULE_LENGTH)
        if count_tokens(text) > MAX_TOKENS:
            raise refuse("error.rule.compile.too_many_tokens", 0, max=MAX_TOKENS)
        depth = 0
        for i, ch in enumerate(text):
            depth += ch in "([{"
            depth -= ch in ")]}"
            if depth > MAX_NESTING:
                raise refuse("error.rule.compile.nests_deeper", i, max=MAX_NESTING)
        try:
            rule = rule_engine.Rule(text, context=self.context)
        except re_errors.EngineError as exc:
            raise translate(exc, text, name) from None
        env = Env(scope=self.scope, objects=self.objects)
        self.env, self.text = env, text
        try:
            code = self.expr(rule.statement.expression)
        except Refusal as r:
            raise refuse(r.message_code, locate(text, r.needle), **r.params) from None
        kind = code.kind
        if kind in ("undefined", "unsupported", "object"):
            raise refuse("error.rule.compile.not_plain_result")
        if expect is not None and EXPECTED_KINDS[expect] is not None and kind not in EXPECTED_KINDS[expect] \
                and kind != "null":
            raise refuse("error.rule.compile.wrong_result", kind=kind_words(kind), expect=kind_words(expect))
        result_py, out = code.py, code.js
        items = element_kind(code.dtype) if kind == "array" else None
        if kind == "number":
            result_py, out = f"to_float({code.py})", f"rt.outNumber({code.js})"
        elif kind == "datetime":
            out = f"rt.outTime({code.js})"
        elif kind == "timedelta":
            out = f"rt.outDuration({code.js})"
        elif items in ("number", "datetime", "timedelta"):
            convert = {"number": "Number", "datetime": "Time", "timedelta": "Duration"}[items]
            out = f"rt.iter({code.js}).map(rt.out{convert})"
            if items == "number":
                result_py = f"to_floats({code.py})"
        # any data-dependent failure is an evaluation error naming the rule
        py_src = (f"def _rule(values, ctx):\n    try:\n        return {result_py}\n"
                  "    except Exception as exc:  # noqa: BLE001\n        raise _failed(exc) from None\n")
        temps = "".join(f", t{i}" for i in range(1, env.js_temps + 1))
        js = ("function (values, ctx) {\n  var rt = FormflowRules" + temps + ";\n"
              f"  try {{ return {out}; }}\n"
              "  catch (e) { if (e instanceof rt.RuleEvaluationError) throw e;"
              " if (typeof console !== \"undefined\") console.error(e); throw new rt.RuleEvaluationError(\"failed\"); }\n}")
        if len(py_src) > MAX_GENERATED_CODE or len(js) > MAX_GENERATED_CODE:
            raise refuse("error.rule.compile.too_complex")
        namespace = dict(runtime.NAMESPACE)
        namespace.update(env.consts)
        namespace["_failed"] = lambda exc: evaluation_error(exc, name, text)
        exec(compile(py_src, f"<rule {name or ''}>", "exec"), namespace)  # noqa: S102 - our own generated code
        return CompiledRule(source=text, name=name, result_type=_RESULT_NAMES.get(kind, kind),
                            fields_used=frozenset(env.fields_used), js=js, python_source=py_src,
                            fn=namespace["_rule"])

    def expr(self, node: Any) -> Code:
        env = self.env
        env.nodes += 1
        if env.nodes > MAX_NODES:
            raise Refusal("error.rule.compile.too_many_nodes", max=MAX_NODES)
        handler = NODE_COMPILERS.get(type(node))
        if handler is None:
            what = type(node).__name__
            raise Refusal(UNSUPPORTED[what]) if what in UNSUPPORTED else Refusal("error.rule.compile.unsupported", what=what)
        env.depth += 1
        if env.depth > MAX_EXPRESSION_DEPTH:
            raise Refusal("error.rule.compile.operations_deeper", max=MAX_EXPRESSION_DEPTH)
        try:
            return handler.compile(self, node)
        finally:
            env.depth -= 1


# -- public entry point with a cache -----------------------------------------------------------------
class RuleCache:
    """Compiled rules keyed by (scope fingerprint, text, name, expect); LRU-bounded."""

    def __init__(self, size: int = MAX_CACHED_RULES) -> None:
        self.size = size
        self._rules: OrderedDict[tuple, CompiledRule] = OrderedDict()
        self._compilers: OrderedDict[str, Compiler] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str, scope: RuleScope, name: str | None, expect: str | None) -> CompiledRule:
        key = (scope.fingerprint, text, name, expect)
        with self._lock:
            hit = self._rules.get(key)
            if hit is not None:
                self._rules.move_to_end(key)
                return hit
            compiler = self._compilers.get(scope.fingerprint)
            if compiler is None or compiler.scope is not scope:
                compiler = Compiler(scope)
                self._compilers[scope.fingerprint] = compiler
                if len(self._compilers) > 64:
                    self._compilers.popitem(last=False)
            compiled = compiler.compile(text, name=name, expect=expect)
            self._rules[key] = compiled
            if len(self._rules) > self.size:
                self._rules.popitem(last=False)
            return compiled

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._compilers.clear()


RULE_CACHE = RuleCache()


def compile_rule(text: str, scope: RuleScope, *, name: str | None = None, expect: str | None = None) -> CompiledRule:
    """Compile *text* for *scope* (cached). `expect="boolean"` for conditions; a result kind for formulas."""
    return RULE_CACHE.get(text, scope, name, expect)
