"""Review lifecycle of a notification template, as a pure state machine with its people rules.

A template is written as a draft, submitted for review (提交审核), approved
or rejected with a comment by a reviewer, and only an approved template can
be published and used. Each action is a small class registered by name; the
database layer stores the state and asks ``refusal`` (or ``transition``)
whether a caller may move it.

Who may do what, in one place:

- writing (create, edit, submit, withdraw) needs the ``templates`` capability;
  reviewing (approve, reject) needs ``approve_templates``;
- four eyes: nobody approves or rejects a revision they submitted or last
  edited, unless the workspace allows self-review (``ReviewPolicy.self_review``);
- publishing an approved revision: its approver, its author (who submitted
  it), or either, as the workspace's ``ReviewPolicy.publisher`` says
  (default: either); workspace admins may publish any approved revision;
- the system actor (no user id: installs of shipped apps) is bound by the
  states only.

``allowed_actions(state, caller)`` offers exactly the actions ``refusal``
lets through, so every offered action succeeds for that caller.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from engine.errors import Conflict
from engine.runtime import Actor

__all__ = ["TemplateState", "LifecycleError", "transition", "refusal", "ACTIONS", "allowed_actions",
           "ReviewPolicy", "Caller", "Refusal", "MAX_REVIEW_COMMENT", "WRITE_CAPABILITY", "REVIEW_CAPABILITY",
           "PUBLISHERS", "DEFAULT_PUBLISHER"]

#: Longest review comment accepted, in characters.
MAX_REVIEW_COMMENT = 2_000
#: Capability (``engine.services.permissions``) to create, edit, submit and withdraw templates.
WRITE_CAPABILITY = "templates"
#: Capability to approve or reject a submitted template.
REVIEW_CAPABILITY = "approve_templates"
#: Who may publish an approved revision (workspace setting ``notification_templates.publisher``).
PUBLISHERS = ("approver", "author", "both")
#: Publisher setting when the workspace sets none: the approver and the author both may.
DEFAULT_PUBLISHER = "both"


class TemplateState(str, Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    PUBLISHED = "published"


@dataclass(frozen=True)
class ReviewPolicy:
    """The workspace's review settings (``settings["notification_templates"]``)."""

    #: an author may approve or reject their own revision (small teams with a single admin)
    self_review: bool = False
    #: who publishes an approved revision: "approver", "author" or "both"
    publisher: str = DEFAULT_PUBLISHER

    @classmethod
    def from_settings(cls, settings: Mapping | None) -> "ReviewPolicy":
        own = (settings or {}).get("notification_templates") or {}
        publisher = own.get("publisher") if own.get("publisher") in PUBLISHERS else DEFAULT_PUBLISHER
        return cls(bool(own.get("self_review")), publisher)


@dataclass(frozen=True)
class Caller:
    """Who asks: the acting ``Actor``, the template capabilities their roles hold, and whether they are a workspace admin."""

    actor: Actor
    capabilities: frozenset[str] = frozenset()
    admin: bool = False

    @property
    def is_system(self) -> bool:
        return self.actor.user_id is None


@dataclass(frozen=True)
class Refusal:
    """Why an action is refused: ``kind`` is "state" (409: not possible now) or "permission" (403: not for this caller)."""

    kind: str
    message: str
    needed: str | None = None
    reason: str | None = None


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
    #: the capability the caller needs (None: the people rule of the action decides)
    capability: str | None = WRITE_CAPABILITY
    #: approving or rejecting: the four-eyes rule applies
    is_review: bool = False
    needs_comment: bool = False

    @classmethod
    def people_refusal(cls, caller: Caller, revision: Mapping, policy: ReviewPolicy) -> Refusal | None:
        """Refusal of this caller on this revision beyond the capability (four eyes, who publishes)."""
        if cls.is_review and not caller.is_system and not policy.self_review and \
                caller.actor.user_id in {revision.get("submitted_by"), revision.get("updated_by")}:
            return Refusal("permission", f"four eyes: someone other than the author must {cls.name} this template "
                                         f"(the workspace does not allow self-review)", reason="self_review")
        return None


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
    capability = REVIEW_CAPABILITY
    is_review = True


