"""Helpers shared by the chat-robot channels (WeCom, DingTalk, Feishu, Slack)."""
from __future__ import annotations

import base64
import hashlib
import hmac

from engine.notifications.channels.base import OutgoingMessage, Recipient

#: Longest chat message body sent, in UTF-8 bytes (WeCom's markdown limit is 4096).
MAX_CHAT_BYTES = 4_000


def people(message: OutgoingMessage) -> list[Recipient]:
    """The recipient then everyone copied, without repeats."""
    seen, out = set(), []
    for person in (message.recipient, *message.cc):
        key = (person.user_id, person.email, person.mobile)
        if key not in seen:
            seen.add(key)
            out.append(person)
    return out


def chat_ids(message: OutgoingMessage, channel: str) -> list[str]:
    return [p.chat_ids[channel] for p in people(message) if p.chat_ids.get(channel)]


def truncate_bytes(text: str, limit: int = MAX_CHAT_BYTES) -> str:
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[: limit - 3].decode("utf-8", errors="ignore") + "..."


def hmac_base64(key: bytes, msg: bytes) -> str:
    return base64.b64encode(hmac.new(key, msg, hashlib.sha256).digest()).decode()
