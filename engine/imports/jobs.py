"""Import jobs: upload -> mapping -> preview (clean, validate, dedup) -> commit in batches -> refused rows.

Upload reads the file once into ``import_rows`` (one row per data line) and
suggests a mapping. Preview cleans each row's cells, runs the form's own
write path up to (not including) the save with ``records.validate_record``,
and looks for duplicates within the file and against the database with the
form's duplicate-check keys (``engine.dedup``), a batch of keys per query.
Commit creates records through ``records.create_records``, the batch form of
the one write path (rules, dedup, roll-ups and, when the job says so,
automations and timed workflows), a batch per transaction; each row's new state and record id are written in the same
transaction as its record, so a crashed import run again continues where it
stopped and never creates a record twice.
"""
from __future__ import annotations

import functools
import hashlib
import json
from collections import Counter
from typing import Callable, Iterable

import sqlalchemy as sa

from engine import automations, dedup
from engine import i18n
from engine.errors import Conflict, ErrorItem, FormflowError, NotFound, PermissionDenied, ValidationFailed
from engine.exports import csv_chunks, spreadsheet_text
from engine.fields import FIELD_TYPES
from engine.fields.base import FieldValueError, field_label
from engine.imports import cleaning, mapping as mapping_area, problems as row_problems
from engine.imports.reading import MAX_IMPORT_BYTES, read_upload
from engine.imports.tables import import_jobs, import_rows
from engine.request_text import MAX_TEXT_PROBLEMS, text_problem
from engine.runtime import Actor, Runtime
from engine.services import records as record_service
from engine.services.form_lookup import compiled_form
from engine.services.reference_targets import store_target
from engine.services.titles import record_title, title_fields
from engine.storage.indexes import refresh_statistics
from engine.storage.tables import records, users
from engine.services.permissions import privileged
from engine.workflows import planner

#: largest upload read (bytes); one more byte and the file is refused
MAX_UPLOAD_BYTES = MAX_IMPORT_BYTES
#: rows cleaned and validated per query round during a preview
PREVIEW_CHUNK = 500
#: rows committed per transaction
COMMIT_BATCH = 500
#: rows inserted per statement at upload
UPLOAD_CHUNK = 1000
#: bad rows listed in a preview answer (all of them are in refused.csv)
PREVIEW_PROBLEMS = 200
#: row states
PENDING, VALID, INVALID, DUPLICATE, COMMITTED, REFUSED = "pending", "valid", "invalid", "duplicate", "committed", "refused"
#: states a row can no longer leave
FINAL_STATES = (COMMITTED, REFUSED)


# -- jobs ------------------------------------------------------------------------

