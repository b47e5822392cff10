"""Duplicate check (查重): a form feature that refuses or flags records matching an existing one.

A form opts in with ``settings.duplicate_check``::

    {"mode": "refuse" | "flag", "flag_field": "<field id>",       # flag_field only in flag mode, optional
     "rules": [{"key": "name", "label": {...}, "fields": ["name"], "normalize": "company_name"}, ...]}

Each rule turns a record into one match key: its fields' values, each passed
through the rule's normalizer (registered by name in ``NORMALIZERS``), joined.
Keys live in ``dedup_keys`` so a lookup is one index probe per key. The check
runs before save (an assertion stage: a clear 409 naming the colliding record)
and again when the keys are stored after save, where the unique index on
"refuse" keys makes the loser of two simultaneous submits fail the same way.
On PostgreSQL a refuse-mode create in its own transaction skips the first: its
insert stores the keys and counts those another live record holds, and the
create is refused and rolled back from there.

What a collision tells the caller passes their read gate (``shown``): the
colliding record is named (id, title) only when it is in their read scope and
the matched fields are visible to them; otherwise the answer says only that
the value is taken. A value of a field hidden from the caller is never looked
up for them (the check refuses it, as the submit does), so "taken" is no
oracle for hidden values either.
"""
from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as sa_postgresql, sqlite as sa_sqlite

from engine import i18n
from engine.bilingual_text import quoted
from engine.errors import Conflict, ErrorItem, ValidationFailed
from engine.fields import FIELD_TYPES
from engine.fields.base import field_label, field_labels
from engine.pipeline import Feature
from engine.services.titles import record_title
from engine.storage.app_template_tables import dedup_keys
from engine.storage.tables import form_versions, forms, records
from engine.dedup_normalizers import NORMALIZERS, Normalizer  # noqa: F401  (re-exported)
from engine.dedup_setting import MAX_RULES, MODES, check_setting  # noqa: F401  (re-exported)
from engine.definitions import CompiledForm
from engine.services.form_lookup import compiled_form
from engine.services.records import check_access, hidden_fields, row_scopes

#: longest stored key; longer keys are stored as their SHA-256
MAX_KEY_LENGTH = 200
#: most matches reported for one check
MAX_MATCHES = 10
# which field types a rule may match on (``dedup_matchable``) and which may be a flag field (``dedup_flag``: a
# reference to the same form holds the record it duplicates, a boolean true, a text the message) is the types' own fact


# -- the compiled setting ------------------------------------------------------

@dataclass(frozen=True)
class MatchRule:
    key: str
    label: Any
    fields: tuple[str, ...]
    normalizer: Normalizer
    #: the definitions of ``fields``, in order: each value's normal form is its type's ``dedup_key``
    definitions: tuple[dict, ...] = ()

    def match_key(self, values: dict) -> str | None:
        parts = []
        for fid, f in zip(self.fields, self.definitions or [{"id": fid, "type": "text"} for fid in self.fields]):
            normalized = FIELD_TYPES.get(f["type"]).dedup_key(values.get(fid), f, self.normalizer.normalize)
            if not normalized:
                return None
            parts.append(normalized)
        key = "\x1f".join(parts)
        if len(key) > MAX_KEY_LENGTH:
            key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
        return key


@dataclass(frozen=True)
class DuplicateCheck:
    mode: str
    rules: tuple[MatchRule, ...]
    flag_field: str | None = None

    @functools.cached_property  # frozen, but with a __dict__: worked out once per compiled check
    def fields(self) -> tuple[str, ...]:
        """Every field a rule reads, once each."""
        return tuple(dict.fromkeys(fid for rule in self.rules for fid in rule.fields))

    def keys(self, values: dict) -> dict[str, str]:
        """rule key -> match key, for the rules this record has every value of."""
        out = {}
        for rule in self.rules:
            key = rule.match_key(values)
            if key is not None:
                out[rule.key] = key
        return out


