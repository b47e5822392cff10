"""Finding apps and forms by key, and their published versions compiled (cached by version): the lookups every
service shares. No permission checks here; this module sits below ``forms``, ``permissions`` and the
services that guard with them, so none of them imports another to find a row."""
from __future__ import annotations

import weakref
from dataclasses import dataclass

import sqlalchemy as sa

from engine.definitions import CompiledForm, FormCache
from engine.errors import NotFound
from engine.runtime import Runtime
from engine.storage import driver_sql, record_rows
from engine.storage.tables import apps, form_versions, forms, records
from engine.workflows.tables import workflows


def app_row(conn, rt: Runtime, app_key: str):
    row = conn.execute(sa.select(apps).where(apps.c.workspace_id == rt.workspace_id, apps.c.key == app_key)).mappings().first()
    if row is None:
        raise NotFound(f"app {app_key!r} does not exist", path="/app",
                       message_code="error.app.not_found", params={"app": repr(app_key)})
    return row


def form_row(conn, rt: Runtime, app_key: str, form_key: str):
    app = app_row(conn, rt, app_key)
    row = conn.execute(sa.select(forms).where(forms.c.app_id == app["id"], forms.c.key == form_key)).mappings().first()
    if row is None:
        raise NotFound(f"form {form_key!r} does not exist in app {app_key!r}", path="/form",
                       message_code="error.app.no_form", params={"form": repr(form_key), "app": repr(app_key)})
    return app, row


def version_definition(conn, form_id: int, version: int) -> dict:
    return conn.execute(sa.select(form_versions.c.definition).where(
        form_versions.c.form_id == form_id, form_versions.c.version == version)).scalar_one()


# -- compiled forms -----------------------------------------------------

def compiled_form(rt: Runtime, conn, app_key: str, form_key: str) -> CompiledForm:
    """The published form, compiled (cached by version). Refuses a never-published form."""
    row = _published_row(rt, conn, _PUBLISHED, app_key, form_key)
    return compiled_version(rt, conn, row[0], row[1], app_key)


@dataclass(frozen=True)
class Neighbours:
    """What a save of one form reads of the definitions around it, as (id, published version) pairs sorted by id: the
    app's published forms (roll-ups and live fetches over this form) and this form's enabled, published workflows
    (due events). Read by the statement that finds the form, so a save spends no statement of its own on them; a
    value, so what is worked out from it can be cached under it (``autofill``, ``planner``)."""

    published_forms: tuple[tuple[int, int], ...]
    live_workflows: tuple[tuple[int, int], ...]


def compiled_form_to_write(rt: Runtime, conn, app_key: str, form_key: str) -> tuple[CompiledForm, Neighbours]:
    """``compiled_form`` for a save, with the form's ``Neighbours`` read by the same statement."""
    row = _published_row(rt, conn, _PUBLISHED_WITH_NEIGHBOURS[conn.dialect.name], app_key, form_key)
    return compiled_version(rt, conn, row[0], row[1], app_key), Neighbours(_pairs(row[2]), _pairs(row[3]))


# -- a create that trusts the form it saved with last -----------------------------------------

class StaleForm(Exception):
    """The form a create trusted is no longer the one published under its keys: nothing of that create may stay."""


#: per runtime (by its form cache): (app key, form key) -> the compiled form a create saved with last in this process
_SAVED_WITH: "weakref.WeakKeyDictionary[FormCache, dict[tuple[str, str], CompiledForm]]" = weakref.WeakKeyDictionary()


def last_saved_with(rt: Runtime, app_key: str, form_key: str) -> CompiledForm | None:
    """The compiled form a create last saved with under these keys in this process (unchecked), or None."""
    return _SAVED_WITH.get(rt.forms, {}).get((app_key, form_key))


def remember_saved_with(rt: Runtime, form: CompiledForm) -> None:
    _SAVED_WITH.setdefault(rt.forms, {})[(form.app_key, form.key)] = form


def still_published(rt: Runtime, form: CompiledForm) -> bool:
    """Whether ``form`` is still the version published under its keys (one read): a refusal made with it stands."""
    with rt.db.quick_read() as conn:
        row = conn.execute(_PUBLISHED, {"ws": rt.workspace_id, "app": form.app_key, "form": form.key}).first()
    return row is not None and tuple(row) == (form.form_id, form.version)


def insert_checked(rt: Runtime, conn, form: CompiledForm, params: dict, audit: dict, *, later: bool = False) -> tuple[dict, Neighbours]:
    """PostgreSQL: a new record of the trusted ``form`` (``record_rows.INSERT_RECORD_VALUES`` parameters), its audit row,
    the version published now under the form's keys and its ``Neighbours``, in one statement; ``StaleForm`` when that
    version is not ``form``'s (the caller rolls the transaction back and creates the usual way). ``later``: the
    record's row and audit row are left for later in the transaction (``record_serials``): the statement takes its id
    and stores its keys, and the row comes back as it will be written."""
    checks = {"chk_ws": rt.workspace_id, "chk_app": form.app_key, "chk_form": form.key, "chk_id": form.form_id}
    if later:
        row = driver_sql.one_row(conn, _RESERVE_CHECKED["dedup_keys" in params], {**params, **checks})
    else:
        row = conn.execute(_INSERT_CHECKED["serial_field" in params, "dedup_keys" in params], {**params, **audit, **checks}).mappings().one()
    if row["published_now"] != form.version:
        raise StaleForm(f"form {form.key!r} is no longer at version {form.version}")
    saved = {**{key: params[key] for key in _RECORD_COLUMNS if key in params}, "data": dict(params["data"])} if later else {}
    saved.update((key, row[key]) for key in _RECORD_COLUMNS + ("keys_unique",) if key in row)
    return saved, Neighbours(_pairs(row["published_forms"]), _pairs(row["live_workflows"]))


