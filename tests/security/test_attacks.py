"""Attacks through the data users type: spreadsheet formulas, markup, runaway patterns, oversized payloads.

SSRF (webhook targets) and SSTI (notification templates) have their own
suites next to the code they attack: ``tests/notifications/test_netguard.py``
and ``tests/notifications/test_templating.py``.
"""
from __future__ import annotations

import csv
import io
import json

import pytest

from engine.runtime import Actor
from engine.safety import MAX_DEFINITION_BYTES, MAX_RECORD_BYTES
from engine.services import records as record_service
from tests.core.sample import install

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]
XSS = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)", "<svg/onload=alert(1)>",
       "{{7*7}}", "' onmouseover='alert(1)"]


@pytest.fixture
def crm(app):
    rt = app.extensions["formflow"]
    install(rt, Actor.system())
    return rt


def test_attack_csv_formula_injection_is_neutralized(crm, client):
    for text in FORMULAS:
        record_service.create_record(crm, Actor.system(), "crm", "customer", {"name": text})
    response = client.get("/api/apps/crm/forms/customer/records/export.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header = rows[0]
    names = [row[header.index(next(h for h in header if h.lower() in ("name", "名称")))] for row in rows[1:]]
    assert len(names) == len(FORMULAS)
    for cell in names:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_attack_xss_corpus_in_values_and_labels_is_escaped_on_every_page(app, crm, client):
    from engine.services import forms

    draft = forms.get_draft(crm, "crm", "customer")["definition"]
    draft["label"] = XSS[0]
    draft["fields"][1]["label"] = XSS[1]
    forms.save_draft(crm, Actor.system(), "crm", "customer", draft)
    forms.publish_form(crm, Actor.system(), "crm", "customer")
    rec = record_service.create_record(crm, Actor.system(), "crm", "customer", {"name": " ".join(XSS)})
    pages = ["/", "/apps/crm/forms/customer/records", f"/apps/crm/forms/customer/records/{rec['id']}", "/apps/crm/forms/customer/new",
             f"/apps/crm/forms/customer/records/{rec['id']}/edit", "/apps/crm/forms/customer/design"]
    for url in pages:
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert "<script>alert(1)</script>" not in html, url
        assert "<img src=x onerror" not in html, url
        assert "<svg/onload" not in html, url


def test_attack_pattern_outside_re2_in_a_definition_is_refused(client):
    """Nested repetition is harmless on RE2 (tests/security/test_attack_patterns_and_500s.py); look-around is refused."""
    assert client.post("/api/apps", json={"key": "crm", "label": "CRM"}).status_code == 201
    form = {"key": "evil", "label": "Evil", "fields": [{"id": "code", "type": "text", "options": {"pattern": "^(?=a)(a+)+$"}}]}
    response = client.post("/api/apps/crm/forms", json=form)
    assert response.status_code == 422
    item = response.get_json()["error"]["errors"][0]
    assert item["path"] == "/fields/0/options/pattern" and item["position"] == 1 and "look-ahead" in item["message"]


def test_attack_oversized_definition_is_refused(client):
    assert client.post("/api/apps", json={"key": "crm", "label": "CRM"}).status_code == 201
    fields = [{"id": f"f{i}", "type": "text", "label": "x" * 400} for i in range(3000)]
    response = client.post("/api/apps/crm/forms", json={"key": "big", "label": "Big", "fields": fields})
    assert response.status_code in (413, 422)
    assert len(json.dumps(fields)) > MAX_DEFINITION_BYTES


def test_attack_oversized_record_is_refused(crm, client):
    response = client.post("/api/apps/crm/forms/customer/records", json={"data": {"name": "x" * (MAX_RECORD_BYTES + 10)}})
    assert response.status_code in (413, 422)
