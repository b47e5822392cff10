"""A roll-up stays right when many records that feed it are saved at once (SQLite and PostgreSQL).

Each save recomputes the roll-up of the record it names; two saves in flight each read the rows their own transaction
sees, so without taking the named record's row first the one that commits last writes a total missing the other's
row (a lost update). Eight clients add deals to one account at the same time; the account's count and sum are the
number and total of its deals.
"""
import threading

from engine.services import forms as fs, records as rs

ACCOUNT = {"key": "account", "label": "Account", "fields": [{"id": "name", "type": "text"}]}
DEAL = {"key": "deal", "label": "Deal", "fields": [
    {"id": "account", "type": "reference", "options": {"form": "account"}},
    {"id": "amount", "type": "money"}]}
ROLLUPS = [
    {"id": "deals", "type": "rollup", "options": {"form": "deal", "via": "account", "aggregate": "count"}},
    {"id": "total", "type": "rollup", "options": {"form": "deal", "via": "account", "aggregate": "sum", "field": "amount"}}]
CLIENTS, EACH = 8, 8


def test_concurrent_saves_lose_no_rollup_update(rt, system):
    fs.create_app(rt, system, "crm", "CRM")
    fs.create_form(rt, system, "crm", ACCOUNT)
    fs.publish_form(rt, system, "crm", "account")
    fs.create_form(rt, system, "crm", DEAL)
    fs.publish_form(rt, system, "crm", "deal")
    fs.save_draft(rt, system, "crm", "account", {**ACCOUNT, "fields": ACCOUNT["fields"] + ROLLUPS})
    fs.publish_form(rt, system, "crm", "account")
    account = rs.create_record(rt, system, "crm", "account", {"name": "ACME"})["id"]
    start, failures = threading.Barrier(CLIENTS), []

    def client(n):
        try:
            start.wait()
            for i in range(EACH):
                rs.create_record(rt, system, "crm", "deal", {"account": account, "amount": "1"})
        except Exception as exc:  # noqa: BLE001 - reported below, with the thread's number
            failures.append((n, repr(exc)))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    data = rs.get_record(rt, system, "crm", "account", account)["data"]
    assert (data["deals"], data["total"]) == (CLIENTS * EACH, CLIENTS * EACH)
