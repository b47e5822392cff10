"""Notification templates in the database: review lifecycle, save-time checks, sandbox, preview, render (SQLite + PostgreSQL)."""
import time

import pytest
import sqlalchemy as sa

from engine.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from engine.notifications.channels import Recipient
from engine.runtime import Actor
from engine.services import forms as fs
from engine.services import records as rs
from engine.services import templates as ts
from engine.storage.tables import workspaces
from tests.notifications.crm_sample import CONTENT, build


@pytest.fixture
def crm(rt):
    return build(rt)


def create(rt, crm, content=CONTENT, key="follow_up"):
    return ts.create_template(rt, crm["author"], "crm", key=key, form_key="reminder", label={"en": "Follow-up", "zh-CN": "跟进"},
                              content=content)


def publish_through_review(rt, crm, key="follow_up"):
    ts.submit(rt, crm["author"], "crm", key)
    ts.approve(rt, crm["reviewer"], "crm", key)
    return ts.publish(rt, crm["author"], "crm", key)


def render_live(rt, crm, key="follow_up", channel="inbox"):
    with rt.db.read() as conn:
        published = ts.get_published(conn, rt, "crm", key)
        row = conn.execute(sa.select(rs.records).where(rs.records.c.id == crm["reminder"])).mappings().one()
        return published, ts.render(conn, rt, published, row, Recipient(user_id=crm["li"]), channel=channel)


# -- lifecycle ---------------------------------------------------------------------

def test_full_review_lifecycle_then_usable(rt, crm):
    t = create(rt, crm)
    assert (t["state"], t["revision"], t["published_revision"]) == ("draft", 1, None)
    with pytest.raises(NotFound, match="only a published template can be used"):
        render_live(rt, crm)
    t = ts.submit(rt, crm["author"], "crm", "follow_up")
    assert t["state"] == "submitted" and t["submitted_by"] == crm["li"]
    assert t["allowed_actions"] == ["withdraw"]  # computed for the caller: the author may not approve
    assert ts.get_template(rt, "crm", "follow_up", crm["reviewer"])["allowed_actions"] == ["approve", "reject"]
    with pytest.raises(Conflict, match="possible actions now"):  # approved only after review
        ts.publish(rt, crm["author"], "crm", "follow_up")
    t = ts.reject(rt, crm["reviewer"], "crm", "follow_up", "Say which customer level")
    assert (t["state"], t["review_comment"], t["reviewed_by"]) == ("rejected", "Say which customer level", crm["zhao"])
    ts.update_template(rt, crm["author"], "crm", "follow_up", label="Follow-up v1")
    t = ts.submit(rt, crm["author"], "crm", "follow_up")
    assert t["review_comment"] is None
    t = ts.approve(rt, crm["reviewer"], "crm", "follow_up")
    assert t["state"] == "approved"
    t = ts.publish(rt, crm["author"], "crm", "follow_up")
    assert (t["state"], t["published_revision"], t["published_by"]) == ("published", 1, crm["li"])
    published, out = render_live(rt, crm)
    assert (published.revision, published["key"]) == (1, "follow_up")
    assert out["subject"] == "Follow up ACME <Ltd>"
    assert out["body"] == "Li Lei: follow up ACME <Ltd> (key) at 2026-03-10 15:00; manager Han Meimei"
    from engine.services import admin_audit

    reviews = [(e["action"], e["actor_id"], e["details"].get("comment")) for e in admin_audit.list_entries(rt)
               if e["action"].startswith("template.")]
    assert reviews == [("template.publish", crm["li"], None), ("template.approve", crm["zhao"], None),
                       ("template.reject", crm["zhao"], "Say which customer level")]  # newest first


def test_editing_a_published_template_keeps_the_old_revision_serving(rt, crm, clock):
    create(rt, crm)
    publish_through_review(rt, crm)
    new = dict(CONTENT, default={"subject": "v2 {{ record.customer.name }}", "body": "v2 body for {{ user.name }}"})
    t = ts.update_template(rt, crm["author"], "crm", "follow_up", content=new)
    assert (t["revision"], t["state"], t["published_revision"]) == (2, "draft", 1)
    assert render_live(rt, crm)[1]["subject"] == "Follow up ACME <Ltd>"  # revision 1 still live
    ts.submit(rt, crm["author"], "crm", "follow_up")
    assert render_live(rt, crm)[0].revision == 1  # still, while under review
    ts.approve(rt, crm["reviewer"], "crm", "follow_up")
    clock.advance(minutes=5)
    ts.publish(rt, crm["author"], "crm", "follow_up")
    published, out = render_live(rt, crm)
    assert published.revision == 2
    assert out == {"subject": "v2 ACME <Ltd>", "body": "v2 body for Li Lei", "html_body": None}
    history = ts.template_history(rt, "crm", "follow_up")
    assert [(h["revision"], h["status"]) for h in history] == [(1, "superseded"), (2, "published")]
    assert ts.get_revision(rt, "crm", "follow_up", 1)["content"] == CONTENT


