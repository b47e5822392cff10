"""Public web forms (lead capture): a published form reachable without signing in, by a tokenized link.

An admin publishes a link for one form (``create_web_form``) naming the fields
offered to the public, the field that records the source channel and its
value (the CRM's customer.source = "web_form"), and the owner new records get;
the token is shown once and only its SHA-256 is stored; revoking a link makes
it answer 404 at once. A public submission goes through the ordinary record
path (rules, validation, duplicate check, automations) with these extra
guards: only the offered fields, size limits, a honeypot field that bots fill
and people never see, and a rate limit per client address.

The rate limit is counted in the database, or in Redis when ``REDIS_URL`` is
set (``engine.ratelimit``): every web worker, on every host, enforces the same
``RATE_LIMIT_SUBMISSIONS`` per window.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from engine.clock import utc_iso
from engine.dedup import DuplicateRecord
from engine.errors import Conflict, DefinitionInvalid, ErrorItem, FormflowError, NotFound, ValidationFailed
from engine.fields import FIELD_TYPES
from engine.fields.base import type_words
from engine.fields.choice import choice_values
from engine.ratelimit import RateLimiter
from engine.runtime import Actor, Runtime
from engine.services import records as record_service
from engine.services.form_lookup import app_row, compiled_form
from engine.services.permissions import require_capability
from engine.storage.dashboard_tables import web_forms
from engine.storage.tables import apps, record_audit, users

#: capability needed to publish or revoke a public link
WEB_FORM_CAPABILITY = "manage_users"


def _public(f: dict) -> bool:
    """Whether a public form may offer the field: its type allows it (no pickers of internal records or users, no uploads)."""
    return FIELD_TYPES.get(f["type"]).public_form


#: submissions one client address may make per window, over every process
RATE_LIMIT_SUBMISSIONS = 5
#: the rate-limit window, in seconds
RATE_LIMIT_WINDOW_SECONDS = 600
#: largest public submission body, in bytes
MAX_PUBLIC_BODY_BYTES = 32 * 1024
#: longest text accepted in one public field, in characters
MAX_PUBLIC_FIELD_CHARS = 2000
#: name of the honeypot input: hidden from people (CSS and aria-hidden), filled by form-filling bots
HONEYPOT_FIELD = "website_url"
#: length of the link token (bytes of randomness, URL-safe base64)
TOKEN_BYTES = 24
#: most of a link's newest submissions listed on its admin page
LATEST_SUBMISSIONS = 10
#: the actor public submissions are saved as; a link an admin published acts with the engine's authority on that one form
_ACTOR_LABEL = "web_form:{id}"


class TooManySubmissions(FormflowError):
    status = 429
    code = "rate_limited"


class SubmissionTooLarge(FormflowError):
    status = 413
    code = "too_large"


LIMITER = RateLimiter("public_form", RATE_LIMIT_SUBMISSIONS, RATE_LIMIT_WINDOW_SECONDS)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def web_form_dict(row, app_key: str) -> dict:
    return {"id": row["id"], "app": app_key, "form": row["form_key"], "label": row["label"], "settings": row["settings"],
            "created_at": utc_iso(row["created_at"]), "revoked_at": utc_iso(row["revoked_at"]) if row["revoked_at"] else None,
            "active": row["revoked_at"] is None, "submissions": row["submissions"], "refused": row["refused"]}


# -- admin: publish, list, revoke ------------------------------------------------------

def _default_fields(form) -> list[str]:
    return [f["id"] for f in form.input_fields if _public(f)]


def check_settings(conn, form, settings: dict) -> tuple[dict, list[ErrorItem]]:
    """The link's settings made complete, and every problem with a path under /settings."""
    errors: list[ErrorItem] = []
    allowed = {"fields", "source_field", "source_value", "owner_id", "thanks"}
    for key in settings:
        if key not in allowed:
            errors.append(ErrorItem.coded("error.web_form.unknown_setting", key=repr(key), allowed=", ".join(sorted(allowed)), path=f"/settings/{key}"))
    source_field = settings.get("source_field", "source" if "source" in form.by_id else None)
    if source_field is not None and not isinstance(source_field, str):
        return settings, [ErrorItem.coded("error.web_form.source_field_id", path="/settings/source_field")]
    if not isinstance(settings.get("source_value", ""), str):
        return settings, [ErrorItem.coded("error.web_form.source_value_text", path="/settings/source_value")]
    fields = settings.get("fields") or [f for f in _default_fields(form) if f != source_field]
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        return settings, [ErrorItem.coded("error.web_form.fields_list", path="/settings/fields")]
    for i, fid in enumerate(fields):
        f = form.by_id.get(fid)
        if f is None or f.get("deleted"):
            errors.append(ErrorItem.coded("error.options.not_field_of_form", field=repr(fid), form=repr(form.key), path=f"/settings/fields/{i}", field_id=fid))
        elif not _public(f) or fid not in {x["id"] for x in form.input_fields}:
            errors.append(ErrorItem.coded("error.web_form.not_public_type", type=type_words(f["type"]), path=f"/settings/fields/{i}", field_id=fid))
    source_value = settings.get("source_value", "web_form")
    if source_field is not None:
        f = form.by_id.get(source_field)
        if f is None or f.get("deleted"):
            errors.append(ErrorItem.coded("error.options.not_field_of_form", field=repr(source_field), form=repr(form.key), path="/settings/source_field"))
        elif not FIELD_TYPES.get(f["type"]).takes_tag:
            errors.append(ErrorItem.coded("error.web_form.source_kind", path="/settings/source_field"))
        elif FIELD_TYPES.get(f["type"]).has_choices and source_value not in choice_values(f):
            errors.append(ErrorItem.coded("error.web_form.source_not_choice", value=repr(source_value), field=repr(source_field), path="/settings/source_value"))
        elif source_field in fields:
            errors.append(ErrorItem.coded("error.web_form.source_offered", path="/settings/source_field"))
    offered = set(fields) | ({source_field} if source_field else set())
    for f in form.input_fields:
        if f.get("required") and f["id"] not in offered and f.get("default") is None:
            errors.append(ErrorItem.coded("error.web_form.required_not_offered", field=repr(f["id"]), path="/settings/fields",
                                          field_id=f["id"]))
    owner = settings.get("owner_id")
    if owner is not None and (not isinstance(owner, int) or isinstance(owner, bool) or conn.execute(sa.select(users.c.id).where(users.c.id == owner)).first() is None):
        errors.append(ErrorItem.coded("error.user.no_such_user", id=repr(owner), path="/settings/owner_id"))
    thanks = settings.get("thanks")
    if thanks is not None and not (isinstance(thanks, str) and len(thanks) <= 500 or
                                   isinstance(thanks, dict) and all(isinstance(v, str) and len(v) <= 500 for v in thanks.values())):
        errors.append(ErrorItem.coded("error.web_form.thanks", path="/settings/thanks"))
    return {"fields": fields, "source_field": source_field, "source_value": source_value if source_field else None,
            "owner_id": owner, "thanks": thanks}, errors


