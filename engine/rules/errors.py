"""Rule errors as values: where in the rule text a problem is and what it means to a business admin.

`RuleError` is raised at compile (save/publish) time; `RuleEvaluationError` is the only exception
evaluation ever raises, for problems that depend on the record data (a null where a value is needed,
a bad stored value, division by zero). Callers treat an evaluation error as "condition false" and log it.
"""
from __future__ import annotations

from typing import Any

from engine import i18n


def line_col(text: str, position: int | None) -> tuple[int | None, int | None]:
    """1-based line and column of *position* in *text*."""
    if position is None or text is None:
        return None, None
    position = max(0, min(position, len(text)))
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return line, column


class RuleError(Exception):
    """A rule that cannot be accepted: carries the rule name, the position in the text and a message."""

    def __init__(self, message: str, *, rule: str | None = None, text: str | None = None,
                 position: int | None = None, message_code: str | None = None,
                 params: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        #: the catalogue key of ``message`` (engine/translations) and its params: the editor shows it in the reader's language
        self.message_code = message_code
        self.params = dict(params or {})
        self.rule = rule
        self.text = text
        self.position = position
        self.line, self.column = line_col(text, position) if text is not None else (None, None)

    def __str__(self) -> str:
        where = ""
        if self.rule:
            where += f"rule {self.rule!r}: "
        if self.line is not None:
            where += f"line {self.line}, column {self.column}: "
        return where + self.message

    @classmethod
    def coded(cls, message_code: str, *, rule: str | None = None, text: str | None = None,
              position: int | None = None, **params: Any) -> "RuleError":
        """An error whose English ``message`` is the catalogue's text of ``message_code`` with ``params``."""
        return cls(i18n.render(message_code, "en", params), rule=rule, text=text, position=position,
                   message_code=message_code, params=params)

    def localized(self, locale: str | None) -> str:
        """The message (without its place) in ``locale``; English, or not coded: ``message``."""
        loc = i18n.normalize_locale(locale)
        if loc != i18n.DEFAULT_LOCALE and self.message_code and i18n.has_text(self.message_code, loc):
            return i18n.render(self.message_code, loc, self.params)
        return self.message

    def located(self, **changes: Any) -> "RuleError":
        """The same error (same class, code and params) with another rule name, text or position."""
        where = {"rule": self.rule, "text": self.text, "position": self.position, **changes}
        return type(self)(self.message, message_code=self.message_code, params=self.params, **where)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "position": self.position, "line": self.line,
                "column": self.column, "message": self.message}

    def report(self, locale: str | None = None) -> dict[str, Any]:
        """The problem as a report's ``error`` (in ``locale``) with its ``error_code`` and ``error_params``, so a
        report can be read again in another language (``localize_reports``)."""
        out: dict[str, Any] = {"error": self.localized(locale)}
        if self.message_code:
            out.update(error_code=self.message_code, error_params={k: v for k, v in self.params.items()
                                                                   if v is None or isinstance(v, (str, int, float, bool, dict))})
        return out


def localize_reports(items: Any, locale: str | None) -> Any:
    """Reports (dicts, lists of them, nested) with every coded ``error`` read again in ``locale``, and the ``name`` of a
    rule, validation or automation given per language ({"en", "zh-CN"}, engine/bilingual_text.py) in it too."""
    if isinstance(items, list):
        return [localize_reports(x, locale) for x in items]
    if not isinstance(items, dict):
        return items
    out = {k: localize_reports(v, locale) for k, v in items.items()}
    if locale is not None and "name" in out:
        out["name"] = i18n.localized(out["name"], i18n.normalize_locale(locale))
    for text, code, params in (("error", "error_code", "error_params"), ("why", "why_code", "why_params")):
        if out.get(code):  # a coded text: an evaluation error, why an automation fires or not
            out[text] = i18n.render(out[code], locale, out.get(params) or {})
    return out


class RuleEvaluationError(RuleError):
    """A data-dependent problem while evaluating a compiled rule (treat as "condition false" and log).

    Raised with a code of the catalogue's ``error.eval.`` family (``failed``): the formula editor, the dry-run and the
    browser (runtime.js throws the same codes) show it in the reader's language."""


#: what a stored value was expected to be, by the ``error.eval.expected.<kind>`` code that says so
EXPECTED_KINDS = {"a text": "text", "a number": "number", "an amount": "amount", "true or false": "boolean",
                  "a date and time": "datetime", "a date": "date", "a record or user id": "id",
                  "a list of choices": "choices", "a list of ids": "ids", "a list of rows": "rows", "a row": "row",
                  "a record id": "record_id", "a referenced record": "record", "a list of record ids": "record_ids"}


def failed(code: str, **params: Any) -> RuleEvaluationError:
    """The evaluation error ``error.eval.<code>`` with ``params`` (its English text is the catalogue's)."""
    return RuleEvaluationError.coded(f"error.eval.{code}", **params)
