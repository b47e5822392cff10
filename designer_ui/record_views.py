"""Pages for end users: the generated form (new and edit), the record list, and
one record with its history and related records.

Values come from the record services, titles and display text from
``engine.services.display`` (the title rule: ``engine.services.titles``); the form's rules run in the
browser as the engine's compiled JavaScript, served per published version by
the rules area (``/api/…/versions/<n>/rules.js``) on top of engine/rules/runtime.js.
"""
from __future__ import annotations

from functools import partial

from flask import abort, flash, get_flashed_messages, redirect, render_template, request, url_for

from designer_ui import bp
from designer_ui import record_page
from designer_ui.i18n import gettext, label_text, request_locale
from designer_ui.request_context import actor, local_time, runtime, user_timezone
from engine.services.display import field_text, record_titles, with_display
from engine.fields import FIELD_TYPES
from engine.moments import format_moment
from engine.errors import FormflowError, NotFound
from engine.services import approvals, live_values
from engine.services.comments import MAX_COMMENT_LENGTH
from engine.services import print_templates
from engine.services.permissions import privileged
from engine.services import forms as form_service
from engine.services import readgate, reference_targets
from engine.services import records as record_service
from engine.imports.mapping import importable_fields
from engine.services.forms import compiled_form

def _is_ref(f: dict) -> bool:
    return FIELD_TYPES.get(f["type"]).is_reference


#: history actions shown as a comment (who, and their words)
COMMENT_ACTIONS = ("comment", "comment_edit", "comment_delete")


def _published(app_key: str, form_key: str) -> tuple[dict, dict, dict]:
    """(app, form summary, published version {version, definition}) or the service's 404."""
    rt = runtime()
    app = form_service.get_app(rt, app_key)
    form = next((f for f in app["forms"] if f["key"] == form_key), None)
    if form is None:  # a key the app has no form under: not "unpublished" (that would say it exists)
        raise NotFound(f"form {form_key!r} does not exist in app {app_key!r}", path="/form", message_code="error.form.not_in_app",
                       params={"form": repr(form_key), "app": repr(app_key)})
    if not form["published_version"]:
        raise NotFound(f"form {form_key!r} has not been published yet", path="/form", message_code="error.form.not_published",
                       params={"form": repr(form_key)})
    # as the caller may see it: a role that only uses the form gets it without its automations
    return app, form, form_service.get_version(rt, app_key, form_key, form["published_version"], actor())


def _readable(app_key: str, form_key: str, version: dict) -> dict:
    """The published definition without the fields the read gate hides from the caller (no column, no label of them)."""
    items = readgate.form_field_access(runtime(), actor(), app_key, form_key)["items"]
    hidden = {i["field_id"] for i in items if i["level"] == "hidden"}
    if not hidden:
        return version
    definition = {**version["definition"], "fields": [f for f in version["definition"]["fields"] if f["id"] not in hidden]}
    layout = definition.get("layout")
    if isinstance(layout, dict) and isinstance(layout.get("sections"), list):
        definition["layout"] = {**layout, "sections": [{**s, "fields": [fid for fid in s.get("fields", []) if fid not in hidden]}
                                                       for s in layout["sections"]]}
    return {**version, "definition": definition}


def _urls(app_key: str, form_key: str) -> dict:
    return {"record": url_for("ui.record_detail", app_key=app_key, form_key=form_key, record_id=0).replace("/0", "/{id}"),
            "records": url_for("ui.records_list", app_key=app_key, form_key=form_key),
            "new": url_for("ui.new_record", app_key=app_key, form_key=form_key),
            "api": f"/api/apps/{app_key}/forms/{form_key}"}


