"""Finding apps and forms by key, and their published versions compiled (cached by version): the lookups every
service shares. No permission checks here; this module sits below ``forms``, ``permissions`` and the
services that guard with them, so none of them imports another to find a row."""
from __future__ import annotations

import sqlalchemy as sa

from engine.definitions import CompiledForm
from engine.errors import NotFound
from engine.runtime import Runtime
from engine.storage.tables import apps, form_versions, forms


def app_row(conn, rt: Runtime, app_key: str):
    row = conn.execute(sa.select(apps).where(apps.c.workspace_id == rt.workspace_id, apps.c.key == app_key)).mappings().first()
    if row is None:
        raise NotFound(f"app {app_key!r} does not exist", path="/app")
    return row


def form_row(conn, rt: Runtime, app_key: str, form_key: str):
    app = app_row(conn, rt, app_key)
    row = conn.execute(sa.select(forms).where(forms.c.app_id == app["id"], forms.c.key == form_key)).mappings().first()
    if row is None:
        raise NotFound(f"form {form_key!r} does not exist in app {app_key!r}", path="/form")
    return app, row


def version_definition(conn, form_id: int, version: int) -> dict:
    return conn.execute(sa.select(form_versions.c.definition).where(
        form_versions.c.form_id == form_id, form_versions.c.version == version)).scalar_one()


# -- compiled forms -----------------------------------------------------

def compiled_form(rt: Runtime, conn, app_key: str, form_key: str) -> CompiledForm:
    """The published form, compiled (cached by version). Refuses a never-published form."""
    row = conn.execute(_PUBLISHED, {"ws": rt.workspace_id, "app": app_key, "form": form_key}).first()
    if row is None:
        form_row(conn, rt, app_key, form_key)  # raises the precise NotFound (app or form)
    if row is None or row[1] is None:
        raise NotFound(f"form {form_key!r} has not been published yet", path="/form")
    return compiled_version(rt, conn, row[0], row[1], app_key)


#: the form id and published version for (workspace, app key, form key), without loading the draft
_PUBLISHED = (sa.select(forms.c.id, forms.c.published_version).join(apps, apps.c.id == forms.c.app_id)
              .where(apps.c.workspace_id == sa.bindparam("ws"), apps.c.key == sa.bindparam("app"),
                     forms.c.key == sa.bindparam("form")))


def compiled_version(rt: Runtime, conn, form_id: int, version: int, app_key: str | None = None) -> CompiledForm:
    def build():
        definition = version_definition(conn, form_id, version)
        key_app = app_key or conn.execute(sa.select(apps.c.key).join(forms, forms.c.app_id == apps.c.id).where(forms.c.id == form_id)).scalar_one()
        compiled = CompiledForm(form_id=form_id, key=definition["key"], app_key=key_app, version=version, definition=definition)
        return rt.pipeline.compile(rt, conn, compiled)  # each feature's artefact in its attribute (rules, autofill...)

    return rt.forms.get(form_id, version, build)


def form_id_for(conn, rt: Runtime, app_key: str, form_key: str) -> int:
    return form_row(conn, rt, app_key, form_key)[1]["id"]
