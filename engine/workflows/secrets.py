"""Which settings of a workflow definition are secrets, and how they are kept out of it.

A secret *slot* is a webhook step's ``url`` or signing ``secret`` or a notify step's ``channel_config/<channel>/<key>`` for
every key the channel class lists in ``secret_keys`` (chat-robot URLs carrying their key, signing
secrets). ``seal`` runs when a definition is saved: text in a slot becomes a new encrypted row and
the slot keeps its handle; a mask sent back keeps the secret already there (by its ``ref``, or by
the step id and key when the mask has none). ``masked`` is what every response shows. ``unseal``
gives the text back for the save-time address check and the sender; nothing else decrypts.
"""
from __future__ import annotations

import copy
from typing import Any, Iterator

from engine import secrets
from engine.errors import ErrorItem
import sqlalchemy as sa
from engine.notifications.channels import CHANNELS
from engine.runtime import Actor
from engine.workflows.tables import workflow_versions, workflows

#: ``owner_kind`` of the secrets a workflow's definitions refer to.
OWNER_KIND = "workflow"


def _channel_secret_keys(channel: str) -> frozenset[str]:

    return CHANNELS.get(channel).cls.secret_keys if channel in CHANNELS else frozenset()


def slots(definition: Any) -> Iterator[tuple[dict, str, str, str]]:
    """Every secret slot present: ``(container, key, JSON path, slot id)``; the slot id survives step reordering."""
    if not isinstance(definition, dict):
        return
    yield from _step_slots(definition.get("steps"), "/steps")


def _step_slots(steps: Any, path: str) -> Iterator[tuple[dict, str, str, str]]:
    if not isinstance(steps, list):
        return
    for i, step in enumerate(steps):
        if not isinstance(step, dict):
            continue
        where, sid = f"{path}/{i}", str(step.get("id"))
        if step.get("type") == "webhook" and "url" in step:
            yield step, "url", f"{where}/url", f"{sid}/url"
        if step.get("type") == "webhook" and "secret" in step:
            yield step, "secret", f"{where}/secret", f"{sid}/secret"
        config = step.get("channel_config")
        if isinstance(config, dict):
            for channel, settings in config.items():
                if not isinstance(settings, dict):
                    continue
                for key in sorted(_channel_secret_keys(channel) & set(settings)):
                    yield settings, key, f"{where}/channel_config/{channel}/{key}", f"{sid}/channel_config/{channel}/{key}"
        for branch in ("then", "else"):
            yield from _step_slots(step.get(branch), f"{where}/{branch}")


def _by_slot(definition: Any) -> dict[str, Any]:
    return {sid: container[key] for container, key, _, sid in slots(definition)}


def seal(conn, rt, actor, workflow_id: int, definition: dict, previous: dict | None) -> tuple[dict, list[ErrorItem]]:
    """The definition to store: each slot's text encrypted into a new row, masks resolved to the secret they keep.

    ``previous`` is the stored draft (None for a new workflow). A handle or mask naming another
    workflow's secret is refused: a definition can only keep its own.
    """
    out = copy.deepcopy(definition)
    before = _by_slot(previous) if previous else {}
    found = list(slots(out))
    wanted = [h for container, key, _, _ in found if (h := secrets.handle_of(container[key]))]
    owned = secrets.owners(conn, rt, wanted)
    errors: list[ErrorItem] = []
    for container, key, path, sid in found:
        value = container[key]
        handle = secrets.handle_of(value)
        if handle is not None:
            if owned.get(handle) != (OWNER_KIND, workflow_id):
                errors.append(ErrorItem.coded("error.secret.other_definition", path=path, code="secret_unknown"))
            else:
                container[key] = {"$secret": handle}
        elif secrets.is_mask(value):  # a mask without its ref, e.g. the text "••••1a2b": keep what the slot holds
            kept = before.get(sid)
            if secrets.is_handle(kept):
                container[key] = kept
            elif isinstance(kept, str) and kept:  # stored as text before secrets were kept apart: move it now
                container[key] = secrets.store(conn, rt, owner_kind=OWNER_KIND, owner_id=workflow_id, text=kept,
                                               created_by=actor.user_id)
            else:
                errors.append(ErrorItem.coded("error.secret.none_stored", path=path, code="secret_missing"))
        elif isinstance(value, str) and value:
            if len(value) > secrets.MAX_SECRET_LENGTH:
                errors.append(ErrorItem.coded("error.secret.too_long", path=path, code="too_long", max=secrets.MAX_SECRET_LENGTH))
            else:
                container[key] = secrets.store(conn, rt, owner_kind=OWNER_KIND, owner_id=workflow_id, text=value,
                                               created_by=actor.user_id)
    return out, errors