def test_a_submitted_revision_must_be_withdrawn_before_editing(rt, crm):
    create(rt, crm)
    ts.submit(rt, crm["author"], "crm", "follow_up")
    with pytest.raises(Conflict, match="withdraw"):
        ts.update_template(rt, crm["author"], "crm", "follow_up", label="changed")
    assert ts.withdraw(rt, crm["author"], "crm", "follow_up")["state"] == "draft"
    assert ts.update_template(rt, crm["author"], "crm", "follow_up", label="changed")["label"] == "changed"


def test_editing_an_approved_revision_needs_a_new_review(rt, crm):
    create(rt, crm)
    ts.submit(rt, crm["author"], "crm", "follow_up")
    ts.approve(rt, crm["reviewer"], "crm", "follow_up")
    t = ts.update_template(rt, crm["author"], "crm", "follow_up", label="sneaky change")
    assert (t["state"], t["revision"], t["reviewed_by"]) == ("draft", 1, None)
    with pytest.raises(Conflict):
        ts.publish(rt, crm["author"], "crm", "follow_up")


def test_reject_needs_a_comment(rt, crm):
    create(rt, crm)
    ts.submit(rt, crm["author"], "crm", "follow_up")
    with pytest.raises(ValidationFailed) as info:
        ts.reject(rt, crm["reviewer"], "crm", "follow_up", "  ")
    assert info.value.errors[0].path == "/comment"
    assert ts.get_template(rt, "crm", "follow_up")["state"] == "submitted"


def test_four_eyes_and_roles(rt, crm):
    create(rt, crm)
    ts.submit(rt, crm["author"], "crm", "follow_up")
    with pytest.raises(PermissionDenied, match="approve_templates"):  # an editor is no reviewer
        ts.approve(rt, crm["author"], "crm", "follow_up")
    li_admin = Actor.user(crm["li"], roles=("admin",))  # even an admin may not approve their own text
    with pytest.raises(PermissionDenied, match="four eyes"):
        ts.approve(rt, li_admin, "crm", "follow_up")
    with pytest.raises(PermissionDenied):
        ts.create_template(rt, Actor.user(crm["zhao"], roles=("member",)), "crm", key="other", form_key="reminder",
                           label="x", content=CONTENT)
    assert ts.approve(rt, crm["admin"], "crm", "follow_up")["reviewed_by"] == crm["han"]


def test_workspace_setting_allows_self_review(rt, crm):
    with rt.db.transaction() as conn:
        conn.execute(sa.update(workspaces).where(workspaces.c.id == rt.workspace_id).values(
            settings={"notification_templates": {"self_review": True}}))
    li_admin = Actor.user(crm["li"], roles=("admin",))
    ts.create_template(rt, li_admin, "crm", key="solo", form_key="reminder", label="Solo", content=CONTENT)
    ts.submit(rt, li_admin, "crm", "solo")
    assert ts.approve(rt, li_admin, "crm", "solo")["state"] == "approved"


# -- save-time checks ------------------------------------------------------------------

def test_unknown_variable_refused_at_save_with_path_and_position(rt, crm):
    bad = {"default": {"subject": "Hi", "body": "Line one\nDear {{ owner.name }}, see {{ record.custmer.name }}"}}
    with pytest.raises(ValidationFailed) as info:
        create(rt, crm, bad)
    assert info.value.status == 422
    [item] = info.value.errors
    assert (item.path, item.extra["line"], item.extra["column"]) == ("/content/default/body", 2, 38)
    assert "custmer" in item.message and "available" in item.message
    with pytest.raises(NotFound):
        ts.get_template(rt, "crm", "follow_up")  # nothing was stored
    create(rt, crm)
    with pytest.raises(ValidationFailed) as info:  # the same check on every edit
        ts.update_template(rt, crm["author"], "crm", "follow_up",
                           content={"default": {"body": "ok"}, "chat": {"body": "{{ record.customer.revenue }}"}})
    assert info.value.errors[0].path == "/content/chat/body" and "revenue" in info.value.errors[0].message
    assert ts.get_template(rt, "crm", "follow_up")["content"] == CONTENT


