"""The field-type base class and registry: a field type owns every fact about itself.

Stored values are plain JSON; ``normalize`` turns an accepted input value (the
record JSON Schema has already checked its shape) into the stored value, or
raises ``ValueError`` with a message for the user.

The facts a ``FieldType`` answers (the rest of the engine asks the type, never
tests its name):

- what it is: ``name``, ``label`` / ``description`` (en, zh-CN), ``widget`` (its JS widget
  module), ``properties`` (designer property descriptors, ``Property``);
- record values: ``schema`` (JSON Schema fragment), ``normalize``, ``is_empty``, ``display_text``
  (value, field, locale, tz), ``expected_text`` (what a wrong value should have been), ``ids``;
- SQL: ``sql_kind``, ``sql_type``, ``sql_expression``, ``sql_value``, ``indexable``, ``searchable``
  (free-text search), ``filter_operators``, ``table_filter_op``, ``contains_by_id``;
- rules and templates: ``value_kind``, ``rule_kind`` (key of ``engine.rules.scope.FIELD_KINDS``),
  ``result_type`` (derived fields), ``template_kind`` (the templating scope node);
- import / export: ``importable``, ``import_cleaner`` (key of ``engine.imports.cleaning.CLEANERS``),
  ``exportable``, ``export_text``;
- dedup: ``dedup_matchable``, ``dedup_flag``, ``dedup_key`` (normal form of a value);
- dashboards: ``groupable``, ``measurable``, ``group_kind``;
- record views: ``kanban_lanes`` / ``groups_kanban`` (a kanban board's lanes), ``calendar_kind`` (places a record on a
  calendar: ``day`` or ``moment``), ``thumbnails`` (a gallery's pictures);
- capabilities: ``is_reference`` (ids of another form's records), ``is_user``, ``holds_attachments``,
  ``stores_rows`` (sub-table), ``has_choices``, ``derived`` (computed / rolled up), ``engine_set``,
  ``public_form`` (allowed on public web forms), ``in_subtable`` (allowed in a sub-table row),
  ``multiple``, ``linked_store`` (where ids resolve to names), ``converts_from``.

Adding a type is one module here (registered with ``@FIELD_TYPES.register``), one widget module
in ``designer_ui/static/widgets/`` and its import in ``engine/fields/__init__.py`` (docs/field-types.md).
"""
from __future__ import annotations

import decimal
from dataclasses import dataclass, field as dc_field
from typing import Any, Callable, NamedTuple

import jsonschema

from engine import i18n
from engine.registry import Registry

FIELD_TYPES: "Registry[FieldType]" = Registry("field type")

#: JSON path of a top-level field id inside the records.data column.
def json_path(field_id: str) -> str:
    return f'$."{field_id}"'


def field_label(field: dict, locale: str = "en") -> str:
    label = field.get("label") or field.get("name") or field.get("id")
    if isinstance(label, dict):
        return label.get(locale) or label.get("en") or next(iter(label.values()), field.get("id"))
    return str(label)


def field_labels(field: dict) -> dict[str, str] | str:
    """A field's label in every language it has ({"en", "zh-CN"}), for a text that picks the reader's (an error item's
    label); a plain label (or none) as ``field_label`` says it."""
    label = field.get("label")
    return dict(label) if isinstance(label, dict) and label else field_label(field)


#: every filter operator of ``engine.services.queries``; a type narrows it with ``filter_operators``
ALL_OPERATORS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "between", "contains", "empty", "not_empty", "last_days", "next_days")
#: operators that make sense on values that only compare for equality
EQUALITY_OPERATORS = ("eq", "ne", "in", "empty", "not_empty")
#: operators of ordered values (numbers, dates)
ORDERED_OPERATORS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "between", "empty", "not_empty")
#: relative periods of dates and times ("created in the last 30 days"), resolved with the runtime's clock
RELATIVE_OPERATORS = ("last_days", "next_days")
#: operators of list-like values (multi select, ids, rows)
LIST_OPERATORS = ("contains", "empty", "not_empty")
#: operators of free text
TEXT_OPERATORS = ("eq", "ne", "contains", "in", "empty", "not_empty")


