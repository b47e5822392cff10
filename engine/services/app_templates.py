"""App templates: the built-in CRM (and any other app definition) installed as ordinary, editable apps.

A template is an app definition in JSON (``builtin_apps/*.json``, plus any
directory named in the ``TEMPLATE_DIRS`` config) carrying ``template: {key,
version}``. Installing it creates a new app through the form services (new
key when the template's is taken) and remembers the definition it was built
from, so a newer template version can be offered later as a three-way merge
(template then -> template now, template then -> the admin's drafts) that
never overwrites an admin's edit; ``reset`` goes back to the template.
Nothing installed is special: it is edited, published and deleted like any
app built in the designer.
"""
from __future__ import annotations

import copy
import json
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from engine import dedup, i18n
from engine.definitions import check_form, diff_definitions, meta_errors
from engine.errors import Conflict, DefinitionInvalid, ErrorItem, FormflowError, NotFound, PreconditionFailed
from engine.runtime import Actor, Runtime
from engine.services import forms as form_service, templates, workflows
from engine.storage.app_template_tables import template_installs
from engine.storage.tables import apps, forms

#: the package holding the built-in templates
BUILTIN_PACKAGE = "builtin_apps"
#: largest template file read, in bytes
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024
#: how many "<key>_<n>" keys are tried when installing again
MAX_KEY_SUFFIX = 99
#: form-level parts merged as a whole on a template update (fields are merged one by one)
FORM_PARTS = ("label", "description", "icon", "layout", "settings", "rules", "validations", "automations", "permissions")


# -- parts other areas install ------------------------------------------------------

class AppPart:
    """A part of an app definition besides forms (notification ``templates``, ``workflows``, ``dashboards``).

    ``check`` names broken references with their path inside the app definition;
    ``install`` creates the items for a freshly installed app through the owning
    area's services, after the forms' transaction has committed.
    """

    name = ""

    def check(self, app_definition: dict) -> list[ErrorItem]:
        return []

    def install(self, rt: Runtime, actor: Actor, app_key: str, items: list[dict], trusted: bool) -> list[dict]:
        """Create the items; returns notes on what is left for a person to do (e.g. review an imported template)."""
        raise NotImplementedError


#: part name (a key of the app definition) -> installer, in install order
APP_PARTS: dict[str, AppPart] = {}
#: callables (template key, definition) adding parts a built-in template ships in its own file (dashboards...)
TEMPLATE_EXTENSIONS: list = []


def _form_keys(app_definition: dict) -> set[str]:
    return {f.get("key") for f in app_definition.get("forms", []) if isinstance(f, dict)}


def _fields_of(app_definition: dict, form_key: str) -> set[str]:
    for f in app_definition.get("forms", []):
        if f.get("key") == form_key:
            return {x.get("id") for x in f.get("fields", [])}
    return set()


class NotificationTemplatesPart(AppPart):
    """``templates``: [{key, form, label, description?, content}] -> notification templates, reviewed and published
    by the installer (shipped content), so the workflows that send them work at once."""

    name = "templates"

    def check(self, app_definition):
        errors, seen = [], set()
        for i, item in enumerate(app_definition.get("templates") or []):
            path = f"/templates/{i}"
            if not isinstance(item, dict):
                errors.append(ErrorItem.coded("error.app_template.template_shape", path=path))
                continue
            for required in ("key", "form", "label", "content"):
                if required not in item:
                    errors.append(ErrorItem.coded("error.schema.required", name=required, path=f"{path}/{required}", code="required"))
            if item.get("key") in seen:
                errors.append(ErrorItem.coded("error.app_template.duplicate_template", key=repr(item["key"]), path=f"{path}/key"))
            seen.add(item.get("key"))
            if "form" in item and item["form"] not in _form_keys(app_definition):
                errors.append(ErrorItem.coded("error.app_template.template_form", key=repr(item.get("key")), form=repr(item["form"]),
                                              path=f"{path}/form", code="not_found"))
        return errors

    def install(self, rt, actor, app_key, items, trusted):

        notes = []
        for i, item in enumerate(items):
            # shipped templates are reviewed content: the installer (system) approves them; an imported one waits for a reviewer
            author = Actor.system() if trusted else actor
            try:
                templates.create_template(rt, author, app_key, key=item["key"], form_key=item["form"], label=item["label"],
                                          content=item["content"], description=item.get("description"),
                                          purpose=item.get("purpose") or "notification")
                templates.submit(rt, author, app_key, item["key"])
                if trusted:
                    templates.approve(rt, author, app_key, item["key"], comment=templates.SHIPPED_COMMENT)
                    templates.publish(rt, author, app_key, item["key"])
                else:
                    notes.append({"part": "templates", "key": item["key"], "state": "submitted", "todo_code": "review_then_publish"})
            except FormflowError as exc:
                raise DefinitionInvalid(exc.message, [prefixed_error(e, f"/templates/{i}") for e in exc.errors]) from None
        return notes


