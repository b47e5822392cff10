"""A create's serial numbers, and where they are taken.

A number is taken by moving a counter row, whose lock lasts until the transaction ends: that keeps the numbers unique
and gap-free (a rolled-back create gives its number back, a killed worker's transaction too), but it also queues the
form's other creates behind the one holding it. So on PostgreSQL a form's (single) serial field is numbered by the
record's own insert (``record_rows.NUMBERED_INSERT``): no statement of its own, and the lock is not held while the
save is prepared; a create that trusts its form takes it even later, with its commit, and writes its row then too
(below). SQLite serialises writers anyway (one database lock) and numbers before the insert, as batches do.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator

import psycopg
import sqlalchemy as sa

from engine.fields import FIELD_TYPES
from engine.serials import counter_params, next_serial
from engine.services.form_lookup import insert_checked
from engine.storage import driver_sql, record_rows

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


# -- the number taken last, with the commit ----------------------------------------------------
# Taken by the record's insert, the number keeps the counter row locked through the after-save stages and the GIL waits
# of a busy process until the commit: a form's creates queue behind each other. A create that trusts its form
# (``form_lookup.insert_checked``) whose after-save stages cannot read the number inserts its record without it, runs
# those stages, and takes the number by one last statement sent with the COMMIT (psycopg's pipeline mode): the lock
# lasts one server-side statement and the commit. Gap-free as before: a create refused or failing before that statement
# never moved the counter; a failing statement or a killed process rolls back both.

def numbered_last(w: Write) -> bool:
    """Whether the create's number can wait for ``number_and_commit``: no after-save automation and no duplicate-check
    rule reads it (per compiled form)."""
    known = w.form.memo.get("numbered_last")
    if known is None:
        from engine import dedup  # cycle: dedup's stages use the records service
        check = dedup.for_form(w.form)
        ruled = {fid for rule in check.rules for fid in rule.fields} if check is not None else set()
        known = w.form.memo["numbered_last"] = not (
            any(auto.action.phase == "after_save" for auto in w.form.automations or ())
            or any(f["id"] in ruled for f in _numbered(w.form)))
    return known


#: the counter moved (as ``serials.next_serial`` moves it), the number rendered (as ``SerialFormat.render``: padded,
#: never cut) and given to the record's data and its create audit row, in one statement; it names itself in
#: ``rollups.NUMBERING_SETTING`` ("<form id>:<field id>"), so the chart cells' update trigger skips it when no rollup
#: of the form reads the number (the trigger clears the setting)
_NUMBER = sa.text("""
WITH counter AS (
  INSERT INTO serial_counters (form_id, field_id, period, value) VALUES (:form_id, :serial_field, :serial_period, 1)
  ON CONFLICT (form_id, field_id, period) DO UPDATE SET value = serial_counters.value + 1 RETURNING value),
numbered AS (SELECT CAST(:serial_prefix AS text) || lpad(value::text, greatest(CAST(:serial_width AS int), length(value::text)), '0')
                    || CAST(:serial_suffix AS text) AS sn, set_config('formflow.numbering', CAST(:numbering AS text), true) AS marked
             FROM counter),
rec AS (UPDATE records SET data = jsonb_set(records.data, ARRAY[CAST(:serial_field AS text)], to_jsonb(numbered.sn))
        FROM numbered WHERE records.id = :rid RETURNING records.id),
aud AS (UPDATE record_audit SET changes = jsonb_set(record_audit.changes, ARRAY[CAST(:serial_field AS text)],
                                                    jsonb_build_array(NULL, numbered.sn))
        FROM numbered WHERE record_audit.record_id = :rid AND record_audit.action = 'create' RETURNING record_audit.id)
SELECT sn FROM numbered""")


# -- the row itself written last ---------------------------------------------------------------
# Numbered last, the record's row was written twice: inserted, then updated with its number (its indexes, the foreign
# keys of a row inserted by the same transaction and the chart cells' update trigger all over again). So a create that
# takes its number last writes its row last too: its first statement takes the id and stores the duplicate-check keys
# (``record_rows.reserve``; their reference to the record is checked at the commit), the after-save stages run, and
# the numbered row and its audit row are one statement sent with the COMMIT. The first statement any after-save stage
# sends (a roll-up elsewhere, a due event, the owner field's update...) is preceded by the row's insert, unnumbered,
# as before: from there the number is taken by ``_NUMBER`` as it was.

def save_trusted(w: Write, params: dict, audit: dict) -> dict:
    """``form_lookup.insert_checked`` for a create trusting its form; its row left for later when its number is."""
    later = w.late_counter is not None
    saved, w.neighbours = insert_checked(w.rt, w.conn, w.form, params, audit, later=later)
    if later:
        w.pending_row = {**params, **audit, "id": saved["id"], "data": dict(params["data"])}
    return saved


@contextmanager
def row_written_first(w: Write) -> Iterator[None]:
    """Around the after-save stages: a number they may read is taken first (``number_now_if_read``), and a row not
    written yet is written before any statement of theirs."""
    if w.late_counter is not None:
        number_now_if_read(w)
    if w.pending_row is None:
        yield
        return
    with w.rt.db.before_each_statement(w.conn, lambda: write_pending_row(w)):
        yield


def write_pending_row(w: Write) -> None:
    """The record's row and audit row, unnumbered (``_NUMBER`` numbers them), when they are still to be written."""
    row, w.pending_row = w.pending_row, None
    if row is None:
        return
    saved = driver_sql.one_row(w.conn, record_rows.INSERT_RECORD_WITH_ID, row)
    if w.row is not None and w.row.get("data") == row["data"]:
        w.row["data"] = saved["data"]  # as the database gives it back, as a row written first would be


def number_now_if_read(w: Write) -> None:
    """After the insert: when the save reaches other records (roll-ups, live fetches), which may read the number, it is
    taken now, before the after-save stages, and held to the commit as an insert-taken number is."""
    from engine import autofill  # cycle: autofill's stages use the form services
    if autofill.has_dependents(w):
        write_pending_row(w)
        _numbered_as(w, w.conn.execute(_NUMBER, _number_params(w)).scalar_one())


def number_and_commit(w: Write) -> None:
    """PostgreSQL: the create's last statement takes its number (and writes its row, when that is still to be
    written), sent with the COMMIT in one round trip."""
    if w.late_counter is None:
        return
    row, w.pending_row = w.pending_row, None
    if row is None:
        statement, params = _NUMBER, _number_params(w)
    else:
        statement, params = record_rows.NUMBERED_INSERT_WITH_ID, {**row, **w.late_counter}
    pg = w.conn.connection.driver_connection
    try:
        with pg.pipeline():
            cur = pg.cursor()
            driver_sql.send(w.conn, cur, statement, params)
            pg.commit()
    except psycopg.Error as exc:  # rolled back: the caller sees it as any failed statement (its text named)
        raise driver_sql.as_sqlalchemy_error(driver_sql.compiled(w.conn.dialect, statement).string, None, exc) from exc
    if row is None:
        _numbered_as(w, cur.fetchone()[0])
        return
    w.row = driver_sql.fetched(cur)
    _numbered_as(w, w.row["data"][w.late_counter["serial_field"]])


def _number_params(w: Write) -> dict:
    return {**w.late_counter, "form_id": w.form.form_id, "rid": w.record_id,
            "numbering": f"{w.form.form_id}:{w.late_counter['serial_field']}"}


def _numbered_as(w: Write, number: str) -> None:
    field = w.late_counter["serial_field"]
    w.late_counter = None
    w.values = {**w.values, field: number}
    w.row = {**w.row, "data": {**w.row["data"], field: number}}
