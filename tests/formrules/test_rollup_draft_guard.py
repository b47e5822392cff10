"""Only published roll-ups hold back their source form's publish, on SQLite and PostgreSQL: a roll-up still in a draft
(its own app's form or another app's) does not stop the source deleting, re-pointing or retyping its ``via`` or its
summed field; that draft is refused at its own publish instead, at the option naming what is gone. A published
roll-up still holds the source back, even when its form's draft dropped it."""
import copy

import pytest

from engine.errors import DefinitionInvalid
from engine.services import forms as fs

ACCOUNT = {"key": "account", "label": "Account", "fields": [{"id": "name", "type": "text"}]}
CONTACT = {"key": "contact", "label": "Contact", "fields": [{"id": "name", "type": "text"}]}


def _deal(app=None):
    target = {"app": app, "form": "account"} if app else {"form": "account"}
    return {"key": "deal", "label": "Deal", "fields": [
        {"id": "account", "type": "reference", "options": target},
        {"id": "amount", "type": "money"}]}


def _rollups(app=None):
    where = {"app": app} if app else {}
    return [{"id": "deals", "type": "rollup", "options": {**where, "form": "deal", "via": "account", "aggregate": "count"}},
            {"id": "total", "type": "rollup", "options": {**where, "form": "deal", "via": "account", "aggregate": "sum", "field": "amount"}}]


@pytest.fixture(params=["same_app", "other_app"])
def world(request, rt, system):
    """The CRM's account and contact, the deal (in the CRM or in a Sales app) naming the account, all published; the
    account's draft rolls the deals up, unpublished."""
    deal_app = "crm" if request.param == "same_app" else "sales"
    fs.create_app(rt, system, "crm", "CRM")
    if deal_app != "crm":
        fs.create_app(rt, system, deal_app, "Sales")
    for form in (ACCOUNT, CONTACT):
        fs.create_form(rt, system, "crm", form)
        fs.publish_form(rt, system, "crm", form["key"])
    deal = _deal("crm" if deal_app != "crm" else None)
    fs.create_form(rt, system, deal_app, deal)
    fs.publish_form(rt, system, deal_app, "deal")
    rollups = _rollups(deal_app if deal_app != "crm" else None)
    fs.save_draft(rt, system, "crm", "account", {**ACCOUNT, "fields": ACCOUNT["fields"] + rollups})
    return {"app": deal_app, "deal": deal, "rollups": rollups}


def _changed(deal, field_id, **change):
    out = copy.deepcopy(deal)
    for f in out["fields"]:
        if f["id"] == field_id:
            f.update(change)
    return out


def _deleted(deal, field_id):
    return _changed(deal, field_id, deleted=True)


def _refusal(rt, system, app, form):
    with pytest.raises(DefinitionInvalid) as refused:
        fs.publish_form(rt, system, app, form)
    return [(e.path, e.message_code) for e in refused.value.errors]


@pytest.mark.parametrize("field_id, change, refused_at", [
    ("account", {"deleted": True}, [("/fields/1/options/via", "error.options.not_reference_field"),
                                    ("/fields/2/options/via", "error.options.not_reference_field")]),
    ("amount", {"deleted": True}, [("/fields/2/options/field", "error.options.not_field_of_form")]),
    ("account", {"type": "text", "options": {}}, [("/fields/1/options/via", "error.options.not_reference_field"),
                                                  ("/fields/2/options/via", "error.options.not_reference_field")]),
    ("account", {"options": {"app": "crm", "form": "contact"}}, [("/fields/1/options/via", "error.options.rollup_via_elsewhere"),
                                                                 ("/fields/2/options/via", "error.options.rollup_via_elsewhere")]),
])
def test_a_draft_rollup_does_not_hold_the_source_back_and_is_refused_at_its_own_publish(rt, system, world, field_id, change, refused_at):
    fs.save_draft(rt, system, world["app"], "deal", _changed(world["deal"], field_id, **change))
    fs.publish_form(rt, system, world["app"], "deal")  # was refused: the account's draft roll-ups follow the field
    assert sorted(_refusal(rt, system, "crm", "account")) == refused_at


@pytest.mark.parametrize("field_id", ["account", "amount"])
def test_a_published_rollup_holds_the_source_back_even_when_its_draft_dropped_it(rt, system, world, field_id):
    fs.publish_form(rt, system, "crm", "account")
    dropped = [{**r, "deleted": True} for r in world["rollups"]]  # the draft drops them: the published ones still count
    fs.save_draft(rt, system, "crm", "account", {**ACCOUNT, "fields": ACCOUNT["fields"] + dropped})
    fs.save_draft(rt, system, world["app"], "deal", _deleted(world["deal"], field_id))
    codes = {code for _, code in _refusal(rt, system, world["app"], "deal")}
    assert codes == {"error.form.deleted_field_used"}
    fs.save_draft(rt, system, world["app"], "deal", _changed(world["deal"], "account", options={"app": "crm", "form": "contact"}))
    codes = {code for _, code in _refusal(rt, system, world["app"], "deal")}
    assert codes == {"error.form.via_field_changed"}
