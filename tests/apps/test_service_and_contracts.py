"""The CRM template's service tickets (服务工单) and contracts (合同), as shipped data: serials, assignment by category,
due time from priority, resolution shown once resolved, the SLA reminder to the assignee (manager on CC) 2 hours before
and at the due time, cancelled by resolving; the contract renewal reminder 30 and 7 days before the end date at 09:00
in the renewal owner's zone, cancelled by terminating; end date after start date; an app installed from template 1.0.0
gets all of it as an update. The clock is moved and the scheduler ticked; nothing is mocked."""
from __future__ import annotations

import json
from importlib import resources

import pytest
import sqlalchemy as sa

from engine.errors import ValidationFailed
from engine.notifications.tables import inbox_messages
from engine.runtime import Actor
from engine.scheduler import tick
from engine.services import app_templates as at, dashboards, forms as fs, records as rs, templates, users, workflows
from engine.workflows.tables import due_events


def _builtin():
    return json.loads(resources.files("builtin_apps").joinpath("crm.json").read_text("utf-8"))


def _person(rt, username, tz="Asia/Shanghai", manager_id=None, locale=None):
    return users.create_user(rt, Actor.system(), username, display_name=username.title(), roles=["member"],
                             manager_id=manager_id, timezone=tz, locale=locale, check=False)["id"]


def _inbox(rt):
    with rt.db.read() as conn:
        return sorted((r.user_id, r.title) for r in conn.execute(sa.select(inbox_messages)))


def _pending(rt, record_id):
    with rt.db.read() as conn:
        return [f.strftime("%Y-%m-%dT%H:%M:%SZ") for f in conn.execute(
            sa.select(due_events.c.fire_at).where(due_events.c.record_id == record_id, due_events.c.status == "pending")
            .order_by(due_events.c.fire_at)).scalars()]


@pytest.fixture
def crm(rt, system):
    """The installed CRM, a service team (technician and their lead) and a sales person with a manager."""
    at.install_template(rt, system, "crm")
    boss = _person(rt, "boss")
    sales = _person(rt, "sales", manager_id=boss)  # reads the workspace's language (English); the technician Chinese
    lead = _person(rt, "lead")
    tech = _person(rt, "tech", manager_id=lead, locale="zh-CN")
    customer = rs.create_record(rt, system, "crm", "customer", {"name": "上海宏达机械有限公司", "owner": sales})
    installation = rs.create_record(rt, system, "crm", "service_category", {"name": "安装 / Installation", "kind": "installation",
                                                                             "handler": tech})
    complaint = rs.create_record(rt, system, "crm", "service_category", {"name": "投诉 / Complaint", "kind": "complaint"})
    return {"boss": boss, "sales": sales, "lead": lead, "tech": tech, "customer": customer["id"],
            "installation": installation["id"], "complaint": complaint["id"]}


# -- the template --------------------------------------------------------------------

def test_the_template_ships_tickets_and_contracts_with_their_templates_and_workflows(rt, system):
    app = _builtin()
    assert app["template"]["version"] == "1.1.0"
    assert at.check_app_definition(app) == []
    forms = {f["key"]: f for f in app["forms"]}
    ticket = {f["id"]: f for f in forms["service_ticket"]["fields"]}
    contract = {f["id"]: f for f in forms["contract"]["fields"]}
    assert ticket["serial"]["options"] == {"format": "GD-{YYYYMMDD}-{0000}", "reset": "daily"}
    assert contract["serial"]["options"] == {"format": "HT-{YYYYMMDD}-{0000}", "reset": "daily"}
    assert [c["value"] for c in ticket["priority"]["options"]["choices"]] == ["low", "normal", "high", "urgent"]
    assert [c["value"] for c in ticket["status"]["options"]["choices"]] == ["new", "assigned", "in_progress", "resolved", "closed"]
    assert [c["value"] for c in contract["status"]["options"]["choices"]] == ["draft", "active", "expired", "renewed", "terminated"]

    at.install_template(rt, system, "crm")
    installed = {f["key"]: f for f in fs.get_app(rt, "crm")["forms"]}
    assert {"service_category", "service_ticket", "contract"} <= set(installed)
    assert all(f["published_version"] == 1 for f in installed.values())
    for key in ("service_ticket_sla_notice", "contract_renewal_notice"):
        assert templates.get_template(rt, "crm", key)["state"] == "published"
    for key in ("service_ticket_sla", "contract_renewal_reminder"):
        assert workflows.get_workflow(rt, "crm", key)["published_version"] == 1


