"""What the field types whose value is ids share, stated once: ``IdField`` (a record, a member, a team: integer ids,
compared by id) and ``FileField`` (an attachment, an image, a signature: ids of uploaded files kept in
``@attachments``), the "Allow several" property and the shape of an attachment id.

Each type's module subclasses one of them and keeps only what is its own (its store, its label, its limits).
"""
from __future__ import annotations

import re

from engine.fields.base import LIST_OPERATORS, LinkedField, Property, en_zh
from engine.safety import MAX_ID

#: most ids a multi-valued id field (references, members) may hold
MAX_MULTI_REFERENCES = 1000
#: an attachment id: 32 lower-case hex digits
ATTACHMENT_ID = r"^[0-9a-f]{32}$"

MULTIPLE = Property("options.multiple", "bool", en_zh("Allow several", "允许多个"))


def is_attachment_id(value: str) -> bool:
    return bool(re.match(ATTACHMENT_ID, value))


class IdField(LinkedField):
    """One integer id (or several with ``options.multiple``): filtered by id, ``contains`` one id of several."""
    sql_kind = "number"
    properties = (MULTIPLE,)
    default_options = {"multiple": False}
    filter_operators = ("eq", "ne", "in", "contains", "empty", "not_empty")
    contains_list = contains_by_id = True
    dedup_matchable = True
    in_subtable = True
    item_schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    max_items = MAX_MULTI_REFERENCES

    @property
    def value_kind(self):  # noqa: D401 - what rules see
        return "integer"


class FileField(LinkedField):
    """Ids of uploaded files (``engine.services.attachments``): bound to the record, filtered by "holds this file"."""
    holds_attachments = True
    filter_operators = LIST_OPERATORS
    table_filter_op = "contains"  # a table's column filter looks for one of its ids
    contains_list = True
    template_kind = "attachment"
    groupable = indexable = False
    item_schema = {"type": "string", "pattern": ATTACHMENT_ID}

    def linked_store(self, field):
        return "@attachments"
