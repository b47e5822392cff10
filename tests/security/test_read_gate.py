"""Issue 18, point 5: derived values inherit the visibility of what they are made from (the read gate).

The real built-in CRM (``builtin_apps/crm.json``), on SQLite and PostgreSQL, through the REST API with real tokens.
Opportunity ``amount`` is hidden from members; customer ``phone`` from members, viewers and ops (as in the report).
``weighted_amount`` (a formula over amount), the customer's ``won_amount`` (a roll-up of amount) and ``rfm_segment``
(a formula over that roll-up) must then be as invisible to a member as ``amount`` itself, everywhere: record, list,
filter, sort, search, export, dashboard, history; the follow-up's fetched ``phone`` as invisible as the customer's.
"""
from __future__ import annotations

import pytest

from engine.runtime import Actor
from engine.services import app_templates, permissions, records as record_service

#: the hidden opportunity amount, and what the formula and the roll-up make of it (won: 100%)
AMOUNT = 777777.77
AMOUNT_TEXT = "777777.77"
#: the customer's hidden phone
PHONE = "13912345678"
MEMBER_OPPORTUNITY = {"create": True, "read": "own", "update": "own", "delete": "own", "fields": {"amount": "hidden"}}
MEMBER_CUSTOMER = {"create": True, "read": "own", "update": "own", "delete": "own", "fields": {"phone": "hidden"}}


@pytest.fixture
def crm(rt, people):
    """The built-in CRM; one customer, a won opportunity and a follow-up, all ann's."""
    app_templates.install_template(rt, Actor.system(), "crm")
    admin = people["root"].actor
    permissions.set_grant(rt, admin, "crm", "opportunity", "member", MEMBER_OPPORTUNITY)
    permissions.set_grant(rt, admin, "crm", "customer", "member", MEMBER_CUSTOMER)
    for role in ("viewer", "ops"):
        permissions.set_grant(rt, admin, "crm", "customer", role, {"read": "all", "fields": {"phone": "hidden"}})
    ann = people["ann"].id
    customer = record_service.create_record(rt, Actor.system(), "crm", "customer",
                                            {"name": "Acme Machinery", "industry": "manufacturing", "phone": PHONE}, owner_id=ann)
    opportunity = record_service.create_record(rt, Actor.system(), "crm", "opportunity",
                                               {"name": "Big press", "customer": customer["id"], "stage": "negotiation",
                                                "amount": AMOUNT}, owner_id=ann)
    record_service.update_record(rt, Actor.system(), "crm", "opportunity", opportunity["id"], {"stage": "won", "closed_on": "2026-03-01"})
    follow_up = record_service.create_record(rt, Actor.system(), "crm", "follow_up",
                                             {"customer": customer["id"], "method": "call", "content": "called about the press"},
                                             owner_id=ann)
    return {"customer": customer["id"], "opportunity": opportunity["id"], "follow_up": follow_up["id"]}


def _get(person, url):
    r = person.client.get(url)
    return r.status_code, r.get_data(as_text=True), r.get_json(silent=True)


def _base(form):
    return f"/api/apps/crm/forms/{form}/records"


def test_the_data_really_is_there(crm, people):
    """What the attacks below would read: the admin sees the derived values, made from the hidden ones."""
    root = people["root"]
    assert _get(root, f"{_base('opportunity')}/{crm['opportunity']}")[2]["data"]["weighted_amount"] == AMOUNT
    assert _get(root, f"{_base('customer')}/{crm['customer']}")[2]["data"]["won_amount"] == AMOUNT
    assert _get(root, f"{_base('follow_up')}/{crm['follow_up']}")[2]["data"]["phone"] == PHONE


def test_weighted_amount_does_not_show_a_hidden_amount(crm, people):
    ann = people["ann"]
    for url in (f"{_base('opportunity')}/{crm['opportunity']}", _base("opportunity"), f"{_base('opportunity')}/{crm['opportunity']}/history"):
        status, text, _ = _get(ann, url)
        assert status == 200 and "weighted_amount" not in text and "777777" not in text, url
    data = _get(ann, f"{_base('opportunity')}/{crm['opportunity']}")[2]["data"]
    assert data["stage"] == "won" and data["probability"] == 100  # what is made from visible fields stays visible


