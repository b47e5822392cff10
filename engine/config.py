"""Server settings: one table of every setting, read from the environment and an optional config file.

Each ``Setting`` names its environment variable, the ``app.config`` key it fills, its default, its format and
an example; the README's configuration table is this table (``settings_table_markdown``, checked by a test).
``load_settings`` reads, in rising priority: the defaults, the file named by ``FORMFLOW_CONFIG`` (TOML or
JSON, keys are the variable names), then the environment; a mapping given to ``create_app`` wins over all.
A value that can't be read is a ``SettingError`` naming the variable and the expected format, raised at
start-up, never at the first request that needs it.
"""
from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from engine.notifications.netguard import Allowlist

#: the variable naming an optional config file (TOML or JSON) read by every formflow command
CONFIG_FILE_VARIABLE = "FORMFLOW_CONFIG"
#: the SMTP variables that together make the email channel's settings (NOTIFICATION_EMAIL)
SMTP_VARIABLES = {"SMTP_HOST": "host", "SMTP_PORT": "port", "SMTP_USERNAME": "username", "SMTP_PASSWORD": "password",
                  "SMTP_FROM": "from_address", "SMTP_FROM_NAME": "from_name", "SMTP_STARTTLS": "starttls",
                  "SMTP_SSL": "ssl", "SMTP_CA_FILE": "ca_file"}


class SettingError(ValueError):
    """A setting whose value can't be read; the message names the variable and the format it wants."""

    def __init__(self, name: str, value: Any, expected: str):
        super().__init__(f"{name}={value!r} can't be read: expected {expected}")
        self.name, self.value, self.expected = name, value, expected


def _text(value: Any) -> str:
    return str(value)


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(value)


def _positive_int(value: Any) -> int:
    number = int(value)
    if number < 1 or isinstance(value, bool):
        raise ValueError(value)
    return number


def _port(value: Any) -> int:
    number = int(value)
    if not 0 < number < 65536 or isinstance(value, bool):
        raise ValueError(value)
    return number


def _seconds(value: Any) -> float:
    number = float(value)
    if number <= 0:
        raise ValueError(value)
    return number


def parse_allowlist(value: Any) -> list[str]:
    """``10.1.0.0/16,hooks.internal:8443`` (or a list of the same) -> the entries, each checked now."""
    entries = value if isinstance(value, (list, tuple)) else str(value).split(",")
    entries = [str(e).strip() for e in entries if str(e).strip()]
    Allowlist.parse(entries)  # a bad entry fails at start-up, naming itself
    return entries


def _json_object(value: Any) -> dict:
    data = value if isinstance(value, dict) else json.loads(str(value))
    if not isinstance(data, dict):
        raise ValueError(value)
    return data


@dataclass(frozen=True)
class Setting:
    """One server setting: where it comes from, what it fills, and how it is written."""

    name: str                      #: environment variable and config-file key
    key: str                       #: app.config key it fills
    default: str                   #: the default, as the README says it
    format: str                    #: how the value is written
    example: str                   #: a value that works
    help: str                      #: what it does, one line
    parse: Callable[[Any], Any] = _text
    command_only: bool = False     #: an option of a command (``formflow serve``, ``scheduler``), not of the app


