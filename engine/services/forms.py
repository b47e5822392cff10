"""Apps, forms, drafts and publishing.

A form is edited as a draft; ``publish_form`` checks it, refuses changes that
existing data can't follow, and freezes it as an immutable ``FormVersion``.
Records store the version they were saved with.
"""
from __future__ import annotations

import copy
from typing import Any

import sqlalchemy as sa

from engine.definitions import CompiledForm, diff_definitions, meta_errors
from engine import bilingual_text, i18n
from engine.error_places import with_places
from engine.field_keys import key_for
from engine.errors import Conflict, DefinitionInvalid, ErrorItem, NotFound, PreconditionFailed
from engine.fields import FIELD_TYPES
from engine.fields.base import type_words
from engine.runtime import Actor, Runtime
from engine.storage import indexes
from engine.storage.tables import apps, form_versions, forms, records
from engine.authority import require_automation_rights
from engine.services import admin_audit
from engine.services import definition_access as access
from engine.services import field_usage
from engine.services import reference_targets
from engine.services.definition_access import require_definition_reader
from engine.services.form_lookup import app_row, compiled_form, compiled_version, form_id_for, form_row, version_definition  # noqa: F401  (re-exported)
from engine.services.permissions import require_capability

#: The admin-audit action of a draft save (its details hold the revision and the saved definition).
DRAFT_SAVE_ACTION = "form.save"


def _require_design(rt: Runtime, actor: Actor, conn=None) -> None:
    """Definitions change only for actors holding the ``design`` capability (enforced here, not only in the API)."""

    require_capability(rt, actor, "design", conn)


# -- apps ---------------------------------------------------------------

def app_dict(row, form_rows=()) -> dict:
    return {"key": row["key"], "label": row["label"], "description": bilingual_text.from_column(row["description"]),
            "template": {"key": row["template_key"], "version": row["template_version"]} if row["template_key"] else None,
            "created_at": row["created_at"].isoformat(), "updated_at": row["updated_at"].isoformat(),
            "forms": [form_summary(f) for f in form_rows]}


def form_summary(row) -> dict:
    draft = row["draft"]
    return {"key": row["key"], "label": draft.get("label"), "published_version": row["published_version"],
            "draft_revision": row["draft_revision"], "fields": len([f for f in draft.get("fields", []) if not f.get("deleted")])}


def list_apps(rt: Runtime) -> list[dict]:
    with rt.db.read() as conn:
        app_rows = conn.execute(sa.select(apps).where(apps.c.workspace_id == rt.workspace_id).order_by(apps.c.id)).mappings().all()
        form_rows = conn.execute(sa.select(forms).where(forms.c.app_id.in_([a["id"] for a in app_rows])).order_by(forms.c.id)).mappings().all()
    return [app_dict(a, [f for f in form_rows if f["app_id"] == a["id"]]) for a in app_rows]


def get_app(rt: Runtime, app_key: str) -> dict:
    with rt.db.read() as conn:
        row = app_row(conn, rt, app_key)
        form_rows = conn.execute(sa.select(forms).where(forms.c.app_id == row["id"]).order_by(forms.c.id)).mappings().all()
    return app_dict(row, form_rows)


def app_key_for(rt: Runtime, label: Any, conn=None) -> str:
    """A key for a new app made from its name like a field's (English, else pinyin), unique in the workspace."""
    def _taken(c):
        return {r.key for r in c.execute(sa.select(apps.c.key).where(apps.c.workspace_id == rt.workspace_id))}

    if conn is not None:
        return key_for(label, _taken(conn), "app")
    with rt.db.read() as c:
        return key_for(label, _taken(c), "app")


def create_app(rt: Runtime, actor: Actor, key: str | None, label: Any, description: Any = None,
               template: dict | None = None, conn=None) -> dict:
    """A new app; with no key (None or blank) and a name, the key is made from the name (``app_key_for``)."""
    _require_design(rt, actor, conn)
    if not (key or "").strip() and label and not (isinstance(label, str) and not label.strip()):
        key = app_key_for(rt, label, conn)
    shape = {"key": key, "label": label}
    errors = meta_errors(shape, "app")
    if errors:
        raise DefinitionInvalid("the app definition is not valid", errors, message_code="error.form.app_invalid")
    now = rt.clock.now()

    def _insert(c):
        if c.execute(sa.select(apps.c.id).where(apps.c.workspace_id == rt.workspace_id, apps.c.key == key)).first():
            raise Conflict(f"an app with key {key!r} already exists", [ErrorItem.coded("error.value.taken", path="/key")],
                           message_code="error.form.app_exists", params={"key": repr(key)})
        c.execute(sa.insert(apps).values(workspace_id=rt.workspace_id, key=key, label=label, description=bilingual_text.to_column(description), settings={},
                                         template_key=(template or {}).get("key"), template_version=(template or {}).get("version"),
                                         created_at=now, updated_at=now))

    if conn is not None:
        _insert(conn)
        return {"key": key}
    with rt.db.transaction() as c:
        _insert(c)
    return get_app(rt, key)


