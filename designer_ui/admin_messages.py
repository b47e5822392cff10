"""How a service refusal reads at its field on the admin screens and how a template update reads as sentences,
in the UI language (the texts, ``admin.`` keys, are in the designer's gettext catalogue, designer_ui/translations).
"""
from __future__ import annotations

from typing import Any

from engine.errors import ErrorItem, FormflowError
from designer_ui import i18n


#: page field names for service paths that the page shows under another input
_FIELD_ALIASES = {"label": "label_en", "user": "_", "app": "_"}


def _text(key: str, locale: str, **params) -> str | None:
    key = i18n.plural_key(key, params, locale, i18n.MESSAGES["en"].__contains__)  # a count picks the plural form
    text = i18n.MESSAGES.get(locale, i18n.MESSAGES["en"]).get(key)
    if text is None:
        return None
    try:
        return text.format(**params)
    except (KeyError, IndexError):
        return text


def _message(item: ErrorItem, field: str, status: int, locale: str) -> str:
    """A refusal in the UI language: password reasons come in both languages from the service; codes and fields have
    catalogue entries; anything else shows the service's own words."""
    messages = item.extra.get("messages") if item.extra else None
    if isinstance(messages, dict) and messages.get(locale):
        return messages[locale]
    params = {**(item.extra or {})}
    keys = []
    if status == 409 and field in ("key", "username"):
        keys.append("admin.error.username_taken" if field == "username" else "admin.error.taken")
    keys += [f"admin.error.{item.code}" if item.code else "", f"admin.error.{field}"]
    for key in keys:
        text = _text(key, locale, **params) if key else None
        if text:
            return text
    return item.localized(locale)


def field_errors(exc: FormflowError, locale: str) -> dict[str, str]:
    """{field name on the page: message} (the first refusal of each field); refusals of the whole request go under "_"."""
    if not getattr(exc, "errors", None):  # a refusal of the whole request: its own text in the UI language
        return {"_": exc.localized(locale) if isinstance(exc, FormflowError) else str(exc)}
    out: dict[str, str] = {}
    for item in exc.errors:
        field = (item.path or "").strip("/").split("/")[0] or "_"
        field = _FIELD_ALIASES.get(field, field)
        out.setdefault(field, _message(item, field, exc.status, locale))
    return out


def _name(label: Any, locale: str, fallback: str) -> str:
    if isinstance(label, dict):
        return label.get(locale) or label.get("en") or next(iter(label.values()), fallback)
    return label or fallback


def _quoted(label: Any, locale: str, fallback: str) -> str:
    return "“" + _name(label, locale, fallback) + "”"


def _attrs(what: list[str], locale: str, new_name: str) -> str:
    """Field definition keys as words of the UI language (an unknown key reads as "other settings", once)."""
    words = [_text("admin.attr.renamed", locale, name=new_name) if w == "label" else
             _text("admin.attr." + w, locale) or _text("admin.attr.other", locale) for w in what]
    return ("、" if locale == "zh-CN" else ", ").join(dict.fromkeys(words))


def template_change_sentences(update: dict, app_forms: list[dict], locale: str) -> dict[str, list[str]]:
    """``app_templates.template_update`` as sentences by labels in the UI language (form and field names, never keys):
    what the update changes, and what of the admin's is kept."""
    names = {f["key"]: f.get("label") for f in app_forms}
    changes: list[str] = []
    kept: list[str] = []
    for plan in update.get("forms", []):
        form = _quoted(names.get(plan["form"]) or plan.get("label"), locale, plan["form"])
        for item in plan.get("applied", []):
            change = item.get("change", "")
            field = _quoted(item.get("field_label"), locale, str(item.get("field_id", "")))
            if change.endswith("_changed") and change != "field_changed":
                part = _text("admin.part." + change[: -len("_changed")], locale) or _text("admin.attr.other", locale)
                changes.append(_text("admin.change.part_changed", locale, form=form, part=part))
            elif change == "field_changed":  # named as the admin knows it now; a new name is part of what changes
                was = _quoted(item.get("old_label"), locale, "") if item.get("old_label") else field
                changes.append(_text("admin.change.field_changed", locale, form=form, field=was, what=_attrs(item.get("what", []), locale, field)))
            elif change in ("form_added", "field_added", "field_deleted"):
                changes.append(_text("admin.change." + change, locale, form=form, field=field))
        for item in plan.get("kept", []):
            change = item.get("change", "")
            if change == "form_removed_by_you":
                kept.append(_text("admin.kept.form_removed", locale, form=form))
            elif change.startswith("field_"):
                field = _quoted(item.get("field_label"), locale, str(item.get("field_id", "")))
                kept.append(_text("admin.kept.field", locale, form=form, field=field))
            else:
                part = _text("admin.part." + change[: -len("_changed")], locale) or _text("admin.attr.other", locale)
                kept.append(_text("admin.kept.part", locale, form=form, part=part))
    for part in update.get("parts", []):
        what = _text("admin.part." + part.get("part", ""), locale) or part.get("part", "")
        name = _quoted(part.get("label"), locale, str(part.get("key")))
        if part.get("action") == "create":
            changes.append(_text("admin.change.part_new", locale, part=what, code=name))
        else:
            kept.append(_text("admin.kept.review", locale, part=what, code=name))
    return {"changes": changes, "kept": kept}
