"""What a client sends as a record's data, read once at the door: an object within the size limit, keyed by field id.

Every write (``engine.services.records``, the dry run, an import batch) starts from ``keyed``; a refusal names
``/data``. ``surely_small`` spares the JSON encoding of the common flat record of texts and numbers.
"""
from __future__ import annotations

import json
from typing import Any

from engine.definitions import CompiledForm
from engine.errors import ErrorItem, ValidationFailed
from engine.safety import MAX_RECORD_BYTES


def keyed(form: CompiledForm, data: Any) -> dict:
    """Client data keyed by field id; field names are accepted too."""
    if not isinstance(data, dict):
        raise ValidationFailed("record data must be an object keyed by field id or name",
                               [ErrorItem.coded("error.import.must_be_object", path="/data")], message_code="error.record.data_not_object")
    if not surely_small(data) and len(json.dumps(data, default=str).encode()) > MAX_RECORD_BYTES:
        raise ValidationFailed(f"record is larger than {MAX_RECORD_BYTES} bytes",
                               [ErrorItem.coded("error.app_template.too_large_item", path="/data", code="too_large")],
                               message_code="error.record.too_large", params={"limit": MAX_RECORD_BYTES})
    out = {}
    for key, value in data.items():
        f = form.by_id.get(key) or form.by_name.get(key)
        out[f["id"] if f else key] = value
    return out


def surely_small(data: dict) -> bool:
    """Whether a flat record of texts and numbers is under ``MAX_RECORD_BYTES`` of JSON, known without encoding it.

    A bound, not the size: JSON escapes a character in at most 12 bytes ("\\ud83d\\ude00"), writes a number in at most
    9 bytes more than its repr ("-Infinity"), and adds 8 bytes per member at most (quotes, colon, comma, space).
    """
    size = 2
    for key, value in data.items():
        kind = type(value)
        if type(key) is not str:
            return False
        if kind is str:
            size += 12 * (len(key) + len(value)) + 8
        elif kind is int or kind is float or kind is bool or value is None:
            size += 12 * len(key) + len(repr(value)) + 17
        else:
            return False
    return size <= MAX_RECORD_BYTES