def update_app(rt: Runtime, actor: Actor, app_key: str, label: Any = None, description: Any = None) -> dict:
    _require_design(rt, actor)
    with rt.db.transaction() as conn:
        row = app_row(conn, rt, app_key)
        values: dict = {"updated_at": rt.clock.now()}
        if label is not None:
            errors = meta_errors({"key": app_key, "label": label}, "app")
            if errors:
                raise DefinitionInvalid("the app definition is not valid", errors, message_code="error.form.app_invalid")
            values["label"] = label
        if description is not None:
            values["description"] = bilingual_text.edited(row["description"], description)
        conn.execute(sa.update(apps).where(apps.c.id == row["id"]).values(**values))
    return get_app(rt, app_key)


# -- forms and drafts ----------------------------------------------------

def _sibling_drafts(conn, app_id: int, except_key: str | None = None) -> dict[str, dict]:
    rows = conn.execute(sa.select(forms.c.key, forms.c.draft).where(forms.c.app_id == app_id)).all()
    return {k: d for k, d in rows if k != except_key}


def draft_dict(row) -> dict:
    return {"key": row["key"], "definition": row["draft"], "draft_revision": row["draft_revision"],
            "published_version": row["published_version"], "updated_at": row["updated_at"].isoformat()}


def _normalized(definition: dict) -> dict:
    """Fill names from ids, so every field has the name rules use."""
    definition = copy.deepcopy(definition)
    for f in definition.get("fields", []) if isinstance(definition.get("fields"), list) else []:
        if isinstance(f, dict) and "id" in f and "name" not in f:
            f["name"] = f["id"]
    return definition


def create_form(rt: Runtime, actor: Actor, app_key: str, definition: dict, *, template: dict | None = None, conn=None) -> dict:
    _require_design(rt, actor, conn)
    definition = _normalized(definition)

    def _insert(c):
        app = app_row(c, rt, app_key)
        siblings = _sibling_drafts(c, app["id"], definition.get("key"))
        errors = reference_targets.check_definition(c, rt, definition, siblings, app_key)
        if errors:
            raise DefinitionInvalid("the form definition is not valid", with_places(definition, errors, siblings),
                                    message_code="error.form.invalid")
        if c.execute(sa.select(forms.c.id).where(forms.c.app_id == app["id"], forms.c.key == definition["key"])).first():
            raise Conflict(f"a form with key {definition['key']!r} already exists in app {app_key!r}",
                           [ErrorItem.coded("error.value.taken", path="/key")], message_code="error.form.exists",
                           params={"form": repr(definition["key"]), "app": repr(app_key)})
        now = rt.clock.now()
        c.execute(sa.insert(forms).values(app_id=app["id"], key=definition["key"], draft=definition, draft_revision=1,
                                          template_key=(template or {}).get("key"), template_version=(template or {}).get("version"),
                                          created_at=now, updated_at=now))

    if conn is not None:
        _insert(conn)
        return {"key": definition["key"]}
    with rt.db.transaction() as c:
        _insert(c)
    return get_draft(rt, app_key, definition["key"])


def get_draft(rt: Runtime, app_key: str, form_key: str, actor: Actor | None = None) -> dict:
    """The draft, for those who design or operate definitions (``actor=None``: the engine's own use)."""

    with rt.db.read() as conn:
        _, row = form_row(conn, rt, app_key, form_key)
        require_definition_reader(rt, actor, conn)
    return draft_dict(row)


