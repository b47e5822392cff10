"""A create's serial numbers, and where they are taken.

A number is taken by moving a counter row, whose lock lasts until the transaction ends: that keeps the numbers unique
and gap-free (a rolled-back create gives its number back, a killed worker's transaction too), but it also queues the
form's other creates behind the one holding it. So on PostgreSQL a form's (single) serial field is numbered by the
record's own insert (``record_rows.NUMBERED_INSERT``): no statement of its own, and the lock is not held while the
save is prepared. SQLite serialises writers anyway (one database lock) and numbers before the insert, as batches do.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from engine.fields import FIELD_TYPES
from engine.serials import counter_params, next_serial

if TYPE_CHECKING:
    from engine.services.records import Write


def fill_serials(w: Write) -> dict:
    """Number the create's serial fields before its save; on PostgreSQL a form's single serial field is left to the
    insert instead: the parameters it needs (``serials.counter_params``; empty when there is none)."""
    numbered = _numbered(w.form)
    if len(numbered) == 1 and w.conn.dialect.name == "postgresql":
        return counter_params(numbered[0], w.rt.clock.now(), w.rt.timezone, w.values)
    for f in numbered:
        w.values[f["id"]] = next_serial(w.conn, w.form.form_id, f, w.rt.clock.now(), w.rt.timezone, w.values)
    return {}


def _numbered(form) -> tuple[dict, ...]:
    """The form's live serial fields (worked out once per compiled form)."""
    found = form.memo.get("numbered_fields")
    if found is None:
        found = form.memo["numbered_fields"] = tuple(f for f in form.live_fields if FIELD_TYPES.get(f["type"]).numbered)
    return found
