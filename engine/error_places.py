"""Where in a form definition a refusal points, as a person reads it.

A refused save or publish names each broken place by its JSON path (``/validations/0/condition``,
``/automations/0/action/map/2/from``): exact for a program, unreadable for a business admin. ``place_of`` turns a
path into the place's name in every language ("Validation “end after start” — condition", "Automation “create the
reminder” — value for field Remind at"); ``with_places`` puts it on each error item (``where``) so the designer and
API clients show it, the path kept beside it.
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from engine import i18n
from engine.errors import ErrorItem

#: the definition's lists of named parts and the catalogue key naming one of them
PART_KEYS = {"fields": "place.field", "rules": "place.rule", "validations": "place.validation",
             "automations": "place.automation"}
#: a part's property (the first step under it) and the catalogue key of its name; others add no detail
PROPERTY_KEYS = {"when": "place.prop.when", "condition": "place.prop.condition", "message": "place.prop.message",
                 "effects": "place.prop.effects", "trigger": "place.prop.trigger", "action": "place.prop.action",
                 "formula": "place.prop.formula", "options": "place.prop.options", "label": "place.prop.label",
                 "default": "place.prop.default", "fields": "place.prop.fields"}
_STEP = re.compile(r"[/.]")


def _steps(path: str) -> list[str]:
    return [s for s in _STEP.split(path or "") if s]


def _item(node: Any, step: str) -> Any:
    if isinstance(node, list) and step.isdigit() and int(step) < len(node):
        return node[int(step)]
    return node.get(step) if isinstance(node, dict) else None


def _field_label(definition: dict, field_id: Any, locale: str) -> str:
    for f in definition.get("fields") or []:
        if isinstance(f, dict) and f.get("id") == field_id:
            return str(i18n.localized(f.get("label"), locale) or f.get("name") or field_id)
    return str(field_id)


def _place_text(definition: dict, steps: list[str], locale: str, forms: Mapping[str, Any]) -> str | None:
    part, index = steps[0], steps[1]
    item = _item(definition.get(part), index)
    if not isinstance(item, dict):
        return None
    name = i18n.localized(item.get("label") if part == "fields" else item.get("name"), locale) or item.get("id") \
        or str(int(index) + 1)
    place = i18n.render(PART_KEYS[part], locale, {"name": name})
    rest = steps[2:]
    if rest[:2] == ["action", "map"] and len(rest) >= 3:  # one mapping of an automation's action: the field it fills
        action = item.get("action") if isinstance(item.get("action"), dict) else {}
        mapping = _item(action.get("map"), rest[2])
        if isinstance(mapping, dict) and mapping.get("field"):
            target = forms.get(action.get("form")) if isinstance(action.get("form"), str) else None  # a record it creates
            label = _field_label(target if isinstance(target, dict) else definition, mapping["field"], locale)
            detail = i18n.render("place.map_value", locale, {"name": label})
            return i18n.render("place.detail", locale, {"place": place, "detail": detail})
    if rest and rest[0] in PROPERTY_KEYS:
        return i18n.render("place.detail", locale, {"place": place, "detail": i18n.render(PROPERTY_KEYS[rest[0]], locale)})
    return place


def place_of(definition: Any, path: str, forms: Mapping[str, Any] | None = None) -> dict[str, str] | None:
    """{locale: text} naming the place ``path`` points at in ``definition``; None for a path outside its named parts.
    ``forms`` ({key: definition}, the app's other forms) names the fields of a record an automation creates."""
    steps = _steps(path)
    if not isinstance(definition, dict) or len(steps) < 2 or steps[0] not in PART_KEYS or not steps[1].isdigit():
        return None
    texts = {loc: _place_text(definition, steps, loc, forms or {}) for loc in i18n.LOCALES}
    return texts if all(texts.values()) else None


def with_places(definition: Any, errors: Iterable[ErrorItem], forms: Mapping[str, Any] | None = None) -> list[ErrorItem]:
    """The items, each that points into a named part carrying ``where`` (its place, per language)."""
    items = list(errors)
    for item in items:
        where = place_of(definition, item.path, forms)
        if where and "where" not in item.extra:
            item.add_bilingual(where=where)
    return items
