"""Template review for the caller: every offered action succeeds, every withheld one is refused (roles x states);
who publishes follows the workspace setting; approvers hear of a submission in their inbox (SQLite + PostgreSQL)."""
import pytest
import sqlalchemy as sa

from engine.errors import Conflict, PermissionDenied, ValidationFailed
from engine.notifications.lifecycle import ACTIONS
from engine.runtime import Actor
from engine.services import inbox
from engine.services import template_review as review
from engine.services import templates as ts
from engine.storage.access_tables import roles, user_roles
from engine.storage.tables import users
from tests.notifications.crm_sample import CONTENT, add_user, build

STATES = ("draft", "submitted", "approved", "rejected", "published")


@pytest.fixture
def crm(rt):
    out = build(rt)
    with rt.db.transaction() as conn:
        out["wang"] = add_user(conn, rt, "wang", "Wang Writer")
        role_ids = dict(conn.execute(sa.select(roles.c.key, roles.c.id).where(roles.c.workspace_id == rt.workspace_id)).all())
        for user, role in ((out["li"], "ops"), (out["zhao"], "approver"), (out["han"], "admin"), (out["wang"], "ops")):
            conn.execute(sa.insert(user_roles).values(user_id=user, role_id=role_ids[role]))
        conn.execute(sa.update(users).where(users.c.id == out["zhao"]).values(locale="zh-CN"))
    out["other_writer"] = Actor.user(out["wang"], roles=("ops",))
    return out


def bring_to(rt, crm, key, state):
    """A template by the author (Li) in ``state``, reviewed by Zhao."""
    author, reviewer = crm["author"], crm["reviewer"]
    ts.create_template(rt, author, "crm", key=key, form_key="reminder", label="Follow-up", content=CONTENT)
    if state == "draft":
        return
    ts.submit(rt, author, "crm", key)
    if state == "rejected":
        ts.reject(rt, reviewer, "crm", key, "say which customer")
    elif state in ("approved", "published"):
        ts.approve(rt, reviewer, "crm", key)
        if state == "published":
            ts.publish(rt, author, "crm", key)


def do(rt, actor, key, action):
    if action == "edit":
        return ts.update_template(rt, actor, "crm", key, label="Changed")
    if action == "reject":
        return ts.reject(rt, actor, "crm", key, "please change it")
    return getattr(ts, action)(rt, actor, "crm", key)


def test_every_offered_action_succeeds_and_every_withheld_one_is_refused(rt, crm):
    callers = {"author": crm["author"], "other_writer": crm["other_writer"], "reviewer": crm["reviewer"], "admin": crm["admin"]}
    offered_by = {}
    for state in STATES:
        for who, actor in callers.items():
            for action in ACTIONS:
                key = f"{state[:3]}_{who}_{action}"
                bring_to(rt, crm, key, state)
                offered = ts.get_template(rt, "crm", key, actor)["allowed_actions"]
                offered_by[(state, who)] = offered
                if action in offered:
                    assert do(rt, actor, key, action)["state"] == ACTIONS[action].to_state.value, (state, who, action)
                else:
                    with pytest.raises((PermissionDenied, Conflict)):
                        do(rt, actor, key, action)
    # what the matrix offers, read as a table (default setting: the approver and the author both may publish)
    assert offered_by[("submitted", "author")] == ["withdraw"]
    assert offered_by[("submitted", "reviewer")] == ["approve", "reject"]
    assert offered_by[("submitted", "admin")] == ["withdraw", "approve", "reject"]
    assert offered_by[("approved", "reviewer")] == ["publish"]
    assert offered_by[("approved", "author")] == ["publish", "edit"]
    assert offered_by[("approved", "other_writer")] == ["edit"]
    assert offered_by[("published", "reviewer")] == []


@pytest.mark.parametrize("publisher,author_may,approver_may", [("approver", False, True), ("author", True, False)])
def test_the_workspace_setting_says_who_publishes(rt, crm, publisher, author_may, approver_may):
    with pytest.raises(PermissionDenied, match="workspace admin"):
        review.set_review_settings(rt, crm["author"], {"publisher": publisher})
    with pytest.raises(ValidationFailed) as bad:
        review.set_review_settings(rt, crm["admin"], {"publisher": "anyone", "colour": 1})
    assert {e.path for e in bad.value.errors} == {"/publisher", "/colour"}
    assert review.set_review_settings(rt, crm["admin"], {"publisher": publisher}) == {"self_review": False, "publisher": publisher}
    bring_to(rt, crm, "t", "approved")
    for actor, may in ((crm["author"], author_may), (crm["reviewer"], approver_may)):
        offered = "publish" in ts.get_template(rt, "crm", "t", actor)["allowed_actions"]
        assert offered is may
        if not may:
            with pytest.raises(PermissionDenied, match=f"publisher = '{publisher}'"):
                ts.publish(rt, actor, "crm", "t")
    winner = crm["author"] if author_may else crm["reviewer"]
    assert ts.publish(rt, winner, "crm", "t")["state"] == "published"


def test_approvers_are_told_in_their_inbox_in_their_language(rt, crm, clock):
    ts.create_template(rt, crm["author"], "crm", key="follow_up", form_key="reminder",
                       label={"en": "Follow-up", "zh-CN": "跟进提醒"}, content=CONTENT)
    ts.submit(rt, crm["author"], "crm", "follow_up")
    zhao = inbox.list_messages(rt, crm["reviewer"])["items"]
    han = inbox.list_messages(rt, crm["admin"])["items"]
    assert [m["title"] for m in zhao] == ["待审核的通知模板：跟进提醒"]
    assert [m["title"] for m in han] == ["Template awaits your review: Follow-up"]
    assert "Li Lei submitted revision 1" in han[0]["body"]
    assert zhao[0]["link"] == "/apps/crm/notification-templates/editor?key=follow_up"
    for who in ("author", "other_writer"):  # writers cannot approve: not told
        assert inbox.list_messages(rt, crm[who])["total"] == 0
    ts.withdraw(rt, crm["author"], "crm", "follow_up")
    clock.advance(minutes=5)
    ts.submit(rt, crm["author"], "crm", "follow_up")  # a new submission is a new notice
    assert inbox.list_messages(rt, crm["reviewer"])["total"] == 2
