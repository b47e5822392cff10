"""Attacks on the views that explain or preview record data: workflow dry-runs, fire times and run logs, the duplicate
check, template previews and test-sends (issue 18, points 2, 6 and 7).

Each runs on the built-in CRM (builtin_apps/crm.json) over the REST API, on SQLite and PostgreSQL (``app``), with one
person per role (``people``): customer phone hidden from members, viewers and ops, members reading their own records.
Distinctive values are stored where the caller may not look and must never come back in a response body.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from engine.notifications.tables import inbox_messages
from engine.runtime import Actor
from engine.scheduler import tick
from engine.services import app_templates, permissions, records as record_service, workflows as wf_service

#: bob's customer: its name, and its phone (hidden from members, viewers and ops)
BOB_CUSTOMER = "Qorvath Zeppelin Trading Co., Ltd."
BOB_PHONE = "13911112222"
#: ann's customer's phone: ann may not see it either (the field is hidden from her role)
ANN_PHONE = "13733334444"
#: bob's contract title, seen by nobody but bob, the admin and those reading every contract
BOB_CONTRACT = "Contract Xylophage-7731"
ANN_CONTRACT = "Contract Ann-Own-4410"

SYSTEM = Actor.system()


@pytest.fixture
def world(rt, people):
    """The built-in CRM, the phone hidden from member/viewer/ops, a customer and an active contract for ann and for bob."""
    app_templates.install_template(rt, SYSTEM, "crm")
    admin = people["root"].actor
    for role, rights in (("member", {"create": True, "read": "own", "update": "own", "delete": "own", "fields": {"phone": "hidden"}}),
                         ("viewer", {"read": "all", "fields": {"phone": "hidden"}}),
                         ("ops", {"read": "all", "fields": {"phone": "hidden"}})):
        permissions.set_grant(rt, admin, "crm", "customer", role, rights)
    ids = {}
    for who, name, phone, title in (("bob", BOB_CUSTOMER, BOB_PHONE, BOB_CONTRACT), ("ann", "Ann Own Customer", ANN_PHONE, ANN_CONTRACT)):
        owner = people[who].id
        customer = record_service.create_record(rt, SYSTEM, "crm", "customer", {"name": name, "phone": phone, "owner": owner},
                                                owner_id=owner)
        contract = record_service.create_record(rt, SYSTEM, "crm", "contract", {
            "title": title, "customer": customer["id"], "start_on": "2026-01-01", "end_on": "2026-04-20", "status": "active",
            "renewal_owner": owner}, owner_id=owner)
        ids[who] = {"customer": customer["id"], "contract": contract["id"]}
    workflow = wf_service.get_workflow(rt, "crm", "contract_renewal_reminder")
    if not workflow["published_version"]:
        wf_service.publish_workflow(rt, SYSTEM, "crm", "contract_renewal_reminder")
    return ids


def _text(response) -> str:
    return response.get_data(as_text=True)


def _same_as_missing(client, url: str, record_id: int, *, json=None, method="post") -> None:
    """A record out of the caller's scope answers exactly like an id no record has."""
    missing = 10_000_000 + record_id
    call = getattr(client, method)
    hidden = call(url.format(id=record_id), json=None if json is None else {**json, "record_id": record_id})
    absent = call(url.format(id=missing), json=None if json is None else {**json, "record_id": missing})
    assert hidden.status_code == absent.status_code == 404
    assert _text(hidden).replace(str(record_id), "N") == _text(absent).replace(str(missing), "N")


# -- point 2: dry-run, fire times and run logs of records outside one's scope -----------------------------------

