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
