"""Field types that point elsewhere: reference, user, sub-table, attachment.

The shape of the value is checked here; that a referenced record, user or
attachment exists is checked by the record service inside its transaction.
"""
from __future__ import annotations

from typing import NamedTuple

from engine.fields.base import FIELD_TYPES, FieldType, FieldValueError, Property, en_zh, field_label, type_words
from engine.fields.linked import MULTIPLE, FileField, IdField
from engine.fields.member_limit import LIMIT, limit_problems, limit_where, outside_limit

#: most rows a sub-table may hold
MAX_SUBTABLE_ROWS = 500
#: separates the app from the form in the store key of a reference to another app's form (keys never hold it)
APP_SEPARATOR = "/"


TARGET_APP = Property("options.app", "app", en_zh("Target app", "关联应用"),
                      help=en_zh("Empty: this app. Another app's records are shown only to people who may read them there.",
                                 "留空：本应用。其他应用的记录只对在那里有读取权限的人显示。"))
TARGET_FORM = Property("options.form", "form", en_zh("Target form", "关联表单"))


class Target(NamedTuple):
    """The form a reference points at: ``app`` None is the referring form's own app."""

    app: str | None
    form: str

    def store_key(self) -> str:
        """The key titles and linked ids are grouped under: the form key, ``app/form`` for another app's form."""
        return self.form if self.app is None else f"{self.app}{APP_SEPARATOR}{self.form}"

    def app_or(self, own_app: str) -> str:
        return own_app if self.app is None else self.app


def reference_target(field: dict, own_app: str | None = None) -> Target:
    """The one rule: ``options.app`` (absent, empty or the own app: the same app) and ``options.form``."""
    opts = field.get("options")
    opts = opts if isinstance(opts, dict) else {}  # a malformed definition is refused by its schema check, not here
    app = opts.get("app") if isinstance(opts.get("app"), str) else None
    form = opts.get("form") if isinstance(opts.get("form"), str) else ""
    return Target(None if not app or app == own_app else app, form)


def target_of_store(key: str, own_app: str) -> Target:
    """The target a store key (``Target.store_key``) names, seen from ``own_app``."""
    app, sep, form = key.rpartition(APP_SEPARATOR)
    return Target(None if not sep or app == own_app else app, form)


@FIELD_TYPES.register
class ReferenceType(IdField):
    name = "reference"
    palette_rank = 140
    label, description = en_zh("Reference", "关联数据"), en_zh("Link to a record of another form", "关联其他表单的记录")
    widget, glyph = "picker", "↗"
    form_input = "ref"
    properties = (TARGET_APP, TARGET_FORM, MULTIPLE)
    default_options = {"form": "", "multiple": False}
    is_reference = True
    rule_kind = import_cleaner = "reference"
    template_kind = "record"
    dedup_flag = True
    expected = en_zh("a record id", "记录 ID")

    def linked_store(self, field):
        return reference_target(field).store_key() or None

    def dedup_flag_value(self, record_id, message):
        return record_id

    def group_kind(self, field, resolve_form=None):
        return "record"

    def check_options(self, field, ctx):
        target = reference_target(field, ctx.own_app)
        if target.app is not None and target.app not in ctx.other_apps:
            return [("options/app", ctx.coded("error.definition.reference_app", app=repr(target.app)))]
        if target.app is not None and target.form not in ctx.other_apps[target.app]:
            return [("options/form", ctx.coded("error.definition.reference_app_form", app=repr(target.app), form=repr(target.form)))]
        if target.app is None and target.form not in ctx.form_keys:
            return [("options/form", ctx.coded("error.definition.reference_form", form=repr(target.form)))]
        return []

    def target(self, field, own_app: str | None = None) -> Target:
        return reference_target(field, own_app)


#: the reference type, for SQL built over a reference by construction (roll-ups, live fetches, related lists)
REFERENCE_TYPE: ReferenceType = FIELD_TYPES.get(ReferenceType.name)


