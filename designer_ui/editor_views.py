"""Pages of the automation editor (per form), the timed workflow editor and the
notification template editor (per app).

The pages only gather what the editors pick from (forms and their fields,
sample records, users, published templates, template variables); every save,
publish, preview and dry-run goes from the browser through the REST API
(``engine.api``), the same services any client uses.
"""
from __future__ import annotations

from flask import render_template, request, url_for

from designer_ui import bp
from designer_ui.i18n import gettext, label_text, request_locale
from designer_ui.views import actor, runtime, user_timezone
from engine.services.display import with_display
from engine.errors import NotFound
from engine.fields import FIELD_TYPES
from engine.notifications.channels import CHANNELS
from engine.services import forms as form_service
from engine.services import queries, reference_targets
from engine.services import templates as template_service
from engine.services import users as user_service
from engine.services import workflows as workflow_service
from engine.services.permissions import has_capability, require_capability
from engine.owner_field import default_recipient

#: sample records offered per form in the record pickers (preview, next fire times, dry-run)
MAX_SAMPLE_RECORDS = 50
#: how deep the variable picker follows reference fields (record.customer.name)
PICKER_REFERENCE_DEPTH = 1


def _field_summary(f: dict, locale: str) -> dict:
    options = f.get("options") or {}
    return {"id": f["id"], "name": f.get("name") or f["id"], "type": f["type"], "label": label_text(f.get("label"), locale) or f["id"],
            # a reference to another app's form is named ``app/form`` (no sibling of this app has that key)
            "form": FIELD_TYPES.get(f["type"]).linked_store(f) if FIELD_TYPES.get(f["type"]).is_reference else options.get("form"),
            "choices": [{"value": c["value"], "label": label_text(c.get("label"), locale) or c["value"]}
                        for c in options.get("choices") or []]}


def _forms(app: dict, locale: str, *, published_only: bool = False) -> list[dict]:
    """The app's forms with their live fields: the published version, else (for drafts) the draft."""
    rt = runtime()
    out = []
    for form in app["forms"]:
        if form["published_version"]:
            definition = form_service.get_version(rt, app["key"], form["key"], form["published_version"])["definition"]
        elif published_only:
            continue
        else:
            definition = form_service.get_draft(rt, app["key"], form["key"])["definition"]
        out.append({"key": form["key"], "label": label_text(form["label"], locale) or form["key"],
                    "published": bool(form["published_version"]), "definition": definition,
                    "owner_field": (definition.get("settings") or {}).get("owner_field"),
                    "default_to": default_recipient(definition),
                    "fields": [_field_summary(f, locale) for f in definition.get("fields", []) if not f.get("deleted")]})
    return out


def _samples(app_key: str, forms: list[dict]) -> dict[str, list[dict]]:
    """Recent records of each published form, as {id, title}, for the record pickers."""
    rt, locale, tz = runtime(), request_locale(), user_timezone()
    out = {}
    for form in forms:
        if not form["published"]:
            continue
        found = queries.list_records(rt, actor(), app_key, form["key"], queries.Query(page_size=MAX_SAMPLE_RECORDS))
        with_display(rt, actor(), app_key, form["definition"], found["items"], locale, tz)
        out[form["key"]] = [{"id": r["id"], "title": r["title"] if f"#{r['id']}" in r["title"] else f"{r['title']} (#{r['id']})"}
                            for r in found["items"]]
    return out


def _lean(forms: list[dict]) -> list[dict]:
    return [{k: v for k, v in f.items() if k != "definition"} for f in forms]


def _people() -> list[dict]:
    return [{"id": u["id"], "name": u.get("display_name") or u.get("username") or f"#{u['id']}"}
            for u in user_service.list_users(runtime(), actor())]


def named_users(definitions) -> dict[int, str]:
    """{id: display name} of the people definitions name (recipients' ``users`` lists, values of user fields), for the
    chips of the user pickers; the pickers search everyone else on the server."""
    ids: set[int] = set()

    def walk(node, key=None):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif key in ("users", "value") and isinstance(node, int) and not isinstance(node, bool):
            ids.add(node)

    walk(list(definitions))
    return user_service.display_names(runtime(), ids)


def _app(app_key: str) -> dict:
    return form_service.get_app(runtime(), app_key)


@bp.route("/apps/<app_key>/forms/<form_key>/automations")
def automation_editor(app_key, form_key):
    require_capability(runtime(), actor(), "design")  # automations are part of the form definition
    app, locale = _app(app_key), request_locale()
    form = next((f for f in app["forms"] if f["key"] == form_key), None)
    if form is None:
        raise NotFound(f"form {form_key!r} does not exist in app {app_key!r}", path="/form", message_code="error.form.not_in_app",
                       params={"form": repr(form_key), "app": repr(app_key)})
    draft = form_service.get_draft(runtime(), app_key, form_key)
    fields = [_field_summary(f, locale) for f in draft["definition"].get("fields", []) if not f.get("deleted")]
    config = {"api_base": f"/api/apps/{app_key}/forms/{form_key}", "form": form_key, "fields": fields,
              "forms": _lean(_forms(app, locale)), "definition": draft["definition"], "draft_revision": draft["draft_revision"],
              "user_names": named_users(draft["definition"].get("automations") or []),
              "records_url": url_for("ui.records_list", app_key=app_key, form_key="FORM").replace("/FORM/", "/{form}/")}
    return render_template("automation_editor.html", app=app, form=form, config=config, active_nav="apps",
                           designer_url=url_for("ui.designer", app_key=app_key, form_key=form_key))


