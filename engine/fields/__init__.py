"""Field types: one small class per type, registered by name in ``FIELD_TYPES``.

Each type owns its options schema, the JSON Schema fragment of its record
value, normalization to the stored form, display text and the SQL expression
used for filtering, sorting and automatic indexes.
"""
from engine.fields.base import FIELD_TYPES, FieldType, field_label  # noqa: F401
from engine.fields import text, numeric, temporal, choice, relation, special  # noqa: F401  (registration)
from engine.fields import region, rating, signature, image, richtext, team  # noqa: F401  (registration)


def get_type(name: str) -> FieldType:
    return FIELD_TYPES.get(name)