def _fill_context(app_key: str, form_key: str) -> dict:
    app, form, version = _published(app_key, form_key)
    version = _readable(app_key, form_key, version)  # a field hidden from the caller has no input either
    u = _urls(app_key, form_key)
    return {"app": app, "form": form, "definition": version["definition"], "version": version["version"],
            # the rules area compiles each published version once (engine.formrules); the script is cacheable forever
            "rules_js_url": url_for("api.version_rules_script", app_key=app_key, form_key=form_key, version=version["version"]),
            "computed_js_url": url_for("api.version_computed_script", app_key=app_key, form_key=form_key, version=version["version"]),
            "rules_runtime_url": url_for("ui.rules_runtime"), "timezone": user_timezone(), "user_id": actor().user_id,
            "record_url": u["record"], "upload_url": url_for("api.upload_attachment", app=app_key, form=form_key),
            "fetch_url": url_for("api.fetch_values", app_key=app_key, form_key=form_key), "new_url": u["new"],
            "ref_second": _ref_second(app, version["definition"]),
            "active_nav": "apps", "records_url": u["records"]}


@bp.route("/apps/<app_key>/forms/<form_key>/new")
def new_record(app_key, form_key):
    ctx = _fill_context(app_key, form_key)
    rt = runtime()
    with rt.db.read() as conn:  # the one reading of $now / $today / $user (the server fills the same on save)
        values = live_values.initial_values(rt, actor(), form_service.compiled_form(rt, conn, app_key, form_key))
    for f in ctx["definition"]["fields"]:  # ?customer=12 (from the customer's page): picked, and what it fills in
        raw = request.args.get(f["id"], "")
        if _is_ref(f) and not f.get("deleted") and not f["options"].get("multiple") and raw.isdigit():
            values[f["id"]] = int(raw)
            values.update(live_values.fetched_values(rt, actor(), app_key, form_key, f["id"], int(raw)))
    return render_template("form_fill.html", **ctx, values=values, ref_titles=_ref_titles(rt, app_key, ctx, values))


def _ref_titles(rt, app_key: str, ctx: dict, values: dict) -> dict:
    """{field id: [{id, title}]} of the references and users ``values`` name, for the pickers' chips."""
    fields = [f for f in ctx["definition"]["fields"] if not f.get("deleted")]
    titles = record_titles(rt, actor(), app_key, fields, [{"data": values}], request_locale(), ctx["timezone"])
    out = {}
    for f in fields:
        value = values.get(f["id"])
        ftype = FIELD_TYPES.get(f["type"])
        if (ftype.is_reference or ftype.is_user) and value is not None:
            key = ftype.linked_store(f)
            out[f["id"]] = [{"id": i, "title": titles.get(key, {}).get(i, f"#{i}")} for i in (value if isinstance(value, list) else [value])]
    return out


def _app_forms(rt, app_key: str) -> list[dict]:
    """The form summaries of another app (none when it is gone)."""
    try:
        return form_service.get_app(rt, app_key)["forms"]
    except NotFound:
        return []


def _ref_second(app: dict, definition: dict) -> dict:
    """{reference field id: the field of its target form shown beside each match in the picker} (a phone, else a serial)."""
    rt, out = runtime(), {}
    for f in definition["fields"]:
        if not _is_ref(f) or f.get("deleted"):
            continue
        target_app, target = reference_targets.target_of_field(f, app["key"])
        forms = app["forms"] if target_app == app["key"] else _app_forms(rt, target_app)
        summary = next((x for x in forms if x["key"] == target and x["published_version"]), None)
        if summary is None:
            continue
        fields = form_service.get_version(rt, target_app, target, summary["published_version"])["definition"]["fields"]
        # the value shown beside each match: the field whose type ranks first for pickers (a phone, else a serial...)
        ranked = [(FIELD_TYPES.get(x["type"]).picker_rank, i, x["id"]) for i, x in enumerate(fields) if not x.get("deleted")
                  and x["type"] in FIELD_TYPES and FIELD_TYPES.get(x["type"]).picker_rank is not None]
        if ranked:
            out[f["id"]] = min(ranked)[2]
    return out


