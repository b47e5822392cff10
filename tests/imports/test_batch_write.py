"""The batch write path (``records.create_records``) on SQLite and PostgreSQL: the same records, serials, audit rows,
duplicate keys, roll-ups, automations and errors as ``create_record`` row by row, with statements per batch, not per row."""
import pytest
from hypothesis import given, settings, strategies as st
import sqlalchemy as sa
from sqlalchemy import event

from engine.dedup import DuplicateRecord
from engine.errors import FormflowError, ValidationFailed
from engine.imports import jobs
from engine.runtime import Actor
from engine.services import record_input, records as record_service
from engine.storage.app_template_tables import dedup_keys
from engine.storage.tables import record_audit, records, serial_counters

SYSTEM = Actor.system()
CUSTOMERS = [
    {"name": "Globex", "phone": "13800000001", "email": "g@globex.com", "industry": "retail"},
    {"name": "Initech", "phone": "13800000002", "email": "not-an-email"},                 # bad: email
    {"phone": "13800000003"},                                                              # bad: name required
    {"name": "ACME Co., Ltd.", "phone": "13800000004"},                                    # duplicate of a stored record
    {"name": "Umbrella", "phone": "13800000005", "level": "key", "region": "north"},
    {"name": "Hooli", "phone": "+86 138 0000 0005"},                                       # duplicate of the row before
    {"name": "Soylent", "colour": "green"},                                                # bad: unknown field
    {"name": "Stark", "owner": 999},                                                       # bad: no such user
    {"name": "Wayne", "phone": "13800000006", "remarks": "last"},
]
FOLLOW_UPS = [
    {"customer": 1, "method": "call", "content": "asked about prices"},
    {"customer": 1, "method": "visit", "content": "short"},                               # bad: a submit validation
    {"customer": 424242, "method": "call", "content": "nobody there"},                   # bad: no such customer
    {"customer": 1, "method": "call", "content": "call back", "enable_reminder": True,
     "next_follow_up": "2026-03-20T02:00:00Z"},                                            # automation: a reminder
]


@pytest.fixture
def crm(crm):
    record_service.create_record(crm, SYSTEM, "crm", "customer", {"name": "ACME", "phone": "13900000000"})
    return crm


def one_by_one(rt, conn, form_key, rows, skips):
    """What ``create_record`` does with each row, each in its own savepoint (a bad row alone is undone)."""
    out = []
    for data in rows:
        try:
            with conn.begin_nested():
                out.append(record_service.create_record(rt, SYSTEM, "crm", form_key, data, conn=conn, skip_stages=skips))
        except FormflowError as exc:
            out.append(exc)
    return out


def in_batch(rt, conn, form_key, rows, skips):
    return record_service.create_records(rt, SYSTEM, "crm", form_key, rows, conn=conn, skip_stages=skips)


def stored(conn) -> dict:
    """Everything a write leaves behind, ids included."""
    return {
        "records": [dict(r) for r in conn.execute(sa.select(records).order_by(records.c.id)).mappings()],
        "audit": [dict(r) for r in conn.execute(sa.select(record_audit.c.record_id, record_audit.c.form_id, record_audit.c.action,
                                                          record_audit.c.actor, record_audit.c.at, record_audit.c.record_version,
                                                          record_audit.c.changes).order_by(record_audit.c.id)).mappings()],
        "keys": sorted(conn.execute(sa.select(dedup_keys.c.form_id, dedup_keys.c.rule, dedup_keys.c.key, dedup_keys.c.record_id,
                                              dedup_keys.c.exclusive)).all()),
        "serials": sorted(conn.execute(sa.select(serial_counters.c.form_id, serial_counters.c.field_id, serial_counters.c.period, serial_counters.c.value)).all()),
    }


def outcome(results) -> list:
    return [(type(r).__name__, r.message, [e.to_dict() for e in r.errors]) if isinstance(r, FormflowError) else r for r in results]


def run_and_undo(rt, write, form_key, rows, skips):
    """Run ``write`` in a transaction, note what it returned and stored, and roll it back (ids too)."""
    with rt.db.engine.connect() as conn:
        trans = conn.begin()
        results = write(rt, conn, form_key, rows, skips)
        after = stored(conn)
        trans.rollback()
    if rt.db.engine.dialect.name == "postgresql":  # sequences don't roll back: give the ids back for the next run
        with rt.db.transaction() as conn:
            for table in ("records", "record_audit"):
                conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"))
    return outcome(results), after