def create_job(rt: Runtime, actor: Actor, app_key: str, form_key: str, filename: str, data: bytes, *,
               run_automations: bool = True, resume: bool = True) -> dict:
    """Read the upload into a new job with a suggested mapping; the same file still being imported resumes that job."""
    digest = hashlib.sha256(data).hexdigest()
    with rt.db.transaction() as conn:
        form = compiled_form(rt, conn, app_key, form_key)
        record_service.check_access(rt, conn, actor, form, "create", {"owner_id": actor.user_id})
        if resume:
            existing = conn.execute(sa.select(import_jobs).where(
                import_jobs.c.form_id == form.form_id, import_jobs.c.file_sha256 == digest, import_jobs.c.status != "done",
                import_jobs.c.created_by.is_(None) if actor.user_id is None else import_jobs.c.created_by == actor.user_id)
                .order_by(import_jobs.c.id.desc()).limit(1)).mappings().first()
            if existing is not None:
                return {**_job_dict(conn, form, existing), "resumed": True}
    source = read_upload(filename or "upload", data)
    if not source.rows:
        raise ValidationFailed("the file has titles but no data rows", [ErrorItem.coded("error.import.no_data_rows", path="/file",
                                                                                       code="empty")],
                               message_code="error.import.titles_only")
    unstorable = _unstorable_cells(source)
    if unstorable:
        raise ValidationFailed("the file holds characters that can't be stored (NUL or an unpaired surrogate); remove them and "
                               "upload it again", unstorable, message_code="error.import.unstorable")
    now = rt.clock.now()
    with rt.db.transaction() as conn:
        form = compiled_form(rt, conn, app_key, form_key)
        job_id = conn.execute(sa.insert(import_jobs).values(
            workspace_id=rt.workspace_id, form_id=form.form_id, filename=(filename or "upload")[:255], file_sha256=digest,
            file_format=source.format, encoding=source.encoding, header=source.header,
            mapping=mapping_area.suggest_mapping(form, source.header), options={"run_automations": bool(run_automations)},
            status="uploaded", counts={PENDING: len(source.rows)}, created_by=actor.user_id, created_at=now, updated_at=now)
            .returning(import_jobs.c.id)).scalar_one()
        for i in range(0, len(source.rows), UPLOAD_CHUNK):  # [line, cells as the JSON text SQLAlchemy would store] per row
            conn.execute(_INSERT_ROWS[conn.dialect.name], {"job_id": job_id, "state": PENDING, "rows": json.dumps(
                [[line, json.dumps(cells)] for line, cells in source.rows[i:i + UPLOAD_CHUNK]])})
        return {**_job_dict(conn, form, _job_row(conn, form, job_id)), "resumed": False}


def _unstorable_cells(source) -> list[ErrorItem]:
    """Titles and cells PostgreSQL can't store (NUL, lone surrogates; engine.request_text), by line and column."""
    problems: list[ErrorItem] = []
    for line, cells in [(1, source.header)] + list(source.rows):
        for column, cell in enumerate(cells, start=1):
            why = text_problem(cell) if isinstance(cell, str) else None
            if why:
                problems.append(ErrorItem.coded("error.import.cell_text", path="/file", code="invalid_text", line=line, column=column,
                                                why=why))
                if len(problems) >= MAX_TEXT_PROBLEMS:
                    return problems
    return problems


#: the rows of an upload, from ``rows``: [[line, cells as JSON text]] as JSON, in file order
_INSERT_ROWS = {dialect: sa.text(
    f"INSERT INTO import_rows (job_id, line, cells, state) SELECT CAST(:job_id AS integer), {line}, {cells}, CAST(:state AS text) "
    f"FROM {source}") for dialect, line, cells, source in [
        ("postgresql", "CAST(r.value ->> 0 AS integer)", "CAST(r.value ->> 1 AS jsonb)",
         "jsonb_array_elements(CAST(:rows AS jsonb)) WITH ORDINALITY AS r(value, n) ORDER BY r.n"),
        ("sqlite", "json_extract(r.value, '$[0]')", "json_extract(r.value, '$[1]')", "json_each(:rows) AS r ORDER BY r.key"),
    ]}


def get_job(rt: Runtime, actor: Actor, app_key: str, form_key: str, job_id: int) -> dict:
    with rt.db.read() as conn:
        form, job = _job(rt, conn, actor, app_key, form_key, job_id)
        return _job_dict(conn, form, job)


def list_jobs(rt: Runtime, actor: Actor, app_key: str, form_key: str) -> list[dict]:

    with rt.db.read() as conn:
        form = compiled_form(rt, conn, app_key, form_key)
        record_service.check_access(rt, conn, actor, form, "create", {"owner_id": actor.user_id})
        query = sa.select(import_jobs).where(import_jobs.c.form_id == form.form_id).order_by(import_jobs.c.id.desc()).limit(100)
        if not privileged(actor):
            query = query.where(import_jobs.c.created_by == actor.user_id)
        return [_job_dict(conn, form, job, columns=False) for job in conn.execute(query).mappings()]


