"""Every user-facing name and message of every built-in app template has a Chinese text.

The principle comes from the schemas, not from a list of places: wherever a schema in schemas/ accepts the bilingual
form (a text, or {"en": .., "zh-CN": ..}: labels, names, messages, descriptions, chart titles), the built-in templates
must give both languages. The schemas are tightened to "both languages" at exactly those places and every template the
library holds (builtin_apps/*.json, with the dashboards it adds) is checked against them, so a new template, a new
part or a new name in a schema is checked without touching this test.
"""
from __future__ import annotations

import copy
import json
from importlib import resources

import jsonschema
import pytest
from referencing import Registry, Resource

import engine.services.dashboards  # noqa: F401  (adds the dashboards shipped beside a template to the library)
from engine.services.app_templates import template_library

#: what a user-facing text must be in a built-in template: both languages, neither empty
BOTH_LANGUAGES = {"type": "object", "required": ["en", "zh-CN"],
                  "properties": {"en": {"type": "string", "minLength": 1, "pattern": r"\S"},
                                 "zh-CN": {"type": "string", "minLength": 1, "pattern": r"\S"}}}
#: the schema of each part of an app template (forms are checked through the app schema); saved views (view schema)
#: are checked the same way wherever a template ships them (none does yet)
PART_SCHEMAS = {"templates": "template", "workflows": "workflow", "dashboards": "dashboard", "views": "view"}


def _schema(name: str) -> dict:
    return json.loads(resources.files("schemas").joinpath(f"{name}.schema.json").read_text("utf-8"))


def _is_bilingual(node) -> bool:
    """A schema node that takes a text or a map of language -> text."""
    options = node.get("oneOf") if isinstance(node, dict) else None
    if not isinstance(options, list):
        return False
    kinds = {o.get("type") if isinstance(o.get("type"), str) else None for o in options if isinstance(o, dict)}
    maps = [o for o in options if isinstance(o, dict) and o.get("type") == "object"
            and isinstance(o.get("additionalProperties"), dict) and o["additionalProperties"].get("type") == "string"]
    return "string" in kinds and bool(maps)


