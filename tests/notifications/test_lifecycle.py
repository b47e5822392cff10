"""Tests for the notification template review lifecycle: states, capabilities, four eyes, who publishes."""
import pytest

from engine.notifications import lifecycle
from engine.notifications.lifecycle import (
    REVIEW_CAPABILITY, WRITE_CAPABILITY, Caller, LifecycleError, ReviewPolicy, TemplateState, refusal, transition,
)
from engine.runtime import Actor

AUTHOR = Caller(Actor.user(1, roles=("ops",)), frozenset({WRITE_CAPABILITY}))
REVIEWER = Caller(Actor.user(2, roles=("approver",)), frozenset({REVIEW_CAPABILITY}))
ADMIN = Caller(Actor.user(3, roles=("admin",)), frozenset({WRITE_CAPABILITY, REVIEW_CAPABILITY}), admin=True)
SUBMITTED_BY_1 = {"submitted_by": 1, "updated_by": 1}
APPROVED = {"submitted_by": 1, "updated_by": 1, "reviewed_by": 2}


def test_happy_path_to_published():
    state = TemplateState.DRAFT
    state = transition(state, "submit", AUTHOR)
    assert state is TemplateState.SUBMITTED
    state = transition(state, "approve", REVIEWER, revision=SUBMITTED_BY_1)
    assert state is TemplateState.APPROVED
    assert transition(state, "publish", AUTHOR, revision=APPROVED) is TemplateState.PUBLISHED
    assert transition(state, "publish", REVIEWER, revision=APPROVED) is TemplateState.PUBLISHED


def test_reject_needs_comment_then_resubmit():
    with pytest.raises(LifecycleError, match="comment"):
        transition("submitted", "reject", REVIEWER, comment="  ", revision=SUBMITTED_BY_1)
    state = transition("submitted", "reject", REVIEWER, comment="Mention the customer name", revision=SUBMITTED_BY_1)
    assert state is TemplateState.REJECTED
    assert transition(state, "edit", AUTHOR) is TemplateState.DRAFT
    assert transition(state, "submit", AUTHOR) is TemplateState.SUBMITTED
    with pytest.raises(LifecycleError, match="longer"):
        transition("submitted", "reject", REVIEWER, comment="x" * 5000, revision=SUBMITTED_BY_1)


@pytest.mark.parametrize("state,action", [
    ("draft", "publish"), ("draft", "approve"), ("submitted", "publish"),
    ("rejected", "publish"), ("published", "approve"), ("approved", "submit"),
])
def test_illegal_moves(state, action):
    with pytest.raises(LifecycleError) as info:
        transition(state, action, ADMIN, comment="c", revision=APPROVED)
    assert f"cannot {action} a {state} template" in str(info.value)
    assert "possible actions now" in str(info.value)


def test_capabilities_and_unknown_things():
    assert refusal("submitted", "approve", AUTHOR, SUBMITTED_BY_1).needed == REVIEW_CAPABILITY
    assert refusal("draft", "edit", REVIEWER).needed == WRITE_CAPABILITY
    with pytest.raises(LifecycleError, match="unknown action"):
        transition("draft", "delete", AUTHOR)
    with pytest.raises(LifecycleError, match="unknown state"):
        transition("archived", "submit", AUTHOR)


def test_four_eyes_is_one_rule_switched_by_the_workspace():
    own = {"submitted_by": 3, "updated_by": 3}
    assert refusal("submitted", "approve", ADMIN, own).reason == "self_review"  # even an admin
    assert refusal("submitted", "reject", ADMIN, {"submitted_by": 1, "updated_by": 3}).reason == "self_review"
    assert refusal("submitted", "approve", ADMIN, own, ReviewPolicy(self_review=True)) is None
    system = Caller(Actor.system())
    assert refusal("submitted", "approve", system, {"submitted_by": None, "updated_by": None}) is None


@pytest.mark.parametrize("publisher,author,approver", [("both", True, True), ("author", True, False),
                                                       ("approver", False, True)])
def test_who_publishes_follows_the_workspace_setting(publisher, author, approver):
    policy = ReviewPolicy(publisher=publisher)
    assert (refusal("approved", "publish", AUTHOR, APPROVED, policy) is None) is author
    assert (refusal("approved", "publish", REVIEWER, APPROVED, policy) is None) is approver
    other_writer = Caller(Actor.user(9, roles=("ops",)), frozenset({WRITE_CAPABILITY}))
    assert refusal("approved", "publish", other_writer, APPROVED, policy).reason == "publisher"
    assert refusal("approved", "publish", ADMIN, APPROVED, policy) is None


def test_policy_from_workspace_settings():
    assert lifecycle.ReviewPolicy.from_settings(None) == ReviewPolicy(False, "both")
    assert ReviewPolicy.from_settings({"notification_templates": {"publisher": "author", "self_review": True}}) == \
        ReviewPolicy(True, "author")
    assert ReviewPolicy.from_settings({"notification_templates": {"publisher": "nobody"}}).publisher == "both"


def test_allowed_actions_for_the_caller_and_edit_of_published():
    assert lifecycle.allowed_actions("submitted") == ["withdraw", "approve", "reject"]
    assert lifecycle.allowed_actions("submitted", AUTHOR, SUBMITTED_BY_1) == ["withdraw"]
    assert lifecycle.allowed_actions("submitted", REVIEWER, SUBMITTED_BY_1) == ["approve", "reject"]
    assert lifecycle.allowed_actions("approved", REVIEWER, APPROVED) == ["publish"]
    assert transition("published", "edit", AUTHOR) is TemplateState.DRAFT
