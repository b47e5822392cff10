"""A form's published sibling forms, read by key: what rule scopes resolve ``other_form.field`` against once a form is
published (the storage of indexes and the rules alike), below both."""
from __future__ import annotations

from typing import Callable

import sqlalchemy as sa

from engine.fields.relation import target_of_store
from engine.storage.tables import apps, form_versions, forms


def form_by_store_key(key: str, app_id) -> sa.ColumnElement:
    """SQL on ``forms``: the form a reference's store key names (``engine.fields.relation.Target.store_key``), seen
    from the app ``app_id`` (a value or a scalar subquery): a sibling form, or ``app/form`` of the same workspace."""
    target = target_of_store(key, None)
    if target.app is None:
        return sa.and_(forms.c.app_id == app_id, forms.c.key == target.form)
    workspace = sa.select(apps.c.workspace_id).where(apps.c.id == app_id).scalar_subquery()
    other = sa.select(apps.c.id).where(apps.c.workspace_id == workspace, apps.c.key == target.app).scalar_subquery()
    return sa.and_(forms.c.app_id == other, forms.c.key == target.form)


def published_resolver(conn, form_id: int) -> Callable[[str], list[dict] | None]:
    """resolve_form for rule scopes: a sibling form's (or, by ``app/form``, another app's) published fields by key
    (None if unpublished). ``resolve.seen`` holds, by key, the (form id, published version) each answer was read from
    ((None, None): no such form; (id, None): not published): what a compile made with it depends on."""
    cache: dict[str, list[dict] | None] = {}
    seen: dict[str, tuple[int | None, int | None]] = {}
    app_id = sa.select(forms.c.app_id).where(forms.c.id == form_id).scalar_subquery()

    def resolve(key: str) -> list[dict] | None:
        if key not in cache:
            row = conn.execute(sa.select(forms.c.id, forms.c.published_version, form_versions.c.definition).outerjoin(
                form_versions, sa.and_(forms.c.id == form_versions.c.form_id, form_versions.c.version == forms.c.published_version))
                .where(form_by_store_key(key, app_id))).first()
            definition = row[2] if row is not None else None
            cache[key] = definition.get("fields", []) if definition else None
            seen[key] = (row[0], row[1]) if row is not None else (None, None)
        return cache[key]
    resolve.seen = seen
    return resolve
