"""Delivery channels, one module per channel, registered by name in ``CHANNELS``.

Every module in this package is imported on first use, so adding a channel
is one new file holding one ``@register_channel`` class: ``name``,
``send(OutgoingMessage) -> DeliveryResult`` (idempotent on
``message.idempotency_key``), and the facts the rest of the engine asks of it
as class attributes: ``config_keys`` / ``secret_keys`` (its settings),
``content_kind`` (which content of a notification template it sends),
``server_config`` (the server setting holding its settings, e.g.
``NOTIFICATION_EMAIL``) and ``in_database`` (it stores into this database,
like the in-app ``inbox``, so the outbox delivers it inside a transaction).
"""
import importlib
import pkgutil

from engine.notifications.channels.base import (  # noqa: F401  (public API)
    CHANNELS, Attempt, Channel, ChannelConfigError, ChannelKind, ConfigProblem, DeliveryResult, OutgoingMessage,
    Recipient, deliver_with_retries, get_channel, register_channel,
)

#: Modules that hold shared code rather than a channel.
_NOT_CHANNELS = frozenset({"base", "http"})

for _module in pkgutil.iter_modules(__path__):
    if _module.name not in _NOT_CHANNELS and not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")
