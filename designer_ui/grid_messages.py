"""Messages of the records grid, its filter builder and saved views (en, zh-CN), merged into ``designer_ui.i18n.MESSAGES``.

Keys start with ``records.grid.`` so they reach the browser's catalogue with the other ``records.`` texts.
"""
from __future__ import annotations

from designer_ui.i18n import MESSAGES as _CATALOGUE

_PAIRS: dict[str, tuple[str, str]] = {
    "records.grid.open": ("Grid", "表格视图"),
    "records.grid.title": ("Grid", "表格"),
    "records.grid.record": ("Record", "记录"),
    "records.grid.selected": ("{count} selected", "已选 {count} 条"),
    "records.grid.delete_selected": ("Delete selected", "删除所选"),
    "records.grid.restore_selected": ("Restore selected", "恢复所选"),
    "records.grid.confirm_delete": ("Delete {count} records? They can be restored from Deleted.", "删除 {count} 条记录？可在“已删除”中恢复。"),
    "records.grid.deleted_view": ("Deleted", "已删除"),
    "records.grid.active_view": ("Records", "记录"),
    "records.grid.bulk_field": ("Set field", "批量修改字段"),
    "records.grid.bulk_value": ("New value", "新值"),
    "records.grid.bulk_apply": ("Apply to selected", "应用到所选"),
    "records.grid.bulk_done": ("{count} records changed.", "已修改 {count} 条记录。"),
    "records.grid.bulk_failed": ("{count} records not changed: {reason}", "{count} 条记录未修改：{reason}"),
    "records.grid.deleted_done": ("{count} records deleted.", "已删除 {count} 条记录。"),
    "records.grid.restored_done": ("{count} records restored.", "已恢复 {count} 条记录。"),
    "records.grid.cell_refused": ("Not saved: {reason}", "未保存：{reason}"),
    "records.grid.cell_stale": ("Someone changed this record meanwhile; reload to see it.", "该记录已被他人修改，请刷新后再试。"),
    "records.grid.page_size": ("Rows per page", "每页行数"),
    "records.grid.jump": ("Go to page", "跳转到页"),
    "records.grid.total": ("Total", "合计"),
    "records.grid.filter": ("Filter", "筛选"),
    "records.grid.add_condition": ("Add condition", "添加条件"),
    "records.grid.match_all": ("All conditions (AND)", "满足所有条件（且）"),
    "records.grid.match_any": ("Any condition (OR)", "满足任一条件（或）"),
    "records.grid.match": ("Match", "匹配方式"),
    "records.grid.field": ("Field", "字段"),
    "records.grid.operator": ("Operator", "条件"),
    "records.grid.value": ("Value", "值"),
    "records.grid.remove_condition": ("Remove condition", "删除条件"),
    "records.grid.apply": ("Apply", "应用"),
    "records.grid.clear": ("Clear", "清除"),
    "records.grid.created_at": ("Created", "创建时间"),
    "records.grid.updated_at": ("Updated", "更新时间"),
    "records.grid.me": ("Me", "我"),
    "records.grid.my_team": ("My team", "我的团队"),
    "records.grid.op.eq": ("is", "等于"),
    "records.grid.op.ne": ("is not", "不等于"),
    "records.grid.op.lt": ("less than / before", "小于／早于"),
    "records.grid.op.le": ("at most / on or before", "不大于／不晚于"),
    "records.grid.op.gt": ("greater than / after", "大于／晚于"),
    "records.grid.op.ge": ("at least / on or after", "不小于／不早于"),
    "records.grid.op.in": ("is one of", "属于"),
    "records.grid.op.between": ("between", "介于"),
    "records.grid.op.contains": ("contains", "包含"),
    "records.grid.op.empty": ("is empty", "为空"),
    "records.grid.op.not_empty": ("is not empty", "不为空"),
    "records.grid.op.last_days": ("in the last … days", "最近…天内"),
    "records.grid.op.next_days": ("in the next … days", "未来…天内"),
    "records.grid.views": ("View", "视图"),
    "records.grid.all_records": ("All records", "全部记录"),
    "records.grid.save_view": ("Save view as…", "另存为视图…"),
    "records.grid.view_name": ("View name", "视图名称"),
    "records.grid.share_with": ("Share with roles", "共享给角色"),
    "records.grid.save": ("Save", "保存"),
    "records.grid.cancel": ("Cancel", "取消"),
    "records.grid.view_saved": ("View “{name}” saved.", "视图“{name}”已保存。"),
    "records.grid.set_default": ("Make default for my role", "设为本角色默认视图"),
    "records.grid.default_set": ("Default view set.", "已设为默认视图。"),
    "records.grid.group_by": ("Group by", "分组"),
    "records.grid.no_group": ("No grouping", "不分组"),
}

MESSAGES: dict[str, dict[str, str]] = {
    "en": {key: en for key, (en, _zh) in _PAIRS.items()},
    "zh-CN": {key: zh for key, (_en, zh) in _PAIRS.items()},
}
for _locale, _texts in MESSAGES.items():
    _CATALOGUE[_locale].update(_texts)