def set_mapping(rt: Runtime, actor: Actor, app_key: str, form_key: str, job_id: int, wanted: dict, *,
                run_automations: bool | None = None) -> dict:
    """Replace the column mapping; every row not yet committed goes back to pending (preview again)."""
    with rt.db.transaction() as conn:
        form, job = _job(rt, conn, actor, app_key, form_key, job_id)
        if job["status"] in ("committing", "done"):
            raise Conflict(f"import {job_id} is already being committed; its mapping can't change", path="/mapping",
                           message_code="error.import.committing_mapping", params={"id": job_id})
        chosen = mapping_area.checked_mapping(form, job["header"], wanted)
        options = dict(job["options"])
        if run_automations is not None:
            options["run_automations"] = bool(run_automations)
        conn.execute(sa.update(import_jobs).where(import_jobs.c.id == job_id).values(
            mapping=chosen, options=options, status="uploaded", updated_at=rt.clock.now()))
        conn.execute(sa.update(import_rows).where(import_rows.c.job_id == job_id, import_rows.c.state.notin_(FINAL_STATES))
                     .values(state=PENDING, errors=None, cleaned=None))
        return _job_dict(conn, form, _job_row(conn, form, job_id))


# -- preview ---------------------------------------------------------------------

def preview(rt: Runtime, actor: Actor, app_key: str, form_key: str, job_id: int, *, problems: int = PREVIEW_PROBLEMS,
            progress: Callable[[int, int], None] | None = None, locale: str | None = None) -> dict:
    """Clean, validate and dedup every row not yet committed; nothing is saved but the rows' states and reasons.
    The problems answered read in ``locale`` (None: English)."""
    with rt.db.read() as conn:
        form, job = _job(rt, conn, actor, app_key, form_key, job_id)
        if job["status"] in ("committing", "done"):
            raise Conflict(f"import {job_id} is already being committed", path="/import",
                           message_code="error.import.committing", params={"id": job_id})
        total = conn.execute(sa.select(sa.func.count()).where(import_rows.c.job_id == job_id,
                                                             import_rows.c.state.notin_(FINAL_STATES))).scalar_one()
        ctx, use = _cleaning_context(rt, conn, form)
    check = dedup.for_form(form)
    seen: dict[tuple[str, str], int] = {}  # (rule, key) -> first line holding it
    last_line, done = 0, 0
    while True:
        with rt.db.read() as conn:
            form = compiled_form(rt, conn, app_key, form_key)
            # paged by line (file order, as the rows were stored): the (job, line) index hands out each chunk directly
            rows = conn.execute(sa.select(import_rows.c.id, import_rows.c.line, import_rows.c.cells)
                                .where(import_rows.c.job_id == job_id, import_rows.c.state.notin_(FINAL_STATES),
                                       import_rows.c.line > last_line)
                                .order_by(import_rows.c.line).limit(PREVIEW_CHUNK)).all()
            if not rows:
                break
            use(conn)  # reference look-ups share the chunk's connection (SQLite: one connection at a time)
            results = [_check_row(rt, conn, actor, form, job, ctx, line, cells) for _, line, cells in rows]
            _mark_duplicates(conn, form, check, job, [line for _, line, _ in rows], results, seen, seen_by=(rt, actor))
        with rt.db.transaction() as conn:
            _update_rows(conn, [{"id": rid, "state": r["state"], "errors": r["errors"] or None, "cleaned": r["cleaned"]}
                                for (rid, _, _), r in zip(rows, results)])
        last_line = rows[-1][1]
        done += len(rows)
        if progress:
            progress(done, total)
    with rt.db.transaction() as conn:
        conn.execute(sa.update(import_jobs).where(import_jobs.c.id == job_id).values(
            status="previewed", counts=_counts(conn, job_id), updated_at=rt.clock.now()))
        form = compiled_form(rt, conn, app_key, form_key)
        out = _job_dict(conn, form, _job_row(conn, form, job_id))
        bad = conn.execute(sa.select(import_rows.c.line, import_rows.c.state, import_rows.c.errors)
                           .where(import_rows.c.job_id == job_id, import_rows.c.state.in_((INVALID, DUPLICATE)))
                           .order_by(import_rows.c.line).limit(problems)).all()
    # each problem in ``locale``, and the row's as one line ("column: message; ..."), as refused.csv words it
    out["problems"] = [{"line": line, "state": state, "errors": [row_problems.localized(e, locale) for e in errors or []],
                        "reason": row_problems.row_reason(errors or [], locale)} for line, state, errors in bad]
    return out


