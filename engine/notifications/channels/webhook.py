"""The generic webhook channel: the whole message as JSON, optionally signed.

With a ``secret`` the receiver can check ``X-Formflow-Signature``:
``sha256=`` + hex HMAC-SHA256 of ``"<X-Formflow-Timestamp>.<body>"``.
"""
from __future__ import annotations

import hashlib
import hmac
from typing import ClassVar

from engine.notifications.channels.base import OutgoingMessage, Recipient, register_channel
from engine.notifications.channels.http import HttpChannel


def recipient_json(person: Recipient) -> dict:
    return {"user_id": person.user_id, "email": person.email, "display_name": person.display_name,
            "tz": person.tz}


@register_channel
class WebhookChannel(HttpChannel):
    name = "webhook"
    config_keys: ClassVar[frozenset[str]] = HttpChannel.config_keys | {"secret"}
    secret_keys: ClassVar[frozenset[str]] = HttpChannel.secret_keys | {"secret"}

    def payload(self, message: OutgoingMessage) -> dict:
        return {
            "idempotency_key": message.idempotency_key,
            "subject": message.subject,
            "text": message.body,
            "html": message.html_body,
            "link": message.link,
            "recipient": recipient_json(message.recipient),
            "cc": [recipient_json(p) for p in message.cc],
            "sent_at": self.clock.now().isoformat().replace("+00:00", "Z"),
            **{k: v for k, v in message.data.items() if k in ("workflow", "record", "language")},
        }

    def extra_headers(self, message: OutgoingMessage, body: bytes) -> dict[str, str]:
        secret = self.setting(message, "secret")
        if not secret:
            return {}
        stamp = str(int(self.clock.now().timestamp()))
        digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        return {"X-Formflow-Timestamp": stamp, "X-Formflow-Signature": f"sha256={digest}"}
