"""What a rule can see: the fields of a form, typed for the rule language.

A `RuleScope` is built from a form's field list (docs/definitions.md). Rules use field *names*;
compiled rules read record data by field *id*. Each field type maps to a rule type through a small
registry (`FIELD_KINDS`): one class per storage shape, registered under the field type names it serves.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Callable, ClassVar

from rule_engine import DataType

from engine import i18n
from engine.fields import FIELD_TYPES
from engine.fields.base import type_words

#: How many reference hops a rule may follow (customer.owner_company.level is 2 hops).
MAX_REFERENCE_DEPTH = 3


@dataclass
class FieldInfo:
    """One field as rules see it. `target` is the referenced form's scope, `row` a subtable's row scope."""
    id: str
    name: str
    type: str
    target: "RuleScope | None" = None
    row: "RuleScope | None" = None
    choices: list[str] | None = None
    form: str | None = None          #: referenced form key (reference fields)
    multiple: bool = False           #: reference/user fields holding a list
    result_type: str | None = None   #: computed/rollup fields: the rule kind of the value

    @property
    def kind(self) -> "FieldKind":
        return FIELD_KINDS[self.type]


class FieldKind:
    """How one family of field types appears to rules: rule-engine type + converters (Python, JS)."""
    names: ClassVar[tuple[str, ...]] = ()
    converter: ClassVar[str] = "cv_text"          #: runtime.py function turning the stored value into a rule value
    js_converter: ClassVar[str] = "rt.cv.text"    #: runtime.js counterpart

    def data_type(self, info: FieldInfo) -> Any:
        raise NotImplementedError

    def read(self, info: FieldInfo, raw_py: str, raw_js: str) -> tuple[str, str]:
        """Python and JS expressions converting the stored value expression into the rule value."""
        return f"{self.py_converter(info)}({raw_py})", f"{self.js_converter}({raw_js})"

    def py_converter(self, info: FieldInfo) -> str:
        """The ``engine.rules.runtime`` function turning this field's stored value into its rule value."""
        return self.converter


FIELD_KINDS: dict[str, FieldKind] = {}


def register_kind(cls: type[FieldKind]) -> type[FieldKind]:
    instance = cls()
    for name in cls.names:
        FIELD_KINDS[name] = instance
    return cls


@register_kind
class TextKind(FieldKind):
    names = ("text",)

    def data_type(self, info: FieldInfo) -> Any:
        return DataType.STRING


@register_kind
class NumberKind(FieldKind):
    names = ("number",)
    converter, js_converter = "cv_number", "rt.cv.number"

    def data_type(self, info: FieldInfo) -> Any:
        return DataType.FLOAT


@register_kind
class MoneyKind(NumberKind):
    names = ("money",)
    converter, js_converter = "cv_money", "rt.cv.money"


@register_kind
class DateKind(FieldKind):
    names = ("date",)
    converter, js_converter = "cv_date", "rt.cv.date"

    def data_type(self, info: FieldInfo) -> Any:
        return DataType.DATETIME


@register_kind
class DatetimeKind(DateKind):
    names = ("datetime",)
    converter, js_converter = "cv_datetime", "rt.cv.datetime"


@register_kind
class BooleanKind(FieldKind):
    names = ("boolean",)
    converter, js_converter = "cv_boolean", "rt.cv.boolean"

    def data_type(self, info: FieldInfo) -> Any:
        return DataType.BOOLEAN


@register_kind
class MultiselectKind(FieldKind):
    names = ("multiselect",)
    converter, js_converter = "cv_text_list", "rt.cv.text_list"

    def data_type(self, info: FieldInfo) -> Any:
        return DataType.ARRAY(DataType.STRING)


@register_kind
class UserKind(FieldKind):
    names = ("user",)

    def data_type(self, info: FieldInfo) -> Any:
        return DataType.ARRAY(DataType.FLOAT) if info.multiple else DataType.FLOAT

    def read(self, info: FieldInfo, raw_py: str, raw_js: str) -> tuple[str, str]:
        if info.multiple:
            return f"cv_id_list({raw_py})", f"rt.cv.id_list({raw_js})"
        return f"cv_id({raw_py})", f"rt.cv.id({raw_js})"


