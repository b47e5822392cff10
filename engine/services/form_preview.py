"""The designer's preview: a draft definition (the one on screen, saved or not) checked and compiled as publishing would,
so the generated form can run it before anything is published.

``preview_form`` answers the definition, its rules and computed fields as browser scripts (the same compilers and
script writers as a published version: ``engine.formrules.rules_js``, ``engine.autofill.computed_js``) and the values
a new record starts from, with one empty row in each sub-table as sample data. Nothing is stored.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from engine.autofill import compile_autofill, computed_js
from engine.definitions import CompiledForm
from engine.errors import DefinitionInvalid
from engine.fields import FIELD_TYPES
from engine.formrules import compile_form_rules, publish_resolver, rules_js
from engine.runtime import Actor, Runtime
from engine.services import reference_targets
from engine.services.form_lookup import form_row
from engine.services.live_values import initial_values
from engine.services.permissions import require_capability
from engine.storage.tables import forms

#: Sample rows each sub-table starts with in the preview (the user adds and removes more).
PREVIEW_SAMPLE_ROWS = 1


@dataclass
class FormPreview:
    definition: dict
    rules_js: str
    computed_js: str
    values: dict[str, Any]
    published_version: int | None


def preview_form(rt: Runtime, actor: Actor, app_key: str, form_key: str, definition: dict) -> FormPreview:
    """``definition`` compiled for the preview, or DefinitionInvalid naming every problem by its path."""
    require_capability(rt, actor, "design")
    definition = copy.deepcopy(definition)
    definition["key"] = form_key
    for f in definition.get("fields", []) if isinstance(definition.get("fields"), list) else []:
        if isinstance(f, dict) and "id" in f:
            f.setdefault("name", f["id"])
    with rt.db.read() as conn:
        app, row = form_row(conn, rt, app_key, form_key)
        siblings = {k: d for k, d in conn.execute(sa.select(forms.c.key, forms.c.draft).where(forms.c.app_id == app["id"])).all()
                    if k != form_key}
        errors = reference_targets.check_definition(conn, rt, definition, siblings, app_key)
        if errors:
            raise DefinitionInvalid(f"the draft of form {form_key!r} can't be previewed", errors,
                                    message_code="error.form.cant_preview", params={"form": repr(form_key)})
        resolve = publish_resolver(conn, app, definition, {**siblings, form_key: definition})
        rules, rule_errors = compile_form_rules(definition, resolve)
        autofill, fill_errors = compile_autofill(definition, resolve, app["key"])
        if rule_errors or fill_errors:
            raise DefinitionInvalid(f"the draft of form {form_key!r} can't be previewed", rule_errors + fill_errors,
                                    message_code="error.form.cant_preview", params={"form": repr(form_key)})
        values = initial_values(rt, actor, CompiledForm(form_id=row["id"], key=form_key, app_key=app_key, version=0, definition=definition))
    for f in definition.get("fields", []):
        if not f.get("deleted") and FIELD_TYPES.get(f["type"]).stores_rows:
            values.setdefault(f["id"], [{} for _ in range(PREVIEW_SAMPLE_ROWS)])
    return FormPreview(definition, rules_js(rules), computed_js(autofill), values, row["published_version"])
