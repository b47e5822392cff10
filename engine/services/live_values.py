"""Values a form fills in by itself, the same in the browser as on the server.

- ``initial_values``: what a new record starts from in the generated form, each static default read by
  ``engine.field_defaults.default_value`` as the write path reads it on save, so the browser never sends ``"$now"``.
- ``fetched_values``: what picking a record in a reference field fills in (``fetch`` specs), read through the read gate
  as the actor may see it: the referenced record outside the actor's scope answers 404, and a fetched field hidden from
  the actor is left out. The generated form asks for it as soon as a reference is picked; a value the user chose is
  never overwritten (in the browser, and on save by ``engine.autofill``).
"""
from __future__ import annotations

from typing import Any

from engine.definitions import CompiledForm
from engine.errors import ErrorItem, ValidationFailed
from engine.fields import FIELD_TYPES
from engine.field_defaults import default_value
from engine.runtime import Actor, Runtime
from engine.services import records as record_service
from engine.services.form_lookup import compiled_form
from engine.services.readgate import read_view
from engine.services.reference_targets import target_of_field

def initial_values(rt: Runtime, actor: Actor, form: CompiledForm) -> dict[str, Any]:
    """The values a new record of ``form`` starts from in the generated form: each static default, resolved now."""
    now = rt.clock.now()
    out = {}
    for f in form.input_fields:
        default = f.get("default")
        if default is None or isinstance(default, dict):
            continue
        value = default_value(default, now=now, timezone=rt.timezone, user_id=actor.user_id)
        if value is not None:
            out[f["id"]] = value
    return out


def fetched_values(rt: Runtime, actor: Actor, app_key: str, form_key: str, field_id: str, record_id: int) -> dict[str, Any]:
    """``{fetched field id: value}`` of the fields ``form_key`` fetches from the record ``record_id`` picked in ``field_id``."""
    with rt.db.read() as conn:
        form = compiled_form(rt, conn, app_key, form_key)
        ref = form.by_id.get(field_id)
        if ref is None or ref.get("deleted") or not FIELD_TYPES.get(ref["type"]).is_reference or \
                (ref.get("options") or {}).get("multiple"):
            raise ValidationFailed(f"{field_id!r} is not a single reference field of {form_key!r}",
                                   [ErrorItem.coded("error.live.single_reference_item", path="/field", code="invalid")],
                                   message_code="error.live.single_reference", params={"field": repr(field_id), "form": repr(form_key)})
        hidden = read_view(rt, conn, actor, form).hidden
        specs = [(f["id"], f["fetch"]["field"]) for f in form.live_fields
                 if (f.get("fetch") or {}).get("from") == field_id and f["id"] not in hidden]
    if not specs:
        return {}
    # the read gate of the target (maybe another app's form): scope and fields, as the actor
    source = record_service.get_record(rt, actor, *target_of_field(ref, app_key), record_id)
    return {fid: source["data"].get(source_field) for fid, source_field in specs}