@register_kind
class PictureKind(FieldKind):
    """Uploaded pictures (image, signature fields): the attachment id, or their list; rules ask whether there is one."""
    names = ("picture",)

    def data_type(self, info: FieldInfo) -> Any:
        return DataType.ARRAY(DataType.STRING) if info.multiple else DataType.STRING

    def py_converter(self, info: FieldInfo) -> str:
        return "cv_text_list" if info.multiple else "cv_text"

    def read(self, info: FieldInfo, raw_py: str, raw_js: str) -> tuple[str, str]:
        return f"{self.py_converter(info)}({raw_py})", f"rt.cv.{self.py_converter(info)[3:]}({raw_js})"


@register_kind
class RichTextKind(FieldKind):
    """Rich text: rules read its words (the sanitized HTML less its tags, block ends as line breaks), not its markup."""
    names = ("html_text",)
    converter, js_converter = "cv_html_text", "rt.cv.html_text"

    def data_type(self, info: FieldInfo) -> Any:
        return DataType.STRING


@register_kind
class ReferenceKind(FieldKind):
    names = ("reference",)

    def data_type(self, info: FieldInfo) -> Any:
        obj = info.target.object_type()
        return DataType.ARRAY(obj) if info.multiple else obj

    def read(self, info: FieldInfo, raw_py: str, raw_js: str) -> tuple[str, str]:
        form = json.dumps(info.form)
        if info.multiple:
            return f"load_refs(ctx, {form}, {raw_py})", f"rt.loadRefs(ctx, {form}, {raw_js})"
        return f"load_ref(ctx, {form}, {raw_py})", f"rt.loadRef(ctx, {form}, {raw_js})"


@register_kind
class SubtableKind(FieldKind):
    names = ("subtable",)
    converter, js_converter = "cv_rows", "rt.cv.rows"

    def data_type(self, info: FieldInfo) -> Any:
        return DataType.ARRAY(info.row.object_type())


#: rule kinds a computed / roll-up result may have besides numbers (an amount is read as a number)
_SCALAR_RESULT_KINDS = ("text", "date", "datetime", "boolean")


@register_kind
class ComputedKind(FieldKind):
    names = ("derived",)

    def data_type(self, info: FieldInfo) -> Any:
        return FIELD_KINDS[info.result_type].data_type(info)

    def read(self, info: FieldInfo, raw_py: str, raw_js: str) -> tuple[str, str]:
        return FIELD_KINDS[info.result_type].read(info, raw_py, raw_js)


