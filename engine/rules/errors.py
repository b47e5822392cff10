"""Rule errors as values: where in the rule text a problem is and what it means to a business admin.

`RuleError` is raised at compile (save/publish) time; `RuleEvaluationError` is the only exception
evaluation ever raises, for problems that depend on the record data (a null where a value is needed,
a bad stored value, division by zero). Callers treat an evaluation error as "condition false" and log it.
"""
from __future__ import annotations

from typing import Any


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
                 position: int | None = None) -> None:
        super().__init__(message)
        self.message = message
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

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "position": self.position, "line": self.line,
                "column": self.column, "message": self.message}


class RuleEvaluationError(RuleError):
    """A data-dependent problem while evaluating a compiled rule (treat as "condition false" and log)."""
