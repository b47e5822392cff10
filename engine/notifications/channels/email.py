"""The email channel: SMTP through ``smtplib``, plain text plus optional HTML.

Settings: ``host``, ``port``, ``starttls`` (upgrade a plain connection),
``ssl`` (implicit TLS, port 465), ``username``/``password``,
``from_address``/``from_name``, ``ca_file`` (extra trusted CA). The
``Message-ID`` is derived from the idempotency key, so a retried delivery
carries the same id and receivers can drop the duplicate. SMTP 4xx answers
and dropped connections are retried; 5xx answers fail for good.
"""
from __future__ import annotations

import hashlib
import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, formataddr
from typing import ClassVar

from engine.notifications.channels.base import (
    Attempt, Channel, ConfigProblem, DeliveryResult, OutgoingMessage, register_channel, require,
)

#: Seconds allowed for connecting to and each exchange with the SMTP server.
SMTP_TIMEOUT = 20.0
#: Longest subject line sent, in characters.
MAX_SUBJECT_LENGTH = 250


def message_id(idempotency_key: str, domain: str) -> str:
    """A stable Message-ID for one logical notification."""
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:40]
    return f"<{digest}@{domain}>"


def _one_line(text: str) -> str:
    return " ".join(text.split())[:MAX_SUBJECT_LENGTH]


@register_channel
class EmailChannel(Channel):
    name = "email"
    content_kind: ClassVar[str] = "email"
    server_config: ClassVar[str | None] = "NOTIFICATION_EMAIL"
    config_keys: ClassVar[frozenset[str]] = frozenset({
        "host", "port", "starttls", "ssl", "username", "password", "from_address", "from_name",
        "ca_file", "message_id_domain",
    })
    secret_keys: ClassVar[frozenset[str]] = frozenset({"password"})

    @classmethod
    def config_problems(cls, config):
        problems = super().config_problems(config) + require(config, ("host", "from_address"))
        port = config.get("port", 25)
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            problems.append(ConfigProblem("port", "error.channel.port"))
        if config.get("starttls") and config.get("ssl"):
            problems.append(ConfigProblem("ssl", "error.channel.ssl_or_starttls"))
        if bool(config.get("username")) != bool(config.get("password")):
            problems.append(ConfigProblem("password", "error.channel.username_and_password"))
        if "@" not in str(config.get("from_address", "@")):
            problems.append(ConfigProblem("from_address", "error.channel.email_address"))
        return problems

    def build(self, message: OutgoingMessage) -> EmailMessage:
        cfg = self.config
        mail = EmailMessage(policy=SMTP_POLICY)
        mail["Subject"] = _one_line(message.subject)
        mail["From"] = formataddr((cfg.get("from_name") or "", cfg["from_address"]))
        mail["To"] = formataddr((_one_line(message.recipient.display_name), message.recipient.email))
        cc = [p for p in message.cc if p.email and p.email != message.recipient.email]
        if cc:
            mail["Cc"] = ", ".join(formataddr((_one_line(p.display_name), p.email)) for p in cc)
        mail["Date"] = format_datetime(self.clock.now())
        domain = cfg.get("message_id_domain") or cfg["from_address"].rpartition("@")[2]
        mail["Message-ID"] = message_id(message.idempotency_key, domain)
        body = message.body
        if message.link:
            body = f"{body}\n\n{message.link}"
        mail.set_content(body)
        if message.html_body:
            mail.add_alternative(message.html_body, subtype="html")
        return mail

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        if not message.recipient.email:
            return DeliveryResult(False, True, "the recipient has no email address", 0, self.name)
        try:
            mail = self.build(message)
        except (ValueError, TypeError) as exc:  # e.g. a malformed address
            return DeliveryResult(False, True, f"the email cannot be built: {exc}", 0, self.name)
        to = [message.recipient.email] + [p.email for p in message.cc
                                          if p.email and p.email != message.recipient.email]
        return self._retrying(lambda: self._attempt(mail, to))

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        context = ssl.create_default_context(cafile=cfg.get("ca_file"))
        if cfg.get("ssl"):
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(cfg["host"], cfg.get("port", 465),
                                                  timeout=SMTP_TIMEOUT, context=context)
        else:
            smtp = smtplib.SMTP(cfg["host"], cfg.get("port", 25), timeout=SMTP_TIMEOUT)
            if cfg.get("starttls"):
                smtp.starttls(context=context)
        if cfg.get("username"):
            smtp.login(cfg["username"], cfg["password"])
        return smtp

    def _attempt(self, mail: EmailMessage, to: list[str]) -> Attempt:
        msg_id = mail["Message-ID"]
        try:
            with self._connect() as smtp:
                refused = smtp.send_message(mail, from_addr=self.config["from_address"], to_addrs=to)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            detail = "; ".join(f"{addr}: {code} {_text(msg)}" for addr, (code, msg) in exc.recipients.items())
            return Attempt(False, f"recipients refused: {detail}", retry=all(400 <= c < 500 for c in codes),
                           external_id=msg_id)
        except smtplib.SMTPAuthenticationError as exc:
            return Attempt(False, f"the mail server refused the login: {exc.smtp_code} {_text(exc.smtp_error)}")
        except smtplib.SMTPResponseException as exc:
            return Attempt(False, f"mail server answered {exc.smtp_code} {_text(exc.smtp_error)}",
                           retry=400 <= exc.smtp_code < 500, external_id=msg_id)
        except smtplib.SMTPNotSupportedError as exc:
            return Attempt(False, f"the mail server does not support this: {exc}")
        except ssl.SSLCertVerificationError as exc:
            return Attempt(False, f"the mail server's certificate is not trusted: {exc.verify_message}")
        except (smtplib.SMTPException, OSError) as exc:  # disconnects, timeouts, refused connections
            return Attempt(False, f"cannot reach the mail server: {exc}", retry=True, external_id=msg_id)
        if refused:
            detail = "; ".join(f"{addr}: {code} {_text(msg)}" for addr, (code, msg) in refused.items())
            if mail["To"] and any(addr == to[0] for addr in refused):
                return Attempt(False, f"recipient refused: {detail}", external_id=msg_id)
            return Attempt(True, f"sent; some copies refused: {detail}", external_id=msg_id)
        return Attempt(True, "accepted by the mail server", external_id=msg_id)


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