def test_customer_won_amount_does_not_show_a_hidden_amount(crm, people):
    """The roll-up of a hidden amount is hidden, and so is the formula over the roll-up (rfm_segment), transitively."""
    ann = people["ann"]
    for url in (f"{_base('customer')}/{crm['customer']}", _base("customer")):
        status, text, body = _get(ann, url)
        assert status == 200 and "777777" not in text and "won_amount" not in text and "rfm_segment" not in text, url
    data = _get(ann, f"{_base('customer')}/{crm['customer']}")[2]["data"]
    assert data["won_count"] == 1 and data["name"] == "Acme Machinery"  # counted from visible fields: shown


@pytest.mark.parametrize("field", ["weighted_amount", "amount"])
def test_filter_on_weighted_amount_is_refused_like_on_amount(crm, people, field):
    """``filter=weighted_amount:gt:777000`` was an oracle for the hidden amount; now it is refused as on amount itself."""
    status, _, body = _get(people["ann"], f"{_base('opportunity')}?filter={field}:gt:777000")
    assert status == 422
    assert body["error"]["errors"][0] == {**body["error"]["errors"][0], "path": "/filters/0/field", "field_id": field}
    assert _get(people["root"], f"{_base('opportunity')}?filter={field}:not_empty")[2]["total"] == 1  # the field is filterable
    for op in ("not_empty", "empty"):
        assert _get(people["ann"], f"{_base('opportunity')}?filter={field}:{op}")[0] == 422
    r = people["ann"].client.post(f"{_base('opportunity')}/query", json={"filters": [{"field": field, "op": "gt", "value": 777000}]})
    assert r.status_code == 422


@pytest.mark.parametrize("field", ["weighted_amount", "amount", "won_amount", "rfm_segment"])
def test_sort_on_a_hidden_derived_field_is_refused_like_on_a_hidden_field(crm, people, field):
    form = "opportunity" if field in ("weighted_amount", "amount") else "customer"
    status, _, body = _get(people["ann"], f"{_base(form)}?sort=-{field}")
    assert status == 422 and body["error"]["errors"][0]["path"] == "/sort/0"
    assert _get(people["root"], f"{_base(form)}?sort=-{field}")[0] == 200


def test_search_skips_a_fetched_phone_like_the_hidden_phone_itself(crm, people):
    """Searching the phone number must not find the follow-up (fetched phone) any more than the customer (own phone)."""
    for form in ("customer", "follow_up"):
        assert _get(people["root"], f"{_base(form)}?search={PHONE}")[2]["total"] == 1, form
        for who in ("vic", "otto"):
            status, text, body = _get(people[who], f"{_base(form)}?search={PHONE}")
            assert status == 200 and body["total"] == 0 and PHONE not in text, (form, who)


def test_follow_up_fetched_phone_is_hidden_from_a_viewer(crm, people):
    """The follow-up's phone copies the customer's hidden phone: a viewer (and ops, and a member) reads neither."""
    for who in ("vic", "otto", "ann"):
        for url in (f"{_base('follow_up')}/{crm['follow_up']}", _base("follow_up"), f"{_base('follow_up')}/{crm['follow_up']}/history",
                    f"{_base('follow_up')}/export.csv"):
            status, text, _ = _get(people[who], url)
            assert status == 200 and PHONE not in text, (who, url)
        status, _, body = _get(people[who], f"{_base('follow_up')}?filter=phone:eq:{PHONE}")
        assert status == 422, who
    data = _get(people["vic"], f"{_base('follow_up')}/{crm['follow_up']}")[2]["data"]
    assert data["customer_name"] == "Acme Machinery" and "phone" not in data  # the visible name is still fetched and shown