def test_attack_dry_run_of_a_contract_out_of_scope_is_404(world, people, rt):
    """A member dry-running the renewal reminder on bob's contract learned its title, customer and end date."""
    ann = people["ann"].client
    url = "/api/apps/crm/workflows/contract_renewal_reminder/dry-run"
    response = ann.post(url, json={"record_id": world["bob"]["contract"]})
    assert response.status_code in (403, 404)
    for secret in (BOB_CONTRACT, BOB_CUSTOMER, "2026-04-20", "Xylophage"):
        assert secret not in _text(response)
    # ops may operate workflows; with contracts read "own" bob's contract is simply missing for them
    permissions.set_grant(rt, people["root"].actor, "crm", "contract", "ops", {"read": "own"})
    _same_as_missing(people["otto"].client, url, world["bob"]["contract"], json={})
    # the admin still sees the whole explanation
    full = people["root"].client.post(url, json={"record_id": world["bob"]["contract"]})
    assert full.status_code == 200 and BOB_CONTRACT in _text(full)


def test_attack_fire_times_of_other_peoples_records_are_not_listed(world, people):
    """``GET .../workflows/{key}/due`` and ``.../records/{id}/due`` listed the firings of records outside the caller's scope."""
    ann = people["ann"].client
    listed = ann.get("/api/apps/crm/workflows/contract_renewal_reminder/due")
    assert listed.status_code == 200
    assert {d["record_id"] for d in listed.get_json()["items"]} == {world["ann"]["contract"]}
    by_record = ann.get(f"/api/apps/crm/workflows/contract_renewal_reminder/due?record_id={world['bob']['contract']}")
    assert by_record.status_code == 200 and by_record.get_json()["items"] == []
    _same_as_missing(ann, "/api/apps/crm/records/{id}/due", world["bob"]["contract"], method="get")
    own = ann.get(f"/api/apps/crm/records/{world['ann']['contract']}/due")
    assert own.status_code == 200 and len(own.get_json()["items"]) == 2
    everything = people["root"].client.get("/api/apps/crm/workflows/contract_renewal_reminder/due").get_json()["items"]
    assert {d["record_id"] for d in everything} == {world["ann"]["contract"], world["bob"]["contract"]}


def test_attack_run_log_of_other_peoples_records_is_not_listed(world, people, rt, clock):
    """``GET .../workflows/{key}/runs`` showed every firing's run log, whoever's record it was."""
    clock.set("2026-03-21T01:05:00Z")  # 30 days before 2026-04-20, 09:05 in Shanghai
    assert tick(rt).claimed == 2
    admin_runs = people["root"].client.get("/api/apps/crm/workflows/contract_renewal_reminder/runs").get_json()["items"]
    assert {r["record_id"] for r in admin_runs} == {world["ann"]["contract"], world["bob"]["contract"]}
    for who in ("ann", "bob"):
        runs = people[who].client.get("/api/apps/crm/workflows/contract_renewal_reminder/runs")
        assert runs.status_code == 200
        assert {r["record_id"] for r in runs.get_json()["items"]} == {world[who]["contract"]}
        assert all(r["detail"] is None and r["steps"] is None for r in runs.get_json()["items"])  # free text: operators only
    mia = people["mia"].client.get(f"/api/apps/crm/workflows/contract_renewal_reminder/runs?record_id={world['bob']['contract']}")
    assert mia.status_code == 200 and mia.get_json()["items"] == []


def test_attack_fire_times_do_not_reveal_a_hidden_date_field(world, people, rt):
    """With the contract's end date hidden from viewers, its fire times (end date - 30 days) gave it away."""
    permissions.set_grant(rt, people["root"].actor, "crm", "contract", "viewer", {"read": "all", "fields": {"end_on": "hidden"}})
    response = people["vic"].client.get("/api/apps/crm/workflows/contract_renewal_reminder/due")
    items = response.get_json()["items"]
    assert response.status_code == 200 and len(items) == 4
    assert all(d["fire_at"] is None for d in items)
    assert "2026-03-21" not in _text(response) and "2026-04-20" not in _text(response)
    explained = people["vic"].client.post("/api/apps/crm/workflows/contract_renewal_reminder/dry-run",
                                         json={"record_id": world["ann"]["contract"]})
    if explained.status_code == 200:  # (viewers may not be allowed to dry-run at all)
        assert "2026-03-21" not in _text(explained) and "2026-04-20" not in _text(explained)


# -- point 6: the duplicate check as an oracle ---------------------------------------------------------------------

