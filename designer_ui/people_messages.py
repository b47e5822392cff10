"""Messages of the user picker and of the undo toasts (people, apps and forms, public links) in en and zh-CN, merged
into ``designer_ui.i18n.MESSAGES``; the browser reads the ``picker.`` ones."""
from __future__ import annotations

_PAIRS: dict[str, tuple[str, str]] = {
    # the user picker (static/userpicker.js, _user_picker.html)
    "picker.placeholder": ("Type a name, user name or e-mail", "输入姓名、用户名或邮箱"),
    "picker.help": ("Type to search; Down and Enter pick a user.", "输入以搜索；用向下键和回车键选择用户。"),
    "picker.help_anyone": ("Nobody chosen: everyone. Type to search; Down and Enter pick a user.",
                           "不选即为所有人。输入以搜索；用向下键和回车键选择用户。"),
    "picker.chosen": ("Chosen: {what}", "已选：{what}"),
    "picker.matches": ("Users matching: {what}", "匹配的用户：{what}"),
    "picker.remove": ("Remove {name} from {what}", "从{what}中移除 {name}"),
    "picker.added": ("{name} added to {what}.", "已将 {name} 加入{what}。"),
    "picker.removed": ("{name} removed from {what}.", "已将 {name} 从{what}中移除。"),
    "picker.already": ("{name} is already chosen.", "{name} 已选。"),
    "picker.more": ("More users…", "更多用户…"),
    "picker.found": ("{shown} of {total} users shown.", "显示 {total} 个用户中的 {shown} 个。"),
    "picker.none": ("No user matches.", "没有匹配的用户。"),
    "picker.failed": ("The search did not answer; try again.", "搜索没有响应，请重试。"),
    "picker.inactive": ("inactive", "已停用"),
    # team managers
    "team.managers": ("Managers", "负责人"),
    "team.managers_of": ("Managers of {name}", "{name} 的负责人"),
    "team.members_of": ("Members of {name}", "{name} 的成员"),
    "team.managers_help": ("Managers see the records of the team's members where a form gives “team” access, and are the "
                           "manager of members who have none of their own (notifications and approvals).",
                           "负责人可以查看本团队成员的数据（表单权限为“本团队”时），并作为没有直属上级的成员的上级（通知和审批）。"),
    "team.summary": ("{name} · {members} members · {managers} managers", "{name} · {members} 名成员 · {managers} 名负责人"),
    # undo toasts
    "undo.undo": ("Undo", "撤销"),
    "undo.undone": ("Undone.", "已撤销。"),
    "undo.form_archived": ("The form {name} was archived.", "表单 {name} 已归档。"),
    "undo.app_archived": ("The app {name} was archived.", "应用 {name} 已归档。"),
    "undo.user_deactivated": ("{name} was deactivated: they can't sign in.", "{name} 已停用，无法登录。"),
    "undo.members_removed": ("Removed from {team}: {names}.", "已从 {team} 移除：{names}。"),
    "undo.managers_removed": ("No longer managing {team}: {names}.", "不再负责 {team}：{names}。"),
    "undo.link_revoked": ("The link “{name}” was withdrawn: it no longer opens.", "链接“{name}”已撤销，无法再打开。"),
    "undo.final_delete": ("Deleting is final: there is no undo. Archive instead to keep a way back.",
                          "删除后无法撤销。如需保留恢复的可能，请改为归档。"),
}

MESSAGES: dict[str, dict[str, str]] = {
    "en": {key: en for key, (en, _zh) in _PAIRS.items()},
    "zh-CN": {key: zh for key, (_en, zh) in _PAIRS.items()},
}
