"""Column mapping: which column of the file fills which field of the form.

A suggestion matches each column title against every field's id, name and
labels (zh-CN, en, any locale), with width, case, spaces, punctuation and a
required-marker ``*`` ignored; then against a few common synonyms of the
field's type (手机 / mobile for a phone field) when the form has exactly one
field of that type; then by similarity: a title's common affixes (所属, 所在,
客户, customer...) are dropped, words of one synonym group read as one (级别 =
等级, 地区 = 区域; the table per language is data, ``header_synonyms.json``),
and the closest field wins when its ``difflib`` ratio reaches
``SIMILARITY_THRESHOLD`` and no other field is as close. Fields the engine sets (serials, computed, roll-ups) and
fields a file can't carry (attachments, sub-tables) are never targets.
"""
from __future__ import annotations

import difflib
import functools
import json
import unicodedata
from pathlib import Path

from engine.errors import ErrorItem, ValidationFailed
from engine.fields import FIELD_TYPES
from engine.fields.base import field_label

#: the synonym and affix table, per language
SYNONYMS_FILE = Path(__file__).with_name("header_synonyms.json")
#: the smallest difflib ratio between a column title and a field label read as a match
SIMILARITY_THRESHOLD = 0.8


def title_key(text: str) -> str:
    """A column title or label in comparable form."""
    text = unicodedata.normalize("NFKC", str(text)).casefold().strip().rstrip("*").lstrip("*")
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


@functools.lru_cache(maxsize=1)
def _synonym_table() -> tuple[tuple[str, ...], dict[str, str]]:
    """(affixes longest first, word -> the first word of its group), all languages together."""
    data = json.loads(SYNONYMS_FILE.read_text(encoding="utf-8"))
    affixes, canonical = set(), {}
    for language, table in data.items():
        if language.startswith("_"):
            continue
        affixes.update(title_key(a) for a in table.get("affixes", []))
        for group in table.get("groups", []):
            for word in group:
                canonical.setdefault(title_key(word), title_key(group[0]))
    return tuple(sorted(affixes, key=len, reverse=True)), canonical


def core_key(text: str) -> str:
    """A title with its common affixes dropped and synonyms read as one: 客户级别 -> 等级, 所在区域 -> 区域."""
    affixes, canonical = _synonym_table()
    key = title_key(text)
    if key in canonical:
        return canonical[key]
    stripped = True
    while stripped:
        stripped = False
        for affix in affixes:
            if key.startswith(affix) and len(key) > len(affix):
                key, stripped = key[len(affix):], True
                break
    return canonical.get(key, key)


def similarity(a: str, b: str) -> float:
    """How alike two titles are once affixes and synonyms are set aside (0..1)."""
    ca, cb = core_key(a), core_key(b)
    if not ca or not cb:
        return 0.0
    return difflib.SequenceMatcher(None, ca, cb).ratio()


def _field_texts(f: dict) -> list[str]:
    label = f.get("label")
    return [t for t in [f["id"], f.get("name") or ""] + (list(label.values()) if isinstance(label, dict) else [label or ""]) if t]


def importable_fields(form) -> list[dict]:
    return [f for f in form.input_fields if not FIELD_TYPES.get(f["type"]).engine_set
            and FIELD_TYPES.get(f["type"]).import_cleaner is not None]


def suggest_mapping(form, header: list[str]) -> dict[str, str]:
    """{"<column index>": field id} for the columns recognized; each field is used once, first column wins."""
    fields = importable_fields(form)
    names: dict[str, str] = {}
    for f in fields:
        for text in _field_texts(f):
            key = title_key(text)
            if key:
                names.setdefault(key, f["id"])
    by_type: dict[str, list[str]] = {}
    for f in fields:
        by_type.setdefault(f["type"], []).append(f["id"])
    # column titles understood as the form's only field of a type (the type's ``import_synonyms``)
    synonyms = {title_key(word): ids[0] for name, ids in by_type.items() if len(ids) == 1
                for word in FIELD_TYPES.get(name).import_synonyms}
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for i, title in enumerate(header):
        key = title_key(title)
        fid = names.get(key) or synonyms.get(key)
        if fid and fid not in used:
            mapping[str(i)] = fid
            used.add(fid)
    _match_by_similarity(fields, header, mapping, used)
    return mapping


