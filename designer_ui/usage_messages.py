"""Messages of the designer's "used by" warning and field keys (en, zh-CN).

Importing this module merges them into ``designer_ui.i18n.MESSAGES`` (``designer.`` keys reach the browser's
catalogue); the designer page imports it.
"""
from __future__ import annotations

from designer_ui.i18n import MESSAGES as _CATALOGUE

_PAIRS: dict[str, tuple[str, str]] = {
    "designer.used_by_title": ("“{field}” is used elsewhere", "“{field}”正在被使用"),
    "designer.used_by_intro": ("Deleting this field breaks these places until they are changed:",
                               "删除此字段后，以下位置在修改之前将无法正常工作："),
    "designer.delete_anyway": ("Delete anyway", "仍然删除"),
    "designer.keep_field": ("Keep the field", "保留字段"),
    "designer.key_fixed": ("Fixed since the first publish: records, rules and templates use it.",
                           "首次发布后固定：记录、规则和模板都在使用它。"),
    "designer.key_follows_label": ("Made from the label until the first publish.", "首次发布前根据标题自动生成。"),
    "designer.usage.rule": ("Rule", "规则"),
    "designer.usage.validation": ("Validation", "校验"),
    "designer.usage.automation": ("Automation", "自动化"),
    "designer.usage.permission": ("Permission", "权限"),
    "designer.usage.settings": ("Form settings", "表单设置"),
    "designer.usage.field": ("Field", "字段"),
    "designer.usage.template": ("Notification template", "通知模板"),
    "designer.usage.workflow": ("Workflow", "工作流"),
    "designer.usage.dashboard": ("Dashboard", "仪表盘"),
}

for _key, (_en, _zh) in _PAIRS.items():
    _CATALOGUE["en"][_key] = _en
    _CATALOGUE["zh-CN"][_key] = _zh