@FIELD_TYPES.register
class UserType(IdField):
    name = "user"

    def sample_value(self, field, now, user_id):
        if user_id is None:
            return None
        return user_id if not (field.get("options") or {}).get("multiple") else [user_id]
    palette_rank = 150
    label, description = en_zh("Member", "成员"), en_zh("A person in the workspace", "工作区中的成员")
    widget, glyph = "picker", "U"
    form_input = "ref"
    is_user = True
    kanban_lanes = True
    rule_kind = import_cleaner = "user"
    template_kind = "person"
    expected = en_zh("a user id", "成员 ID")
    # options.limit: only people of some roles or teams may be chosen (engine.fields.member_limit)
    properties = (MULTIPLE, LIMIT)

    def linked_store(self, field):
        return "@users"

    def check_options(self, field, ctx):
        return limit_problems(field, ctx)

    def choosable_where(self, field, workspace_id):
        return limit_where(field, workspace_id)

    def refused_ids(self, conn, workspace_id, field, ids):
        return outside_limit(conn, workspace_id, field, ids)

    def group_kind(self, field, resolve_form=None):
        return "person"


@FIELD_TYPES.register
class SubtableType(FieldType):
    name = "subtable"
    palette_rank = 160
    label, description = en_zh("Sub-table", "子表单"), en_zh("Rows of sub-fields", "多行子字段")
    widget, glyph = "subtable", "▤"
    form_input, blank, wide = "subtable", [], True
    properties = (Property("options.fields", "subfields", en_zh("Sub-table fields", "子表字段")),)
    value_kind = "array"
    stores_rows = True
    default_options = {"fields": []}
    default_input = None
    filter_operators = ("empty", "not_empty")
    table_filter_op = "not_empty"  # anything typed into a table's column filter asks for records with rows
    rule_kind, template_kind = "subtable", "rows"
    exportable = groupable = indexable = False
    expected = en_zh("a list of rows", "子表单行列表")

    def row_fields(self, field) -> list[dict]:
        return [f for f in (field.get("options") or {}).get("fields", []) if not f.get("deleted")]

    def check_options(self, field, ctx):
        problems = []
        seen = set()
        for i, sub in enumerate((field.get("options") or {}).get("fields", [])):
            if sub.get("type") not in FIELD_TYPES or not FIELD_TYPES.get(sub["type"]).in_subtable:
                problems.append((f"options/fields/{i}/type", ctx.coded("error.options.subtable_type", type=type_words(sub.get("type")))))
                continue
            if sub.get("id") in seen:
                problems.append((f"options/fields/{i}/id", ctx.coded("error.options.duplicate_column", id=repr(sub.get("id")))))
            seen.add(sub.get("id"))
            for suffix, message, *extra in FIELD_TYPES.get(sub["type"]).check_options(sub, ctx):
                problems.append((f"options/fields/{i}/{suffix}", message, *extra))
        return problems

    def schema(self, field):
        props = {}
        for sub in self.row_fields(field):
            props[sub["id"]] = {"anyOf": [FIELD_TYPES.get(sub["type"]).schema(sub), {"type": "null"}]}
        return {"type": "array", "maxItems": MAX_SUBTABLE_ROWS,
                "items": {"type": "object", "properties": props, "additionalProperties": False}}

    def normalize(self, value, field):
        subs = {s["id"]: s for s in self.row_fields(field)}
        rows = []
        for row in value:
            out = {}
            for key, cell in row.items():
                sub = subs.get(key)
                if sub is None:
                    raise FieldValueError("error.field.not_a_column", column=repr(key))
                out[key] = None if cell is None else FIELD_TYPES.get(sub["type"]).normalize(cell, sub)
            rows.append(out)
        return rows

    def display(self, value, field, locale="en", tz="UTC"):
        return f"{len(value or [])} rows"

    def sql_expression(self, dialect, field_id):
        if dialect == "postgresql":
            return f"jsonb_array_length(data -> '{field_id}')"
        return f"json_array_length(data, '$.\"{field_id}\"')"


@FIELD_TYPES.register
class AttachmentType(FileField):
    name = "attachment"
    palette_rank = 170
    label, description = en_zh("Attachment", "附件"), en_zh("Files and images", "文件和图片")
    widget, glyph = "attachment", "A"
    form_input = "file"
    properties = (MULTIPLE,)
    default_options = {"multiple": False}
    default_input = None
    rule_kind = None
    max_items = 50


__all__ = ["Target", "reference_target", "target_of_store", "ReferenceType", "UserType", "SubtableType", "AttachmentType", "field_label"]