@bp.route("/apps/<app_key>/forms/<form_key>/records/<int:record_id>/edit")
def edit_record(app_key, form_key, record_id):
    ctx = _fill_context(app_key, form_key)
    rt = runtime()
    record = record_service.get_record(rt, actor(), app_key, form_key, record_id)
    ref_titles = _ref_titles(rt, app_key, ctx, record["data"])
    return render_template("form_fill.html", **ctx, values=record["data"], ref_titles=ref_titles, if_match=record["version"],
                           submit_url=f"/api/apps/{app_key}/forms/{form_key}/records/{record_id}", submit_method="PATCH")


@bp.route("/apps/<app_key>/forms/<form_key>/records")
def records_list(app_key, form_key):
    app, form, version = _published(app_key, form_key)
    version = _readable(app_key, form_key, version)
    u = _urls(app_key, form_key)
    return render_template("records_list.html", app=app, form=form, definition=version["definition"], record_url=u["record"],
                           new_url=u["new"], list_url=u["api"] + "/records/table", active_nav="apps",
                           import_url=url_for("ui.import_records", app_key=app_key, form_key=form_key))


@bp.route("/apps/<app_key>/forms/<form_key>/records/<int:record_id>")
def record_detail(app_key, form_key, record_id):
    rt = runtime()
    app, form, version = _published(app_key, form_key)
    locale, tz = request_locale(), user_timezone()
    when = partial(format_moment, locale=locale, tz=tz)  # moments on the page as the reader reads them (engine.moments)
    record = record_service.get_record(rt, actor(), app_key, form_key, record_id)
    definition = _readable(app_key, form_key, version)["definition"]
    with_display(rt, actor(), app_key, definition, [record], locale, tz)
    by_id = {f["id"]: f for f in definition["fields"]}
    fields = record_page.field_entries(rt, actor(), app, definition, record, locale, tz)
    history = []
    for h in reversed(record_service.record_history(rt, actor(), app_key, form_key, record_id)):
        changes = []
        for c in h["changes"]:
            f = by_id.get(c["field_id"])
            text = (lambda v: field_text(rt, f, v, locale, tz, {}) if f and not (FIELD_TYPES.get(f["type"]).is_reference
                                                                                 or FIELD_TYPES.get(f["type"]).is_user) else
                    ("" if v is None else str(v)))
            changes.append({"field": (f or {}).get("label") or c["label"], "old": text(c["from"]), "new": text(c["to"])})
        if h["action"] == print_templates.PRINT_ACTION:  # a print: who, which template (in the reader's language)
            printed = next((c["to"] for c in h["changes"] if c["field_id"] == print_templates.PRINT_CHANGE), None) or {}
            history.append({"at": when(h["at"]), "user": record_page.actor_shown(h, locale), "action": h["action"],
                            "template": label_text(printed.get("label"), locale) or printed.get("template", ""), "changes": []})
            continue
        if h["action"] in approvals.AUDIT_ACTIONS or h["action"] in COMMENT_ACTIONS:  # approval step or comment: who, their words
            comment = next((c["to"] for c in h["changes"] if c["field_id"] == "@comment"), None)
            history.append({"at": when(h["at"]), "user": record_page.actor_shown(h, locale), "action": h["action"],
                            "comment": comment, "changes": []})
            continue
        history.append({"at": when(h["at"]), "user": record_page.actor_shown(h, locale), "action": h["action"], "changes": changes})
    u = _urls(app_key, form_key)
    approval = _approval(app_key, form_key, record_id, tz)
    return render_template(
        "record_detail.html", app=app, form=form, active_nav="apps", history=history, comment_max=MAX_COMMENT_LENGTH,
        comment_config={"url": f"/api/apps/{app_key}/forms/{form_key}/records/{record_id}/comments", "users_url": "/api/users",
                        "me": actor().user_id, "may_delete_any": privileged(actor())},
        print_templates=print_templates.printable_templates(rt, actor(), app_key, form_key, record_id, locale=locale)["items"],
        print_font_problem=print_templates.font_problem(rt, locale),
        approval=approval, flashes=get_flashed_messages(with_categories=True),
        related=record_page.related_groups(rt, actor(), app, form_key, record_id, locale, tz,
                                         _readable), list_url=u["records"],
        edit_url=None if approval and approval["locked"] else url_for("ui.edit_record", app_key=app_key, form_key=form_key, record_id=record_id),
        record={"id": record_id, "title": record["title"], "fields": fields, "created_at": when(record["created_at"]),
                "created_by": history[-1]["user"] if history else "",
                "updated_at": when(record["updated_at"]) if record["version"] > 1 else None})