@pytest.mark.parametrize("form_key,rows,automations", [("customer", CUSTOMERS, False), ("customer", CUSTOMERS, True),
                                                       ("follow_up", FOLLOW_UPS, True), ("follow_up", FOLLOW_UPS, False)])
def test_a_batch_stores_and_answers_exactly_what_the_same_rows_one_by_one_do(crm, form_key, rows, automations):
    skips = frozenset() if automations else jobs.automation_stages()
    expected = run_and_undo(crm, one_by_one, form_key, rows, skips)
    got = run_and_undo(crm, in_batch, form_key, rows, skips)
    assert got[0] == expected[0]  # the same records (ids, serials, data) and the same errors, row for row
    assert got[1] == expected[1]  # the same rows stored: records (roll-ups, reminders), audit, duplicate keys, counters
    assert sum(isinstance(r, tuple) for r in got[0]) == (6 if form_key == "customer" else 2)


def test_a_bad_row_is_answered_with_its_path_and_the_good_rows_of_its_batch_are_written(crm):
    with crm.db.transaction() as conn:
        results = in_batch(crm, conn, "customer", [{"name": "Good 1"}, {"name": "Bad", "email": "nope"}, {"name": "Good 2"}], frozenset())
    assert isinstance(results[1], ValidationFailed)
    assert [(e.path, e.field_id, e.code) for e in results[1].errors] == [("/data/email", "email", "invalid")]
    assert [r["data"]["name"] for r in (results[0], results[2])] == ["Good 1", "Good 2"]
    assert [r["data"]["serial"][-4:] for r in (results[0], results[2])] == ["0002", "0003"]  # no number spent on the bad row
    with crm.db.read() as conn:
        assert conn.execute(sa.select(serial_counters.c.value)).scalar_one() == 3  # moved by exactly the rows written
        assert sorted(conn.execute(sa.select(records.c.data["name"].as_string())).scalars()) == ["ACME", "Good 1", "Good 2"]


def test_duplicates_within_the_batch_and_against_the_database_are_refused_naming_the_record(crm):
    rows = [{"name": "Acme Ltd."}, {"name": "Newco", "phone": "139-0000-0001"}, {"name": "NEWCO 有限公司"}, {"name": "Other"},
            {"name": "Other"}, {"name": "Last"}]
    with crm.db.transaction() as conn:
        results = in_batch(crm, conn, "customer", rows, frozenset())
    assert isinstance(results[0], DuplicateRecord) and results[0].errors[0].extra == {"record_id": 1, "title": "ACME", "rule": "name"}
    newco = results[1]["id"]
    assert isinstance(results[2], DuplicateRecord)
    assert results[2].errors[0].extra == {"record_id": newco, "title": "Newco", "rule": "name"}
    assert results[3]["data"]["name"] == "Other"
    assert isinstance(results[4], DuplicateRecord) and results[4].errors[0].extra["record_id"] == results[3]["id"]  # the very same row
    assert results[5]["data"]["name"] == "Last"


def test_a_batch_sends_the_same_statements_for_ten_rows_as_for_fifty(crm):
    def statements(n: int, offset: int) -> int:
        seen = []

        def note(*args):
            seen.append(args[2])

        event.listen(crm.db.engine, "before_cursor_execute", note)
        try:
            with crm.db.transaction() as conn:
                done = in_batch(crm, conn, "customer", [{"name": f"Customer {offset + i}", "phone": f"137{offset + i:08d}"}
                                                        for i in range(n)], jobs.automation_stages())
        finally:
            event.remove(crm.db.engine, "before_cursor_execute", note)
        assert all(isinstance(r, dict) for r in done)
        return len(seen)

    assert statements(10, 0) == statements(50, 100) <= 12


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=20), st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=60)),
                       max_size=12))
def test_the_record_size_bound_is_never_below_the_json_size(data):
    import json

    bound = record_input.surely_small
    limit = record_input.MAX_RECORD_BYTES
    record_input.MAX_RECORD_BYTES = len(json.dumps(data, default=str).encode()) - 1  # just too small for this record
    try:
        assert not bound(data)
    finally:
        record_input.MAX_RECORD_BYTES = limit


def test_an_oversized_record_is_still_refused_in_a_batch(crm):
    big = {"name": "Big", "remarks": "x" * record_input.MAX_RECORD_BYTES}
    with crm.db.transaction() as conn:
        out = record_service.create_records(crm, SYSTEM, "crm", "customer", [big, {"name": "Small"}], conn=conn)
    assert isinstance(out[0], ValidationFailed) and out[0].errors[0].code == "too_large" and out[1]["data"]["name"] == "Small"
