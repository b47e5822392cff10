"""What the field types are, for the designer and API clients (``GET /api/field-types``, the designer's palette).

Every fact comes from the type itself (``engine.fields``): its labels, designer properties, filter operators, whether
dashboards group or measure it, and its widget module. Nothing here names a type.
"""
from __future__ import annotations

from engine.fields import FIELD_TYPES


def field_types() -> list[dict]:
    """Every registered field type described, in palette order (``palette_rank``, then registration order)."""
    registered = list(FIELD_TYPES)
    names = sorted(registered, key=lambda n: (FIELD_TYPES.get(n).palette_rank, registered.index(n)))
    return [FIELD_TYPES.get(n).describe() for n in names]
