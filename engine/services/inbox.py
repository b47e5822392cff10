"""The in-app inbox: messages stored per user, unread first, marked read.

``store_message`` is the one write path (used by the ``inbox`` channel): it
inserts idempotently on the message's idempotency key, so a notification
retried after a crash lands once. The other functions act for the calling
user only; an actor without a user id (system, scheduler) has no inbox.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from engine.notifications.links import safe_link
from engine.safety import MAX_PAGE
from engine.clock import utc_iso
from engine.errors import NotFound, Unauthorized
from engine.notifications.tables import inbox_messages
from engine.runtime import Actor, Runtime
from engine.storage.tables import records, users

__all__ = ["store_message", "list_messages", "unread_count", "mark_read", "mark_all_read",
           "MAX_TITLE_LENGTH", "MAX_PAGE_SIZE"]

#: Longest inbox title kept, in characters (longer ones are cut).
MAX_TITLE_LENGTH = 300
#: Largest page of inbox messages one request may ask for.
MAX_PAGE_SIZE = 200
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def store_message(conn: sa.Connection, rt: Runtime, *, user_id: int, title: str, body: str, idempotency_key: str,
                  link: str | None = None, record_id: int | None = None, source: str | None = None) -> tuple[int, bool]:
    """Store one message for ``user_id``; ``(message id, created)``; created is False for a repeat key."""
    if record_id is not None and conn.execute(sa.select(records.c.id).where(records.c.id == record_id)).first() is None:
        record_id = None  # the record was purged; the message still stands on its own
    link = safe_link(link)  # only http(s) or a path on this site is ever kept as a link (never javascript:)
    insert = _INSERTS[conn.dialect.name](inbox_messages).values(
        workspace_id=rt.workspace_id, user_id=user_id, title=" ".join(title.split())[:MAX_TITLE_LENGTH], body=body,
        link=link, record_id=record_id, source=source, created_at=rt.clock.now(), idempotency_key=idempotency_key,
    ).on_conflict_do_nothing(index_elements=["idempotency_key"])
    created = conn.execute(insert).rowcount == 1
    message_id = conn.execute(sa.select(inbox_messages.c.id).where(
        inbox_messages.c.idempotency_key == idempotency_key)).scalar_one()
    return message_id, created


def user_exists(conn: sa.Connection, user_id: int) -> bool:
    return conn.execute(sa.select(users.c.id).where(users.c.id == user_id)).first() is not None


def _user_id(actor: Actor) -> int:
    if actor.user_id is None:
        raise Unauthorized("sign in to see your inbox: messages belong to a user", path="/user", message_code="error.inbox.sign_in")
    return actor.user_id


def message_dict(row: Any) -> dict:
    return {"id": row["id"], "title": row["title"], "body": row["body"], "link": safe_link(row["link"]), "record_id": row["record_id"],
            "source": row["source"], "created_at": utc_iso(row["created_at"]),
            "read_at": utc_iso(row["read_at"]) if row["read_at"] else None, "read": row["read_at"] is not None}


def _mine(user_id: int):
    return inbox_messages.c.user_id == user_id


def list_messages(rt: Runtime, actor: Actor, *, page: int = 1, page_size: int = 50, unread_only: bool = False) -> dict:
    """The caller's messages, unread first, newest first within each group."""
    user_id = _user_id(actor)
    page, page_size = min(max(1, int(page)), MAX_PAGE), min(max(1, int(page_size)), MAX_PAGE_SIZE)
    where = _mine(user_id)
    if unread_only:
        where = sa.and_(where, inbox_messages.c.read_at.is_(None))
    unread_last = sa.case((inbox_messages.c.read_at.is_(None), 0), else_=1)
    with rt.db.read() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(inbox_messages).where(where)).scalar_one()
        unread = _unread(conn, user_id)
        rows = conn.execute(sa.select(inbox_messages).where(where).order_by(unread_last, inbox_messages.c.id.desc())
                            .limit(page_size).offset((page - 1) * page_size)).mappings().all()
    return {"items": [message_dict(r) for r in rows], "total": total, "unread": unread, "page": page, "page_size": page_size}


def _unread(conn: sa.Connection, user_id: int) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(inbox_messages).where(
        _mine(user_id), inbox_messages.c.read_at.is_(None))).scalar_one()


def unread_count(rt: Runtime, actor: Actor) -> int:
    user_id = _user_id(actor)
    with rt.db.read() as conn:
        return _unread(conn, user_id)


def mark_read(rt: Runtime, actor: Actor, message_id: int) -> dict:
    """Mark one of the caller's messages read (again is fine); 404 for anyone else's."""
    user_id = _user_id(actor)
    with rt.db.transaction() as conn:
        conn.execute(sa.update(inbox_messages).where(
            inbox_messages.c.id == message_id, _mine(user_id), inbox_messages.c.read_at.is_(None)).values(read_at=rt.clock.now()))
        row = conn.execute(sa.select(inbox_messages).where(inbox_messages.c.id == message_id, _mine(user_id))).mappings().first()
    if row is None:
        raise NotFound(f"message {message_id} is not in your inbox", path="/id", message_code="error.inbox.not_found",
                       params={"id": message_id})
    return message_dict(row)


def mark_all_read(rt: Runtime, actor: Actor) -> dict:
    user_id = _user_id(actor)
    with rt.db.transaction() as conn:
        marked = conn.execute(sa.update(inbox_messages).where(_mine(user_id), inbox_messages.c.read_at.is_(None))
                              .values(read_at=rt.clock.now())).rowcount
    return {"marked": marked, "unread": 0}