def compile_setting(definition: dict) -> DuplicateCheck | None:
    setting = (definition.get("settings") or {}).get("duplicate_check")
    if not setting or setting.get("enabled") is False:
        return None
    fields = {f["id"]: f for f in definition.get("fields", [])}
    rules = tuple(MatchRule(r["key"], r.get("label") or r["key"], tuple(r["fields"]), NORMALIZERS.get(r.get("normalize", "text")),
                            tuple(fields.get(fid) or {"id": fid, "type": "text"} for fid in r["fields"]))
                  for r in setting["rules"])
    return DuplicateCheck(setting.get("mode", "refuse"), rules, setting.get("flag_field"))


def for_form(form) -> DuplicateCheck | None:
    """The compiled duplicate check of a CompiledForm (compiled once per version into ``duplicate_check``; a form
    built outside the pipeline, as a re-index builds one, gets it compiled on the spot)."""
    return form.duplicate_check if form.features_compiled else compile_setting(form.definition)


def _compile(rt, conn, form) -> DuplicateCheck | None:
    return compile_setting(form.definition)


# -- matching ------------------------------------------------------------------

class DuplicateRecord(Conflict):
    """A record collides with an existing one under a refuse-mode rule (409)."""

    code = "duplicate"

    def to_dict(self, locale: str | None = None) -> dict[str, Any]:
        """The answer in ``locale``: a duplicate not named says "taken" in the reader's language too (``taken_texts``)."""
        body = super().to_dict(locale)
        texts = self.details.get("taken_texts")
        body.pop("taken_texts", None)
        if texts and "duplicates" in body:
            loc = i18n.normalize_locale(locale)
            body["duplicates"] = [{**m, "message": t.get(loc) or t[i18n.DEFAULT_LOCALE]} if t and "message" in m else m
                                  for m, t in zip(body["duplicates"], texts)]
        return body


def find_matches(conn, form, check: DuplicateCheck, keys: dict[str, str], exclude: int | None = None,
                 hidden: set[str] = frozenset()) -> list[dict]:
    """Live records sharing any of ``keys``: [{record_id, title, rule, rule_label, fields}], one per record and rule."""
    if not keys:
        return []
    params = {"form_id": form.form_id, "exclude": exclude}
    for i, (rule, key) in enumerate(keys.items()):
        params[f"rule_{i}"], params[f"key_{i}"] = rule, key
    by_key = {r.key: r for r in check.rules}
    return [_match(form, by_key[rule], rid, data, hidden)
            for rule, rid, data in conn.execute(_matches_query(len(keys), exclude is not None), params).all() if rule in by_key]


#: (number of keys, excluding a record?) -> the match query, built once (the save path runs it on every create)
_MATCH_QUERIES: dict[tuple[int, bool], sa.Select] = {}


def _matches_query(count: int, excluding: bool) -> sa.Select:
    """One index probe per key, on (form_id, rule, key) whole: a chain of ORs under ``form_id = ?`` is planned, on a
    table whose statistics are older than its growth, as a walk of every key of the form."""
    query = _MATCH_QUERIES.get((count, excluding))
    if query is None:
        probes = [sa.select(dedup_keys.c.rule, dedup_keys.c.record_id).where(
            dedup_keys.c.form_id == sa.bindparam("form_id"), dedup_keys.c.rule == sa.bindparam(f"rule_{i}"),
            dedup_keys.c.key == sa.bindparam(f"key_{i}")) for i in range(count)]
        held = (probes[0] if count == 1 else sa.union_all(*probes)).subquery("held")
        query = (sa.select(held.c.rule, records.c.id, records.c.data)
                 .join(records, records.c.id == held.c.record_id)
                 .where(records.c.deleted_at.is_(None))
                 .order_by(records.c.id, held.c.rule).limit(MAX_MATCHES))
        if excluding:
            query = query.where(held.c.record_id != sa.bindparam("exclude"))
        query = _MATCH_QUERIES.setdefault((count, excluding), query)
    return query


def _match(form, rule, record_id: int, data: dict, hidden: set[str]) -> dict:
    """One colliding record, as find_matches and check_batch report it (``rule``: the DuplicateRule it shares a key by)."""
    return {"record_id": record_id, "title": record_title(form, record_id, data, hidden=hidden), "rule": rule.key,
            "rule_label": rule.label, "fields": list(rule.fields)}