def offerable_fields(rt: Runtime, actor: Actor, app_key: str, form_key: str) -> dict:
    """What a link to the form may offer (``fields``: the input fields a public form can show, in order) and which
    fields may record the source channel (``source_fields``), with the defaults a new link gets."""
    require_capability(rt, actor, WEB_FORM_CAPABILITY)
    with rt.db.read() as conn:
        form = compiled_form(rt, conn, app_key, form_key)
    source = "source" if "source" in form.by_id and not form.by_id["source"].get("deleted") else None
    fields = [f for f in form.input_fields if _public(f) and f["id"] != source]
    sources = [f for f in form.input_fields if FIELD_TYPES.get(f["type"]).takes_tag]
    return {"fields": fields, "source_fields": sources, "default_source_field": source, "default_source_value": "web_form",
            "choices": {f["id"]: choice_values(f) for f in sources if FIELD_TYPES.get(f["type"]).has_choices}}


def create_web_form(rt: Runtime, actor: Actor, app_key: str, form_key: str, *, label: str | None = None,
                    settings: dict | None = None) -> dict:
    """Publish a public link to a form. The answer holds the token (and the link) once; it is never shown again."""
    require_capability(rt, actor, WEB_FORM_CAPABILITY)
    with rt.db.transaction() as conn:
        app = app_row(conn, rt, app_key)
        form = compiled_form(rt, conn, app_key, form_key)
        complete, errors = check_settings(conn, form, settings or {})
        if label is not None and (not isinstance(label, str) or not 1 <= len(label) <= 200):
            errors.append(ErrorItem.coded("error.web_form.label", path="/label"))
        if errors:
            raise DefinitionInvalid("the web form settings are not valid", errors, message_code="error.web_form.settings_invalid")
        token = secrets.token_urlsafe(TOKEN_BYTES)
        wid = conn.execute(sa.insert(web_forms).values(
            app_id=app["id"], form_key=form_key, label=label or form_key, token_hash=token_hash(token), settings=complete,
            created_by=actor.user_id, created_at=rt.clock.now(), submissions=0, refused=0)).inserted_primary_key[0]
        row = conn.execute(sa.select(web_forms).where(web_forms.c.id == wid)).mappings().one()
    return {**web_form_dict(row, app_key), "token": token, "url": f"/f/{token}"}


