"""A serial number as the record's insert takes it on PostgreSQL (``record_rows.NUMBERED_INSERT``) and as SQLite takes it
before the insert: the same text (field and date tokens around the counter, padded and never cut), in the stored data,
in the create's audit row, and in the answer."""
import sqlalchemy as sa

from engine.services import forms, records as rs
from engine.storage.tables import record_audit, records

FORM = {"key": "ticket", "label": {"en": "Ticket", "zh-CN": "工单"}, "fields": [
    {"id": "sn", "type": "serial", "label": {"en": "No.", "zh-CN": "编号"}, "options": {"format": "T{field:team}{YY}{MM}-{0}/Z", "reset": "monthly"}},
    {"id": "team", "type": "text", "label": {"en": "Team", "zh-CN": "组"}},
]}


def test_the_number_is_rendered_stored_and_audited_alike_on_both_databases(rt, system, clock):
    forms.create_app(rt, system, "desk", {"en": "Desk", "zh-CN": "服务台"})
    forms.create_form(rt, system, "desk", FORM)
    forms.publish_form(rt, system, "desk", "ticket")
    made = [rs.create_record(rt, system, "desk", "ticket", {"team": "ab"}) for _ in range(11)]
    assert [r["data"]["sn"] for r in made] == [f"Tab2603-{n}/Z" for n in range(1, 12)]  # width 1: 10 and 11 are not cut
    clock.set("2026-04-01T00:00:00Z")  # 08:00 in Shanghai: a new month, the counter restarts
    assert rs.create_record(rt, system, "desk", "ticket", {})["data"]["sn"] == "T2604-1/Z"
    with rt.db.read() as conn:
        stored = dict(conn.execute(sa.select(records.c.id, records.c.data["sn"].as_string())).all())
        audited = {rid: changes for rid, changes in conn.execute(
            sa.select(record_audit.c.record_id, record_audit.c.changes).where(record_audit.c.action == "create"))}
    assert stored[made[10]["id"]] == "Tab2603-11/Z"
    assert audited[made[10]["id"]] == {"sn": [None, "Tab2603-11/Z"], "team": [None, "ab"]}


def test_a_trusted_create_takes_its_number_by_its_last_statement(rt, system):
    """PostgreSQL: the counter row is locked by the statement sent with the COMMIT, after the after-save stages, so a
    form's creates do not queue behind each other's Python work (record_serials.number_and_commit)."""
    forms.create_app(rt, system, "desk", {"en": "Desk", "zh-CN": "服务台"})
    forms.create_form(rt, system, "desk", FORM)
    forms.publish_form(rt, system, "desk", "ticket")
    rs.create_record(rt, system, "desk", "ticket", {"team": "ab"})  # the form is trusted from now on
    sent: list[str] = []
    sa.event.listen(rt.db.engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    made = rs.create_record(rt, system, "desk", "ticket", {"team": "ab"})
    assert made["data"]["sn"] == "Tab2603-2/Z"
    if rt.db.dialect == "postgresql":
        # the record's insert no longer moves the counter: the last statement, sent with the COMMIT, does (on psycopg's
        # own cursor in pipeline mode, announced to the engine's listeners like any statement)
        *before, last = sent
        assert "serial_counters" in last and not any("serial_counters" in statement for statement in before), sent
    with rt.db.read() as conn:
        assert conn.execute(sa.select(records.c.data["sn"].as_string()).where(records.c.id == made["id"])).scalar_one() == "Tab2603-2/Z"
