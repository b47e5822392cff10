"""The shared HTTP delivery of webhook-style channels.

Owns how a JSON payload leaves the server: the URL goes through
``netguard.resolve_url`` (SSRF policy), the connection is opened to the
checked IP itself while the Host header and TLS SNI/certificate check keep
the original name, redirects are never followed, timeouts and the response
size are bounded, and 5xx / 429 / connection errors are retried with
backoff while other 4xx answers fail for good.

The transport is the standard library's ``http.client`` with kept-alive
connections per checked address (``Connections``): a webhook is one small
POST, and urllib3's layers on top of ``http.client`` cost a third of the CPU
of each send, which is what a burst of reminders waits on. Vendors (WeCom, DingTalk,
Feishu, Slack) only say how their payload looks and how their "200 OK with
an error code" answers read.
"""
from __future__ import annotations

import http.client
import json
import select
import socket
import ssl
import threading
import time
from collections import OrderedDict
from typing import Any, ClassVar, Mapping

from engine.notifications.channels.base import Attempt, Channel, ConfigProblem, DeliveryResult, OutgoingMessage
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
#: Seconds one channel reuses a URL's checked addresses (a delivery batch sends many messages to one hook);
#: connections always go to those checked IPs, so reuse never lets a re-resolved name slip past the guard.
CHECKED_TTL = 30.0


class _Plain(http.client.HTTPConnection):
    """TCP to the checked IP; the connect timeout for connecting, the read timeout after."""

    def connect(self) -> None:
        super().connect()
        self.sock.settimeout(WEBHOOK_READ_TIMEOUT)


class _Secure(http.client.HTTPSConnection):
    """TLS to the checked IP with the URL's host name for SNI and the certificate check."""

    def __init__(self, ip: str, port: int, *, server_hostname: str, context: ssl.SSLContext):
        super().__init__(ip, port, timeout=WEBHOOK_CONNECT_TIMEOUT, context=context)
        self.server_hostname = server_hostname

    def connect(self) -> None:
        http.client.HTTPConnection.connect(self)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.server_hostname)
        self.sock.settimeout(WEBHOOK_READ_TIMEOUT)


def _dropped(conn: http.client.HTTPConnection) -> bool:
    """Whether an idle kept-alive connection was closed by the server (readable while idle means EOF or junk)."""
    if conn.sock is None:
        return True
    poller = select.poll()
    poller.register(conn.sock, select.POLLIN)
    return bool(poller.poll(0))


class Connections:
    """Idle kept-alive connections per (scheme, checked IP, port, host name, CA file), shared by delivery threads."""

    def __init__(self, per_address: int = POOL_CONNECTIONS, addresses: int = MAX_KEPT_POOLS):
        self.per_address = per_address
        self.addresses = addresses
        self._idle: "OrderedDict[tuple, list[http.client.HTTPConnection]]" = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: tuple) -> tuple[http.client.HTTPConnection, bool]:
        """A connection for ``key`` and whether it was used before (a reused one may have gone stale)."""
        while True:
            with self._lock:
                idle = self._idle.get(key)
                conn = idle.pop() if idle else None
            if conn is None:
                return self.new(key), False
            if not _dropped(conn):
                return conn, True
            conn.close()

    def give_back(self, key: tuple, conn: http.client.HTTPConnection) -> None:
        with self._lock:
            idle = self._idle.pop(key, [])
            self._idle[key] = idle  # most recently used last
            if len(idle) < self.per_address:
                idle.append(conn)
                conn = None
            while len(self._idle) > self.addresses:
                for old in self._idle.pop(next(iter(self._idle))):
                    old.close()
        if conn is not None:
            conn.close()

    def new(self, key: tuple) -> http.client.HTTPConnection:
        """A connection not opened yet (it connects on the first request)."""
        scheme, ip, port, host, ca_file = key
        if scheme == "https":
            context = ssl.create_default_context(cafile=ca_file)  # CERT_REQUIRED and a host name check
            return _Secure(ip, port, server_hostname=host, context=context)
        return _Plain(ip, port, timeout=WEBHOOK_CONNECT_TIMEOUT)


_CONNECTIONS = Connections()
#: What a failed request raises: refused or reset connections, timeouts, malformed answers.
_NETWORK_ERRORS = (OSError, http.client.HTTPException)
#: What a kept-alive connection closed by the server raises before any answer (safe to try once more on a new one).
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


