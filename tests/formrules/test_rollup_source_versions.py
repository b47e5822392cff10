"""A compiled form's roll-ups follow the versions of their source forms published now, not the ones published when the
form was compiled (cached by its own id and version), on SQLite and PostgreSQL: a second runtime over the same database
(another worker) compiled the account before the deal was published, or before the deal's link became a multiple
reference, and its saves (the account's own, and the deal's rolling up into it) still count as the source is now; with
no statement more than before on the request path (tests/core/test_statement_caps.py)."""
import pytest

from engine.runtime import Runtime
from engine.services import forms as fs, records as rs
from engine.services.form_lookup import compiled_form

ACCOUNT = {"key": "account", "label": "Account", "fields": [{"id": "name", "type": "text"}]}


def _deal(target: dict, multiple: bool = False) -> dict:
    return {"key": "deal", "label": "Deal", "fields": [
        {"id": "account", "type": "reference", "options": {**target, "form": "account", **({"multiple": True} if multiple else {})}},
        {"id": "stage", "type": "select", "options": {"choices": [{"value": "open"}, {"value": "won"}]}},
        {"id": "amount", "type": "money"}]}


def _rollups(where: dict) -> list[dict]:
    return [{"id": "deals", "type": "rollup", "options": {**where, "form": "deal", "via": "account", "aggregate": "count"}},
            {"id": "won", "type": "rollup", "options": {**where, "form": "deal", "via": "account", "aggregate": "sum", "field": "amount",
                                                         "filter": "stage == 'won'"}}]


@pytest.fixture(params=["same_app", "other_app"])
def apps(request, rt, system):
    """(the deal's app, its reference's target options, the roll-ups' source options); the CRM and the deal's app exist."""
    fs.create_app(rt, system, "crm", "CRM")
    if request.param == "same_app":
        return "crm", {}, {}
    fs.create_app(rt, system, "sales", "Sales")
    return "sales", {"app": "crm"}, {"app": "sales"}


@pytest.fixture
def other_worker(db_url, clock):
    runtime = Runtime.open(db_url, clock=clock, config={"TIMEZONE": "Asia/Shanghai"})
    yield runtime
    runtime.db.dispose()


def _publish_both(rt, system, deal_app: str, target: dict, where: dict) -> None:
    """The account and the deal published, the deal first: the account's roll-ups compiled over the deal's fields."""
    fs.create_form(rt, system, "crm", ACCOUNT)
    fs.create_form(rt, system, deal_app, _deal(target))
    fs.publish_form(rt, system, deal_app, "deal")
    fs.save_draft(rt, system, "crm", "account", {**ACCOUNT, "fields": ACCOUNT["fields"] + _rollups(where)})
    fs.publish_form(rt, system, "crm", "account")


def _data(rt, system, rid):
    return rs.get_record(rt, system, "crm", "account", rid)["data"]


@pytest.mark.parametrize("apps", ["same_app"], indirect=True)  # a roll-up over another app's form never published is refused
def test_a_form_compiled_before_its_source_was_published_rolls_up_as_published_now(rt, system, apps, other_worker):
    deal_app, target, where = apps
    fs.create_form(rt, system, "crm", ACCOUNT)
    fs.create_form(rt, system, deal_app, _deal(target))
    fs.save_draft(rt, system, "crm", "account", {**ACCOUNT, "fields": ACCOUNT["fields"] + _rollups(where)})
    fs.publish_form(rt, system, "crm", "account")  # before the deal (a template installing both): no filter fields yet
    a = rs.create_record(other_worker, system, "crm", "account", {"name": "ACME"})["id"]  # the other worker compiles it now
    fs.publish_form(rt, system, deal_app, "deal")
    rs.create_record(rt, system, deal_app, "deal", {"account": a, "stage": "won", "amount": "100"})
    rs.create_record(rt, system, deal_app, "deal", {"account": a, "stage": "open", "amount": "5"})
    # the other worker's own save of the account: its filter holds (it summed 105 with the version compiled before)
    assert {k: v for k, v in rs.update_record(other_worker, system, "crm", "account", a, {"name": "ACME Ltd"})["data"].items()
            if k in ("deals", "won")} == {"deals": 2, "won": 100}
    # a deal saved by the other worker rolls up through the filter too
    rs.create_record(other_worker, system, deal_app, "deal", {"account": a, "stage": "open", "amount": "7"})
    assert {k: _data(rt, system, a).get(k) for k in ("deals", "won")} == {"deals": 3, "won": 100}


def test_a_form_compiled_before_its_source_was_republished_rolls_up_as_published_now(rt, system, apps, other_worker):
    deal_app, target, where = apps
    _publish_both(rt, system, deal_app, target, where)
    a = rs.create_record(other_worker, system, "crm", "account", {"name": "ACME"})["id"]
    b = rs.create_record(other_worker, system, "crm", "account", {"name": "Globex"})["id"]
    fs.save_draft(rt, system, deal_app, "deal", _deal(target, multiple=True))  # a deal may now name several accounts
    fs.publish_form(rt, system, deal_app, "deal")
    rs.create_record(other_worker, system, deal_app, "deal", {"account": [a, b], "stage": "won", "amount": "40"})
    assert {k: _data(rt, system, b).get(k) for k in ("deals", "won")} == {"deals": 1, "won": 40}
    rs.create_record(rt, system, deal_app, "deal", {"account": [a], "stage": "won", "amount": "2"})
    assert {k: v for k, v in rs.update_record(other_worker, system, "crm", "account", a, {"name": "ACME Ltd"})["data"].items()
            if k in ("deals", "won")} == {"deals": 2, "won": 42}


def test_a_publish_drops_what_this_process_compiled_over_the_form_before(rt, system, apps):
    """Reads too (a list sorts and the read gate hides by what the roll-ups read): the publish of the source drops the
    forms compiled here over its version before, and their next use compiles them again."""
    deal_app, target, where = apps
    _publish_both(rt, system, deal_app, target, where)
    a = rs.create_record(rt, system, "crm", "account", {"name": "ACME"})["id"]
    before = _compiled_account(rt)
    assert not any(r.multiple for r in before.autofill.rollups)
    fs.save_draft(rt, system, deal_app, "deal", _deal(target, multiple=True))
    fs.publish_form(rt, system, deal_app, "deal")
    assert rt.forms.held(before.form_id, before.version) is None
    after = _compiled_account(rt)
    assert after is not before and all(r.multiple for r in after.autofill.rollups)
    assert _data(rt, system, a)["deals"] == 0


def _compiled_account(rt):
    with rt.db.read() as conn:
        return compiled_form(rt, conn, "crm", "account")