class WorkflowsPart(AppPart):
    """``workflows``: workflow definitions (schemas/workflow.schema.json), created and published."""

    name = "workflows"

    def check(self, app_definition):
        errors = []
        template_keys = {t.get("key") for t in app_definition.get("templates") or [] if isinstance(t, dict)}
        for i, wf in enumerate(app_definition.get("workflows") or []):
            path = f"/workflows/{i}"
            if not isinstance(wf, dict):
                errors.append(ErrorItem.coded("error.app_template.workflow_shape", path=path))
                continue
            if wf.get("form") not in _form_keys(app_definition):
                errors.append(ErrorItem.coded("error.app_template.workflow_form", key=repr(wf.get("key")), form=repr(wf.get("form")),
                                              path=f"{path}/form", code="not_found"))
                continue
            field = (wf.get("trigger") or {}).get("field")
            if field is not None and field not in _fields_of(app_definition, wf["form"]):
                errors.append(ErrorItem.coded("error.app_template.no_field", form=repr(wf["form"]), field=repr(field), path=f"{path}/trigger/field",
                                              code="not_found"))
            for j, step in enumerate(wf.get("steps") or []):
                if isinstance(step, dict) and step.get("template") is not None and step["template"] not in template_keys:
                    errors.append(ErrorItem.coded("error.app_template.no_template", template=repr(step["template"]),
                                                  path=f"{path}/steps/{j}/template", code="not_found"))
        return errors

    def install(self, rt, actor, app_key, items, trusted):

        notes = []
        for i, wf in enumerate(items):
            waiting = [s.get("template") for s in wf.get("steps") or [] if isinstance(s, dict) and s.get("template")]
            if not trusted and waiting:  # its templates await review: it can be created once they are published
                notes.append({"part": "workflows", "key": wf.get("key"), "state": "not_created", "todo_code": "publish_templates_first",
                              "templates": waiting})
                continue
            author = Actor.system() if trusted else actor
            try:
                workflows.create_workflow(rt, author, app_key, wf)
                workflows.publish_workflow(rt, author, app_key, wf["key"])
            except FormflowError as exc:
                raise DefinitionInvalid(exc.message, [prefixed_error(e, f"/workflows/{i}") for e in exc.errors]) from None
        return notes


for _part in (NotificationTemplatesPart(), WorkflowsPart()):
    APP_PARTS[_part.name] = _part


# -- the template library -------------------------------------------------------

def version_tuple(version: str | None) -> tuple:
    out = []
    for part in str(version or "0").split("."):
        out.append(int(part) if part.isdigit() else 0)
    return tuple(out)


def _read(path: Path | Any) -> dict:
    raw = path.read_bytes()
    if len(raw) > MAX_TEMPLATE_BYTES:
        raise DefinitionInvalid(f"template {path.name} is larger than {MAX_TEMPLATE_BYTES} bytes", [ErrorItem.coded("error.app_template.too_large_item", path="/")],
                                message_code="error.app_template.too_large", params={"name": path.name, "max": MAX_TEMPLATE_BYTES})
    return json.loads(raw.decode("utf-8"))


def template_library(rt: Runtime | None = None) -> dict[str, dict]:
    """Every available template by key; a directory in ``TEMPLATE_DIRS`` may ship a newer version of a built-in one."""
    found: dict[str, dict] = {}
    sources = [p for p in resources.files(BUILTIN_PACKAGE).iterdir() if p.name.endswith(".json")]
    for extra in ((rt.config.get("TEMPLATE_DIRS") if rt else None) or []):
        sources += sorted(Path(extra).glob("*.json"))
    for path in sources:
        definition = _read(path)
        info = definition.get("template") or {}
        key = info.get("key") or definition.get("key")
        if key not in found or version_tuple(info.get("version")) > version_tuple(found[key]["template"]["version"]):
            definition.setdefault("template", {"key": key, "version": info.get("version", "0")})
            found[key] = definition
    for key, definition in found.items():
        for extend in TEMPLATE_EXTENSIONS:
            extend(key, definition)
    return found