def _match_by_similarity(fields: list[dict], header: list[str], mapping: dict[str, str], used: set[str]) -> None:
    """Columns left over matched to the closest field left over; the best pairs first, a tie is left unmatched."""
    pairs = []
    for i, title in enumerate(header):
        if str(i) in mapping or not title_key(title):
            continue
        scores = sorted(((max(similarity(title, t) for t in _field_texts(f)), f["id"]) for f in fields if f["id"] not in used),
                        reverse=True)
        if scores and scores[0][0] >= SIMILARITY_THRESHOLD and (len(scores) == 1 or scores[1][0] < scores[0][0]):
            pairs.append((scores[0][0], i, scores[0][1]))
    for _, i, fid in sorted(pairs, key=lambda p: (-p[0], p[1])):
        if fid not in used:
            mapping[str(i)] = fid
            used.add(fid)


def checked_mapping(form, header: list[str], wanted: dict) -> dict[str, str]:
    """A mapping sent by a person: keys are column indexes or titles, values field ids or names (null = skip)."""
    if not isinstance(wanted, dict):
        raise ValidationFailed("the mapping must be an object: column -> field", [ErrorItem.coded("error.import.must_be_object", path="/mapping")],
                               message_code="error.import.mapping_not_object")
    fields = {f["id"]: f for f in importable_fields(form)}
    by_name = {f.get("name"): f["id"] for f in fields.values() if f.get("name")}
    titles = {}
    for i, title in enumerate(header):
        titles.setdefault(title, str(i))
    out: dict[str, str] = {}
    errors = []
    for column, target in wanted.items():
        path = f"/mapping/{column}"
        index = str(column) if str(column).isdigit() and int(column) < len(header) else titles.get(column)
        if index is None:
            errors.append(ErrorItem.coded("error.import.no_column", path=path, code="unknown_column", column=repr(column)))
            continue
        if target in (None, ""):
            continue
        fid = target if target in fields else by_name.get(target)
        if fid is None:
            known = form.by_id.get(target) or form.by_name.get(target)
            refusal = FIELD_TYPES.get(known["type"]).import_refusal if known else None
            if refusal:
                errors.append(ErrorItem.coded("error.import.not_importable", path=path, field_id=known["id"], code="not_importable",
                                              bilingual_extra={"reason": dict(refusal)}, field=repr(field_label(known)), reason=dict(refusal)))
                continue
            errors.append(ErrorItem.coded("error.import.engine_set", path=path, field_id=str(target), code="unknown_field",
                                          field=repr(field_label(known))) if known else
                          ErrorItem.coded("error.import.not_a_field", path=path, field_id=str(target), code="unknown_field",
                                          field=repr(target)))
        elif fid in out.values():
            errors.append(ErrorItem.coded("error.import.mapped_twice", path=path, field_id=fid, code="mapped_twice",
                                          field=repr(field_label(fields[fid]))))
        else:
            out[index] = fid
    if errors:
        raise ValidationFailed("the column mapping is not valid", errors, message_code="error.import.mapping_invalid")
    return out


def describe(form, header: list[str], mapping: dict[str, str], locale: str = "en") -> list[dict]:
    """Each column with the field it fills (or None); a column named like a field its type won't import says why
    (``reason``: the type's ``import_refusal``, en and zh-CN)."""
    refused = {title_key(text): FIELD_TYPES.get(f["type"]).import_refusal for f in form.input_fields
               if FIELD_TYPES.get(f["type"]).import_refusal for text in _field_texts(f)}
    out = []
    for i, title in enumerate(header):
        column = {"index": i, "header": title, "field": mapping.get(str(i)),
                  "label": field_label(form.by_id[mapping[str(i)]], locale) if mapping.get(str(i)) in form.by_id else None}
        if column["field"] is None and refused.get(title_key(title)):
            column["reason"] = dict(refused[title_key(title)])
        out.append(column)
    return out


def unmapped_required(form, mapping: dict[str, str]) -> list[str]:
    mapped = set(mapping.values())
    return [f["id"] for f in importable_fields(form) if f.get("required") and f["id"] not in mapped and f.get("default") is None]
