"""The shared HTTP delivery of webhook-style channels.

Owns how a JSON payload leaves the server: the URL goes through
``netguard.resolve_url`` (SSRF policy), the connection is opened to the
checked IP itself while the Host header and TLS SNI/certificate check keep
the original name, redirects are never followed, timeouts and the response
size are bounded, and 5xx / 429 / connection errors are retried with
backoff while other 4xx answers fail for good. Vendors (WeCom, DingTalk,
Feishu, Slack) only say how their payload looks and how their "200 OK with
an error code" answers read.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any, ClassVar, Mapping

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error, SSLError

from engine.notifications.channels.base import Attempt, Channel, DeliveryResult, OutgoingMessage
from engine.notifications.netguard import BlockedAddress, CheckedTarget, check_url, resolve_url

__all__ = ["HttpChannel", "WEBHOOK_CONNECT_TIMEOUT", "WEBHOOK_READ_TIMEOUT", "MAX_WEBHOOK_RESPONSE"]

#: Seconds to wait for a webhook server to accept the connection.
WEBHOOK_CONNECT_TIMEOUT = 5.0
#: Seconds to wait for a webhook server's answer.
WEBHOOK_READ_TIMEOUT = 10.0
#: Most bytes of a webhook answer read (kept for the delivery log).
MAX_WEBHOOK_RESPONSE = 16_384
#: Largest payload sent, in bytes.
MAX_WEBHOOK_PAYLOAD = 256_000
#: HTTP statuses worth retrying besides 5xx (429: the server asks us to slow down).
RETRYABLE_STATUSES = frozenset({408, 429})
USER_AGENT = "formflow-notifications/1"
#: Kept-alive connections per webhook address (one per delivery thread) and addresses kept open at once.
POOL_CONNECTIONS = 16
MAX_KEPT_POOLS = 64

_POOLS: "OrderedDict[tuple, urllib3.HTTPConnectionPool]" = OrderedDict()
_POOLS_LOCK = threading.Lock()


class HttpChannel(Channel):
    """A channel that POSTs JSON to a URL (from the message or the channel settings)."""

    config_keys: ClassVar[frozenset[str]] = frozenset({"url", "ca_file"})
    url_required: ClassVar[bool] = True

    @classmethod
    def config_problems(cls, config: Mapping[str, Any]) -> list[tuple[str, str]]:
        problems = super().config_problems(config)
        url = config.get("url")
        if url is not None and not isinstance(url, str):
            problems.append(("url", "must be text"))
        return problems

    @classmethod
    def check_config(cls, config: Mapping[str, Any], allow: Any = None, resolver=None) -> list[tuple[str, str]]:
        """Save-time check, including the address policy for the URL."""
        problems = cls.config_problems(config)
        if isinstance(config.get("url"), str):
            try:
                check_url(config["url"], allow, resolver=resolver)
            except BlockedAddress as exc:
                problems.append(("url", exc.reason))
        return problems

    # --- what vendors override ------------------------------------------
    def payload(self, message: OutgoingMessage) -> dict:
        raise NotImplementedError

    def url_for(self, message: OutgoingMessage) -> str:
        return message.config.get("url") or self.config.get("url") or ""

    def extra_headers(self, message: OutgoingMessage, body: bytes) -> dict[str, str]:
        return {}

    def judge(self, status: int, text: str, headers: Mapping[str, str]) -> Attempt:
        """Turn an HTTP answer into an ``Attempt``; vendors refine the 2xx case."""
        if 200 <= status < 300:
            return Attempt(True, f"HTTP {status}")
        snippet = text[:200]
        if 300 <= status < 400:
            return Attempt(False, f"HTTP {status}: redirects are not followed for webhooks")
        if status >= 500 or status in RETRYABLE_STATUSES:
            return Attempt(False, f"HTTP {status}: {snippet}", retry=True,
                           retry_after=_retry_after(headers.get("Retry-After")))
        return Attempt(False, f"HTTP {status}: {snippet}")

    # --- delivery -------------------------------------------------------
    def send(self, message: OutgoingMessage) -> DeliveryResult:
        url = self.url_for(message)
        try:
            target = resolve_url(url, self.allow, resolver=self.resolver)
            target = self.prepare_target(target, message)
        except BlockedAddress as exc:
            return DeliveryResult(False, True, str(exc), 0, self.name)
        body = json.dumps(self.payload(message), ensure_ascii=False, separators=(",", ":")).encode()
        if len(body) > MAX_WEBHOOK_PAYLOAD:
            return DeliveryResult(False, True, f"message is larger than {MAX_WEBHOOK_PAYLOAD} bytes", 0, self.name)
        headers = {
            "Host": target.host_header,
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "Idempotency-Key": message.idempotency_key,
            **self.extra_headers(message, body),
        }
        return self._retrying(lambda: self._post(target, body, headers))

    def prepare_target(self, target: CheckedTarget, message: OutgoingMessage) -> CheckedTarget:
        """Hook for vendors that sign the URL (DingTalk)."""
        return target

    def _post(self, target: CheckedTarget, body: bytes, headers: dict[str, str]) -> Attempt:
        last = "no address to connect to"
        for ip in target.addresses:
            pool = self._pool(target, ip)
            try:
                response = pool.urlopen("POST", target.path, body=body, headers=headers, redirect=False,
                                        retries=False, assert_same_host=False, preload_content=False)
                try:
                    raw = response.read(MAX_WEBHOOK_RESPONSE, decode_content=True)
                finally:
                    response.release_conn()
                text = raw.decode("utf-8", errors="replace")
                return self.judge(response.status, text, response.headers)
            except SSLError as exc:
                return Attempt(False, f"secure connection to {target.host} failed: {_reason(exc)}")
            except Urllib3Error as exc:
                last = f"cannot reach {target.host} ({ip}): {_reason(exc)}"
        return Attempt(False, last, retry=True)

    def _pool(self, target: CheckedTarget, ip: str):
        """A kept-alive connection pool per checked address (the IP the SSRF guard approved, never a re-resolved name)."""
        key = (target.scheme, ip, target.port, target.host, self.config.get("ca_file"))
        with _POOLS_LOCK:
            pool = _POOLS.pop(key, None)
            if pool is None:
                pool = self._new_pool(target, ip)
            _POOLS[key] = pool  # most recently used last
            while len(_POOLS) > MAX_KEPT_POOLS:
                _POOLS.pop(next(iter(_POOLS))).close()
        return pool

    def _new_pool(self, target: CheckedTarget, ip: str):
        timeout = urllib3.Timeout(connect=WEBHOOK_CONNECT_TIMEOUT, read=WEBHOOK_READ_TIMEOUT)
        if target.scheme == "https":
            return urllib3.HTTPSConnectionPool(
                ip, target.port, timeout=timeout, retries=False, maxsize=POOL_CONNECTIONS,
                server_hostname=target.host, assert_hostname=target.host,
                cert_reqs="CERT_REQUIRED", ca_certs=self.config.get("ca_file"))
        return urllib3.HTTPConnectionPool(ip, target.port, timeout=timeout, retries=False, maxsize=POOL_CONNECTIONS)


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def _reason(exc: Exception) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason or exc)[:200]


def json_answer(text: str) -> dict:
    """Parse a vendor's JSON answer; {} when it is not JSON."""
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
