"""The audit of admin actions: who created which user, changed which role or grant, issued or revoked which token, published which form.

Record changes have their own audit (``record_audit``); this one covers the
definitions of who may do what.
"""
from __future__ import annotations

import sqlalchemy as sa

from engine.clock import utc_iso
from engine.runtime import Actor, Runtime
from engine.storage.access_tables import admin_audit
from engine.storage.tables import apps, form_versions, forms

#: most audit entries one call returns
MAX_AUDIT_PAGE = 500


def record(rt: Runtime, conn: sa.Connection, actor: Actor, action: str, target: str, **details) -> None:
    conn.execute(sa.insert(admin_audit).values(workspace_id=rt.workspace_id, actor_id=actor.user_id, actor=actor.label,
                                               action=action, target=target, details=details, at=rt.clock.now()))


def list_entries(rt: Runtime, *, action: str | None = None, limit: int = 100) -> list[dict]:
    """Newest first. Form publications come from the form versions themselves (``form.publish``), so nothing is kept twice."""
    limit = max(1, min(limit, MAX_AUDIT_PAGE))
    where = [admin_audit.c.workspace_id == rt.workspace_id]
    if action:
        where.append(admin_audit.c.action == action)
    with rt.db.read() as conn:
        rows = conn.execute(sa.select(admin_audit).where(*where).order_by(admin_audit.c.id.desc()).limit(limit)).mappings().all()
        entries = [{"id": r["id"], "actor": r["actor"], "actor_id": r["actor_id"], "action": r["action"], "target": r["target"],
                    "details": r["details"], "at": r["at"]} for r in rows]
        if action in (None, "form.publish"):
            published = conn.execute(
                sa.select(form_versions.c.version, form_versions.c.published_at, form_versions.c.published_by, forms.c.key, apps.c.key.label("app"))
                .join(forms, forms.c.id == form_versions.c.form_id).join(apps, apps.c.id == forms.c.app_id)
                .where(apps.c.workspace_id == rt.workspace_id).order_by(form_versions.c.published_at.desc()).limit(limit)).mappings().all()
            entries += [{"id": None, "actor": f"user:{p['published_by']}" if p["published_by"] else "system", "actor_id": p["published_by"],
                         "action": "form.publish", "target": f"{p['app']}/{p['key']}", "details": {"version": p["version"]},
                         "at": p["published_at"]} for p in published]
    entries.sort(key=lambda e: e["at"], reverse=True)
    return [{**e, "at": utc_iso(e["at"])} for e in entries[:limit]]
