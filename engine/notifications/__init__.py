"""Notifications: review lifecycle of templates, delivery channels, SSRF guard.

``lifecycle`` is the pure state machine of a notification template,
``channels`` the registry of delivery channels (email, webhook, chat robots;
the database-backed ``inbox`` channel is one more file there), ``netguard``
the outbound-address policy every HTTP channel goes through.
"""