def test_attack_duplicates_check_names_no_record_out_of_scope(world, people):
    """A member asking ``/customer/duplicates`` with a guessed phone got the id and name of bob's customer."""
    ann = people["ann"].client
    url = "/api/apps/crm/forms/customer/duplicates"
    probe = ann.post(url, json={"data": {"phone": BOB_PHONE}})
    assert probe.status_code == 422  # the phone is hidden from her: its values are not hers to look up
    assert probe.get_json()["error"]["errors"][0]["code"] == "forbidden_field"
    miss = ann.post(url, json={"data": {"phone": "13900000000"}})  # a value nobody has: the very same answer
    assert miss.status_code == probe.status_code and _text(miss) == _text(probe)
    named = ann.post(url, json={"data": {"name": "qorvath zeppelin trading"}})  # a visible field: "taken", no more
    assert named.status_code == 200
    [match] = named.get_json()["matches"]
    assert match["record_id"] is None and match["title"] is None and "already exists" in match["message"]
    for response in (probe, named):
        assert BOB_CUSTOMER not in _text(response) and str(world["bob"]["customer"]) not in re.findall(r"\d+", _text(response))
    # bob reads his own customer: the scenario's answer names it
    own = people["bob"].client.post(url, json={"data": {"name": "qorvath zeppelin trading"}}).get_json()["matches"]
    assert own[0]["record_id"] == world["bob"]["customer"] and own[0]["title"] == BOB_CUSTOMER


def test_attack_duplicate_error_on_submit_names_no_record_out_of_scope(world, people):
    """Saving a customer with bob's customer's name answered 409 naming bob's record (#id and name)."""
    refused = people["ann"].client.post("/api/apps/crm/forms/customer/records", json={"data": {"name": "QORVATH Zeppelin Trading"}})
    assert refused.status_code == 409
    body = _text(refused)
    assert BOB_CUSTOMER not in body and f"#{world['bob']['customer']}" not in body and "already exists" in body
    error = refused.get_json()["error"]
    assert all(d["record_id"] is None for d in error["duplicates"]) and f'"record_id":{world["bob"]["customer"]}' not in body
    # a hidden field can't be probed by submitting it either
    probe = people["ann"].client.post("/api/apps/crm/forms/customer/records", json={"data": {"name": "New one", "phone": BOB_PHONE}})
    assert probe.status_code == 422 and BOB_CUSTOMER not in _text(probe)
    # the admin, who reads every customer, is told which record it collides with
    admin = people["root"].client.post("/api/apps/crm/forms/customer/records", json={"data": {"name": "QORVATH Zeppelin Trading"}})
    assert admin.status_code == 409 and f"#{world['bob']['customer']}" in _text(admin)


# -- point 7: previews, test-sends and dry-runs rendering a referenced record's hidden field -------------------------

PHONE_TEMPLATE = {"default": {"subject": "Renewal {{ record.title }}",
                              "body": "customer={{ record.customer.name }} phone={{ record.customer.phone }}"}}


def test_attack_template_preview_and_test_send_render_no_hidden_field_of_a_referenced_record(world, people, rt):
    """Ops (phone hidden) previewed ``{{ record.customer.phone }}`` on a contract and read the customer's phone."""
    otto = people["otto"].client
    created = otto.post("/api/apps/crm/notification-templates", json={
        "key": "phone_probe", "form": "contract", "label": "probe", "content": PHONE_TEMPLATE})
    assert created.status_code == 201, created.get_json()
    preview = otto.post("/api/apps/crm/notification-templates/phone_probe/preview", json={"record_id": world["bob"]["contract"]})
    assert preview.status_code == 200, preview.get_json()
    assert BOB_CUSTOMER in preview.get_json()["body"]  # the referenced record itself is readable to ops
    assert BOB_PHONE not in _text(preview)
    sent = otto.post("/api/apps/crm/notification-templates/phone_probe/test-send", json={"record_id": world["bob"]["contract"]})
    assert sent.status_code == 200, sent.get_json()
    with rt.db.read() as conn:
        inbox = [dict(r) for r in conn.execute(sa.select(inbox_messages).where(inbox_messages.c.user_id == people["otto"].id)).mappings()]
    assert inbox and all(BOB_PHONE not in str(m) for m in inbox)
    assert BOB_PHONE not in _text(otto.get("/api/inbox"))
    # the admin's preview shows it: the gate is the caller's, not a blanket removal
    admin = people["root"].client.post("/api/apps/crm/notification-templates/phone_probe/preview",
                                       json={"record_id": world["bob"]["contract"]})
    assert admin.status_code == 200 and BOB_PHONE in admin.get_json()["body"]


