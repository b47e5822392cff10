"""DingTalk (钉钉) custom robot: markdown message with an ``at`` block.

With a ``secret`` (加签) the URL carries ``timestamp`` (ms) and ``sign`` =
base64 HMAC-SHA256 of ``"<timestamp>\\n<secret>"``. Answers are HTTP 200
with ``{"errcode": 0}`` (130101 = sending too fast, retried).
"""
from __future__ import annotations

from typing import ClassVar
from urllib.parse import quote_plus

from engine.notifications.channels._chat import hmac_base64, people, truncate_bytes
from engine.notifications.channels.base import Attempt, OutgoingMessage, register_channel
from engine.notifications.channels.http import HttpChannel, errcode_attempt
from engine.notifications.netguard import CheckedTarget

#: DingTalk error codes that mean "try again later".
DINGTALK_RETRYABLE_CODES = frozenset({130101, -1})


@register_channel
class DingTalkChannel(HttpChannel):
    name = "dingtalk"
    config_keys: ClassVar[frozenset[str]] = HttpChannel.config_keys | {"secret"}
    secret_keys: ClassVar[frozenset[str]] = HttpChannel.secret_keys | {"secret"}

    def payload(self, message: OutgoingMessage) -> dict:
        who = people(message)
        mobiles = [p.mobile for p in who if p.mobile]
        user_ids = [p.chat_ids[self.name] for p in who if p.chat_ids.get(self.name)]
        lines = [f"### {message.subject}", message.body]
        if message.link:
            lines.append(f"[Open]({message.link})")
        text = truncate_bytes("\n\n".join(lines))
        # DingTalk only highlights a mention when "@<mobile or id>" also appears in the text.
        tags = " ".join(f"@{m}" for m in [*mobiles, *user_ids])
        if tags:
            text += f"\n\n{tags}"
        return {"msgtype": "markdown", "markdown": {"title": message.subject[:64], "text": text},
                "at": {"atMobiles": mobiles, "atUserIds": user_ids, "isAtAll": False}}

    def prepare_target(self, target: CheckedTarget, message: OutgoingMessage) -> CheckedTarget:
        secret = self.setting(message, "secret")
        if not secret:
            return target
        stamp = str(int(self.clock.now().timestamp() * 1000))
        sign = quote_plus(hmac_base64(secret.encode(), f"{stamp}\n{secret}".encode()))
        joiner = "&" if "?" in target.path else "?"
        path = f"{target.path}{joiner}timestamp={stamp}&sign={sign}"
        return CheckedTarget(target.url, target.scheme, target.host, target.port, path, target.addresses)

    def judge(self, status, text, headers) -> Attempt:
        result = super().judge(status, text, headers)
        if not result.ok:
            return result
        return errcode_attempt("DingTalk", text, DINGTALK_RETRYABLE_CODES)
