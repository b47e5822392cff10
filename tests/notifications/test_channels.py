"""Channel tests against real local HTTP and SMTP servers (no mocks)."""
import base64
import email
import hashlib
import hmac
from email import policy
from urllib.parse import parse_qs, unquote_plus, urlsplit

import pytest

from engine.notifications.channels import (
    CHANNELS, ChannelConfigError, OutgoingMessage, Recipient, get_channel,
)
from engine.notifications.channels.email import message_id

LOOPBACK = ["127.0.0.0/8"]
OWNER = Recipient(user_id=3, email="li@example.com", display_name="Li Lei", tz="Asia/Shanghai",
                  mobile="13800000000", chat_ids={"wecom": "lilei", "dingtalk": "ding_li",
                                                  "feishu": "ou_li", "slack": "U111"})
MANAGER = Recipient(user_id=4, email="han@example.com", display_name="Han Meimei",
                    chat_ids={"wecom": "hanmm", "slack": "U222"})


def message(**over):
    base = dict(recipient=OWNER, subject="Follow up ACME", body="Visit ACME <Ltd> at 15:00",
                idempotency_key="due-event:42:owner", link="https://crm.example.com/r/7", cc=(MANAGER,))
    base.update(over)
    return OutgoingMessage(**base)


def channel(name, config, clock, sleeps, **deps):
    deps.setdefault("allow", LOOPBACK)
    return get_channel(name, config, clock=clock, sleep=sleeps, rng=lambda: 0.5, **deps)


def fixed(*addresses):
    calls = []

    def resolve(host, port):
        calls.append(host)
        return list(addresses)
    resolve.calls = calls
    return resolve


# ------------------------------------------------------------------ registry and settings

def test_registry_lists_channels_and_refuses_unknown():
    assert {"email", "webhook", "wecom", "dingtalk", "feishu", "slack"} <= set(CHANNELS.names())
    with pytest.raises(KeyError, match="unknown notification channel 'fax'"):
        get_channel("fax", {})


def test_bad_settings_are_errors_with_locations():
    with pytest.raises(ChannelConfigError) as info:
        get_channel("email", {"port": 99999, "colour": "red"})
    paths = {e["path"] for e in info.value.to_dict()["errors"]}
    assert {"/config/host", "/config/from_address", "/config/port", "/config/colour"} <= paths
    with pytest.raises(ChannelConfigError, match="format"):
        get_channel("feishu", {"url": "https://open.feishu.cn/x", "format": "card"})


def test_save_time_url_check():
    kind = CHANNELS.get("webhook").cls
    assert kind.check_config({"url": "http://169.254.169.254/"})[0][0] == "url"
    assert kind.check_config({"url": "http://127.0.0.1:9/"}, allow=LOOPBACK) == []


# ------------------------------------------------------------------ generic webhook

def test_webhook_posts_json_with_idempotency_key_and_signature(receiver, clock, sleeps):
    ch = channel("webhook", {"url": receiver.url + "/hook", "secret": "s3cret"}, clock, sleeps)
    result = ch.send(message())
    assert result.ok and result.attempts == 1 and result.channel == "webhook"
    req = receiver.requests[0]
    assert req["path"] == "/hook"
    assert req["headers"]["Idempotency-Key"] == "due-event:42:owner"
    assert req["json"]["subject"] == "Follow up ACME"
    assert req["json"]["recipient"]["tz"] == "Asia/Shanghai"
    assert req["json"]["cc"][0]["email"] == "han@example.com"
    assert req["json"]["sent_at"] == "2026-03-09T01:00:00Z"
    stamp = req["headers"]["X-Formflow-Timestamp"]
    expected = hmac.new(b"s3cret", stamp.encode() + b"." + req["body"], hashlib.sha256).hexdigest()
    assert req["headers"]["X-Formflow-Signature"] == f"sha256={expected}"


def test_per_message_url_wins(receiver, clock, sleeps):
    ch = channel("webhook", {"url": "http://127.0.0.1:9/unused"}, clock, sleeps)
    assert ch.send(message(config={"url": receiver.url + "/node"})).ok
    assert receiver.requests[0]["path"] == "/node"