@dataclass(frozen=True)
class Property:
    """One designer property of a field type: what the property panel shows and where it writes.

    ``key`` is the path in the field definition (``options.max_length``); ``kind`` the editor:
    ``int``, ``number``, ``text``, ``code``, ``bool``, ``select`` (``options`` lists the values,
    each ``(value, {"en", "zh-CN"})``), ``form`` (a form of the app), or a dedicated editor
    (``choices``, ``subfields``, ``formula``).
    """
    key: str
    kind: str
    label: dict
    options: tuple = ()
    help: dict | None = None
    attrs: dict = dc_field(default_factory=dict)

    def describe(self) -> dict:
        out = {"key": self.key, "kind": self.kind, "label": dict(self.label)}
        if self.options:
            out["options"] = [{"value": v, "label": dict(lbl)} for v, lbl in self.options]
        if self.help:
            out["help"] = dict(self.help)
        if self.attrs:
            out["attrs"] = dict(self.attrs)
        return out


def en_zh(en: str, zh: str) -> dict:
    return {"en": en, "zh-CN": zh}


class FieldValueError(ValueError):
    """A value a type's ``normalize`` refuses: what is wrong as a catalogue key (engine/translations) with its params
    (``str()`` is the English text), and the part at fault if any (its error path goes down to
    ``/data/<field>/<subpath>``)."""

    def __init__(self, message_code: str, subpath: str | None = None, **params: Any):
        super().__init__(i18n.render(message_code, i18n.DEFAULT_LOCALE, params))
        self.message_code = message_code
        self.params = params
        self.subpath = subpath


