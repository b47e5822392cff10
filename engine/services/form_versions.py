"""A form's version history and "restore as draft".

``version_history`` lists the published versions newest first, each with who published it, when, and what it
changed against the version before it as sentences in the reader's language (``engine.services.form_diff``),
and the draft saves newest first (who saved, when, what the save changed against the save before it; kept as
``form.save`` admin-audit entries by ``forms.save_draft``). ``restore_as_draft`` makes a version's definition the
draft and ``restore_save_as_draft`` a saved draft's: nothing published changes until the draft is published again.
"""
from __future__ import annotations

import copy

import sqlalchemy as sa

from engine.errors import NotFound
from engine.runtime import Actor, Runtime
from engine.services import forms as form_service
from engine.services.forms import DRAFT_SAVE_ACTION
from engine.services.definition_access import require_definition_reader
from engine.services.form_diff import LOCALES, changes_between, first_publish, first_save, record_counter
from engine.services.form_lookup import form_row
from engine.services.permissions import require_capability
from engine.storage.access_tables import admin_audit
from engine.storage.tables import form_versions, users

#: Versions one history answer lists (the newest first); older ones stay readable by number.
MAX_HISTORY_VERSIONS = 200
#: Draft saves one history answer lists (the newest first); only these can be restored from the history.
MAX_HISTORY_SAVES = 100


def version_history(rt: Runtime, app_key: str, form_key: str, locale: str = "en", actor: Actor | None = None) -> dict:
    """``{draft, items}``: the draft's revision and whether it differs from the published version, then each
    published version (newest first) with ``published_by`` ``{id, name}``, ``published_at`` and ``changes`` (groups)."""
    locale = locale if locale in LOCALES else "en"
    with rt.db.read() as conn:
        _, row = form_row(conn, rt, app_key, form_key)
        require_definition_reader(rt, actor, conn)
        rows = conn.execute(sa.select(form_versions.c.version, form_versions.c.definition, form_versions.c.published_at,
                                      form_versions.c.published_by, users.c.display_name, users.c.username)
                            .select_from(form_versions.outerjoin(users, users.c.id == form_versions.c.published_by))
                            .where(form_versions.c.form_id == row["id"])
                            .order_by(form_versions.c.version.desc()).limit(MAX_HISTORY_VERSIONS + 1)).mappings().all()
        count = record_counter(conn, row["id"])
        items = []
        for i, v in enumerate(rows[:MAX_HISTORY_VERSIONS]):
            before = rows[i + 1]["definition"] if i + 1 < len(rows) else None
            items.append({"version": v["version"], "published_at": v["published_at"].isoformat(),
                          "published_by": {"id": v["published_by"], "name": v["display_name"] or v["username"]}
                          if v["published_by"] is not None else None,
                          "current": v["version"] == row["published_version"],
                          "changes": changes_between(before, v["definition"], locale, count) if before is not None
                          else first_publish(v["definition"], locale)})
        published = rows[0]["definition"] if rows else None
        saves = draft_saves(conn, rt, row["id"], app_key, form_key, locale, count)
    draft = {"draft_revision": row["draft_revision"], "updated_at": row["updated_at"].isoformat(),
             "unpublished_changes": published is None or published != row["draft"]}
    return {"draft": draft, "items": items, "saves": saves}


def _save_rows(conn, rt: Runtime, app_key: str, form_key: str, limit: int) -> list:
    """The newest ``limit`` draft-save entries of a form, newest first, with the saver's name."""
    return conn.execute(sa.select(admin_audit.c.details, admin_audit.c.at, admin_audit.c.actor_id, admin_audit.c.actor,
                                  users.c.display_name, users.c.username)
                        .select_from(admin_audit.outerjoin(users, users.c.id == admin_audit.c.actor_id))
                        .where(admin_audit.c.workspace_id == rt.workspace_id, admin_audit.c.action == DRAFT_SAVE_ACTION,
                               admin_audit.c.target == f"{app_key}/{form_key}")
                        .order_by(admin_audit.c.id.desc()).limit(limit)).mappings().all()