def _both_languages(node):
    if _is_bilingual(node):
        return copy.deepcopy(BOTH_LANGUAGES)
    if isinstance(node, dict):
        return {k: _both_languages(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_both_languages(v) for v in node]
    return node


def _validator(name: str, strict: bool) -> jsonschema.Draft202012Validator:
    load = (lambda n: _both_languages(_schema(n))) if strict else _schema
    registry = Registry().with_resources(
        (f"https://formflow.dev/schemas/{n}.schema.json", Resource.from_contents(load(n))) for n in ("form", "app"))
    return jsonschema.Draft202012Validator(load(name), registry=registry)


def _leaves(error: jsonschema.ValidationError):
    if not error.context:
        yield error
    for sub in error.context or []:
        yield from _leaves(sub)


def texts_without_chinese(template: dict) -> list[str]:
    """The JSON paths of the template's user-facing texts that lack a zh-CN (or an English) text."""
    parts = [("app", "", {k: v for k, v in template.items() if k not in PART_SCHEMAS})]
    parts += [(schema, f"/{part}/{i}", item) for part, schema in PART_SCHEMAS.items()
              for i, item in enumerate(template.get(part) or [])]
    missing = set()
    for schema, prefix, instance in parts:
        # shape problems are another test's business: only the places that are valid text but not both languages count
        shape = {e.json_path for e in _validator(schema, strict=False).iter_errors(instance)}
        assert not shape, f"{prefix or '/'} is not a valid {schema} definition: {sorted(shape)}"
        for error in _validator(schema, strict=True).iter_errors(instance):
            for leaf in _leaves(error):
                if leaf.validator in ("required", "minLength", "pattern", "type") and leaf.schema in (
                        BOTH_LANGUAGES, *BOTH_LANGUAGES["properties"].values()):
                    where = "/".join(str(p) for p in leaf.absolute_path if p not in ("en", "zh-CN"))
                    missing.add(prefix + ("/" + where if where else ""))
    return sorted(missing)


@pytest.mark.parametrize("key", sorted(template_library()))
def test_every_user_facing_text_of_a_builtin_template_is_in_both_languages(key):
    assert texts_without_chinese(template_library()[key]) == []


def test_a_name_in_one_language_is_found_wherever_it_is():
    crm = copy.deepcopy(template_library()["crm"])
    follow_up = next(i for i, f in enumerate(crm["forms"]) if f["key"] == "follow_up")
    crm["forms"][follow_up]["rules"][0]["name"] = "next follow-up time only with a reminder"
    crm["forms"][follow_up]["validations"][1]["message"] = {"en": "Describe a visit in at least 10 characters"}
    crm["forms"][follow_up]["automations"][0]["name"] = {"en": "create the reminder", "zh-CN": " "}
    crm["workflows"][0]["description"] = "1 day before"
    crm["templates"][0]["label"] = {"en": "Follow-up reminder notice"}
    crm["dashboards"][0]["charts"][1]["title"] = "This month vs target"
    contract = next(i for i, t in enumerate(crm["templates"]) if t["key"] == "customer_contract")
    crm["templates"][contract]["content"]["print"]["subject"] = "Sales contract {{ display.name }}"  # a print title
    crm["views"] = [{"name": "Key customers", "definition": {"type": "grid"}},  # a saved view's name
                    {"name": {"en": "Pipeline", "zh-CN": "商机看板"}, "definition": {"type": "kanban", "group_field": "stage"}}]
    assert texts_without_chinese(crm) == sorted([
        f"/forms/{follow_up}/rules/0/name", f"/forms/{follow_up}/validations/1/message",
        f"/forms/{follow_up}/automations/0/name", "/workflows/0/description", "/templates/0/label",
        "/dashboards/0/charts/1/title", f"/templates/{contract}/content/print/subject", "/views/0/name"])


def test_the_shipped_print_templates_are_titled_in_both_languages():
    """A print template's title (its PDF's title and file name) is a text per language in the built-in apps."""
    titles = {t["key"]: t["content"]["print"].get("subject") for app in template_library().values()
              for t in app.get("templates") or [] if t.get("purpose") == "print"}
    assert titles and all(isinstance(v, dict) and v.get("en") and v.get("zh-CN") for v in titles.values()), titles


@pytest.mark.parametrize("name", ["next follow-up time only with a reminder",
                                  {"en": "Next follow-up time only with a reminder", "zh-CN": "开启跟进提醒时显示下次跟进时间"}])
def test_the_schemas_take_a_name_as_text_or_per_language(name):
    """Old definitions (a plain text) keep working; the per-language form is accepted at the same places."""
    form = {"key": "follow_up", "label": "Follow-up", "fields": [{"id": "note", "type": "text", "label": "Note"}],
            "rules": [{"id": "r1", "name": name, "when": "note != null", "effects": [{"field": "note", "required": True}]}],
            "validations": [{"id": "v1", "name": name, "condition": "note != null", "message": name}],
            "automations": [{"id": "a1", "name": name, "action": {"type": "set_field", "map": [{"field": "note", "value": "x"}]}}]}
    workflow = {"key": "remind", "label": name, "description": name, "form": "follow_up",
                "trigger": {"type": "record_event", "on": ["created"]},
                "steps": [{"id": "tell", "type": "notify", "label": name, "to": [{"owner": True}], "template": "notice",
                           "channels": ["inbox"]}]}
    template = {"key": "notice", "form": "follow_up", "label": name, "description": name,
                "content": {"default": {"subject": "Hi", "body": "Hi"}}}
    printed = {"key": "card", "form": "follow_up", "label": name, "purpose": "print",
               "content": {"print": {"subject": name, "html": "<p>{{ display.note }}</p>"}}}
    view = {"name": name, "shared_roles": [], "definition": {"type": "grid"}}
    for schema, instance in (("form", form), ("workflow", workflow), ("template", template), ("template", printed),
                             ("view", view)):
        assert [e.json_path for e in _validator(schema, strict=False).iter_errors(instance)] == [], schema
    assert [e.json_path for e in _validator("form", strict=False).iter_errors({**form, "rules": [{**form["rules"][0], "name": 7}]})] \
        == ["$.rules[0].name"]
    assert [e.json_path for e in _validator("view", strict=False).iter_errors({**view, "name": {"fr": "Vue"}})] == ["$.name"]
    # a notification's subject stays one text (its languages are content kinds: default.zh-CN)
    assert [e.json_path for e in _validator("template", strict=False).iter_errors(
        {**template, "content": {"default": {"subject": name, "body": "Hi"}}})] == ([] if isinstance(name, str) else ["$.content.default.subject"])
