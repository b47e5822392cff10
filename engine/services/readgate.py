"""The read gate: the one answer to "what may this actor see of this form".

``read_view(rt, conn, actor, form)`` gives a :class:`ReadView`: the row scope (SQL clauses on ``records``), the check
of one record (404 outside the scope, 403 without any read right) and the fields the actor may not see. Every path
that reveals record data (record reads, lists and their filters, sorts and search, exports, dashboards, history,
previews, attachments...) asks it, directly or through ``engine.services.records`` (``check_access``,
``hidden_fields``, ``row_scopes``, ``readable``).

Hidden fields are the role's field rights (``engine.services.permissions``) plus **derived sensitivity**: a computed
field (its formula), a fetched field (``fetch``: the reference and the referenced form's field) and a roll-up (the
source form's reference, aggregated field and filter) are hidden when anything they are made from is hidden from the
actor, on this form or on the form the value comes from, transitively (a formula over a roll-up of a hidden amount);
a field of a form the actor may not read at all counts as hidden to the fields derived from it elsewhere. A role
whose rights name the derived field itself at "read" or "write" sees it anyway: that is the admin's explicit grant.

Views are cached per (connection, actor, form version), like ``permissions.form_access``, and cost what one form's
rights cost: two statements, also for a form whose derived fields read other forms (the app's published versions come
with the grants: ``permissions.app_forms_access``). What each derived field reads is worked out once per compiled form.

Not covered by the principle (stated so nobody relies on it): a roll-up aggregates every record of its source form,
also those outside the reader's row scope (their fields' visibility is inherited, their rows are not filtered); values
copied by formula defaults or automation steps into ordinary fields are ordinary values from then on.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterable, Mapping

import sqlalchemy as sa

from engine.definitions import CompiledForm
from engine.errors import NotFound, PermissionDenied
from engine.fields import FIELD_TYPES
from engine.fields.base import field_type
from engine.runtime import Actor, Runtime
from engine.services import permissions
from engine.services.form_lookup import compiled_form
from engine.services.record_dicts import record_dict
from engine.services.reference_targets import target_of_field
from engine.fields.relation import APP_SEPARATOR
from engine.fields.special import rollup_source

#: longest chain of references a derived value's source is followed through (formulas follow at most a few)
MAX_SOURCE_DEPTH = 8


@dataclass(frozen=True)
class Source:
    """One thing a derived field is made from: a field of a form (``form`` is the form key)."""

    form: str
    field: str

    def name(self, own_form: str) -> str:
        return self.field if self.form == own_form else f"{self.form}.{self.field}"


@dataclass(frozen=True)
class ReadView:
    """What one actor may see of one form's records."""

    form: CompiledForm = field(compare=False, repr=False)
    actor: Actor
    access: permissions.FormAccess
    hidden: frozenset[str] = frozenset()  # field ids dropped from everything leaving the engine (derived ones included)
    #: derived field id -> the sources it is hidden by (for the designer and the field-access answer)
    inherited: Mapping[str, tuple[Source, ...]] = field(default_factory=dict, compare=False)
    _rt: Any = field(default=None, compare=False, repr=False)
    _conn: Any = field(default=None, compare=False, repr=False)

    @cached_property
    def scope(self) -> tuple:
        """SQL clauses on ``records`` a query must add (empty: every row), built when first asked for."""
        clause = None if self.access.unrestricted else permissions.scope_clause(self.actor, self.access.read)
        more = [c for c in (hook(self._rt, self._conn, self.actor, self.form) for hook in self._rt.pipeline.row_scopes) if c is not None]
        return tuple(([clause] if clause is not None else []) + more)

    def check(self, conn: sa.Connection, row: Mapping | None) -> None:
        """Refuse reading ``row`` (None: the form as a whole): 403 without a read right, 404 outside the row scope."""
        access = self.access
        if access.unrestricted:
            return
        if access.read == "none":
            raise PermissionDenied(f"your role may not read records of {self.form.app_key}/{self.form.key}",
                                   message_code="error.access.read", params={"form": f"{self.form.app_key}/{self.form.key}"})
        if row is not None and not permissions.in_scope(conn, self.actor, access.read, row["owner_id"]):
            # another user's record looks exactly like a missing one: no probing ids
            raise NotFound(f"record {row['id']} does not exist in form {self.form.key!r}", path="/record",
                           message_code="error.record.not_in_form", params={"id": row["id"], "form": repr(self.form.key)})

    def data(self, values: Mapping | None) -> dict:
        """A data dict (field id -> value) without the hidden fields."""
        if not values:
            return dict(values or {})
        if not self.hidden:
            return dict(values)
        return {k: v for k, v in values.items() if k not in self.hidden}

    def record(self, row_or_dict: Mapping) -> dict:
        """The record dict (``records.record_dict``) of a stored row, or a record dict, with the hidden fields dropped."""

        item = dict(row_or_dict) if "form" in row_or_dict else record_dict(row_or_dict, self.form)
        item["data"] = self.data(item.get("data"))
        return item


