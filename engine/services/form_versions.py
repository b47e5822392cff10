"""A form's version history and "restore as draft".

``version_history`` lists the published versions newest first, each with who published it, when, and what it
changed against the version before it as sentences in the reader's language (``engine.services.form_diff``);
the draft leads the list when it differs from the published version. ``restore_as_draft`` makes a version's
definition the draft: nothing published changes until the draft is published again.
"""
from __future__ import annotations

import copy

import sqlalchemy as sa

from engine.errors import NotFound
from engine.runtime import Actor, Runtime
from engine.services import forms as form_service
from engine.services.definition_access import require_definition_reader
from engine.services.form_diff import LOCALES, changes_between, first_publish, record_counter
from engine.services.form_lookup import form_row
from engine.services.permissions import require_capability
from engine.storage.tables import form_versions, users

#: Versions one history answer lists (the newest first); older ones stay readable by number.
MAX_HISTORY_VERSIONS = 200


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
    draft = {"draft_revision": row["draft_revision"], "updated_at": row["updated_at"].isoformat(),
             "unpublished_changes": published is None or published != row["draft"]}
    return {"draft": draft, "items": items}


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
        raise NotFound(f"form {form_key!r} has no version {version}", path="/version")
    return form_service.save_draft(rt, actor, app_key, form_key, restored_definition(found, row["draft"]),
                                   if_revision=row["draft_revision"] if if_revision is None else if_revision)