def list_templates(rt: Runtime | None = None) -> list[dict]:
    return [{"key": key, "version": d["template"]["version"], "label": d.get("label"), "description": d.get("description"),
             "icon": d.get("icon"), "forms": [{"key": f["key"], "label": f.get("label")} for f in d.get("forms", [])]}
            for key, d in sorted(template_library(rt).items())]


def get_template(rt: Runtime | None, key: str) -> dict:
    found = template_library(rt).get(key)
    if found is None:
        raise NotFound(f"there is no app template {key!r}", path="/template", message_code="error.app_template.not_found", params={"key": repr(key)})
    return copy.deepcopy(found)


# -- checking a template ----------------------------------------------------------

def check_app_definition(definition: Any) -> list[ErrorItem]:
    """Every problem with an app definition to import, each with its path (e.g. a reference to a missing form)."""
    if not isinstance(definition, dict):
        return [ErrorItem.coded("error.app_template.object", path="/")]
    errors = meta_errors(definition, "app")
    if errors:
        return errors
    by_key: dict[str, dict] = {}
    for i, form in enumerate(definition.get("forms", [])):
        if form["key"] in by_key:
            errors.append(ErrorItem.coded("error.app_template.duplicate_form", key=repr(form["key"]), path=f"/forms/{i}/key"))
        by_key[form["key"]] = with_field_names(form)
    for i, form in enumerate(definition.get("forms", [])):
        siblings = {k: v for k, v in by_key.items() if k != form["key"]}
        errors += check_form(with_field_names(form), siblings, prefix=f"/forms/{i}")
        errors += dedup.check_setting(form, prefix=f"/forms/{i}")
    for name, part in APP_PARTS.items():
        errors += part.check(definition)
    for name in ("templates", "workflows", "dashboards"):
        if definition.get(name) and name not in APP_PARTS:
            errors.append(ErrorItem.coded("error.app_template.unsupported_part", part=part_words(name), path=f"/{name}", code="unsupported"))
    return errors


def with_field_names(form: dict) -> dict:
    """Fill names from ids (as the form service does), so rules see every field."""
    form = copy.deepcopy(form)
    for f in form.get("fields", []):
        if isinstance(f, dict) and "id" in f and "name" not in f:
            f["name"] = f["id"]
    return form


# -- installing ---------------------------------------------------------------------

def _free_key(conn, rt: Runtime, wanted: str) -> str:
    taken = set(conn.execute(sa.select(apps.c.key).where(apps.c.workspace_id == rt.workspace_id)).scalars())
    if wanted not in taken:
        return wanted
    for n in range(2, MAX_KEY_SUFFIX + 1):
        key = f"{wanted[:60]}_{n}"
        if key not in taken:
            return key
    raise Conflict(f"too many apps named {wanted!r}; give the new one a key", [ErrorItem.coded("error.value.taken", path="/app_key")],
                   message_code="error.app_template.too_many_apps", params={"key": repr(wanted)})


def _put_draft(rt: Runtime, conn, app_id: int, definition: dict, all_forms: dict[str, dict], prefix: str = "") -> None:
    """Replace a form's draft once every form it refers to exists (the install/merge transaction holds them all)."""
    errors = check_form(definition, {k: v for k, v in all_forms.items() if k != definition["key"]}, prefix=prefix)
    errors += dedup.check_setting(definition, prefix=prefix)
    if errors:
        raise DefinitionInvalid(f"form {definition['key']!r} is not valid", errors, message_code="error.app_template.form_invalid",
                                params={"form": repr(definition["key"])})
    conn.execute(sa.update(forms).where(forms.c.app_id == app_id, forms.c.key == definition["key"]).values(
        draft=definition, draft_revision=forms.c.draft_revision + 1, updated_at=rt.clock.now()))