def draft_saves(conn, rt: Runtime, form_id: int, app_key: str, form_key: str, locale: str, count) -> list[dict]:
    """Each draft save newest first: ``revision``, ``saved_at``, ``saved_by`` ``{id, name}`` and ``changes`` (groups of
    sentences against the save before it; the oldest listed one against the version published by then, if any)."""
    rows = _save_rows(conn, rt, app_key, form_key, MAX_HISTORY_SAVES + 1)
    out = []
    for i, s in enumerate(rows[:MAX_HISTORY_SAVES]):
        definition = s["details"].get("definition") or {}
        before = rows[i + 1]["details"].get("definition") if i + 1 < len(rows) else _published_by(conn, form_id, s["at"])
        out.append({"revision": s["details"].get("revision"), "saved_at": s["at"].isoformat(),
                    "saved_by": {"id": s["actor_id"], "name": s["display_name"] or s["username"] or s["actor"]}
                    if s["actor_id"] is not None else None,
                    "changes": changes_between(before, definition, locale, count) if before is not None
                    else first_save(definition, locale)})
    return out


def restored_definition(version_def: dict, draft: dict) -> dict:
    """``version_def`` as the new draft: fields the draft has and the version lacks stay, marked deleted (their data
    stays readable and their keys stay taken), so a restore never drops a field that may hold data."""
    out = copy.deepcopy(version_def)
    kept = {f["id"] for f in out.get("fields", [])}
    out["fields"] = out.get("fields", []) + [{**copy.deepcopy(f), "deleted": True} for f in draft.get("fields", []) if f["id"] not in kept]
    return out


def restore_as_draft(rt: Runtime, actor: Actor, app_key: str, form_key: str, version: int, *, if_revision: int | None = None) -> dict:
    """Make published ``version`` the draft (checked as any draft save is; 412 on a stale ``if_revision``)."""
    require_capability(rt, actor, "design")
    with rt.db.read() as conn:
        _, row = form_row(conn, rt, app_key, form_key)
        found = conn.execute(sa.select(form_versions.c.definition).where(
            form_versions.c.form_id == row["id"], form_versions.c.version == version)).scalar()
    if found is None:
        raise NotFound(f"form {form_key!r} has no version {version}", path="/version", message_code="error.form.no_version",
                       params={"form": repr(form_key), "version": version})
    return form_service.save_draft(rt, actor, app_key, form_key, restored_definition(found, row["draft"]),
                                   if_revision=row["draft_revision"] if if_revision is None else if_revision)


def _published_by(conn, form_id: int, at) -> dict | None:
    """The definition of the newest version published at or before ``at`` (None before the first publish)."""
    return conn.execute(sa.select(form_versions.c.definition).where(
        form_versions.c.form_id == form_id, form_versions.c.published_at <= at)
        .order_by(form_versions.c.version.desc()).limit(1)).scalar()


def restore_save_as_draft(rt: Runtime, actor: Actor, app_key: str, form_key: str, revision: int, *,
                          if_revision: int | None = None) -> dict:
    """Make the draft saved as ``revision`` the draft again (one of the listed saves; checked as any save is)."""
    require_capability(rt, actor, "design")
    with rt.db.read() as conn:
        _, row = form_row(conn, rt, app_key, form_key)
        found = next((s["details"].get("definition") for s in _save_rows(conn, rt, app_key, form_key, MAX_HISTORY_SAVES)
                      if s["details"].get("revision") == revision), None)
    if found is None:
        raise NotFound(f"form {form_key!r} has no listed draft save with revision {revision}", path="/revision",
                       message_code="error.form.no_draft_save", params={"form": repr(form_key), "revision": revision})
    return form_service.save_draft(rt, actor, app_key, form_key, restored_definition(found, row["draft"]),
                                   if_revision=row["draft_revision"] if if_revision is None else if_revision)
