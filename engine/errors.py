"""Errors as values with a location.

Every failure a user can cause is one of these; the API turns them into one
JSON error envelope (never a 500). Each item names the field id, the JSON path
and the label where it can, plus a message a business admin understands.

Each item also carries a stable ``message_code`` (a key of the engine's gettext catalogue, engine/translations) and
its ``params``, so a reader gets the message in their language (``localized``); ``message`` stays the English text
API clients read. An item without its own message code reads, in another language, as the text of its ``code``
(``error.code.<code>``) with the English detail beside it; an error without one as the text of its class
(``error.<class code>``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from engine import i18n


@dataclass
class ErrorItem:
    message: str
    path: str = ""
    field_id: str | None = None
    label: str | None = None
    code: str = "invalid"
    extra: dict[str, Any] = field(default_factory=dict)
    #: the catalogue key of this message (engine/translations, domain engine), None: the generic text of ``code``
    message_code: str | None = None
    #: the values the catalogue text's ``{placeholders}`` take (a {"en", "zh-CN"} map is taken in the reader's language)
    params: dict[str, Any] = field(default_factory=dict)
    #: ``label`` in every language ({"en", "zh-CN"}, a field's label as defined): a reader gets theirs
    label_texts: dict[str, str] | None = None
    #: the keys of ``extra`` that are names or places given per language ({"en", "zh-CN"}: a validation's rule, the
    #: place an item points at): ``to_dict`` gives each in the reader's language. Every other extra is sent as it is
    #: (a password's ``messages``, its own text in every language, stays whole)
    bilingual: frozenset[str] = frozenset()

    @classmethod
    def coded(cls, message_code: str, *, path: str = "", field_id: str | None = None, label: Any = None,
              code: str = "invalid", extra: dict[str, Any] | None = None, bilingual_extra: dict[str, Any] | None = None,
              **params: Any) -> "ErrorItem":
        """An item whose English ``message`` is the catalogue's text of ``message_code`` with ``params``;
        ``bilingual_extra``: extras that are names per language, rendered in the reader's (``bilingual``)."""
        return cls(i18n.render(message_code, "en", params), path=path, field_id=field_id,
                   label=_label_text(label, "en"), code=code,
                   extra={**(extra or {}), **(bilingual_extra or {})}, message_code=message_code, params=params,
                   label_texts=dict(label) if isinstance(label, dict) else None, bilingual=frozenset(bilingual_extra or ()))

    def add_bilingual(self, **names: Any) -> "ErrorItem":
        """Set extras that are names per language (a text or {"en", "zh-CN"}), given in the reader's language."""
        self.extra.update(names)
        self.bilingual = self.bilingual | frozenset(names)
        return self

    def label_in(self, locale: str | None) -> str | None:
        """The label in ``locale`` (falling back to English, then to ``label``)."""
        return _label_text(self.label_texts, i18n.normalize_locale(locale)) if self.label_texts else self.label

    def localized(self, locale: str | None) -> str:
        """The message in ``locale`` (English: ``message`` itself)."""
        loc = i18n.normalize_locale(locale)
        if loc == i18n.DEFAULT_LOCALE:
            return self.message
        if self.message_code and i18n.has_text(self.message_code, loc):
            return i18n.render(self.message_code, loc, self.params)
        generic = f"error.code.{self.code}"
        if not i18n.has_text(generic, loc):
            return self.message
        if self.message == i18n.render(generic, i18n.DEFAULT_LOCALE):
            return i18n.render(generic, loc)
        # not coded yet: the code's words in the reader's language, the English detail beside them (nothing is lost)
        return f"{i18n.render(generic, loc)}（{self.message}）"

    def to_dict(self, locale: str | None = None) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items()
               if k not in ("extra", "params", "message_code", "label_texts", "bilingual") and v is not None}
        if self.message_code:
            out["message_code"] = self.message_code
            out["params"] = {k: v for k, v in self.params.items() if _plain(v)}
        if locale is not None:
            out["message"] = self.localized(locale)
            if self.label is not None:
                out["label"] = self.label_in(locale)
        # the extras declared names per language (the validation's rule) in the reader's language, like the message
        loc = i18n.normalize_locale(locale)
        out.update({k: i18n.localized(v, loc) if k in self.bilingual else v for k, v in self.extra.items()})
        return out


def _label_text(label: Any, locale: str) -> str | None:
    """A field's label as one text for ``locale``: a label given only in languages the product doesn't speak (a
    definition may name any language code) is one of its texts, never the map (an item's ``label`` is a text)."""
    text = i18n.localized(label, locale)
    if text is None or isinstance(text, str):
        return text
    if isinstance(text, dict):
        return next((v for v in text.values() if isinstance(v, str) and v.strip()), "")
    return str(text)


#: items an uncoded error names in its message in another language than English (the rest are in ``errors``)
MAX_ITEMS_IN_MESSAGE = 3


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool, dict, list))


class FormflowError(Exception):
    """Base of every user-caused error. ``status`` is the HTTP status the API uses."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, errors: list[ErrorItem] | None = None, *, message_code: str | None = None,
                 params: dict[str, Any] | None = None, **details: Any):
        super().__init__(message)
        self.message = message
        self.errors = list(errors or [])
        self.message_code = message_code
        self.params = dict(params or {})
        self.details = details

    def localized(self, locale: str | None) -> str:
        """The message in ``locale``: its own code's text, else (another language than English) its class's with what it
        is about beside it: its items in ``locale``, or without items the English detail (it never says less)."""
        loc = i18n.normalize_locale(locale)
        if loc == i18n.DEFAULT_LOCALE:
            return self.message
        if self.message_code and i18n.has_text(self.message_code, loc):
            return i18n.render(self.message_code, loc, self.params)
        kind = f"error.{self.code}"
        if not i18n.has_text(kind, loc):
            return self.message
        if self.message == i18n.render(kind, i18n.DEFAULT_LOCALE):
            return i18n.render(kind, loc)
        return f"{i18n.render(kind, loc)}（{self._detail(loc)}）"

    def _detail(self, loc: str) -> str:
        """The first items, each at its label or path, in ``loc``; without items the English message."""
        if not self.errors:
            return self.message
        shown = [(f"{e.label_in(loc) or e.path}：" if e.label or e.path else "") + e.localized(loc)
                 for e in self.errors[:MAX_ITEMS_IN_MESSAGE]]
        return "；".join(shown) + ("；……" if len(self.errors) > MAX_ITEMS_IN_MESSAGE else "")

    def to_dict(self, locale: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message if locale is None else self.localized(locale)}
        if self.message_code:
            body["message_code"] = self.message_code
        if self.errors:
            body["errors"] = [e.to_dict(locale) for e in self.errors]
        body.update(self.details)
        return body


class ValidationFailed(FormflowError):
    status = 422
    code = "validation_failed"


class DefinitionInvalid(ValidationFailed):
    code = "definition_invalid"


class NotFound(FormflowError):
    status = 404
    code = "not_found"


class Conflict(FormflowError):
    status = 409
    code = "conflict"


class PreconditionFailed(FormflowError):
    status = 412
    code = "precondition_failed"


class PermissionDenied(FormflowError):
    status = 403
    code = "forbidden"


class Unauthorized(FormflowError):
    status = 401
    code = "unauthorized"