def test_export_leaves_out_derived_columns_of_hidden_amount(crm, people):
    for suffix in ("export.csv", "export.xlsx"):
        r = people["ann"].client.get(f"{_base('opportunity')}/{suffix}")
        assert r.status_code == 200
        assert b"777777" not in r.data and b"Weighted amount" not in r.data, suffix
    csv = people["root"].client.get(f"{_base('opportunity')}/export.csv").get_data(as_text=True)
    assert "Weighted amount" in csv and "777" in csv


def test_dashboard_sum_over_weighted_amount_is_refused(crm, people):
    board = {"key": "leak", "label": {"en": "Leak", "zh-CN": "泄露"}, "charts": [
        {"key": "weighted", "type": "number", "title": "W", "form": "opportunity", "aggregate": {"op": "sum", "field": "weighted_amount"}},
        {"key": "won", "type": "number", "title": "C", "form": "customer", "aggregate": {"op": "sum", "field": "won_amount"}},
        {"key": "by_rfm", "type": "bar", "title": "R", "form": "customer", "group_by": {"field": "rfm_segment"}, "aggregate": {"op": "count"}},
        {"key": "count", "type": "number", "title": "N", "form": "opportunity", "aggregate": {"op": "count"}}]}
    assert people["root"].client.post("/api/apps/crm/dashboards", json=board).status_code == 201
    status, text, body = _get(people["ann"], "/api/apps/crm/dashboards/leak/data")
    assert status == 200 and "777777" not in text
    charts = {c["key"]: c for c in body["charts"]}
    for key in ("weighted", "won", "by_rfm"):
        assert charts[key]["error"]["status"] == 403, key
    assert charts["count"]["error"] is None and charts["count"]["value"] == 1
    admin = {c["key"]: c for c in _get(people["root"], "/api/apps/crm/dashboards/leak/data")[2]["charts"]}
    assert admin["weighted"]["value"] == AMOUNT and admin["won"]["value"] == AMOUNT


def test_explicit_grant_re_reveals_a_derived_field(crm, people, rt):
    """An admin who names weighted_amount in the member's rights shows it (amount stays hidden); filters then work."""
    permissions.set_grant(rt, people["root"].actor, "crm", "opportunity", "member",
                          {**MEMBER_OPPORTUNITY, "fields": {"amount": "hidden", "weighted_amount": "read"}})
    ann = people["ann"]
    data = _get(ann, f"{_base('opportunity')}/{crm['opportunity']}")[2]["data"]
    assert data["weighted_amount"] == AMOUNT and "amount" not in data
    assert _get(ann, f"{_base('opportunity')}?filter=weighted_amount:not_empty")[2]["total"] == 1
    assert _get(ann, f"{_base('opportunity')}?filter=amount:gt:777000")[0] == 422
    # the customer's roll-up is not named: it still follows the hidden amount
    assert "won_amount" not in _get(ann, f"{_base('customer')}/{crm['customer']}")[2]["data"]


def test_a_grant_of_the_source_shows_what_is_derived_from_it(crm, people, rt):
    """Nothing is hidden for its own sake: once amount is visible, weighted_amount and won_amount are too."""
    permissions.set_grant(rt, people["root"].actor, "crm", "opportunity", "member", {**MEMBER_OPPORTUNITY, "fields": {}})
    ann = people["ann"]
    assert _get(ann, f"{_base('opportunity')}/{crm['opportunity']}")[2]["data"]["weighted_amount"] == AMOUNT
    assert _get(ann, f"{_base('customer')}/{crm['customer']}")[2]["data"]["won_amount"] == AMOUNT