def duplicate_error(form, matches: list[dict]) -> DuplicateRecord:
    """The 409 of a refused duplicate; a match ``shown`` without its record says only that the value is taken."""
    first = matches[0]
    # the form and the rule by their names, each in the reader's language ({"en", "zh-CN"} maps)
    named, label = form.definition.get("label") or form.key, first["rule_label"] or first["rule"]
    items = []
    for m in matches:
        fid = m["fields"][0]
        where = dict(path=f"/data/{fid}", field_id=fid, label=field_labels(form.by_id.get(fid, {"id": fid})), code="duplicate")
        if m.get("record_id") is None:
            items.append(ErrorItem.coded("error.dedup.taken_by_rule", **where, extra={"rule": m["rule"]},
                                         taken=_taken(form, m["fields"]), rule=quoted(m["rule_label"] or m["rule"])))
        else:
            items.append(ErrorItem.coded("error.dedup.same_as_record", **where,
                                         extra={"record_id": m["record_id"], "title": m["title"], "rule": m["rule"]},
                                         id=m["record_id"], title=repr(m["title"]), rule=quoted(m["rule_label"] or m["rule"])))
    if first.get("record_id") is None:
        params = {"form": named, "taken": _taken(form, first["fields"]), "rule": label}
        return DuplicateRecord(i18n.render("error.dedup.duplicates_existing", "en", params), items, duplicates=matches,
                               taken_texts=_taken_texts(form, matches), message_code="error.dedup.duplicates_existing", params=params)
    params = {"form": named, "id": first["record_id"], "title": repr(first["title"]), "rule": label}
    return DuplicateRecord(i18n.render("error.dedup.duplicates_record", "en", params), items, duplicates=matches,
                           taken_texts=_taken_texts(form, matches), message_code="error.dedup.duplicates_record", params=params)


def _taken(form, fields) -> dict[str, str]:
    """``taken_message`` in every language (the fields' labels in each)."""
    return {loc: i18n.render("error.dedup.taken", loc, {"fields": i18n.render("error.dedup.and", loc, {}).join(
        field_label(form.by_id.get(fid, {"id": fid}), loc) for fid in fields)}) for loc in i18n.LOCALES}


def _taken_texts(form, matches: list[dict]) -> list[dict[str, str] | None]:
    """Per match, what ``message`` says in every language (None: a named record, no message)."""
    return [_taken(form, m["fields"]) if m.get("message") else None for m in matches]


def taken_message(form, fields, locale: str | None = None) -> str:
    """What a caller who may not see the colliding record is told: only that the value is taken, in ``locale``
    (None: English), the fields by their labels in that language (catalogue: error.dedup.taken)."""
    loc = i18n.normalize_locale(locale)
    return _taken(form, fields).get(loc) or _taken(form, fields)[i18n.DEFAULT_LOCALE]


def shown(rt, conn, actor, form, matches: list[dict], readable: set[int] | None = None, locale: str | None = None) -> list[dict]:
    """``matches`` as ``actor`` may see them: the colliding record's id and title only when it is in their read scope and
    every matched field is visible to them; else ``record_id`` and ``title`` are None and ``message`` says the value is
    taken, in ``locale`` (None: English). ``readable``: the matched ids in their scope, when the caller has them already
    (a batch)."""
    if not matches:
        return []
    hidden = _hidden(rt, conn, actor, form)
    if readable is None:
        readable = readable_ids(rt, conn, actor, form, {m["record_id"] for m in matches})
    out = []
    for m in matches:
        if m["record_id"] in readable and not hidden & set(m["fields"]):
            out.append(m)
        else:
            out.append({**m, "record_id": None, "title": None, "message": taken_message(form, m["fields"], locale)})
    return out


def readable_ids(rt, conn, actor, form, ids) -> set[int]:
    """Which of ``ids`` (records of ``form``) the actor's read scope covers: one query, the scope in SQL."""

    ids = {i for i in ids if isinstance(i, int)}
    clauses = row_scopes(rt, conn, actor, form)
    if not ids or not clauses:
        return ids
    return set(conn.execute(sa.select(records.c.id).where(records.c.id.in_(sorted(ids)), *clauses)).scalars())


