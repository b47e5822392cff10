"""The one error a template problem raises, and the signal a render limit raises inside a render."""
from __future__ import annotations

from engine import i18n
from engine.errors import ErrorItem, ValidationFailed


class TemplateError(ValidationFailed):
    """A template problem: which template, which line, what is wrong."""

    code = "template_invalid"

    def __init__(self, template: str, line: int | None, message: str, *, message_code: str | None = None,
                 params: dict | None = None):
        item = ErrorItem(message, path=f"/templates/{template}", code="template_invalid",
                         extra={"line": line} if line else {}, message_code=message_code, params=dict(params or {}))
        super().__init__(message, [item], template=template, line=line)
        self.template = template
        self.line = line
        #: the catalogue key of the reason and its values (None: ``message`` is the reason's only text)
        self.item_code = message_code
        self.item_params = dict(params or {})

    def __str__(self) -> str:
        where = f"template {self.template!r}"
        if self.line:
            where += f", line {self.line}"
        return f"{where}: {self.message}"

    def described(self) -> dict[str, str]:
        """``str(self)`` in every language (to be told inside another message): the template, the line, the reason."""
        key = "error.template.where_line" if self.line else "error.template.where"
        return {loc: i18n.render(key, loc, {"template": repr(self.template), "line": self.line,
                                            "reason": self.errors[0].localized(loc)}) for loc in i18n.LOCALES}

    def as_dict(self) -> dict:
        return {"template": self.template, "line": self.line, "message": self.message}


class RenderLimit(Exception):
    """Raised inside a render when a safety limit is hit."""