_CACHE: "weakref.WeakKeyDictionary[sa.Connection, dict]" = weakref.WeakKeyDictionary()


def read_view(rt: Runtime, conn: sa.Connection, actor: Actor, form: CompiledForm) -> ReadView:
    """The actor's view of ``form``; cached per (connection, actor, form version)."""
    if permissions.privileged(actor) and not rt.pipeline.read_filters and not rt.pipeline.row_scopes:
        return ReadView(form, actor, permissions.form_access(rt, conn, actor, form), _rt=rt, _conn=conn)
    cache = _CACHE.setdefault(conn, {})
    key = (actor, form.form_id, form.version)
    view = cache.get(key)
    if view is None:
        for other in _views(rt, conn, actor, form):
            cache.setdefault((actor, other.form.form_id, other.form.version), other)
        view = cache[key]
    return view


def form_field_access(rt: Runtime, actor: Actor, app_key: str, form_key: str, role: str | None = None) -> dict:
    """What each field of a published form is to ``role`` (designers and user admins may ask), or to the caller.

    Per field: ``level`` (hidden / read / write), and for a derived field ``inherits_from`` (what its visibility
    follows: field ids, ``form.field`` on other forms), ``hidden_by`` (those of them hidden, when it is hidden for that
    reason) and ``granted`` (the role names it explicitly, so it does not inherit).
    """

    with rt.db.transaction() as conn:
        form = compiled_form(rt, conn, app_key, form_key)
        if role is None:
            who = actor
            read_view(rt, conn, who, form).check(conn, None)
        else:
            if not (permissions.has_capability(rt, actor, "manage_users", conn) or permissions.has_capability(rt, actor, "design", conn)):
                raise PermissionDenied("your role may not see other roles' rights (needs the 'manage_users' or 'design' capability)",
                                       needed="manage_users",
                                       message_code="error.access.rights_of_roles")
            permissions.role_row(rt, conn, role)  # 404 for an unknown role
            who = Actor(None, f"role:{role}", frozenset({role}))
        return {"app": app_key, "form": form_key, "role": role, "items": field_access(rt, conn, who, form)}


def field_access(rt: Runtime, conn: sa.Connection, actor: Actor, form: CompiledForm) -> list[dict]:
    """Per live field: the actor's level, what a derived field's visibility follows, whether it is granted explicitly."""
    view = read_view(rt, conn, actor, form)
    derivations = derivations_of(form)
    app_forms = permissions.app_forms_access(rt, conn, actor, form).forms if _reads_other_forms(form) else {form.key: form}
    sources = sources_of(form, app_forms)
    out = []
    for f in form.live_fields:
        fid = f["id"]
        level = "hidden" if fid in view.hidden else "read" if FIELD_TYPES.get(f["type"]).engine_set else view.access.level(fid)
        item: dict[str, Any] = {"field_id": fid, "label": f.get("label"), "type": f["type"], "level": level,
                                "derived": fid in derivations}
        if fid in derivations:
            item["inherits_from"] = [s.name(form.key) for s in sources[fid]]
            item["sources"] = [{"form": s.form, "field": s.field, "form_label": _label_of(app_forms.get(s.form)),
                                "label": (app_forms[s.form].by_id.get(s.field) or {}).get("label") if s.form in app_forms else None}
                               for s in sources[fid]]
            item["granted"] = fid in view.access.granted
            item["hidden_by"] = [s.name(form.key) for s in view.inherited.get(fid, ())]
        out.append(item)
    return out


