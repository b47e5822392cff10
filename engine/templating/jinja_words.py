"""Jinja's own words as catalogue codes: a ``TemplateSyntaxError`` (Jinja says it in English only) and an exception a
render raises, each mapped to a message code of engine/translations with its params (a tag, a name, a token), so a
template author reads what is wrong in their language. Words Jinja uses for its tokens ("end of print statement") are
catalogue texts too; anything not known here reads as a plain "syntax error" or "can't be rendered" at its line."""
from __future__ import annotations

import re
from typing import Any

from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError

from engine import i18n
from engine.templating.errors import RenderLimit

#: Jinja's names of its tokens (lexer.describe_token) and the catalogue key of each
TOKEN_WORDS = {
    "end of print statement": "error.template.token.variable_end",
    "begin of print statement": "error.template.token.variable_begin",
    "end of statement block": "error.template.token.block_end",
    "begin of statement block": "error.template.token.block_begin",
    "end of comment": "error.template.token.comment_end",
    "begin of comment": "error.template.token.comment_begin",
    "end of template": "error.template.token.eof",
    "template data / text": "error.template.token.data",
    "name": "error.template.token.name",
    "integer": "error.template.token.integer",
    "float": "error.template.token.float",
    "string": "error.template.token.string",
}
_Q = r"'((?:[^'\\]|\\.)*)'"
#: Jinja's syntax messages: pattern (on its whole message), catalogue key, the params' names in group order
SYNTAX_PATTERNS = (
    (re.compile(r"^Unexpected end of template\..*The innermost block that needs to be closed is " + _Q), "error.template.syntax.unclosed", ("block",)),
    (re.compile(r"^Unexpected end of template\. Jinja was looking for the following tags: (.+?)\.$"), "error.template.syntax.end_expected_tags", ("expected",)),
    (re.compile(r"^Unexpected end of template\.$"), "error.template.syntax.unexpected_end", ()),
    (re.compile(r"^unexpected end of template, expected " + _Q + r"\.$"), "error.template.syntax.end_expected", ("expected",)),
    (re.compile(r"^Encountered unknown tag " + _Q + r"\. You probably made a nesting mistake\. Jinja is expecting this tag, but "
                r"currently looking for (.+?)\."), "error.template.syntax.nesting", ("name", "expected")),
    (re.compile(r"^Encountered unknown tag " + _Q + r"\."), "error.template.syntax.unknown_tag", ("name",)),
    (re.compile(r"^expected token " + _Q + r", got " + _Q + r"$"), "error.template.syntax.expected_token", ("expected", "got")),
    (re.compile(r"^Expected an expression, got " + _Q + r"$"), "error.template.syntax.expected_expression", ("got",)),
    (re.compile(r"^unexpected " + _Q + r", expected " + _Q + r"$"), "error.template.syntax.unbalanced", ("got", "expected")),
    (re.compile(r"^unexpected char (.+) at \d+$"), "error.template.syntax.unexpected", ("char",)),
    (re.compile(r"^unexpected " + _Q + r"$"), "error.template.syntax.unexpected", ("got",)),
    (re.compile(r"^tag name expected$"), "error.template.syntax.tag_name", ()),
    (re.compile(r"^expected name or number$"), "error.template.syntax.name_or_number", ()),
    (re.compile(r"^expected subscript expression$"), "error.template.syntax.subscript", ()),
    (re.compile(r"^invalid syntax for function call expression$"), "error.template.syntax.call", ()),
    (re.compile(r"^expected call$"), "error.template.syntax.call", ()),
    (re.compile(r"^You cannot chain multiple tests with is$"), "error.template.syntax.chained_tests", ()),
    (re.compile(r"^non-default argument follows default argument$"), "error.template.syntax.default_argument", ()),
    (re.compile(r"^Invalid character in identifier$"), "error.template.syntax.identifier", ()),
    (re.compile(r"^can't assign to " + _Q + r"$"), "error.template.assignment", ("target",)),
    (re.compile(r"^No filter named " + _Q + r"\.?$"), "error.template.syntax.unknown_filter", ("name",)),
    (re.compile(r"^No test named " + _Q + r"\.?$"), "error.template.unknown_test", ("name",)),
)
#: what an undefined value says at render time ("'x' is undefined", "'dict object' has no attribute 'y'")
_UNDEFINED_NAME = re.compile(r"^" + _Q + r" is undefined$")
_UNDEFINED_ATTRIBUTE = re.compile(r"^.* has no attribute " + _Q + r"$")


def words(text: str) -> Any:
    """A token Jinja names ("end of print statement") in every language; a tag or symbol ('endif', ')') as written."""
    parts = [p.strip("'") for p in text.split(" or ")]
    if all(p in TOKEN_WORDS for p in parts):
        return {loc: i18n.render("error.schema.kind_separator", loc).join(
            i18n.render(TOKEN_WORDS[p], loc) for p in parts) for loc in i18n.LOCALES}
    return " / ".join(f"'{p}'" for p in parts)


def syntax_code(exc: TemplateSyntaxError) -> tuple[str, dict]:
    """The catalogue code and params of Jinja's syntax error (the line is the error's own)."""
    message = " ".join(str(exc.message or "").split())
    for pattern, code, names in SYNTAX_PATTERNS:
        found = pattern.match(message)
        if found:
            params = dict(zip(names, found.groups()))
            if "char" in params:  # Jinja quotes the character itself (a quote mark in double quotes)
                return code, {"got": params["char"]}
            return code, {k: (words(v) if k in ("expected", "got") else repr(v) if k in ("name", "block", "target") else v)
                          for k, v in params.items()}
    return "error.template.syntax.other", {}


def runtime_code(exc: BaseException) -> tuple[str, dict]:
    """The catalogue code and params of what stopped a render: a limit, an undefined value, arithmetic, a forbidden
    operation; Python's own words never reach the reader."""
    if isinstance(exc, RenderLimit):
        return exc.message_code, exc.params
    if isinstance(exc, UndefinedError):
        text = str(exc.message or "")
        found = _UNDEFINED_NAME.match(text)
        if found:
            return "error.template.unknown_variable_at_render", {"name": repr(found.group(1))}
        found = _UNDEFINED_ATTRIBUTE.match(text)
        if found:
            return "error.template.no_attribute_at_render", {"attr": repr(found.group(1))}
        return "error.template.undefined_at_render", {}
    if isinstance(exc, SecurityError):
        return "error.template.unsafe_at_render", {}
    if isinstance(exc, ZeroDivisionError):
        return "error.template.division_by_zero", {}
    if isinstance(exc, (OverflowError, MemoryError, RecursionError)):
        return "error.template.too_large_computation", {}
    if isinstance(exc, TypeError):
        return "error.template.type_mismatch", {}
    return "error.template.cannot_render", {}
