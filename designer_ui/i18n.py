"""The designer's message catalogue (en, zh-CN) and the Jinja helpers `_` and `label`.

Messages are keyed by a stable dotted key, not by the English text, so a
wording change never orphans a translation. A missing zh-CN text falls back to
English, a missing key to the key itself (visible, never a crash). The browser
scripts get the same catalogue through a JSON data block (`client_messages`).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping
from urllib.parse import urlencode

from engine.fields import FIELD_TYPES
from engine.services import workspace_settings
from designer_ui.request_context import user_locale
from flask import current_app, request

#: Locales the UI is translated into; the first is the fallback.
LOCALES = ("en", "zh-CN")
DEFAULT_LOCALE = "en"

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "app.name": "formflow",
        "nav.apps": "Apps",
        "nav.inbox": "Inbox",
        "nav.language": "Language",
        "nav.user_menu": "User menu",
        "nav.profile": "Profile",
        "nav.logout": "Sign out",
        "nav.logout_everywhere": "Sign out everywhere",
        "nav.main": "Main navigation",
        "nav.skip": "Skip to content",
        "auth.title": "Sign in",
        "auth.username": "User name",
        "auth.password": "Password",
        "auth.submit": "Sign in",
        "auth.failed": "Wrong user name or password.",
        "auth.locked": "Too many failed sign-ins. Try again in {minutes} minutes.",
        "auth.first_run": "First run: the password of the user admin was printed once in the server console.",
        "inbox.unread": "{count} unread",
        "common.save": "Save",
        "common.cancel": "Cancel",
        "common.close": "Close",
        "common.delete": "Delete",
        "common.restore": "Restore",
        "common.duplicate": "Duplicate",
        "common.search": "Search",
        "common.loading": "Loading…",
        "common.none": "None",
        "common.yes": "Yes",
        "common.no": "No",
        "common.add": "Add",
        "common.remove": "Remove",
        "common.edit": "Edit",
        "common.back": "Back",
        "common.actions": "Actions",
        "common.error": "Something went wrong",
        "common.saved": "Saved",
        "common.required": "required",
        "index.title": "Apps",
        "index.empty": "No apps yet.",
        "index.forms": "Forms",
        "index.design": "Design",
        "index.records": "Records",
        "index.fill": "New record",
        "index.version": "v{version}",
        "index.draft_only": "draft only",
        "designer.title": "Form designer",
        "designer.palette": "Fields",
        "designer.palette_search": "Search field types",
        "designer.canvas": "Form layout",
        "designer.properties": "Properties",
        "designer.no_selection": "Select a field to edit its properties.",
        "designer.add_section": "Add section",
        "designer.section_label": "Section title",
        "designer.columns": "Columns",
        "designer.empty_section": "Drag a field here, or press Enter on a field type.",
        "designer.save_draft": "Save draft",
        "designer.publish": "Publish",
        "designer.diff": "Compare with published",
        "designer.undo": "Undo",
        "designer.redo": "Redo",
        "designer.move_up": "Move up",
        "designer.move_down": "Move down",
        "designer.move_to_section": "Move to section…",
        "designer.deleted_fields": "Deleted fields",
        "designer.no_deleted": "No deleted fields.",
        "designer.tab_design": "Design",
        "designer.tab_rules": "Rules",
        "designer.tab_preview": "Preview",
        "designer.tab_json": "JSON",
        "designer.preview_desktop": "Desktop",
        "designer.preview_phone": "Phone",
        "designer.json_edit": "Edit JSON",
        "designer.json_apply": "Apply JSON",
        "designer.json_parse_error": "JSON parse error: {message}",
        "designer.unsaved": "Unsaved changes",
        "designer.saved_at": "Draft saved",
        "designer.published": "Published",
        "designer.save_failed": "The draft was not saved: fix the marked fields.",
        "designer.stale_draft": "Not saved: this draft was changed in another tab or by someone else. Your changes are still here; copy them from the JSON view, then reload.",
        "designer.publish_failed": "Not published: fix the marked fields.",
        "designer.load_failed": "Could not load the draft.",
        "designer.errors_count": "{count} problem(s)",
        "designer.diff_title": "Changes since the last published version",
        "designer.diff_none": "No changes.",
        "prop.label_en": "Label (English)",
        "prop.label_zh": "Label (中文)",
        "prop.name": "Name (used in rules)",
        "prop.id": "Field id",
        "prop.help": "Help text",
        "prop.required": "Required",
        "prop.default": "Default value",
        "prop.choices": "Choices",
        "prop.choice_value": "Value",
        "prop.add_choice": "Add choice",
        "prop.serial_format": "Number format",
        "prop.serial_reset": "Restart counter",
        "prop.reset_never": "Never",
        "prop.reset_yearly": "Yearly",
        "prop.reset_monthly": "Monthly",
        "prop.reset_daily": "Daily",
        "prop.target_form": "Target form",
        "prop.multiple": "Allow several",
        "prop.subfields": "Sub-table fields",
        "prop.add_subfield": "Add column",
        "prop.filterable": "Filterable",
        "prop.sortable": "Sortable",
        "prop.max_length": "Maximum length",
        "prop.min": "Minimum",
        "prop.max": "Maximum",
        "prop.precision": "Decimals",
        "prop.currency": "Currency",
        "prop.formula": "Formula",
        "prop.visibility_follows": "Visibility follows:",
        "prop.result_type": "Result type",
        "prop.max_items": "Maximum selections",
        "prop.accept": "Accepted file types",
        "rules.title": "Field rules",
        "rules.add": "Add rule",
        "rules.name": "Rule name",
        "rules.when": "When",
        "rules.match_all": "All of",
        "rules.match_any": "Any of",
        "rules.add_condition": "Add condition",
        "rules.add_group": "Add group",
        "rules.raw_mode": "Edit as expression",
        "rules.builder_mode": "Edit with builder",
        "rules.expression": "Expression",
        "rules.then": "Then",
        "rules.add_effect": "Add effect",
        "rules.effect_field": "Field",
        "rules.visible": "Visible",
        "rules.required": "Required",
        "rules.readonly": "Read-only",
        "rules.options": "Options",
        "rules.value": "Set value",
        "rules.none": "No rules yet.",
        "rules.unparsable": "This expression is too complex for the builder; edit it as text.",
        "op.eq": "is",
        "op.ne": "is not",
        "op.gt": "greater than",
        "op.ge": "at least",
        "op.lt": "less than",
        "op.le": "at most",
        "op.contains": "contains",
        "op.empty": "is empty",
        "op.not_empty": "is not empty",
        "op.true": "is on",
        "op.false": "is off",
        "fill.submit": "Submit",
        "fill.submitted": "Saved.",
        "fill.failed": "Not saved: please check the marked fields.",
        "fill.tz_note": "Time zone: {tz}",
        "fill.search_reference": "Type to search…",
        "fill.add_row": "Add row",
        "fill.remove_row": "Remove row",
        "fill.choose": "Choose…",
        "fill.no_results": "No matches.",
        "fill.clear": "Clear",
        "records.title": "Records",
        "records.columns": "Columns",
        "records.filter": "Filter",
        "records.search": "Search records",
        "records.export_csv": "Export CSV",
        "records.new": "New record",
        "records.empty": "No records match.",
        "records.page": "Page {page} of {pages}",
        "records.prev": "Previous",
        "records.next": "Next",
        "records.total": "{total} records",
        "records.sort_by": "Sort by {column}",
        "records.import": "Import",
        "records.import_title": "Import {form}",
        "records.import_intro": "Upload a CSV or Excel (.xlsx) file. Columns are matched to fields by their headings; every row is cleaned, checked with this form's rules and looked up for duplicates before anything is saved.",
        "records.import_file": "File (CSV or XLSX)",
        "records.import_run_automations": "Run automations and timed workflows for the imported records",
        "records.import_upload": "Upload and match columns",
        "records.import_mapping": "Match columns to fields",
        "records.import_column": "Column in the file",
        "records.import_field": "Field",
        "records.import_skip": "— do not import —",
        "records.import_unmapped_required": "Required fields with no column: {fields}",
        "records.import_not_imported": "These columns will NOT be imported (choose a field to import them):",
        "records.import_preview": "Check rows",
        "records.import_checked": "{rows} rows checked: {valid} ready, {invalid} with problems, {duplicate} duplicates",
        "records.import_problems": "Rows that will not be imported",
        "records.import_line": "Line",
        "records.import_state": "Why",
        "records.import_state_invalid": "Problem",
        "records.import_state_duplicate": "Duplicate",
        "records.import_problem": "What is wrong",
        "records.import_more_problems": "Only the first {shown} are listed; the file of refused rows has them all.",
        "records.import_commit": "Import {count} rows",
        "records.import_progress": "Imported {done} of {total}",
        "records.import_done": "Done: {committed} records created, {refused} rows refused.",
        "records.import_refused": "Download the refused rows with reasons (CSV)",
        "records.import_back": "Back to the records",
        "records.import_working": "Working…",
        "records.import_resumed": "This file was already being imported: continuing where it stopped.",
        "detail.title": "Record",
        "detail.fields": "Fields",
        "detail.history": "History",
        "detail.related": "Related records",
        "detail.changed": "{user} changed {field}",
        "detail.created": "{user} created the record",
        "detail.from_to": "from “{old}” to “{new}”",
        "detail.no_history": "No changes recorded.",
        "detail.no_related": "No related records.",
        "approval.title": "Approval",
        "approval.status_none": "Not submitted",
        "approval.status_pending": "Pending",
        "approval.status_approved": "Approved",
        "approval.status_rejected": "Rejected",
        "approval.status_withdrawn": "Withdrawn",
        "approval.mode_any": "Any one approver decides",
        "approval.mode_all": "Every approver must approve",
        "approval.locked": "The record is locked until the request is settled.",
        "approval.outdated": "Changed since it was approved.",
        "approval.not_required": "This record needs no approval.",
        "approval.approvers": "Approvers",
        "approval.waiting": "waiting",
        "approval.decision_approve": "approved",
        "approval.decision_reject": "rejected",
        "approval.comment": "Comment",
        "approval.comment_required": "Comment (required to reject)",
        "approval.submit": "Submit for approval",
        "approval.approve": "Approve",
        "approval.reject": "Reject",
        "approval.withdraw": "Withdraw",
        "approval.submitted_by": "Submitted by {user} · {at}",
        "approval.round": "Round {n}",
        "approval.earlier": "Earlier rounds",
        "approval.done_submit": "Submitted for approval.",
        "approval.done_approve": "Approved.",
        "approval.done_reject": "Rejected.",
        "approval.done_withdraw": "Withdrawn.",
        "approval.history_submit": "{user} submitted for approval",
        "approval.history_approve": "{user} approved",
        "approval.history_reject": "{user} rejected",
        "approval.history_withdraw": "{user} withdrew the approval request",
        "inbox.title": "Inbox",
        "inbox.empty": "Nothing here. You are all caught up.",
        "inbox.mark_read": "Mark as read",
        "inbox.mark_all_read": "Mark all as read",
        "inbox.open": "Open",
        "dashboard.list_title": "Dashboards",
        "dashboard.chart_count": "{count} charts",
        "dashboard.none": "No dashboards yet.",
        "dashboard.computed": "Computed {at} ({tz})",
        "dashboard.data": "Figures",
        "dashboard.group": "Group",
        "dashboard.value": "Value",
        "dashboard.records": "Records",
        "dashboard.target": "Target",
        "dashboard.share": "Of first step",
        "dashboard.done": "{percent}% done",
        "webform.thanks": "Thank you! We received your details and will be in touch.",
        "webform.leave_empty": "Leave this field empty",
        "webform.submit": "Send",
    },
    "zh-CN": {
        "app.name": "formflow",
        "nav.apps": "应用",
        "nav.inbox": "消息",
        "nav.language": "语言",
        "nav.user_menu": "用户菜单",
        "nav.profile": "个人资料",
        "nav.logout": "退出登录",
        "nav.logout_everywhere": "在所有设备上退出",
        "nav.main": "主导航",
        "nav.skip": "跳到正文",
        "auth.title": "登录",
        "auth.username": "用户名",
        "auth.password": "密码",
        "auth.submit": "登录",
        "auth.failed": "用户名或密码错误。",
        "auth.locked": "登录失败次数过多，请 {minutes} 分钟后再试。",
        "auth.first_run": "首次运行：用户 admin 的密码已在服务器控制台中显示一次。",
        "inbox.unread": "{count} 条未读",
        "common.save": "保存",
        "common.cancel": "取消",
        "common.close": "关闭",
        "common.delete": "删除",
        "common.restore": "恢复",
        "common.duplicate": "复制",
        "common.search": "搜索",
        "common.loading": "加载中…",
        "common.none": "无",
        "common.yes": "是",
        "common.no": "否",
        "common.add": "添加",
        "common.remove": "移除",
        "common.edit": "编辑",
        "common.back": "返回",
        "common.actions": "操作",
        "common.error": "出错了",
        "common.saved": "已保存",
        "common.required": "必填",
        "index.title": "应用",
        "index.empty": "还没有应用。",
        "index.forms": "表单",
        "index.design": "设计",
        "index.records": "数据",
        "index.fill": "新增记录",
        "index.version": "第 {version} 版",
        "index.draft_only": "仅草稿",
        "designer.title": "表单设计器",
        "designer.palette": "字段",
        "designer.palette_search": "搜索字段类型",
        "designer.canvas": "表单布局",
        "designer.properties": "字段属性",
        "designer.no_selection": "选择一个字段以编辑其属性。",
        "designer.add_section": "添加分组",
        "designer.section_label": "分组标题",
        "designer.columns": "列数",
        "designer.empty_section": "把字段拖到这里，或在字段类型上按回车。",
        "designer.save_draft": "保存草稿",
        "designer.publish": "发布",
        "designer.diff": "与已发布版本对比",
        "designer.undo": "撤销",
        "designer.redo": "重做",
        "designer.move_up": "上移",
        "designer.move_down": "下移",
        "designer.move_to_section": "移动到分组…",
        "designer.deleted_fields": "已删除字段",
        "designer.no_deleted": "没有已删除的字段。",
        "designer.tab_design": "设计",
        "designer.tab_rules": "规则",
        "designer.tab_preview": "预览",
        "designer.tab_json": "JSON",
        "designer.preview_desktop": "电脑端",
        "designer.preview_phone": "手机端",
        "designer.json_edit": "编辑 JSON",
        "designer.json_apply": "应用 JSON",
        "designer.json_parse_error": "JSON 解析错误：{message}",
        "designer.unsaved": "有未保存的修改",
        "designer.saved_at": "草稿已保存",
        "designer.published": "已发布",
        "designer.save_failed": "草稿未保存：请修正标出的字段。",
        "designer.stale_draft": "未保存：该草稿已在其他标签页或被他人修改。你的修改仍在此处，可从 JSON 视图复制后再刷新。",
        "designer.publish_failed": "未发布：请修正标出的字段。",
        "designer.load_failed": "无法加载草稿。",
        "designer.errors_count": "{count} 个问题",
        "designer.diff_title": "自上次发布以来的修改",
        "designer.diff_none": "没有修改。",
        "prop.label_en": "标题（English）",
        "prop.label_zh": "标题（中文）",
        "prop.name": "名称（规则中使用）",
        "prop.id": "字段 ID",
        "prop.help": "提示文字",
        "prop.required": "必填",
        "prop.default": "默认值",
        "prop.choices": "选项",
        "prop.choice_value": "值",
        "prop.add_choice": "添加选项",
        "prop.serial_format": "编号格式",
        "prop.serial_reset": "计数重置",
        "prop.reset_never": "从不",
        "prop.reset_yearly": "每年",
        "prop.reset_monthly": "每月",
        "prop.reset_daily": "每天",
        "prop.target_form": "关联表单",
        "prop.multiple": "允许多个",
        "prop.subfields": "子表字段",
        "prop.add_subfield": "添加列",
        "prop.filterable": "可筛选",
        "prop.sortable": "可排序",
        "prop.max_length": "最大长度",
        "prop.min": "最小值",
        "prop.max": "最大值",
        "prop.precision": "小数位数",
        "prop.currency": "币种",
        "prop.formula": "公式",
        "prop.visibility_follows": "可见性跟随：",
        "prop.result_type": "结果类型",
        "prop.max_items": "最多选择",
        "prop.accept": "允许的文件类型",
        "rules.title": "显隐规则",
        "rules.add": "添加规则",
        "rules.name": "规则名称",
        "rules.when": "当",
        "rules.match_all": "满足全部",
        "rules.match_any": "满足任一",
        "rules.add_condition": "添加条件",
        "rules.add_group": "添加条件组",
        "rules.raw_mode": "以表达式编辑",
        "rules.builder_mode": "以条件编辑",
        "rules.expression": "表达式",
        "rules.then": "则",
        "rules.add_effect": "添加效果",
        "rules.effect_field": "字段",
        "rules.visible": "显示",
        "rules.required": "必填",
        "rules.readonly": "只读",
        "rules.options": "选项",
        "rules.value": "设置值",
        "rules.none": "还没有规则。",
        "rules.unparsable": "该表达式过于复杂，无法用条件编辑，请以文本编辑。",
        "op.eq": "等于",
        "op.ne": "不等于",
        "op.gt": "大于",
        "op.ge": "大于等于",
        "op.lt": "小于",
        "op.le": "小于等于",
        "op.contains": "包含",
        "op.empty": "为空",
        "op.not_empty": "不为空",
        "op.true": "已开启",
        "op.false": "已关闭",
        "fill.submit": "提交",
        "fill.submitted": "已保存。",
        "fill.failed": "未保存：请检查标出的字段。",
        "fill.tz_note": "时区：{tz}",
        "fill.search_reference": "输入以搜索…",
        "fill.add_row": "添加一行",
        "fill.remove_row": "删除此行",
        "fill.choose": "请选择…",
        "fill.no_results": "没有匹配项。",
        "fill.clear": "清除",
        "records.title": "数据",
        "records.columns": "显示列",
        "records.filter": "筛选",
        "records.search": "搜索记录",
        "records.export_csv": "导出 CSV",
        "records.new": "新增记录",
        "records.empty": "没有符合条件的记录。",
        "records.page": "第 {page} / {pages} 页",
        "records.prev": "上一页",
        "records.next": "下一页",
        "records.total": "共 {total} 条",
        "records.sort_by": "按{column}排序",
        "records.import": "导入",
        "records.import_title": "导入{form}",
        "records.import_intro": "上传 CSV 或 Excel（.xlsx）文件。按列标题自动匹配字段；保存前每一行都会清洗、按本表单的规则校验并查重。",
        "records.import_file": "文件（CSV 或 XLSX）",
        "records.import_run_automations": "为导入的记录运行自动化和定时工作流",
        "records.import_upload": "上传并匹配列",
        "records.import_mapping": "列与字段的对应",
        "records.import_column": "文件中的列",
        "records.import_field": "字段",
        "records.import_skip": "— 不导入 —",
        "records.import_unmapped_required": "以下必填字段没有对应的列：{fields}",
        "records.import_not_imported": "以下列将不会导入（为其选择字段即可导入）：",
        "records.import_preview": "检查数据",
        "records.import_checked": "已检查 {rows} 行：{valid} 行可导入，{invalid} 行有问题，{duplicate} 行重复",
        "records.import_problems": "不会导入的行",
        "records.import_line": "行号",
        "records.import_state": "原因",
        "records.import_state_invalid": "有问题",
        "records.import_state_duplicate": "重复",
        "records.import_problem": "问题",
        "records.import_more_problems": "仅列出前 {shown} 行；完整内容见被拒绝行的文件。",
        "records.import_commit": "导入 {count} 行",
        "records.import_progress": "已导入 {done} / {total}",
        "records.import_done": "完成：新建 {committed} 条记录，拒绝 {refused} 行。",
        "records.import_refused": "下载被拒绝的行及原因（CSV）",
        "records.import_back": "返回数据列表",
        "records.import_working": "处理中…",
        "records.import_resumed": "该文件之前已在导入：从中断处继续。",
        "detail.title": "记录",
        "detail.fields": "字段",
        "detail.history": "修改记录",
        "detail.related": "关联记录",
        "detail.changed": "{user} 修改了 {field}",
        "detail.created": "{user} 创建了记录",
        "detail.from_to": "从“{old}”改为“{new}”",
        "detail.no_history": "暂无修改记录。",
        "detail.no_related": "暂无关联记录。",
        "approval.title": "审批",
        "approval.status_none": "未提交",
        "approval.status_pending": "审批中",
        "approval.status_approved": "已通过",
        "approval.status_rejected": "已驳回",
        "approval.status_withdrawn": "已撤回",
        "approval.mode_any": "或签：一人审批即可",
        "approval.mode_all": "会签：需全部审批人同意",
        "approval.locked": "审批完成前记录已锁定，不能修改或删除。",
        "approval.outdated": "通过后记录已被修改。",
        "approval.not_required": "此记录无需审批。",
        "approval.approvers": "审批人",
        "approval.waiting": "待审批",
        "approval.decision_approve": "已同意",
        "approval.decision_reject": "已驳回",
        "approval.comment": "审批意见",
        "approval.comment_required": "审批意见（驳回时必填）",
        "approval.submit": "提交审批",
        "approval.approve": "同意",
        "approval.reject": "驳回",
        "approval.withdraw": "撤回",
        "approval.submitted_by": "{user} 提交于 {at}",
        "approval.round": "第 {n} 轮",
        "approval.earlier": "以往审批",
        "approval.done_submit": "已提交审批。",
        "approval.done_approve": "已同意。",
        "approval.done_reject": "已驳回。",
        "approval.done_withdraw": "已撤回。",
        "approval.history_submit": "{user} 提交了审批",
        "approval.history_approve": "{user} 同意",
        "approval.history_reject": "{user} 驳回",
        "approval.history_withdraw": "{user} 撤回了审批",
        "inbox.title": "消息",
        "inbox.empty": "没有新消息。",
        "inbox.mark_read": "标为已读",
        "inbox.mark_all_read": "全部标为已读",
        "inbox.open": "打开",
        "dashboard.list_title": "仪表盘",
        "dashboard.chart_count": "{count} 个图表",
        "dashboard.none": "暂无仪表盘。",
        "dashboard.computed": "统计时间 {at}（{tz}）",
        "dashboard.data": "数据",
        "dashboard.group": "分组",
        "dashboard.value": "数值",
        "dashboard.records": "记录数",
        "dashboard.target": "目标",
        "dashboard.share": "占首阶段",
        "dashboard.done": "已完成 {percent}%",
        "webform.thanks": "感谢提交！我们已收到您的信息，会尽快与您联系。",
        "webform.leave_empty": "此项请留空",
        "webform.submit": "提交",
    },
}

# field type names and descriptions come from the types themselves (engine/fields): one place per type
for _name, _type in FIELD_TYPES.items():
    for _loc in LOCALES:
        MESSAGES[_loc][f"type.{_name}"] = _type.label.get(_loc) or _type.label.get(DEFAULT_LOCALE, _name)
        MESSAGES[_loc][f"typedesc.{_name}"] = _type.description.get(_loc) or _type.description.get(DEFAULT_LOCALE, "")

#: Key prefixes the browser scripts need (sent as a JSON data block).
CLIENT_PREFIXES = ("common.", "designer.", "prop.", "type.", "typedesc.", "rules.", "op.", "fill.", "records.")


def normalize_locale(locale: str | None) -> str:
    """Map 'zh', 'zh_CN', 'zh-cn', 'zh-Hans' to 'zh-CN'; anything else unknown to English."""
    if not locale:
        return DEFAULT_LOCALE
    if locale.replace("_", "-").lower().startswith("zh"):
        return "zh-CN"
    return "en" if locale.lower().startswith("en") else DEFAULT_LOCALE


def gettext(key: str, locale: str | None = None, **params: Any) -> str:
    """The text for `key` in `locale`, falling back to English, then to the key."""
    loc = normalize_locale(locale)
    text = MESSAGES.get(loc, {}).get(key) or MESSAGES[DEFAULT_LOCALE].get(key) or key
    if params:
        try:
            text = text.format(**params)
        except (KeyError, IndexError, ValueError):
            pass  # a translation with a bad placeholder shows unformatted rather than failing the page
    return text


def label_text(value: Any, locale: str | None = None) -> str:
    """A definition label (plain string or {"en": .., "zh-CN": ..}) as text for `locale`."""
    if isinstance(value, Mapping):
        loc = normalize_locale(locale)
        return str(value.get(loc) or value.get(DEFAULT_LOCALE) or next(iter(value.values()), ""))
    return "" if value is None else str(value)


def client_messages(locale: str | None = None) -> dict[str, str]:
    """The part of the catalogue the browser scripts use, resolved for `locale`."""
    keys = [k for k in MESSAGES[DEFAULT_LOCALE] if k.startswith(CLIENT_PREFIXES)]
    return {k: gettext(k, locale) for k in keys}


def jinja_helpers(locale: str | None = None) -> dict[str, Callable[..., Any] | str]:
    """Template globals for one request: `_`, `label`, `locale`, `client_messages`."""
    loc = normalize_locale(locale)
    return {
        "_": lambda key, **params: gettext(key, loc, **params),
        "label": lambda value: label_text(value, loc),
        "locale": loc,
        "client_messages": lambda: client_messages(loc),
    }


def install(env: Any, locale: str | None = None) -> None:
    """Put the helpers for `locale` into a Jinja environment's globals (standalone rendering)."""
    env.globals.update(jinja_helpers(locale))


