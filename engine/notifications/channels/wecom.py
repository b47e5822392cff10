"""WeCom (企业微信) group robot: markdown message, people mentioned with ``<@userid>``.

Answers are HTTP 200 with ``{"errcode": 0}``; a non-zero code is a failure
(45009 = sending too fast, retried).
"""
from __future__ import annotations

from engine.notifications.channels._chat import chat_ids, truncate_bytes
from engine.notifications.channels.base import Attempt, OutgoingMessage, register_channel
from engine.notifications.channels.http import HttpChannel, errcode_attempt

#: WeCom error codes that mean "try again later".
WECOM_RETRYABLE_CODES = frozenset({45009, -1})


def _plain(text: str) -> str:
    # Keep user text from forming <@...> mentions or font tags.
    return text.replace("<", "&lt;").replace(">", "&gt;")


@register_channel
class WeComChannel(HttpChannel):
    name = "wecom"

    def payload(self, message: OutgoingMessage) -> dict:
        lines = [f"**{_plain(message.subject)}**", _plain(message.body)]
        if message.link:
            lines.append(f"[Open]({message.link})")
        mentions = " ".join(f"<@{uid}>" for uid in chat_ids(message, self.name))
        content = truncate_bytes("\n".join(lines)) + (f"\n{mentions}" if mentions else "")
        # <@userid> in the content is what WeCom markdown honours; the list is kept
        # for receivers/proxies that read the text-message shape.
        return {"msgtype": "markdown",
                "markdown": {"content": content, "mentioned_list": chat_ids(message, self.name)}}

    def judge(self, status, text, headers) -> Attempt:
        result = super().judge(status, text, headers)
        if not result.ok:
            return result
        return errcode_attempt("WeCom", text, WECOM_RETRYABLE_CODES)
