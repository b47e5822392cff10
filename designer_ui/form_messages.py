"""Messages of the generated form (after submit, serials, pickers), the designer's move shortcuts and the record-owner
recipient (en, zh-CN).

Importing this module merges them into ``designer_ui.i18n.MESSAGES`` (``fill.`` and ``editor.`` keys reach the
browser's catalogue); the pages that use them import it.
"""
from __future__ import annotations

from designer_ui.i18n import MESSAGES as _CATALOGUE

_PAIRS: dict[str, tuple[str, str]] = {
    "fill.serial_on_save": ("Assigned on save", "保存时自动生成"),
    "fill.saved_record": ("Saved as record #{id}.", "已保存为记录 #{id}。"),
    "fill.view_record": ("View the record", "查看记录"),
    "fill.fill_another": ("Fill in another", "再填一条"),
    "fill.opening_record": ("Opening the record…", "正在打开记录…"),
    "fill.fetched_from": ("Filled in from {field}", "已从{field}带出"),
    "detail.new_related": ("New {form}", "新建{form}"),
    "designer.move_keys_hint": ("Alt+↑ / Alt+↓ move this field", "Alt+↑ / Alt+↓ 移动此字段"),
    "designer.move_up_key": ("Move up (Alt+↑)", "上移（Alt+↑）"),
    "designer.move_down_key": ("Move down (Alt+↓)", "下移（Alt+↓）"),
    "editor.person_record_owner_field": ("Record owner (field: {field})", "数据负责人（字段：{field}）"),
    "editor.person_record_owner_creator": ("Record owner (who created it)", "数据负责人（创建人）"),
    "editor.person_user_field": ("Field: {field}", "字段：{field}"),
}

MESSAGES: dict[str, dict[str, str]] = {"en": {k: v[0] for k, v in _PAIRS.items()},
                                       "zh-CN": {k: v[1] for k, v in _PAIRS.items()}}

for _locale, _texts in MESSAGES.items():
    _CATALOGUE.setdefault(_locale, {}).update(_texts)
