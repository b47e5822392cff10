"""Outbound address policy for webhooks (SSRF guard).

Owns the answer to "may the server send an HTTP request to this URL?".
A URL's host is resolved and every resolved address is checked against
``WEBHOOK_BLOCKED_NETWORKS`` (private, loopback, link-local including cloud
metadata, CGNAT, multicast, unspecified, IPv6 ULA/link-local and the IPv4
forms embedded in IPv6) unless an allow-list from configuration names it.
``resolve_url`` returns the checked addresses so the HTTP client connects to
exactly those (no second DNS lookup, no rebinding window); the client keeps
the Host header and TLS SNI on the original name and never follows
redirects. ``check_url`` / ``check_webhook_url`` are the save-time check.
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Callable, Iterable
from urllib.parse import urlsplit

from engine import i18n
from engine.errors import ErrorItem, ValidationFailed

__all__ = [
    "BlockedAddress", "BadAllowlistEntry", "Allowlist", "CheckedTarget", "check_url", "check_webhook_url",
    "resolve_url", "is_blocked_ip", "WEBHOOK_BLOCKED_NETWORKS", "WEBHOOK_ALLOWED_SCHEMES",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

#: Networks a webhook may never reach unless allow-listed.
WEBHOOK_BLOCKED_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8",          # "this network", unspecified
    "10.0.0.0/8",         # private
    "100.64.0.0/10",      # carrier-grade NAT
    "127.0.0.0/8",        # loopback
    "169.254.0.0/16",     # link-local, cloud metadata 169.254.169.254
    "172.16.0.0/12",      # private
    "192.0.0.0/24",       # IETF protocol assignments
    "192.0.2.0/24",       # documentation
    "192.88.99.0/24",     # 6to4 relay anycast
    "192.168.0.0/16",     # private
    "198.18.0.0/15",      # benchmarking
    "198.51.100.0/24",    # documentation
    "203.0.113.0/24",     # documentation
    "224.0.0.0/4",        # multicast
    "240.0.0.0/4",        # reserved, broadcast
    "::/128",             # unspecified
    "::1/128",            # loopback
    "100::/64",           # discard
    "2001:db8::/32",      # documentation
    "fc00::/7",           # unique local
    "fe80::/10",          # link-local
    "fec0::/10",          # site-local (deprecated)
    "ff00::/8",           # multicast
))
#: What a refused host *name* is told (a catalogue key): the address it resolved to is never echoed (no mapping of
#: internal names).
PRIVATE_NAME_REASON = "error.webhook.private_name"
#: URL schemes a webhook may use.
WEBHOOK_ALLOWED_SCHEMES = frozenset({"http", "https"})
#: Longest webhook URL accepted.
MAX_WEBHOOK_URL_LENGTH = 2_048
#: Most addresses one host name may resolve to before we refuse it.
MAX_RESOLVED_ADDRESSES = 32

_DEFAULT_PORTS = {"http": 80, "https": 443}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SIXTOFOUR = ipaddress.ip_network("2002::/16")


class BlockedAddress(ValidationFailed, ValueError):
    """A URL the server will not call: the reason is a catalogue key (``reason_code``) with its ``params``, ``reason``
    its English text."""

    code = "address_blocked"

    def __init__(self, url: str, reason_code: str, resolved: str | None = None, **params):
        item = ErrorItem.coded(reason_code, path="/url", code="address_blocked", **params)
        super().__init__(i18n.render("error.webhook.not_allowed", "en", {"url": repr(url), "reason": item.message}),
                         [item], message_code="error.webhook.not_allowed",
                         params={"url": repr(url), "reason": i18n.texts(reason_code, params)}, url=url)
        self.url = url
        self.reason = item.message
        self.reason_code = reason_code
        self.reason_params = params
        #: what the name resolved to, for the server's delivery log only (never in a response)
        self.resolved = resolved

    def __str__(self) -> str:
        return self.message


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address hidden in an IPv6 one (mapped, compatible, NAT64, 6to4)."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    packed = ip.packed
    if ip in _NAT64 or (packed[:12] == bytes(12) and ip > ipaddress.IPv6Address("::1")):
        return ipaddress.IPv4Address(packed[12:])  # NAT64 / deprecated IPv4-compatible
    return None


def is_blocked_ip(ip: IPAddress) -> bool:
    """Whether ``ip`` (or the IPv4 address embedded in it) is in a blocked network."""
    for candidate in (ip, _embedded_ipv4(ip)):
        if candidate is not None and any(
                candidate.version == net.version and candidate in net for net in WEBHOOK_BLOCKED_NETWORKS):
            return True
    return False


class BadAllowlistEntry(ValueError):
    """An entry of WEBHOOK_ALLOWLIST (server configuration) that is neither a CIDR nor host:port."""

    def __init__(self, entry: str):
        super().__init__(i18n.render("error.webhook.allowlist_entry", "en", {"entry": repr(entry)}))
        self.entry = entry


@dataclass(frozen=True)
class Allowlist:
    """Configuration exceptions: CIDR networks and exact ``host:port`` pairs."""

    networks: tuple = ()
    host_ports: frozenset[tuple[str, int]] = frozenset()

    @classmethod
    def parse(cls, entries: "Allowlist | Iterable[str] | None") -> "Allowlist":
        if isinstance(entries, Allowlist):
            return entries
        networks, pairs = [], set()
        for entry in entries or ():
            entry = str(entry).strip()
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            except ValueError:
                pass
            host, sep, port = entry.rpartition(":")
            if not sep or not port.isdigit() or not host:
                raise BadAllowlistEntry(entry)
            pairs.add((host.strip("[]").lower(), int(port)))
        return cls(tuple(networks), frozenset(pairs))

    def allows(self, host: str, port: int, ip: IPAddress) -> bool:
        if (host, port) in self.host_ports or (str(ip), port) in self.host_ports:
            return True
        return any(ip.version == net.version and ip in net for net in self.networks)


@dataclass(frozen=True)
class CheckedTarget:
    """A URL whose addresses passed the policy; connect only to ``addresses``."""

    url: str
    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == _DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"


def system_resolver(host: str, port: int) -> list[str]:
    """All addresses the system resolver gives for ``host``."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