def install_template(rt: Runtime, actor: Actor, template_key: str | None = None, *, definition: dict | None = None,
                     app_key: str | None = None, label: Any = None, origin: str = "manual", locale: str | None = None) -> dict:
    """Install a template (by key, or a given app definition) as a new app, published and ready to use; ``pending``: what
    is left for a person to do, each with its ``todo_code`` and its ``todo`` in ``locale`` (template_install.todo.*)."""
    source = copy.deepcopy(definition) if definition is not None else get_template(rt, template_key or "")
    with rt.db.transaction() as conn:
        key, info = _install_forms(rt, conn, actor, source, app_key=app_key, label=label, origin=origin)
    notes = _install_parts(rt, actor, key, source, trusted=definition is None)
    todo = [{**n, "todo": i18n.render("template_install.todo." + n["todo_code"], locale, {"templates": ", ".join(n.get("templates", []))})}
            for n in notes]
    return {**form_service.get_app(rt, key), "installed_from": info, "pending": todo}


def _install_forms(rt: Runtime, conn, actor: Actor, source: dict, *, app_key: str | None = None, label: Any = None,
                   origin: str = "manual") -> tuple[str, dict]:
    """The app and its forms, published, in the caller's transaction (all or nothing)."""
    errors = check_app_definition(source)
    if errors:
        raise DefinitionInvalid("the app template is not valid", errors, message_code="error.app_template.invalid")
    info = source.get("template") or {"key": source["key"], "version": "0"}
    info = {"key": info.get("key") or source["key"], "version": str(info.get("version") or "0")}
    key = app_key or _free_key(conn, rt, source["key"])
    form_service.create_app(rt, actor, key, label or source["label"], source.get("description"), template=info, conn=conn)
    app_id = conn.execute(sa.select(apps.c.id).where(apps.c.workspace_id == rt.workspace_id, apps.c.key == key)).scalar_one()
    all_forms = {f["key"]: with_field_names(f) for f in source.get("forms", [])}
    # two steps because forms refer to each other (roll-ups point back): create them all, then fill them in
    for form_key, form in all_forms.items():
        form_service.create_form(rt, actor, key, {"key": form_key, "label": form["label"], "fields": []}, template=info, conn=conn)
    for i, form in enumerate(source.get("forms", [])):
        _put_draft(rt, conn, app_id, all_forms[form["key"]], all_forms, prefix=f"/forms/{i}")
    for i, form_key in enumerate(all_forms):
        _publish(rt, actor, key, form_key, conn, prefix=f"/forms/{i}")
    now = rt.clock.now()
    conn.execute(sa.insert(template_installs).values(
        workspace_id=rt.workspace_id, app_id=app_id, template_key=info["key"], template_version=info["version"], base=source,
        origin=origin, first_run=True if origin == "first_run" else None, installed_at=now, updated_at=now))
    return key, info


def _install_parts(rt: Runtime, actor: Actor, app_key: str, source: dict, *, trusted: bool) -> list[dict]:
    """Notification templates, workflows...: through their own services (their own transactions), once the forms exist.
    ``trusted``: the definition comes from the template library (shipped, reviewed), not from an upload."""
    notes: list[dict] = []
    for name, part in APP_PARTS.items():
        if source.get(name):
            try:
                notes += part.install(rt, actor, app_key, source[name], trusted)
            except DefinitionInvalid as exc:
                params = {"app": repr(app_key), "part": part_words(name), "detail": {loc: exc.localized(loc) for loc in i18n.LOCALES}}
                raise DefinitionInvalid(i18n.render("error.app_template.parts_not_installed", "en", params),
                                        [prefixed_error(e, "") for e in exc.errors], message_code="error.app_template.parts_not_installed",
                                        params=params) from None
    return notes


def part_words(name: str) -> Any:
    """An app part ("templates", "workflows", "dashboards") in the words of each language, as a message's parameter."""
    return i18n.words("error.app_template.part.", name)


def prefixed_error(e: ErrorItem, prefix: str) -> ErrorItem:
    return replace(e, path=prefix + e.path)  # its message code and params too: it reads in the reader's language


def _publish(rt: Runtime, actor: Actor, app_key: str, form_key: str, conn, prefix: str) -> None:
    """Publish, with the paths of any refusal (rules, automations...) pointing into the template."""
    try:
        form_service.publish_form(rt, actor, app_key, form_key, conn=conn)
    except DefinitionInvalid as exc:
        raise DefinitionInvalid(exc.message, [prefixed_error(e, prefix) for e in exc.errors], message_code=exc.message_code,
                                params=exc.params) from None


