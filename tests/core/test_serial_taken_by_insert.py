"""A serial number as the record's insert takes it on PostgreSQL (``record_rows.NUMBERED_INSERT``) and as SQLite takes it
before the insert: the same text (field and date tokens around the counter, padded and never cut), in the stored data,
in the create's audit row, and in the answer."""
import pytest
import sqlalchemy as sa

from engine.errors import FormflowError
from engine.services import forms, records as rs, users
from engine.storage.app_template_tables import dedup_keys
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


OWNED = {**FORM, "settings": {"owner_field": "owner"}, "fields": [
    *FORM["fields"], {"id": "owner", "type": "user", "label": {"en": "Owner", "zh-CN": "负责人"}, "default": "$user"},
]}


def _desk(rt, system, form: dict) -> None:
    forms.create_app(rt, system, "desk", {"en": "Desk", "zh-CN": "服务台"})
    forms.create_form(rt, system, "desk", form)
    forms.publish_form(rt, system, "desk", "ticket")
    rs.create_record(rt, system, "desk", "ticket", {"team": "ab"})  # the form is trusted from now on


def _stored(rt, record_id: int) -> tuple[dict, list[tuple[str, dict]]]:
    with rt.db.read() as conn:
        data = conn.execute(sa.select(records.c.data).where(records.c.id == record_id)).scalar_one()
        audit = [tuple(r) for r in conn.execute(sa.select(record_audit.c.action, record_audit.c.changes)
                                                .where(record_audit.c.record_id == record_id))]
    return data, audit


def test_a_trusted_create_numbered_last_writes_its_row_once_with_the_number(rt, system):
    """PostgreSQL: the first statement takes the record's id, the last one (sent with the COMMIT) writes the numbered row
    and its audit row: no row inserted and then updated with its number (record_serials.row_written_first)."""
    _desk(rt, system, FORM)
    sent: list[str] = []
    sa.event.listen(rt.db.engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    made = rs.create_record(rt, system, "desk", "ticket", {"team": "ab"})
    assert made["data"] == {"sn": "Tab2603-2/Z", "team": "ab"} and made["version"] == 1
    if rt.db.dialect == "postgresql":
        first, last = sent
        assert "nextval" in first and "INSERT INTO records" not in first, first
        assert "INSERT INTO records" in last and "serial_counters" in last and "record_audit" in last, last
        assert not any(s.lstrip().startswith("UPDATE") or "UPDATE records" in s for s in sent), sent
    assert _stored(rt, made["id"]) == ({"sn": "Tab2603-2/Z", "team": "ab"}, [("create", {"sn": [None, "Tab2603-2/Z"], "team": [None, "ab"]})])
    assert rs.get_record(rt, system, "desk", "ticket", made["id"]) == made


def test_an_after_save_statement_finds_the_row_written_first_and_the_number_follows(rt, system):
    """An after-save stage that sends a statement (here the owner field following the owner a create names) meets the
    record's row already written: the row is inserted unnumbered just before that statement, and the number is taken
    last as before; the stored row, its audit and the answer agree."""
    _desk(rt, system, OWNED)
    helper = users.create_user(rt, system, "helper", display_name="Helper", check=False)
    sent: list[str] = []
    sa.event.listen(rt.db.engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    made = rs.create_record(rt, system, "desk", "ticket", {"team": "cd"}, owner_id=helper["id"])
    assert made["data"] == {"sn": "Tcd2603-2/Z", "team": "cd", "owner": helper["id"]} and made["owner_id"] == helper["id"]
    if rt.db.dialect == "postgresql":
        reserved, inserted, updated = (next(i for i, s in enumerate(sent) if found(s)) for found in (
            lambda s: "nextval" in s, lambda s: "INSERT INTO records" in s, lambda s: s.lstrip().startswith("UPDATE records")))
        assert reserved < inserted < updated < len(sent) - 1 and "serial_counters" in sent[-1], sent
    data, audit = _stored(rt, made["id"])
    assert data == made["data"]
    assert [action for action, _ in audit] == ["create"] and audit[0][1]["sn"] == [None, "Tcd2603-2/Z"], audit
    assert rs.get_record(rt, system, "desk", "ticket", made["id"]) == made


def test_a_duplicate_refused_numbered_last_leaves_nothing_behind(rt, system):
    """The keys the first statement stores under the id it took go with the refusal: no record, no key, no number."""
    form = {**FORM, "settings": {"duplicate_check": {"mode": "refuse", "rules": [{"key": "team", "label": {"en": "Same team", "zh-CN": "组相同"}, "fields": ["team"]}]}}}
    _desk(rt, system, form)
    with pytest.raises(FormflowError):
        rs.create_record(rt, system, "desk", "ticket", {"team": "ab"})
    assert rs.create_record(rt, system, "desk", "ticket", {"team": "xy"})["data"]["sn"] == "Txy2603-2/Z"  # no number lost
    with rt.db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(records)).scalar_one() == 2
        assert conn.execute(sa.select(sa.func.count()).select_from(dedup_keys)).scalar_one() == 2