def _label_of(form: CompiledForm | None) -> Any:
    return form.definition.get("label") if form is not None else None


# -- what derived fields are made from (per compiled form) --------------------------------------------------------

Path = tuple[str, tuple[str, ...]]  # (form key the path starts on, field ids: a reference followed by the next)


def derivations_of(form: CompiledForm) -> dict[str, tuple[Path, ...]]:
    """Derived field id -> the field paths its value is made from, worked out once per compiled form."""
    found = form.memo.get("read_derivations")
    if found is None:
        found = form.memo["read_derivations"] = _derivations(form)
    return found


def _derivations(form: CompiledForm) -> dict[str, tuple[Path, ...]]:
    autofill = form.autofill
    out: dict[str, list[Path]] = {}
    own = form.key
    for f in form.live_fields:
        fetch = f.get("fetch")
        if fetch:
            out.setdefault(f["id"], []).append((own, (fetch["from"], fetch["field"])))
        if field_type(f).rolls_up:
            o, source = f.get("options") or {}, rollup_source(f, form.app_key)  # ``app/form``: another app's (its own gate)
            paths = out.setdefault(f["id"], [])
            paths += [(source, (o["via"],))] if o.get("form") and o.get("via") else []
            paths += [(source, (o["field"],))] if o.get("form") and o.get("field") else []
    if autofill is not None:
        for fid, _, rule in autofill.computed:
            out.setdefault(fid, []).extend((own, tuple(p.split("."))) for p in sorted(rule.fields_used))
        for r in autofill.rollups:
            if r.filter is not None and r.source:
                out.setdefault(r.field, []).extend((r.source, tuple(p.split("."))) for p in sorted(r.filter.fields_used))
    elif any(field_type(f).has_formula for f in form.live_fields):
        # no compiled formulas: a computed field can't say what it reads, so it follows every field of its form
        everything = tuple((own, (f["id"],)) for f in form.live_fields if not field_type(f).has_formula)
        for f in form.live_fields:
            if field_type(f).has_formula:
                out[f["id"]] = list(everything)
    return {fid: tuple(dict.fromkeys(paths)) for fid, paths in out.items()}


def _reads_other_forms(form: CompiledForm) -> bool:
    crosses = form.memo.get("read_crosses")
    if crosses is None:
        crosses = form.memo["read_crosses"] = any(start != form.key or len(ids) > 1
                                                   for paths in derivations_of(form).values() for start, ids in paths)
    return crosses


def sources_of(form: CompiledForm, app_forms: Mapping[str, CompiledForm]) -> dict[str, tuple[Source, ...]]:
    """Derived field id -> every field it reads, given the app's published forms; kept while those versions stay."""
    stamp = tuple((key, f.form_id, f.version) for key, f in app_forms.items())
    cached = form.memo.get("read_sources")
    if cached is None or cached[0] != stamp:
        cached = form.memo["read_sources"] = (stamp, {fid: _sources(paths, form.key, app_forms)
                                                        for fid, paths in derivations_of(form).items()})
    return cached[1]


def _sources(paths: Iterable[Path], own: str, app_forms: Mapping[str, CompiledForm]) -> tuple[Source, ...]:
    """Every field a derived value reads: each step of each path (a reference, then the field of the form it names)."""
    out: dict[Source, None] = {}
    root_app = app_forms[own].app_key if own in app_forms else None
    for start, ids in paths:
        current = app_forms.get(start)
        form_key = start
        for depth, fid in enumerate(ids[:MAX_SOURCE_DEPTH]):
            out[Source(form_key, fid)] = None
            f = current.by_id.get(fid) if current is not None else None
            if f is None or not field_type(f).is_reference or depth + 1 >= len(ids):
                break
            app, form_key = target_of_field(f, current.app_key)
            form_key = form_key if app == root_app else f"{app}{APP_SEPARATOR}{form_key}"  # another app's form
            current = app_forms.get(form_key)
    return tuple(out)


