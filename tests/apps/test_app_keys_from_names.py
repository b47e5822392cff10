"""A new app left without a key takes one from its name like a field does (English, else pinyin of the Chinese), free
in the workspace; through the service, the REST API and the "New app" page. SQLite and PostgreSQL."""
from __future__ import annotations

from engine.runtime import Actor
from engine.services import app_admin
from engine.services import forms as form_service


def test_a_blank_app_without_a_key_takes_it_from_its_name(rt):
    made = form_service.create_app(rt, Actor.system(), "", {"en": "Sales follow-up", "zh-CN": "销售跟进"})
    assert made["key"] == "sales_follow_up"
    assert form_service.create_app(rt, Actor.system(), None, "销售跟进")["key"] == "xiaoshou_genjin"
    again = form_service.create_app(rt, Actor.system(), " ", {"zh-CN": "销售跟进", "en": "Sales follow-up"})
    assert again["key"] == "sales_follow_up_2"                      # free in the workspace
    copy = app_admin.copy_app(rt, Actor.system(), "sales_follow_up", "", "Sales follow-up")
    assert copy["key"] == "sales_follow_up_3"
    assert form_service.app_key_for(rt, {"en": "", "zh-CN": "销售跟进"}) == "xiaoshou_genjin_2"


def test_the_api_and_the_page_make_the_key_when_none_is_given(client):
    made = client.post("/api/apps", json={"label": {"en": "Customer care", "zh-CN": "客户服务"}})
    assert made.status_code == 201 and made.get_json()["key"] == "customer_care"
    shown = client.post("/api/app-key", json={"label": {"zh-CN": "客户服务", "en": "Customer care"}})
    assert shown.status_code == 200 and shown.get_json() == {"key": "customer_care_2"}
    refused = client.post("/api/app-key", json={"label": {"en": " "}})
    assert refused.status_code == 422 and "/label" in str(refused.get_json()["error"])
    page = client.post("/apps/new", data={"kind": "blank", "label_en": "", "label_zh": "客户服务", "key": ""})
    assert page.status_code == 303 and page.headers["Location"].endswith("/apps/kehu_fuwu/settings")
