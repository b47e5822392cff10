"""Idempotent record creates: the same ``Idempotency-Key`` from the same actor on the same form makes one record.

The generated form sends a new key per form load, so a double click on Submit, a retried request or a second submit of
the same load answers with the record the first one made (and ``created`` False) instead of creating another. The key
row is written in the create's own transaction, before the record: a concurrent create with the same key waits on its
unique index, fails once the first commits, and then reads the first one's record. Keys are kept per (form, actor).
"""
from __future__ import annotations

import re
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from engine.errors import ErrorItem, ValidationFailed
from engine.runtime import Actor, Runtime
from engine.services import forms as form_service
from engine.services import records as record_service
from engine.storage.idempotency_tables import idempotency_keys

#: longest key accepted (a UUID is 36 characters)
MAX_KEY_LENGTH = 128
#: what a key may be made of: printable ASCII without spaces
_KEY = re.compile(r"^[!-~]{1,%d}$" % MAX_KEY_LENGTH)
#: where a bad key is reported
KEY_PATH = "/headers/Idempotency-Key"


def parse_key(raw: str | None) -> str | None:
    """The key of an ``Idempotency-Key`` header (None when there is none); a malformed one is refused (422)."""
    if raw is None:
        return None
    if not _KEY.match(raw):
        raise ValidationFailed("the Idempotency-Key header is not a valid key",
                               [ErrorItem.coded("error.idempotency.key_item", max=MAX_KEY_LENGTH, path=KEY_PATH,
                                                code="invalid_idempotency_key")], message_code="error.idempotency.key")
    return raw


def create_once(rt: Runtime, actor: Actor, app_key: str, form_key: str, key: str | None,
                create: Callable[[sa.Connection], dict]) -> tuple[dict, bool]:
    """``(record, created)``: ``create(conn)`` run once per key, or the record an earlier create with this key made.
    Without a key ``create(None)`` runs: the create has its transaction to itself (``records.create_record``)."""
    if key is None or actor.user_id is None:
        return create(None), True
    try:
        with rt.db.transaction() as conn:
            form_id = form_service.form_id_for(conn, rt, app_key, form_key)
            earlier = _earlier(conn, form_id, actor.user_id, key)
            if earlier is None:
                row_id = conn.execute(sa.insert(idempotency_keys).values(
                    form_id=form_id, actor_id=actor.user_id, key=key, created_at=rt.clock.now())).inserted_primary_key[0]
                record = create(conn)
                conn.execute(sa.update(idempotency_keys).where(idempotency_keys.c.id == row_id).values(record_id=record["id"]))
                return record, True
    except IntegrityError:
        with rt.db.read() as conn:  # a concurrent create with the same key committed first
            form_id = form_service.form_id_for(conn, rt, app_key, form_key)
            earlier = _earlier(conn, form_id, actor.user_id, key)
        if earlier is None:
            raise  # not the key: the create itself failed
    return record_service.get_record(rt, actor, app_key, form_key, earlier), False


def _earlier(conn: sa.Connection, form_id: int, actor_id: int, key: str) -> int | None:
    return conn.execute(sa.select(idempotency_keys.c.record_id).where(
        idempotency_keys.c.form_id == form_id, idempotency_keys.c.actor_id == actor_id, idempotency_keys.c.key == key)).scalar()
