"""What a person reads when something is refused or counted (issue 21/22 QA pass): a refused publish names each broken
place ("Validation “…” — condition") in both languages with the path kept, counts read "1 record" / "2 records" through
ngettext entries, a seeded record's creator is "System" in the reader's language, and an unknown address is the app's
own page (header, viewport, language, a link home) while /api keeps its JSON."""
from __future__ import annotations

import pytest

from designer_ui import record_page
from designer_ui.i18n import client_messages, gettext
from engine.errors import DefinitionInvalid
from engine.error_places import place_of
from engine.runtime import Actor
from engine.services import app_templates
from engine.services import forms as form_service


def test_counts_read_in_the_plural_form_of_each_language():
    assert gettext("records.grid.confirm_delete", "en", count=1) == "Delete 1 record? It can be restored from Deleted."
    assert gettext("records.grid.confirm_delete", "en", count=3) == "Delete 3 records? They can be restored from Deleted."
    assert gettext("records.grid.restored_done", "en", count=1) == "1 record restored."
    assert gettext("records.grid.restored_done", "en", count=0) == "0 records restored."
    assert gettext("records.grid.restored_done", "zh-CN", count=1) == "已恢复 1 条记录。"
    assert gettext("records.grid.restored_done", "zh-CN", count=5) == "已恢复 5 条记录。"
    # the browser gets both forms (common.js picks one with Intl.PluralRules)
    sent = client_messages("en")
    assert sent["records.grid.deleted_done"] == "{count} record deleted."
    assert sent["records.grid.deleted_done.plural"] == "{count} records deleted."


def test_a_seeded_record_is_made_by_the_system_in_the_readers_language():
    assert record_page.actor_shown({"actor": "system", "actor_name": None}, "en") == "System"
    assert record_page.actor_shown({"actor": "system", "actor_name": None}, "zh-CN") == "系统"
    assert record_page.actor_shown({"actor": "user:3", "actor_name": "Wang Fang"}, "zh-CN") == "Wang Fang"


def test_a_place_in_a_definition_reads_as_its_part_and_property():
    definition = {"fields": [{"id": "end_on", "label": {"en": "End date", "zh-CN": "到期日期"}}],
                  "validations": [{"id": "v1", "name": {"en": "end after start", "zh-CN": "到期晚于开始"}, "condition": "x"}],
                  "automations": [{"id": "mk", "name": "make reminder",
                                   "action": {"type": "create_record", "form": "reminder",
                                              "map": [{"field": "note", "value": 1}, {"field": "at", "from": "end_on"}]}}]}
    other = {"reminder": {"fields": [{"id": "at", "label": {"en": "Reminder time", "zh-CN": "提醒时间"}}]}}
    assert place_of(definition, "/validations/0/condition") == {"en": "Validation “end after start” — condition",
                                                                "zh-CN": "校验“到期晚于开始” — 校验条件"}
    assert place_of(definition, "automations.0.action.map.1.from", other) == {
        "en": "Automation “make reminder” — value for field Reminder time",
        "zh-CN": "自动化“make reminder” — 字段“提醒时间”的取值"}
    assert place_of(definition, "/fields/0/options")["en"] == "Field “End date” — options"
    assert place_of(definition, "/validations/7/condition") is None  # no such part: the path alone stays
    assert place_of(definition, "/layout") is None


def test_a_refused_publish_carries_where_each_problem_is(rt):
    app_templates.install_template(rt, Actor.system(), "crm")
    draft = form_service.get_draft(rt, "crm", "contract")["definition"]
    draft["validations"][0]["condition"] = "no_such_field > start_on"
    with pytest.raises(DefinitionInvalid) as refused:  # refused at save, else at publish: either names the place
        form_service.save_draft(rt, Actor.system(), "crm", "contract", draft)
        form_service.publish_form(rt, Actor.system(), "crm", "contract")
    def where(lang: str) -> str:  # the place, named in the reader's language like the message beside it
        items = [e.to_dict(lang) for e in refused.value.errors]
        broken = [e for e in items if e["path"].startswith("/validations/0")]
        assert broken, items
        return broken[0]["where"]

    assert where("en").startswith("Validation “The end date is after the start date”")
    assert where("zh-CN").startswith("校验“") and "end date" not in where("zh-CN")


@pytest.mark.parametrize("lang, text, home", [("en", "Not found", "Go to the start page"), ("zh-CN", "未找到", "返回首页")])
def test_an_unknown_address_is_the_apps_own_page(client, lang, text, home):
    page = client.get(f"/no/such/page?lang={lang}")
    assert page.status_code == 404 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert f'<html lang="{lang}"' in html and 'name="viewport"' in html
    assert text in html and home in html and 'data-testid="brand"' in html
    api = client.get("/api/no/such/thing")
    assert api.status_code == 404 and api.is_json and api.get_json()["error"]["code"] == "not_found"


def test_a_template_app_keeps_its_description_in_both_languages(app, client):
    rt = app.extensions["formflow"]
    app_templates.install_template(rt, Actor.system(), "crm")
    shown = form_service.get_app(rt, "crm")["description"]
    assert shown["en"].startswith("Customers, contacts") and shown["zh-CN"].startswith("客户管理")
    assert "Customers, contacts" in client.get("/?lang=en").get_data(as_text=True)
    assert "客户管理" in client.get("/?lang=zh-CN").get_data(as_text=True)
    # the settings form sent back unchanged in one language keeps both; a new text replaces them
    form_service.update_app(rt, Actor.system(), "crm", description=shown["en"])
    assert form_service.get_app(rt, "crm")["description"] == shown
    form_service.update_app(rt, Actor.system(), "crm", description="Our sales")
    assert form_service.get_app(rt, "crm")["description"] == "Our sales"