# -- service tickets -----------------------------------------------------------------

def test_a_ticket_gets_a_serial_an_assignee_by_category_and_a_due_time_by_priority(rt, system, crm):
    urgent = rs.create_record(rt, system, "crm", "service_ticket", {
        "customer": crm["customer"], "category": crm["installation"], "priority": "urgent", "subject": "设备安装"})["data"]
    assert urgent["serial"] == "GD-20260309-0001"
    assert (urgent["customer_name"], urgent["owner"]) == ("上海宏达机械有限公司", crm["sales"])
    assert (urgent["assignee"], urgent["status"]) == (crm["tech"], "assigned")
    assert urgent["due_at"] == "2026-03-09T04:00:00Z"  # now + 4 hours
    assert "resolution" not in urgent and "resolved_at" not in urgent

    # a category without a handler leaves the ticket new; normal priority is due in a day
    other = rs.create_record(rt, system, "crm", "service_ticket", {
        "customer": crm["customer"], "category": crm["complaint"], "subject": "投诉"})["data"]
    assert other["serial"] == "GD-20260309-0002"
    assert (other.get("assignee"), other["status"], other["priority"], other["due_at"]) == (None, "new", "normal", "2026-03-10T00:00:00Z")
    # the submitter's own choice of assignee and due time stays
    chosen = rs.create_record(rt, system, "crm", "service_ticket", {
        "customer": crm["customer"], "category": crm["installation"], "subject": "x", "assignee": crm["sales"], "priority": "low",
        "due_at": "2026-03-20T10:00:00+08:00"})["data"]
    assert (chosen["assignee"], chosen["status"], chosen["due_at"]) == (crm["sales"], "assigned", "2026-03-20T02:00:00Z")
    low = rs.create_record(rt, system, "crm", "service_ticket", {"customer": crm["customer"], "subject": "y", "priority": "low"})["data"]
    assert low["due_at"] == "2026-03-12T00:00:00Z"

    # the assignment rules are records: the admin names a handler for complaints, the next ticket is assigned
    rs.update_record(rt, system, "crm", "service_category", crm["complaint"], {"handler": crm["lead"]})
    again = rs.create_record(rt, system, "crm", "service_ticket", {
        "customer": crm["customer"], "category": crm["complaint"], "subject": "投诉2", "priority": "high"})["data"]
    assert (again["assignee"], again["status"], again["due_at"]) == (crm["lead"], "assigned", "2026-03-09T08:00:00Z")


def test_resolution_is_required_once_resolved_and_stamped(rt, system, clock, crm):
    ticket = rs.create_record(rt, system, "crm", "service_ticket", {
        "customer": crm["customer"], "category": crm["installation"], "subject": "维修"})
    with pytest.raises(ValidationFailed) as info:
        rs.update_record(rt, system, "crm", "service_ticket", ticket["id"], {"status": "resolved"})
    assert [(e.path, e.code) for e in info.value.errors] == [("/data/resolution", "required")]
    clock.set("2026-03-09T03:00:00Z")
    done = rs.update_record(rt, system, "crm", "service_ticket", ticket["id"], {"status": "resolved", "resolution": "已更换主板"})["data"]
    assert (done["resolution"], done["resolved_at"]) == ("已更换主板", "2026-03-09T03:00:00Z")
    reopened = rs.update_record(rt, system, "crm", "service_ticket", ticket["id"], {"status": "in_progress"})["data"]
    assert "resolution" not in reopened or reopened["resolution"] is None  # hidden again, so not kept


