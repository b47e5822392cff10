"""Messages of the admin screens (apps and forms, people, access) in en and zh-CN, merged into ``designer_ui.i18n.MESSAGES``
under the ``admin.`` prefix; plus how a service refusal reads at its field and a template update reads as sentences.
"""
from __future__ import annotations

from typing import Any

from designer_ui.people_messages import MESSAGES as PEOPLE_MESSAGES
from engine.errors import ErrorItem, FormflowError

_PAIRS: dict[str, tuple[str, str]] = {
    # the Apps page and "New app"
    "admin.new_app": ("New app", "新建应用"),
    "admin.new_app_help": ("Start from nothing, from a ready-made template, or from a copy of one of your apps.",
                           "可以从空白开始，也可以使用现成的模板，或复制已有的应用。"),
    "admin.new_app_blank": ("Blank app", "空白应用"),
    "admin.new_app_blank_help": ("An empty app: add forms to it next.", "一个空的应用，之后再添加表单。"),
    "admin.new_app_template": ("From a template", "从模板创建"),
    "admin.new_app_template_help": ("Installs the template's forms, published and ready to use; you can edit them all.",
                                    "安装模板中的表单，直接发布可用；所有内容都可以再修改。"),
    "admin.new_app_copy": ("Copy of an app", "复制应用"),
    "admin.new_app_copy_help": ("The forms of an app, without its records.", "复制应用的表单，不复制数据。"),
    "admin.create_blank": ("Create app", "创建应用"),
    "admin.create_template": ("Install template", "安装模板"),
    "admin.create_copy": ("Copy app", "复制应用"),
    "admin.template": ("Template", "模板"),
    "admin.version": ("version {version}", "版本 {version}"),
    "admin.copy_of_app": ("App to copy", "要复制的应用"),
    "admin.name_en": ("Name (English)", "名称（英文）"),
    "admin.name_zh": ("Name (Chinese)", "名称（中文）"),
    "admin.name_template_help": ("Empty: the template's own name.", "留空则使用模板自带的名称。"),
    "admin.app_key": ("App key", "应用标识"),
    "admin.key_help": ("Used in web addresses: lower case letters, digits and _, starting with a letter. It can't change later.",
                       "用于网址：小写字母、数字和下划线，以字母开头。创建后不能修改。"),
    "admin.app_created": ("The app {name} was created.", "应用 {name} 已创建。"),
    "admin.not_created": ("Not created: see the marked fields.", "未创建：请查看标出的项。"),
    "admin.not_saved": ("Not saved: see the marked fields.", "未保存：请查看标出的项。"),
    "admin.not_deleted": ("Not deleted: see the marked field.", "未删除：请查看标出的项。"),
    "admin.not_updated": ("Not updated:", "未更新："),
    "admin.back_to_apps": ("Back to apps", "返回应用列表"),
    "admin.settings": ("Settings", "设置"),
    "admin.settings_named": ("Settings of {name}", "{name} 的设置"),
    "admin.people": ("People and permissions", "成员与权限"),
    "admin.archived_apps": ("Archived apps", "已归档的应用"),
    # an app's settings
    "admin.app_settings": ("{name}: settings", "{name}：设置"),
    "admin.app_is_archived": ("This app is archived: it is listed apart on the Apps page. Its data is kept.",
                              "此应用已归档：在应用列表中单独列出，数据仍然保留。"),
    "admin.look": ("Name, icon and colour", "名称、图标和颜色"),
    "admin.description": ("Description", "说明"),
    "admin.icon": ("Icon", "图标"),
    "admin.icon_help": ("One emoji or up to two letters; empty: the first letter of the name.", "一个表情符号或最多两个字母；留空则使用名称的首字。"),
    "admin.color": ("Colour", "颜色"),
    "admin.color_default": ("Default (blue)", "默认（蓝色）"),
    "admin.color_blue": ("Blue", "蓝色"), "admin.color_green": ("Green", "绿色"), "admin.color_teal": ("Teal", "青色"),
    "admin.color_orange": ("Orange", "橙色"), "admin.color_red": ("Red", "红色"), "admin.color_purple": ("Purple", "紫色"),
    "admin.color_pink": ("Pink", "粉色"), "admin.color_gray": ("Gray", "灰色"),
    "admin.save": ("Save", "保存"),
    "admin.app_saved": ("The app was saved.", "应用已保存。"),
    "admin.forms": ("Forms", "表单"),
    "admin.no_forms": ("No forms yet: create the first one below.", "还没有表单，请在下方创建第一个。"),
    "admin.archived": ("archived", "已归档"),
    "admin.design_named": ("Design {name}", "设计 {name}"),
    "admin.move_up": ("Move {name} up", "上移 {name}"),
    "admin.move_down": ("Move {name} down", "下移 {name}"),
    "admin.archive": ("Archive", "归档"),
    "admin.restore": ("Restore", "恢复"),
    "admin.archive_named": ("Archive {name}", "归档 {name}"),
    "admin.restore_named": ("Restore {name}", "恢复 {name}"),
    "admin.rename": ("Rename", "重命名"),
    "admin.rename_named": ("Rename {name}", "重命名 {name}"),
    "admin.delete_named": ("Delete {name}…", "删除 {name}…"),
    "admin.form_loses": ("Deleting this form deletes its published versions and its {records} record(s), for good.",
                         "删除此表单会永久删除它的所有已发布版本和 {records} 条数据。"),
    "admin.type_to_confirm": ("Type {code} to confirm", "输入 {code} 以确认"),
    "admin.delete_form": ("Delete form for good", "永久删除表单"),
    "admin.form_created": ("The form {name} was created as a draft: add fields in the designer, then publish.",
                           "表单 {name} 已创建为草稿：请在设计器中添加字段后发布。"),
    "admin.form_renamed": ("The form was renamed in its draft; publish it to show the new name everywhere.",
                           "表单草稿已重命名；发布后新名称才会在所有地方显示。"),
    "admin.form_moved": ("The order of the forms was saved.", "表单顺序已保存。"),
    "admin.form_archived": ("The form was archived; its records are kept.", "表单已归档，数据仍然保留。"),
    "admin.form_restored": ("The form was restored.", "表单已恢复。"),
    "admin.form_deleted": ("The form {code} and its {records} record(s) were deleted.", "表单 {code} 及其 {records} 条数据已删除。"),
    "admin.new_form": ("New form", "新建表单"),
    "admin.form_name_en": ("Form name (English)", "表单名称（英文）"),
    "admin.form_name_zh": ("Form name (Chinese)", "表单名称（中文）"),
    "admin.form_key": ("Form key", "表单标识"),
    "admin.start_from": ("Start from", "创建方式"),
    "admin.blank_form": ("A blank form", "空白表单"),
    "admin.copy_of": ("A copy of {name}", "复制 {name}"),
    "admin.create_form": ("Create form", "创建表单"),
    "admin.template_heading": ("Template", "模板"),
    "admin.installed_from": ("Installed from the template {template}, version {version}.", "由模板 {template}（版本 {version}）安装。"),
    "admin.update_available": ("Version {version} of the template is available.", "模板有新版本 {version}。"),
    "admin.update_changes": ("What the update changes", "更新会改变的内容"),
    "admin.update_kept": ("What of yours is kept", "保留您的修改"),
    "admin.update_nothing": ("Nothing in your forms.", "不改变您的表单。"),
    "admin.update_nothing_kept": ("You changed nothing the update touches.", "更新不涉及您修改过的内容。"),
    "admin.update_confirm": ("Update the app from the template? The changed forms are published at once.",
                             "确定按模板更新此应用吗？有变化的表单会立即发布。"),
    "admin.update_apply": ("Update to version {version}", "更新到版本 {version}"),
    "admin.up_to_date": ("The app is up to date with its template.", "此应用已是模板的最新版本。"),
    "admin.template_updated": ("The app was updated to template version {version}; your edits were kept.",
                               "应用已更新到模板版本 {version}，您的修改已保留。"),
    "admin.change.form_added": ("Form {form} added.", "新增表单{form}。"),
    "admin.change.field_added": ("Field {field} added to {form}.", "在{form}中新增字段{field}。"),
    "admin.change.field_changed": ("Field {field} of {form} changed: {what}.", "{form}的字段{field}有修改：{what}。"),
    "admin.change.field_deleted": ("Field {field} removed from {form} (its data is kept).", "从{form}中移除字段{field}（数据保留）。"),
    "admin.change.part_changed": ("The {part} of {form} changed.", "{form}的{part}有修改。"),
    "admin.change.part_new": ("New {part} {code} added.", "新增{part}{code}。"),
    "admin.kept.field": ("Your edit of field {field} in {form} is kept; the template's change to it is not applied.",
                         "保留您对{form}中字段{field}的修改，不采用模板对它的改动。"),
    "admin.kept.part": ("Your change of the {part} of {form} is kept.", "保留您对{form}的{part}的修改。"),
    "admin.kept.form_removed": ("Form {form}, which you removed, stays removed.", "您删除的表单{form}不会被恢复。"),
    "admin.kept.review": ("The {part} {code} changed in the template; yours is kept: edit it to take the change.",
                          "模板中的{part}{code}有变化；您的版本保留不变，如需采用请自行修改。"),
    # what of a field a template update changes (its definition's keys)
    "admin.attr.label": ("name", "名称"), "admin.attr.type": ("type", "类型"), "admin.attr.options": ("options", "选项与设置"),
    "admin.attr.required": ("required", "必填"), "admin.attr.help": ("help text", "提示文字"), "admin.attr.default": ("default value", "默认值"),
    "admin.attr.fetch": ("filled from another form", "数据联动"), "admin.attr.filterable": ("filterable", "可筛选"),
    "admin.attr.searchable": ("searchable", "可搜索"), "admin.attr.sortable": ("sortable", "可排序"),
    "admin.attr.placeholder": ("placeholder", "占位文字"), "admin.attr.deleted": ("removed", "已移除"),
    "admin.attr.other": ("other settings", "其他设置"), "admin.attr.renamed": ("renamed {name}", "改名为{name}"),
    "admin.part.label": ("name", "名称"), "admin.part.description": ("description", "说明"), "admin.part.icon": ("icon", "图标"),
    "admin.part.layout": ("layout", "布局"), "admin.part.settings": ("settings", "设置"), "admin.part.rules": ("rules", "显隐规则"),
    "admin.part.validations": ("submit checks", "提交校验"), "admin.part.automations": ("automations", "自动操作"),
    "admin.part.permissions": ("permissions", "权限"), "admin.part.templates": ("notification template", "消息模板"),
    "admin.part.workflows": ("workflow", "工作流"), "admin.part.dashboards": ("dashboard", "仪表盘"),
    "admin.archive_or_delete": ("Archive or delete the app", "归档或删除应用"),
    "admin.archive_app_help": ("Archiving keeps everything and lists the app apart; you can restore it any time.",
                               "归档会保留所有内容，并在应用列表中单独列出；随时可以恢复。"),
    "admin.archive_app": ("Archive app", "归档应用"),
    "admin.restore_app": ("Restore app", "恢复应用"),
    "admin.app_archived": ("The app was archived.", "应用已归档。"),
    "admin.app_restored": ("The app was restored.", "应用已恢复。"),
    "admin.app_loses": ("Deleting the app deletes its {forms} form(s) and {records} record(s), for good:",
                        "删除应用会永久删除它的 {forms} 个表单和 {records} 条数据："),
    "admin.form_with_records": ("{name}: {records} record(s)", "{name}：{records} 条数据"),
    "admin.delete_app": ("Delete app for good", "永久删除应用"),
    "admin.app_deleted": ("The app {code} and its {records} record(s) were deleted.", "应用 {code} 及其 {records} 条数据已删除。"),
    "admin.confirm_delete": ("This can't be undone. Delete?", "此操作无法撤销。确定删除吗？"),
    # refusals at a field
    "admin.find_users": ("Find users", "查找用户"),
    "admin.find_users_help": ("By name, user name or e-mail.", "按姓名、用户名或邮箱查找。"),
    "admin.search": ("Search", "搜索"),
    "admin.clear_search": ("Show everyone", "显示全部"),
    "admin.users_total": ("Users: {total}", "共 {total} 个用户"),
    "admin.users_found": ("Users found: {total}", "找到 {total} 个用户"),
    "admin.user_pages": ("Pages of users", "用户分页"),
    "admin.previous_page": ("Previous page", "上一页"),
    "admin.next_page": ("Next page", "下一页"),
    "admin.page_of": ("Page {page} of {pages}", "第 {page} 页，共 {pages} 页"),
    "admin.error.role_in_use": ("{count} user(s) still hold this role ({names}): give them another role first.",
                                "仍有 {count} 个用户拥有此角色（{names}）：请先为他们更换角色。"),
    "admin.error.builtin": ("Built-in roles can't be deleted.", "内置角色不能删除。"),
    "admin.delete_role": ("Delete role {name}", "删除角色 {name}"),
    "admin.delete_role_confirm": ("Delete the role {name}? Its rights on forms go with it.", "确定删除角色 {name} 吗？它在各表单上的权限也会一并删除。"),
    "admin.role_deleted": ("The role {name} was deleted.", "角色 {name} 已删除。"),
    "admin.not_deleted": ("Not deleted:", "未删除："),
    "admin.error.taken": ("This key is taken: pick another one.", "此标识已被使用，请换一个。"),
    "admin.error.key": ("Use lower case letters, digits and _, starting with a letter.", "请使用小写字母、数字和下划线，并以字母开头。"),
    "admin.error.label": ("Enter a name.", "请填写名称。"),
    "admin.error.label_en": ("Enter a name.", "请填写名称。"),
    "admin.error.required": ("Enter a name.", "请填写名称。"),
    "admin.error.name": ("Enter a name (at most 200 characters).", "请填写名称（最多 200 个字符）。"),
    "admin.error.confirm": ("Type {expected} exactly to confirm.", "请准确输入 {expected} 以确认。"),
    "admin.error.in_use": ("The field {field} of the form {form} refers to this form: change that field first.",
                           "表单 {form} 的字段 {field} 引用了此表单，请先修改该字段。"),
    "admin.error.icon": ("One emoji or at most two letters.", "一个表情符号或最多两个字母。"),
    "admin.error.color": ("Pick a colour from the list.", "请从列表中选择颜色。"),
    "admin.error.username": ("2-150 letters, digits and . _ @ -; user names are unique.", "2-150 个字母、数字或 . _ @ -，用户名不能重复。"),
    "admin.error.username_taken": ("This user name is taken.", "此用户名已被使用。"),
    "admin.error.email": ("Enter an e-mail address such as name@example.com, or leave it empty.", "请填写邮箱地址（如 name@example.com），或留空。"),
    "admin.error.display_name": ("Enter a name (at most 200 characters).", "请填写姓名（最多 200 个字符）。"),
    "admin.error.timezone": ("Pick a time zone from the list.", "请从列表中选择时区。"),
    "admin.error.manager_id": ("This manager would end up managing themselves: pick another.", "这样会形成循环汇报关系，请选择其他上级。"),
    "admin.error.last_admin": ("The workspace needs at least one active admin: nobody could change permissions any more.",
                               "工作区至少需要一位有效的管理员，否则将无人能再修改权限。"),
    "admin.error.self": ("You can't do this to yourself: ask another admin.", "不能对自己执行此操作，请让其他管理员处理。"),
    "admin.error.roles": ("Keep the admin role: another admin can take it from you.", "请保留管理员角色，如需移除请由其他管理员操作。"),
    "admin.error.capabilities": ("Pick capabilities from the list.", "请从列表中选择权限。"),
    "admin.error.members": ("A member of the team no longer exists.", "团队中的某个成员已不存在。"),
    "admin.error.too_many": ("This user has too many live tokens: revoke some first.", "此用户的有效令牌太多，请先撤销一些。"),
    # people
    "admin.people_help": ("Who can sign in, which roles they hold, their teams and managers.", "谁可以登录、拥有哪些角色、所属团队和上级。"),
    "admin.users": ("Users", "用户"),
    "admin.user": ("User", "用户"),
    "admin.username": ("User name", "用户名"),
    "admin.display_name": ("Name", "姓名"),
    "admin.email": ("E-mail", "邮箱"),
    "admin.roles": ("Roles", "角色"),
    "admin.manager": ("Manager", "上级"),
    "admin.no_manager": ("No manager", "无上级"),
    "admin.state": ("State", "状态"),
    "admin.active": ("active", "有效"),
    "admin.inactive": ("deactivated", "已停用"),
    "admin.edit_named": ("Edit {name}", "编辑 {name}"),
    "admin.create_user": ("Create user", "创建用户"),
    "admin.new_user": ("New user", "新建用户"),
    "admin.new_user_help": ("A one-time password is made for the new user and shown to you once: hand it over; they change it on "
                            "their profile page. Or pick a set-password link: they open it and choose their own password.",
                            "系统会为新用户生成一次性密码，只显示一次：请转交给对方，对方可在个人资料页修改。也可以选择设置密码链接：对方打开链接后自己设置密码。"),
    "admin.issued_title": ("Password for {name}", "{name} 的密码"),
    "admin.issued_once": ("Copy it now: it is shown only this once.", "请立即复制：密码只显示这一次。"),
    "admin.issued_value": ("One-time password of {name}", "{name} 的一次性密码"),
    "admin.teams": ("Teams", "团队"),
    "admin.teams_help": ("A team's members see each other's records where a role's scope is \"team\" (direct reports too).",
                         "角色范围为“团队”时，团队成员可以看到彼此的数据（直属下级也可以）。"),
    "admin.no_teams": ("No teams yet.", "还没有团队。"),
    "admin.team_name": ("Team name", "团队名称"),
    "admin.team_key": ("Team key", "团队标识"),
    "admin.members": ("Members", "成员"),
    "admin.members_of": ("Members of {name}", "{name} 的成员"),
    "admin.create_team": ("Create team", "创建团队"),
    "admin.save_team": ("Save team {name}", "保存团队 {name}"),
    "admin.team_created": ("The team {name} was created.", "团队 {name} 已创建。"),
    "admin.team_saved": ("The team {name} was saved.", "团队 {name} 已保存。"),
    "admin.role_list": ("Roles", "角色"),
    "admin.roles_help": ("Built-in roles and your own. Capabilities allow designing, automations, templates and user admin; "
                         "what each role may do with each form's records is set under Access.",
                         "内置角色和自定义角色。能力决定能否设计表单、配置自动化、管理模板和用户；各角色对每个表单数据的权限在“访问权限”中设置。"),
    "admin.builtin": ("built-in", "内置"),
    "admin.custom": ("custom", "自定义"),
    "admin.capabilities": ("Capabilities", "能力"),
    "admin.cap.manage_users": ("Manage users and permissions", "管理用户和权限"),
    "admin.cap.design": ("Design apps and forms", "设计应用和表单"),
    "admin.cap.automate": ("Set up automations and workflows", "配置自动化和工作流"),
    "admin.cap.templates": ("Write notification templates", "编写消息模板"),
    "admin.cap.approve_templates": ("Review notification templates", "审核消息模板"),
    "admin.cap.all": ("Everything", "全部"),
    "admin.new_role": ("New role", "新建角色"),
    "admin.role_key": ("Role key", "角色标识"),
    "admin.role_name_en": ("Role name (English)", "角色名称（英文）"),
    "admin.role_name_zh": ("Role name (Chinese)", "角色名称（中文）"),
    "admin.create_role": ("Create role", "创建角色"),
    "admin.save_role": ("Save role {name}", "保存角色 {name}"),
    "admin.capabilities_of": ("Capabilities of {name}", "{name} 的能力"),
    "admin.role_saved": ("The role {name} was saved.", "角色 {name} 已保存。"),
    "admin.access": ("Access", "访问权限"),
    # one user
    "admin.user_title": ("User {name}", "用户 {name}"),
    "admin.back_to_people": ("Back to people", "返回成员列表"),
    "admin.details": ("Details", "基本信息"),
    "admin.timezone": ("Time zone", "时区"),
    "admin.timezone_unset": ("Not set (the browser's or the workspace's)", "未设置（使用浏览器或工作区的时区）"),
    "admin.is_active": ("Can sign in", "允许登录"),
    "admin.is_active_help": ("Unticked: the user can't sign in, their sessions end and tokens stop; their records stay.",
                             "取消勾选后：用户无法登录，已有登录和令牌失效，其数据保留。"),
    "admin.user_saved": ("The user was saved.", "用户已保存。"),
    "admin.password": ("Password", "密码"),
    "admin.password_help": ("Makes a new one-time password (shown once). The user's sessions end and their API tokens are revoked.",
                            "生成新的一次性密码（只显示一次）。该用户的登录会全部退出，API 令牌失效。"),
    "admin.reset_password": ("Reset password", "重置密码"),
    "admin.reset_confirm": ("Make a new password for {name}? Their current one stops working.", "确定为 {name} 生成新密码吗？当前密码将失效。"),
    "admin.tokens": ("API tokens", "API 令牌"),
    "admin.tokens_help": ("Tokens of this user; their secrets are never shown again. Revoking one stops it at once.",
                          "此用户的令牌；令牌内容不会再次显示。撤销后立即失效。"),
    "admin.no_tokens": ("No API tokens.", "没有 API 令牌。"),
    "admin.token_for": ("Create a token for {name}", "为 {name} 创建令牌"),
    "admin.create_token": ("Create token", "创建令牌"),
    # access
    "admin.access_title": ("Access to forms", "表单访问权限"),
    "admin.access_help": ("Pick a form: what each role may do with its records, and which fields each role sees.",
                          "选择表单：设置各角色对数据的操作权限，以及各角色能看到哪些字段。"),
    "admin.access_form": ("Access: {name}", "访问权限：{name}"),
    "admin.only_published": ("Only published forms have record rights and field levels.", "只有已发布的表单才能设置数据权限和字段权限。"),
    "admin.record_rights": ("Record rights", "数据权限"),
    "admin.record_rights_help": ("Own: records the user owns. Team: also their team mates' and direct reports'. All: every record. "
                                 "Admins may always do everything.", "本人：用户自己负责的数据。团队：还包括团队成员和直属下级的数据。全部：所有数据。管理员始终拥有全部权限。"),
    "admin.role": ("Role", "角色"),
    "admin.right.create": ("Create", "新增"),
    "admin.right.read": ("Read", "查看"),
    "admin.right.update": ("Update", "修改"),
    "admin.right.delete": ("Delete", "删除"),
    "admin.right_of": ("{right} for {role}", "{role} 的{right}权限"),
    "admin.scope.none": ("None", "无"), "admin.scope.own": ("Own", "本人"), "admin.scope.team": ("Team", "团队"), "admin.scope.all": ("All", "全部"),
    "admin.source.grant": ("set here", "在此设置"), "admin.source.form": ("from the form", "来自表单"), "admin.source.role": ("role default", "角色默认"),
    "admin.save_rights": ("Save record rights", "保存数据权限"),
    "admin.rights_saved": ("The record rights were saved.", "数据权限已保存。"),
    "admin.field_matrix": ("Field permissions", "字段权限"),
    "admin.field_matrix_help": ("Hidden: not shown anywhere to that role. Read-only: shown, not changeable. Editable: shown and "
                                "changeable. A calculated, fetched or rolled-up field follows the fields it is made from: "
                                "when one of them is hidden from a role, so is it.",
                                "隐藏：对该角色在任何地方都不显示。只读：显示但不能修改。可编辑：显示并可修改。公式、引用带出或汇总字段随其来源字段：任一来源对某角色隐藏，它也隐藏。"),
    "admin.field": ("Field", "字段"),
    "admin.level.hidden": ("Hidden", "隐藏"), "admin.level.read": ("Read-only", "只读"), "admin.level.write": ("Editable", "可编辑"),
    "admin.level_of": ("{field} for {role}", "{role} 对 {field} 的权限"),
    "admin.derived_from": ("follows {sources}", "随 {sources}"),
    "admin.hidden_by": ("hidden because {sources} is hidden", "因 {sources} 隐藏而隐藏"),
    "admin.save_fields": ("Save field permissions", "保存字段权限"),
    "admin.fields_saved": ("The field permissions were saved.", "字段权限已保存。"),
    # set-password links (admin side and the page the user opens)
    "admin.password_way": ("How the user gets a password", "用户如何获得密码"),
    "admin.password_way.once": ("A one-time password shown to you once", "生成一次性密码（只显示一次）"),
    "admin.password_way.link": ("A set-password link: they choose their own password", "设置密码链接：由用户自己设置密码"),
    "admin.link_title": ("Set-password link for {name}", "{name} 的设置密码链接"),
    "admin.link_once": ("Copy it now and send it to them: it is shown only this once, works once and expires at {expires}.",
                        "请立即复制并发送给对方：链接只显示这一次，只能使用一次，{expires} 过期。"),
    "admin.link_value": ("Set-password link of {name}", "{name} 的设置密码链接"),
    "admin.make_link": ("Make a set-password link", "生成设置密码链接"),
    "admin.link_help": ("Or a link with which the user chooses their own password (it works once, for {hours} hours; an earlier "
                        "link stops working).", "或生成一个链接，由用户自己设置密码（只能用一次，{hours} 小时内有效；之前的链接失效）。"),
    "admin.link_confirm": ("Make a set-password link for {name}? Their current password stops working once they use it.",
                           "确定为 {name} 生成设置密码链接吗？对方使用后，当前密码失效。"),
    "setpw.title": ("Set your password", "设置密码"),
    "setpw.for": ("Choose a password for the user {username} ({name}).", "为用户 {username}（{name}）设置密码。"),
    "setpw.password": ("New password", "新密码"),
    "setpw.repeat": ("New password again", "再次输入新密码"),
    "setpw.help": ("At least {n} characters and hard to guess: a few uncommon words work well.", "至少 {n} 个字符且不易被猜到：几个不常见的词组合效果很好。"),
    "setpw.submit": ("Set password", "设置密码"),
    "setpw.mismatch": ("The two passwords differ.", "两次输入的密码不一致。"),
    "setpw.done": ("Your password is set. Sign in with it.", "密码已设置，请用新密码登录。"),
    "setpw.link_unknown": ("This link is not known. Ask your admin for a new one.", "无法识别此链接，请向管理员索取新链接。"),
    "setpw.link_used": ("This link was already used or replaced by a newer one. Ask your admin for a new one.",
                        "此链接已被使用或已被新链接取代，请向管理员索取新链接。"),
    "setpw.link_expired": ("This link has expired. Ask your admin for a new one.", "此链接已过期，请向管理员索取新链接。"),
    "setpw.to_login": ("Go to sign-in", "前往登录"),
}