class HttpChannel(Channel):
    """A channel that POSTs JSON to a URL (from the message or the channel settings)."""

    config_keys: ClassVar[frozenset[str]] = frozenset({"url", "ca_file"})
    #: A hook URL carries its access key (WeCom ``key=``, DingTalk ``access_token=``, Slack's path).
    secret_keys: ClassVar[frozenset[str]] = frozenset({"url"})
    url_required: ClassVar[bool] = True

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._checked: dict[str, tuple[float, CheckedTarget]] = {}

    @classmethod
    def config_problems(cls, config: Mapping[str, Any]) -> list[ConfigProblem]:
        problems = super().config_problems(config)
        url = config.get("url")
        if url is not None and not isinstance(url, str):
            problems.append(ConfigProblem("url", "error.value.text"))
        return problems

    @classmethod
    def check_config(cls, config: Mapping[str, Any], allow: Any = None, resolver=None) -> list[ConfigProblem]:
        """Save-time check, including the address policy for the URL."""
        problems = cls.config_problems(config)
        if isinstance(config.get("url"), str):
            try:
                check_url(config["url"], allow, resolver=resolver)
            except BlockedAddress as exc:
                problems.append(ConfigProblem("url", exc.reason_code, exc.reason_params))
        return problems

    # --- what vendors override ------------------------------------------
    def payload(self, message: OutgoingMessage) -> dict:
        raise NotImplementedError

    def url_for(self, message: OutgoingMessage) -> str:
        return self.setting(message, "url") or ""

    def setting(self, message: OutgoingMessage, key: str) -> Any:
        """A setting of this message (a workflow step's channel settings) or else of the channel."""
        return message.config.get(key) or self.config.get(key)

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
            target = self.prepare_target(self.checked_target(url), message)
        except BlockedAddress as exc:  # not the URL (it may carry a key); the resolved address is for the delivery log
            where = f" ({exc.resolved})" if exc.resolved else ""
            return DeliveryResult(False, True, f"the webhook address is not allowed: {exc.reason}{where}", 0, self.name)
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

    def checked_target(self, url: str) -> CheckedTarget:
        """``url`` through the SSRF policy, remembered for ``CHECKED_TTL`` seconds (refusals are not remembered)."""
        hit = self._checked.get(url)
        now = time.monotonic()
        if hit is not None and hit[0] > now:
            return hit[1]
        target = resolve_url(url, self.allow, resolver=self.resolver)
        self._checked[url] = (now + CHECKED_TTL, target)
        return target

    def prepare_target(self, target: CheckedTarget, message: OutgoingMessage) -> CheckedTarget:
        """Hook for vendors that sign the URL (DingTalk)."""
        return target

    def _post(self, target: CheckedTarget, body: bytes, headers: dict[str, str]) -> Attempt:
        last = "no address to connect to"
        for ip in target.addresses:
            key = (target.scheme, ip, target.port, target.host, self.config.get("ca_file"))
            try:
                status, text, answer_headers = self._exchange(key, target.path, body, headers)
            except ssl.SSLError as exc:
                return Attempt(False, f"secure connection to {target.host} failed: {_reason(exc)}")
            except _NETWORK_ERRORS as exc:
                last = f"cannot reach {target.host} ({ip}): {_reason(exc)}"
                continue
            return self.judge(status, text, answer_headers)
        return Attempt(False, last, retry=True)

    @staticmethod
    def _exchange(key: tuple, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, str, Mapping[str, str]]:
        """One POST on a kept-alive connection; a reused one the server closed meanwhile is replaced once."""
        conn, reused = _CONNECTIONS.take(key)
        try:
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
            except _STALE:  # the receiver closed the kept-alive connection before answering: once more on a new one
                if not reused:  # (a receiver that dropped it mid-request sees the idempotency key twice)
                    raise
                conn.close()
                conn, reused = _CONNECTIONS.new(key), False
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
            raw = response.read(MAX_WEBHOOK_RESPONSE)
        except BaseException:
            conn.close()
            raise
        if response.isclosed() and not response.will_close:  # answer read to the end: the connection can serve the next
            _CONNECTIONS.give_back(key, conn)
        else:
            conn.close()
        return response.status, raw.decode("utf-8", errors="replace"), response.headers


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff


def _reason(exc: Exception) -> str:
    if isinstance(exc, socket.timeout):
        return "timed out"
    reason = getattr(exc, "reason", None) if isinstance(exc, ssl.SSLError) else None
    return str(reason or exc or type(exc).__name__)[:200]


def json_answer(text: str) -> dict:
    """Parse a vendor's JSON answer; {} when it is not JSON."""
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def errcode_attempt(vendor: str, text: str, retryable) -> Attempt:
    """The outcome of a 2xx answer shaped ``{"errcode": 0, "errmsg": ...}`` (DingTalk, WeCom): 0 is accepted, a code in
    ``retryable`` is tried again."""
    answer = json_answer(text)
    code = answer.get("errcode", 0)
    if code == 0:
        return Attempt(True, f"{vendor} accepted the message")
    return Attempt(False, f"{vendor} error {code}: {answer.get('errmsg', '')}", retry=code in retryable)
