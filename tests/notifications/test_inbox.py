"""The in-app inbox: channel idempotency, per-user listing and marking read, test send over a local aiosmtpd (SQLite + PostgreSQL)."""
import email
from email import policy
from threading import Thread

import pytest
import sqlalchemy as sa

from engine.errors import NotFound, Unauthorized
from engine.notifications.channels import CHANNELS, ChannelConfigError, OutgoingMessage, Recipient, get_channel
from engine.notifications.tables import inbox_messages
from engine.runtime import Actor
from engine.services import inbox
from engine.services import templates as ts
from tests.notifications.crm_sample import CONTENT, build


@pytest.fixture
def crm(rt):
    return build(rt)


def note(crm, key, subject="Follow up ACME", cc=(), **config):
    return OutgoingMessage(Recipient(user_id=crm["li"]), subject, "Visit at 15:00", key, link="/apps/crm/forms/reminder/records/2",
                           cc=tuple(cc), config=config)


def count(rt):
    with rt.db.read() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(inbox_messages)).scalar_one()


def test_inbox_channel_stores_once_per_idempotency_key(rt, crm):
    channel = get_channel("inbox", runtime=rt)
    first = channel.send(note(crm, "wf:1:rec:2:occ:0:step:notify:user:2", record_id=crm["reminder"], source="workflow:remind"))
    again = channel.send(note(crm, "wf:1:rec:2:occ:0:step:notify:user:2"))
    assert first.ok and again.ok and first.external_id == again.external_id
    assert "already" in again.detail and count(rt) == 1
    [msg] = inbox.list_messages(rt, crm["author"])["items"]
    assert (msg["title"], msg["record_id"], msg["source"], msg["read"]) == ("Follow up ACME", crm["reminder"], "workflow:remind", False)


def test_two_senders_racing_on_one_key_store_one_message(rt, crm):
    results = []

    def send():
        results.append(get_channel("inbox", runtime=rt).send(note(crm, "race-key")))

    threads = [Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.ok for r in results) and count(rt) == 1


def test_inbox_channel_copies_cc_users_and_works_inside_a_callers_transaction(rt, crm):
    manager = Recipient(user_id=crm["han"])
    with rt.db.transaction() as conn:
        result = get_channel("inbox", runtime=rt, conn=conn).send(note(crm, "k1", cc=[manager, Recipient(email="x@example.com")]))
    assert result.ok
    assert inbox.unread_count(rt, crm["admin"]) == 1 and inbox.unread_count(rt, crm["author"]) == 1
    with rt.db.read() as conn:
        keys = set(conn.execute(sa.select(inbox_messages.c.idempotency_key)).scalars())
    assert keys == {"k1", f"k1#cc:{crm['han']}"}


def test_inbox_channel_refusals(rt, crm):
    assert "inbox" in CHANNELS
    with pytest.raises(ChannelConfigError, match="runtime"):
        get_channel("inbox", {})
    channel = get_channel("inbox", runtime=rt)
    nobody = channel.send(OutgoingMessage(Recipient(email="x@example.com"), "s", "b", "k2"))
    ghost = channel.send(OutgoingMessage(Recipient(user_id=999), "s", "b", "k3"))
    assert (nobody.ok, nobody.permanent, ghost.ok, ghost.permanent) == (False, True, False, True)
    long = channel.send(note(crm, "k4", subject="x" * 1000 + "\nInjected: header"))
    assert long.ok and len(inbox.list_messages(rt, crm["author"])["items"][0]["title"]) == inbox.MAX_TITLE_LENGTH


