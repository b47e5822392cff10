"""rule-engine's exceptions, and our refusals, as `RuleError`s an admin understands, located in the text."""
from __future__ import annotations

import difflib
import logging
import re

from rule_engine import ast as re_ast, errors as re_errors

from engine import i18n

from .. import functions as fns
from ..errors import RuleError
from .code import element_kind, kind_of, kind_words

_log = logging.getLogger(__name__)

#: rule-engine expressions formflow refuses, and the message code saying so
UNSUPPORTED = {"SetExpression": "error.rule.compile.no_sets", "MappingExpression": "error.rule.compile.no_mappings",
               "BytesExpression": "error.rule.compile.no_bytes",
               "BitwiseExpression": "error.rule.compile.no_bitwise",
               "BitwiseShiftExpression": "error.rule.compile.no_shifts"}


class Unusable(Exception):
    def __init__(self, name: str, reason: dict[str, str]) -> None:  # reason: its text per language
        super().__init__(reason.get("en", ""))
        self.name, self.reason = name, reason


def suggest(name: str, fields: dict) -> str | None:
    match = difflib.get_close_matches(name, list(fields), n=1)
    return match[0] if match else None


def locate(text: str, needle: str | tuple | int | None) -> int | None:
    if isinstance(needle, int):  # already a position in the text
        return needle
    if not needle:
        return None
    if isinstance(needle, tuple):
        for one in needle:
            found = locate(text, one)
            if found is not None:
                return found
        return None
    if re.fullmatch(r"[$.]?[A-Za-z_][A-Za-z0-9_]*", needle):
        before = "" if needle[0] == "." else r"(?<![A-Za-z0-9_$])"
        m = re.search(before + re.escape(needle) + r"(?![A-Za-z0-9_])", text)
        if m is None and needle[0] == ".":
            m = re.search(re.escape("&" + needle), text)
        return m.start() if m else None
    idx = text.find(needle)
    return idx if idx >= 0 else None


def translate(exc: Exception, text: str, name: str | None) -> RuleError:
    """rule-engine's exception -> a RuleError an admin understands, located in the text when possible. Its params are
    what the admin typed (names, a literal, an operator) or words given in every language (a kind of value): never
    rule-engine's English sentence."""
    position: int | None = None
    params: dict = {}
    if isinstance(exc, re_errors.SymbolResolutionError):
        cause = exc.__cause__
        if isinstance(cause, Unusable):
            code, params = "error.rule.compile.unusable_field", {"name": cause.name, "reason": cause.reason}
        elif exc.symbol_scope == "built-in":
            code, params = "error.rule.compile.unknown_builtin", {"name": exc.symbol_name}
        else:
            code, params = _maybe_suggest("error.rule.compile.unknown_field", exc.symbol_name, exc.suggestion)
        position = locate(text, ("$" if exc.symbol_scope == "built-in" else "") + exc.symbol_name)
    elif isinstance(exc, re_errors.ObjectAttributeError):
        code, params = _maybe_suggest("error.rule.compile.no_referenced_field", exc.attribute_name,
                                      getattr(exc, "suggestion", None))
        position = locate(text, "." + exc.attribute_name)
    elif isinstance(exc, re_errors.AttributeResolutionError):
        code, params = _unknown_attribute(exc)
        position = locate(text, "." + exc.attribute_name)
    elif isinstance(exc, re_errors.AttributeTypeError):
        code, params = "error.rule.compile.attribute_kind", {"name": exc.attribute_name}
        position = locate(text, "." + exc.attribute_name)
    elif isinstance(exc, re_errors.SymbolTypeError):
        code, params = "error.rule.compile.symbol_kind", {"name": exc.symbol_name}
        position = locate(text, exc.symbol_name)
    elif isinstance(exc, re_errors.RuleSyntaxError):
        code, params, position = _syntax(exc, text)
    elif isinstance(exc, re_errors.RegexSyntaxError):
        code, params = "error.rule.compile.invalid_pattern", {"why": str(getattr(exc.error, "reason", exc.error))}
        at = text.find(exc.value) if exc.value else -1
        position = at + (getattr(exc.error, "position", None) or 0) if at >= 0 else locate(text, ("=~", "!~"))
    elif isinstance(exc, tuple(LITERALS)):
        code = next(c for cls, c in LITERALS.items() if isinstance(exc, cls))
        params = {"value": f"'{exc.value}'" if isinstance(exc.value, str) else "''"}
        position = locate(text, exc.value) if exc.value else None
    elif isinstance(exc, re_errors.FunctionCallError):
        code, params, position = _function_call(exc, text)
    elif isinstance(exc, re_errors.LookupError):
        code = "error.rule.compile.no_such_item"
        position = locate(text, "[")
    elif isinstance(exc, re_errors.ArithmeticError):
        code = "error.rule.compile.arithmetic_failed"
    elif isinstance(exc, re_errors.EvaluationError) and "data type mismatch" in exc.message:
        code, params, position = _mismatch(exc, text)
    else:  # rule-engine's other refusals (internal): the rule as a whole, its English text kept in the log only
        _log.info("rule %r not compiled: %r", name, exc)
        code = "error.rule.compile.not_understood"
    return RuleError.coded(code, rule=name, text=text, position=position, **params)


