"""Form definitions: checking them, deriving record schemas, compiling them.

A definition is checked twice: against the meta-schema in ``schemas/`` (shape)
and semantically (duplicate ids, layout naming unknown fields, references to
missing forms, serial formats...). Every problem comes back as an ``ErrorItem``
with the JSON path inside the definition. A published definition is compiled
once into a :class:`CompiledForm` and cached by (form id, version).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field as dc_field
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import fastjsonschema
import jsonschema
from referencing import Registry, Resource

from engine import i18n
from engine.cache import VersionCache
from engine.errors import ErrorItem
from engine.fields import FIELD_TYPES
from engine.fields.base import DefinitionContext, FieldValueError, field_label, field_labels
from engine.fields.relation import reference_target
from engine.fields.shape_checks import shape_check
from engine.safety import MAX_DEFINITION_BYTES, MAX_FIELDS_PER_FORM
from engine.schema_messages import SCHEMA_LIMIT_CODES, json_kind, kinds, schema_code, shown  # noqa: F401  (SCHEMA_LIMIT_CODES: public here too)

if TYPE_CHECKING:  # the features' artefacts; their modules import this one
    from engine.autofill import Autofill
    from engine.automations import Automation
    from engine.dedup import DuplicateCheck
    from engine.formrules import FormRules
    from engine.services.approvals import ApprovalFlow



@lru_cache(maxsize=None)
def meta_schema(name: str) -> dict:
    return json.loads(resources.files("schemas").joinpath(f"{name}.schema.json").read_text("utf-8"))


@lru_cache(maxsize=None)
def _meta_validator(name: str) -> jsonschema.Draft202012Validator:
    registry = Registry().with_resources(
        (meta_schema(n)["$id"].rsplit("/", 1)[0] + f"/{n}.schema.json", Resource.from_contents(meta_schema(n)))
        for n in ("form", "app")
    )
    return jsonschema.Draft202012Validator(meta_schema(name), registry=registry)


def json_pointer(parts) -> str:
    return "/" + "/".join(str(p) for p in parts) if parts else ""


def meta_errors(definition: Any, name: str = "form", prefix: str = "") -> list[ErrorItem]:
    """Shape errors against the meta-schema, most useful first (one per path)."""
    items: list[ErrorItem] = []
    seen: set[str] = set()
    for err in sorted(_meta_validator(name).iter_errors(definition), key=lambda e: (len(e.path), str(e.path))):
        best = jsonschema.exceptions.best_match([err]) if err.context else err
        path = prefix + json_pointer(best.absolute_path)
        if path in seen:
            continue
        seen.add(path)
        message_code, params = shape_code(best)
        items.append(ErrorItem.coded(message_code, path=path, code="schema", **params))
    return items


def shape_code(err: jsonschema.ValidationError) -> tuple[str, dict]:
    """The catalogue message code and params of a shape error (a definition's own words for a field type and a key,
    then the one table of every jsonschema keyword, engine.schema_messages)."""
    if err.validator == "enum" and err.absolute_path and err.absolute_path[-1] == "type":
        return "error.definition.unknown_type", {"type": repr(err.instance), "known": _known_types()}
    if err.validator == "pattern" and isinstance(err.instance, str):
        return "error.definition.bad_key", {"key": repr(err.instance)}
    return schema_code(err)


def _known_types() -> dict[str, str]:
    """The type names a definition may use, quoted (they are keys), with each type's label in the reader's language."""
    return {loc: ", ".join(f"'{name}'" if loc == i18n.DEFAULT_LOCALE else f"'{name}'（{i18n.localized(t.label, loc)}）"
                           for name, t in FIELD_TYPES.items()) for loc in i18n.LOCALES}


def iter_fields(fields: list[dict]):
    """Every field, with sub-table fields as (path, field, parent)."""
    for i, f in enumerate(fields):
        yield f"/fields/{i}", f, None
        if f.get("type") in FIELD_TYPES and FIELD_TYPES.get(f["type"]).stores_rows:
            for j, sub in enumerate((f.get("options") or {}).get("fields", [])):
                yield f"/fields/{i}/options/fields/{j}", sub, f


def check_form(definition: dict, app_forms: dict[str, dict], prefix: str = "", *, app_key: str | None = None,
               other_apps: dict[str, dict[str, list[dict]]] | None = None, access_keys=None) -> list[ErrorItem]:
    """All problems with one form definition, given the other forms of its app by key (and, for references to other
    apps' forms, ``other_apps``: ``engine.services.reference_targets.named_apps``; for a member field's limit,
    ``access_keys``: a callable answering the workspace's role and team keys, called only when a limit is checked)."""
    if len(json.dumps(definition, ensure_ascii=False).encode()) > MAX_DEFINITION_BYTES:
        return [ErrorItem.coded("error.definition.too_large", path=prefix or "/", code="too_large", max=MAX_DEFINITION_BYTES)]
    errors = meta_errors(definition, "form", prefix)
    if errors:
        return errors
    fields = definition.get("fields", [])
    all_fields = list(iter_fields(fields))
    if len(all_fields) > MAX_FIELDS_PER_FORM:
        return [ErrorItem.coded("error.definition.too_many_fields", path=prefix + "/fields", max=MAX_FIELDS_PER_FORM)]
    ctx = DefinitionContext(
        form_keys=set(app_forms) | {definition["key"]},
        forms_fields={k: d.get("fields", []) for k, d in {**app_forms, definition["key"]: definition}.items()},
        current_fields=fields,
        other_apps=other_apps,
        own_app=app_key,
        own_form=definition["key"],
        access_keys=access_keys,
    )
    ids: dict[str, str] = {}
    names: dict[str, str] = {}
    for path, f, parent in all_fields:
        scope = parent["id"] if parent else ""
        key = f"{scope}/{f['id']}"
        if key in ids:
            errors.append(ErrorItem.coded("error.definition.duplicate_id", path=prefix + path + "/id", field_id=f["id"], code="duplicate",
                                          id=repr(f["id"]), other=ids[key]))
        ids[key] = path
        name = f"{scope}/{f.get('name', f['id'])}"
        if name in names and not f.get("deleted"):
            errors.append(ErrorItem.coded("error.definition.duplicate_name", path=prefix + path + "/name", field_id=f["id"],
                                          code="duplicate", name=repr(f.get("name", f["id"])), other=names[name]))
        if not f.get("deleted"):
            names[name] = path
        if parent is None:
            # every type answers with a CodedMessage (tests/core/test_error_codes.py: test_the_field_types_code_their_option_checks)
            for suffix, message, *extra in FIELD_TYPES.get(f["type"]).check_options(f, ctx):  # extra: e.g. a position
                errors.append(ErrorItem.coded(message.code, path=f"{prefix}{path}/{suffix}", field_id=f["id"], label=field_labels(f),
                                              extra=extra[0] if extra else {}, **message.params))
        if "default" in f and f["default"] is not None and not _default_ok(f):
            errors.append(ErrorItem.coded("error.definition.bad_default", path=prefix + path + "/default", field_id=f["id"]))
    by_id = {f["id"]: f for f in fields}
    for i, f in enumerate(fields):
        fetch = f.get("fetch")
        if fetch:
            ref = by_id.get(fetch["from"])
            if not ref or ref.get("type") not in FIELD_TYPES or not FIELD_TYPES.get(ref["type"]).is_reference:
                errors.append(ErrorItem.coded("error.definition.fetch_source", path=f"{prefix}/fields/{i}/fetch/from", field_id=f["id"],
                                              source=repr(fetch["from"])))
            else:
                target = reference_target(ref, app_key)
                target_forms = ctx.forms_fields if target.app is None else ctx.other_apps.get(target.app, {})
                target_fields = {t["id"] for t in target_forms.get(target.form, [])}
                if target.app is not None and fetch.get("policy") == "live":  # saves in another app don't reach back here
                    errors.append(ErrorItem.coded("error.definition.fetch_live_other_app", path=f"{prefix}/fields/{i}/fetch/policy",
                                                  field_id=f["id"], app=repr(target.app)))
                if fetch["field"] not in target_fields:
                    errors.append(ErrorItem.coded("error.definition.fetch_field", path=f"{prefix}/fields/{i}/fetch/field", field_id=f["id"],
                                                  form=repr(target.store_key()), field=repr(fetch["field"])))
    placed: dict[str, str] = {}
    for s, section in enumerate((definition.get("layout") or {}).get("sections", [])):
        for j, fid in enumerate(section["fields"]):
            path = f"{prefix}/layout/sections/{s}/fields/{j}"
            if fid not in by_id:
                errors.append(ErrorItem.coded("error.definition.layout_unknown", path=path, field_id=fid, field=repr(fid)))
            elif fid in placed:
                errors.append(ErrorItem.coded("error.definition.placed_twice", path=path, field_id=fid, field=repr(fid), other=placed[fid]))
            placed[fid] = path
    title = (definition.get("settings") or {}).get("title_field")
    if title and title not in by_id:
        errors.append(ErrorItem.coded("error.definition.title_field", path=prefix + "/settings/title_field", field=repr(title)))
    return errors


def _default_ok(f: dict) -> bool:
    if isinstance(f["default"], dict) and "formula" in f["default"] or f["default"] in ("$today", "$now", "$user"):
        return True
    ftype = FIELD_TYPES.get(f["type"])
    if ftype.engine_set:
        return False
    return ftype.can_hold(f["default"], f)


def record_schema(fields: list[dict]) -> dict:
    """The JSON Schema of a record's input data, derived from the field list."""
    props = {}
    for f in fields:
        if f.get("deleted"):
            continue
        ftype = FIELD_TYPES.get(f["type"])
        if ftype.engine_set:
            continue
        props[f["id"]] = {"anyOf": [ftype.schema(f), {"type": "null"}]}  # the value first: most are not empty
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
            "properties": props, "additionalProperties": False}