def _fingerprint(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


class RuleScope:
    """The fields a rule may name, keyed by field name; `unusable` explains names that exist but can't be used."""

    def __init__(self, fields: list[FieldInfo], *, key: str, unusable: dict[str, dict[str, str]] | None = None,
                 fingerprint: str | None = None) -> None:
        self.fields: dict[str, FieldInfo] = {f.name: f for f in fields}
        self.key = key
        self.unusable = dict(unusable or {})
        self.fingerprint = fingerprint or _fingerprint([(f.id, f.name, f.type) for f in fields])
        self._object_type: Any = None

    def __repr__(self) -> str:
        return f"<RuleScope {self.key} fields={sorted(self.fields)}>"

    def get(self, name: str) -> FieldInfo | None:
        return self.fields.get(name)

    def data_type(self, name: str) -> Any:
        return self.fields[name].kind.data_type(self.fields[name])

    def object_type(self) -> Any:
        """This scope as a rule-engine OBJECT type (for references and subtable rows)."""
        if self._object_type is None:
            self._object_type = DataType.OBJECT(
                self.key, attributes={n: self.data_type(n) for n in self.fields},
                accessor=_item_accessor)
        return self._object_type

    @classmethod
    def from_fields(cls, fields: list[dict], resolve_form: Callable[[str], list[dict]] | None = None,
                    *, key: str = "form") -> "RuleScope":
        """Build a scope from field definitions; `resolve_form(form_key)` gives a referenced form's fields."""
        cache: dict[str, RuleScope] = {}
        fp = _fingerprint({"fields": fields, "refs": _referenced_fields(fields, resolve_form, 0, set())})
        scope = _build(fields, resolve_form, key, 0, cache)
        scope.fingerprint = fp
        return scope


def _item_accessor(obj: Any, name: str) -> Any:
    return obj[name]


def _referenced_fields(fields: list[dict], resolve_form: Any, depth: int, seen: set) -> dict:
    """All field lists reachable through references (for the fingerprint)."""
    out: dict[str, Any] = {}
    if resolve_form is None or depth >= MAX_REFERENCE_DEPTH:
        return out
    for f in fields:
        known = FIELD_TYPES.get(f["type"]) if f.get("type") in FIELD_TYPES else None
        nested = (f.get("options") or {}).get("fields") if known and known.stores_rows else None
        if nested:
            out.update(_referenced_fields(nested, resolve_form, depth, seen))
        form = known.linked_store(f) if known and known.is_reference else \
            (f.get("options") or {}).get("form") if known and known.rolls_up else None  # ``app/form``: another app's
        if form and form not in seen:
            seen.add(form)
            try:
                target = resolve_form(form)
            except Exception:  # noqa: BLE001 - an unknown form just makes the field unusable
                target = None
            out[form] = target
            if target:
                out.update(_referenced_fields(target, resolve_form, depth + 1, seen))
    return out


def _rule_kind(ftype: str | None) -> str | None:
    """The ``FIELD_KINDS`` key a field type reads as: its own name, else its ``rule_kind`` (a rating reads as a number)."""
    if ftype in FIELD_KINDS or ftype not in FIELD_TYPES:
        return ftype
    return FIELD_TYPES.get(ftype).rule_kind or ftype


def _why(code: str, **params: Any) -> dict[str, str]:
    """Why a field can't be used in rules, in every language (error.rule.unusable.*): the compile message around it is
    read in the reader's language."""
    return i18n.texts(f"error.rule.unusable.{code}", params)


def _build(fields: list[dict], resolve_form: Any, key: str, depth: int, cache: dict) -> RuleScope:
    infos: list[FieldInfo] = []
    unusable: dict[str, dict[str, str]] = {}
    for f in fields:
        name, ftype, opts = f.get("name") or f["id"], f.get("type"), f.get("options") or {}
        if f.get("deleted"):
            unusable[name] = _why("deleted")
            continue
        info = FieldInfo(id=f["id"], name=name, type=_rule_kind(ftype))
        known = FIELD_TYPES.get(ftype) if ftype in FIELD_TYPES else None
        if known is None or info.type not in FIELD_KINDS:
            unusable[name] = _why("type", type=type_words(ftype))
            continue
        if known.has_choices:
            info.choices = [c.get("value") for c in opts.get("choices") or [] if isinstance(c, dict)]
        if isinstance(info.kind, (UserKind, ReferenceKind, PictureKind)):
            info.multiple = known.multiple(f)
        if known.is_reference:
            info.form = known.linked_store(f)  # the form key, ``app/form`` for another app's form
            if resolve_form is None:
                unusable[name] = _why("no_forms")
                continue
            if depth + 1 > MAX_REFERENCE_DEPTH:
                unusable[name] = _why("too_deep", n=MAX_REFERENCE_DEPTH)
                continue
            target_key = f"ref:{info.form}"
            if target_key not in cache:
                try:
                    target_fields = resolve_form(info.form)
                except Exception:  # noqa: BLE001
                    target_fields = None
                if target_fields is None:
                    unusable[name] = _why("missing_form", form=info.form)
                    continue
                cache[target_key] = None  # cycle guard: a reference back to a form being built
                cache[target_key] = _build(target_fields, resolve_form, target_key, depth + 1, cache)
            if cache[target_key] is None:
                unusable[name] = _why("cycle")
                continue
            info.target = cache[target_key]
        elif known.stores_rows:
            info.row = _build(opts.get("fields") or [], resolve_form, f"{key}/rows:{f['id']}", depth, cache)
        elif known.derived:
            info.result_type = _result_kind(known.result_type(f, resolve_form))
            if info.result_type is None:
                unusable[name] = _why("no_result_type" if known.has_formula else "rollup_type")
                continue
        infos.append(info)
    return RuleScope(infos, key=key, unusable=unusable)


def _result_kind(type_name: str | None) -> str | None:
    """The rule kind a derived value of field type *type_name* is read as (None: rules can't read it)."""
    kind = FIELD_TYPES.get(type_name).rule_kind if type_name in FIELD_TYPES else None
    if type(FIELD_KINDS.get(kind)) in (NumberKind, MoneyKind):
        return "number"
    return kind if kind in _SCALAR_RESULT_KINDS else None