def normalized_input(form, data: dict) -> dict:
    """Field values as the record store would keep them (phone, email...), best effort: bad values are skipped."""
    out = {}
    for key, value in (data or {}).items():
        f = form.by_id.get(key) or form.by_name.get(key)
        if f is None or value is None:
            continue
        try:
            out[f["id"]] = FIELD_TYPES.get(f["type"]).normalize(value, f) if not FIELD_TYPES.get(f["type"]).engine_set else value
        except (ValueError, ArithmeticError, AttributeError, TypeError):
            continue
    return out


# -- the record-write stages -------------------------------------------------------

def check_before_save(w) -> None:
    """Assertion stage: refuse (409) or flag a record whose changed keys collide with another record's."""
    check = for_form(w.form)
    if check is None or w.action not in ("create", "update") or w.errors:
        return
    if _checked_by_insert(w, check):
        return
    keys = _keys(w, check)
    if w.action == "update":  # only what changed: an untouched old pair of duplicates doesn't block other edits
        before = check.keys(w.before or {})
        keys = {rule: key for rule, key in keys.items() if before.get(rule) != key}
    matches = find_matches(w.conn, w.form, check, keys, exclude=w.record_id, hidden=_hidden(w.rt, w.conn, w.actor, w.form))
    _act_on(w, check, matches)


def _checked_by_insert(w, check: DuplicateCheck) -> bool:
    """A refuse-mode create in a transaction of its own (``w.trusted``) whose insert stores its keys is checked by that
    insert (``record_rows.with_audit``: keys held by another live record are counted there) and refused by
    ``store_keys``, the transaction rolled back: no statement of its own before the save. A flag-mode check must know
    its matches before the save (the flag is saved with the record); a create in a caller's transaction must not have
    saved anything when it is refused."""
    return check.mode == "refuse" and w.action == "create" and w.trusted and bool(keys_for_insert(w))


def _keys(w, check: DuplicateCheck) -> dict[str, str]:
    """The write's keys (``DuplicateCheck.keys``), worked out once for the check, the insert and the stored keys; again
    only when a value they read changed meanwhile (a computed value, a before-save automation)."""
    basis = tuple(w.values.get(fid) for fid in check.fields)
    if w.duplicate_basis != basis:
        w.duplicate_keys, w.duplicate_basis = check.keys(w.values), basis
    return w.duplicate_keys


def _act_on(w, check: DuplicateCheck, matches: list[dict], readable: set[int] | None = None) -> None:
    if not matches:
        return
    seen = shown(w.rt, w.conn, w.actor, w.form, matches, readable)
    if check.mode == "refuse":
        raise duplicate_error(w.form, seen)
    w.duplicates = seen
    if check.flag_field:
        # the flag is for whoever reviews duplicates; a text flag names the record only as the writer may see it
        f = w.form.by_id[check.flag_field]
        first = seen[0]
        text = f"#{first['record_id']} {first['title']}" if first["record_id"] is not None else first["message"]
        w.values[check.flag_field] = FIELD_TYPES.get(f["type"]).dedup_flag_value(matches[0]["record_id"], text)


def check_batch(writes) -> None:
    """``check_before_save`` of a batch of creates: every key of the batch matched against live records in one query.

    Keys shared by rows of the batch itself are ``batch_dependency``'s: the later row is checked again once the earlier is saved.
    """
    first = writes[0]
    check = for_form(first.form)
    if check is None:
        return
    todo = [w for w in writes if w.action == "create" and not w.errors]
    for w in todo:
        w.duplicate_keys = check.keys(w.values)
    held = existing_keys(first.conn, first.form, {pair for w in todo for pair in w.duplicate_keys.items()})
    hidden = _hidden(first.rt, first.conn, first.actor, first.form)
    readable = readable_ids(first.rt, first.conn, first.actor, first.form, {rid for pairs in held.values() for rid, _ in pairs})
    by_key = {r.key: r for r in check.rules}
    for w in todo:
        found = sorted(((rid, rule, data) for rule, key in w.duplicate_keys.items() for rid, data in held.get((rule, key), ())),
                       key=lambda m: (m[0], m[1]))
        matches = [_match(w.form, by_key[rule], rid, data, hidden) for rid, rule, data in found[:MAX_MATCHES]]
        try:
            _act_on(w, check, matches, readable)
        except DuplicateRecord as exc:
            w.failure = exc