@dataclass
class CompiledForm:
    """A published (or draft) form compiled for fast, repeated use."""

    form_id: int
    key: str
    app_key: str
    version: int
    definition: dict
    fields: list[dict] = dc_field(init=False)
    by_id: dict[str, dict] = dc_field(init=False)
    by_name: dict[str, dict] = dc_field(init=False)
    schema: dict = dc_field(init=False)
    # the features' artefacts, one attribute each (``engine.pipeline``: a feature's ``compile`` fills its own)
    rules: FormRules | None = None  # show/require/lock rules and submit validations (engine.formrules)
    autofill: Autofill | None = None  # fetched, computed and roll-up values (engine.autofill)
    automations: list[Automation] | None = None  # (engine.automations)
    approval: ApprovalFlow | None = None  # (engine.services.approvals)
    duplicate_check: DuplicateCheck | None = None  # (engine.dedup)
    features_compiled: bool = False  # the attributes above were filled by the pipeline (not a bare CompiledForm)
    #: values other modules derive from the definition on first use, keyed by their name (a cache, not shared state)
    memo: dict[str, Any] = dc_field(default_factory=dict)

    def __post_init__(self):
        self.fields = list(self.definition.get("fields", []))
        self.by_id = {f["id"]: f for f in self.fields}
        self.by_name = {f.get("name", f["id"]): f for f in self.fields if not f.get("deleted")}
        self.live_fields = [f for f in self.fields if not f.get("deleted")]
        self.input_fields = [f for f in self.live_fields if not FIELD_TYPES.get(f["type"]).engine_set]
        self.schema = record_schema(self.fields)
        self._fast = fastjsonschema.compile(self.schema)
        self._full: jsonschema.Draft202012Validator | None = None
        self._normalizers = [(f["id"], FIELD_TYPES.get(f["type"]).normalize, f) for f in self.input_fields]
        self._compile_fast_path()

    def _compile_fast_path(self) -> None:
        """Per field, once per version: a shape check compiled from its schema fragment and its normalizer as a closure.
        Fields whose fragment no check covers keep a schema of their own (``_residual``), still one compiled call."""
        self._props = frozenset(self.schema["properties"])
        plan, residual = [], {}
        for f in self.input_fields:
            ftype = FIELD_TYPES.get(f["type"])
            check = shape_check(ftype.schema(f))
            if check is None:
                residual[f["id"]] = self.schema["properties"][f["id"]]
            plan.append((f["id"], check, ftype.normalizer(f)))
        self._plan = tuple(plan)
        self._residual = fastjsonschema.compile({"type": "object", "properties": residual}) if residual else None

    @property
    def settings(self) -> dict:
        return self.definition.get("settings") or {}

    def label(self, field_id: str, locale: str = "en") -> str:
        f = self.by_id.get(field_id)
        return field_label(f, locale) if f else field_id

    def labels(self, field_id: str) -> dict[str, str] | str:
        """The field's label in every language it has (an error item shows the reader's)."""
        f = self.by_id.get(field_id)
        return field_labels(f) if f else field_id

    def validate(self, values: dict) -> tuple[dict, list[ErrorItem]]:
        """Check shape and normalize. Returns (normalized values, errors).

        The fast path runs the compiled schema once; full detail (every error
        with its path) is computed only when something is wrong.
        """
        if type(values) is dict and self._props.issuperset(values):
            done = self._checked_and_normalized(values)
            if done is not None:
                return done
        return self.validate_by_schema(values)

    def _checked_and_normalized(self, values: dict) -> tuple[dict, list[ErrorItem]] | None:
        """The compiled path: each field's check and normalizer; None as soon as a value is not of its field's shape
        (the schema path then finds every error, with its path, as it always did)."""
        if self._residual is not None:
            try:
                self._residual(values)
            except fastjsonschema.JsonSchemaValueException:
                return None
        out = dict(values)
        errors: list[ErrorItem] = []
        get = values.get
        for fid, check, normalize in self._plan:
            value = get(fid)
            if value is None:
                continue
            if check is not None and not check(value):
                return None
            if normalize is None:  # kept as it is
                continue
            try:
                out[fid] = normalize(value)
            except (ValueError, ArithmeticError) as exc:
                errors.append(self.refused_value(fid, exc))
        return out, errors

    def validate_by_schema(self, values: dict) -> tuple[dict, list[ErrorItem]]:
        """``validate`` through the whole compiled schema and each type's ``normalize``: the path that names every
        error, taken whenever the compiled checks find a value out of shape (and the reference they are tested against)."""
        try:
            self._fast(values)
        except fastjsonschema.JsonSchemaValueException:
            errors = self.shape_errors(values)
            bad = {e.field_id for e in errors}
            out, more = self._normalize({k: v for k, v in values.items() if k not in bad})
            return values, errors + more
        return self._normalize(values)

    def _normalize(self, values: dict) -> tuple[dict, list[ErrorItem]]:
        out = dict(values)
        errors: list[ErrorItem] = []
        for fid, normalize, f in self._normalizers:
            value = out.get(fid)
            if value is None:
                continue
            try:
                out[fid] = normalize(value, f)
            except (ValueError, ArithmeticError) as exc:
                errors.append(self.refused_value(fid, exc))
        return out, errors

    def shape_errors(self, values: dict) -> list[ErrorItem]:
        if self._full is None:
            self._full = jsonschema.Draft202012Validator(self.schema)
        items, seen = [], set()
        for err in self._full.iter_errors(values):
            best = jsonschema.exceptions.best_match([err]) if err.context else err
            parts = list(best.absolute_path)
            if best.validator == "additionalProperties" and parts:  # inside a sub-table row
                allowed = set(best.schema.get("properties", {}))
                for extra in sorted(set(best.instance) - allowed):
                    items.append(self.coded(str(parts[0]), "error.field.not_a_column", column=repr(extra),
                                            path="/data" + json_pointer(parts + [extra]), code="unknown_field"))
                continue
            if best.validator == "additionalProperties":
                for extra in sorted(set(best.instance) - set(self.schema["properties"])):
                    known = self.by_id.get(extra)
                    why = ("error.field.engine_set" if known and FIELD_TYPES.get(known["type"]).engine_set
                           else "error.field.deleted_named" if known else "error.field.unknown")
                    items.append(ErrorItem.coded(why, path=f"/data/{extra}", field_id=extra, code="unknown_field", field=repr(extra)))
                continue
            fid = str(parts[0]) if parts else None
            key = (fid, json_pointer(parts))
            if key in seen:
                continue
            seen.add(key)
            message_code, params = _value_message(best, self.by_id.get(fid))
            items.append(self.coded(fid, message_code, path="/data" + json_pointer(parts), **params))
        return items or [ErrorItem.coded("error.record.invalid", path="/data")]

    def refused_value(self, field_id: str, exc: Exception) -> ErrorItem:
        """A value the field's type refused in ``normalize``: its coded reason at the part it names (a region's level);
        a ValueError in Python's own words (a date that is no date) reads as what the type expects."""
        if isinstance(exc, FieldValueError):
            return self.coded(field_id, exc.message_code, path=f"/data/{field_id}/{exc.subpath}" if exc.subpath else None,
                              **exc.params)
        f = self.by_id.get(field_id)
        expected = FIELD_TYPES.get(f["type"]).expected if f and f.get("type") in FIELD_TYPES else None
        return self.coded(field_id, "error.value.expected", expected=expected) if expected else self.coded(field_id, "error.code.invalid")

    def coded(self, field_id: str | None, message_code: str, path: str | None = None, code: str = "invalid",
              **params: Any) -> ErrorItem:
        """An error at a field whose message is the catalogue's ``message_code`` (engine/translations)."""
        return ErrorItem.coded(message_code, path=path or f"/data/{field_id}", field_id=field_id,
                               label=self.labels(field_id) if field_id else None, code=code, **params)