def test_sla_reminder_two_hours_before_and_at_the_due_time_once_and_resolving_cancels(rt, system, clock, crm):
    ticket = rs.create_record(rt, system, "crm", "service_ticket", {
        "customer": crm["customer"], "category": crm["installation"], "priority": "urgent", "subject": "设备安装"})
    serial = ticket["data"]["serial"]
    assert _pending(rt, ticket["id"]) == ["2026-03-09T02:00:00Z", "2026-03-09T04:00:00Z"]

    clock.set("2026-03-09T01:59:00Z")
    assert tick(rt).claimed == 0
    clock.set("2026-03-09T02:00:00Z")
    tick(rt)
    # the assignee reads it in their language (Chinese), their manager on CC their copy in theirs (the workspace's English)
    assert _inbox(rt) == sorted([(crm["tech"], f"工单提醒：{serial} 设备安装"), (crm["lead"], f"Ticket due: {serial} 设备安装")])
    assert tick(rt).claimed == 0 and len(_inbox(rt)) == 2

    clock.set("2026-03-09T04:00:00Z")  # due and still open: reminded again, once
    tick(rt)
    tick(rt)
    assert len(_inbox(rt)) == 4 and _pending(rt, ticket["id"]) == []

    charts = {c["key"]: c for c in dashboards.dashboard_data(rt, system, "crm", "service")["charts"]}
    assert charts["open_tickets"]["value"] == 1 and charts["open_tickets_per_assignee"]["groups"][0]["key"] == crm["tech"]

    # a second ticket resolved before its reminders: they are cancelled
    second = rs.create_record(rt, system, "crm", "service_ticket", {
        "customer": crm["customer"], "category": crm["installation"], "priority": "urgent", "subject": "second"})
    assert _pending(rt, second["id"]) == ["2026-03-09T06:00:00Z", "2026-03-09T08:00:00Z"]
    rs.update_record(rt, system, "crm", "service_ticket", second["id"], {"status": "in_progress"})
    assert len(_pending(rt, second["id"])) == 2  # still open
    rs.update_record(rt, system, "crm", "service_ticket", second["id"], {"status": "resolved", "resolution": "done on site"})
    assert _pending(rt, second["id"]) == []
    for moment in ("2026-03-09T06:00:00Z", "2026-03-09T08:00:00Z"):
        clock.set(moment)
        tick(rt)
    assert len(_inbox(rt)) == 4


# -- contracts -------------------------------------------------------------------------

def _contract(rt, system, crm, **data):
    return rs.create_record(rt, system, "crm", "contract", {
        "title": "年度维保合同", "customer": crm["customer"], "amount": "120000.00", "signed_on": "2025-04-20",
        "start_on": "2025-05-01", "end_on": "2026-04-30", "status": "active", **data})


def test_contract_renewal_reminder_30_days_before_at_nine_in_the_owners_zone_once(rt, system, clock, crm):
    contract = _contract(rt, system, crm)
    data = contract["data"]
    assert data["serial"] == "HT-20260309-0001"
    assert (data["renewal_owner"], data["owner"], data["customer_name"]) == (crm["sales"], crm["sales"], "上海宏达机械有限公司")
    # 2026-03-31 09:00 and 2026-04-23 09:00 in Shanghai
    assert _pending(rt, contract["id"]) == ["2026-03-31T01:00:00Z", "2026-04-23T01:00:00Z"]

    clock.set("2026-03-31T00:59:00Z")
    assert tick(rt).claimed == 0
    clock.set("2026-03-31T01:00:00Z")
    tick(rt)
    title = "Renewal: 年度维保合同 (上海宏达机械有限公司)"  # the owner saved no language: the workspace's, English
    assert _inbox(rt) == sorted([(crm["sales"], title), (crm["boss"], title)])  # the owner, the manager on CC
    with rt.db.read() as conn:
        body = conn.execute(sa.select(inbox_messages.c.body).where(inbox_messages.c.user_id == crm["sales"])).scalar()
    assert "2026-04-30" in body and data["serial"] in body
    assert tick(rt).claimed == 0 and len(_inbox(rt)) == 2

    # terminating cancels the 7-day reminder
    rs.update_record(rt, system, "crm", "contract", contract["id"], {"status": "terminated"})
    assert _pending(rt, contract["id"]) == []
    clock.set("2026-04-23T01:00:00Z")
    tick(rt)
    assert len(_inbox(rt)) == 2


