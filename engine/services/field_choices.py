"""What a field type's widget may pick from, when the type has a list of its own (regions, the workspace's teams).

A field type that answers ``lookup_choices(conn, workspace_id, parent)`` offers its choices here, one level at a time
(``parent``: the code of the level above, for cascades); the others have none (404).
"""
from __future__ import annotations

from engine import i18n
from engine.errors import ErrorItem, NotFound, ValidationFailed
from engine.fields import FIELD_TYPES
from engine.fields.base import FieldValueError, type_words
from engine.runtime import Actor, Runtime

#: longest ``parent`` accepted
MAX_PARENT_LENGTH = 64


def field_choices(rt: Runtime, actor: Actor, type_name: str, parent: str | None = None) -> list[dict]:
    """``[{value, label}]`` of *type_name* under *parent* (None: the top level). Any signed-in person may ask."""
    if type_name not in FIELD_TYPES:
        raise NotFound(f"no field type {type_name!r}", path="/type", message_code="error.choices.no_type", params={"type": repr(type_name)})
    if parent is not None and len(parent) > MAX_PARENT_LENGTH:
        raise ValidationFailed("parent is too long", [ErrorItem.coded("error.value.at_most_chars", max=MAX_PARENT_LENGTH, path="/parent")],
                               message_code="error.choices.parent_too_long")
    with rt.db.read() as conn:
        try:
            items = FIELD_TYPES.get(type_name).lookup_choices(conn, rt.workspace_id, parent or None)
        except ValueError as exc:  # a type's coded refusal reads in the reader's language
            detail = i18n.texts(exc.message_code, exc.params) if isinstance(exc, FieldValueError) else str(exc)
            raise ValidationFailed(str(exc), [ErrorItem.coded("error.choices.unknown_parent", detail=detail, path="/parent", code="not_found")],
                                   message_code="error.choices.unknown_parent", params={"detail": detail}) from None
    if items is None:
        raise NotFound(f"field type {type_name!r} has no choices of its own", path="/type", message_code="error.choices.none",
                       params={"type": type_words(type_name)})
    return items
