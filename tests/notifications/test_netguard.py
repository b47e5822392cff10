"""Tests for the webhook address policy (SSRF guard)."""
import ipaddress

import pytest

from engine.notifications.netguard import (
    Allowlist, BlockedAddress, check_url, check_webhook_url, is_blocked_ip, resolve_url,
)


def fixed(*addresses):
    """A resolver answering with fixed addresses (stands in for DNS)."""
    calls = []

    def resolve(host, port):
        calls.append((host, port))
        return list(addresses)
    resolve.calls = calls
    return resolve


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/",
    "http://172.16.5.4/", "http://172.31.255.255/", "http://192.168.1.1:8080/x",
    "http://127.0.0.1/", "http://127.1.2.3/", "http://0.0.0.0/",
    "http://100.64.0.1/", "http://224.0.0.1/", "http://255.255.255.255/",
    "http://[::1]/", "http://[::]/", "http://[fd00::1]/", "http://[fe80::1]/", "http://[ff02::1]/",
    "http://[::ffff:169.254.169.254]/", "http://[::ffff:10.0.0.1]/", "http://[::ffff:7f00:1]/",
    "http://[64:ff9b::a00:1]/", "http://[2002:a00:1::]/", "http://[::127.0.0.1]/",
])
def test_blocked_literals(url):
    with pytest.raises(BlockedAddress) as info:
        check_webhook_url(url)
    assert "private, local or reserved" in info.value.reason
    assert info.value.to_dict()["errors"][0]["path"] == "/url"


@pytest.mark.parametrize("url", [
    "http://2130706433/", "http://0x7f.1/", "http://017700000001/", "http://localhost/",
])
def test_numeric_tricks_and_localhost_resolve_to_loopback(url):
    with pytest.raises(BlockedAddress):
        check_url(url)


def test_every_resolved_address_is_checked():
    with pytest.raises(BlockedAddress) as info:
        check_url("https://hooks.example.com/x", resolver=fixed("93.184.216.34", "10.0.0.7"))
    # what the name resolved to is kept for the delivery log, never put in the reason a caller reads (issue 18, point 15)
    assert "10.0.0.7" not in info.value.reason and "10.0.0.7" not in str(info.value.to_dict())
    assert info.value.resolved == "hooks.example.com resolved to 10.0.0.7"
    target = resolve_url("https://hooks.example.com:8443/a?b=1", resolver=fixed("93.184.216.34"))
    assert target.addresses == ("93.184.216.34",)
    assert (target.host, target.port, target.path) == ("hooks.example.com", 8443, "/a?b=1")
    assert target.host_header == "hooks.example.com:8443"


@pytest.mark.parametrize("url,reason", [
    ("ftp://example.com/", "only http"),
    ("file:///etc/passwd", "only http"),
    ("gopher://127.0.0.1/", "only http"),
    ("http://user:pw@example.com/", "user names or passwords"),
    ("http:///path", "no host"),
    ("http://exa mple.com/", "spaces"),
    ("http://example.com\\@10.0.0.1/", "backslashes"),
    ("http://example.com:99999/", "cannot be read"),
    ("", "empty"),
])
def test_malformed_urls(url, reason):
    with pytest.raises(BlockedAddress, match=reason):
        check_url(url, resolver=fixed("93.184.216.34"))


def test_unresolvable_host():
    with pytest.raises(BlockedAddress, match="cannot be resolved"):
        check_url("http://no-such-host.invalid/")


def test_allowlist_by_cidr_and_host_port():
    check_url("http://127.0.0.1:8080/", allow=["127.0.0.0/8"])
    check_url("http://hooks.internal:8443/", allow=["hooks.internal:8443"], resolver=fixed("10.1.2.3"))
    with pytest.raises(BlockedAddress):  # other port not allowed
        check_url("http://hooks.internal:9000/", allow=["hooks.internal:8443"], resolver=fixed("10.1.2.3"))
    with pytest.raises(BlockedAddress):  # allow-list of one network does not open others
        check_url("http://169.254.169.254/", allow=["127.0.0.0/8"])
    with pytest.raises(ValueError, match="allow-list entry"):
        Allowlist.parse(["not an entry"])


def test_public_addresses_pass():
    for ip in ("93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8"):
        assert not is_blocked_ip(ipaddress.ip_address(ip)), ip