def install_on_first_run(rt: Runtime, actor: Actor | None = None) -> list[str]:
    """Install every built-in template once per workspace, ever: later starts never reinstall over an admin's edits
    (nor bring back an app the admin deleted). Returns the keys of the apps installed now."""
    actor = actor or Actor.system()
    installed = []
    for template_key, source in sorted(template_library(rt).items()):
        try:
            with rt.db.transaction() as conn:
                done = conn.execute(sa.select(template_installs.c.id).where(
                    template_installs.c.workspace_id == rt.workspace_id, template_installs.c.template_key == template_key,
                    template_installs.c.first_run.is_(True))).first()
                if done:
                    continue
                key, _ = _install_forms(rt, conn, actor, copy.deepcopy(source), origin="first_run")
        except sa.exc.IntegrityError:  # another process installed it at the same moment
            continue
        _install_parts(rt, actor, key, source, trusted=True)
        installed.append(key)
    return installed


def _install_row(conn, rt: Runtime, app_key: str):
    app = form_service.app_row(conn, rt, app_key)
    row = conn.execute(sa.select(template_installs).where(template_installs.c.app_id == app["id"])
                       .order_by(template_installs.c.id.desc())).mappings().first()
    if row is None:
        raise NotFound(f"app {app_key!r} was not installed from a template", path="/app", message_code="error.app_template.not_installed",
                       params={"app": repr(app_key)})
    return app, row


# -- updates: a three-way merge that keeps the admin's edits --------------------------

def _merge_form(base: dict | None, mine: dict, theirs: dict) -> tuple[dict, list[dict], list[dict]]:
    """Apply the template's changes (base -> theirs) to the admin's draft (mine). Returns (merged, applied, kept)."""
    base = base or {"fields": []}
    applied: list[dict] = []
    kept: list[dict] = []
    merged = copy.deepcopy(mine)
    base_fields = {f["id"]: f for f in base.get("fields", [])}
    their_fields = {f["id"]: f for f in theirs.get("fields", [])}
    out_fields = []
    for f in mine.get("fields", []):
        fid = f["id"]
        old, new = base_fields.get(fid), their_fields.get(fid)
        if old is None or old == new:  # the admin's own field, or the template didn't touch it
            out_fields.append(f)
        elif new is None:
            if f == old and not f.get("deleted"):
                out_fields.append({**f, "deleted": True})
                applied.append({"change": "field_deleted", "field_id": fid})
            else:
                out_fields.append(f)
                kept.append({"change": "field_deleted", "field_id": fid, "reason_code": "field_edited"})
        elif f == old:
            out_fields.append(copy.deepcopy(new))
            applied.append({"change": "field_changed", "field_id": fid, "old_label": old.get("label"),
                            "what": sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))})
        else:
            out_fields.append(f)
            kept.append({"change": "field_changed", "field_id": fid, "reason_code": "field_edited",
                         "template": copy.deepcopy(new)})
    mine_ids = {f["id"] for f in mine.get("fields", [])}
    added = []
    for f in theirs.get("fields", []):
        if f["id"] not in mine_ids and f["id"] not in base_fields:
            out_fields.append(copy.deepcopy(f))
            added.append(f["id"])
            applied.append({"change": "field_added", "field_id": f["id"], "type": f["type"]})
    merged["fields"] = out_fields
    for part in FORM_PARTS:
        old, new, current = base.get(part), theirs.get(part), mine.get(part)
        if old == new:
            continue
        if current == old:
            if new is None:
                merged.pop(part, None)
            else:
                merged[part] = copy.deepcopy(new)
            applied.append({"change": f"{part}_changed", "path": f"/{part}"})
        else:
            kept.append({"change": f"{part}_changed", "path": f"/{part}", "reason_code": "part_edited",
                         "template": copy.deepcopy(new)})
    if added and mine.get("layout") != base.get("layout") and merged.get("layout", {}).get("sections"):
        placed = {fid for s in merged["layout"]["sections"] for fid in s["fields"]}
        merged["layout"]["sections"][-1]["fields"] += [fid for fid in added if fid not in placed]  # your layout, new fields at the end
    return merged, applied, kept