def test_attack_workflow_dry_run_renders_no_hidden_field_of_a_referenced_record(world, people, rt):
    """A dry-run's rendered message showed ``{{ record.customer.phone }}`` to ops, who may not see the phone."""
    otto = people["otto"].client
    definition = {"key": "phone_probe", "label": "probe", "form": "contract",
                  "trigger": {"type": "date_relative", "field": "end_on", "tz": "workspace",
                              "offsets": [{"amount": 1, "unit": "days", "direction": "before", "at_time": "09:00"}]},
                  "steps": [{"id": "tell", "type": "notify", "to": [{"owner": True}, {"users": [people["root"].id]}],
                             "channels": ["inbox"],
                             "message": {"subject": "{{ record.title }}", "body": PHONE_TEMPLATE["default"]["body"]}}]}
    created = otto.post("/api/apps/crm/workflows", json=definition)
    assert created.status_code == 201, created.get_json()
    explained = otto.post("/api/apps/crm/workflows/phone_probe/dry-run", json={"record_id": world["bob"]["contract"]})
    assert explained.status_code == 200, explained.get_json()
    messages = explained.get_json()["steps"][0]["messages"]
    assert len(messages) == 2 and all(BOB_CUSTOMER in m["body"] for m in messages) and BOB_PHONE not in _text(explained)
    # the admin sees what each recipient would get: bob's role hides the phone, the admin's own message shows it
    admin = people["root"].client.post("/api/apps/crm/workflows/phone_probe/dry-run", json={"record_id": world["bob"]["contract"]})
    bodies = {m["to"]["user_id"]: m["body"] for m in admin.get_json()["steps"][0]["messages"]}
    assert BOB_PHONE in bodies[people["root"].id] and BOB_PHONE not in bodies[people["bob"].id]


def test_attack_dry_run_renders_no_referenced_record_out_of_scope(world, people, rt):
    """A member's own contract pointing at bob's customer rendered that customer's name in her dry-run."""
    ann_contract = world["ann"]["contract"]
    record_service.update_record(rt, SYSTEM, "crm", "contract", ann_contract, {"customer": world["bob"]["customer"]})
    explained = people["ann"].client.post("/api/apps/crm/workflows/contract_renewal_reminder/dry-run",
                                          json={"record_id": ann_contract})
    assert explained.status_code in (200, 403)
    assert BOB_CUSTOMER not in _text(explained) and BOB_PHONE not in _text(explained)
    with rt.db.read() as conn:
        from engine.notifications.variables import RenderData
        from engine.services.forms import compiled_form
        from engine.services.users import actor_for

        form = compiled_form(rt, conn, "crm", "contract")
        row = conn.execute(sa.select(record_service.records).where(record_service.records.c.id == ann_contract)).mappings().one()
        as_ann = RenderData(conn, rt, (actor_for(conn, rt, people["ann"].id),)).record(form, row)
        as_admin = RenderData(conn, rt, (SYSTEM,)).record(form, row)
    assert as_ann["customer"] is None and as_ann["title"] == ANN_CONTRACT
    assert as_admin["customer"]["name"] == BOB_CUSTOMER and as_admin["customer"]["phone"] == BOB_PHONE