@bp.route("/apps/<app_key>/workflows/editor")
def workflow_editor(app_key):
    require_capability(runtime(), actor(), "automate")
    rt, app, locale = runtime(), _app(app_key), request_locale()
    forms = _forms(app, locale, published_only=True)
    templates = [{"key": t["key"], "form": t["form"], "label": label_text(t.get("label"), locale) or t["key"]}
                 for t in template_service.list_templates(rt, app_key) if t.get("published_revision")]
    listed = workflow_service.list_workflows(rt, app_key)
    config = {"api_base": f"/api/apps/{app_key}/workflows", "forms": _lean(forms), "samples": _samples(app_key, forms),
              "templates": templates, "user_names": named_users([w["definition"] for w in listed]),
              "selected": request.args.get("key"), "timezone": user_timezone(),
              "channels": sorted(CHANNELS.names()),
              "workflows": [{"key": w["key"], "label": label_text(w["definition"].get("label"), locale) or w["key"],
                             "enabled": w["enabled"], "published_version": w.get("published_version")}
                            for w in listed]}
    return render_template("workflow_editor.html", app=app, config=config, active_nav="apps")


#: the variables every template may use besides the record's fields, each with its catalogue text (the path shows beside)
COMMON_VARIABLES = (("owner.name", "editor.var.owner_name"), ("owner.email", "editor.var.owner_email"),
                    ("owner.manager.name", "editor.var.owner_manager_name"), ("user.name", "editor.var.user_name"),
                    ("link", "editor.var.link"), ("workspace.name", "editor.var.workspace_name"))


def _variables(form: dict, forms: dict[str, dict], locale: str) -> list[dict]:
    """What the picker offers for a form's templates: record fields by name, one reference hop, owner and manager."""
    out = [{"path": "record.id", "label": gettext("editor.var.record_id", locale)},
           {"path": "record.title", "label": gettext("editor.var.record_title", locale)}]
    for f in form["fields"]:
        out.append({"path": f"record.{f['name']}", "label": f["label"]})
        target = forms.get(f["form"]) if FIELD_TYPES.get(f["type"]).is_reference and PICKER_REFERENCE_DEPTH else None
        for g in (target or {}).get("fields", []):
            if not (FIELD_TYPES.get(g["type"]).is_reference or FIELD_TYPES.get(g["type"]).stores_rows):
                out.append({"path": f"record.{f['name']}.{g['name']}", "label": f"{f['label']} · {g['label']}"})
    out += [{"path": path, "label": gettext(key, locale)} for path, key in COMMON_VARIABLES]
    return out


def _other_app_targets(forms: list[dict], app_key: str, locale: str) -> dict[str, dict]:
    """{``app/form``: {fields}} of the other apps' published forms the forms' references name (one hop of variables)."""
    rt, out = runtime(), {}
    for form in forms:
        for f in form["fields"]:
            key = f["form"] if FIELD_TYPES.get(f["type"]).is_reference else None
            target_app, target_form = reference_targets.store_target(key, app_key) if key else (app_key, None)
            if target_app == app_key or key in out:
                continue
            try:
                summary = next((x for x in form_service.get_app(rt, target_app)["forms"]
                                if x["key"] == target_form and x["published_version"]), None)
            except NotFound:
                summary = None
            if summary is None:
                continue
            definition = form_service.get_version(rt, target_app, target_form, summary["published_version"])["definition"]
            out[key] = {"fields": [_field_summary(g, locale) for g in definition.get("fields", []) if not g.get("deleted")]}
    return out


def _print_variables(form: dict, locale: str) -> list[dict]:
    """What the picker offers a print template besides the record: each field as the reader reads it (``display``)."""
    return [{"path": "display.title", "label": gettext("editor.var.record_title", locale)}] + [
        {"path": f"display.{f['name']}", "label": f["label"]} for f in form["fields"]]


@bp.route("/apps/<app_key>/notification-templates/editor")
def template_editor(app_key):
    rt = runtime()
    if not has_capability(rt, actor(), "approve_templates"):  # reviewers open the page to approve; writers to write
        require_capability(rt, actor(), "templates")
    app, locale = _app(app_key), request_locale()
    forms = _forms(app, locale, published_only=True)
    by_key = {**_other_app_targets(forms, app_key, locale), **{f["key"]: f for f in forms}}
    config = {"api_base": f"/api/apps/{app_key}/notification-templates", "user_id": actor().user_id,
              "users": {u["id"]: u["name"] for u in _people()}, "selected": request.args.get("key"),
              "forms": [{"key": f["key"], "label": f["label"]} for f in forms],
              "variables": {f["key"]: _variables(f, by_key, locale) for f in forms},
              "print_variables": {f["key"]: _print_variables(f, locale) for f in forms}, "new_purpose": request.args.get("purpose"),
              "samples": _samples(app_key, forms), "inbox_url": url_for("ui.inbox"),
              "templates": [{"key": t["key"], "label": label_text(t.get("label"), locale) or t["key"], "state": t["state"],
                             "purpose": t["purpose"]}
                            for t in template_service.list_templates(rt, app_key)]}
    return render_template("template_editor.html", app=app, config=config, active_nav="apps")