def _plan(rt: Runtime, conn, app_key: str) -> dict:
    app, row = _install_row(conn, rt, app_key)
    available = get_template(rt, row["template_key"])
    newer = version_tuple(available["template"]["version"]) > version_tuple(row["template_version"])
    base_forms = {f["key"]: with_field_names(f) for f in row["base"].get("forms", [])}
    their_forms = {f["key"]: with_field_names(f) for f in available.get("forms", [])}
    current = {k: d for k, d in conn.execute(sa.select(forms.c.key, forms.c.draft).where(forms.c.app_id == app["id"])).all()}
    plan = []
    for form_key, theirs in their_forms.items():
        if form_key not in current:
            if form_key in base_forms:  # the admin removed it; don't bring it back
                plan.append({"form": form_key, "action": "skip", "applied": [], "kept": [{"change": "form_removed_by_you", "reason_code": "form_removed"}]})
            else:
                plan.append({"form": form_key, "action": "create", "definition": theirs,
                             "applied": [{"change": "form_added"}], "kept": []})
            continue
        merged, applied, kept = _merge_form(base_forms.get(form_key), current[form_key], theirs)
        plan.append({"form": form_key, "action": "update" if applied else "none", "definition": merged, "applied": applied, "kept": kept})
    return {"app": app_key, "app_id": app["id"], "template": row["template_key"], "installed_version": row["template_version"],
            "available_version": available["template"]["version"], "update_available": newer, "forms": plan,
            "parts": _parts_plan(row["base"], available), "source": available, "install_id": row["id"]}


def _parts_plan(base: dict, theirs: dict) -> list[dict]:
    """Notification templates and workflows: new ones are added; changed ones are not merged (they have their own
    review and versions), so the offer says what changed for the admin to carry over."""
    out = []
    for name in APP_PARTS:
        before = {i.get("key"): i for i in base.get(name) or [] if isinstance(i, dict)}
        for item in theirs.get(name) or []:
            old = before.get(item.get("key"))
            if old is None:
                out.append({"part": name, "key": item.get("key"), "action": "create", "item": item})
            elif old != item:
                out.append({"part": name, "key": item.get("key"), "action": "review", "reason_code": "template_changed", "template": item})
    return out


def template_update(rt: Runtime, app_key: str, locale: str | None = None) -> dict:
    """What updating the app to the newest template version would change, and which of your edits it keeps
    (each kept edit with its ``reason_code`` and its ``reason`` in ``locale``)."""
    with rt.db.read() as conn:
        plan = _plan(rt, conn, app_key)
    return _public(plan, locale)


def _public(plan: dict, locale: str | None = None) -> dict:
    return {"app": plan["app"], "template": plan["template"], "installed_version": plan["installed_version"],
            "available_version": plan["available_version"], "update_available": plan["update_available"],
            "forms": [_labelled(p, locale) for p in plan["forms"] if plan["update_available"]],
            "parts": [_reasoned({**{k: v for k, v in p.items() if k != "item"}, "label": (p.get("item") or p.get("template") or {}).get("label")},
                                locale) for p in plan.get("parts", []) if plan["update_available"]]}


def _reasoned(item: dict, locale: str | None) -> dict:
    """``item`` with its ``reason`` (template_update.reason.<reason_code>, engine/translations) in the reader's language."""
    if "reason_code" not in item:
        return item
    part = item["part"] if "part" in item else item["change"].removesuffix("_changed")
    words = i18n.words("template_update.app_part." if "part" in item else "template_update.part.", part)
    return {**item, "reason": i18n.render("template_update.reason." + item["reason_code"], locale, {"part": words})}


def _labelled(p: dict, locale: str | None = None) -> dict:
    """A form's plan with what the admin reads: the form's label and each named field's (as the form will have it)."""
    definition = p.get("definition") or {}
    labels = {f["id"]: f.get("label") for f in definition.get("fields", [])}

    def named(items: list[dict]) -> list[dict]:
        return [_reasoned({**i, "field_label": labels.get(i["field_id"]) or i["field_id"]} if "field_id" in i else i, locale) for i in items]
    return {"form": p["form"], "label": definition.get("label"), "action": p["action"], "applied": named(p["applied"]),
            "kept": named(p["kept"])}