def batch_dependency(writes) -> int | None:
    """The first create of a checked batch holding a key an earlier one of the batch will store (its error names that record)."""
    if not writes or check_before_save in writes[0].skip:
        return None
    check = for_form(writes[0].form)
    if check is None:
        return None
    stored: set[tuple[str, str]] = set()
    for i, w in enumerate(writes):
        if any(pair in stored for pair in w.duplicate_keys.items()):
            return i
        stored |= set(check.keys(w.values).items())
    return None


def existing_keys(conn, form, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], list[tuple[int, dict]]]:
    """(rule, key) -> [(record id, data)] of the live records of the form holding it, oldest first.

    One query per rule and 500 keys: ``rule = ? AND key IN (...)`` is an index range scan on both databases (a list of
    (rule, key) pairs is planned as a chain of ORs on PostgreSQL).
    """
    found: dict[tuple[str, str], list[tuple[int, dict]]] = {}
    by_rule: dict[str, list[str]] = {}
    for rule, key in sorted(wanted):
        by_rule.setdefault(rule, []).append(key)
    for rule, keys in by_rule.items():
        for i in range(0, len(keys), 500):
            rows = conn.execute(_EXISTING_KEYS, {"form_id": form.form_id, "rule": rule, "keys": keys[i:i + 500]}).all()
            for key, rid, data in rows:
                found.setdefault((rule, key), []).append((rid, data))
    return found


_EXISTING_KEYS = (sa.select(dedup_keys.c.key, records.c.id, records.c.data)
                  .join(records, records.c.id == dedup_keys.c.record_id)
                  .where(dedup_keys.c.form_id == sa.bindparam("form_id"), dedup_keys.c.rule == sa.bindparam("rule"),
                         dedup_keys.c.key.in_(sa.bindparam("keys", expanding=True)), records.c.deleted_at.is_(None))
                  .order_by(records.c.id))


def store_keys(w) -> None:
    """After-save stage: keep the record's keys current; the unique index settles simultaneous submits."""
    check = for_form(w.form)
    if check is None or w.record_id is None:
        return
    if w.action == "delete":
        w.conn.execute(sa.delete(dedup_keys).where(dedup_keys.c.record_id == w.record_id))
        return
    keys = _keys(w, check)
    if w.keys_unique is not None:  # stored by the record's insert (``keys_for_insert``): all, and no other record's?
        if w.keys_unique < len(keys):
            _refuse_taken(w.conn, w.form, check, w.record_id, keys, seen_by=(w.rt, w.actor))
        return
    if w.action == "update" and keys == check.keys(w.before or {}):
        return
    if w.action != "create":  # a new record has no keys yet
        w.conn.execute(sa.delete(dedup_keys).where(dedup_keys.c.record_id == w.record_id))
    write_keys(w.conn, w.form, check, w.record_id, keys, seen_by=(w.rt, w.actor))


def keys_for_insert(w) -> dict:
    """PostgreSQL: a new record's keys, for its insert to store (``record_rows.with_audit(keyed=True)``), so the save
    spends no statement of its own on them and ``store_keys`` only checks they all were. Empty (``store_keys`` stores
    them itself, as before) on SQLite, in a write that leaves stages out, when after-save automations run first, and
    when a rule reads a serial number (the insert takes it)."""
    check = for_form(w.form)
    if check is None or w.action != "create" or w.skip or w.conn.dialect.name != "postgresql" or not _keys_known_before_insert(w.form, check):
        return {}
    keys = _keys(w, check)
    exclusive = True if check.mode == "refuse" else None
    return {"dedup_keys": [{"rule": rule, "key": key, "exclusive": exclusive} for rule, key in keys.items()]} if keys else {}


def _keys_known_before_insert(form, check: DuplicateCheck) -> bool:
    """No after-save automation of ``form`` runs before the keys are stored, and no rule reads a serial field (per version)."""
    known = form.memo.get("dedup_keys_before_insert")
    if known is None:
        ruled = {fid for rule in check.rules for fid in rule.fields}
        known = form.memo["dedup_keys_before_insert"] = not (
            any(auto.action.phase == "after_save" for auto in form.automations or ())
            or any(FIELD_TYPES.get(form.by_id[fid]["type"]).numbered for fid in ruled if fid in form.by_id))
    return known