SETTINGS: tuple[Setting, ...] = (
    Setting("FORMFLOW_CONFIG", "CONFIG_FILE", "(none)", "path to a .toml or .json file", "/etc/formflow.toml",
            "a file of these settings (keys are the variable names); the environment wins over it"),
    Setting("DATABASE_URL", "DATABASE_URL", "SQLite in the instance folder", "SQLAlchemy URL",
            "postgresql+psycopg://formflow@db/formflow", "the database; PostgreSQL (`pip install -e '.[postgres]'`) for several processes"),
    Setting("SECRET_KEY", "SECRET_KEY", "random, kept in the instance folder", "text, 32+ random bytes",
            "$(openssl rand -hex 32)", "signs sessions and encrypts workflow secrets: keep it, and give every web and scheduler process the same one"),
    Setting("FORMFLOW_INSTANCE", "INSTANCE_PATH", "./instance", "directory path", "/var/lib/formflow",
            "the instance folder (SQLite file, secret key, attachments)"),
    Setting("FORMFLOW_TIMEZONE", "TIMEZONE", "UTC", "IANA zone name", "Asia/Shanghai",
            "the default workspace's time zone (serial resets, \"today\", reminders, dashboards)"),
    Setting("FORMFLOW_INSTALL_TEMPLATES", "INSTALL_TEMPLATES", "1", "0 or 1", "0",
            "install the built-in CRM on first run (0: start from an empty workspace)", _flag),
    Setting("FORMFLOW_ATTACHMENT_DIR", "ATTACHMENT_DIR", "attachments in the instance folder", "directory path",
            "/srv/formflow/files", "where uploaded files are stored"),
    Setting("FORMFLOW_SECURE_COOKIES", "SESSION_COOKIE_SECURE", "0", "0 or 1", "1",
            "send session cookies over HTTPS only (set behind TLS)", _flag),
    Setting("FORMFLOW_PRINT_FONT", "PRINT_FONT", "fonts-wqy-microhei's file if installed", "path to a .ttf/.ttc/.otf file",
            "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "the font printed PDFs use (it must have Chinese glyphs)"),
    Setting("PUBLIC_URL", "PUBLIC_URL", "(none: links are relative)", "absolute URL", "https://crm.example.com",
            "where links in notifications point"),
    Setting("WEBHOOK_ALLOWLIST", "WEBHOOK_ALLOWLIST", "(empty: private networks refused)",
            "comma-separated CIDRs and host:port", "10.1.0.0/16,hooks.internal:8443,127.0.0.1/32",
            "private or local addresses webhooks may call", parse_allowlist),
    Setting("NOTIFICATION_EMAIL", "NOTIFICATION_EMAIL", "(none: email off)", "JSON object of SMTP settings",
            '{"host": "smtp.example.com", "port": 587, "starttls": true, "from_address": "crm@example.com"}',
            "the email channel's SMTP settings (or the SMTP_* variables below)", _json_object),
    Setting("SMTP_HOST", "SMTP_HOST", "(none)", "host name", "smtp.example.com",
            "SMTP server; with SMTP_FROM it turns email on (fills NOTIFICATION_EMAIL)"),
    Setting("SMTP_PORT", "SMTP_PORT", "25", "port number", "587", "SMTP port", _port),
    Setting("SMTP_USERNAME", "SMTP_USERNAME", "(none)", "text", "crm", "SMTP user (with SMTP_PASSWORD)"),
    Setting("SMTP_PASSWORD", "SMTP_PASSWORD", "(none)", "text", "s3cret", "SMTP password"),
    Setting("SMTP_FROM", "SMTP_FROM", "(none)", "email address", "crm@example.com", "sender address"),
    Setting("SMTP_FROM_NAME", "SMTP_FROM_NAME", "(none)", "text", "ACME CRM", "sender name"),
    Setting("SMTP_STARTTLS", "SMTP_STARTTLS", "0", "0 or 1", "1", "upgrade the connection with STARTTLS", _flag),
    Setting("SMTP_SSL", "SMTP_SSL", "0", "0 or 1", "1", "implicit TLS (port 465)", _flag),
    Setting("SMTP_CA_FILE", "SMTP_CA_FILE", "(none)", "file path", "/etc/ssl/internal-ca.pem", "extra trusted CA"),
    Setting("FORMFLOW_SCHEDULER_INTERVAL", "SCHEDULER_INTERVAL", "see `formflow scheduler --help`", "seconds", "2",
            "`formflow scheduler`: seconds between ticks", _seconds, True),
    Setting("FORMFLOW_SCHEDULER_BATCH", "SCHEDULER_BATCH", "see `formflow scheduler --help`", "whole number", "500",
            "`formflow scheduler`: due rows claimed per transaction", _positive_int, True),
    Setting("FORMFLOW_SCHEDULER_SENDERS", "SCHEDULER_SENDERS", "see `formflow scheduler --help`", "whole number", "2",
            "`formflow scheduler`: processes sending the outbox beside it", int, True),
    Setting("REDIS_URL", "REDIS_URL", "(none: rate limits in the database)", "redis:// URL", "redis://cache:6379/0",
            "count rate limits (the public form's) in Redis instead of the database"),
    Setting("FORMFLOW_OUTBOX_LEASE", "OUTBOX_LEASE_SECONDS", "120", "seconds", "30",
            "how long a sender owns the messages it took; a killed sender's are sent by another after it (keep it "
            "above the slowest send)", _seconds),
    Setting("FORMFLOW_LIST_EXACT_TOTAL", "LIST_EXACT_TOTAL_LIMIT", "10000", "whole number", "50000",
            "lists count matches exactly up to this many; beyond it the total is an estimate (total_is_estimate)",
            _positive_int),
    Setting("FORMFLOW_LIST_LIVE_COUNT_FROM", "LIST_LIVE_COUNT_FROM", "2000", "whole number", "500",
            "PostgreSQL: a form whose unfiltered list counts this many records gets a live count kept by triggers; its "
            "unfiltered lists then read an exact total without counting (0: never)", int),
    Setting("FORMFLOW_BIND", "BIND", "127.0.0.1:8000", "host:port", "0.0.0.0:8000",
            "where `formflow serve` listens", _text, True),
    Setting("FORMFLOW_WORKERS", "WORKERS", "2", "whole number", "4", "`formflow serve` worker processes",
            _positive_int, True),
    Setting("FORMFLOW_THREADS", "THREADS", "4", "whole number", "8", "threads per `formflow serve` worker",
            _positive_int, True),
    Setting("FORMFLOW_GRACEFUL_TIMEOUT", "GRACEFUL_TIMEOUT", "30", "seconds", "60",
            "on SIGTERM, how long workers may finish their requests", _seconds, True),
    Setting("PROMETHEUS_MULTIPROC_DIR", "PROMETHEUS_MULTIPROC_DIR", "(a fresh temporary directory)", "directory path",
            "/run/formflow-metrics", "where `formflow serve` workers share their /metrics counters", _text, True),
)
BY_NAME = {s.name: s for s in SETTINGS}


def read_config_file(path: str | os.PathLike) -> dict[str, Any]:
    """The settings in a TOML or JSON file (keys are the variable names, checked against the table)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingError(CONFIG_FILE_VARIABLE, str(path), f"a readable file ({exc.strerror})") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise SettingError(CONFIG_FILE_VARIABLE, str(path), f"a valid {path.suffix or 'TOML'} file ({exc})") from None
    unknown = sorted(set(data) - set(BY_NAME))
    if unknown:
        raise SettingError(CONFIG_FILE_VARIABLE, str(path), f"only known settings ({unknown[0]!r} is not one)")
    return data


def load_settings(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """app.config values from the config file and the environment (only those set; defaults stay with their users)."""
    environ = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    if environ.get(CONFIG_FILE_VARIABLE):
        raw.update(read_config_file(environ[CONFIG_FILE_VARIABLE]))
    raw.update({name: environ[name] for name in BY_NAME if environ.get(name) not in (None, "")})
    raw.pop(CONFIG_FILE_VARIABLE, None)
    values: dict[str, Any] = {}
    for name, value in raw.items():
        setting = BY_NAME[name]
        try:
            values[setting.key] = setting.parse(value)
        except (ValueError, TypeError):
            raise SettingError(name, value, setting.format) from None
    smtp = {SMTP_VARIABLES[k]: values.pop(k) for k in list(values) if k in SMTP_VARIABLES}
    if smtp.get("host") and "NOTIFICATION_EMAIL" not in values:
        values["NOTIFICATION_EMAIL"] = smtp
    return values


def _env_text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def export_config_file(environ: "os._Environ | dict" = os.environ) -> None:
    """Copy the ``FORMFLOW_CONFIG`` file's settings into the environment where it doesn't set them already, so that
    every command and its options (which fall back to their variables) see the file; the environment wins."""
    if not environ.get(CONFIG_FILE_VARIABLE):
        return
    for name, value in read_config_file(environ[CONFIG_FILE_VARIABLE]).items():
        if name != CONFIG_FILE_VARIABLE and environ.get(name) in (None, ""):
            environ[name] = _env_text(value)


def settings_table_markdown() -> str:
    """The README's configuration table."""
    lines = ["| Variable | Default | Format | Example | What it does |", "|---|---|---|---|---|"]
    for s in SETTINGS:
        example = s.example.replace("|", "\\|")
        lines.append(f"| `{s.name}` | {s.default} | {s.format} | `{example}` | {s.help} |")
    return "\n".join(lines)