def save_draft(rt: Runtime, actor: Actor, app_key: str, form_key: str, definition: dict, *, if_revision: int | None = None) -> dict:
    """Replace the draft. ``if_revision`` guards against overwriting another tab's edit (412)."""
    _require_design(rt, actor)
    definition = _normalized(definition)
    if isinstance(definition, dict) and definition.get("key", form_key) != form_key:
        raise DefinitionInvalid("a form's key can't be changed", [ErrorItem.coded("error.value.must_stay", key=repr(form_key), path="/key")],
                                message_code="error.form.key_fixed")
    if isinstance(definition, dict):
        definition.setdefault("key", form_key)
    with rt.db.transaction() as conn:
        app, row = form_row(conn, rt, app_key, form_key)
        if if_revision is not None and if_revision != row["draft_revision"]:
            raise PreconditionFailed(f"the draft was changed elsewhere (revision {row['draft_revision']}, you edited {if_revision}); reload it",
                                     current_revision=row["draft_revision"], message_code="error.form.changed_elsewhere",
                                     params={"revision": row["draft_revision"], "yours": if_revision})
        siblings = _sibling_drafts(conn, app["id"], form_key)
        errors = reference_targets.check_definition(conn, rt, definition, siblings, app_key)
        errors += _vanished_fields(row, definition)
        if not errors:
            for check in rt.pipeline.save_checks:  # the features' checks (engine.features)
                errors += check(rt, conn, app, definition, {**siblings, form_key: definition})
        if errors:
            raise DefinitionInvalid("the form definition is not valid", with_places(definition, errors, siblings),
                                    message_code="error.form.invalid")
        conn.execute(sa.update(forms).where(forms.c.id == row["id"]).values(
            draft=definition, draft_revision=row["draft_revision"] + 1, updated_at=rt.clock.now()))
        # each save is kept (who, when, the definition) for the version history and "restore as draft"
        admin_audit.record(rt, conn, actor, DRAFT_SAVE_ACTION, f"{app_key}/{form_key}",
                           revision=row["draft_revision"] + 1, definition=definition)
        row = conn.execute(sa.select(forms).where(forms.c.id == row["id"])).mappings().one()
    return draft_dict(row)


def _vanished_fields(row, definition: dict) -> list[ErrorItem]:
    """A published field can be deleted (kept, hidden), never dropped: its data must stay readable."""
    if row["published_version"] is None:
        return []
    kept = {f["id"] for f in definition.get("fields", [])}
    return [ErrorItem.coded("error.form.field_removed", field=repr(f["id"]), path="/fields", field_id=f["id"], code="field_removed")
            for f in row["draft"].get("fields", []) if f["id"] not in kept]


def diff_form(rt: Runtime, app_key: str, form_key: str, actor: Actor | None = None) -> dict:

    with rt.db.read() as conn:
        _, row = form_row(conn, rt, app_key, form_key)
        require_definition_reader(rt, actor, conn)
        published = version_definition(conn, row["id"], row["published_version"]) if row["published_version"] else None
    return {"published_version": row["published_version"], "draft_revision": row["draft_revision"],
            "changes": diff_definitions(published, row["draft"])}


def publish_form(rt: Runtime, actor: Actor, app_key: str, form_key: str, *, conn=None) -> dict:
    """Freeze the draft as the next FormVersion, or refuse with every reason."""
    if conn is None:
        with rt.db.transaction() as c:
            return publish_form(rt, actor, app_key, form_key, conn=c)
    _require_design(rt, actor, conn)
    app, row = form_row(conn, rt, app_key, form_key)
    definition = row["draft"]
    siblings = _sibling_drafts(conn, app["id"], form_key)
    errors = reference_targets.check_definition(conn, rt, definition, siblings, app_key)
    if not errors:
        for check in rt.pipeline.publish_checks:  # the features' checks (engine.features)
            errors += check(rt, conn, app, definition, {**siblings, form_key: definition})
    old = version_definition(conn, row["id"], row["published_version"]) if row["published_version"] else None
    if not errors and old is not None:
        errors += _type_change_problems(conn, row["id"], old, definition)
    errors += _broken_places(rt, conn, app_key, form_key, definition)
    if errors:
        raise DefinitionInvalid(f"form {form_key!r} can't be published", with_places(definition, errors, siblings),
                                message_code="error.form.cant_publish", params={"form": repr(form_key)})

    require_automation_rights(rt, conn, actor, app_key, form_key, definition)  # automations write only what the publisher may
    version = (row["published_version"] or 0) + 1
    now = rt.clock.now()
    conn.execute(sa.insert(form_versions).values(form_id=row["id"], version=version, definition=definition,
                                                 published_at=now, published_by=actor.user_id))
    conn.execute(sa.update(forms).where(forms.c.id == row["id"]).values(published_version=version, updated_at=now))
    indexes.ensure_indexes(conn, row["id"], definition)
    from engine.autofill import backfill_rollups, forget_rolling_up  # cycle: autofill reads compiled versions through this module
    backfill_rollups(rt, conn, row["id"], app_key, definition, old)  # new or re-pointed roll-ups: every record's value now
    forget_rolling_up(rt, row["id"])  # roll-ups over this form compiled here from its version before: compiled again
    return {"key": form_key, "version": version, "published_at": now.isoformat()}


