"""Review lifecycle of a notification template, as a pure state machine.

A template is written as a draft, submitted for review (提交审核), approved
or rejected with a comment by a reviewer, and only an approved template can
be published and used. Each action is a small class registered by name; the
database layer stores the state and calls ``transition`` to move it.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from engine.errors import Conflict

__all__ = ["TemplateState", "Actor", "LifecycleError", "transition", "ACTIONS",
           "allowed_actions", "MAX_REVIEW_COMMENT", "SELF_REVIEW_ALLOWED"]

#: Longest review comment accepted, in characters.
MAX_REVIEW_COMMENT = 2_000
#: Whether the person who submitted may approve or reject it (small teams
#: often have a single admin); the caller passes ``submitted_by`` to enforce.
SELF_REVIEW_ALLOWED = True


class TemplateState(str, Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    PUBLISHED = "published"


@dataclass(frozen=True)
class Actor:
    """Who acts: a user id and whether they may review templates."""

    user_id: int
    can_review: bool = False


class LifecycleError(Conflict):
    """An action that is not allowed now, with the reason in plain words."""

    code = "template_state_conflict"

    def __init__(self, state: TemplateState, action: str, message: str):
        super().__init__(message, state=state.value, action=action)
        self.state = state
        self.action = action

    def __str__(self) -> str:
        return f"cannot {self.action} a {self.state.value} template: {self.message}"


ACTIONS: dict[str, type["Action"]] = {}


def register_action(cls: type["Action"]) -> type["Action"]:
    ACTIONS[cls.name] = cls
    return cls


class Action:
    name: str = ""
    from_states: frozenset[TemplateState] = frozenset()
    to_state: TemplateState = TemplateState.DRAFT
    needs_reviewer: bool = False
    needs_comment: bool = False


@register_action
class Submit(Action):
    name = "submit"
    from_states = frozenset({TemplateState.DRAFT, TemplateState.REJECTED})
    to_state = TemplateState.SUBMITTED


@register_action
class Withdraw(Action):
    name = "withdraw"
    from_states = frozenset({TemplateState.SUBMITTED})
    to_state = TemplateState.DRAFT


@register_action
class Approve(Action):
    name = "approve"
    from_states = frozenset({TemplateState.SUBMITTED})
    to_state = TemplateState.APPROVED
    needs_reviewer = True


@register_action
class Reject(Action):
    name = "reject"
    from_states = frozenset({TemplateState.SUBMITTED})
    to_state = TemplateState.REJECTED
    needs_reviewer = True
    needs_comment = True


@register_action
class Publish(Action):
    name = "publish"
    from_states = frozenset({TemplateState.APPROVED})
    to_state = TemplateState.PUBLISHED


@register_action
class Edit(Action):
    """Change the text again: a published template keeps serving until the
    new draft is published (the storage layer keeps the published version)."""

    name = "edit"
    from_states = frozenset({TemplateState.DRAFT, TemplateState.REJECTED,
                             TemplateState.APPROVED, TemplateState.PUBLISHED})
    to_state = TemplateState.DRAFT


def allowed_actions(state: TemplateState | str) -> list[str]:
    """Action names possible from ``state`` (for buttons in the designer)."""
    state = TemplateState(state)
    return [name for name, action in ACTIONS.items() if state in action.from_states]


def transition(state: TemplateState | str, action: str, actor: Actor, *,
               comment: str | None = None, submitted_by: int | None = None) -> TemplateState:
    """The state after ``actor`` does ``action``; ``LifecycleError`` if not allowed."""
    try:
        state = TemplateState(state)
    except ValueError:
        raise LifecycleError(TemplateState.DRAFT, str(action), f"unknown state {state!r}") from None
    kind = ACTIONS.get(action)
    if kind is None:
        raise LifecycleError(state, str(action), f"unknown action; use one of {', '.join(ACTIONS)}")
    if state not in kind.from_states:
        possible = ", ".join(allowed_actions(state)) or "none"
        raise LifecycleError(state, action, f"possible actions now: {possible}")
    if kind.needs_reviewer and not actor.can_review:
        raise LifecycleError(state, action, "only a reviewer can do this")
    if kind.needs_reviewer and not SELF_REVIEW_ALLOWED and submitted_by == actor.user_id:
        raise LifecycleError(state, action, "a reviewer cannot review their own submission")
    if kind.needs_comment:
        text = (comment or "").strip()
        if not text:
            raise LifecycleError(state, action, "a comment saying what to change is required")
        if len(text) > MAX_REVIEW_COMMENT:
            raise LifecycleError(state, action, f"the comment is longer than {MAX_REVIEW_COMMENT} characters")
    return kind.to_state