MESSAGES: dict[str, dict[str, str]] = {
    "en": {key: en for key, (en, _zh) in _PAIRS.items()},
    "zh-CN": {key: zh for key, (_en, zh) in _PAIRS.items()},
}
for _locale, _texts in PEOPLE_MESSAGES.items():  # the user picker, team managers and the undo toasts
    MESSAGES[_locale].update(_texts)

#: page field names for service paths that the page shows under another input
_FIELD_ALIASES = {"label": "label_en", "user": "_", "app": "_"}


def _text(key: str, locale: str, **params) -> str | None:
    text = MESSAGES.get(locale, MESSAGES["en"]).get(key)
    if text is None:
        return None
    try:
        return text.format(**params)
    except (KeyError, IndexError):
        return text


def _message(item: ErrorItem, field: str, status: int, locale: str) -> str:
    """A refusal in the UI language: password reasons come in both languages from the service; codes and fields have
    catalogue entries; anything else shows the service's own words."""
    messages = item.extra.get("messages") if item.extra else None
    if isinstance(messages, dict) and messages.get(locale):
        return messages[locale]
    params = {**(item.extra or {})}
    keys = []
    if status == 409 and field in ("key", "username"):
        keys.append("admin.error.username_taken" if field == "username" else "admin.error.taken")
    keys += [f"admin.error.{item.code}" if item.code else "", f"admin.error.{field}"]
    for key in keys:
        text = _text(key, locale, **params) if key else None
        if text:
            return text
    return item.message