def apply_template_update(rt: Runtime, actor: Actor, app_key: str, *, expected_version: str | None = None,
                          locale: str | None = None) -> dict:
    """Apply the offered update (all forms in one transaction) and publish what changed; your edits stay."""
    with rt.db.transaction() as conn:
        plan = _plan(rt, conn, app_key)
        if not plan["update_available"]:
            raise Conflict(f"app {app_key!r} is already at template version {plan['installed_version']}",
                           [ErrorItem.coded("error.app_template.no_newer_item", path="/version")], message_code="error.app_template.up_to_date",
                           params={"app": repr(app_key), "version": plan["installed_version"]})
        if expected_version is not None and expected_version != plan["available_version"]:
            raise PreconditionFailed(f"the available template version is {plan['available_version']}, not {expected_version}; review it again",
                                     available_version=plan["available_version"], message_code="error.app_template.version_moved",
                                     params={"available": plan["available_version"], "expected": expected_version})
        _write_plan(rt, conn, actor, plan)
    for p in plan["parts"]:  # new notification templates / workflows, through their services, once the forms are in
        if p["action"] == "create":
            APP_PARTS[p["part"]].install(rt, actor, app_key, [p["item"]], True)
    return {**_public(plan, locale), "applied_version": plan["available_version"]}


def _write_plan(rt: Runtime, conn, actor: Actor, plan: dict) -> None:
    app_key, app_id = plan["app"], plan["app_id"]
    info = {"key": plan["template"], "version": plan["available_version"]}
    for p in plan["forms"]:
        if p["action"] == "create":
            form_service.create_form(rt, actor, app_key, {"key": p["form"], "label": p["definition"]["label"], "fields": []},
                                     template=info, conn=conn)
    all_forms = {k: d for k, d in conn.execute(sa.select(forms.c.key, forms.c.draft).where(forms.c.app_id == app_id)).all()}
    all_forms.update({p["form"]: p["definition"] for p in plan["forms"] if p["action"] in ("create", "update")})
    changed = [p for p in plan["forms"] if p["action"] in ("create", "update")]
    for p in changed:
        _put_draft(rt, conn, app_id, p["definition"], all_forms, prefix=f"/forms/{p['form']}")
    for p in changed:
        _publish(rt, actor, app_key, p["form"], conn, prefix=f"/forms/{p['form']}")
    conn.execute(sa.update(forms).where(forms.c.app_id == app_id, forms.c.key.in_([p["form"] for p in plan["forms"]]))
                 .values(template_version=info["version"]))
    conn.execute(sa.update(apps).where(apps.c.id == app_id).values(template_version=info["version"], updated_at=rt.clock.now()))
    conn.execute(sa.update(template_installs).where(template_installs.c.id == plan["install_id"]).values(
        template_version=info["version"], base=plan["source"], updated_at=rt.clock.now()))


def reset_app(rt: Runtime, actor: Actor, app_key: str, form_keys: list[str] | None = None, locale: str | None = None) -> dict:
    """Put forms back as the template has them (current version). Fields you added are kept as deleted, so data stays."""
    with rt.db.transaction() as conn:
        app, row = _install_row(conn, rt, app_key)
        source = get_template(rt, row["template_key"])
        current = {k: d for k, d in conn.execute(sa.select(forms.c.key, forms.c.draft).where(forms.c.app_id == app["id"])).all()}
        plan = []
        for form in source.get("forms", []):
            if form_keys and form["key"] not in form_keys:
                continue
            theirs = with_field_names(form)
            mine = current.get(form["key"])
            if mine is None:
                plan.append({"form": form["key"], "action": "create", "definition": theirs, "applied": [{"change": "form_added"}], "kept": []})
                continue
            ids = {f["id"] for f in theirs["fields"]}
            extra = [{**f, "deleted": True} for f in mine.get("fields", []) if f["id"] not in ids]
            definition = {**theirs, "fields": theirs["fields"] + extra}
            plan.append({"form": form["key"], "action": "update" if definition != mine else "none", "definition": definition,
                         "applied": diff_definitions(mine, definition), "kept": []})
        full = {"app": app_key, "app_id": app["id"], "template": row["template_key"], "installed_version": row["template_version"],
                "available_version": source["template"]["version"], "update_available": True, "forms": plan, "source": source,
                "install_id": row["id"]}
        _write_plan(rt, conn, actor, full)
    return {**_public(full, locale), "reset_to_version": source["template"]["version"]}


def installed_from(rt: Runtime, app_key: str) -> dict:
    with rt.db.read() as conn:
        _, row = _install_row(conn, rt, app_key)
    return {"template": row["template_key"], "version": row["template_version"], "origin": row["origin"],
            "installed_at": row["installed_at"].isoformat()}