def _update_rows(conn, rows: list[dict]) -> None:
    """New values of many import rows in one statement: the rows as one JSON document joined by id, not one UPDATE each.

    Every row names the same columns: ``id`` and some of state, errors, cleaned, record_id. A JSON column's value goes in
    as the text SQLAlchemy would store (a NaN too: the document stays JSON).
    """
    if not rows:
        return
    columns = tuple(c for c in rows[0] if c != "id")
    doc = json.dumps([{c: json.dumps(v) if c in _JSON_ROW_COLUMNS else v for c, v in row.items()} for row in rows])
    conn.execute(_update_rows_statement(conn.dialect.name, columns), {"rows": doc})


@functools.lru_cache(maxsize=None)
def _update_rows_statement(dialect: str, columns: tuple[str, ...]) -> sa.TextClause:
    if dialect == "postgresql":
        types = ", ".join(f"{c} {'text' if c in _JSON_ROW_COLUMNS else _ROW_COLUMN_TYPES[c]}" for c in ("id",) + columns)
        changes = ", ".join(f"{c} = CAST(v.{c} AS jsonb)" if c in _JSON_ROW_COLUMNS else f"{c} = v.{c}" for c in columns)
        return sa.text(f"UPDATE import_rows AS r SET {changes} FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS v({types}) "
                       "WHERE r.id = v.id")
    # SQLite 3.33+ (UPDATE ... FROM)
    changes = ", ".join(f"{c} = json_extract(v.value, '$.{c}')" for c in columns)
    return sa.text(f"UPDATE import_rows SET {changes} FROM json_each(:rows) AS v WHERE import_rows.id = json_extract(v.value, '$.id')")


#: the PostgreSQL type of each import-row column ``_update_rows`` may set
_ROW_COLUMN_TYPES = {"id": "integer", "state": "text", "record_id": "integer"}
#: the import-row columns holding JSON
_JSON_ROW_COLUMNS = frozenset({"errors", "cleaned", "cells"})


def _check_row(rt, conn, actor, form, job, ctx, line: int, cells: list) -> dict:
    """One row cleaned and run through the form's validation: {state, errors, cleaned, keys_from}."""
    header, errors, values = job["header"], [], {}
    for column, fid in job["mapping"].items():
        f = form.by_id.get(fid)
        index = int(column)
        if f is None or index >= len(cells):
            continue
        try:
            value = cleaning.clean_cell(cells[index], f, ctx)
        except ValueError as exc:
            errors.append(row_problems.problem(form, header, job["mapping"], fid, row_problems.cell_item(exc)))
            continue
        if value is not None:
            values[fid] = value
    unreadable = {e["field_id"] for e in errors}
    normalized = None
    try:
        w = record_service.validate_record(rt, actor, form, values, conn=conn, skip_stages=_PREVIEW_SKIPS)
        normalized = w.values
    except FormflowError as exc:
        items = exc.errors or [row_problems.whole_refusal(exc)]
        for item in items:
            if item.field_id in unreadable:
                continue  # "is required" after an unreadable cell says less than the cell's own problem
            errors.append(row_problems.problem(form, header, job["mapping"], item.field_id, item))
    for fid in job["mapping"].values():  # accepted, but the field type finds it doubtful (a phone of five digits)
        doubt = FIELD_TYPES.get(form.by_id[fid]["type"]).doubt(normalized.get(fid), form.by_id[fid]) \
            if normalized and fid in form.by_id and normalized.get(fid) is not None else None
        if doubt:
            item = row_problems.cell_item(doubt if isinstance(doubt, ValueError) else ValueError(doubt), "doubtful")
            errors.append(row_problems.problem(form, header, job["mapping"], fid, item))
    return {"state": INVALID if errors else VALID, "errors": errors, "cleaned": values, "normalized": normalized, "line": line}