def resolve_url(url: str, allow: "Allowlist | Iterable[str] | None" = None, *,
                resolver: Resolver | None = None) -> CheckedTarget:
    """Parse, resolve and check ``url``; raise ``BlockedAddress`` if any address is refused."""
    if not isinstance(url, str) or not url:
        raise BlockedAddress(str(url), "error.webhook.empty")
    if len(url) > MAX_WEBHOOK_URL_LENGTH:
        raise BlockedAddress(url[:80], "error.webhook.too_long", max=MAX_WEBHOOK_URL_LENGTH)
    if any(ch.isspace() or ord(ch) < 32 or ch == "\\" for ch in url):
        raise BlockedAddress(url, "error.webhook.bad_characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # Python's words (a port out of range, a bad IPv6 literal) stay out of the answer
        raise BlockedAddress(url, "error.webhook.unreadable") from None
    scheme = parts.scheme.lower()
    if scheme not in WEBHOOK_ALLOWED_SCHEMES:
        raise BlockedAddress(url, "error.webhook.scheme")
    if parts.username is not None or parts.password is not None:
        raise BlockedAddress(url, "error.webhook.credentials")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise BlockedAddress(url, "error.webhook.no_host")
    port = port or _DEFAULT_PORTS[scheme]
    allowlist = Allowlist.parse(allow)
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        raw = [str(literal)]
    else:
        try:
            raw = (resolver or system_resolver)(host, port)
        except (OSError, UnicodeError):
            raise BlockedAddress(url, "error.webhook.unresolvable", host=repr(host)) from None  # no resolver detail
    if not raw:
        raise BlockedAddress(url, "error.webhook.no_addresses", host=repr(host))
    if len(raw) > MAX_RESOLVED_ADDRESSES:
        raise BlockedAddress(url, "error.webhook.too_many_addresses", host=repr(host))
    checked: list[str] = []
    for text in raw:
        ip = ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone id
        if is_blocked_ip(ip) and not allowlist.allows(host, port, ip):
            if literal is not None:  # the caller typed this address: naming it tells them nothing new
                raise BlockedAddress(url, "error.webhook.private_address", address=str(ip))
            # never say what a name resolved to: that would map the internal network for whoever asks
            raise BlockedAddress(url, PRIVATE_NAME_REASON, resolved=f"{host} resolved to {ip}")
        if str(ip) not in checked:
            checked.append(str(ip))
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return CheckedTarget(url, scheme, host, port, path, tuple(checked))


def check_url(url: str, allow: "Allowlist | Iterable[str] | None" = None, *,
              resolver: Resolver | None = None) -> None:
    """Raise ``BlockedAddress`` unless the server may call ``url``."""
    resolve_url(url, allow, resolver=resolver)


#: Save-time name used by the designer and API.
check_webhook_url = check_url