def _approval(app_key: str, form_key: str, record_id: int, tz: str) -> dict | None:
    """The approval card: status, rounds with local times, and the POST url of each action (None without a flow or history)."""
    status = approvals.approval_status(runtime(), actor(), app_key, form_key, record_id)
    if not status["configured"] and not status["history"]:
        return None
    for r in status["history"]:
        r["submitted_at"], r["closed_at"] = local_time(r["submitted_at"], tz), local_time(r["closed_at"], tz)
        for a in r["approvers"]:
            a["decided_at"] = local_time(a["decided_at"], tz)
    status["current"] = status["history"][0] if status["history"] else None  # the same round, with local times
    status["urls"] = {action: url_for("ui.record_approval", app_key=app_key, form_key=form_key, record_id=record_id, action=action)
                      for action in APPROVAL_ACTIONS}
    return status


#: the approval buttons of the record page: action -> service call (rt, actor, app, form, record id, comment)
APPROVAL_ACTIONS = {
    "submit": approvals.submit_for_approval,
    "approve": lambda rt, who, a, f, r, comment: approvals.decide(rt, who, a, f, r, "approve", comment),
    "reject": lambda rt, who, a, f, r, comment: approvals.decide(rt, who, a, f, r, "reject", comment),
    "withdraw": approvals.withdraw,
}


@bp.route("/apps/<app_key>/forms/<form_key>/records/<int:record_id>/approval/<action>", methods=["POST"])
def record_approval(app_key, form_key, record_id, action):
    """A CSRF-checked form post from the record page; a refusal (403, 409, 422) comes back as a message on the page."""
    if action not in APPROVAL_ACTIONS:
        abort(404)
    try:
        APPROVAL_ACTIONS[action](runtime(), actor(), app_key, form_key, record_id, request.form.get("comment"))
    except NotFound:
        raise
    except FormflowError as exc:
        flash(exc.localized(request_locale()), "error")
    else:
        flash(gettext(f"approval.done_{action}", request_locale()), "success")
    return redirect(url_for("ui.record_detail", app_key=app_key, form_key=form_key, record_id=record_id), code=303)


def _text(label, locale: str) -> str:

    return label_text(label, locale)


@bp.route("/apps/<app_key>/forms/<form_key>/import")
def import_records(app_key, form_key):
    """Upload a CSV / XLSX, match columns, see each refused row's reason, import with a progress bar (the import API)."""

    app, form, _ = _published(app_key, form_key)
    rt = runtime()
    with rt.db.read() as conn:
        compiled = compiled_form(rt, conn, app_key, form_key)
        record_service.check_access(rt, conn, actor(), compiled, "create", {"owner_id": actor().user_id})  # as the import API does
    locale = request_locale()
    fields = [{"id": f["id"], "label": _text(f.get("label"), locale) or f["id"], "required": bool(f.get("required"))}
              for f in importable_fields(compiled)]
    u = _urls(app_key, form_key)
    return render_template("import.html", app=app, form=form, fields=fields, api_base=u["api"], records_url=u["records"],
                           active_nav="apps")
from designer_ui import grid_views  # noqa: E402,F401  (the records grid page)