def _mark_duplicates(conn, form, check, job, lines: list[int], results: list[dict], seen: dict, *, seen_by=None) -> None:
    """Rows whose keys an earlier row of the file, or a live record, already holds become duplicates.

    ``seen_by`` = (runtime, actor): a live record is named (id, title) only when it is in the actor's read scope and the
    matched fields are visible to them; otherwise the row says only that the value is taken (``dedup.shown``)."""
    if check is None:  # no duplicate check on the form: identical rows are still one row
        for r in results:
            if r["state"] != VALID:
                continue
            key = ("row", json.dumps(r["normalized"], sort_keys=True, default=str))
            if key in seen:
                r["state"] = DUPLICATE
                item = row_problems.coded("error.import.same_row", "duplicate_in_file", extra={"line": seen[key]}, line=seen[key])
                r["errors"] = [row_problems.problem(form, job["header"], {}, None, item)]
            else:
                seen[key] = r["line"]
        return
    keyed = [(r, check.keys(r["normalized"])) for r in results if r["state"] == VALID]
    wanted = {(rule, key) for _, keys in keyed for rule, key in keys.items()}
    hidden: set[str] = set()
    if seen_by is not None:
        hidden = record_service.hidden_fields(seen_by[0], conn, seen_by[1], form)
    in_db = _existing_keys(conn, form, wanted, hidden) if wanted else {}
    readable = None
    if seen_by is not None and in_db:
        readable = dedup.readable_ids(seen_by[0], conn, seen_by[1], form, {rid for rid, _ in in_db.values()})
    labels = {rule.key: rule for rule in check.rules}
    for r, keys in keyed:
        found: list[ErrorItem] = []
        for rule, key in keys.items():
            fid = labels[rule].fields[0]
            if (rule, key) in seen:
                found.append(row_problems.coded("error.import.same_value", "duplicate_in_file", extra={"line": seen[(rule, key)], "rule": rule},
                                            field=form.labels(fid), line=seen[(rule, key)]))
            elif (rule, key) in in_db and check.mode == "refuse":
                rid, title = in_db[(rule, key)]
                if readable is not None and (rid not in readable or hidden & set(labels[rule].fields)):
                    found.append(row_problems.coded("error.dedup.taken", "duplicate", extra={"rule": rule},
                                                fields=row_problems.field_names(form, labels[rule].fields)))
                    continue
                found.append(row_problems.coded("error.import.same_as_record", "duplicate", extra={"record_id": rid, "title": title, "rule": rule},
                                            id=rid, title=repr(title)))
        if found:
            r["state"], r["errors"] = DUPLICATE, [row_problems.problem(form, job["header"], job["mapping"], labels[item.extra["rule"]].fields[0], item)
                                                  for item in found]
        else:  # only rows that will be imported claim their keys
            for rule, key in keys.items():
                seen[(rule, key)] = r["line"]


def _existing_keys(conn, form, wanted: set[tuple[str, str]], hidden: set[str] = frozenset()) -> dict[tuple[str, str], tuple[int, str]]:
    """(rule, key) -> (record id, title) of the oldest live record of the form holding it; one query per 500 keys."""
    return {pair: (held[0][0], record_title(form, held[0][0], held[0][1], hidden=hidden))
            for pair, held in dedup.existing_keys(conn, form, wanted).items()}


