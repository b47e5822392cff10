"""A form's published sibling forms, read by key: what rule scopes resolve ``other_form.field`` against once a form is
published (the storage of indexes and the rules alike), below both."""
from __future__ import annotations

from typing import Callable

import sqlalchemy as sa

from engine.storage.tables import form_versions, forms


def published_resolver(conn, form_id: int) -> Callable[[str], list[dict] | None]:
    """resolve_form for rule scopes: a sibling form's published fields by key (None if unpublished)."""
    cache: dict[str, list[dict] | None] = {}
    app_id = sa.select(forms.c.app_id).where(forms.c.id == form_id).scalar_subquery()

    def resolve(key: str) -> list[dict] | None:
        if key not in cache:
            definition = conn.execute(sa.select(form_versions.c.definition).join(forms, sa.and_(
                forms.c.id == form_versions.c.form_id, form_versions.c.version == forms.c.published_version))
                .where(forms.c.app_id == app_id, forms.c.key == key)).scalar()
            cache[key] = definition.get("fields", []) if definition else None
        return cache[key]
    return resolve
