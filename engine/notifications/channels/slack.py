"""Slack incoming webhook: ``{"text": ...}`` in Slack's mrkdwn, users as ``<@U123>``.

User text is escaped (``& < >``) so it cannot form ``<!channel>`` pings or links.
"""
from __future__ import annotations

from engine.notifications.channels._chat import chat_ids, truncate_bytes
from engine.notifications.channels.base import OutgoingMessage, register_channel
from engine.notifications.channels.http import HttpChannel


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@register_channel
class SlackChannel(HttpChannel):
    name = "slack"

    def payload(self, message: OutgoingMessage) -> dict:
        lines = [f"*{_escape(message.subject)}*", _escape(truncate_bytes(message.body))]
        if message.link:
            lines.append(f"<{message.link}|Open>")
        mentions = " ".join(f"<@{uid}>" for uid in chat_ids(message, self.name))
        if mentions:
            lines.append(mentions)
        return {"text": "\n".join(lines)}