# -- the views --------------------------------------------------------------------------------------------------

def _other_app_views(rt: Runtime, conn: sa.Connection, actor: Actor, form: CompiledForm, involved: Mapping[str, CompiledForm],
                     app_forms: Mapping[str, CompiledForm]) -> dict[str, ReadView]:
    """``app/form`` -> the actor's view of another app's form a derived field of ``involved`` reads (a form being
    worked out already, in a cycle of apps, or not published, is left out: what it gives counts as hidden)."""
    visiting = _CACHE.setdefault(conn, {}).setdefault("visiting", set())
    out: dict[str, ReadView] = {}
    visiting.add(form.form_id)
    try:
        for current in involved.values():
            for made_of in sources_of(current, app_forms).values():
                for source in made_of:
                    if APP_SEPARATOR not in source.form or source.form in out:
                        continue
                    try:
                        other = compiled_form(rt, conn, *source.form.split(APP_SEPARATOR, 1))
                    except NotFound:
                        continue
                    if other.form_id not in visiting:
                        out[source.form] = read_view(rt, conn, actor, other)
    finally:
        visiting.discard(form.form_id)
    return out


def _views(rt: Runtime, conn: sa.Connection, actor: Actor, form: CompiledForm) -> list[ReadView]:
    """The views of ``form`` and of every form its derived fields read from (their hidden sets depend on each other)."""
    involved = {form.key: form}
    if _reads_other_forms(form):
        rights = permissions.app_forms_access(rt, conn, actor, form)
        app_forms = rights.forms
        todo = [form]
        while todo:  # the forms reached through derived fields, transitively
            current = todo.pop()
            for made_of in sources_of(current, app_forms).values():
                for source in made_of:
                    if source.form not in involved and source.form in app_forms:
                        involved[source.form] = app_forms[source.form]
                        todo.append(app_forms[source.form])
        access = {f.form_id: rights.access(f) for f in involved.values()}
    else:
        app_forms = involved
        access = permissions.forms_access(rt, conn, actor, [form])
    hidden: dict[str, set[str]] = {}
    for key, f in involved.items():
        hidden[key] = set(access[f.form_id].hidden)
        for hook in rt.pipeline.read_filters:  # the features' field filters
            hidden[key] |= set(hook(rt, conn, actor, f))
    unreadable = {key for key, f in involved.items() if access[f.form_id].read == "none"}
    foreign = _other_app_views(rt, conn, actor, form, involved, app_forms)
    for key, view in foreign.items():  # another app's form: its own gate's answer, as this actor
        hidden[key] = set(view.hidden)
        if view.access.read == "none":
            unreadable.add(key)
    sources = {key: sources_of(f, app_forms) for key, f in involved.items()}
    inherited: dict[str, dict[str, tuple[Source, ...]]] = {key: {} for key in involved}
    changed = True
    while changed:  # a fixed point: derived fields may read derived fields, across forms and in cycles
        changed = False
        for key, f in involved.items():
            granted = access[f.form_id].granted
            for fid, made_of in sources[key].items():
                if fid in hidden[key] or fid in granted:
                    continue
                # a source on another form the actor can't read at all, or on a form that isn't published, counts as hidden
                by = tuple(s for s in made_of if s.field in hidden.get(s.form, ())
                           or s.form != key and (s.form in unreadable or s.form not in involved and s.form not in foreign))
                if by:
                    hidden[key].add(fid)
                    inherited[key][fid] = by
                    changed = True
    return [ReadView(f, actor, access[f.form_id], frozenset(hidden[key]), inherited[key], _rt=rt, _conn=conn)
            for key, f in involved.items()]