def masked(conn, rt, definitions: list[Any]) -> list[Any]:
    """Copies of ``definitions`` with every secret slot shown as a mask (one query for all hints)."""
    copies = [copy.deepcopy(d) for d in definitions]
    found = [s for d in copies for s in slots(d)]
    known = secrets.hints(conn, rt, [h for container, key, _, _ in found if (h := secrets.handle_of(container[key]))])
    for container, key, _, _ in found:
        value = container[key]
        handle = secrets.handle_of(value)
        if handle is not None:
            container[key] = secrets.mask_for(handle, known.get(handle))
        elif isinstance(value, str) and value:
            container[key] = secrets.legacy_mask(value)
        elif value not in (None, ""):
            container[key] = secrets.mask_for(None, None)  # whatever it is, it is not shown
    return copies


def unchecked(definition: Any) -> Any:
    """A copy to check without decrypting anything: stored handles become masks (kept as they are: checked when stored
    and again at publish); secret text stays, to be checked."""
    out = copy.deepcopy(definition)
    for container, key, _, _ in slots(out):
        if secrets.is_handle(container[key]):
            container[key] = secrets.mask_for(container[key]["$secret"], None)
    return out


def unseal_config(conn, rt, config: dict) -> dict:
    """A channel's settings with handles replaced by their text (raises ``SecretUnavailable``)."""
    handles = [v["$secret"] for v in config.values() if secrets.is_handle(v)]
    if not handles:
        return config
    texts = secrets.reveal(conn, rt, handles)
    return {k: texts[v["$secret"]] if secrets.is_handle(v) else v for k, v in config.items()}


def unseal_configs(conn, rt, configs: list[dict]) -> list[dict | secrets.SecretUnavailable]:
    """``unseal_config`` for a batch of messages: each distinct secret is read and decrypted once (a burst of reminders
    names the same webhook address thousands of times). A config whose secret can't be read gets the error
    ``unseal_config`` would raise for it (about its first unreadable handle), the others their text."""
    wanted = sorted({v["$secret"] for config in configs for v in config.values() if secrets.is_handle(v)})
    texts: dict[str, str] = {}
    problems: dict[str, secrets.SecretUnavailable] = {}
    try:
        texts = secrets.reveal(conn, rt, wanted)
    except secrets.SecretUnavailable:  # rare: find which ones, one by one
        for handle in wanted:
            try:
                texts.update(secrets.reveal(conn, rt, [handle]))
            except secrets.SecretUnavailable as exc:
                problems[handle] = exc
    out: list[dict | secrets.SecretUnavailable] = []
    for config in configs:
        handles = sorted({v["$secret"] for v in config.values() if secrets.is_handle(v)})
        bad = next((problems[h] for h in handles if h in problems), None)
        out.append(bad if bad is not None else
                   {k: texts[v["$secret"]] if secrets.is_handle(v) else v for k, v in config.items()} if handles else config)
    return out


def seal_stored(rt) -> dict[str, int]:
    """Move secrets still stored as text (definitions saved before secrets were kept apart) into encrypted rows:
    drafts and published versions alike. Idempotent; ``formflow seal-secrets`` runs it."""


    def text_left(definition) -> bool:
        return any(isinstance(container[key], str) and container[key] for container, key, _, _ in slots(definition))

    counts = {"drafts": 0, "versions": 0}
    with rt.db.transaction() as conn:
        drafts = conn.execute(sa.select(workflows.c.id, workflows.c.draft).where(workflows.c.workspace_id == rt.workspace_id)).all()
        for workflow_id, draft in drafts:
            if text_left(draft):
                sealed, _ = seal(conn, rt, Actor.system(), workflow_id, draft, None)
                conn.execute(sa.update(workflows).where(workflows.c.id == workflow_id).values(draft=sealed))
                counts["drafts"] += 1
        versions = conn.execute(sa.select(workflow_versions.c.id, workflow_versions.c.workflow_id, workflow_versions.c.definition)
                                .where(workflow_versions.c.workflow_id.in_([d[0] for d in drafts]))).all()
        for version_id, workflow_id, definition in versions:
            if text_left(definition):
                sealed, _ = seal(conn, rt, Actor.system(), workflow_id, definition, None)
                conn.execute(sa.update(workflow_versions).where(workflow_versions.c.id == version_id).values(definition=sealed))
                counts["versions"] += 1
    return counts