def list_web_forms(rt: Runtime, actor: Actor, app_key: str) -> list[dict]:
    require_capability(rt, actor, WEB_FORM_CAPABILITY)
    with rt.db.read() as conn:
        app = app_row(conn, rt, app_key)
        rows = conn.execute(sa.select(web_forms).where(web_forms.c.app_id == app["id"]).order_by(web_forms.c.id)).mappings().all()
    return [web_form_dict(r, app_key) for r in rows]


def revoke_web_form(rt: Runtime, actor: Actor, app_key: str, web_form_id: int) -> dict:
    return _set_revoked(rt, actor, app_key, web_form_id, True)


def restore_web_form(rt: Runtime, actor: Actor, app_key: str, web_form_id: int) -> dict:
    """Undo a revocation: the same link (its address unchanged, the stored hash kept) opens again."""
    return _set_revoked(rt, actor, app_key, web_form_id, False)


def _set_revoked(rt: Runtime, actor: Actor, app_key: str, web_form_id: int, revoked: bool) -> dict:
    require_capability(rt, actor, WEB_FORM_CAPABILITY)
    with rt.db.transaction() as conn:
        app = app_row(conn, rt, app_key)
        row = conn.execute(sa.select(web_forms).where(web_forms.c.id == web_form_id, web_forms.c.app_id == app["id"])).mappings().first()
        if row is None:
            raise NotFound(f"app {app_key!r} has no web form {web_form_id}", path="/web_form", message_code="error.web_form.not_found",
                           params={"app": repr(app_key), "id": web_form_id})
        if revoked and row["revoked_at"] is None:
            conn.execute(sa.update(web_forms).where(web_forms.c.id == web_form_id).values(revoked_at=rt.clock.now(), revoked_by=actor.user_id))
        elif not revoked and row["revoked_at"] is not None:
            conn.execute(sa.update(web_forms).where(web_forms.c.id == web_form_id).values(revoked_at=None, revoked_by=None))
        row = conn.execute(sa.select(web_forms).where(web_forms.c.id == web_form_id)).mappings().one()
    return web_form_dict(row, app_key)


def latest_submissions(rt: Runtime, actor: Actor, app_key: str, web_form_id: int, *, limit: int = LATEST_SUBMISSIONS) -> list[dict]:
    """The newest records a link created (``{"record_id", "at"}``, newest first), from the record audit: a record a
    visitor submitted was created by the link's actor."""
    require_capability(rt, actor, WEB_FORM_CAPABILITY)
    with rt.db.read() as conn:
        app = app_row(conn, rt, app_key)
        if conn.execute(sa.select(web_forms.c.id).where(web_forms.c.id == web_form_id, web_forms.c.app_id == app["id"])).first() is None:
            raise NotFound(f"app {app_key!r} has no web form {web_form_id}", path="/web_form", message_code="error.web_form.not_found",
                           params={"app": repr(app_key), "id": web_form_id})
        rows = conn.execute(sa.select(record_audit.c.record_id, record_audit.c.at)
                            .where(record_audit.c.actor == _ACTOR_LABEL.format(id=web_form_id), record_audit.c.action == "create")
                            .order_by(record_audit.c.id.desc()).limit(max(1, min(limit, LATEST_SUBMISSIONS)))).all()
    return [{"record_id": r.record_id, "at": utc_iso(r.at)} for r in rows]


# -- the public side ----------------------------------------------------------------------

