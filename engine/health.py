"""Readiness: may this process take traffic? The database answers and its schema is at the newest migration.

``readiness`` returns the reasons it may not, in words (empty when ready); the web layer answers
``/readyz`` with 503 and those reasons, so a load balancer holds traffic back during a migration or an outage.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from engine.storage.db import alembic_config

#: seconds a readiness probe waits for the database before calling it unreachable
READY_TIMEOUT_SECONDS = 2.0


def expected_heads() -> frozenset[str]:
    """The newest migration of every branch this code ships."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def readiness(rt) -> list[str]:
    """Why this process is not ready (empty list: ready)."""
    try:
        with rt.db.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
            current = frozenset(MigrationContext.configure(conn).get_current_heads())
    except sa.exc.SQLAlchemyError as exc:
        return [f"database unreachable: {type(exc.orig or exc).__name__}"]
    wanted = expected_heads()
    if current != wanted:
        missing = ", ".join(sorted(wanted - current)) or "none"
        return [f"database schema is not current: at {', '.join(sorted(current)) or 'no revision'}, "
                f"this code needs {missing} (run `formflow init-db`)"]
    return []
