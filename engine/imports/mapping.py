"""Column mapping: which column of the file fills which field of the form.

A suggestion matches each column title against every field's id, name and
labels (zh-CN, en, any locale), with width, case, spaces, punctuation and a
required-marker ``*`` ignored; then against a few common synonyms of the
field's type (手机 / mobile for a phone field) when the form has exactly one
field of that type. Fields the engine sets (serials, computed, roll-ups) and
fields a file can't carry (attachments, sub-tables) are never targets.
"""
from __future__ import annotations

import unicodedata

from engine.errors import ErrorItem, ValidationFailed
from engine.fields import FIELD_TYPES
from engine.fields.base import field_label



def title_key(text: str) -> str:
    """A column title or label in comparable form."""
    text = unicodedata.normalize("NFKC", str(text)).casefold().strip().rstrip("*").lstrip("*")
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def importable_fields(form) -> list[dict]:
    return [f for f in form.input_fields if not FIELD_TYPES.get(f["type"]).engine_set
            and FIELD_TYPES.get(f["type"]).import_cleaner is not None]


def suggest_mapping(form, header: list[str]) -> dict[str, str]:
    """{"<column index>": field id} for the columns recognized; each field is used once, first column wins."""
    fields = importable_fields(form)
    names: dict[str, str] = {}
    for f in fields:
        label = f.get("label")
        candidates = [f["id"], f.get("name") or ""] + (list(label.values()) if isinstance(label, dict) else [label or ""])
        for text in candidates:
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
    return mapping


def checked_mapping(form, header: list[str], wanted: dict) -> dict[str, str]:
    """A mapping sent by a person: keys are column indexes or titles, values field ids or names (null = skip)."""
    if not isinstance(wanted, dict):
        raise ValidationFailed("the mapping must be an object: column -> field", [ErrorItem("must be an object", path="/mapping")])
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
            errors.append(ErrorItem(f"the file has no column {column!r}", path=path, code="unknown_column"))
            continue
        if target in (None, ""):
            continue
        fid = target if target in fields else by_name.get(target)
        if fid is None:
            known = form.by_id.get(target)
            why = f"{field_label(known)!r} is set by the engine and can't be imported" if known else f"{target!r} is not a field of this form"
            errors.append(ErrorItem(why, path=path, field_id=str(target), code="unknown_field"))
        elif fid in out.values():
            errors.append(ErrorItem(f"{field_label(fields[fid])!r} is mapped from two columns", path=path, field_id=fid, code="mapped_twice"))
        else:
            out[index] = fid
    if errors:
        raise ValidationFailed("the column mapping is not valid", errors)
    return out


def describe(form, header: list[str], mapping: dict[str, str], locale: str = "en") -> list[dict]:
    """Each column with the field it fills (or None)."""
    return [{"index": i, "header": title, "field": mapping.get(str(i)),
             "label": field_label(form.by_id[mapping[str(i)]], locale) if mapping.get(str(i)) in form.by_id else None}
            for i, title in enumerate(header)]


def unmapped_required(form, mapping: dict[str, str]) -> list[str]:
    mapped = set(mapping.values())
    return [f["id"] for f in importable_fields(form) if f.get("required") and f["id"] not in mapped and f.get("default") is None]
