"""The audit of admin actions: who created which user, changed which role or grant, issued or revoked which token.

Record changes have their own audit (``record_audit``); this one covers the
definitions of who may do what.
"""
from __future__ import annotations

import sqlalchemy as sa

from engine.clock import utc_iso
from engine.runtime import Actor, Runtime
from engine.storage.access_tables import admin_audit

#: most audit entries one call returns
MAX_AUDIT_PAGE = 500


def record(rt: Runtime, conn: sa.Connection, actor: Actor, action: str, target: str, **details) -> None:
    conn.execute(sa.insert(admin_audit).values(workspace_id=rt.workspace_id, actor_id=actor.user_id, actor=actor.label,
                                               action=action, target=target, details=details, at=rt.clock.now()))


def list_entries(rt: Runtime, *, action: str | None = None, limit: int = 100) -> list[dict]:
    limit = max(1, min(limit, MAX_AUDIT_PAGE))
    where = [admin_audit.c.workspace_id == rt.workspace_id]
    if action:
        where.append(admin_audit.c.action == action)
    with rt.db.read() as conn:
        rows = conn.execute(sa.select(admin_audit).where(*where).order_by(admin_audit.c.id.desc()).limit(limit)).mappings().all()
    return [{"id": r["id"], "actor": r["actor"], "actor_id": r["actor_id"], "action": r["action"], "target": r["target"],
             "details": r["details"], "at": utc_iso(r["at"])} for r in rows]
