"""Feishu / Lark (飞书) custom bot: a text message, or a rich "post" with ``format: post``.

With a ``secret`` the body carries ``timestamp`` (s) and ``sign`` = base64
HMAC-SHA256 keyed by ``"<timestamp>\\n<secret>"`` over an empty message.
Answers are HTTP 200 with ``{"code": 0}`` (11232 = too frequent, retried).
"""
from __future__ import annotations

from html import escape
from typing import ClassVar

from engine.notifications.channels._chat import hmac_base64, people, truncate_bytes
from engine.notifications.channels.base import Attempt, ConfigProblem, OutgoingMessage, register_channel
from engine.notifications.channels.http import HttpChannel, json_answer

#: Feishu error codes that mean "try again later".
FEISHU_RETRYABLE_CODES = frozenset({11232, 9499})
FEISHU_FORMATS = ("text", "post")


@register_channel
class FeishuChannel(HttpChannel):
    name = "feishu"
    config_keys: ClassVar[frozenset[str]] = HttpChannel.config_keys | {"secret", "format"}
    secret_keys: ClassVar[frozenset[str]] = HttpChannel.secret_keys | {"secret"}

    @classmethod
    def config_problems(cls, config):
        problems = super().config_problems(config)
        if config.get("format", "text") not in FEISHU_FORMATS:
            problems.append(ConfigProblem("format", "error.options.one_of", {"choices": ", ".join(FEISHU_FORMATS)}))
        return problems

    def payload(self, message: OutgoingMessage) -> dict:
        mentioned = [p for p in people(message) if p.chat_ids.get(self.name)]
        if self.config.get("format") == "post":
            rows = [[{"tag": "text", "text": truncate_bytes(message.body)}]]
            if message.link:
                rows.append([{"tag": "a", "text": "Open", "href": message.link}])
            if mentioned:
                rows.append([{"tag": "at", "user_id": p.chat_ids[self.name]} for p in mentioned])
            body = {"msg_type": "post",
                    "content": {"post": {"zh_cn": {"title": message.subject, "content": rows}}}}
        else:
            parts = [message.subject, truncate_bytes(message.body)]
            if message.link:
                parts.append(message.link)
            tags = " ".join(f'<at user_id="{escape(p.chat_ids[self.name])}">{escape(p.display_name)}</at>'
                            for p in mentioned)
            text = "\n".join(parts) + (f"\n{tags}" if tags else "")
            body = {"msg_type": "text", "content": {"text": text}}
        secret = self.setting(message, "secret")
        if secret:
            stamp = str(int(self.clock.now().timestamp()))
            body = {"timestamp": stamp, "sign": hmac_base64(f"{stamp}\n{secret}".encode(), b""), **body}
        return body

    def judge(self, status, text, headers) -> Attempt:
        result = super().judge(status, text, headers)
        if not result.ok:
            return result
        answer = json_answer(text)
        code = answer.get("code", answer.get("StatusCode", 0))
        if code == 0:
            return Attempt(True, "Feishu accepted the message")
        return Attempt(False, f"Feishu error {code}: {answer.get('msg', answer.get('StatusMessage', ''))}",
                       retry=code in FEISHU_RETRYABLE_CODES)
