"""Printing through the REST API (SQLite + PostgreSQL): the CRM's shipped contract, the Print menu, the PDF's text,
print templates created and reviewed through the template routes, and the preview before publishing."""
from __future__ import annotations

import io

from pypdf import PdfReader

from engine.runtime import Actor
from engine.services import records as record_service
from tests.api.conftest import person


def _text(pdf: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)


def test_a_salesperson_prints_the_shipped_contract_of_their_customer(app, crm):
    alice, as_alice = person(crm, "alice", ["member"])
    carol, as_carol = person(crm, "carol", ["member"])
    rid = record_service.create_record(crm, Actor.user(alice, roles=("member",)), "crm", "customer",
                                       {"name": "华为技术 Huawei", "level": "key", "phone": "13800138000"})["id"]
    c = app.test_client()
    menu = c.get(f"/api/apps/crm/forms/customer/records/{rid}/print?lang=zh-CN", headers=as_alice)
    assert menu.status_code == 200, menu.get_json()
    assert [(i["key"], i["label"]) for i in menu.get_json()["items"]] == [("customer_contract", "销售合同")]
    got = c.get(menu.get_json()["items"][0]["href"] + "?lang=zh-CN", headers=as_alice)
    assert got.status_code == 200 and got.mimetype == "application/pdf", got.get_json()
    assert "attachment" in got.headers["Content-Disposition"] and ".pdf" in got.headers["Content-Disposition"]
    text = _text(got.data)
    assert "销售合同" in text and "华为技术 Huawei" in text and "13800138000" in text and "Alice" in text
    assert "重点" in text  # the level's label, not its code "key"
    # another salesperson cannot read alice's customer: a missing record, for the menu and the PDF alike
    assert c.get(f"/api/apps/crm/forms/customer/records/{rid}/print", headers=as_carol).status_code == 404
    assert c.get(f"/api/apps/crm/forms/customer/records/{rid}/print/customer_contract", headers=as_carol).status_code == 404
    missing = c.get(f"/api/apps/crm/forms/customer/records/{rid}/print/no_such", headers=as_alice)
    assert missing.status_code == 404 and missing.get_json()["error"]["path"] == "/template"


def test_print_template_through_the_template_routes_review_then_print(app, client, crm):
    rid = record_service.create_record(crm, Actor.system(), "crm", "customer", {"name": "ACME"})["id"]
    body = {"key": "visit_card", "form": "customer", "purpose": "print", "label": {"en": "Visit card", "zh-CN": "拜访卡"},
            "content": {"print": {"html": "<h2>拜访卡 {{ display.name }}</h2><p>{{ display.nope }}</p>"}}}
    refused = client.post("/api/apps/crm/notification-templates", json=body)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["errors"][0]["path"] == "/content/print/html"
    body["content"]["print"]["html"] = "<h2>拜访卡 {{ display.name }}</h2>"
    created = client.post("/api/apps/crm/notification-templates", json=body)
    assert created.status_code == 201 and created.get_json()["purpose"] == "print"
    listed = client.get("/api/apps/crm/notification-templates?purpose=print&form=customer").get_json()["items"]
    assert [t["key"] for t in listed] == ["customer_contract", "visit_card"]
    preview = client.post("/api/apps/crm/notification-templates/visit_card/print-preview", json={"record_id": rid})
    assert preview.status_code == 200 and "拜访卡 ACME" in _text(preview.data)
    # not published yet: the record's Print menu does not offer it
    menu = client.get(f"/api/apps/crm/forms/customer/records/{rid}/print").get_json()["items"]
    assert [i["key"] for i in menu] == ["customer_contract"]


def test_a_print_is_in_the_records_history_and_a_preview_is_not(app, client, crm):
    alice, as_alice = person(crm, "alice", ["member"])
    rid = record_service.create_record(crm, Actor.user(alice, roles=("member",)), "crm", "customer", {"name": "ACME"})["id"]
    history = f"/api/apps/crm/forms/customer/records/{rid}/history"
    assert client.post("/api/apps/crm/notification-templates/customer_contract/print-preview",
                       json={"record_id": rid}).status_code == 200
    assert [h["action"] for h in client.get(history).get_json()["items"]] == ["create"]
    assert app.test_client().get(f"/api/apps/crm/forms/customer/records/{rid}/print/customer_contract",
                                 headers=as_alice).status_code == 200
    printed = client.get(history).get_json()["items"][-1]
    assert (printed["action"], printed["actor_id"], printed["actor_name"]) == ("print", alice, "Alice")
    assert printed["changes"] == [{"field_id": "@print", "label": "@print", "from": None, "to": {
        "template": "customer_contract", "revision": 1, "label": {"en": "Sales contract", "zh-CN": "销售合同"}}}]
    # a refused print (no such template) leaves no row
    assert client.get(f"/api/apps/crm/forms/customer/records/{rid}/print/nope").status_code == 404
    assert [h["action"] for h in client.get(history).get_json()["items"]] == ["create", "print"]


def test_without_a_print_font_printing_answers_503_saying_what_to_install(app, client, crm, tmp_path):
    rid = record_service.create_record(crm, Actor.system(), "crm", "customer", {"name": "ACME"})["id"]
    crm.config["PRINT_FONT"] = str(tmp_path / "missing.ttc")
    zh = {"Accept-Language": "zh-CN"}
    for got in (client.get(f"/api/apps/crm/forms/customer/records/{rid}/print/customer_contract", headers=zh),
                client.post("/api/apps/crm/notification-templates/customer_contract/print-preview",
                            json={"record_id": rid}, headers=zh)):
        assert got.status_code == 503 and got.mimetype == "application/json"
        error = got.get_json()["error"]
        assert error["code"] == "print_font_missing" and error["message_code"] == "error.print_font_missing.not_found"
        assert error["errors"][0]["path"] == "/print_font" and str(tmp_path) in error["message"]
        assert "FORMFLOW_PRINT_FONT 指定的打印字体" in error["message"], error  # the admin's language
    history = client.get(f"/api/apps/crm/forms/customer/records/{rid}/history").get_json()["items"]
    assert [h["action"] for h in history] == ["create"]


def test_a_print_template_chooses_its_paper_and_orientation(app, client, crm):
    rid = record_service.create_record(crm, Actor.system(), "crm", "customer", {"name": "ACME"})["id"]
    body = {"key": "wide", "form": "customer", "purpose": "print", "label": "Wide",
            "content": {"print": {"html": "<h2>{{ display.name }}</h2>", "paper": "Legal", "orientation": "sideways"}}}
    refused = client.post("/api/apps/crm/notification-templates", json=body)
    assert refused.status_code == 422
    assert {e["path"] for e in refused.get_json()["error"]["errors"]} == {"/content/print/paper", "/content/print/orientation"}
    body["content"]["print"].update(paper="Letter", orientation="landscape")
    assert client.post("/api/apps/crm/notification-templates", json=body).status_code == 201
    preview = client.post("/api/apps/crm/notification-templates/wide/print-preview", json={"record_id": rid})
    page = PdfReader(io.BytesIO(preview.data)).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (792, 612)  # Letter, landscape
    assert "ACME" in page.extract_text()
    shipped = client.post("/api/apps/crm/notification-templates/customer_contract/print-preview", json={"record_id": rid})
    a4 = PdfReader(io.BytesIO(shipped.data)).pages[0].mediabox
    assert (round(float(a4.width)), round(float(a4.height))) == (595, 842)  # no setting: A4 portrait