class FieldType:
    """Base of every field type. Subclasses set ``name`` and override what differs (see the module docstring)."""

    name: str = ""
    #: what the designer calls the type, and its one-line description
    label: dict = {}
    description: dict = {}
    #: JS widget module (``designer_ui/static/widgets/<widget>.js``: the generated form's input; ``input`` draws the
    #: plain ones from ``form_input`` / ``html_input``) and its palette glyph
    widget: str = "input"
    glyph: str = "?"
    #: options a new field of this type starts with in the designer
    default_options: dict = {}
    #: the designer's default-value input: an HTML input type, "switch", or None (the type takes no default value)
    default_input: str | None = "text"
    #: where the designer's palette lists the type (lower first; equal ranks in registration order)
    palette_rank: int = 1000
    #: the designer's type-specific properties
    properties: tuple[Property, ...] = ()
    #: filter operators this type's values accept, and the operator a table's column filter uses
    filter_operators: tuple[str, ...] = EQUALITY_OPERATORS
    table_filter_op: str = "eq"
    #: free-text search looks into this type's values
    searchable: bool = False
    #: gets an automatic expression index when filterable / sortable
    indexable: bool = True
    #: key of ``engine.rules.scope.FIELD_KINDS`` (None: rules can't use the field)
    rule_kind: str | None = "text"
    #: templating scope node kind: text, number, date, datetime, boolean, or a structured one
    #: (choices, user, attachment, rows, reference, derived, value)
    template_kind: str = "text"
    #: key of ``engine.imports.cleaning.CLEANERS`` (None: the column can't be imported)
    import_cleaner: str | None = None
    #: why a column of this type is not imported ({"en", "zh-CN"}; None: it is, or the engine sets the value)
    import_refusal: dict | None = None
    #: column titles an import maps to the form's only field of this type
    import_synonyms: tuple[str, ...] = ()
    exportable: bool = True
    #: dedup: values can be compared (``dedup_key``); the field can hold a "possible duplicate" flag
    dedup_matchable: bool = False
    dedup_flag: bool = False
    #: dashboards: can group a chart; can be summed / averaged
    groupable: bool = True
    measurable: bool = False
    #: a kanban board can put records in lanes by this type's one value (a choice, a person); see ``groups_kanban``
    kanban_lanes: bool = False
    #: the value a template preview renders before the form has any record (None: rendered empty)
    sample: Any = None

    def sample_value(self, field: dict, now: Any, user_id: int | None) -> Any:
        """A stored value of this type for previews with sample data (``now``: an aware datetime, the clock's)."""
        return self.sample

    #: capability flags
    is_reference: bool = False
    is_user: bool = False
    holds_attachments: bool = False
    #: its files have thumbnails (``renditions`` makes one; record pages show them)
    thumbnails: bool = False
    stores_rows: bool = False
    has_choices: bool = False
    derived: bool = False
    public_form: bool = False
    in_subtable: bool = False
    #: a date or a moment: ordered in time, usable by due-date triggers and period filters
    is_temporal: bool = False
    #: a calendar day without a time of day (a due-date trigger reads it as local midnight)
    holds_day: bool = False
    #: the stored value is a JSON list whose members ``contains`` matches; ids are compared as whole numbers
    contains_list: bool = False
    contains_by_id: bool = False
    #: the record service numbers the value from a per-form counter when a record is created
    numbered: bool = False
    #: derived kinds: a formula over the record's own fields; an aggregate of other records (options form / via / field)
    has_formula: bool = False
    rolls_up: bool = False
    #: may hold a short tag the system sets, e.g. the channel a public web form records (a select: one of its choices)
    takes_tag: bool = False
    #: a reference picker shows a value of this type beside each match: lower ranks first (None: never)
    picker_rank: int | None = None
    #: a record's title may come from this field when the form names no title field
    titles_record: bool = False
    #: the rule kind a formula computing this type's value must answer (``expect=`` of the rule compiler; None: any)
    rule_expect: str | None = None
    #: what a wrong value should have been, for validation messages, as ``en_zh(..)`` (None: the schema's own words)
    expected: str | dict | None = None
    #: the message when a value does not match the schema's pattern, as ``en_zh(..)`` (None: the schema's own words)
    pattern_message: str | dict | None = None
    # -- the browser's facts (``describe()["form"]``): designer_ui/static reads these, never a type's name --
    #: the kind of input the type's widget module (``widget``) draws: input, textarea, switch, select, multi, subtable,
    #: datetime, file, ref (a record or person picker), auto (the engine fills it: never sent), widget (its own)
    form_input: str = "input"
    #: the HTML type of an ``input`` (text, number, date, datetime-local, email, tel, url) and its keyboard (inputmode)
    html_input: str = "text"
    input_mode: str | None = None
    #: what the browser may fill the input with (an HTML autocomplete token: email, tel)
    autocomplete: str | None = None
    #: decimals a number input steps by when the field sets no ``precision``; the step when there are none ("any")
    default_precision: int | None = None
    free_step: str | None = None
    #: how an input's text becomes the value: text (blank is null), number, datetime (local to UTC), boolean
    input_value: str = "text"
    #: the value an unset field starts with in the form (null, false, [])
    blank: Any = None
    #: the field takes a whole row of the form
    wide: bool = False
    #: the designer preview's placeholder: ``{"option": key, "prefix": text}`` or ``{"message": key}`` (None: none)
    #: the rule builder's operators for the field, and how it writes a typed value (text, number, date, boolean)
    rule_operators: tuple[str, ...] = ("eq", "ne", "empty", "not_empty")
    rule_literal: str = "text"
    #: how a record list's cell shows the value: text, yes_no, choice, choices, moment; right-aligned as a number
    cell_text: str = "text"
    numeric_cell: bool = False
    #: the editors' record picker names a record by its first text of these types, lower ranks first (None: never)
    hint_rank: int | None = None
    #: the generated form's own check of a typed value before it is sent, as the browser reads it (``normalize`` stays
    #: the authority): {"pattern": a regular expression Python and JavaScript read alike, "flags": JS flags,
    #: "message": the catalogue code of what the reader is told}; None: no check beyond the schema's
    client_check: dict | None = None
    #: what rules see: string, number, boolean, date, datetime, array, integer, object
    value_kind: str = "string"
    #: value set by the engine; a client that sends one is refused
    engine_set: bool = False
    #: SQL comparison kind for filters/sorting: "text" or "number"
    sql_kind: str = "text"
    #: field types whose stored values this type can read after a type change
    converts_from: frozenset[str] = frozenset()

    # -- definition time -------------------------------------------------
    def check_options(self, field: dict, ctx: "DefinitionContext") -> list[tuple[str, str]]:
        """Semantic checks beyond the meta-schema: list of (path suffix, message) or (suffix, message, extra for the error item)."""
        return []

    # -- record values ---------------------------------------------------
    def schema(self, field: dict) -> dict:
        """JSON Schema fragment of the input value (null always allowed = empty)."""
        raise NotImplementedError

    def normalize(self, value: Any, field: dict) -> Any:
        return value

    def normalizer(self, field: dict) -> Callable[[Any], Any] | None:
        """``normalize`` for this one field as a function of the value, built once per form version: a type whose
        options can be worked out in advance returns a closure over them (same results, same errors). None: every
        value the field's schema accepts is kept as it is (nothing to call)."""
        if type(self).normalize is FieldType.normalize:
            return None
        normalize = self.normalize
        return lambda value: normalize(value, field)

    def is_empty(self, value: Any) -> bool:
        return value is None or value == "" or value == [] or value == {}

    def doubt(self, value: Any, field: dict) -> str | None:
        """Why a normalized value, though accepted, is probably a mistake (an import flags it); None when it looks right."""
        return None

    def display(self, value: Any, field: dict, locale: str = "en", tz: str = "UTC") -> str:
        if value is None:
            return ""
        return str(value)

    def display_text(self, value: Any, field: dict, locale: str = "en", tz: str = "UTC") -> str:
        """The value as a reader sees it (ids of linked records are resolved by the caller: ``linked_store``)."""
        return self.display(value, field, locale, tz)

    def export_text(self, value: Any, field: dict, locale: str = "en", tz: str = "UTC") -> str:
        """The value in an export cell."""
        return self.display_text(value, field, locale, tz)

    def form_value(self, raw: Any) -> Any:
        """A posted HTML form's text (a list of texts when ``multiple``) as the value to validate; the record schema
        names what does not fit."""
        return raw

    def filter_operand(self, value: Any, field: dict) -> Any:
        """A filter operand as a person picks or types it (a choice's label, say) as the stored value it means."""
        return value

    def period_end(self, moment: Any) -> str:
        """One end of a relative period ("the last 30 days") as this type's filter operand (a UTC date-time)."""
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    def table_filter_value(self, text: str) -> Any:
        """The operand of ``table_filter_op`` for the text typed into a record table's column filter."""
        return text

    def dedup_key(self, value: Any, field: dict, normalize=None) -> str | None:
        """The normal form a duplicate check compares (None: nothing to compare). *normalize* is the match rule's
        text normalizer (``engine.dedup_normalizers``: case, width, spaces, company forms, phone digits...), applied
        by the types whose values are free text; a type with one normal form of its own (numbers, ids, codes) ignores it."""
        if self.is_empty(value):
            return None
        return normalize(value) if normalize else (str(value).strip() or None)

    def dedup_flag_value(self, record_id: int | None, message: str) -> Any:
        """What a ``dedup_flag`` field of this type holds when a record may duplicate *record_id* (described by *message*)."""
        return None

    def multiple(self, field: dict) -> bool:
        """Whether the field holds a list of values."""
        return bool((field.get("options") or {}).get("multiple"))

    def ids(self, value: Any) -> list:
        """The linked ids a value holds (reference, user, attachment types)."""
        return []

    def linked_store(self, field: dict) -> str | None:
        """Where the ids of a linked type resolve to names: a form key, ``@users`` or ``@attachments``."""
        return None

    def missing_ids(self, conn: Any, workspace_id: int, ids: list) -> list | None:
        """Of the ids a value names, those that do not exist (checked in the save's transaction); None: this type's
        ids are checked by the record service (reference, user, attachment) or it holds none."""
        return None

    def choosable_where(self, field: dict, workspace_id: int) -> list:
        """WHERE clauses on ``users`` narrowing whom a person field may hold (its picker, its kanban lanes, a save):
        [] when anyone may be chosen, as for every type that holds no person."""
        return []

    def refused_ids(self, conn: Any, workspace_id: int, field: dict, ids: list) -> list:
        """Of the existing ids a new value names, those the field's options do not let it hold (a member field limited
        to roles or teams), looked up in the save's transaction; [] (and no statement) when all may be held."""
        return []

    def linked_names(self, conn: Any, workspace_id: int, ids: list) -> dict | None:
        """Id -> name of the things a linked type's ids name, when the type looks them up itself (teams); None: the
        caller resolves ``linked_store`` (records, users, attachments)."""
        return None

    def find_by_name(self, conn: Any, workspace_id: int, text: str) -> Any:
        """The id a person means by *text* (an import cell), for a linked type that looks names up itself; None: not found."""
        return None

    def lookup_choices(self, conn: Any, workspace_id: int, parent: str | None) -> list[dict] | None:
        """``[{value, label}]`` its widget picks from, one level under *parent* (``GET /api/field-types/<type>/choices``);
        None: the type has no list of its own."""
        return None

    def renditions(self, data: bytes, field: dict) -> dict[str, bytes]:
        """Files kept beside an upload to a field of this type, by suffix (``thumbnail``); ValueError refuses the upload."""
        return {}

    def accepts_upload(self, filename: str, content_type: str, field: dict) -> bool:
        """Whether a file of this name and type may be uploaded to the field (``options.accept`` is checked too)."""
        return True

    def template_value(self, value: Any, field: dict) -> Any:
        """What ``record.<field>`` is in a template when the templating scope has no node of its own for the type."""
        return value

    def result_type(self, field: dict, resolve_form=None) -> str | None:
        """A derived field: the field type its value has (None: unknown). Others: their own name."""
        return self.name

    def groups_kanban(self, field: dict) -> bool:
        """Whether a kanban board can lane records by this field (one value each, a card moves by changing it)."""
        return self.kanban_lanes and not self.multiple(field) and not self.engine_set and not self.derived

    @property
    def calendar_kind(self) -> str | None:
        """How a calendar places a record by this field: ``day`` (all-day), ``moment`` (a time of day), None (it can't)."""
        if not self.is_temporal or self.derived:
            return None
        return "day" if self.holds_day else "moment"

    def group_kind(self, field: dict, resolve_form=None) -> str:
        """How a dashboard groups / measures this field: text, number, boolean, choice, person, record, date, datetime."""
        return "text"

    def describe(self) -> dict:
        """What ``GET /api/field-types`` answers about the type."""
        return {"type": self.name, "label": dict(self.label), "description": dict(self.description),
                "widget": self.widget, "glyph": self.glyph, "properties": [p.describe() for p in self.properties],
                "default_options": dict(self.default_options), "default_input": self.default_input,
                "filter_operators": list(self.filter_operators), "groupable": self.groupable, "dedup_matchable": self.dedup_matchable,
                "measurable": self.measurable, "engine_set": self.engine_set, "value_kind": self.value_kind,
                "searchable": self.searchable,
                "in_subtable": self.in_subtable, "public_form": self.public_form,
                "importable": self.import_cleaner is not None, "exportable": self.exportable,
                "kanban_lanes": self.kanban_lanes, "calendar_kind": self.calendar_kind, "thumbnails": self.thumbnails,
                "capabilities": sorted(k for k in ("is_reference", "is_user", "holds_attachments", "stores_rows",
                                                    "has_choices", "derived", "is_temporal", "numbered", "titles_record")
                                       if getattr(self, k)),
                "form": self.form_facts()}

    def form_facts(self) -> dict:
        """What the browser's form, designer preview, rule builder and record lists need to know of the type."""
        return {"input": self.form_input, "html_input": self.html_input, "input_mode": self.input_mode,
                "autocomplete": self.autocomplete,
                "default_precision": self.default_precision, "free_step": self.free_step,
                "input_value": self.input_value, "blank": self.blank, "wide": self.wide,
                "rule_operators": list(self.rule_operators),
                "rule_literal": self.rule_literal, "cell_text": self.cell_text, "numeric_cell": self.numeric_cell,
                "hint_rank": self.hint_rank, "check": self.client_check}

    def can_hold(self, stored: Any, field: dict) -> bool:
        """Whether a value stored under another type is acceptable to this one."""
        try:
            jsonschema.validate(stored, _nullable(self.schema(field)))
            self.normalize(stored, field)
            return True
        except Exception:
            return False

    # -- SQL -------------------------------------------------------------
    def sql_type(self, field: dict, source_type: str | None = None) -> "FieldType":
        """The field type whose ``sql_expression``/``sql_value``/``sql_kind`` filters, sorts and indexes use for *field*.

        Itself for a stored value; a derived field (computed, roll-up) answers the type of its result, so numbers
        compare as numbers. *source_type* is the type of the field a roll-up aggregates, when known.
        """
        return self

    def sql_expression(self, dialect: str, field_id: str) -> str:
        """The SQL expression over ``records.data`` used by filters, sorting and indexes."""
        if dialect == "postgresql":
            text = f"(data ->> '{field_id}')"
            return f"formflow_num{text}" if self.sql_kind == "number" else text
        extract = f"json_extract(data, '{json_path(field_id)}')"
        return f"CAST({extract} AS REAL)" if self.sql_kind == "number" else extract

    def sql_value(self, value: Any, dialect: str) -> Any:
        """A filter operand in the form ``sql_expression`` compares against."""
        if value is None:
            return None
        if self.sql_kind == "number":
            number = float(value)  # refuses what is not a number (the caller reports the path)
            if dialect != "postgresql":
                return number
            # PostgreSQL: a numeric operand, so ``formflow_num(...) = $1`` stays numeric and its index applies (a float
            # is sent as double precision, which turns the indexed side into a double: a scan of the whole form)
            exact = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else repr(number)
            try:
                return decimal.Decimal(exact)
            except decimal.InvalidOperation:
                return decimal.Decimal(repr(number))
        return str(value)