_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _live_link(conn, token: str):
    """The active link row with its app key, or 404 (an unknown, malformed and revoked token look the same)."""

    row = None
    if isinstance(token, str) and _TOKEN_RE.match(token):
        row = conn.execute(sa.select(web_forms, apps.c.key.label("app_key")).join(apps, apps.c.id == web_forms.c.app_id)
                           .where(web_forms.c.token_hash == token_hash(token))).mappings().first()
    if row is None or row["revoked_at"] is not None:
        raise NotFound("this form link is not valid (it may have been withdrawn)", path="/token", message_code="error.web_form.link_invalid")
    return row


def public_form(rt: Runtime, token: str) -> dict:
    """What the public page shows: the form's label and the offered fields' definitions, in order."""
    with rt.db.read() as conn:
        row = _live_link(conn, token)
        form = compiled_form(rt, conn, row["app_key"], row["form_key"])
    offered = [form.by_id[fid] for fid in row["settings"]["fields"] if fid in form.by_id and not form.by_id[fid].get("deleted")]
    return {"label": form.definition.get("label"), "description": form.definition.get("description"), "fields": offered,
            "thanks": row["settings"].get("thanks"), "honeypot": HONEYPOT_FIELD}


def submit_public(rt: Runtime, token: str, data: Any, *, client: str) -> dict:
    """One public submission. Returns {"accepted": True, "record_id": id or None}; a honeypot hit is answered
    exactly like a success (so a bot learns nothing) but nothing is saved."""
    retry = LIMITER.attempt(rt, client or "unknown")  # before the link is looked up: an attempt at a dead link counts too
    with rt.db.transaction() as conn:
        row = _live_link(conn, token)  # an invalid link is a 404 before anything else is told
        if retry is not None:
            _count(conn, row["id"], refused=True)
    if retry is not None:
        raise TooManySubmissions(f"too many submissions from your address; try again in {retry} seconds", retry_after=retry,
                                 message_code="error.web_form.too_many", params={"seconds": retry})
    if not isinstance(data, dict):
        raise ValidationFailed("the submission must be an object of field values", [ErrorItem.coded("error.value.object", path="/")],
                               message_code="error.web_form.submission_object")
    if data.get(HONEYPOT_FIELD) not in (None, ""):
        with rt.db.transaction() as conn:
            _count(conn, row["id"], refused=True)
        return {"accepted": True, "record_id": None}
    settings = row["settings"]
    offered = set(settings["fields"])
    errors, values = [], {}
    for key, value in data.items():
        if key == HONEYPOT_FIELD:
            continue
        if key not in offered:
            errors.append(ErrorItem.coded("error.field.unknown", field=repr(key), path=f"/{key}", code="unknown_field"))
        elif isinstance(value, str) and len(value) > MAX_PUBLIC_FIELD_CHARS:
            errors.append(ErrorItem.coded("error.web_form.too_long", max=MAX_PUBLIC_FIELD_CHARS, path=f"/{key}", field_id=key, code="too_long"))
        elif value not in (None, ""):
            values[key] = value
    if errors:
        raise ValidationFailed("the form is not valid", errors, message_code="error.web_form.invalid")
    if settings.get("source_field"):
        values[settings["source_field"]] = settings["source_value"]
    actor = Actor(None, _ACTOR_LABEL.format(id=row["id"]), frozenset({"admin"}))
    try:
        with rt.db.transaction() as conn:
            record = record_service.create_record(rt, actor, row["app_key"], row["form_key"], values,
                                                  owner_id=settings.get("owner_id"), conn=conn)
            _count(conn, row["id"], refused=False)
    except DuplicateRecord:  # never tell the public which record it collides with: that would leak other people's data
        raise Conflict("we already have these details; someone will be in touch", code_detail="duplicate",
                       message_code="error.web_form.duplicate") from None
    except ValidationFailed as exc:  # only the offered fields' problems are the public's business
        # each item keeps its message code (so it reads in the visitor's language), not its extra details
        raise ValidationFailed(exc.message, [replace(e, path=f"/{e.field_id}" if e.field_id else e.path, extra={}) for e in exc.errors],
                               message_code=exc.message_code, params=exc.params) from None
    return {"accepted": True, "record_id": record["id"]}


def _count(conn, web_form_id: int, *, refused: bool) -> None:
    column = web_forms.c.refused if refused else web_forms.c.submissions
    conn.execute(sa.update(web_forms).where(web_forms.c.id == web_form_id).values({column.name: column + 1}))
