"""A create in its own transaction starts from the form its process last saved with, and its insert checks that form is
still the published one (``form_lookup.insert_checked``, PostgreSQL): a publish by another process is seen by the very
next create, whose first try is rolled back whole (no record, no audit row, no serial spent) before it runs again from a
fresh look-up. On SQLite every create looks the form up first; the same answers hold."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine.errors import ValidationFailed
from engine.runtime import Actor, Runtime
from engine.services import forms as fs
from engine.services import records as rs
from engine.storage.tables import record_audit, records

FIELDS = [{"id": "n", "type": "text", "label": "N"}]


@pytest.fixture
def other(db_url, clock, rt):
    """A second process on the same database (another gunicorn worker)."""
    runtime = Runtime.open(db_url, clock=clock, config=dict(rt.config), migrate=False)
    yield runtime
    runtime.db.dispose()


def test_a_publish_elsewhere_is_seen_by_the_next_create(rt, other):
    system = Actor.system()
    fs.create_app(rt, system, "shop", "Shop")
    fs.create_form(rt, system, "shop", {"key": "order", "label": "Order", "fields": FIELDS})
    fs.publish_form(rt, system, "shop", "order")
    assert rs.create_record(rt, system, "shop", "order", {"n": "a"})["form_version"] == 1
    assert rs.create_record(rt, system, "shop", "order", {"n": "b"})["form_version"] == 1  # now from the form saved with last

    fs.save_draft(other, system, "shop", "order", {"key": "order", "label": "Order", "fields": FIELDS + [
        {"id": "m", "type": "text", "label": "M", "required": True}]})
    fs.publish_form(other, system, "shop", "order")

    with pytest.raises(ValidationFailed) as refused:  # version 1 would take it; version 2 requires m
        rs.create_record(rt, system, "shop", "order", {"n": "c"})
    assert [e.field_id for e in refused.value.errors] == ["m"]
    made = rs.create_record(rt, system, "shop", "order", {"n": "d", "m": "x"})  # version 1 would refuse m as unknown
    assert made["form_version"] == 2 and made["data"] == {"n": "d", "m": "x"}

    fs.save_draft(other, system, "shop", "order", {"key": "order", "label": "Order", "fields": FIELDS + [
        {"id": "m", "type": "text", "label": "M"}]})
    fs.publish_form(other, system, "shop", "order")
    again = rs.create_record(rt, system, "shop", "order", {"n": "e"})  # valid under both: saved once, under version 3
    assert again["form_version"] == 3
    with rt.db.read() as conn:
        stored = conn.execute(sa.select(records.c.id, records.c.form_version).order_by(records.c.id)).all()
        audits = conn.execute(sa.select(record_audit.c.record_id).order_by(record_audit.c.id)).scalars().all()
    assert [v for _, v in stored] == [1, 1, 2, 3]
    assert audits == [rid for rid, _ in stored]  # one audit row per record, none of a rolled-back try



def test_a_refusal_by_the_published_form_is_answered_from_the_first_try(rt):
    """The form trusted is still the published one: its refusal stands (one read says so), the create does not run again."""
    system = Actor.system()
    fs.create_app(rt, system, "shop", "Shop")
    fs.create_form(rt, system, "shop", {"key": "order", "label": "Order", "fields": FIELDS + [{"id": "who", "type": "user", "label": "Who"}]})
    fs.publish_form(rt, system, "shop", "order")
    rs.create_record(rt, system, "shop", "order", {"n": "a"})  # the form this process saved with last
    sent: list[str] = []
    listen = lambda conn, cursor, statement, *rest: sent.append(" ".join(statement.split()))  # noqa: E731
    sa.event.listen(rt.db.engine, "before_cursor_execute", listen)
    try:
        with pytest.raises(ValidationFailed) as refused:  # no such user: a refusal that reads the database
            rs.create_record(rt, system, "shop", "order", {"n": "b", "who": 999})
    finally:
        sa.event.remove(rt.db.engine, "before_cursor_execute", listen)
    assert [e.field_id for e in refused.value.errors] == ["who"]
    user_look_ups = [s for s in sent if s.startswith("SELECT users.id")]
    assert len(user_look_ups) == 1, sent  # it ran once (it ran twice: the refused try, then a fresh look-up and again)
    if rt.db.dialect == "postgresql":
        assert len(sent) == 2, sent  # and the check that the trusted form is still the published one