class LinkedField(FieldType):
    """Base of the types whose value is one id, or a list of them with ``options.multiple`` (reference, user, team,
    attachment, image): a subclass sets ``item_schema`` (the JSON Schema of one id) and ``max_items``."""

    item_schema: dict = {}
    max_items: int = 1

    def schema(self, field):
        one = dict(self.item_schema)
        if self.multiple(field):
            return {"type": "array", "items": one, "uniqueItems": True, "maxItems": self.max_items}
        return one

    def ids(self, value) -> list:
        if value is None:
            return []
        return list(value) if isinstance(value, list) else [value]

    def dedup_key(self, value, field, normalize=None):
        """The ids, in order: [3, 5] and [5, 3] are the same; [3, 5] and [35] are not."""
        return ",".join(sorted(str(i) for i in self.ids(value))) or None


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def field_type(field_or_name: "dict | str") -> FieldType:
    """The type of a field definition (or a type name)."""
    return FIELD_TYPES.get(field_or_name if isinstance(field_or_name, str) else field_or_name.get("type"))


def type_words(name: Any) -> Any:
    """A field type's name as a message parameter: its label in every language ("number" reads 数字 in Chinese); a name
    that is no type is quoted as given."""
    return FIELD_TYPES.get(name).label if isinstance(name, str) and name in FIELD_TYPES else repr(name)