def _value_message(err: jsonschema.ValidationError, field: dict | None) -> tuple[str, dict]:
    """The catalogue message code and its params for a value the schema refused (a field's own words first, then the
    table of every jsonschema keyword)."""
    inst = err.instance
    ftype = FIELD_TYPES.get(field["type"]) if field and field.get("type") in FIELD_TYPES else None
    if err.validator == "maxLength":
        return "error.value.too_long", {"max": err.validator_value}
    if err.validator == "minLength":
        return "error.value.too_short", {"min": err.validator_value}
    if err.validator == "enum":
        return "error.value.not_a_choice", {"value": repr(inst), "choices": ", ".join(map(str, err.validator_value))}
    if err.validator == "pattern" and ftype is not None and ftype.pattern_message:
        return "error.value.pattern", {"reason": ftype.pattern_message}
    if err.validator in ("minimum", "maximum"):
        return ("error.value.at_least" if err.validator == "minimum" else "error.value.at_most"), {"limit": err.validator_value}
    if err.validator == "type" or (err.validator == "anyOf" and ftype):
        expected = (ftype.expected if ftype else None) or kinds(err.validator_value)
        got = kinds(json_kind(inst))
        return "error.value.wrong_type", {"expected": expected, "got": {loc: f"{got[loc]} {shown(inst)}" for loc in got}}
    return schema_code(err)


