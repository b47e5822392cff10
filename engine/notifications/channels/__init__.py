"""Delivery channels, one module per channel, registered by name in ``CHANNELS``.

Every module in this package is imported on first use, so adding a channel
is one new file holding one ``@register_channel`` class. The in-app
``inbox`` channel needs the database and will be ``inbox.py`` here, written
against the same contract: ``name = "inbox"``, ``send(OutgoingMessage) ->
DeliveryResult`` (idempotent on ``message.idempotency_key``).
"""
import importlib
import pkgutil

from engine.notifications.channels.base import (  # noqa: F401  (public API)
    CHANNELS, Attempt, Channel, ChannelConfigError, ChannelKind, DeliveryResult, OutgoingMessage,
    Recipient, deliver_with_retries, get_channel, register_channel,
)

#: Modules that hold shared code rather than a channel.
_NOT_CHANNELS = frozenset({"base", "http"})

for _module in pkgutil.iter_modules(__path__):
    if _module.name not in _NOT_CHANNELS and not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")