def test_content_shape_problems_are_listed(rt, crm):
    with pytest.raises(ValidationFailed) as info:
        create(rt, crm, {"sms": {"body": "x"}, "chat": {"html": "<b>x</b>", "title": "x"}})
    paths = {e.path for e in info.value.errors}
    assert paths == {"/content/sms", "/content/chat/html", "/content/chat/title", "/content/default/body"}
    with pytest.raises(ValidationFailed, match="not published"):
        ts.create_template(rt, crm["author"], "crm", key="x", form_key="nope", label="x", content=CONTENT)


def test_a_form_change_is_caught_at_submit(rt, crm):
    create(rt, crm)
    draft = fs.get_draft(rt, "crm", "customer")["definition"]
    draft["fields"] = [f for f in draft["fields"] if f["id"] != "level"] + [dict(next(f for f in draft["fields"] if f["id"] == "level"), deleted=True)]
    fs.save_draft(rt, Actor.system(), "crm", "customer", draft)
    fs.publish_form(rt, Actor.system(), "crm", "customer")
    with pytest.raises(ValidationFailed) as info:
        ts.submit(rt, crm["author"], "crm", "follow_up")
    assert "level" in info.value.errors[0].message


@pytest.mark.parametrize("source", [
    "{{ ''.__class__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ record|attr('__class__') }}",
    "{{ (record.content|attr('format'))('{0.__class__}') }}",
    "{{ record.content.format(record) }}",
    "{% import 'x' as y %}",
    "{% include '/etc/passwd' %}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{% for k in record.__dict__ %}{{ k }}{% endfor %}",
    "{{ record.content|map('upper')|list }}",
])
def test_sandbox_escape_attempts_refused_at_save(rt, crm, source):
    with pytest.raises(ValidationFailed) as info:
        create(rt, crm, {"default": {"body": source}})
    assert info.value.errors[0].path == "/content/default/body"


@pytest.mark.parametrize("source", [
    "{% for i in range(100000000) %}x{% endfor %}",
    "{% for i in range(1000) %}{% for j in range(1000) %}x{% endfor %}{% endfor %}",
    "{{ 'x' * 100000000 }}",
    "{{ 9 ** 999999 }}",
    "{{ (record.content ~ 'x') * 50000 }}",
])
def test_hostile_loops_and_arithmetic_are_capped_at_preview(rt, crm, source):
    create(rt, crm, {"default": {"body": source}})  # it compiles; rendering is what is bounded
    started = time.monotonic()
    with pytest.raises(ValidationFailed) as info:
        ts.preview(rt, crm["author"], "crm", "follow_up", crm["reminder"])
    assert time.monotonic() - started < 2
    assert info.value.status == 422 and info.value.code == "template_invalid"


def test_user_text_is_rendered_inert(rt, crm):
    rs.update_record(rt, Actor.system(), "crm", "reminder", crm["reminder"], {"content": "{{ 7*7 }} <script>alert(1)</script>"})
    create(rt, crm, {"default": {"body": "{{ record.content }}"}, "email": {"html": "{{ record.content }}"}})
    out = ts.preview(rt, crm["author"], "crm", "follow_up", crm["reminder"], channel="email")
    assert out["body"] == "{{ 7*7 }} <script>alert(1)</script>"
    assert out["html_body"] == "{{ 7*7 }} &lt;script&gt;alert(1)&lt;/script&gt;"


# -- preview and render ------------------------------------------------------------------

def test_preview_with_a_real_record_follows_references_and_managers(rt, crm):
    content = {"default": {"subject": "{{ record.title }} for {{ record.customer.title }}",
                           "body": "{{ record.customer.name }} / {{ record.customer.phone }} / "
                                   "account owner {{ record.customer.account_owner.name }} "
                                   "(manager {{ record.customer.account_owner.manager.name }}) / "
                                   "owner {{ owner.name }} -> {{ owner.manager.name }} <{{ owner.manager.email }}> / "
                                   "to {{ user.name }} / {{ record.reminder_time|datetime('%H:%M') }} / {{ link }}"}}
    create(rt, crm, content)
    out = ts.preview(rt, crm["reviewer"], "crm", "follow_up", crm["reminder"])
    assert out["subject"] == f"#{crm['reminder']} for ACME <Ltd>"
    assert out["body"] == ("ACME <Ltd> / 13800000000 / account owner Li Lei (manager Han Meimei) / "
                           "owner Li Lei -> Han Meimei <han@example.com> / to Zhao Reviewer / 15:00 / "
                           f"/apps/crm/forms/reminder/records/{crm['reminder']}")  # Zhao has no time zone: the workspace's
    assert out["revision"] == 1 and out["state"] == "draft"
    with pytest.raises(NotFound):
        ts.preview(rt, crm["author"], "crm", "follow_up", crm["customer"])  # a customer is not a reminder