class FormCache:
    """Compiled published forms by (form id, version), kept in the runtime's ``VersionCache`` (kind "form"); versions are
    immutable, so entries never go stale."""

    KIND = "form"

    def __init__(self, cache: VersionCache | None = None):
        self.cache = cache if cache is not None else VersionCache()

    def get(self, form_id: int, version: int, build) -> CompiledForm:
        return self.cache.get(self.KIND, (form_id, version), build)

    def held(self, form_id: int, version: int) -> CompiledForm | None:
        """The compiled version if the cache holds it (not forgotten or evicted), else None."""
        return self.cache.peek(self.KIND, (form_id, version))

    def forget(self, form_id: int) -> None:
        """Drop a deleted form's versions (a later form may get its id)."""
        self.cache.forget(self.KIND, lambda key: key[0] == form_id)

    def forget_compiled(self, match) -> int:
        """Drop the compiled forms ``match`` accepts (compiled from another form's version no longer published)."""
        return self.cache.forget_held(self.KIND, match)


def diff_definitions(old: dict | None, new: dict) -> list[dict]:
    """What publishing ``new`` over ``old`` changes, one entry per change, in user terms."""
    if old is None:
        return [{"change": "first_publish", "path": ""}]
    changes = []
    old_fields = {f["id"]: f for f in old.get("fields", [])}
    new_fields = {f["id"]: f for f in new.get("fields", [])}
    for fid, f in new_fields.items():
        before = old_fields.get(fid)
        if before is None:
            changes.append({"change": "field_added", "field_id": fid, "type": f["type"]})
            continue
        if f.get("deleted") and not before.get("deleted"):
            changes.append({"change": "field_deleted", "field_id": fid})
        elif before.get("deleted") and not f.get("deleted"):
            changes.append({"change": "field_restored", "field_id": fid})
        for key in ("label", "name", "type", "required", "options", "help", "default", "fetch", "filterable", "sortable"):
            if before.get(key) != f.get(key):
                changes.append({"change": f"field_{key}_changed", "field_id": fid, "from": before.get(key), "to": f.get(key)})
    for fid in old_fields.keys() - new_fields.keys():
        changes.append({"change": "field_removed", "field_id": fid})
    for key in ("label", "layout", "settings", "rules", "validations", "automations", "permissions"):
        if old.get(key) != new.get(key):
            changes.append({"change": f"{key}_changed", "path": f"/{key}"})
    return changes
