"""The one error a template problem raises, and the signal a render limit raises inside a render."""
from __future__ import annotations

from engine import i18n
from engine.errors import ErrorItem, ValidationFailed


class TemplateError(ValidationFailed):
    """A template problem: which template, which line, what is wrong."""

    code = "template_invalid"

    def __init__(self, template: str, line: int | None, message_code: str, params: dict | None = None):
        item = ErrorItem.coded(message_code, path=f"/templates/{template}", code="template_invalid",
                               extra={"line": line} if line else {}, **dict(params or {}))
        super().__init__(item.message, [item], template=template, line=line)
        self.template = template
        self.line = line
        #: the catalogue key of the reason and its values (engine/translations)
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
    """Raised inside a render when a safety limit is hit: which, as a catalogue key with its params (``str``: the
    English text)."""

    def __init__(self, message_code: str, **params):
        super().__init__(i18n.render(message_code, i18n.DEFAULT_LOCALE, params))
        self.message_code = message_code
        self.params = params