#: rule-engine's refusal of a literal as written, and the code saying which kind of literal it is
LITERALS = {re_errors.StringSyntaxError: "error.rule.compile.invalid_text_literal",
            re_errors.DatetimeSyntaxError: "error.rule.compile.invalid_date_literal",
            re_errors.TimedeltaSyntaxError: "error.rule.compile.invalid_duration_literal",
            re_errors.FloatSyntaxError: "error.rule.compile.invalid_number_literal",
            re_errors.BytesSyntaxError: "error.rule.compile.no_bytes"}

#: rule-engine's operator names (an expression's ``type``) as the admin writes them
OPERATORS = {"eq": "==", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<=", "add": "+", "sub": "-", "mul": "*",
             "tdiv": "/", "fdiv": "//", "mod": "%", "pow": "**", "and": "and", "or": "or", "eq_fzm": "=~",
             "eq_fzs": "=~~", "ne_fzm": "!~", "ne_fzs": "!~~", "bwand": "&", "bwor": "|", "bwxor": "^"}

#: the kind a rule-engine "data type mismatch (not a ...)" says was needed, and the code saying so
NEEDED = {"not an integer number": ("error.rule.compile.needs_whole_number", None),
          "not a natural number": ("error.rule.compile.needs_natural_number", None),
          "not a numeric value": ("error.rule.compile.needs_kind", "number"),
          "not a string value": ("error.rule.compile.needs_kind", "text"),
          "not a timedelta value": ("error.rule.compile.needs_kind", "timedelta"),
          "not a datetime or timedelta value": ("error.rule.compile.needs_date_or_duration", None),
          "not a callable value": ("error.rule.compile.not_callable", None),
          "containment check on OBJECT": ("error.rule.compile.in_container", "object")}


def _syntax(exc: re_errors.RuleSyntaxError, text: str) -> tuple[str, dict, int | None]:
    """A syntax error: the character, word or token where the rule stops making sense."""
    token, message = exc.token, exc.message
    if token is not None and "illegal character" in message:
        char = str(token.value)[:1]
        if char in "'\"":  # a text (or a d'...' date, t'...' duration) that is never closed
            return "error.rule.compile.unclosed_text", {"quote": char}, getattr(token, "lexpos", None)
        return "error.rule.compile.illegal_character", {"char": repr(char)}, getattr(token, "lexpos", None)
    if token is not None and "reserved" in message:
        return "error.rule.compile.reserved_word", {"word": repr(str(token.value))}, getattr(token, "lexpos", None)
    if token is not None:
        return "error.rule.compile.syntax_near", {"near": repr(str(token.value))}, getattr(token, "lexpos", None)
    if "slice" in message:
        return "error.rule.compile.bad_slice", {}, locate(text, ":")
    if "function call" in message:
        return "error.rule.compile.bad_call", {}, locate(text, "(")
    return "error.rule.compile.ends_early", {}, len(text)


def _call_name(fname: str) -> str:
    """A function as the admin calls it: ``$abs()``, or a method ``.starts_with()``."""
    return f"${fname}()" if fname in fns.FUNCTIONS or fname not in fns.ATTRIBUTES else f".{fname}()"


def _function_call(exc: re_errors.FunctionCallError, text: str) -> tuple[str, dict, int | None]:
    """A call rule-engine refuses: an argument of the wrong kind, too many or too few arguments."""
    fname = getattr(exc, "function_name", None) or ""
    call = _call_name(fname) if fname else "()"
    position = locate(text, _call_name(fname)[:-2]) if fname else None
    checked = _innermost(exc, "pos", "arg2_type")
    if checked is not None and "mismatch" in exc.message:  # rule-engine's check of one argument's kind
        given = getattr(checked["arg1"], "result_type", None)
        params = {"call": call, "n": checked["pos"], "expect": _kind_named(checked["arg2_type"])}
        if given is not None:
            return "error.rule.compile.argument_kind", {**params, "kind": _kind_named(given)}, position
        return "error.rule.compile.argument_needs", params, position
    counted = _innermost(exc, "function_type", "arguments")
    if counted is not None and "at most" in exc.message:
        ftype = counted["function_type"]
        return "error.rule.compile.too_many_arguments", {"call": call, "count": len(ftype.argument_types)}, position
    if counted is not None and "at least" in exc.message:
        ftype = counted["function_type"]
        return "error.rule.compile.too_few_arguments", {"call": call, "count": ftype.minimum_arguments}, position
    return "error.rule.compile.call_failed", {"call": call}, position