def _cleaning_context(rt, conn, form) -> tuple[cleaning.CleaningContext, Callable]:
    """The context cleaners look users and references up in, and ``use(conn)`` naming the connection to read with."""
    people: dict[str, int] = {}
    for uid, username, name, email in conn.execute(sa.select(users.c.id, users.c.username, users.c.display_name, users.c.email)
                                                   .where(users.c.workspace_id == rt.workspace_id, users.c.is_active.is_(True))):
        for text in (email, name, username, str(uid)):  # later names win: user name over display name
            if text:
                people[cleaning.folded(text)] = uid
    cache: dict[tuple[str, str], int | None] = {}
    current = [conn]

    def find_reference(target: str, title: str) -> int | None:
        if (target, title) not in cache:
            cache[(target, title)] = _reference_by_title(rt, current[0], form.app_key, target, title)
        return cache[(target, title)]

    def find_named(type_name: str, text: str):
        return FIELD_TYPES.get(type_name).find_by_name(current[0], rt.workspace_id, text)

    def use(c) -> None:
        current[0] = c

    return cleaning.CleaningContext(timezone=rt.timezone, users=people, find_reference=find_reference, find_named=find_named), use


def _reference_by_title(rt, conn, app_key: str, target: str, title: str) -> int | None:
    try:
        other = compiled_form(rt, conn, *store_target(target, app_key))
    except NotFound:
        return None
    named_by = title_fields(other)  # the field whose text is the record's title (engine.services.titles)
    if not named_by:
        return None
    fid = named_by[0]["id"]
    expr = sa.literal_column(FIELD_TYPES.get(other.by_id[fid]["type"]).sql_expression(conn.dialect.name, fid))
    ids = conn.execute(sa.select(records.c.id).where(records.c.form_id == other.form_id, records.c.deleted_at.is_(None),
                                                     expr == title).limit(2)).scalars().all()
    if len(ids) > 1:
        raise FieldValueError("error.import.cell.reference_ambiguous", value=repr(title))
    return ids[0] if ids else None


# -- commit ----------------------------------------------------------------------

def commit(rt: Runtime, actor: Actor, app_key: str, form_key: str, job_id: int, *, batch_size: int = COMMIT_BATCH,
           run_automations: bool | None = None, progress: Callable[[int, int], None] | None = None,
           before_commit: Callable[[int], None] | None = None) -> dict:
    """Create the records of every valid row, a batch per transaction; safe to run again after a crash.

    ``progress(done, total)`` is called after each batch is committed; ``before_commit(batch number)`` inside each
    batch's transaction, just before it commits (a test hook: raising there is a crash mid-import).
    """
    with rt.db.read() as conn:
        form, job = _job(rt, conn, actor, app_key, form_key, job_id)
    if job["status"] == "uploaded":
        preview(rt, actor, app_key, form_key, job_id)
    options = dict(job["options"])
    if run_automations is not None:
        options["run_automations"] = bool(run_automations)
    skips = frozenset() if options.get("run_automations", True) else automation_stages()
    check = dedup.for_form(form)
    if check is not None and check.mode == "refuse":
        # the preview already matched every key against the file and the database; a record added since then still
        # can't slip in: the unique index on refuse-mode keys refuses it when the keys are stored (same 409, same names)
        skips |= _PREVIEW_SKIPS
    with rt.db.transaction() as conn:
        if job["status"] != "done":
            conn.execute(sa.update(import_jobs).where(import_jobs.c.id == job_id).values(
                status="committing", options=options, updated_at=rt.clock.now()))
        counts = _counts(conn, job_id)
    total = counts.get(VALID, 0) + counts.get(COMMITTED, 0) + counts.get(REFUSED, 0)
    done = counts.get(COMMITTED, 0) + counts.get(REFUSED, 0)
    batch_no = 0
    while True:
        batch_no += 1
        try:
            count = _commit_batch(rt, actor, app_key, form_key, job, batch_size, skips, batch_no, before_commit, savepoints=False)
        except FormflowError:  # a row went bad since the preview (a new duplicate...): again, row by row
            count = _commit_batch(rt, actor, app_key, form_key, job, batch_size, skips, batch_no, before_commit, savepoints=True)
        if not count:
            break
        done += count
        if progress:
            progress(done, total)
    with rt.db.transaction() as conn:
        conn.execute(sa.update(import_jobs).where(import_jobs.c.id == job_id).values(
            status="done", counts=_counts(conn, job_id), updated_at=rt.clock.now()))
        if done:
            refresh_statistics(conn)  # many new rows: the planner's picture of the form is out of date
        form = compiled_form(rt, conn, app_key, form_key)
        return _job_dict(conn, form, _job_row(conn, form, job_id))