def store_keys_batch(writes) -> None:
    """``store_keys`` of a batch of new records: one insert; on a collision, record by record to name the colliding one."""
    first = writes[0]
    check = for_form(first.form)
    if check is None:
        return
    exclusive = True if check.mode == "refuse" else None
    rows = [{"form_id": first.form.form_id, "rule": rule, "key": key, "record_id": w.record_id, "exclusive": exclusive}
            for w in writes for rule, key in check.keys(w.values).items()]
    if not rows:
        return
    conn = first.conn
    try:
        with conn.begin_nested():  # one statement, the rows as one JSON document: not one per key
            conn.execute(_INSERT_KEYS_FROM_JSON[conn.dialect.name], {"rows": json.dumps(rows)})
    except sa.exc.IntegrityError:
        for w in writes:
            write_keys(w.conn, w.form, check, w.record_id, check.keys(w.values), seen_by=(w.rt, w.actor))


_INSERT_KEYS_FROM_JSON = {
    "postgresql": sa.text(
        "INSERT INTO dedup_keys (form_id, rule, key, record_id, exclusive) SELECT form_id, rule, key, record_id, exclusive "
        "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS k(form_id integer, rule text, key text, record_id integer, exclusive boolean)"),
    # JSON true comes out of json_extract as 1, null as NULL: what the Boolean column holds
    "sqlite": sa.text(
        "INSERT INTO dedup_keys (form_id, rule, key, record_id, exclusive) SELECT json_extract(value, '$.form_id'), "
        "json_extract(value, '$.rule'), json_extract(value, '$.key'), json_extract(value, '$.record_id'), "
        "json_extract(value, '$.exclusive') FROM json_each(:rows)"),
}


#: an insert that skips a colliding key instead of failing and returns what it stored: one statement (the rows of one
#: record are sent together), no savepoint around it; built once
_SKIPPING_INSERT = {name: dialect.insert(dedup_keys).on_conflict_do_nothing().returning(dedup_keys.c.rule)
                    for name, dialect in (("postgresql", sa_postgresql), ("sqlite", sa_sqlite))}


def _keys_stored(conn, rows: list[dict]) -> bool:
    """Insert ``rows``; False when a key is already held (the unique index decides, also between simultaneous saves).

    PostgreSQL and SQLite skip the colliding row (``ON CONFLICT DO NOTHING``) and return the rows they stored, so the
    transaction stays usable to name the winner; another dialect gets a savepoint around a plain insert."""
    insert = _SKIPPING_INSERT.get(conn.dialect.name)
    if insert is not None:
        stored = conn.execute(insert, rows).all()
        return len(stored) == len(rows)
    try:
        with conn.begin_nested():
            conn.execute(sa.insert(dedup_keys), rows)
    except sa.exc.IntegrityError:
        return False
    return True


def write_keys(conn, form, check: DuplicateCheck, record_id: int, keys: dict[str, str], *, seen_by: tuple | None = None) -> None:
    """Store a record's keys; a collision raises the duplicate error, ``shown`` to ``seen_by`` = (runtime, actor) when given."""
    if not keys:
        return
    exclusive = True if check.mode == "refuse" else None
    rows = [{"form_id": form.form_id, "rule": rule, "key": key, "record_id": record_id, "exclusive": exclusive}
            for rule, key in keys.items()]
    if not _keys_stored(conn, rows):
        _refuse_taken(conn, form, check, record_id, keys, seen_by=seen_by)


def _refuse_taken(conn, form, check: DuplicateCheck, record_id: int, keys: dict[str, str], *, seen_by: tuple | None) -> None:
    """A key of ``keys`` is held by another record: the duplicate error, naming it."""
    hidden = _hidden(seen_by[0], conn, seen_by[1], form) if seen_by is not None else frozenset()
    matches = find_matches(conn, form, check, keys, exclude=record_id, hidden=hidden)
    if matches and seen_by is not None:
        matches = shown(seen_by[0], conn, seen_by[1], form, matches)
    raise duplicate_error(form, matches or [{"record_id": 0, "title": "?", "rule": next(iter(keys)),
                                             "rule_label": next(iter(keys)), "fields": list(check.rules[0].fields)}]) from None