def test_5xx_retried_with_backoff_then_ok(receiver, clock, sleeps):
    receiver.answer(500, "boom")
    receiver.answer(503, "busy")
    ch = channel("webhook", {"url": receiver.url}, clock, sleeps)
    result = ch.send(message())
    assert result.ok and result.attempts == 3
    assert sleeps == [0.75, 1.5]  # equal jitter with rng=0.5: base 1s, doubling
    keys = {r["headers"]["Idempotency-Key"] for r in receiver.requests}
    assert keys == {"due-event:42:owner"} and len(receiver.requests) == 3


def test_4xx_is_permanent_and_not_retried(receiver, clock, sleeps):
    receiver.answer(400, "bad payload")
    result = channel("webhook", {"url": receiver.url}, clock, sleeps).send(message())
    assert not result.ok and result.permanent and result.attempts == 1
    assert "HTTP 400: bad payload" in result.detail
    assert sleeps == [] and len(receiver.requests) == 1


def test_429_honours_retry_after(receiver, clock, sleeps):
    receiver.answer(429, "slow down", {"Retry-After": "7"})
    result = channel("webhook", {"url": receiver.url}, clock, sleeps).send(message())
    assert result.ok and result.attempts == 2 and sleeps == [7.0]


def test_gives_up_after_max_attempts_not_permanent(receiver, clock, sleeps):
    for _ in range(4):
        receiver.answer(502, "bad gateway")
    result = channel("webhook", {"url": receiver.url}, clock, sleeps).send(message())
    assert not result.ok and not result.permanent and result.attempts == 4
    assert "gave up after 4 attempts" in result.detail and len(sleeps) == 3
    assert sleeps == sorted(sleeps)


def test_redirects_are_not_followed(receiver, clock, sleeps):
    receiver.answer(302, "", {"Location": "http://169.254.169.254/latest/meta-data/"})
    result = channel("webhook", {"url": receiver.url}, clock, sleeps).send(message())
    assert not result.ok and result.permanent and "redirects are not followed" in result.detail
    assert len(receiver.requests) == 1


def test_connection_refused_is_retried(clock, sleeps, free_port):
    url = f"http://127.0.0.1:{free_port()}/"
    result = channel("webhook", {"url": url}, clock, sleeps).send(message())
    assert not result.ok and not result.permanent and result.attempts == 4
    assert "cannot reach" in result.detail


def test_blocked_address_never_contacted(receiver, clock, sleeps):
    result = channel("webhook", {"url": receiver.url}, clock, sleeps, allow=None).send(message())
    assert not result.ok and result.permanent and result.attempts == 0
    assert "not allowed" in result.detail and receiver.requests == []


def test_connects_to_checked_ip_with_original_host_header(receiver, clock, sleeps):
    port = receiver.url.rsplit(":", 1)[1]
    resolver = fixed("127.0.0.1")
    receiver.answer(500, "once more")
    ch = channel("webhook", {"url": f"http://hooks.crm.test:{port}/in"}, clock, sleeps, resolver=resolver)
    assert ch.send(message()).ok
    assert [r["headers"]["Host"] for r in receiver.requests] == [f"hooks.crm.test:{port}"] * 2
    assert resolver.calls == ["hooks.crm.test"]  # resolved once: no rebinding between attempts


def test_dns_answer_with_private_address_is_refused(receiver, clock, sleeps):
    ch = channel("webhook", {"url": "http://hooks.crm.test/in"}, clock, sleeps, allow=None,
                 resolver=fixed("93.184.216.34", "169.254.169.254"))
    result = ch.send(message())
    assert result.permanent and "169.254.169.254" in result.detail


def test_https_keeps_sni_and_verifies_certificate(tls_receiver, tls_cert, clock, sleeps):
    url = f"https://localhost:{tls_receiver.port}/secure"
    ch = channel("webhook", {"url": url, "ca_file": tls_cert[0]}, clock, sleeps, resolver=fixed("127.0.0.1"))
    assert ch.send(message()).ok
    assert tls_receiver.sni == ["localhost"]
    assert tls_receiver.requests[0]["headers"]["Host"] == f"localhost:{tls_receiver.port}"
    untrusted = channel("webhook", {"url": url}, clock, sleeps, resolver=fixed("127.0.0.1"))
    result = untrusted.send(message())
    assert not result.ok and result.permanent and "secure connection" in result.detail