def _published_row(rt: Runtime, conn, statement, app_key: str, form_key: str):
    row = conn.execute(statement, {"ws": rt.workspace_id, "app": app_key, "form": form_key}).first()
    if row is None:
        form_row(conn, rt, app_key, form_key)  # raises the precise NotFound (app or form)
    if row is None or row[1] is None:
        raise NotFound(f"form {form_key!r} has not been published yet", path="/form",
                       message_code="error.form.not_published", params={"form": repr(form_key)})
    return row


def _pairs(text: str | None) -> tuple[tuple[int, int], ...]:
    """``"3:2,1:5"`` (an aggregate of "id:version" in no set order) -> ((1, 5), (3, 2))."""
    if not text:
        return ()
    return tuple(sorted(tuple(int(n) for n in item.split(":")) for item in text.split(",")))


#: the form id and published version for (workspace, app key, form key), without loading the draft
_PUBLISHED = (sa.select(forms.c.id, forms.c.published_version).join(apps, apps.c.id == forms.c.app_id)
              .where(apps.c.workspace_id == sa.bindparam("ws"), apps.c.key == sa.bindparam("app"),
                     forms.c.key == sa.bindparam("form")))


#: the aggregate that joins strings, by dialect
_JOINED = {"postgresql": sa.func.string_agg, "sqlite": sa.func.group_concat}


def _id_version_list(dialect: str, table, where):
    """SQL: "id:published_version" of ``table``'s rows matching ``where``, joined by commas (NULL when none)."""
    item = sa.cast(table.c.id, sa.String) + sa.literal_column("':'") + sa.cast(table.c.published_version, sa.String)
    return sa.select(_JOINED[dialect](item, sa.literal_column("','"))).where(*where).scalar_subquery()


_SIBLING = forms.alias("sibling")
#: ``_PUBLISHED`` and the form's ``Neighbours``, by dialect: two subqueries on indexed columns, no extra round trip
_PUBLISHED_WITH_NEIGHBOURS = {dialect: (
    sa.select(forms.c.id, forms.c.published_version,
              _id_version_list(dialect, _SIBLING, (_SIBLING.c.app_id == forms.c.app_id, _SIBLING.c.published_version.isnot(None))),
              _id_version_list(dialect, workflows, (workflows.c.form_id == forms.c.id, workflows.c.enabled.is_(True),
                                                    workflows.c.published_version.isnot(None))))
    .join(apps, apps.c.id == forms.c.app_id)
    .where(apps.c.workspace_id == sa.bindparam("ws"), apps.c.key == sa.bindparam("app"), forms.c.key == sa.bindparam("form")))
    for dialect in _JOINED}

_RECORD_COLUMNS = tuple(records.c.keys())
#: beside a trusted create's row: the version published now under the form's keys (the same workspace, app key, form
#: key and id) and its ``Neighbours``
_CHECKS = (
    sa.select(forms.c.published_version).join(apps, apps.c.id == forms.c.app_id)
    .where(forms.c.id == sa.bindparam("chk_id"), forms.c.key == sa.bindparam("chk_form"), apps.c.key == sa.bindparam("chk_app"),
           apps.c.workspace_id == sa.bindparam("chk_ws")).scalar_subquery().label("published_now"),
    _id_version_list("postgresql", _SIBLING, (_SIBLING.c.app_id == sa.select(forms.c.app_id).where(forms.c.id == sa.bindparam("chk_id"))
                                              .scalar_subquery(), _SIBLING.c.published_version.isnot(None))).label("published_forms"),
    _id_version_list("postgresql", workflows, (workflows.c.form_id == sa.bindparam("chk_id"), workflows.c.enabled.is_(True),
                                               workflows.c.published_version.isnot(None))).label("live_workflows"))
#: ``insert_checked``'s statement: the record, its audit row and ``_CHECKS``; by whether the insert takes a serial number
#: (``record_rows.NUMBERED_INSERT``) and whether it stores duplicate-check keys
_INSERT_CHECKED = {(numbered, keyed): record_rows.with_audit(
    record_rows.NUMBERED_INSERT if numbered else record_rows.INSERT_RECORD_VALUES, *_CHECKS, numbered=numbered, keyed=keyed)
    for numbered in (False, True) for keyed in (False, True)}
#: ``insert_checked``'s statement when the record's row is written last (``record_rows.reserve``): its id, its keys and
#: ``_CHECKS``, by whether it stores duplicate-check keys
_RESERVE_CHECKED = {keyed: record_rows.reserve(*_CHECKS, keyed=keyed) for keyed in (False, True)}


def compiled_version(rt: Runtime, conn, form_id: int, version: int, app_key: str | None = None) -> CompiledForm:
    def build():
        definition = version_definition(conn, form_id, version)
        key_app = app_key or conn.execute(sa.select(apps.c.key).join(forms, forms.c.app_id == apps.c.id).where(forms.c.id == form_id)).scalar_one()
        compiled = CompiledForm(form_id=form_id, key=definition["key"], app_key=key_app, version=version, definition=definition)
        return rt.pipeline.compile(rt, conn, compiled)  # each feature's artefact in its attribute (rules, autofill...)

    return rt.forms.get(form_id, version, build)


def form_id_for(conn, rt: Runtime, app_key: str, form_key: str) -> int:
    return form_row(conn, rt, app_key, form_key)[1]["id"]
