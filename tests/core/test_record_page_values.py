"""The record page's values as people read them (designer_ui.record_page): sub-table rows as a table, choices with
their labels and colours, derived values through their result type, and the key columns of a related form."""
from designer_ui import record_page

LEVEL = {"id": "level", "type": "select", "label": {"en": "Level", "zh-CN": "等级"},
         "options": {"choices": [{"value": "vip", "label": {"en": "VIP", "zh-CN": "贵宾"}, "color": "#d9363e"}]}}
ITEMS = {"id": "items", "type": "subtable", "label": "Items", "options": {"fields": [
    {"id": "product", "type": "text", "label": {"en": "Product", "zh-CN": "产品"}},
    {"id": "when", "type": "datetime", "label": "When"},
    LEVEL]}}


def test_subtable_rows_are_a_table_of_display_text():
    rows = record_page.subtable_rows(None, None, "crm", ITEMS, [{"product": "Pump", "when": "2026-02-06T22:40:24Z", "level": "vip"},
                                                                {"product": "Valve"}], "zh-CN", "Asia/Shanghai")
    assert rows["columns"] == [{"en": "Product", "zh-CN": "产品"}, "When", {"en": "Level", "zh-CN": "等级"}]
    assert rows["rows"] == [["Pump", "2026年2月7日 06:40", "贵宾"], ["Valve", "", ""]]
    assert record_page.subtable_rows(None, None, "crm", LEVEL, "vip", "en", "UTC") is None


def test_choices_read_as_labels_with_colours():
    assert record_page.choice_chips(LEVEL, "vip", "en") == [{"text": "VIP", "color": "#d9363e"}]
    assert record_page.choice_chips(LEVEL, None, "en") == []
    segment = {"id": "seg", "type": "computed", "options": {"result_type": "text", "formula": "'weak'",
                                                             "choices": [{"value": "weak", "label": {"en": "Weak intent", "zh-CN": "弱意向"}}]}}
    assert record_page.choice_chips(segment, "weak", "zh-CN") == [{"text": "弱意向", "color": None}]


def test_a_roll_up_reads_as_the_field_it_rolls_up():
    followed = {"id": "followed_at", "type": "datetime", "label": "Followed at"}
    amount = {"id": "amount", "type": "money", "options": {"currency": "CNY", "precision": 2}}
    forms = {"follow_up": [followed], "opportunity": [amount]}
    last = {"id": "last", "type": "rollup", "options": {"form": "follow_up", "via": "customer", "aggregate": "max", "field": "followed_at"}}
    total = {"id": "total", "type": "rollup", "options": {"form": "opportunity", "via": "customer", "aggregate": "sum", "field": "amount"}}
    assert record_page.shown_as(last, forms.get) is followed
    assert record_page.shown_as(total, forms.get) is amount  # money with its currency
    count = {"id": "n", "type": "rollup", "options": {"form": "follow_up", "via": "customer", "aggregate": "count"}}
    assert record_page.shown_as(count, forms.get)["type"] == "number"
    assert record_page.shown_as(LEVEL, forms.get) is LEVEL


def test_key_columns_of_a_related_form():
    definition = {"settings": {"title_field": "serial"}, "fields": [
        {"id": "serial", "type": "serial"}, {"id": "customer", "type": "reference", "required": True, "options": {"form": "customer"}},
        {"id": "notes", "type": "text"}, {"id": "at", "type": "datetime"}, {"id": "method", "type": "select", "required": True},
        ITEMS, LEVEL]}
    assert [c["id"] for c in record_page.key_columns(definition, "customer")] == ["serial", "method", "at", "level", "notes"]
    definition["settings"]["key_fields"] = ["method", "customer", "at"]
    assert [c["id"] for c in record_page.key_columns(definition, "customer")] == ["method", "at"]