# ------------------------------------------------------------------ chat robots

def test_wecom_markdown_with_mentions(receiver, clock, sleeps):
    receiver.answer(200, {"errcode": 0, "errmsg": "ok"})
    assert channel("wecom", {"url": receiver.url}, clock, sleeps).send(message()).ok
    sent = receiver.requests[0]["json"]
    assert sent["msgtype"] == "markdown"
    content = sent["markdown"]["content"]
    assert content.startswith("**Follow up ACME**\nVisit ACME &lt;Ltd&gt; at 15:00")
    assert "[Open](https://crm.example.com/r/7)" in content
    assert content.endswith("<@lilei> <@hanmm>")
    assert sent["markdown"]["mentioned_list"] == ["lilei", "hanmm"]


@pytest.mark.parametrize("answer,ok,permanent", [
    ({"errcode": 93000, "errmsg": "invalid webhook url"}, False, True),
    ({"errcode": 45009, "errmsg": "api freq out of limit"}, False, False),
])
def test_wecom_error_codes(receiver, clock, sleeps, answer, ok, permanent):
    for _ in range(4):
        receiver.answer(200, answer)
    result = channel("wecom", {"url": receiver.url}, clock, sleeps).send(message())
    assert (result.ok, result.permanent) == (ok, permanent)
    assert str(answer["errcode"]) in result.detail


def test_dingtalk_shape_and_signature(receiver, clock, sleeps):
    receiver.answer(200, {"errcode": 0, "errmsg": "ok"})
    ch = channel("dingtalk", {"url": receiver.url + "/robot/send?access_token=abc", "secret": "SECxyz"},
                 clock, sleeps)
    assert ch.send(message()).ok
    req = receiver.requests[0]
    sent = req["json"]
    assert sent["msgtype"] == "markdown" and sent["markdown"]["title"] == "Follow up ACME"
    assert sent["at"] == {"atMobiles": ["13800000000"], "atUserIds": ["ding_li"], "isAtAll": False}
    assert "@13800000000" in sent["markdown"]["text"]
    query = parse_qs(urlsplit(req["path"]).query)
    assert query["access_token"] == ["abc"]
    stamp = query["timestamp"][0]
    assert stamp == str(int(clock.now().timestamp() * 1000))
    want = base64.b64encode(hmac.new(b"SECxyz", f"{stamp}\nSECxyz".encode(), hashlib.sha256).digest()).decode()
    assert query["sign"] == [want]


def test_dingtalk_error_is_permanent(receiver, clock, sleeps):
    receiver.answer(200, {"errcode": 310000, "errmsg": "sign not match"})
    result = channel("dingtalk", {"url": receiver.url}, clock, sleeps).send(message())
    assert result.permanent and "310000" in result.detail


def test_feishu_text_post_and_sign(receiver, clock, sleeps):
    receiver.answer(200, {"code": 0, "msg": "success"})
    assert channel("feishu", {"url": receiver.url, "secret": "fs"}, clock, sleeps).send(message()).ok
    sent = receiver.requests[0]["json"]
    assert sent["msg_type"] == "text"
    assert sent["content"]["text"].startswith("Follow up ACME\nVisit ACME <Ltd> at 15:00\nhttps://crm")
    assert '<at user_id="ou_li">Li Lei</at>' in sent["content"]["text"]
    want = base64.b64encode(hmac.new(f"{sent['timestamp']}\nfs".encode(), b"", hashlib.sha256).digest()).decode()
    assert sent["sign"] == want
    receiver.answer(200, {"code": 19021, "msg": "sign match fail"})
    post = channel("feishu", {"url": receiver.url, "format": "post"}, clock, sleeps)
    result = post.send(message())
    assert result.permanent and "19021" in result.detail
    sent = receiver.requests[1]["json"]
    assert sent["msg_type"] == "post"
    rows = sent["content"]["post"]["zh_cn"]["content"]
    assert rows[1] == [{"tag": "a", "text": "Open", "href": "https://crm.example.com/r/7"}]
    assert rows[2] == [{"tag": "at", "user_id": "ou_li"}]