def _mismatch(exc: re_errors.EvaluationError, text: str) -> tuple[str, dict, int | None]:
    """rule-engine's "data type mismatch" (or another refusal of the rule's kinds), said with the operator and the
    kinds of the values on its sides when rule-engine's check had them, else with the kind that was needed."""
    detail = exc.message.split("(", 1)[1].rstrip(")") if "(" in exc.message else ""
    if detail in NEEDED:
        code, kind = NEEDED[detail]
        return code, ({"kind": kind_words(kind)} if kind else {}), None
    if "nullable" in detail:
        return "error.rule.compile.may_be_empty", {}, None
    node = _innermost(exc, "self")
    node = node["self"] if node is not None else None
    operand = _innermost(exc, "self", "value")
    if operand is not None and isinstance(operand["value"], re_ast.ExpressionBase) and hasattr(operand["self"], "type"):
        op = OPERATORS.get(operand["self"].type, str(operand["self"].type))  # an operator that takes no value of this kind
        return "error.rule.compile.operand_kind", {"op": op, "kind": kind_words(kind_of(operand["value"].result_type))}, \
            _operator_at(text, op)
    contains = _innermost(exc, "container", "member")
    if contains is not None and isinstance(contains.get("member"), re_ast.ExpressionBase):
        return "error.rule.compile.mixed_operands", {
            "op": "in", "left": kind_words(kind_of(contains["member"].result_type)),
            "right": kind_words(kind_of(contains["container"].result_type))}, _operator_at(text, "in")
    if isinstance(node, re_ast.ExpressionBase) and isinstance(getattr(node, "left", None), re_ast.ExpressionBase) \
            and isinstance(getattr(node, "right", None), re_ast.ExpressionBase):
        op = OPERATORS.get(getattr(node, "type", None), str(getattr(node, "type", "")))
        return "error.rule.compile.mixed_operands", {"op": op, "left": kind_words(kind_of(node.left.result_type)),
                                                      "right": kind_words(kind_of(node.right.result_type))}, \
            _operator_at(text, op)
    return "error.rule.compile.mixed_kinds", {}, None


def _kind_named(dtype) -> dict[str, str] | str:
    """A rule-engine type in words per language: a list says what it holds ("list of numbers")."""
    kind, items = kind_of(dtype), element_kind(dtype)
    if kind == "array" and items not in ("undefined", "unsupported"):
        words = kind_words(items)
        return {loc: i18n.render("error.rule.list_of", loc, {"items": words}) for loc in i18n.LOCALES}
    return kind_words(kind)


def _operator_at(text: str, op: str) -> int | None:
    """Where the operator ``op`` is written, when it is written once (else the rule as a whole)."""
    if op.isalpha():
        found = [m.start() for m in re.finditer(rf"(?<![A-Za-z0-9_]){op}(?![A-Za-z0-9_])", text)]
    else:
        found = [m.start() for m in re.finditer(rf"(?<![=!<>*/&|^~]){re.escape(op)}(?![=<>*/~])", text)]
    return found[0] if len(found) == 1 else None


def _innermost(exc: BaseException, *names: str) -> dict | None:
    """The local variables of the innermost frame of ``exc``'s traceback that has all ``names`` (rule-engine's check
    that refused: its operands and expected kinds are there, not in its message)."""
    found, tb = None, exc.__traceback__
    while tb is not None:
        local = tb.tb_frame.f_locals
        if all(n in local for n in names):
            found = local
        tb = tb.tb_next
    return found


def _unknown_attribute(exc: re_errors.AttributeResolutionError) -> tuple[str, dict]:
    """``value.name`` with no such attribute: suggested among the attributes formflow gives values of that kind."""
    owner = getattr(exc, "object", None)
    kind = kind_of(owner) if owner is not None and not isinstance(owner, str) else ""
    known = [a for a, attr in fns.ATTRIBUTES.items() if kind in attr.kinds]
    match = difflib.get_close_matches(exc.attribute_name, known, n=1)
    if kind and not match:  # what the value is says why: "number values have no attribute 'length'"
        return "error.rule.compile.no_attribute", {"kind": kind_words(kind), "name": exc.attribute_name}
    suggestion = match[0] if match else getattr(exc, "suggestion", None)
    return _maybe_suggest("error.rule.compile.unknown_attribute", exc.attribute_name, suggestion)


def _maybe_suggest(code: str, name: str, suggestion: str | None) -> tuple[str, dict]:
    """The code of an unknown name, with its "(did you mean ...?)" sibling when there is a close match."""
    return (code + "_suggest", {"name": name, "suggestion": suggestion}) if suggestion else (code, {"name": name})
