"""Bulk writes through the driver (due rows, the run log, the outbox) store what SQLAlchemy's inserts store, on both databases."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from engine.services import workflows as wf_service
from engine.workflows.planner import insert_due_rows
from engine.workflows.tables import due_events, workflows
from tests.workflows.conftest import reminder_workflow

SHANGHAI = timezone(timedelta(hours=8))
FIRES = [datetime(2026, 3, 10, 7, 0, tzinfo=timezone.utc), datetime(2026, 3, 10, 15, 0, 0, 123456, tzinfo=SHANGHAI),
         datetime(1999, 12, 31, 23, 59, 59, 1, tzinfo=timezone.utc), datetime(2026, 10, 25, 1, 30, tzinfo=timezone(timedelta(hours=-5)))]


def _stored(conn, record_ids: list[int]) -> list[tuple]:
    """Each column as the database holds it (raw driver values: text on SQLite, timestamptz on PostgreSQL)."""
    cols = "workflow_id, workflow_version, occurrence, fire_at, status, attempts, locked_until, reason, created_at, updated_at"
    ids = ", ".join(str(i) for i in record_ids)
    return [tuple(r) for r in conn.exec_driver_sql(f"SELECT {cols} FROM due_events WHERE record_id IN ({ids}) ORDER BY record_id")]


def test_driver_insert_stores_what_sqlalchemy_stores(rt, system, crm):
    wf_service.create_workflow(rt, system, "crm", reminder_workflow("http://127.0.0.1:9/hook"))
    now = datetime(2026, 3, 9, 1, 2, 3, 456789, tzinfo=timezone.utc)
    with rt.db.transaction() as conn:
        wid = conn.execute(sa.select(workflows.c.id)).scalar_one()
        conn.execute(sa.insert(due_events), [{"workflow_id": wid, "workflow_version": 3, "record_id": 100 + i, "occurrence": f"offset0@{i}",
                                              "fire_at": at, "status": "pending", "attempts": 0, "created_at": now, "updated_at": now}
                                             for i, at in enumerate(FIRES)])
        insert_due_rows(conn, wid, 3, [(200 + i, f"offset0@{i}", at) for i, at in enumerate(FIRES)], now)
        assert _stored(conn, [200 + i for i in range(len(FIRES))]) == _stored(conn, [100 + i for i in range(len(FIRES))])
        read = conn.execute(sa.select(due_events.c.fire_at, due_events.c.created_at).where(due_events.c.record_id >= 200)
                            .order_by(due_events.c.record_id)).all()
    assert [r.fire_at for r in read] == FIRES and all(r.fire_at.tzinfo == timezone.utc and r.created_at == now for r in read)


def test_driver_insert_refuses_naive_datetimes(rt, system, crm):
    wf_service.create_workflow(rt, system, "crm", reminder_workflow("http://127.0.0.1:9/hook"))
    with pytest.raises(ValueError, match="naive"), rt.db.transaction() as conn:
        wid = conn.execute(sa.select(workflows.c.id)).scalar_one()
        insert_due_rows(conn, wid, 1, [(1, "offset0@x", datetime(2026, 3, 10, 7, 0))], datetime(2026, 3, 9, tzinfo=timezone.utc))


def test_the_run_log_written_by_copy_is_what_sqlalchemy_writes(rt, system, crm):
    """``scheduler._write_runs`` (a binary COPY on PostgreSQL) against ``sa.insert(workflow_runs)``: NULLs, JSON, aware times."""
    from engine.scheduler import _write_runs
    from engine.workflows.tables import workflow_runs

    wf_service.create_workflow(rt, system, "crm", reminder_workflow("http://127.0.0.1:9/hook"))
    ran = datetime(2026, 3, 9, 1, 2, 3, 456789, tzinfo=timezone.utc)

    def runs(record_base: int) -> list[dict]:
        return [{"workflow_id": wid, "workflow_version": 2, "due_event_id": None, "record_id": record_base + i, "occurrence": f"offset{i}@x",
                 "status": status, "detail": detail, "attempts": i + 1, "fire_at": at, "ran_at": ran, "steps": steps}
                for i, (status, detail, at, steps) in enumerate([
                    ("done", None, FIRES[0], [{"step": "tell", "type": "notify", "queued": 2}]),
                    ("skipped", "found 90 minutes late; the catch-up limit is 60 minutes", FIRES[1], []),
                    ("failed", "gave up after 3 attempts: «ünïcode» \\ \"quoted\"", FIRES[3], [{"nested": {"a": [1, 2.5, None, True]}}])])]

    cols = "workflow_id, workflow_version, due_event_id, occurrence, status, detail, attempts, fire_at, ran_at, steps"
    with rt.db.transaction() as conn:
        wid = conn.execute(sa.select(workflows.c.id)).scalar_one()
        conn.execute(sa.insert(workflow_runs), runs(100))
        _write_runs(conn, runs(200))
        stored = lambda lo: [tuple(r) for r in conn.exec_driver_sql(  # noqa: E731
            f"SELECT {cols} FROM workflow_runs WHERE record_id BETWEEN {lo} AND {lo + 99} ORDER BY record_id")]
        assert stored(200) == stored(100) and len(stored(200)) == 3
        read = conn.execute(sa.select(workflow_runs.c.fire_at, workflow_runs.c.steps).where(workflow_runs.c.record_id >= 200)
                            .order_by(workflow_runs.c.record_id)).all()
    assert [r.fire_at for r in read] == [FIRES[0], FIRES[1], FIRES[3]] and read[2].steps == [{"nested": {"a": [1, 2.5, None, True]}}]


def test_outbox_flush_keeps_a_key_already_queued_and_adds_the_rest(rt, system, crm):
    """A re-run firing queues keys that are already there: PostgreSQL's COPY aborts, and the fallback keeps the first row."""
    from engine.workflows.outbox import flush
    from engine.workflows.tables import outbox

    wf_service.create_workflow(rt, system, "crm", reminder_workflow("http://127.0.0.1:9/hook"))
    now = datetime(2026, 3, 9, 1, 2, 3, 456789, tzinfo=timezone.utc)

    def queued(key: str, subject: str) -> dict:
        return {"workspace_id": rt.workspace_id, "workflow_id": wid, "due_event_id": None, "record_id": 7, "idempotency_key": key,
                "channel": "webhook", "message": {"subject": subject, "cc": [], "config": {"url": "http://x/«ü»"}}, "status": "pending",
                "attempts": 0, "next_attempt_at": now, "created_at": now}

    with rt.db.transaction() as conn:
        wid = conn.execute(sa.select(workflows.c.id)).scalar_one()
        flush(conn, [queued("k1", "first"), queued("k2", "second")])
        flush(conn, [queued("k2", "again"), queued("k3", "third"), queued("k3", "third again")])
        flush(conn, [queued("k4", "fourth")])  # the transaction is still usable after the aborted COPY
        stored = conn.execute(sa.select(outbox.c.idempotency_key, outbox.c.message, outbox.c.next_attempt_at)
                              .order_by(outbox.c.idempotency_key)).all()
    assert [(k, m["subject"]) for k, m, _ in stored] == [("k1", "first"), ("k2", "second"), ("k3", "third"), ("k4", "fourth")]
    assert all(at == now for _, _, at in stored) and stored[0].message["config"] == {"url": "http://x/«ü»"}
