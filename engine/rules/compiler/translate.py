"""rule-engine's exceptions, and our refusals, as `RuleError`s an admin understands, located in the text."""
from __future__ import annotations

import difflib
import re

from rule_engine import errors as re_errors

from ..errors import RuleError

UNSUPPORTED = {"SetExpression": "sets {...} are not supported", "MappingExpression": "mappings {...} are not supported",
                "BytesExpression": "bytes values are not supported",
                "BitwiseExpression": "bitwise operators (& | ^) are not supported",
                "BitwiseShiftExpression": "bit shifts (<< >>) are not supported"}


class Unusable(Exception):
    def __init__(self, name: str, reason: str) -> None:
        super().__init__(reason)
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
    if isinstance(exc, re_errors.SymbolResolutionError):
        cause = exc.__cause__
        if isinstance(cause, Unusable):
            message = f"the field {cause.name!r} cannot be used in rules: {cause.reason}"
        elif exc.symbol_scope == "built-in":
            message = f"${exc.symbol_name} is not a known built-in"
        else:
            message = f"unknown field {exc.symbol_name!r}"
            if exc.suggestion:
                message += f" (did you mean {exc.suggestion!r}?)"
        position = locate(text, ("$" if exc.symbol_scope == "built-in" else "") + exc.symbol_name)
    elif isinstance(exc, re_errors.ObjectAttributeError):
        message = f"the referenced form has no field {exc.attribute_name!r}"
        if getattr(exc, "suggestion", None):
            message += f" (did you mean {exc.suggestion!r}?)"
        position = locate(text, "." + exc.attribute_name)
    elif isinstance(exc, re_errors.AttributeResolutionError):
        message = f"unknown attribute {exc.attribute_name!r}"
        if getattr(exc, "suggestion", None):
            message += f" (did you mean {exc.suggestion!r}?)"
        position = locate(text, "." + exc.attribute_name)
    elif isinstance(exc, re_errors.RuleSyntaxError):
        token = exc.token
        if token is None:
            message, position = "the rule ends too early", len(text)
        else:
            message, position = f"syntax error near {str(token.value)!r}", getattr(token, "lexpos", None)
        if "illegal character" in exc.message:
            message = exc.message.replace("syntax error (", "").rstrip(")")
    elif isinstance(exc, re_errors.RegexSyntaxError):
        message = f"invalid pattern: {getattr(exc.error, 'reason', exc.error)}"
        at = text.find(exc.value) if exc.value else -1
        position = at + (getattr(exc.error, "position", None) or 0) if at >= 0 else locate(text, ("=~", "!~"))
    elif isinstance(exc, re_errors.FunctionCallError):
        fname = getattr(exc, "function_name", None)
        message = f"${fname}(): {exc.message}" if fname else exc.message
        position = locate(text, f"${fname}") if fname else None
    elif isinstance(exc, re_errors.EvaluationError):
        msg = exc.message
        if "data type mismatch" in msg:
            message = "the values on both sides of an operator are of different kinds" + \
                      (f" ({msg.split('(', 1)[1].rstrip(')')})" if "(" in msg else "")
        else:
            message = msg
    else:
        message = getattr(exc, "message", str(exc))
    return RuleError(message, rule=name, text=text, position=position)
