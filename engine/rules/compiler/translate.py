"""rule-engine's exceptions, and our refusals, as `RuleError`s an admin understands, located in the text."""
from __future__ import annotations

import difflib
import re

from rule_engine import errors as re_errors

from ..errors import RuleError

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


def locate(text: str, needle: str | tuple | None) -> int | None:
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
    """rule-engine's exception -> a RuleError an admin understands, located in the text when possible."""
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
        code, params = _maybe_suggest("error.rule.compile.unknown_attribute", exc.attribute_name,
                                      getattr(exc, "suggestion", None))
        position = locate(text, "." + exc.attribute_name)
    elif isinstance(exc, re_errors.RuleSyntaxError):
        token = exc.token
        if token is None:
            code, position = "error.rule.compile.ends_early", len(text)
        else:
            code, params = "error.rule.compile.syntax_near", {"near": repr(str(token.value))}
            position = getattr(token, "lexpos", None)
        if "illegal character" in exc.message:
            code, params = "error.rule.compile.detail", {"detail": exc.message.replace("syntax error (", "").rstrip(")")}
    elif isinstance(exc, re_errors.RegexSyntaxError):
        code, params = "error.rule.compile.invalid_pattern", {"why": str(getattr(exc.error, "reason", exc.error))}
        at = text.find(exc.value) if exc.value else -1
        position = at + (getattr(exc.error, "position", None) or 0) if at >= 0 else locate(text, ("=~", "!~"))
    elif isinstance(exc, re_errors.FunctionCallError):
        fname = getattr(exc, "function_name", None)
        code, params = ("error.rule.compile.function_call", {"name": fname, "detail": exc.message}) if fname else \
            ("error.rule.compile.detail", {"detail": exc.message})
        position = locate(text, f"${fname}") if fname else None
    elif isinstance(exc, re_errors.EvaluationError):
        msg = exc.message
        if "data type mismatch" in msg and "(" in msg:
            code, params = "error.rule.compile.mixed_kinds_detail", {"detail": msg.split("(", 1)[1].rstrip(")")}
        elif "data type mismatch" in msg:
            code = "error.rule.compile.mixed_kinds"
        else:
            code, params = "error.rule.compile.detail", {"detail": msg}
    else:
        code, params = "error.rule.compile.detail", {"detail": getattr(exc, "message", str(exc))}
    return RuleError.coded(code, rule=name, text=text, position=position, **params)


def _maybe_suggest(code: str, name: str, suggestion: str | None) -> tuple[str, dict]:
    """The code of an unknown name, with its "(did you mean ...?)" sibling when there is a close match."""
    return (code + "_suggest", {"name": name, "suggestion": suggestion}) if suggestion else (code, {"name": name})