def test_attack_notification_sent_to_a_recipient_leaves_out_what_their_role_hides(world, people, rt, clock):
    """The scheduler rendered ``{{ record.customer.phone }}`` into the inbox of a member whose role hides the phone."""
    root = people["root"]
    definition = {"key": "phone_notice", "label": "probe", "form": "contract",
                  "trigger": {"type": "date_relative", "field": "end_on", "tz": "workspace",
                              "offsets": [{"amount": 1, "unit": "days", "direction": "before", "at_time": "09:00"}]},
                  "steps": [{"id": "tell", "type": "notify", "to": [{"owner": True}, {"users": [root.id]}], "channels": ["inbox"],
                             "message": {"subject": "{{ record.title }}", "body": PHONE_TEMPLATE["default"]["body"]}}]}
    assert root.client.post("/api/apps/crm/workflows", json=definition).status_code == 201
    assert root.client.post("/api/apps/crm/workflows/phone_notice/publish").status_code == 201
    clock.set("2026-04-19T01:05:00Z")  # the day before the end date, 09:05 in Shanghai
    tick(rt)
    with rt.db.read() as conn:
        inbox = {(r.user_id, r.title): r.body for r in conn.execute(sa.select(inbox_messages).where(
            inbox_messages.c.title == BOB_CONTRACT))}
    assert set(inbox) == {(people["bob"].id, BOB_CONTRACT), (root.id, BOB_CONTRACT)}
    assert BOB_CUSTOMER in inbox[(people["bob"].id, BOB_CONTRACT)] and BOB_PHONE not in inbox[(people["bob"].id, BOB_CONTRACT)]
    assert BOB_PHONE in inbox[(root.id, BOB_CONTRACT)]  # the admin may see it
    assert BOB_PHONE not in _text(people["bob"].client.get("/api/inbox"))


def test_attack_import_preview_names_no_duplicate_record_out_of_scope(world, people):
    """An import preview's duplicate rows named the colliding record (#id and title) whoever owned it."""
    import io

    csv_file = "Customer name,Remarks\nQORVATH zeppelin trading,probe\n".encode()
    base = "/api/apps/crm/forms/customer/imports"
    created = people["ann"].client.post(base, data={"file": (io.BytesIO(csv_file), "probe.csv")}, content_type="multipart/form-data")
    assert created.status_code == 201, created.get_json()
    job = created.get_json()
    mapped = people["ann"].client.put(f"{base}/{job['id']}/mapping", json={"mapping": {"Customer name": "name", "Remarks": "remarks"}})
    assert mapped.status_code == 200, mapped.get_json()
    seen = people["ann"].client.post(f"{base}/{job['id']}/preview")
    assert seen.status_code == 200
    [problem] = seen.get_json()["problems"]
    assert problem["errors"][0]["code"] == "duplicate" and "already exists" in problem["errors"][0]["message"]
    assert BOB_CUSTOMER not in _text(seen) and "record_id" not in problem["errors"][0]


def test_attack_form_dry_run_of_a_record_out_of_scope_shows_nothing(world, people, rt):
    """The form dry-run (``.../forms/customer/dry-run`` with a record id) returned the stored values of any record."""
    url = "/api/apps/crm/forms/customer/dry-run"
    member = people["ann"].client.post(url, json={"data": {}, "record_id": world["bob"]["customer"]})
    assert member.status_code in (403, 404) and BOB_CUSTOMER not in _text(member) and BOB_PHONE not in _text(member)
    permissions.set_grant(rt, people["root"].actor, "crm", "customer", "builder", {
        "create": True, "read": "own", "update": "own", "delete": "own", "fields": {"phone": "hidden"}})
    bella = people["bella"].client
    _same_as_missing(bella, url, world["bob"]["customer"], json={"data": {}})
    own = record_service.create_record(rt, SYSTEM, "crm", "customer", {"name": "Bella Own Customer", "phone": "13655556666"},
                                       owner_id=people["bella"].id)
    explained = bella.post(url, json={"data": {"remarks": "x"}, "record_id": own["id"]})
    assert explained.status_code == 200, explained.get_json()
    assert explained.get_json()["values"]["name"] == "Bella Own Customer" and "13655556666" not in _text(explained)
