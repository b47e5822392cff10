"""Serial numbers (流水号) with a user-defined format.

A format mixes literal text, date tokens (``{YYYY}``, ``{YYYYMMDD}``...), field
tokens (``{field:region}``) and exactly one zero-padded counter (``{0000}``).
The counter restarts per reset cycle and is allocated inside the record's own
transaction with one atomic upsert, so numbers are unique and gap-free: a
rolled-back submit gives its number back.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from engine import i18n
from engine.storage.tables import serial_counters

#: longest serial format; widest counter
MAX_FORMAT_LENGTH = 100
MAX_COUNTER_WIDTH = 12
RESET_CYCLES = ("never", "yearly", "monthly", "daily")
#: literal characters allowed between tokens
_LITERAL = re.compile(r"^[A-Za-z0-9_\-./#:\u4e00-\u9fff ]*$")
_TOKEN = re.compile(r"\{([^{}]*)\}")
_DATE_TOKENS = {"YYYY": "%Y", "YY": "%y", "MM": "%m", "DD": "%d", "YYYYMM": "%Y%m", "YYYYMMDD": "%Y%m%d"}
_PERIOD = {"never": "", "yearly": "%Y", "monthly": "%Y%m", "daily": "%Y%m%d"}


class SerialFormatError(ValueError):
    """Why a serial format is refused: a catalogue key (engine/translations) and its values; ``str()`` is the English."""

    def __init__(self, message_code: str, **params: Any) -> None:
        super().__init__(i18n.render(message_code, i18n.DEFAULT_LOCALE, params))
        self.message_code = message_code
        self.params = params


@dataclass(frozen=True)
class SerialFormat:
    parts: tuple  # ("lit", text) | ("date", strftime) | ("field", id) | ("counter", width)

    def render(self, counter: int, when_local: datetime, values: dict) -> str:
        out = []
        for kind, arg in self.parts:
            if kind == "lit":
                out.append(arg)
            elif kind == "date":
                out.append(when_local.strftime(arg))
            elif kind == "field":
                out.append(str(values.get(arg) or ""))
            else:
                out.append(str(counter).zfill(arg))
        return "".join(out)

    def around_counter(self, when_local: datetime, values: dict) -> tuple[str, int, str]:
        """(what comes before the counter, its width, what comes after), rendered: the counter's place, for SQL to fill."""
        at = next(i for i, (kind, _) in enumerate(self.parts) if kind == "counter")
        before, after = SerialFormat(self.parts[:at]), SerialFormat(self.parts[at + 1:])
        return before.render(0, when_local, values), self.parts[at][1], after.render(0, when_local, values)


def parse_format(text: str, field_ids: list[str] | None = None) -> SerialFormat:
    if not text:
        raise SerialFormatError("error.serial.format_required", example="KH-{YYYYMMDD}-{0000}")
    if len(text) > MAX_FORMAT_LENGTH:
        raise SerialFormatError("error.serial.too_long", max=MAX_FORMAT_LENGTH)
    parts, pos, counters = [], 0, 0
    for m in _TOKEN.finditer(text):
        literal = text[pos:m.start()]
        if literal:
            parts.append(("lit", literal))
        token = m.group(1)
        if token in _DATE_TOKENS:
            parts.append(("date", _DATE_TOKENS[token]))
        elif token and set(token) == {"0"}:
            if len(token) > MAX_COUNTER_WIDTH:
                raise SerialFormatError("error.serial.counter_width", token=f"{{{token}}}", max=MAX_COUNTER_WIDTH)
            counters += 1
            parts.append(("counter", len(token)))
        elif token.startswith("field:"):
            fid = token[6:]
            if field_ids is not None and fid not in field_ids:
                raise SerialFormatError("error.serial.unknown_field", token=f"{{{token}}}", field=repr(fid))
            parts.append(("field", fid))
        else:
            raise SerialFormatError("error.serial.unknown_token", token=f"{{{token}}}", position=m.start())
        pos = m.end()
    if text[pos:]:
        parts.append(("lit", text[pos:]))
    for kind, arg in parts:
        if kind == "lit" and (not _LITERAL.match(arg) or "{" in arg or "}" in arg):
            raise SerialFormatError("error.serial.bad_literal", text=repr(arg))
    if counters != 1:
        raise SerialFormatError("error.serial.one_counter", example="{0000}")
    return SerialFormat(tuple(parts))


@functools.lru_cache(maxsize=256)
def _parsed(text: str) -> SerialFormat:
    """``parse_format`` of a stored (already checked) format, once per format text."""
    return parse_format(text)


def counter_params(field: dict, now: datetime, tz: str, values: dict) -> dict:
    """What the record's insert needs to take the number itself (``record_rows.numbered_insert``, PostgreSQL): the
    field, the counter's period, and the rendered text around the counter. Taken by the insert, the counter row is
    locked from the record's insert on (to the commit or the rollback, which keeps the numbers gap-free), not from
    before it: one statement less, and the lock is not held while the save is prepared."""
    opts = field.get("options") or {}
    local = now.astimezone(ZoneInfo(tz))
    prefix, width, suffix = _parsed(opts["format"]).around_counter(local, values)
    return {"serial_field": field["id"], "serial_period": local.strftime(_PERIOD[opts.get("reset", "never")]) or "-",
            "serial_prefix": prefix, "serial_width": width, "serial_suffix": suffix}


def next_serial(conn: sa.Connection, form_id: int, field: dict, now: datetime, tz: str, values: dict) -> str:
    """Allocate the next number inside the caller's transaction and render it."""
    opts = field.get("options") or {}
    fmt = parse_format(opts["format"])
    local = now.astimezone(ZoneInfo(tz))
    period = local.strftime(_PERIOD[opts.get("reset", "never")]) or "-"
    stmt = _upsert_statement(conn.dialect.name)
    counter = conn.execute(stmt, {"form_id": form_id, "field_id": field["id"], "period": period}).scalar_one()
    return fmt.render(counter, local, values)


def next_serials(conn: sa.Connection, form_id: int, field: dict, now: datetime, tz: str, values: list[dict]) -> list[str]:
    """One number per record of a batch, from a single counter move by ``len(values)``: the same numbers, in the same
    order, as that many ``next_serial`` calls (still gap-free: the move rolls back with the batch)."""
    if not values:
        return []
    opts = field.get("options") or {}
    fmt = parse_format(opts["format"])
    local = now.astimezone(ZoneInfo(tz))
    period = local.strftime(_PERIOD[opts.get("reset", "never")]) or "-"
    last = conn.execute(_upsert_statement(conn.dialect.name), {"form_id": form_id, "field_id": field["id"], "period": period,
                                                               "step": len(values)}).scalar_one()
    first = last - len(values) + 1
    return [fmt.render(first + i, local, v) for i, v in enumerate(values)]


_UPSERTS: dict[str, Any] = {}


def _upsert_statement(dialect: str):
    """``INSERT ... ON CONFLICT DO UPDATE SET value = value + step RETURNING value``, built once per dialect (step 1 unless given)."""
    if dialect not in _UPSERTS:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        table = serial_counters
        step = sa.bindparam("step", 1, type_=sa.Integer)
        stmt = insert(table).values(form_id=sa.bindparam("form_id"), field_id=sa.bindparam("field_id"),
                                    period=sa.bindparam("period"), value=step)
        stmt = stmt.on_conflict_do_update(index_elements=[table.c.form_id, table.c.field_id, table.c.period],
                                          set_={"value": table.c.value + step}).returning(table.c.value)
        _UPSERTS[dialect] = stmt
    return _UPSERTS[dialect]