def test_the_renewal_owners_own_zone_counts_and_a_draft_is_not_reminded(rt, system, clock, crm):
    ny = _person(rt, "nyc", tz="America/New_York", manager_id=crm["boss"])
    contract = _contract(rt, system, crm, renewal_owner=ny)
    assert contract["data"]["renewal_owner"] == ny
    # 2026-03-31 09:00 EDT = 13:00Z; 2026-04-23 09:00 EDT = 13:00Z
    assert _pending(rt, contract["id"]) == ["2026-03-31T13:00:00Z", "2026-04-23T13:00:00Z"]
    draft = _contract(rt, system, crm, status="draft")
    assert draft["data"]["serial"] == "HT-20260309-0002" and _pending(rt, draft["id"]) == []
    rs.update_record(rt, system, "crm", "contract", draft["id"], {"status": "active"})
    assert _pending(rt, draft["id"]) == ["2026-03-31T01:00:00Z", "2026-04-23T01:00:00Z"]


def test_an_end_date_before_the_start_date_is_refused_at_the_field(client):
    assert client.post("/api/app-templates/install", json={"template": "crm"}).status_code == 201
    records = "/api/apps/crm/forms/{}/records".format
    customer = client.post(records("customer"), json={"data": {"name": "ACME"}}).get_json()
    r = client.post(records("contract"), json={"data": {"title": "Support", "customer": customer["id"],
                                                       "start_on": "2026-05-01", "end_on": "2026-04-30"}})
    assert r.status_code == 422, r.get_json()
    errors = r.get_json()["error"]["errors"]
    assert [(e["path"], e["field_id"]) for e in errors] == [("/data/end_on", "end_on")]
    assert "later than the start date" in errors[0]["message"]
    ok = client.post(records("contract"), json={"data": {"title": "Support", "customer": customer["id"],
                                                        "start_on": "2026-05-01", "end_on": "2027-04-30"}})
    assert ok.status_code == 201, ok.get_json()
    assert ok.get_json()["data"]["status"] == "draft"


# -- updating an app installed from template 1.0.0 -------------------------------------------

NEW_FORMS = ("service_category", "service_ticket", "contract")


def _version_1_0_0():
    app = at.get_template(None, "crm")  # as the library serves it (with the dashboards of builtin_apps/dashboards)
    app["template"]["version"] = "1.0.0"
    app["forms"] = [f for f in app["forms"] if f["key"] not in NEW_FORMS]
    app["templates"] = [t for t in app["templates"] if t["form"] not in NEW_FORMS]
    app["workflows"] = [w for w in app["workflows"] if w["form"] not in NEW_FORMS]
    app["dashboards"] = [d for d in app["dashboards"] if not any(c["form"] in NEW_FORMS for c in d["charts"])]
    return app


def test_an_app_installed_from_1_0_0_is_offered_the_new_forms_templates_and_workflows(rt, system, clock, crm):
    old = at.install_template(rt, system, definition=_version_1_0_0(), app_key="crm_old")
    assert old["installed_from"]["version"] == "1.0.0"
    offer = at.template_update(rt, "crm_old")
    assert (offer["installed_version"], offer["available_version"], offer["update_available"]) == ("1.0.0", "1.1.0", True)
    assert {f["form"] for f in offer["forms"] if f["action"] == "create"} == set(NEW_FORMS)
    assert all(f["action"] == "none" for f in offer["forms"] if f["form"] not in NEW_FORMS)
    assert {(p["part"], p["key"]) for p in offer["parts"] if p["action"] == "create"} == {
        ("templates", "service_ticket_sla_notice"), ("templates", "contract_renewal_notice"),
        ("workflows", "service_ticket_sla"), ("workflows", "contract_renewal_reminder"), ("dashboards", "service")}

    at.apply_template_update(rt, system, "crm_old", expected_version="1.1.0")
    assert fs.get_app(rt, "crm_old")["template"] == {"key": "crm", "version": "1.1.0"}
    customer = rs.create_record(rt, system, "crm_old", "customer", {"name": "Old Co", "owner": crm["sales"]})
    contract = rs.create_record(rt, system, "crm_old", "contract", {
        "title": "Support", "customer": customer["id"], "start_on": "2025-05-01", "end_on": "2026-04-30", "status": "active"})
    assert contract["data"]["serial"].startswith("HT-20260309-")
    assert _pending(rt, contract["id"]) == ["2026-03-31T01:00:00Z", "2026-04-23T01:00:00Z"]
    assert at.template_update(rt, "crm_old")["update_available"] is False
    assert [d["key"] for d in dashboards.list_dashboards(rt, "crm_old")] == ["sales", "service"]
