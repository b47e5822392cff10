"""A small CRM used by the core tests: customers and follow-ups."""

CUSTOMER = {
    "key": "customer",
    "label": {"en": "Customer", "zh-CN": "客户"},
    "fields": [
        {"id": "serial", "type": "serial", "label": "No.", "options": {"format": "KH-{YYYYMMDD}-{0000}", "reset": "daily"}},
        {"id": "name", "type": "text", "label": {"en": "Name", "zh-CN": "名称"}, "required": True, "filterable": True, "sortable": True},
        {"id": "industry", "type": "select", "filterable": True,
         "options": {"choices": [{"value": "manufacturing"}, {"value": "retail"}, {"value": "software"}]}},
        {"id": "level", "type": "select", "filterable": True,
         "options": {"choices": [{"value": "key", "label": {"en": "Key", "zh-CN": "重点"}}, {"value": "main"}, {"value": "ordinary"}]}},
        {"id": "phone", "type": "phone"},
        {"id": "email", "type": "email"},
        {"id": "revenue", "type": "money", "sortable": True, "options": {"currency": "CNY"}},
        {"id": "employees", "type": "number", "sortable": True, "filterable": True, "options": {"precision": 0}},
        {"id": "tags", "type": "multiselect", "options": {"choices": [{"value": "vip"}, {"value": "new"}]}},
        {"id": "since", "type": "date", "sortable": True},
        {"id": "active", "type": "boolean", "filterable": True},
    ],
    "layout": {"sections": [{"id": "main", "columns": 2, "fields": ["serial", "name", "industry", "level", "phone", "email"]}]},
}

FOLLOW_UP = {
    "key": "follow_up",
    "label": {"en": "Follow-up record", "zh-CN": "跟进记录"},
    "fields": [
        {"id": "customer", "type": "reference", "required": True, "filterable": True, "options": {"form": "customer"}},
        {"id": "method", "type": "select", "options": {"choices": [{"value": "call"}, {"value": "visit"}, {"value": "wechat"}, {"value": "email"}]}},
        {"id": "content", "type": "textarea"},
        {"id": "enable_reminder", "type": "boolean"},
        {"id": "next_follow_up", "type": "datetime", "sortable": True},
        {"id": "items", "type": "subtable", "options": {"fields": [
            {"id": "product", "type": "text", "required": True}, {"id": "qty", "type": "number", "options": {"precision": 0}}]}},
    ],
}


def install(rt, actor, *forms):
    from engine.services import forms as fs

    fs.create_app(rt, actor, "crm", {"en": "CRM", "zh-CN": "客户管理"})
    for form in forms or (CUSTOMER, FOLLOW_UP):
        fs.create_form(rt, actor, "crm", form)
        fs.publish_form(rt, actor, "crm", form["key"])
