"""The audit of admin actions: who created which user, changed which role or grant, issued or revoked which token, published which form.

Record changes have their own audit (``record_audit``); this one covers the
definitions of who may do what.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from engine.clock import utc_iso
from engine.runtime import Actor, Runtime
from engine.storage.access_tables import admin_audit
from engine.storage.tables import apps, form_versions, forms

#: most audit entries one call returns
MAX_AUDIT_PAGE = 500
#: most entries a page may skip (deeper history: narrow the dates instead)
MAX_AUDIT_OFFSET = 10_000


def record(rt: Runtime, conn: sa.Connection, actor: Actor, action: str, target: str, **details) -> None:
    conn.execute(sa.insert(admin_audit).values(workspace_id=rt.workspace_id, actor_id=actor.user_id, actor=actor.label,
                                               action=action, target=target, details=details, at=rt.clock.now()))


def _listed(details: dict) -> dict:
    """An entry's details as listed: a saved form definition belongs to the form's version history, not here."""
    return {k: v for k, v in details.items() if k != "definition"}


def _where(workspace_column, column_at, workspace_id: int, since: datetime | None, until: datetime | None) -> list:
    where = [workspace_column == workspace_id]
    if since is not None:
        where.append(column_at >= since)
    if until is not None:
        where.append(column_at < until)
    return where


def list_entries(rt: Runtime, *, action: str | None = None, limit: int = 100, offset: int = 0, kind: str | None = None,
                 actor_id: int | None = None, since: datetime | None = None, until: datetime | None = None) -> list[dict]:
    """Newest first. Form publications come from the form versions themselves (``form.publish``), so nothing is kept twice.

    ``kind`` is what the action is about (the part before the dot: ``user``, ``role``, ``form``, ``workspace``...),
    ``actor_id`` who acted, ``since``/``until`` a half-open UTC time range; ``offset`` skips that many newer entries."""
    limit = max(1, min(limit, MAX_AUDIT_PAGE))
    offset = max(0, min(offset, MAX_AUDIT_OFFSET))
    where = _where(admin_audit.c.workspace_id, admin_audit.c.at, rt.workspace_id, since, until)
    if action:
        where.append(admin_audit.c.action == action)
    if kind:
        where.append(admin_audit.c.action.like(f"{kind}.%"))
    if actor_id is not None:
        where.append(admin_audit.c.actor_id == actor_id)
    wanted = limit + offset
    with rt.db.read() as conn:
        rows = conn.execute(sa.select(admin_audit).where(*where).order_by(admin_audit.c.id.desc()).limit(wanted)).mappings().all()
        entries = [{"id": r["id"], "actor": r["actor"], "actor_id": r["actor_id"], "action": r["action"], "target": r["target"],
                    "details": _listed(r["details"]), "at": r["at"]} for r in rows]
        if action in (None, "form.publish") and kind in (None, "form"):
            pub_where = _where(apps.c.workspace_id, form_versions.c.published_at, rt.workspace_id, since, until)
            pub_where.append(form_versions.c.published_at.is_not(None))
            if actor_id is not None:
                pub_where.append(form_versions.c.published_by == actor_id)
            published = conn.execute(
                sa.select(form_versions.c.version, form_versions.c.published_at, form_versions.c.published_by, forms.c.key, apps.c.key.label("app"))
                .join(forms, forms.c.id == form_versions.c.form_id).join(apps, apps.c.id == forms.c.app_id)
                .where(*pub_where).order_by(form_versions.c.published_at.desc()).limit(wanted)).mappings().all()
            entries += [{"id": None, "actor": f"user:{p['published_by']}" if p["published_by"] else "system", "actor_id": p["published_by"],
                         "action": "form.publish", "target": f"{p['app']}/{p['key']}", "details": {"version": p["version"]},
                         "at": p["published_at"]} for p in published]
    entries.sort(key=lambda e: e["at"], reverse=True)
    return [{**e, "at": utc_iso(e["at"])} for e in entries[offset:offset + limit]]


def kinds(rt: Runtime) -> list[str]:
    """The kinds of action the audit holds (for a filter's choices), sorted; ``form`` always (publications)."""
    with rt.db.read() as conn:
        actions = conn.execute(sa.select(admin_audit.c.action).where(admin_audit.c.workspace_id == rt.workspace_id).distinct()).scalars().all()
    return sorted({a.split(".", 1)[0] for a in actions} | {"form"})
