"""The data a notification template renders with, built from a stored record.

Turns a record row (values keyed by immutable field id) into the shape
``engine.templating`` documents: ``record.<field name>``, referenced records
followed up to ``MAX_REFERENCE_DEPTH`` hops (``record.customer.name``), user
fields and the record's owner as user objects with their manager chain
(``owner.manager.name``), plus ``user`` (the recipient), ``workspace``,
``now`` and ``link``. Lookups are memoised per render, so a manager shared
by many people is read once.

Rendered on behalf of someone (``viewers``: the actor of a preview, test-send
or dry-run), every record the template reaches, the record itself and each
referenced one, passes that person's read gate: a record out of their scope
is absent (``None``), a field their role hides is absent, so
``{{ record.customer.phone }}`` renders empty for a role that may not see it.
A message sent to a user (``readers``: its recipient) leaves out the fields
the recipient's role hides, on the record and on every referenced record; the
records themselves are the ones the workflow's publisher chose to tell them
about, so their row scope is not applied.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Callable, Mapping

import sqlalchemy as sa

from engine.definitions import CompiledForm
from engine.errors import NotFound, PermissionDenied
from engine.fields import FIELD_TYPES
from engine.services.reference_targets import target_of_field
from engine.runtime import Actor, Runtime
from engine.services.form_lookup import compiled_version
from engine.services.titles import record_title
from engine.storage.tables import apps, forms, records, users, workspaces
from engine.templating import MAX_MANAGER_DEPTH, MAX_REFERENCE_DEPTH
from engine.services.records import check_access, hidden_fields
from engine.services.users import actor_for
from engine.services.workspace_settings import LANGUAGE_SETTING, LANGUAGES
from engine.i18n import normalize_locale

__all__ = ["RenderData", "record_link"]


def record_link(rt: Runtime, app_key: str, form_key: str, record_id: int) -> str:
    """Where a message about a record points (absolute when ``PUBLIC_URL`` is configured)."""
    base = str(rt.config.get("PUBLIC_URL") or "").rstrip("/")
    return f"{base}/apps/{app_key}/forms/{form_key}/records/{record_id}"


def _datetime(value: Any) -> Any:
    if isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
    return value


def _date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


# Statements built once: every notification runs them (building a select costs more than running it).
_USER = sa.select(users).where(users.c.id == sa.bindparam("id"))
_FORM = (sa.select(forms.c.id, forms.c.published_version).join(apps, apps.c.id == forms.c.app_id)
         .where(apps.c.workspace_id == sa.bindparam("workspace_id"), apps.c.key == sa.bindparam("app_key"),
                forms.c.key == sa.bindparam("form_key")))
_RECORD = sa.select(records).where(records.c.id == sa.bindparam("id"), records.c.form_id == sa.bindparam("form_id"),
                                   records.c.deleted_at.is_(None))
_WORKSPACE = sa.select(workspaces.c.id, workspaces.c.name).where(workspaces.c.id == sa.bindparam("id"))


class RenderData:
    """Builds template variables inside one connection, memoising users and records."""

    def __init__(self, conn: sa.Connection, rt: Runtime, viewers: tuple[Actor, ...] = (), readers: tuple[Actor, ...] = ()):
        self.conn = conn
        self.rt = rt
        #: whose read gate every record passes (all of them); empty: the record as stored (trusted senders)
        self.viewers = tuple(viewers)
        #: whose hidden fields are left out (a message's recipient), without their row scope
        self.readers = tuple(readers)
        self._users: dict[int, Mapping | None] = {}
        self._forms: dict[str, CompiledForm | None] = {}
        self._hidden: dict[tuple, frozenset[str]] = {}
        self._actors: dict[int, Actor] = {}
        self._workspace_locale: str | None = None
        self._app_key = ""
        #: converters per template kind (``FieldType.template_kind``): (value, field, depth) -> template value
        self.converters: dict[str, Callable[[Any, dict, int], Any]] = {
            "datetime": lambda v, f, d: _datetime(v),
            "date": lambda v, f, d: _date(v),
            "person": self._user_value,
            "record": self._reference_value,
            "rows": self._subtable_value,
        }

    def seen_by(self, *viewers: Actor, readers: tuple[Actor, ...] = ()) -> "RenderData":
        """The same builder (sharing its memoised users, forms and rights) rendering what ``viewers`` may read and
        ``readers`` may see."""
        view = RenderData(self.conn, self.rt, viewers, readers)
        view._users, view._forms, view._hidden, view._actors = self._users, self._forms, self._hidden, self._actors
        view.workspace = self.workspace  # type: ignore[method-assign]  (a tick's cached workspace stays cached)
        return view

    def actor_of(self, user_id: int) -> Actor:
        """A recipient as the read gate knows them (their roles); a user who is gone or inactive holds no rights."""
        if user_id not in self._actors:

            self._actors[user_id] = actor_for(self.conn, self.rt, user_id) or Actor(user_id, f"user:{user_id}", frozenset())
        return self._actors[user_id]

    # -- the read gate ------------------------------------------------------
    def _hidden_for(self, viewer: Actor, form: CompiledForm) -> frozenset[str]:

        key = (viewer, form.form_id, form.version)
        if key not in self._hidden:
            self._hidden[key] = frozenset(hidden_fields(self.rt, self.conn, viewer, form))
        return self._hidden[key]

    def visible_data(self, form: CompiledForm, row: Mapping) -> dict | None:
        """The row's data as every viewer may read it: None when the record is out of one's scope, hidden fields left out."""
        data = row["data"] or {}
        if not self.viewers and not self.readers:
            return data

        hidden: set[str] = set()
        for viewer in self.viewers:
            try:
                check_access(self.rt, self.conn, viewer, form, "read", row)
            except (NotFound, PermissionDenied):
                return None
            hidden |= self._hidden_for(viewer, form)
        for reader in self.readers:
            hidden |= self._hidden_for(reader, form)
        return {k: v for k, v in data.items() if k not in hidden} if hidden else data

    # -- users ------------------------------------------------------------
    def _user_row(self, user_id: int) -> Mapping | None:
        if user_id not in self._users:
            row = self.conn.execute(_USER, {"id": user_id}).mappings().first()
            self._users[user_id] = dict(row) if row is not None else None  # a dict: .get of a missing column is cheap
        return self._users[user_id]

    def locale(self, user_id: int | None) -> str:
        """The language a user reads: their saved one, else the workspace's default (read in this transaction)."""
        row = self._user_row(user_id) if isinstance(user_id, int) else None
        if row and row.get("locale"):
            return normalize_locale(row["locale"])
        if self._workspace_locale is None:
            settings = self.conn.execute(sa.select(workspaces.c.settings).where(workspaces.c.id == self.rt.workspace_id)).scalar()
            language = (settings or {}).get(LANGUAGE_SETTING)
            self._workspace_locale = language if language in LANGUAGES else LANGUAGES[0]
        return self._workspace_locale

    def user(self, user_id: int | None, manager_depth: int = MAX_MANAGER_DEPTH) -> dict | None:
        """``{id, name, email, phone, tz, manager}`` or None for no / unknown user."""
        if not isinstance(user_id, int):
            return None
        row = self._user_row(user_id)
        if row is None:
            return None
        out = {"id": row["id"], "name": row["display_name"], "email": row["email"],
               "phone": row.get("phone"),  # once the users area adds it
               "tz": row["timezone"] or self.rt.timezone}
        if manager_depth > 0:
            out["manager"] = self.user(row["manager_id"], manager_depth - 1)
        return out

    def _user_value(self, value: Any, fld: dict, depth: int) -> Any:
        if isinstance(value, list):
            return [self.user(v, 1) for v in value]
        return self.user(value, 1)

    # -- records ----------------------------------------------------------
    def form(self, app_key: str, form_key: str) -> CompiledForm | None:
        key = f"{app_key}/{form_key}"
        if key not in self._forms:  # one query, then the runtime's compiled-form cache
            found = self.conn.execute(_FORM, {"workspace_id": self.rt.workspace_id, "app_key": app_key,
                                              "form_key": form_key}).first()
            self._forms[key] = (compiled_version(self.rt, self.conn, found[0], found[1], app_key)
                                if found is not None and found[1] is not None else None)
        return self._forms[key]

    def _reference_value(self, value: Any, fld: dict, depth: int) -> Any:
        target = self.form(*target_of_field(fld, self._app_key))  # maybe another app's form
        if isinstance(value, list):
            return [self._referenced(target, v, depth) for v in value]
        return self._referenced(target, value, depth)

    def _referenced(self, form: CompiledForm | None, record_id: Any, depth: int) -> dict | None:
        if not isinstance(record_id, int):
            return None
        if form is None or depth <= 0:
            return {"id": record_id, "title": f"#{record_id}"}
        row = self.conn.execute(_RECORD, {"id": record_id, "form_id": form.form_id}).mappings().first()
        if row is None:
            return None
        data = self.visible_data(form, row)
        if data is None:
            return None  # out of the viewer's scope: absent, exactly like a missing record
        return self._record(form, row, data, depth - 1)

    def _subtable_value(self, value: Any, fld: dict, depth: int) -> Any:
        if not isinstance(value, list):
            return []
        sub_fields = [f for f in (fld.get("options") or {}).get("fields", []) if not f.get("deleted")]
        return [self._fields(sub_fields, row, depth) for row in value if isinstance(row, Mapping)]

    def _fields(self, fields: list[dict], data: Mapping, depth: int) -> dict:
        out: dict[str, Any] = {}
        for fld in fields:
            value = data.get(fld["id"])
            kind = FIELD_TYPES.get(fld["type"]).template_kind if fld.get("type") in FIELD_TYPES else None
            convert = self.converters.get(kind) or (self._typed_value if kind is not None else None)
            out[fld.get("name") or fld["id"]] = convert(value, fld, depth) if convert and value is not None else value
        return out

    def _typed_value(self, value: Any, fld: dict, depth: int) -> Any:
        """The other types: the names of a linked type that looks them up itself (teams), else ``template_value``."""
        ftype = FIELD_TYPES.get(fld["type"])
        ids = ftype.ids(value)
        named = ftype.linked_names(self.conn, self.rt.workspace_id, ids) if ids else None
        if named is not None:
            return ", ".join(named.get(i, f"#{i}") for i in ids)
        return ftype.template_value(value, fld)

    def record(self, form: CompiledForm, row: Mapping, depth: int = MAX_REFERENCE_DEPTH) -> dict:
        """A record as a template sees it: field names, plus id, title, created_at, updated_at."""
        data = self.visible_data(form, row)
        if data is None:  # the record itself is out of the viewer's scope: its id, nothing of its data
            return {"id": row["id"], "title": f"#{row['id']}", "created_at": None, "updated_at": None}
        return self._record(form, row, data, depth)

    def _record(self, form: CompiledForm, row: Mapping, data: Mapping, depth: int) -> dict:
        self._app_key = form.app_key  # references stay inside one app
        out = self._fields(form.live_fields, data, depth)
        out.update({"id": row["id"], "title": record_title(form, row["id"], data, tz=self.rt.timezone),
                    "created_at": _datetime(row.get("created_at")), "updated_at": _datetime(row.get("updated_at"))})
        return out

    # -- the whole render context -------------------------------------------
    def workspace(self) -> dict:
        row = self.conn.execute(_WORKSPACE, {"id": self.rt.workspace_id}).first()
        return {"id": row[0], "name": row[1]} if row else {"id": self.rt.workspace_id, "name": ""}

    def variables(self, form: CompiledForm, row: Mapping, recipient_user: dict | None) -> dict:
        """Everything a template may use, for ``row`` of ``form`` sent to ``recipient_user``."""
        owner = self.user(row.get("owner_id"))
        return {"record": self.record(form, row), "owner": owner, "user": recipient_user,
                "workspace": self.workspace(), "now": self.rt.clock.now(),
                "link": record_link(self.rt, form.app_key, form.key, row["id"])}
