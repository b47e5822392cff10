"""Facts about channels and triggers are class attributes the engine asks, not names it tests."""
from engine.notifications.channels import CHANNELS
from engine.services.template_content import content_kind
from engine.workflows import outbox
from engine.workflows.triggers import CompiledTrigger, DateRelativeTrigger, RecordEventTrigger, ScheduleTrigger


def test_channels_say_what_they_send_where_their_settings_live_and_whether_they_store_here():
    facts = {name: (CHANNELS.get(name).cls.content_kind, CHANNELS.get(name).cls.server_config,
                    CHANNELS.get(name).cls.in_database) for name in CHANNELS}
    assert facts["email"] == ("email", "NOTIFICATION_EMAIL", False)
    assert facts["inbox"] == ("inbox", None, True)
    assert facts["webhook"] == facts["wecom"] == ("chat", None, False)
    assert outbox.IN_DATABASE == ("inbox",)
    assert [n for n in CHANNELS if CHANNELS.get(n).cls.configured_by_server()] == sorted(["email", "inbox"], key=list(CHANNELS).index)
    assert content_kind("dingtalk") == "chat" and content_kind("email") == "email"


def test_triggers_say_whether_they_backfill_and_whose_clock_they_mean():
    assert [t.backfills for t in (RecordEventTrigger, DateRelativeTrigger, ScheduleTrigger)] == [False, True, False]
    assert [t.default_tz for t in (RecordEventTrigger, DateRelativeTrigger, ScheduleTrigger)] == ["owner", "owner", "workspace"]
    assert CompiledTrigger.backfills is False