def _commit_batch(rt, actor, app_key, form_key, job, batch_size, skips, batch_no, before_commit, *, savepoints: bool) -> int:
    """The next valid rows of the job as records, in one transaction; how many rows it settled (0: none left)."""
    with rt.db.transaction() as conn:
        # the job row is locked first: two commits of the same job take turns instead of importing a batch twice
        conn.execute(sa.select(import_jobs.c.id).where(import_jobs.c.id == job["id"]).with_for_update())
        batch = conn.execute(sa.select(import_rows.c.id, import_rows.c.cleaned)
                             .where(import_rows.c.job_id == job["id"], import_rows.c.state == VALID)
                             .order_by(import_rows.c.id).limit(batch_size)).all()
        if not batch:
            return 0
        if savepoints:
            marks = [_commit_row(rt, actor, app_key, form_key, job, conn, rid, values, skips) for rid, values in batch]
        else:  # the whole batch through the batch write path; a row refused by its checks is refused alone
            created = record_service.create_records(rt, actor, app_key, form_key, [values for _, values in batch], conn=conn,
                                                    skip_stages=skips)
            marks = [_mark(rt, conn, app_key, form_key, job, rid, result) for (rid, _), result in zip(batch, created)]
        _update_rows(conn, marks)  # same transaction as the records: a crash loses both or neither
        if before_commit:
            before_commit(batch_no)
    return len(batch)


def _commit_row(rt, actor, app_key, form_key, job, conn, rid, values, skips) -> dict:
    """One row as a record in its own savepoint (the slow path, after a batch failed past its checks)."""
    try:
        with conn.begin_nested():
            record = record_service.create_record(rt, actor, app_key, form_key, values, conn=conn, skip_stages=skips)
    except FormflowError as exc:
        return _mark(rt, conn, app_key, form_key, job, rid, exc)
    return _mark(rt, conn, app_key, form_key, job, rid, record)


def _mark(rt, conn, app_key, form_key, job, rid, result) -> dict:
    """The new state of an import row: committed with its record, or refused with the reasons."""
    if not isinstance(result, FormflowError):
        return {"id": rid, "state": COMMITTED, "record_id": result["id"], "errors": None}
    items = result.errors or [row_problems.whole_refusal(result)]
    form = compiled_form(rt, conn, app_key, form_key)
    return {"id": rid, "state": REFUSED, "record_id": None,
            "errors": [row_problems.problem(form, job["header"], job["mapping"], e.field_id, e) for e in items]}


def automation_stages() -> frozenset:
    """The write-path stages an import without automations leaves out: automations and timed workflows."""

    return frozenset({automations.before_save_stage, automations.after_save_stage, planner.plan_after_save})


#: left out of the preview's validation: the duplicate check runs set-based over the whole file instead
_PREVIEW_SKIPS = frozenset({dedup.check_before_save})


# -- refused rows ----------------------------------------------------------------------