def test_slack_escapes_user_text(receiver, clock, sleeps):
    ch = channel("slack", {"url": receiver.url}, clock, sleeps)
    assert ch.send(message(body="ping <!channel> & co")).ok
    text = receiver.requests[0]["json"]["text"]
    assert text == ("*Follow up ACME*\nping &lt;!channel&gt; &amp; co\n"
                    "<https://crm.example.com/r/7|Open>\n<@U111> <@U222>")


# ------------------------------------------------------------------ email

def email_config(port, **over):
    return {"host": "127.0.0.1", "port": port, "from_address": "crm@formflow.test",
            "from_name": "Formflow CRM", **over}


def parsed(envelope):
    return email.message_from_bytes(envelope.content, policy=policy.default)


def test_email_sent_with_stable_message_id(smtp_server, clock, sleeps):
    ch = channel("email", email_config(smtp_server.port), clock, sleeps)
    html = "<p>Visit <b>ACME</b></p>"
    first = ch.send(message(html_body=html))
    again = ch.send(message(html_body=html))
    assert first.ok and again.ok
    assert first.external_id == again.external_id == message_id("due-event:42:owner", "formflow.test")
    env = smtp_server.envelopes[0]
    assert env.mail_from == "crm@formflow.test"
    assert env.rcpt_tos == ["li@example.com", "han@example.com"]
    mail = parsed(env)
    assert mail["Subject"] == "Follow up ACME"
    assert mail["To"] == "Li Lei <li@example.com>"
    assert mail["Cc"] == "Han Meimei <han@example.com>"
    assert mail["Message-ID"] == first.external_id
    assert mail["Date"] == "Mon, 09 Mar 2026 01:00:00 +0000"
    assert "https://crm.example.com/r/7" in mail.get_body(("plain",)).get_content()
    assert "<b>ACME</b>" in mail.get_body(("html",)).get_content()
    assert parsed(smtp_server.envelopes[1])["Message-ID"] == mail["Message-ID"]


def test_email_header_injection_is_flattened(smtp_server, clock, sleeps):
    ch = channel("email", email_config(smtp_server.port), clock, sleeps)
    assert ch.send(message(subject="Hi\r\nBcc: evil@example.com", cc=())).ok
    mail = parsed(smtp_server.envelopes[0])
    assert mail["Bcc"] is None and mail["Subject"] == "Hi Bcc: evil@example.com"
    assert smtp_server.envelopes[0].rcpt_tos == ["li@example.com"]


def test_email_tempfail_retried_permfail_not(smtp_server, clock, sleeps):
    ch = channel("email", email_config(smtp_server.port), clock, sleeps)
    smtp_server.script.append("451 4.3.0 try again later")
    result = ch.send(message())
    assert result.ok and result.attempts == 2 and sleeps == [0.75]
    smtp_server.script.append("554 5.7.1 rejected as spam")
    result = ch.send(message())
    assert not result.ok and result.permanent and "554" in result.detail


def test_email_without_address_or_server(clock, sleeps, free_port):
    ch = channel("email", email_config(free_port()), clock, sleeps)
    assert ch.send(message(recipient=Recipient(user_id=9))).permanent
    result = ch.send(message())
    assert not result.ok and not result.permanent and result.attempts == 4


def test_email_starttls_and_login(tls_smtp_server, tls_cert, clock, sleeps):
    good = email_config(tls_smtp_server.port, starttls=True, ca_file=tls_cert[0],
                        username="sales", password="pw")
    assert channel("email", good, clock, sleeps).send(message()).ok
    assert len(tls_smtp_server.envelopes) == 1
    untrusted = {k: v for k, v in good.items() if k != "ca_file"}
    result = channel("email", untrusted, clock, sleeps).send(message())
    assert result.permanent and "certificate" in result.detail