def test_list_unread_first_paging_and_marking(rt, crm, clock):
    channel = get_channel("inbox", runtime=rt)
    for i in range(5):
        clock.advance(minutes=1)
        channel.send(note(crm, f"m{i}", subject=f"message {i}"))
    channel.send(OutgoingMessage(Recipient(user_id=crm["han"]), "for Han", "b", "other"))
    me = crm["author"]
    page = inbox.list_messages(rt, me, page_size=2)
    assert (page["total"], page["unread"], [m["title"] for m in page["items"]]) == (5, 5, ["message 4", "message 3"])
    oldest = inbox.list_messages(rt, me, page=3, page_size=2)["items"][0]
    newest = page["items"][0]
    read = inbox.mark_read(rt, me, newest["id"])
    assert read["read"] and read["read_at"] == "2026-03-09T01:05:00Z"
    assert inbox.mark_read(rt, me, newest["id"])["read_at"] == read["read_at"]  # marking again changes nothing
    titles = [m["title"] for m in inbox.list_messages(rt, me)["items"]]
    assert titles == ["message 3", "message 2", "message 1", "message 0", "message 4"]  # unread first
    assert inbox.unread_count(rt, me) == 4
    assert [m["title"] for m in inbox.list_messages(rt, me, unread_only=True)["items"]][-1] == oldest["title"]
    han_message = inbox.list_messages(rt, crm["admin"])["items"][0]
    with pytest.raises(NotFound):  # someone else's message is not yours to read
        inbox.mark_read(rt, me, han_message["id"])
    assert inbox.mark_all_read(rt, me)["marked"] == 4
    assert inbox.unread_count(rt, me) == 0 and inbox.unread_count(rt, crm["admin"]) == 1


def test_the_system_actor_has_no_inbox(rt, crm):
    for call in (lambda: inbox.list_messages(rt, Actor.system()), lambda: inbox.unread_count(rt, Actor.system()),
                 lambda: inbox.mark_all_read(rt, Actor.system()), lambda: inbox.mark_read(rt, Actor.system(), 1)):
        with pytest.raises(Unauthorized):
            call()


# -- test send ---------------------------------------------------------------------------

def test_test_send_reaches_my_inbox_and_my_email(rt, crm, smtp_server):
    ts.create_template(rt, crm["author"], "crm", key="follow_up", form_key="reminder", label="Follow-up", content=CONTENT)
    rt.config["NOTIFICATION_EMAIL"] = {"host": "127.0.0.1", "port": smtp_server.port, "from_address": "crm@example.com"}
    out = ts.test_send(rt, crm["author"], "crm", "follow_up", crm["reminder"])
    assert out["inbox"]["ok"] and out["email"]["ok"] and out["revision"] == 1
    [msg] = inbox.list_messages(rt, crm["author"])["items"]
    assert msg["title"] == "[test] Follow up ACME <Ltd>" and msg["body"].startswith("Li Lei: follow up ACME <Ltd> (key)")
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["li@example.com"]  # to me only, never the record's people
    mail = email.message_from_bytes(envelope.content, policy=policy.default)
    assert mail["Subject"] == "[test] Follow up ACME <Ltd>"
    html = mail.get_body(("html",)).get_content()
    assert "<p>Bring the &lt;b&gt;contract&lt;/b&gt;</p>" in html
    again = ts.test_send(rt, crm["author"], "crm", "follow_up")  # newest record by default; each test send is new
    assert again["record_id"] == crm["reminder"] and len(smtp_server.envelopes) == 2
    assert inbox.unread_count(rt, crm["author"]) == 2


def test_test_send_without_email_settings_or_user(rt, crm, free_port):
    ts.create_template(rt, crm["author"], "crm", key="follow_up", form_key="reminder", label="Follow-up", content=CONTENT)
    out = ts.test_send(rt, crm["reviewer"], "crm", "follow_up", crm["reminder"])
    assert out["inbox"]["ok"] and out["email"] == {"ok": False, "sent": False, "detail": "email is not configured (NOTIFICATION_EMAIL)"}
    rt.config["NOTIFICATION_EMAIL"] = {"host": "127.0.0.1", "port": free_port(), "from_address": "crm@example.com"}
    down = ts.test_send(rt, crm["reviewer"], "crm", "follow_up", crm["reminder"])
    assert down["inbox"]["ok"] and not down["email"]["ok"] and "cannot reach" in down["email"]["detail"]
    with pytest.raises(Unauthorized):
        ts.test_send(rt, Actor.system(), "crm", "follow_up", crm["reminder"])
