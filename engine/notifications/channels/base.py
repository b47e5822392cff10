"""The channel contract: what a message is, what a delivery returns, the registry.

A channel is one small class registered by name with ``@register_channel``;
``get_channel(name, config)`` builds one. Channels never raise for delivery
problems: ``send`` returns a ``DeliveryResult`` saying whether it worked,
whether trying again later can help (``permanent``), and how many attempts
were made. The shared retry loop (exponential backoff with jitter, an
injectable ``sleep``) lives here too.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Iterable, Mapping, NamedTuple

from engine import i18n
from engine.errors import ErrorItem, ValidationFailed
from engine.registry import Registry
from engine.clock import SystemClock

__all__ = [
    "Recipient", "OutgoingMessage", "DeliveryResult", "Channel", "ChannelKind",
    "ChannelConfigError", "ConfigProblem", "CHANNELS", "register_channel", "get_channel", "Attempt",
    "deliver_with_retries", "MAX_ATTEMPTS", "BACKOFF_BASE", "BACKOFF_MAX",
]

#: Most delivery attempts per send (the first try included).
MAX_ATTEMPTS = 4
#: First backoff delay, in seconds; doubles on every retry.
BACKOFF_BASE = 1.0
#: Longest single backoff delay (also caps a server's Retry-After), in seconds.
BACKOFF_MAX = 30.0


@dataclass(frozen=True)
class Recipient:
    """Who a message is for; ``chat_ids`` maps a channel name to their id there."""

    user_id: int | None = None
    email: str | None = None
    display_name: str = ""
    tz: str = "UTC"
    mobile: str | None = None
    chat_ids: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OutgoingMessage:
    """One rendered notification for one recipient (plus people copied)."""

    recipient: Recipient
    subject: str
    body: str
    idempotency_key: str
    html_body: str | None = None
    link: str | None = None
    cc: tuple[Recipient, ...] = ()
    #: Per-message channel settings, e.g. ``{"url": ...}`` for a webhook node.
    config: Mapping[str, Any] = field(default_factory=dict)
    #: What a workflow's webhook sends besides the text: ``workflow``, ``record``, ``language``.
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DeliveryResult:
    """What happened: ``permanent`` failures are not worth retrying later."""

    ok: bool
    permanent: bool
    detail: str
    attempts: int
    channel: str = ""
    external_id: str | None = None


@dataclass(frozen=True)
class Attempt:
    """The outcome of one try, as a channel judges it."""

    ok: bool
    detail: str
    retry: bool = False
    retry_after: float | None = None
    external_id: str | None = None


class ConfigProblem(NamedTuple):
    """A setting that cannot work: its key, and what is wrong as a catalogue key (engine/translations) with params."""

    key: str
    message_code: str
    params: dict = {}

    @property
    def message(self) -> str:
        return i18n.render(self.message_code, "en", self.params)

    def item(self, path: str) -> ErrorItem:
        """The problem as an error item at ``path`` (the settings' path), read in the reader's language."""
        return ErrorItem.coded(self.message_code, path=f"{path}/{self.key}", code="invalid_channel_config", **self.params)


class ChannelConfigError(ValidationFailed):
    """Channel settings that cannot work; raised at save time."""

    def __init__(self, channel: str, problems: list[ConfigProblem]):
        items = [problem.item("/config") for problem in problems]
        text = "; ".join(f"{problem.key}: {problem.message}" for problem in problems)
        super().__init__(f"{channel} channel settings are not valid: {text}", items, channel=channel)
        self.channel = channel
        self.problems = problems


Sleep = Callable[[float], None]


def deliver_with_retries(attempt: Callable[[], Attempt], *, channel: str, sleep: Sleep,
                         rng: Callable[[], float], max_attempts: int = MAX_ATTEMPTS) -> DeliveryResult:
    """Run ``attempt`` until it works, fails for good, or attempts run out.

    Backoff is "equal jitter": half the exponential delay fixed, half random,
    so retries spread out but still grow; a server's Retry-After wins when given.
    """
    result = Attempt(False, "not attempted")
    for number in range(1, max_attempts + 1):
        result = attempt()
        if result.ok:
            return DeliveryResult(True, False, result.detail, number, channel, result.external_id)
        if not result.retry:
            return DeliveryResult(False, True, result.detail, number, channel, result.external_id)
        if number == max_attempts:
            break
        if result.retry_after is not None:
            delay = min(max(result.retry_after, 0.0), BACKOFF_MAX)
        else:
            cap = min(BACKOFF_MAX, BACKOFF_BASE * 2 ** (number - 1))
            delay = cap / 2 + rng() * cap / 2
        sleep(delay)
    return DeliveryResult(False, False, f"gave up after {max_attempts} attempts: {result.detail}",
                          max_attempts, channel, result.external_id)


class Channel:
    """Base of every delivery channel. Subclasses set ``name`` and implement ``send``."""

    name: ClassVar[str] = ""
    #: Settings keys this channel understands (others are refused at save time).
    config_keys: ClassVar[frozenset[str]] = frozenset()
    #: Settings keys whose values are secrets: kept encrypted apart from definitions, shown masked, never returned.
    secret_keys: ClassVar[frozenset[str]] = frozenset()
    #: Which content of a notification template this channel sends (``engine.services.template_content``):
    #: "inbox", "email", or "chat" (webhooks and chat robots).
    content_kind: ClassVar[str] = "chat"
    #: Server configuration key holding this channel's settings (e.g. ``NOTIFICATION_EMAIL``); None: a step configures it.
    server_config: ClassVar[str | None] = None
    #: Stores into this database (built with ``runtime=``): delivered inside a transaction, exactly once.
    in_database: ClassVar[bool] = False

    @classmethod
    def configured_by_server(cls) -> bool:
        """A notify step gives this channel no settings: the server configuration or the database does."""
        return cls.in_database or cls.server_config is not None

    def __init__(self, config: Mapping[str, Any] | None = None, *, sleep: Sleep = time.sleep,
                 clock=None, rng: Callable[[], float] = random.random, allow: Any = None,
                 resolver=None, max_attempts: int = MAX_ATTEMPTS):
        self.config = dict(config or {})
        problems = self.config_problems(self.config)
        if problems:
            raise ChannelConfigError(self.name, problems)
        if clock is None:
            clock = SystemClock()
        self.sleep = sleep
        self.clock = clock
        self.rng = rng
        self.allow = allow
        self.resolver = resolver
        self.max_attempts = max_attempts

    @classmethod
    def config_problems(cls, config: Mapping[str, Any]) -> list[ConfigProblem]:
        """The settings that cannot work; empty if fine."""
        unknown = sorted(set(config) - cls.config_keys)
        return [ConfigProblem(key, "error.channel.unknown_setting") for key in unknown]

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        raise NotImplementedError

    def _retrying(self, attempt: Callable[[], Attempt]) -> DeliveryResult:
        return deliver_with_retries(attempt, channel=self.name, sleep=self.sleep, rng=self.rng,
                                    max_attempts=self.max_attempts)


class ChannelKind:
    """A registry entry: builds channels of one class."""

    def __init__(self, cls: type[Channel]):
        self.cls = cls
        self.name = cls.name

    def __call__(self, config: Mapping[str, Any] | None = None, **deps: Any) -> Channel:
        return self.cls(config, **deps)

    def config_problems(self, config: Mapping[str, Any]) -> list[ConfigProblem]:
        return self.cls.config_problems(config)


#: Every delivery channel by name (email, webhook, wecom, dingtalk, feishu, slack, ...).
CHANNELS: Registry[ChannelKind] = Registry("notification channel")


def register_channel(cls: type[Channel]) -> type[Channel]:
    """Class decorator: make ``cls`` available as ``get_channel(cls.name, ...)``."""
    CHANNELS.register(ChannelKind(cls))
    return cls


def get_channel(name: str, config: Mapping[str, Any] | None = None, **deps: Any) -> Channel:
    """Build the channel ``name`` with its settings.

    ``deps`` are injectable collaborators: ``sleep``, ``clock``, ``rng``,
    ``allow`` (webhook allow-list from server configuration), ``resolver``.
    """
    return CHANNELS.get(name)(config, **deps)


def require(config: Mapping[str, Any], keys: Iterable[str]) -> list[ConfigProblem]:
    return [ConfigProblem(key, "error.field.required") for key in keys if not config.get(key)]
