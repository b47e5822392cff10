"""Shape checks compiled from a field type's JSON Schema fragment: one closure per field, built once per form version.

``shape_check(fragment)`` turns the small subset of JSON Schema the field types write (type, length, pattern,
bounds, string enums, arrays of them, anyOf) into a plain Python predicate, so a valid record is checked without
walking a schema. A predicate only ever says yes to values fastjsonschema accepts too (it is stricter where the two
could differ: an integral float is not an integer here, a string with a newline never matches a pattern); a no sends
the record down the schema path, which names every error. A fragment with any other keyword compiles to None: that
field stays with the schema validator.
"""
from __future__ import annotations

import re
from typing import Any, Callable

Check = Callable[[Any], bool]

#: JSON Schema type name -> the exact Python types accepted (bool is not a number; an integer is an int, never a float)
_TYPES: dict[str, tuple[type, ...]] = {"string": (str,), "number": (int, float), "integer": (int,), "boolean": (bool,),
                                       "array": (list,), "object": (dict,), "null": (type(None),)}
#: keywords a check compiles; any other keeps the fragment with the schema validator
_KNOWN = frozenset({"type", "maxLength", "minLength", "pattern", "minimum", "maximum", "enum", "items", "uniqueItems",
                    "maxItems", "minItems", "anyOf"})


def shape_check(fragment: dict) -> Check | None:
    """A predicate true only for values ``fragment`` accepts, or None when the fragment uses a keyword not handled here.

    The predicate is one flat closure per type (a type test and the keyword tests inline), not a walk over keywords.
    """
    if not isinstance(fragment, dict) or not set(fragment) <= _KNOWN:
        return None
    if "anyOf" in fragment:
        options = [shape_check(option) for option in fragment["anyOf"]] if len(fragment) == 1 else [None]
        if not options or None in options:
            return None
        return lambda v, options=tuple(options): any(check(v) for check in options)
    if "enum" in fragment:
        names = ["string"]  # string enums only (what choices are); others stay with the schema
        if not isinstance(fragment["enum"], list) or not all(type(c) is str for c in fragment["enum"]):
            return None
        if "type" in fragment and fragment["type"] != "string":
            return None
    elif "type" in fragment:
        names = fragment["type"] if isinstance(fragment["type"], list) else [fragment["type"]]
    else:
        return None  # no type: leave it to the schema
    if not names or not all(name in _TYPES for name in names):
        return None
    by_type: dict[type, Check] = {}
    for name in names:
        check = _BUILDERS[name](fragment)
        if check is None:
            return None
        for t in _TYPES[name]:
            if t in by_type and by_type[t] is not check:  # "number" and "integer" together: the number check is enough
                continue
            by_type[t] = check
    if len(by_type) == 1:
        return next(iter(by_type.values()))
    return lambda v: (check := by_type.get(type(v))) is not None and check(v)


def _string(fragment: dict) -> Check | None:
    longest, shortest, pattern = fragment.get("maxLength"), fragment.get("minLength", 0), fragment.get("pattern")
    if (longest is not None and type(longest) is not int) or type(shortest) is not int or (pattern is not None and type(pattern) is not str):
        return None
    longest = longest if longest is not None else float("inf")
    if "enum" in fragment:
        members = frozenset(fragment["enum"])
        if pattern is not None:
            return None
        return lambda v: type(v) is str and v in members and shortest <= len(v) <= longest
    if pattern is None:
        return lambda v: type(v) is str and shortest <= len(v) <= longest
    try:
        search = re.compile(pattern).search
    except re.error:
        return None
    # no newline: ``$`` then means the end of the string, as the schema validator's ``\Z`` does
    return lambda v: type(v) is str and shortest <= len(v) <= longest and "\n" not in v and search(v) is not None


def _bounds(fragment: dict) -> tuple[float, float] | None:
    low, high = fragment.get("minimum", float("-inf")), fragment.get("maximum", float("inf"))
    return (low, high) if type(low) in (int, float) and type(high) in (int, float) else None


def _number(fragment: dict) -> Check | None:
    if (bounds := _bounds(fragment)) is None:
        return None
    low, high = bounds
    return lambda v: (type(v) is int or type(v) is float) and low <= v <= high  # NaN compares false: refused


def _integer(fragment: dict) -> Check | None:
    if (bounds := _bounds(fragment)) is None:
        return None
    low, high = bounds
    return lambda v: type(v) is int and low <= v <= high  # an integral float goes to the schema


def _array(fragment: dict) -> Check | None:
    items, unique = fragment.get("items"), fragment.get("uniqueItems", False)
    most, fewest = fragment.get("maxItems", float("inf")), fragment.get("minItems", 0)
    item = shape_check(items) if items is not None else (lambda _v: True)
    if item is None or type(fewest) is not int or (type(most) is not int and most != float("inf")):
        return None
    if not unique:
        return lambda v: type(v) is list and fewest <= len(v) <= most and all(map(item, v))
    # unique over strings only: anything else goes to the schema
    return lambda v: (type(v) is list and fewest <= len(v) <= most and all(map(item, v))
                      and all(type(x) is str for x in v) and len(set(v)) == len(v))


def _exactly_type(t: type) -> Callable[[dict], Check]:
    return lambda _fragment: (lambda v: type(v) is t)


#: the check for values of one JSON type, from the fragment's keywords (those of other types do not apply to it)
_BUILDERS: dict[str, Callable[[dict], Check | None]] = {
    "string": _string, "number": _number, "integer": _integer, "array": _array,
    "boolean": _exactly_type(bool), "null": _exactly_type(type(None)),
    "object": lambda fragment: None,  # an object's keywords are not compiled here
}


__all__ = ["shape_check", "Check"]
