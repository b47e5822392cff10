"""The in-app inbox channel: stores the message in ``inbox_messages``.

It needs the database, given as a collaborator rather than a setting:
``get_channel("inbox", runtime=rt)`` (its own transaction per send) or
``get_channel("inbox", runtime=rt, conn=conn)`` (inside the caller's
transaction, e.g. next to an outbox row). Delivery is idempotent on
``message.idempotency_key``; each person copied (``cc``) with a user id gets
their own message keyed ``<key>#cc:<user id>``. ``message.config`` may carry
``record_id`` and ``source`` (what sent it) for the inbox row.
"""
from __future__ import annotations

from typing import Any, ClassVar, Mapping

import sqlalchemy as sa

from engine.notifications.channels.base import (
    Channel, ChannelConfigError, ConfigProblem, DeliveryResult, OutgoingMessage, register_channel,
)
from engine.services.inbox import store_message, user_exists


@register_channel
class InboxChannel(Channel):
    name = "inbox"
    content_kind: ClassVar[str] = "inbox"
    in_database: ClassVar[bool] = True
    config_keys: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, config: Mapping[str, Any] | None = None, *, runtime=None, conn: sa.Connection | None = None, **deps):
        super().__init__(config, **deps)
        if runtime is None:
            raise ChannelConfigError(self.name, [ConfigProblem("runtime", "error.channel.inbox_runtime")])
        self.runtime = runtime
        self.conn = conn

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        if not message.recipient.user_id:
            return DeliveryResult(False, True, "the recipient is not a user, so has no inbox", 0, self.name)
        targets = [(message.recipient.user_id, message.idempotency_key)]
        targets += [(p.user_id, f"{message.idempotency_key}#cc:{p.user_id}") for p in message.cc
                    if p.user_id and p.user_id != message.recipient.user_id]
        if self.conn is not None:  # the caller's transaction decides; let database errors reach it
            return self._store(self.conn, message, targets)
        try:
            with self.runtime.db.transaction() as conn:
                return self._store(conn, message, targets)
        except sa.exc.SQLAlchemyError as exc:  # database unavailable or busy: worth trying again later
            return DeliveryResult(False, False, f"cannot store the message: {exc.__class__.__name__}", 1, self.name)

    def _store(self, conn: sa.Connection, message: OutgoingMessage, targets: list[tuple[int, str]]) -> DeliveryResult:

        if not user_exists(conn, message.recipient.user_id):
            return DeliveryResult(False, True, f"user {message.recipient.user_id} does not exist", 1, self.name)
        first_id, created_any = None, False
        for user_id, key in targets:
            if user_id != message.recipient.user_id and not user_exists(conn, user_id):
                continue  # a copy to a removed user is dropped, the main message still counts
            message_id, created = store_message(
                conn, self.runtime, user_id=user_id, title=message.subject, body=message.body, idempotency_key=key,
                link=message.link, record_id=message.config.get("record_id"), source=message.config.get("source"))
            first_id = first_id if first_id is not None else message_id
            created_any = created_any or created
        detail = "stored in the inbox" if created_any else "already in the inbox (same idempotency key)"
        return DeliveryResult(True, False, detail, 1, self.name, external_id=str(first_id))