def field_errors(exc: FormflowError, locale: str) -> dict[str, str]:
    """{field name on the page: message} (the first refusal of each field); refusals of the whole request go under "_"."""
    out: dict[str, str] = {}
    items = getattr(exc, "errors", None) or [ErrorItem(getattr(exc, "message", str(exc)))]
    for item in items:
        field = (item.path or "").strip("/").split("/")[0] or "_"
        field = _FIELD_ALIASES.get(field, field)
        out.setdefault(field, _message(item, field, exc.status, locale))
    return out


def _name(label: Any, locale: str, fallback: str) -> str:
    if isinstance(label, dict):
        return label.get(locale) or label.get("en") or next(iter(label.values()), fallback)
    return label or fallback


def _quoted(label: Any, locale: str, fallback: str) -> str:
    return "“" + _name(label, locale, fallback) + "”"


def _attrs(what: list[str], locale: str, new_name: str) -> str:
    """Field definition keys as words of the UI language (an unknown key reads as "other settings", once)."""
    words = [_text("admin.attr.renamed", locale, name=new_name) if w == "label" else
             _text("admin.attr." + w, locale) or _text("admin.attr.other", locale) for w in what]
    return ("、" if locale == "zh-CN" else ", ").join(dict.fromkeys(words))


def template_change_sentences(update: dict, app_forms: list[dict], locale: str) -> dict[str, list[str]]:
    """``app_templates.template_update`` as sentences by labels in the UI language (form and field names, never keys):
    what the update changes, and what of the admin's is kept."""
    names = {f["key"]: f.get("label") for f in app_forms}
    changes: list[str] = []
    kept: list[str] = []
    for plan in update.get("forms", []):
        form = _quoted(names.get(plan["form"]) or plan.get("label"), locale, plan["form"])
        for item in plan.get("applied", []):
            change = item.get("change", "")
            field = _quoted(item.get("field_label"), locale, str(item.get("field_id", "")))
            if change.endswith("_changed") and change != "field_changed":
                part = _text("admin.part." + change[: -len("_changed")], locale) or _text("admin.attr.other", locale)
                changes.append(_text("admin.change.part_changed", locale, form=form, part=part))
            elif change == "field_changed":  # named as the admin knows it now; a new name is part of what changes
                was = _quoted(item.get("old_label"), locale, "") if item.get("old_label") else field
                changes.append(_text("admin.change.field_changed", locale, form=form, field=was, what=_attrs(item.get("what", []), locale, field)))
            elif change in ("form_added", "field_added", "field_deleted"):
                changes.append(_text("admin.change." + change, locale, form=form, field=field))
        for item in plan.get("kept", []):
            change = item.get("change", "")
            if change == "form_removed_by_you":
                kept.append(_text("admin.kept.form_removed", locale, form=form))
            elif change.startswith("field_"):
                field = _quoted(item.get("field_label"), locale, str(item.get("field_id", "")))
                kept.append(_text("admin.kept.field", locale, form=form, field=field))
            else:
                part = _text("admin.part." + change[: -len("_changed")], locale) or _text("admin.attr.other", locale)
                kept.append(_text("admin.kept.part", locale, form=form, part=part))
    for part in update.get("parts", []):
        what = _text("admin.part." + part.get("part", ""), locale) or part.get("part", "")
        name = _quoted(part.get("label"), locale, str(part.get("key")))
        if part.get("action") == "create":
            changes.append(_text("admin.change.part_new", locale, part=what, code=name))
        else:
            kept.append(_text("admin.kept.review", locale, part=what, code=name))
    return {"changes": changes, "kept": kept}
