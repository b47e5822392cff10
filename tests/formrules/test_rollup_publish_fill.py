"""The publish fill-in of new roll-ups (``autofill.backfill_rollups``), on SQLite and PostgreSQL: its statements don't grow
with the records (one grouped read per roll-up, one batched update), and it fills in what a save would compute:
soft-deleted records left out on either side, a filter, a multiple reference, text min/max, latest, another app's form."""
import pytest
import sqlalchemy as sa

from engine.services import forms as fs, records as rs

ACCOUNT = {"key": "account", "label": "Account", "fields": [{"id": "name", "type": "text"}]}
DEAL = {"key": "deal", "label": "Deal", "fields": [
    {"id": "account", "type": "reference", "options": {"form": "account"}},
    {"id": "partners", "type": "reference", "options": {"form": "account", "multiple": True}},
    {"id": "stage", "type": "select", "options": {"choices": [{"value": "open"}, {"value": "won"}]}},
    {"id": "amount", "type": "money"},
    {"id": "closed", "type": "date"},
    {"id": "note", "type": "text"}]}


def _rollup(fid, aggregate, field=None, via="account", **more):
    return {"id": fid, "type": "rollup", "options": {"form": "deal", "via": via, "aggregate": aggregate,
                                                      **({"field": field} if field else {}), **more}}


ROLLUPS = [_rollup("deals", "count"), _rollup("won", "sum", "amount", filter="stage == 'won'"),
           _rollup("first", "min", "closed"), _rollup("last", "max", "closed"), _rollup("newest", "latest", "note"),
           _rollup("partnered", "count", via="partners"), _rollup("partner_sum", "sum", "amount", via="partners"),
           {"id": "big", "type": "computed", "options": {"formula": "(won ?? 0) >= 100", "result_type": "boolean"}}]


@pytest.fixture
def crm(rt, system):
    fs.create_app(rt, system, "crm", "CRM")
    fs.create_form(rt, system, "crm", ACCOUNT)
    fs.publish_form(rt, system, "crm", "account")
    fs.create_form(rt, system, "crm", DEAL)
    fs.publish_form(rt, system, "crm", "deal")


def _add(rt, system, form, data):
    return rs.create_record(rt, system, "crm", form, data)["id"]


def _counted(rt, call):
    sent = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    sa.event.listen(rt.db.engine, "before_cursor_execute", listen)
    try:
        call()
    finally:
        sa.event.remove(rt.db.engine, "before_cursor_execute", listen)
    return sent


def test_the_fill_in_takes_no_statement_per_record(rt, system, crm):
    accounts = [_add(rt, system, "account", {"name": f"A{i}"}) for i in range(40)]
    for i, a in enumerate(accounts):
        _add(rt, system, "deal", {"account": a, "stage": "won", "amount": str(i)})
    fs.save_draft(rt, system, "crm", "account", {**ACCOUNT, "fields": ACCOUNT["fields"] + ROLLUPS})
    sent = _counted(rt, lambda: fs.publish_form(rt, system, "crm", "account"))
    updates = [s for s in sent if s.lstrip().upper().startswith("UPDATE RECORDS")]
    assert len(sent) < len(accounts), "\n".join(sent)  # one per record (and per roll-up) before
    assert len(updates) == 1, "\n".join(updates)  # the changed records in one batch
    assert [rs.get_record(rt, system, "crm", "account", a)["data"]["won"] for a in accounts[:3]] == [0, 1, 2]


def test_the_fill_in_gives_what_a_save_computes(rt, system, crm):
    a, b, c, gone = (_add(rt, system, "account", {"name": n}) for n in ("ACME", "Globex", "Initech", "Gone"))
    deals = [
        {"account": a, "partners": [b, c], "stage": "won", "amount": "60.50", "closed": "2026-03-02", "note": "one"},
        {"account": a, "partners": [b], "stage": "won", "amount": "70", "closed": "2026-01-15", "note": "two"},
        {"account": a, "stage": "open", "amount": "5", "closed": "2026-05-01"},
        {"account": b, "partners": [a], "stage": "open", "amount": "1", "note": "three"},
        {"account": gone, "stage": "won", "amount": "9"},
    ]
    ids = [_add(rt, system, "deal", d) for d in deals]
    dropped = _add(rt, system, "deal", {"account": a, "partners": [b], "stage": "won", "amount": "1000", "closed": "2025-01-01",
                                        "note": "deleted"})
    rs.delete_record(rt, system, "crm", "deal", dropped)  # a soft-deleted source record counts nowhere
    rs.delete_record(rt, system, "crm", "account", gone)  # a soft-deleted account is not filled in
    fs.save_draft(rt, system, "crm", "account", {**ACCOUNT, "fields": ACCOUNT["fields"] + ROLLUPS})
    fs.publish_form(rt, system, "crm", "account")
    filled = {rid: rs.get_record(rt, system, "crm", "account", rid, include_deleted=True)["data"] for rid in (a, b, c, gone)}
    assert filled[gone] == {"name": "Gone"}
    assert rs.get_record(rt, system, "crm", "account", a)["version"] == 1  # derived data: no new version
    # what a save of each account computes: the same values
    for rid in (a, b, c):
        assert rs.update_record(rt, system, "crm", "account", rid, {"name": filled[rid]["name"]})["data"] == filled[rid]
    assert {k: filled[a].get(k) for k in ("deals", "won", "first", "last", "newest", "partnered", "partner_sum", "big")} == \
        {"deals": 3, "won": 130.5, "first": "2026-01-15", "last": "2026-05-01", "newest": "two", "partnered": 1, "partner_sum": 1,
         "big": True}
    assert {k: filled[b].get(k) for k in ("deals", "won", "newest", "partnered", "partner_sum", "big")} == \
        {"deals": 1, "won": None, "newest": "three", "partnered": 2, "partner_sum": 130.5, "big": False}
    assert {k: filled[c].get(k) for k in ("deals", "won", "first", "partnered", "partner_sum")} == \
        {"deals": 0, "won": None, "first": None, "partnered": 1, "partner_sum": 60.5}
    assert len(ids) == 5