#: Cookie that remembers the language picked with ?lang=.
LANG_COOKIE = "formflow_lang"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


def request_locale() -> str:
    """The locale of the current Flask request: ?lang=, then the cookie, then the signed-in user's saved language, then
    Accept-Language. (Saving a language on the profile page also sets the cookie, so that browser follows at once.)"""


    chosen = request.args.get("lang") or request.cookies.get(LANG_COOKIE) or user_locale()
    if chosen:
        return normalize_locale(chosen)
    best = request.accept_languages.best_match(["en", "zh-CN", "zh"])
    if best:
        return normalize_locale(best)
    rt = current_app.extensions.get("formflow")  # none we offer: the workspace's default language
    return workspace_settings.default_locale(rt) if rt is not None else DEFAULT_LOCALE


def init_app(app: Any, locale_getter: Callable[[], str] | None = None) -> None:
    """Give every template `_`, `label`, `locale`, `client_messages` and `lang_urls`, and
    remember a ?lang= choice in a cookie. `locale_getter` overrides the request-based choice
    (for example a user's saved preference)."""

    get_locale = locale_getter or request_locale

    @app.context_processor
    def _inject_i18n() -> dict[str, Any]:
        helpers = jinja_helpers(get_locale())
        args = request.args.to_dict()
        urls = {}
        for loc in LOCALES:
            args["lang"] = loc
            urls[loc] = request.path + "?" + urlencode(args)
        helpers["lang_urls"] = urls
        return helpers

    @app.after_request
    def _remember_lang(response: Any) -> Any:
        lang = request.args.get("lang")
        if lang:
            response.set_cookie(LANG_COOKIE, normalize_locale(lang), max_age=LANG_COOKIE_MAX_AGE, samesite="Lax")
        return response


# the automation, workflow and template editors keep their messages in their own module
from designer_ui.editor_messages import MESSAGES as _EDITOR_MESSAGES  # noqa: E402

for _locale, _texts in _EDITOR_MESSAGES.items():
    MESSAGES[_locale].update(_texts)
CLIENT_PREFIXES = CLIENT_PREFIXES + ("editor.",)

# the profile page's messages (profile_views); its script reads profile.copied / profile.copy_failed
from designer_ui.profile_messages import MESSAGES as _PROFILE_MESSAGES  # noqa: E402

for _locale, _texts in _PROFILE_MESSAGES.items():
    MESSAGES[_locale].update(_texts)
CLIENT_PREFIXES = CLIENT_PREFIXES + ("profile.copied", "profile.copy_failed")

from designer_ui.admin_messages import MESSAGES as _ADMIN_MESSAGES  # noqa: E402

for _locale, _texts in _ADMIN_MESSAGES.items():
    MESSAGES[_locale].update(_texts)
CLIENT_PREFIXES = CLIENT_PREFIXES + ("admin.confirm_delete",)