def reindex_form(conn, form) -> int:
    """Recompute every live record's keys (after the rules change); returns how many records have keys."""
    check = compile_setting(form.definition)
    conn.execute(sa.delete(dedup_keys).where(dedup_keys.c.form_id == form.form_id))
    if check is None:
        return 0
    count = 0
    exclusive = True if check.mode == "refuse" else None
    seen: set[tuple[str, str]] = set()
    rows = []
    for rid, data in conn.execute(sa.select(records.c.id, records.c.data).where(
            records.c.form_id == form.form_id, records.c.deleted_at.is_(None)).order_by(records.c.id)):
        keys = check.keys(data)
        count += bool(keys)
        for rule, key in keys.items():
            # existing duplicates from before the rule can't all hold an exclusive key: the oldest does
            excl = exclusive if (rule, key) not in seen else None
            seen.add((rule, key))
            rows.append({"form_id": form.form_id, "rule": rule, "key": key, "record_id": rid, "exclusive": excl})
    for i in range(0, len(rows), 500):
        conn.execute(sa.insert(dedup_keys), rows[i:i + 500])
    return count


# -- services -----------------------------------------------------------------------

def check_duplicates(rt, actor, app_key: str, form_key: str, data: dict, record_id: int | None = None,
                     locale: str | None = None) -> dict:
    """What the form calls before save: which live records the given values collide with (what is said in ``locale``)."""


    with rt.db.read() as conn:
        form = compiled_form(rt, conn, app_key, form_key)
        check_access(rt, conn, actor, form, "create", {"owner_id": None})  # a check is the first half of a submit
        check = for_form(form)
        if check is None:
            return {"enabled": False, "mode": None, "matches": []}
        values = normalized_input(form, data)
        hidden = _hidden(rt, conn, actor, form)
        refused = [ErrorItem.coded("error.dedup.not_writable", path=f"/data/{fid}", field_id=fid, code="forbidden_field",
                                   label=field_labels(form.by_id[fid])) for fid in sorted(values) if fid in hidden]
        if refused:  # as the submit would: a hidden field's value is never looked up for the caller
            raise ValidationFailed("values for fields your role may not see can't be checked", refused,
                                   message_code="error.dedup.hidden_values")
        # rules over a field hidden from the caller take no part at all (their values are never theirs to match)
        visible = DuplicateCheck(check.mode, tuple(r for r in check.rules if not hidden & set(r.fields)), check.flag_field)
        keys = visible.keys(values)
        matches = find_matches(conn, form, visible, keys, exclude=record_id, hidden=hidden)
        return {"enabled": True, "mode": check.mode, "matches": shown(rt, conn, actor, form, matches, locale=locale)}


def _hidden(rt, conn, actor, form) -> set[str]:

    return hidden_fields(rt, conn, actor, form)


def _publish_check(rt, conn, app_row, definition, all_definitions) -> list[ErrorItem]:
    """Publish check: the setting is sound; when it changed, every existing record gets its keys recomputed."""
    errors = check_setting(definition)
    if errors:
        return errors

    row = conn.execute(sa.select(forms.c.id, forms.c.published_version).where(
        forms.c.app_id == app_row["id"], forms.c.key == definition["key"])).first()
    if row is None:
        return []
    old = None
    if row.published_version:
        old = conn.execute(sa.select(form_versions.c.definition).where(
            form_versions.c.form_id == row.id, form_versions.c.version == row.published_version)).scalar_one()
    if (old or {}).get("settings", {}).get("duplicate_check") != (definition.get("settings") or {}).get("duplicate_check"):
        # runs inside the publish transaction: a later refusal rolls this back too
        reindex_form(conn, CompiledForm(form_id=row.id, key=definition["key"], app_key=app_row["key"], version=0, definition=definition))
    return []


#: this module's part in forms and writes (listed in ``engine.features``)
FEATURE = Feature("dedup", artefact="duplicate_check", compile=_compile, check_publish=_publish_check,
                  assertions=check_before_save, assertions_batch=check_batch, after_save=store_keys,
                  after_save_batch=store_keys_batch, batch_dependency=batch_dependency)
