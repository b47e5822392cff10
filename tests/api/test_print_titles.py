"""A print template's title (its PDF's title and file name) in English and Chinese (SQLite + PostgreSQL): one text
for every reader as before, or {"en": .., "zh-CN": ..}; each reader's print and preview is titled in their language
(English when theirs is missing); a wrong title is a 422 at its language's path."""
from __future__ import annotations

import io
from urllib.parse import unquote

from pypdf import PdfReader

from engine.runtime import Actor
from engine.services import records as record_service

TEMPLATES = "/api/apps/crm/notification-templates"


def _title(pdf: bytes) -> str:
    return PdfReader(io.BytesIO(pdf)).metadata.title


def _filename(got) -> str:
    return unquote(got.headers["Content-Disposition"])


def test_the_shipped_contract_is_titled_in_the_readers_language(app, client, crm):
    rid = record_service.create_record(crm, Actor.system(), "crm", "customer", {"name": "ACME"})["id"]
    url = f"/api/apps/crm/forms/customer/records/{rid}/print/customer_contract"
    zh, en = client.get(url, headers={"Accept-Language": "zh-CN"}), client.get(url, headers={"Accept-Language": "en"})
    assert zh.status_code == en.status_code == 200, (zh.get_json(), en.get_json())
    assert (_title(zh.data), _title(en.data)) == ("销售合同 ACME", "Sales contract ACME")
    assert "销售合同 ACME.pdf" in _filename(zh) and "Sales contract ACME.pdf" in _filename(en)


def test_a_print_title_per_language_is_saved_answered_and_previewed(app, client, crm, clock):
    rid = record_service.create_record(crm, Actor.system(), "crm", "customer", {"name": "ACME"})["id"]
    title = {"en": "Visit card {{ display.name }}", "zh-CN": "拜访卡 {{ display.name }}"}
    body = {"key": "visit_card", "form": "customer", "purpose": "print", "label": {"en": "Visit card", "zh-CN": "拜访卡"},
            "content": {"print": {"subject": title, "html": "<h2>{{ display.name }}</h2>"}}}
    created = client.post(TEMPLATES, json=body)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["content"]["print"]["subject"] == title
    assert client.get(f"{TEMPLATES}/visit_card").get_json()["content"]["print"]["subject"] == title
    preview = f"{TEMPLATES}/visit_card/print-preview"
    for lang, expected in (("zh-CN", "拜访卡 ACME"), ("en", "Visit card ACME")):
        got = client.post(preview, json={"record_id": rid}, headers={"Accept-Language": lang})
        assert got.status_code == 200 and _title(got.data) == expected, lang
    # English only: a zh-CN reader gets the English title; a plain text (as before) is every reader's title
    for subject, zh_title in (({"en": "Visit card {{ display.name }}"}, "Visit card ACME"), ("卡 {{ display.name }}", "卡 ACME")):
        clock.advance(seconds=1)  # the compiled revision is cached by its change time
        assert client.patch(f"{TEMPLATES}/visit_card", json={"content": {"print": {"subject": subject, "html": "<p>x</p>"}}}).status_code == 200
        got = client.post(preview, json={"record_id": rid}, headers={"Accept-Language": "zh-CN"})
        assert _title(got.data) == zh_title


def test_a_wrong_print_title_is_refused_at_its_language(app, client, crm):
    def refused(subject):
        body = {"key": "bad_title", "form": "customer", "purpose": "print", "label": "Bad",
                "content": {"print": {"subject": subject, "html": "<p>{{ display.name }}</p>"}}}
        got = client.post(TEMPLATES, json=body, headers={"Accept-Language": "zh-CN"})
        assert got.status_code == 422, got.get_json()
        return [(e["path"], e.get("line")) for e in got.get_json()["error"]["errors"]]

    assert refused({"en": "Card {{ display.name }}", "zh-CN": "卡 {{ display.nope }}"}) == [("/content/print/subject/zh-CN", 1)]
    assert refused({"en": "Card", "fr": "Carte"}) == [("/content/print/subject/fr", None)]
    assert refused({"en": 7}) == [("/content/print/subject/en", None)]
    assert refused({}) == [("/content/print/subject", None)]
