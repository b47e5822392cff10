"""The app settings page counts forms and records with the catalogue's plurals ("1 form", "0 records"), never
"form(s)"; en and zh_CN."""
from __future__ import annotations

import html


def _page(client, lang):
    answer = client.get(f"/apps/sales/settings?lang={lang}")
    assert answer.status_code == 200
    return html.unescape(answer.get_data(as_text=True))


def test_the_settings_page_counts_with_plurals(client):
    assert client.post("/api/apps", json={"key": "sales", "label": "Sales"}).status_code == 201
    assert client.post("/api/apps/sales/forms", json={"key": "visit", "label": "Visit", "fields": [
        {"id": "note", "type": "text", "label": "Note"}]}).status_code == 201
    english = _page(client, "en")
    assert "Deleting the app deletes its 1 form and 0 records, for good:" in english
    assert "Visit: 0 records" in english and "(s)" not in english
    assert "删除应用会永久删除它的 1 个表单、0 条数据：" in _page(client, "zh-CN")