def refused_rows(rt: Runtime, actor: Actor, app_key: str, form_key: str, job_id: int,
                 locale: str | None = None) -> Iterable[list[str]]:
    """The rows not imported (invalid, duplicate, refused at commit) as spreadsheet rows: line, state, reason, then the
    file's cells; titles, states and reasons in ``locale`` (None: English), the file's own titles and cells as they are."""
    with rt.db.read() as conn:
        form, job = _job(rt, conn, actor, app_key, form_key, job_id)
    yield [i18n.render(f"import.refused.{name}", locale) for name in ("line", "state", "reason")] + list(job["header"])
    last = 0
    while True:
        with rt.db.read() as conn:
            rows = conn.execute(sa.select(import_rows.c.id, import_rows.c.line, import_rows.c.state, import_rows.c.errors, import_rows.c.cells)
                                .where(import_rows.c.job_id == job_id, import_rows.c.state.in_((INVALID, DUPLICATE, REFUSED)),
                                       import_rows.c.id > last).order_by(import_rows.c.id).limit(1000)).all()
        if not rows:
            return
        for _, line, state, errors, cells in rows:
            reason = row_problems.row_reason(errors or [], locale)
            yield [str(line), i18n.render(f"import.state.{state}", locale), reason] + ["" if c is None else str(c) for c in cells]
        last = rows[-1][0]


reason_text = row_problems.reason_text  # the CLI's name for it


def refused_csv(rt: Runtime, actor: Actor, app_key: str, form_key: str, job_id: int,
                locale: str | None = None) -> Iterable[str]:
    """``refused_rows`` as CSV text chunks (UTF-8 BOM first, formulas neutralized); the job is looked up (and
    refused) before the first chunk."""
    return csv_chunks(refused_rows(rt, actor, app_key, form_key, job_id, locale))


# -- helpers ----------------------------------------------------------------------

def _job(rt, conn, actor: Actor, app_key: str, form_key: str, job_id: int):

    form = compiled_form(rt, conn, app_key, form_key)
    record_service.check_access(rt, conn, actor, form, "create", {"owner_id": actor.user_id})
    job = _job_row(conn, form, job_id)
    if job["created_by"] != actor.user_id and not privileged(actor):
        raise PermissionDenied(f"import {job_id} belongs to someone else", path="/import",
                               message_code="error.import.someone_else", params={"id": job_id})
    return form, job


def _job_row(conn, form, job_id: int):
    row = conn.execute(sa.select(import_jobs).where(import_jobs.c.id == job_id, import_jobs.c.form_id == form.form_id)).mappings().first()
    if row is None:
        raise NotFound(f"no import {job_id} for form {form.key!r}", path="/import",
                       message_code="error.import.no_such_job", params={"id": job_id, "form": repr(form.key)})
    return row


def _counts(conn, job_id: int) -> dict[str, int]:
    return dict(Counter({state: n for state, n in conn.execute(
        sa.select(import_rows.c.state, sa.func.count()).where(import_rows.c.job_id == job_id).group_by(import_rows.c.state))}))


def _job_dict(conn, form, job, *, columns: bool = True) -> dict:
    counts = _counts(conn, job["id"])
    total = sum(counts.values())
    to_commit = counts.get(VALID, 0) + counts.get(COMMITTED, 0) + counts.get(REFUSED, 0)
    out = {"id": job["id"], "app": form.app_key, "form": form.key, "filename": job["filename"], "format": job["file_format"],
           "encoding": job["encoding"], "file_sha256": job["file_sha256"], "status": job["status"], "options": job["options"],
           "mapping": job["mapping"], "rows": total, "counts": counts,
           "progress": {"done": counts.get(COMMITTED, 0) + counts.get(REFUSED, 0), "total": to_commit},
           "created_by": job["created_by"], "created_at": job["created_at"].isoformat(), "updated_at": job["updated_at"].isoformat()}
    if columns:
        out["columns"] = mapping_area.describe(form, job["header"], job["mapping"])
        out["not_imported"] = [c["header"] for c in out["columns"] if c["field"] is None]  # said loudly before the import
        out["unmapped_required"] = [{"field_id": fid, "label": field_label(form.by_id[fid]), "labels": form.labels(fid)}
                                    for fid in mapping_area.unmapped_required(form, job["mapping"])]
    return out