def test_render_uses_the_recipients_time_zone_and_channel_overrides(rt, crm):
    create(rt, crm)
    publish_through_review(rt, crm)
    with rt.db.read() as conn:
        published = ts.get_published(conn, rt, "crm", "follow_up")
        assert ts.get_published(conn, rt, "crm", "follow_up") is published  # compiled once, cached
        row = conn.execute(sa.select(rs.records).where(rs.records.c.id == crm["reminder"])).mappings().one()
        ny = ts.render(conn, rt, published, row, Recipient(email="x@example.com", display_name="Guest", tz="America/New_York"))
        email = ts.render(conn, rt, published, row, crm["li"], channel="email")
        chat = ts.render(conn, rt, published, row, None, channel="wecom")
    assert ny["body"].endswith("at 2026-03-10 03:00; manager Han Meimei")
    assert email["html_body"] == "<p>Bring the &lt;b&gt;contract&lt;/b&gt;</p>" and email["body"].endswith("15:00; manager Han Meimei")
    assert chat["html_body"] is None


def test_preview_and_test_send_only_use_records_the_actor_may_read(rt, crm):
    create(rt, crm)
    han_member = Actor.user(crm["han"], roles=("member",))  # members read their own records; Li owns the reminder
    with pytest.raises(NotFound):
        ts.preview(rt, han_member, "crm", "follow_up", crm["reminder"])
    with pytest.raises(ValidationFailed, match="no record you can render with"):
        ts.test_send(rt, han_member, "crm", "follow_up")
    li_member = Actor.user(crm["li"], roles=("member",))
    assert ts.preview(rt, li_member, "crm", "follow_up")["record_id"] == crm["reminder"]


def test_preview_leaves_out_fields_hidden_from_the_actor(rt, crm):
    from engine.services.permissions import set_grant

    set_grant(rt, Actor.system(), "crm", "reminder", "member",
              {"create": True, "read": "own", "update": "own", "delete": "own", "fields": {"content": "hidden"}})
    create(rt, crm, {"default": {"body": "[{{ record.content }}] {{ record.customer.name }}"}})
    li_member = Actor.user(crm["li"], roles=("member",))
    assert ts.preview(rt, li_member, "crm", "follow_up", crm["reminder"])["body"] == "[] ACME <Ltd>"
    assert ts.preview(rt, crm["admin"], "crm", "follow_up", crm["reminder"])["body"] == "[Bring the <b>contract</b>] ACME <Ltd>"


def test_two_reviewers_at_once_one_wins(rt, crm):
    from threading import Thread

    create(rt, crm)
    ts.submit(rt, crm["author"], "crm", "follow_up")
    outcomes = []

    def review(actor, action):
        try:
            getattr(ts, action)(rt, actor, "crm", "follow_up", "no" if action == "reject" else None)
            outcomes.append(action)
        except Conflict:
            outcomes.append("conflict")

    threads = [Thread(target=review, args=(crm["reviewer"], "approve")), Thread(target=review, args=(crm["admin"], "reject"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) in (["approve", "conflict"], ["conflict", "reject"])
    assert ts.get_template(rt, "crm", "follow_up")["state"] in ("approved", "rejected")


def test_a_live_template_broken_by_a_form_change_fails_loudly_not_blank(rt, crm):
    create(rt, crm)
    publish_through_review(rt, crm)
    assert "(key)" in render_live(rt, crm)[1]["body"]  # compiled and cached before the referenced form changes
    draft = fs.get_draft(rt, "crm", "customer")["definition"]
    for f in draft["fields"]:
        if f["id"] == "level":
            f["deleted"] = True
    fs.save_draft(rt, Actor.system(), "crm", "customer", draft)
    fs.publish_form(rt, Actor.system(), "crm", "customer")
    with pytest.raises(ValidationFailed) as info:
        render_live(rt, crm)
    assert "level" in info.value.errors[0].message and info.value.errors[0].path == "/content/default/body"