@register_action
class Reject(Action):
    name = "reject"
    from_states = frozenset({TemplateState.SUBMITTED})
    to_state = TemplateState.REJECTED
    capability = REVIEW_CAPABILITY
    is_review = True
    needs_comment = True


@register_action
class Publish(Action):
    name = "publish"
    from_states = frozenset({TemplateState.APPROVED})
    to_state = TemplateState.PUBLISHED
    capability = None

    @classmethod
    def people_refusal(cls, caller: Caller, revision: Mapping, policy: ReviewPolicy) -> Refusal | None:
        if caller.is_system or caller.admin:
            return None
        me = caller.actor.user_id
        approver = me == revision.get("reviewed_by") and REVIEW_CAPABILITY in caller.capabilities
        author = me == revision.get("submitted_by") and WRITE_CAPABILITY in caller.capabilities
        if (approver and policy.publisher in ("approver", "both")) or (author and policy.publisher in ("author", "both")):
            return None
        who = {"approver": "its approver", "author": "its author (who submitted it)",
               "both": "its approver or its author (who submitted it)"}[policy.publisher]
        return Refusal("permission", f"only {who} or a workspace admin may publish this revision "
                                     f"(workspace setting notification_templates.publisher = {policy.publisher!r})",
                       reason="publisher")


@register_action
class Edit(Action):
    """Change the text again: a published template keeps serving until the
    new draft is published (the storage layer keeps the published version)."""

    name = "edit"
    from_states = frozenset({TemplateState.DRAFT, TemplateState.REJECTED,
                             TemplateState.APPROVED, TemplateState.PUBLISHED})
    to_state = TemplateState.DRAFT


def _state(state: TemplateState | str, action: str) -> TemplateState:
    try:
        return TemplateState(state)
    except ValueError:
        raise LifecycleError(TemplateState.DRAFT, str(action), f"unknown state {state!r}") from None


def refusal(state: TemplateState | str, action: str, caller: Caller, revision: Mapping | None = None,
            policy: ReviewPolicy = ReviewPolicy()) -> Refusal | None:
    """Why ``caller`` may not do ``action`` on a revision in ``state`` now, or None when they may.

    ``revision``: who submitted, last edited and reviewed it (``submitted_by``, ``updated_by``, ``reviewed_by``).
    The permission is checked before the state, so a caller without the right learns that first."""
    state = _state(state, action)
    kind = ACTIONS.get(action)
    if kind is None:
        return Refusal("state", f"unknown action; use one of {', '.join(ACTIONS)}")
    if kind.capability and not caller.is_system and kind.capability not in caller.capabilities:
        return Refusal("permission", f"your role may not {action} notification templates "
                                     f"(needs the {kind.capability!r} capability)", needed=kind.capability)
    if state not in kind.from_states:
        possible = ", ".join(n for n, a in ACTIONS.items() if state in a.from_states) or "none"
        return Refusal("state", f"possible actions now: {possible}")
    return kind.people_refusal(caller, revision or {}, policy)


def allowed_actions(state: TemplateState | str, caller: Caller | None = None, revision: Mapping | None = None,
                    policy: ReviewPolicy = ReviewPolicy()) -> list[str]:
    """Action names ``caller`` may do now (for buttons in the designer); without a caller, those the state allows."""
    state = TemplateState(state)
    if caller is None:
        return [name for name, action in ACTIONS.items() if state in action.from_states]
    return [name for name in ACTIONS if refusal(state, name, caller, revision, policy) is None]


def transition(state: TemplateState | str, action: str, caller: Caller, *, comment: str | None = None,
               revision: Mapping | None = None, policy: ReviewPolicy = ReviewPolicy()) -> TemplateState:
    """The state after ``caller`` does ``action``; ``LifecycleError`` (409) if the state or the people rules refuse
    (the service turns a permission refusal into a 403 first, with ``refusal``)."""
    state = _state(state, action)
    refused = refusal(state, action, caller, revision, policy)
    if refused is not None:
        raise LifecycleError(state, str(action), refused.message)
    kind = ACTIONS[action]
    if kind.needs_comment:
        text = (comment or "").strip()
        if not text:
            raise LifecycleError(state, action, "a comment saying what to change is required")
        if len(text) > MAX_REVIEW_COMMENT:
            raise LifecycleError(state, action, f"the comment is longer than {MAX_REVIEW_COMMENT} characters")
    return kind.to_state
