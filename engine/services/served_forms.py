"""The compiled form a read served last, checked by the read's own first statement instead of a look-up of its own.

``compiled_form`` spends a statement per request finding which version of a form is published. A read (one record, a
list page) instead starts from the compiled form this process last served under the same app and form keys, and its
first statement carries one more column: the version published now under those keys and that form id (NULL when the
form was deleted or replaced, the app renamed, the form unpublished). When that is not the version it used, the read's
answer is thrown away and the read runs again from ``compiled_form``. So a publish in another worker is seen by the
next read, as before, and costs that read one repeated statement; a steady read costs no look-up at all.
"""
from __future__ import annotations

import weakref

import sqlalchemy as sa

from engine.definitions import CompiledForm, FormCache
from engine.runtime import Runtime
from engine.services.form_lookup import compiled_form
from engine.storage.tables import apps, forms, records

#: the label of the column a checked statement carries
PUBLISHED_NOW = "published_now"

#: per runtime (by its form cache): (app key, form key) -> the compiled form a read last served
_SERVED: "weakref.WeakKeyDictionary[FormCache, dict[tuple[str, str], CompiledForm]]" = weakref.WeakKeyDictionary()


def last_served(rt: Runtime, app_key: str, form_key: str) -> CompiledForm | None:
    """The compiled form a read last served under these keys in this process (unchecked), or None; also None once the
    runtime's form cache let it go (a form deleted here: SQLite may give its id and version 1 to the next one)."""
    form = _SERVED.get(rt.forms, {}).get((app_key, form_key))
    return form if form is not None and rt.forms.held(form.form_id, form.version) is form else None


def current(rt: Runtime, conn, app_key: str, form_key: str) -> CompiledForm:
    """``compiled_form`` (one statement), remembered for the next read."""
    form = compiled_form(rt, conn, app_key, form_key)
    _SERVED.setdefault(rt.forms, {})[(app_key, form_key)] = form
    return form


#: the column: the version published now under the served form's keys and id (``checking(rt, form)`` fills it in)
_PUBLISHED_NOW = (sa.select(forms.c.published_version).join(apps, apps.c.id == forms.c.app_id)
                  .where(forms.c.id == sa.bindparam("served_form_id"), forms.c.key == sa.bindparam("served_form"),
                         apps.c.key == sa.bindparam("served_app"), apps.c.workspace_id == sa.bindparam("served_ws"))
                  .scalar_subquery().label(PUBLISHED_NOW))
#: one record with that column; made once (building it per request cost more than running it)
_RECORD_CHECKED = sa.select(records, _PUBLISHED_NOW).where(records.c.id == sa.bindparam("served_record"),
                                                          records.c.form_id == sa.bindparam("served_form_id"))


def published_now() -> sa.Label:
    """A column for a read's first statement, executed with ``checking(rt, form)``'s parameters: the version published
    now under ``form``'s keys and id (NULL if none)."""
    return _PUBLISHED_NOW


def checking(rt: Runtime, form: CompiledForm) -> dict:
    """The parameters ``published_now()`` takes for ``form``."""
    return {"served_form_id": form.form_id, "served_form": form.key, "served_app": form.app_key, "served_ws": rt.workspace_id}


def still_published(form: CompiledForm, row) -> bool:
    """``row`` (of a statement carrying ``published_now``) says ``form`` is the version published now."""
    return row is not None and row[PUBLISHED_NOW] == form.version


def record_row(rt: Runtime, conn, app_key: str, form_key: str, record_id: int):
    """(the published form, its stored row of ``record_id`` or None): one statement while the form stays the one served
    last; a missing row or another version is looked up the long way (``current``, then the row)."""
    form = last_served(rt, app_key, form_key)
    if form is not None:
        row = conn.execute(_RECORD_CHECKED, {**checking(rt, form), "served_record": record_id}).mappings().first()
        if still_published(form, row):
            return form, row
    form = current(rt, conn, app_key, form_key)
    return form, conn.execute(sa.select(records).where(records.c.id == record_id, records.c.form_id == form.form_id)).mappings().first()
