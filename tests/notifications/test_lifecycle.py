"""Tests for the notification template review lifecycle."""
import pytest

from engine.notifications import lifecycle
from engine.notifications.lifecycle import Actor, LifecycleError, TemplateState, transition

AUTHOR = Actor(1)
REVIEWER = Actor(2, can_review=True)


def test_happy_path_to_published():
    state = TemplateState.DRAFT
    state = transition(state, "submit", AUTHOR)
    assert state is TemplateState.SUBMITTED
    state = transition(state, "approve", REVIEWER)
    assert state is TemplateState.APPROVED
    assert transition(state, "publish", AUTHOR) is TemplateState.PUBLISHED


def test_reject_needs_comment_then_resubmit():
    with pytest.raises(LifecycleError, match="comment"):
        transition("submitted", "reject", REVIEWER, comment="  ")
    state = transition("submitted", "reject", REVIEWER, comment="Mention the customer name")
    assert state is TemplateState.REJECTED
    assert transition(state, "edit", AUTHOR) is TemplateState.DRAFT
    assert transition(state, "submit", AUTHOR) is TemplateState.SUBMITTED
    with pytest.raises(LifecycleError, match="longer"):
        transition("submitted", "reject", REVIEWER, comment="x" * 5000)


@pytest.mark.parametrize("state,action", [
    ("draft", "publish"), ("draft", "approve"), ("submitted", "publish"),
    ("rejected", "publish"), ("published", "approve"), ("approved", "submit"),
])
def test_illegal_moves(state, action):
    with pytest.raises(LifecycleError) as info:
        transition(state, action, REVIEWER, comment="c")
    assert f"cannot {action} a {state} template" in str(info.value)
    assert "possible actions now" in str(info.value)


def test_only_reviewers_review_and_unknown_things():
    with pytest.raises(LifecycleError, match="only a reviewer"):
        transition("submitted", "approve", AUTHOR)
    with pytest.raises(LifecycleError, match="unknown action"):
        transition("draft", "delete", AUTHOR)
    with pytest.raises(LifecycleError, match="unknown state"):
        transition("archived", "submit", AUTHOR)


def test_self_review_switch(monkeypatch):
    assert transition("submitted", "approve", REVIEWER, submitted_by=2) is TemplateState.APPROVED
    monkeypatch.setattr(lifecycle, "SELF_REVIEW_ALLOWED", False)
    with pytest.raises(LifecycleError, match="their own"):
        transition("submitted", "approve", REVIEWER, submitted_by=2)


def test_allowed_actions_and_edit_of_published():
    assert lifecycle.allowed_actions("submitted") == ["withdraw", "approve", "reject"]
    assert transition("published", "edit", AUTHOR) is TemplateState.DRAFT