def test_field_access_shows_what_a_derived_field_follows(crm, people):
    root, ann = people["root"], people["ann"]
    status, _, body = _get(root, "/api/apps/crm/forms/opportunity/field-access?role=member")
    assert status == 200 and body["role"] == "member"
    items = {i["field_id"]: i for i in body["items"]}
    assert items["amount"]["level"] == "hidden" and items["amount"]["derived"] is False
    weighted = items["weighted_amount"]
    assert weighted["level"] == "hidden" and weighted["derived"] and not weighted["granted"]
    assert set(weighted["inherits_from"]) == {"amount", "stage"} and weighted["hidden_by"] == ["amount"]
    assert items["probability"]["level"] == "read" and items["probability"]["hidden_by"] == []
    customer = {i["field_id"]: i for i in _get(root, "/api/apps/crm/forms/customer/field-access?role=member")[2]["items"]}
    assert "opportunity.amount" in customer["won_amount"]["inherits_from"] and customer["won_amount"]["level"] == "hidden"
    assert customer["rfm_segment"]["hidden_by"] == ["won_amount"]
    follow_up = {i["field_id"]: i for i in _get(root, "/api/apps/crm/forms/follow_up/field-access?role=viewer")[2]["items"]}
    assert follow_up["phone"]["inherits_from"] == ["customer", "customer.phone"] and follow_up["phone"]["level"] == "hidden"
    # a member may ask about themselves, not about other roles
    assert _get(ann, "/api/apps/crm/forms/opportunity/field-access?role=viewer")[0] == 403
    own = {i["field_id"]: i for i in _get(ann, "/api/apps/crm/forms/opportunity/field-access")[2]["items"]}
    assert own["weighted_amount"]["level"] == "hidden"
    assert _get(root, "/api/apps/crm/forms/opportunity/field-access?role=nobody")[0] == 404
    assert _get(root, "/api/apps/crm/forms/opportunity/field-access?role=Bad-Key")[0] == 422


def test_a_count_over_a_form_the_role_cannot_read_is_hidden(crm, people, rt):
    """A role that reads customers but no follow-ups learns nothing of them through the follow-up roll-ups, nor through
    the lead score computed from the count; what is made of the customer's own fields (grade) stays."""
    from engine.services import users

    admin = people["root"].actor
    permissions.save_role(rt, admin, "auditor", label="Auditor", capabilities=[],
                          default_rights={"create": False, "read": "all", "update": "none", "delete": "none", "fields": {}})
    permissions.set_grant(rt, admin, "crm", "follow_up", "auditor", {"read": "none"})
    users.update_user(rt, admin, people["mia"].id, {}, roles=["auditor"])
    status, _, body = _get(people["mia"], f"{_base('customer')}/{crm['customer']}")
    assert status == 200
    assert {"follow_up_count", "last_follow_up_at", "lead_score"}.isdisjoint(body["data"]) and "grade" in body["data"]
    assert _get(people["mia"], f"{_base('follow_up')}/{crm['follow_up']}")[0] == 403


def test_read_view_is_the_one_answer(crm, people, rt):
    """The gate, the records service's names and the permissions hook agree; a record outside the scope is a 404."""
    from engine.errors import NotFound
    from engine.services import readgate
    from engine.services.forms import compiled_form
    from engine.storage.tables import records

    import sqlalchemy as sa

    ann, bob = people["ann"].actor, people["bob"].actor
    with rt.db.read() as conn:
        form = compiled_form(rt, conn, "crm", "opportunity")
        view = readgate.read_view(rt, conn, ann, form)
        assert view.hidden == {"amount", "weighted_amount"}
        assert record_service.hidden_fields(rt, conn, ann, form) == view.hidden == permissions.hidden_fields(rt, conn, ann, form)
        assert record_service.row_scopes(rt, conn, ann, form) == list(view.scope) and len(view.scope) == 1
        row = conn.execute(sa.select(records).where(records.c.id == crm["opportunity"])).mappings().one()
        view.check(conn, row)
        shown = view.record(row)
        assert shown["id"] == crm["opportunity"] and "amount" not in shown["data"] and shown["data"]["stage"] == "won"
        assert view.data({"amount": 1, "weighted_amount": 1, "name": "x"}) == {"name": "x"}
        with pytest.raises(NotFound):
            readgate.read_view(rt, conn, bob, form).check(conn, row)
        assert readgate.read_view(rt, conn, Actor.system(), form).hidden == frozenset()