def types_where(flag: str) -> list[str]:
    """Names of the registered types whose *flag* is true (for lists shown to users, e.g. a sub-table's column types)."""
    return [name for name, t in FIELD_TYPES.items() if getattr(t, flag)]


class CodedMessage(NamedTuple):
    """A problem ``check_options`` reports by catalogue key (engine/translations) with its placeholders' values."""

    code: str
    params: dict


class DefinitionContext:
    """What semantic definition checks may look up (other forms of the app, the forms of other apps it names, users).

    ``other_apps``: {app key: {form key: fields}} of the other apps of the workspace the definition's references name
    (an app that doesn't exist is absent); ``own_app``: the key of the definition's app (None: not known);
    ``own_form``: the definition's own form key (None: not known); ``access_keys``: reads the workspace's role and team
    keys (None: not known)."""

    def __init__(self, form_keys: set[str], forms_fields: dict[str, list[dict]] | None = None,
                 current_fields: list[dict] | None = None, other_apps: dict[str, dict[str, list[dict]]] | None = None,
                 own_app: str | None = None, own_form: str | None = None, access_keys: Callable[[], dict] | None = None):
        self.form_keys = form_keys
        self._access_keys = access_keys
        self._access_known: dict | None = None
        self.forms_fields = forms_fields or {}
        self.current_fields = current_fields or []
        self.other_apps = other_apps or {}
        self.own_app = own_app
        self.own_form = own_form

    def access_keys(self) -> dict[str, set[str]] | None:
        """``{"roles": keys, "teams": keys}`` of the workspace, looked up once and only when a check asks (a member
        field's limit); None when the definition is checked outside a workspace."""
        if self._access_keys is None:
            return None
        if self._access_known is None:
            self._access_known = self._access_keys()
        return self._access_known

    @staticmethod
    def coded(message_code: str, **params) -> CodedMessage:
        return CodedMessage(message_code, params)