def _broken_places(rt: Runtime, conn, app_key: str, form_key: str, definition: dict) -> list[ErrorItem]:
    """Each place outside the form (other forms, templates, workflows, dashboards) still using a deleted field, and
    each roll-up elsewhere following a field re-pointed or retyped away from its form."""
    problems = []
    for i, f in enumerate(definition.get("fields", [])):
        if f.get("deleted"):
            for place in field_usage.outside_uses(rt, conn, app_key, form_key, definition, f["id"]):
                problems.append(ErrorItem.coded("error.form.deleted_field_used", field=repr(f["id"]), kind=i18n.texts(f"error.place_kind.{place['kind']}"),
                                                key=repr(place["key"]), where=place["path"], path=f"/fields/{i}", field_id=f["id"],
                                                code="field_in_use",
                                                extra={"place": {k: place[k] for k in ("kind", "key", "label", "path", "link")}}))
        elif isinstance(f.get("id"), str):  # re-pointed or retyped: a roll-up following it as its link breaks too
            for place in reference_targets.rollups_broken_by(conn, rt, app_key, form_key, f):
                problems.append(ErrorItem.coded("error.form.via_field_changed", field=repr(f["id"]), kind=i18n.texts(f"error.place_kind.{place['kind']}"),
                                                key=repr(place["key"]), where=place["path"], path=f"/fields/{i}", field_id=f["id"],
                                                code="field_in_use", extra={"place": place}))
    return problems


def _type_change_problems(conn, form_id: int, old: dict, new: dict) -> list[ErrorItem]:
    problems = []
    old_fields = {f["id"]: f for f in old.get("fields", [])}
    for i, f in enumerate(new.get("fields", [])):
        before = old_fields.get(f["id"])
        if not before or before["type"] == f["type"] and before.get("options") == f.get("options"):
            continue
        new_type = FIELD_TYPES.get(f["type"])
        if new_type.engine_set:
            continue
        stored = conn.execute(sa.select(records.c.data[f["id"]]).where(
            records.c.form_id == form_id, records.c.data[f["id"]].isnot(None))).scalars()
        bad = sum(1 for value in stored if value is not None and not new_type.can_hold(value, f))
        if bad:
            retyped = before["type"] != f["type"]
            problems.append(ErrorItem.coded("error.form.incompatible_type" if retyped else "error.form.incompatible_options",
                                            old=type_words(before["type"]), new=type_words(f["type"]), count=bad,
                                            path=f"/fields/{i}/type" if retyped else f"/fields/{i}/options",
                                            field_id=f["id"], code="incompatible_change", extra={"affected_records": bad}))
    return problems


def list_versions(rt: Runtime, app_key: str, form_key: str, actor: Actor | None = None) -> list[dict]:

    with rt.db.read() as conn:
        _, row = form_row(conn, rt, app_key, form_key)
        require_definition_reader(rt, actor, conn)
        rows = conn.execute(sa.select(form_versions.c.version, form_versions.c.published_at, form_versions.c.published_by)
                            .where(form_versions.c.form_id == row["id"]).order_by(form_versions.c.version)).all()
    return [{"version": v, "published_at": at.isoformat(), "published_by": by} for v, at, by in rows]


def compiled_published_version(rt: Runtime, conn, app_key: str, form_key: str, version: int) -> CompiledForm:
    """One published version, compiled (cached by version); NotFound for a version that doesn't exist."""
    get_version(rt, app_key, form_key, version)
    return compiled_version(rt, conn, form_id_for(conn, rt, app_key, form_key), version, app_key)


def get_version(rt: Runtime, app_key: str, form_key: str, version: int, actor: Actor | None = None) -> dict:
    """One published version. Designers and operators read any; whoever may create or read the form's records reads
    the live version (what rendering the form needs), without its automations; anyone else gets 403."""

    with rt.db.read() as conn:
        _, row = form_row(conn, rt, app_key, form_key)
        designer = access.can_read_definitions(rt, actor, conn)
        if not designer and not (version == row["published_version"] and access.may_use_form(rt, conn, actor, app_key, form_key)):
            access.require_definition_reader(rt, actor, conn)
        found = conn.execute(sa.select(form_versions).where(form_versions.c.form_id == row["id"], form_versions.c.version == version)).mappings().first()
    if found is None:
        raise NotFound(f"form {form_key!r} has no version {version}", path="/version", message_code="error.form.no_version",
                       params={"form": repr(form_key), "version": version})
    definition = found["definition"] if designer else access.published_form_for_user(found["definition"])
    return {"version": version, "definition": definition, "published_at": found["published_at"].isoformat()}
