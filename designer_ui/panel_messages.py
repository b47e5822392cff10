"""Messages of the designer's History and Preview panels and of the preview page (en, zh-CN).

Importing this module merges them into ``designer_ui.i18n.MESSAGES`` (``designer.`` keys reach the browser's
catalogue; ``preview.`` keys are the preview page's own).
"""
from __future__ import annotations

from designer_ui.i18n import MESSAGES as _CATALOGUE

_PAIRS: dict[str, tuple[str, str]] = {
    "designer.history": ("History", "历史版本"),
    "designer.history_title": ("Version history", "版本历史"),
    "designer.history_draft_changed": ("The draft has changes that are not published yet.", "草稿中有尚未发布的修改。"),
    "designer.history_draft_same": ("The draft is the same as the published version.", "草稿与已发布版本相同。"),
    "designer.history_version": ("Version {version}", "版本 {version}"),
    "designer.history_by": ("published by {name}, {when}", "由 {name} 于 {when} 发布"),
    "designer.history_someone": ("the system", "系统"),
    "designer.history_live": ("In use", "使用中"),
    "designer.history_restore": ("Restore version {version} as draft", "将版本 {version} 恢复为草稿"),
    "designer.history_restored": ("Version {version} is now the draft; nothing changes for users until you publish.",
                                  "版本 {version} 已恢复为草稿；发布之前，用户看到的表单不变。"),
    "designer.history_restore_failed": ("The version was not restored.", "未能恢复该版本。"),
    "designer.history_none": ("Not published yet: the first publish starts the history.", "尚未发布：首次发布后开始记录历史。"),
    "designer.preview_refresh": ("Refresh preview", "刷新预览"),
    "designer.preview_frame": ("Preview of the draft", "草稿预览"),
    "designer.preview_hint": ("The form as people will fill it in, running the draft's rules; nothing you enter is saved.",
                              "按草稿规则运行的真实表单；在此输入的内容不会保存。"),
    "designer.rename_used_by": ("Renaming “{field}” ({key}): these places use it; check them after saving.",
                                "重命名“{field}”（{key}）：以下位置在使用它，保存后请逐一检查。"),
    "designer.column_label_en": ("Column {n} label (English)", "第 {n} 列标题（英文）"),
    "designer.column_label_zh": ("Column {n} label (Chinese)", "第 {n} 列标题（中文）"),
    # each choice row's boxes are told apart by number (four rows of "Value" / "Remove" were one name to a screen reader)
    "designer.choice_value": ("Choice {n} value", "第 {n} 个选项的值"),
    "designer.choice_label_en": ("Choice {n} label (English)", "第 {n} 个选项标题（英文）"),
    "designer.choice_label_zh": ("Choice {n} label (Chinese)", "第 {n} 个选项标题（中文）"),
    "designer.choice_remove": ("Remove choice {n}", "删除第 {n} 个选项"),
    "preview.note": ("Preview of the draft: its rules and computed fields run as they will once published. Nothing is saved.",
                     "草稿预览：规则与计算字段按发布后的方式运行，不会保存任何数据。"),
    "preview.nothing_saved": ("This is a preview: nothing was saved.", "这是预览：没有保存任何数据。"),
    "preview.not_a_definition": ("The preview needs a form definition.", "预览需要表单定义。"),
    "preview.invalid_title": ("The draft can't be previewed yet", "草稿暂时无法预览"),
    "preview.invalid_intro": ("Fix these first, then refresh the preview:", "请先修正以下问题，再刷新预览："),
}

for _key, (_en, _zh) in _PAIRS.items():
    _CATALOGUE["en"][_key] = _en
    _CATALOGUE["zh-CN"][_key] = _zh
