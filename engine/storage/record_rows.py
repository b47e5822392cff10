"""The statements that write ``records`` and ``record_audit`` rows, built once (SQLAlchemy reuses their compiled form).

The write path (``engine.services.records``) decides what to write; this module says how, one row or a batch of
creates in one statement per table on SQLite and PostgreSQL alike.
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from engine.storage.app_template_tables import dedup_keys
from engine.storage.tables import record_audit, records, serial_counters

INSERT_RECORD = sa.insert(records).returning(*records.c)
#: many records in one statement ("insertmanyvalues"), rows back in the order of the parameters
_INSERT_RECORDS = sa.insert(records).returning(*records.c, sort_by_parameter_order=True)
_INSERT_SQLITE_RECORDS = sa.text(
    "INSERT INTO records (id, form_id, form_version, data, owner_id, created_by, created_at, updated_by, updated_at, version) "
    "SELECT json_extract(r.value, '$[0]'), :form_id, :form_version, json_extract(r.value, '$[1]'), :owner_id, :actor_id, :now, "
    ":actor_id, :now, 1 FROM json_each(:rows) AS r ORDER BY r.key").bindparams(sa.bindparam("now", type_=records.c.created_at.type))
_LAST_RECORD_ID = sa.select(sa.func.max(records.c.id))
#: an update that only lands on the version the writer read (``expected``); no row back means someone else was first
UPDATE_RECORD = (sa.update(records)
                 .where(records.c.id == sa.bindparam("rid"), records.c.version == sa.bindparam("expected"))
                 .values(data=sa.bindparam("data"), form_version=sa.bindparam("form_version"),
                         updated_by=sa.bindparam("updated_by"), updated_at=sa.bindparam("updated_at"),
                         version=sa.bindparam("version"))
                 .returning(*records.c))
_INSERT_AUDIT = sa.insert(record_audit)


def with_audit(write, *columns, numbered: bool = False, keyed: bool = False):
    """PostgreSQL: ``write`` (an INSERT or UPDATE of one record returning it) and its audit row in one statement; the
    audit row is written only when the record was (an update that lost the version race writes neither). The saved
    row comes back with ``columns`` beside it (scalar subqueries: what else the save wants to know without a statement).
    ``numbered``: ``write`` is ``NUMBERED_INSERT``, and the audit row's changes get the serial number it took.
    ``keyed``: a new record's duplicate-check keys (``dedup_keys``: [{rule, key, exclusive}] as JSON) are stored too,
    a key already held skipped, and ``keys_unique`` says how many were stored and, when exclusive (a "refuse"
    rule's), held by no other live record: the statement's snapshot shows the keys held before it, so a key the unique
    index lets through (a duplicate from before its rule holds it unexclusively) counts as held too. The save is its
    own duplicate check."""
    saved = write.cte("saved")
    if keyed:
        columns += (_keys_unique(saved),)
    changes = sa.bindparam("changes", type_=record_audit.c.changes.type)
    if numbered:
        changes = sa.func.jsonb_set(changes, _SERIAL_PATH, sa.func.jsonb_build_array(sa.null(), saved.c.data.op("->")(_SERIAL_FIELD)),
                                    type_=record_audit.c.changes.type)
    audit_row = sa.insert(record_audit).from_select(
        ["record_id", "form_id", "action", "actor_id", "actor", "at", "record_version", "changes"],
        sa.select(saved.c.id, saved.c.form_id, sa.bindparam("action", type_=record_audit.c.action.type),
                  sa.bindparam("actor_id", type_=record_audit.c.actor_id.type), sa.bindparam("actor", type_=record_audit.c.actor.type),
                  saved.c.updated_at, saved.c.version, changes))
    return sa.select(saved, *columns).add_cte(audit_row.cte("audited"))


def _keys_unique(saved):
    """``with_audit``'s ``keyed``: the new record's keys stored (``saved`` has its id and form_id) and "keys_unique"."""
    given, held = (sa.func.jsonb_to_recordset(sa.bindparam("dedup_keys", type_=postgresql.JSONB))
                   .table_valued(sa.column("rule", sa.Text), sa.column("key", sa.Text), sa.column("exclusive", sa.Boolean))
                   .render_derived(name=name, with_types=True) for name in ("given", "wanted"))
    stored = (postgresql.insert(dedup_keys)
              .from_select(["form_id", "rule", "key", "record_id", "exclusive"],
                           sa.select(saved.c.form_id, given.c.rule, given.c.key, saved.c.id, given.c.exclusive)
                           .select_from(saved).join(given, sa.true()))
              .on_conflict_do_nothing().returning(dedup_keys.c.rule).cte("keyed"))
    # per key, one index probe on (form_id, rule, key) whole for a live record holding it: a LATERAL subquery with a
    # LIMIT is never flattened into a join, which a planner with statistics older than the table's growth would
    # answer by hashing every key of the form
    holder = (sa.select(dedup_keys.c.record_id).join(records, records.c.id == dedup_keys.c.record_id)
              .where(dedup_keys.c.form_id == saved.c.form_id, dedup_keys.c.rule == held.c.rule,
                     dedup_keys.c.key == held.c.key, records.c.deleted_at.is_(None), held.c.exclusive.is_(True))
              .limit(1).lateral("holder"))
    holders = sa.select(sa.func.count()).select_from(held).join(holder, sa.true()).scalar_subquery()
    return (sa.select(sa.func.count()).select_from(stored).scalar_subquery() - holders).label("keys_unique")


def reserve(*columns, keyed: bool = False):
    """PostgreSQL: a new record's id taken from the records' sequence and, with ``keyed``, its duplicate-check keys
    stored under it (as ``with_audit`` stores them; ``dedup_keys``' reference to the record is checked at the commit),
    with ``columns`` beside the id; no record row yet: ``INSERT_RECORD_WITH_ID`` or ``NUMBERED_INSERT_WITH_ID`` writes
    it later in the transaction (``record_serials``)."""
    saved = sa.select(sa.literal_column("nextval(pg_get_serial_sequence('records', 'id'))", sa.Integer).label("id"),
                      sa.bindparam("form_id", type_=sa.Integer).label("form_id")).cte("saved")
    if keyed:
        columns += (_keys_unique(saved),)
    return sa.select(saved.c.id, *columns)


#: ``INSERT_RECORD`` with every column but the id bound by name (what a CTE needs)
INSERT_RECORD_VALUES = sa.insert(records).values({c.name: sa.bindparam(c.name, type_=c.type) for c in records.c if c.name != "id"}
                                                 ).returning(*records.c)

#: PostgreSQL: the serial counter of (form_id, serial_field, serial_period) moved by one, as ``serials.next_serial``
#: moves it, but by the record's own insert (``NUMBERED_INSERT``; parameters from ``serials.counter_params``)
_COUNTER = (postgresql.insert(serial_counters)
            .values(form_id=sa.bindparam("form_id"), field_id=sa.bindparam("serial_field"), period=sa.bindparam("serial_period"), value=1)
            .on_conflict_do_update(index_elements=[serial_counters.c.form_id, serial_counters.c.field_id, serial_counters.c.period],
                                   set_={"value": serial_counters.c.value + 1})
            .returning(serial_counters.c.value).cte("counter"))
_SERIAL_FIELD = sa.bindparam("serial_field", type_=sa.Text)
_SERIAL_PATH = sa.cast(postgresql.array([_SERIAL_FIELD]), postgresql.ARRAY(sa.Text))
_COUNTER_TEXT = sa.cast(sa.select(_COUNTER.c.value).scalar_subquery(), sa.Text)
#: the number rendered as ``SerialFormat.render`` renders it: zero-padded to the width (``zfill``: never cut)
_SERIAL = (sa.bindparam("serial_prefix", type_=sa.Text)
           + sa.func.lpad(_COUNTER_TEXT, sa.func.greatest(sa.bindparam("serial_width", type_=sa.Integer), sa.func.length(_COUNTER_TEXT)),
                          sa.literal("0"), type_=sa.Text)
           + sa.bindparam("serial_suffix", type_=sa.Text))
#: ``INSERT_RECORD_VALUES`` whose data gets the form's serial number, taken by the same statement
NUMBERED_INSERT = sa.insert(records).values(
    {c.name: sa.bindparam(c.name, type_=c.type) for c in records.c if c.name not in ("id", "data")}
    | {"data": sa.func.jsonb_set(sa.bindparam("data", type_=records.c.data.type), _SERIAL_PATH, sa.func.to_jsonb(_SERIAL),
                                 type_=records.c.data.type)}).returning(*records.c)
#: the record with the id ``reserve`` took (every column bound by name), and its audit row; without and with its number
INSERT_RECORD_WITH_ID = with_audit(INSERT_RECORD_VALUES.values(id=sa.bindparam("id", type_=records.c.id.type)))
NUMBERED_INSERT_WITH_ID = with_audit(NUMBERED_INSERT.values(id=sa.bindparam("id", type_=records.c.id.type)), numbered=True)
#: a create's statement (``with_audit``) by (numbered, keyed)
_INSERTS_AUDITED = {(numbered, keyed): with_audit(NUMBERED_INSERT if numbered else INSERT_RECORD_VALUES, numbered=numbered, keyed=keyed)
                    for numbered in (False, True) for keyed in (False, True)}
_UPDATE_RECORD_AUDITED = with_audit(UPDATE_RECORD)


def audit_params(action: str, actor, changes: dict) -> dict:
    """The parameters ``with_audit`` adds to its write's."""
    return {"action": action, "actor_id": actor.user_id, "actor": actor.label, "changes": changes}


def save_audited(conn, statement_params: dict, *, create: bool, form_id: int, action: str, actor, at,
                 version: int, changes: dict):
    """One record created (``INSERT_RECORD``'s parameters) or updated (``UPDATE_RECORD``'s) and its audit row: the saved
    row, or None when an update found the record at another version (and wrote nothing). PostgreSQL: one statement."""
    if conn.dialect.name == "postgresql":
        statement = (_INSERTS_AUDITED["serial_field" in statement_params, "dedup_keys" in statement_params] if create
                     else _UPDATE_RECORD_AUDITED)
        return conn.execute(statement, {**statement_params, **audit_params(action, actor, changes)}).mappings().first()
    saved = conn.execute(INSERT_RECORD if create else UPDATE_RECORD, statement_params).mappings().first()
    if saved is not None:
        audit(conn, saved["id"], form_id, action, actor, at, version, changes)
    return saved


#: the audit rows of a batch of creates, from ``rows``: [[record id, changes as JSON text]] as JSON, in that order
_INSERT_CREATE_AUDITS = {dialect: sa.text(
    "INSERT INTO record_audit (record_id, form_id, action, actor_id, actor, at, record_version, changes) "
    f"SELECT {columns}, CAST(:form_id AS integer), 'create', CAST(:actor_id AS integer), CAST(:actor AS text), :at, 1, {changes} "
    f"FROM {source}").bindparams(sa.bindparam("at", type_=record_audit.c.at.type))
    for dialect, columns, changes, source in [
        ("postgresql", "CAST(a.value ->> 0 AS integer)", "CAST(a.value ->> 1 AS jsonb)",
         "jsonb_array_elements(CAST(:rows AS jsonb)) WITH ORDINALITY AS a(value, n) ORDER BY a.n"),
        ("sqlite", "json_extract(a.value, '$[0]')", "json_extract(a.value, '$[1]')", "json_each(:rows) AS a ORDER BY a.key"),
    ]}


def insert_created(conn, *, form_id: int, form_version: int, owner_id: int | None, actor_id: int | None, now,
                   datas: list[dict]) -> list[dict]:
    """New records holding ``datas`` (in that order), one statement; the stored rows, in the same order."""
    params = [{"form_id": form_id, "form_version": form_version, "data": data, "owner_id": owner_id,
               "created_by": actor_id, "created_at": now, "updated_by": actor_id, "updated_at": now, "version": 1,
               "deleted_at": None, "deleted_by": None} for data in datas]
    if conn.dialect.name != "sqlite":
        return [dict(row) for row in conn.execute(_INSERT_RECORDS, params).mappings().all()]
    # SQLite can't tie RETURNING rows to parameter sets (SQLAlchemy would send one INSERT per row); the writer holds
    # the database lock (BEGIN IMMEDIATE), so the ids are known: the ones SQLite picks itself, max(rowid) + 1 onwards
    last = conn.execute(_LAST_RECORD_ID).scalar() or 0
    for i, p in enumerate(params, start=1):
        p["id"] = last + i
    # one statement: [id, data as the JSON text SQLAlchemy would store] per record, the rest bound once; the rows
    # are what was sent (no RETURNING to read)
    conn.execute(_INSERT_SQLITE_RECORDS, {"rows": json.dumps([[p["id"], json.dumps(p["data"])] for p in params]),
                                          "form_id": form_id, "form_version": form_version, "owner_id": owner_id,
                                          "actor_id": actor_id, "now": now})
    return [{**p, "data": dict(p["data"])} for p in params]


def audit_created(conn, *, form_id: int, actor, now, created: list[tuple[int, dict]]) -> None:
    """The "create" audit rows of (record id, data) pairs, one statement."""
    # [record id, changes as the JSON text SQLAlchemy would store] per record, the rest bound once
    conn.execute(_INSERT_CREATE_AUDITS[conn.dialect.name],
                 {"rows": json.dumps([[rid, json.dumps(changes({}, data))] for rid, data in created]),
                  "form_id": form_id, "actor_id": actor.user_id, "actor": actor.label, "at": now})


def changes(before: dict, after: dict) -> dict:
    """Field id -> [before, after] of every value that differs (a create: every value set)."""
    if not before:
        return {k: [None, after[k]] for k in sorted(after) if after[k] is not None}
    return {k: [before.get(k), after.get(k)] for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)}


def audit(conn, record_id, form_id, action, actor, at, version, changes) -> None:
    conn.execute(_INSERT_AUDIT, {"record_id": record_id, "form_id": form_id, "action": action, "actor_id": actor.user_id,
                                 "actor": actor.label, "at": at, "record_version": version, "changes": changes})
