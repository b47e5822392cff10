"""Write-only secrets of definitions: kept encrypted apart from the definition, shown only as a mask.

A definition (a workflow's webhook URL, a chat robot's URL with its key, a signing secret) never
holds a secret's text: it holds a *handle*, ``{"$secret": "sec_..."}``, naming a row of
``definition_secrets`` whose ciphertext is a Fernet token made with the *instance key*. The key is
derived (HKDF-SHA256) from the application's ``SECRET_KEY`` (``create_app`` always sets one: the
environment's or the instance folder's); ``SECRET_KEY_FALLBACKS`` (Flask's name) lets an old key still
decrypt after a rotation. Responses show a *mask*,
``{"secret": true, "set": true, "hint": "••••1a2b", "ref": <handle>}``; sending the mask back keeps
the secret, sending text replaces it (a new row: a published version keeps what it was published
with). Only the sender decrypts, at send time (``reveal``).
"""
from __future__ import annotations

import base64
import logging
import os
import secrets as _random
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from engine.storage.secret_tables import definition_secrets

log = logging.getLogger(__name__)

__all__ = ["SECRET_MASK", "SecretUnavailable", "is_handle", "is_mask", "handle_of", "store", "reveal", "hints",
           "mask_for", "instance_cipher"]

#: What a secret's value is replaced by when shown (followed by its last ``HINT_CHARS`` characters).
SECRET_MASK = "••••"
#: Characters of a secret's end shown after the mask (enough to tell two secrets apart, not to guess one).
HINT_CHARS = 4
#: Secrets shorter than this show no characters at all, only the mask.
MIN_LENGTH_FOR_HINT = 12
#: Longest secret text accepted (a webhook URL is at most 2,048 characters).
MAX_SECRET_LENGTH = 4_096
#: HKDF "info" label: the instance key for definition secrets is used for nothing else.
KEY_PURPOSE = b"formflow definition secrets v1"
#: Configuration keys holding the instance key and older keys still accepted for decryption.
SECRET_KEY_CONFIG = "SECRET_KEY"
SECRET_KEY_FALLBACKS_CONFIG = "SECRET_KEY_FALLBACKS"
_HANDLE_PREFIX = "sec_"


class SecretUnavailable(Exception):
    """A handle that names no stored secret, or one this instance key cannot decrypt."""


def _fernet(secret_key: str | bytes) -> Fernet:
    raw = secret_key.encode("utf-8") if isinstance(secret_key, str) else secret_key
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_PURPOSE).derive(raw)
    return Fernet(base64.urlsafe_b64encode(key))


def instance_cipher(rt) -> MultiFernet:
    """The cipher of this installation: the current key first, then the fallbacks (decryption only)."""
    key = rt.config.get(SECRET_KEY_CONFIG) or os.environ.get(SECRET_KEY_CONFIG)
    if not key:
        # the engine opened without the web app (scripts, tests, their worker processes): create_app always sets the
        # instance key; here every process on this database must agree, so the key is derived from its URL - which
        # protects nothing at rest, hence the warning
        log.warning("no SECRET_KEY configured: definition secrets use a development key (never run like this in production)")
        key = rt.config[SECRET_KEY_CONFIG] = "formflow-development-key:" + _unsafe_database_id(rt)
    fallbacks = rt.config.get(SECRET_KEY_FALLBACKS_CONFIG) or []
    return MultiFernet([_fernet(key), *(_fernet(k) for k in fallbacks if k)])


def _unsafe_database_id(rt) -> str:
    url = getattr(rt.db, "url", "")
    return str(url.render_as_string(hide_password=True) if hasattr(url, "render_as_string") else url)


def is_handle(value: Any) -> bool:
    """``{"$secret": "sec_..."}``: what a stored definition holds instead of a secret."""
    return isinstance(value, Mapping) and set(value) == {"$secret"} and isinstance(value["$secret"], str) \
        and value["$secret"].startswith(_HANDLE_PREFIX)


def handle_of(value: Any) -> str | None:
    """The handle a stored value or a mask names (None for text and anything else)."""
    if is_handle(value):
        return value["$secret"]
    if isinstance(value, Mapping) and is_mask(value) and isinstance(value.get("ref"), str):
        return value["ref"]
    return None


def is_mask(value: Any) -> bool:
    """What a response shows instead of a secret (sent back unchanged, it keeps the secret)."""
    if isinstance(value, Mapping):
        return value.get("secret") is True
    return isinstance(value, str) and value.startswith(SECRET_MASK)


def _hint(text: str) -> str:
    tail = text[-HINT_CHARS:] if len(text) >= MIN_LENGTH_FOR_HINT else ""
    try:
        parts = urlsplit(text)
        if parts.scheme in ("http", "https") and parts.hostname:
            return f"{parts.scheme}://{parts.hostname}/{SECRET_MASK}{tail}"  # the host says where it goes, not the key
    except ValueError:
        pass
    return f"{SECRET_MASK}{tail}"


def mask_for(handle: str | None, hint: str | None) -> dict:
    """The JSON shown instead of a secret."""
    out: dict[str, Any] = {"secret": True, "set": True, "hint": hint or SECRET_MASK}
    if handle:
        out["ref"] = handle
    return out


def legacy_mask(text: str) -> dict:
    """The mask of a secret still stored as text (a definition saved before secrets were kept apart)."""
    return mask_for(None, _hint(text))


def store(conn: sa.Connection, rt, *, owner_kind: str, owner_id: int, text: str, created_by: int | None) -> dict:
    """Encrypt ``text`` into a new row; returns the handle value a definition keeps."""
    handle = _HANDLE_PREFIX + _random.token_hex(24)
    token = instance_cipher(rt).encrypt(text.encode("utf-8")).decode("ascii")
    conn.execute(sa.insert(definition_secrets).values(
        workspace_id=rt.workspace_id, handle=handle, owner_kind=owner_kind, owner_id=owner_id, ciphertext=token,
        hint=_hint(text), created_by=created_by, created_at=rt.clock.now()))
    return {"$secret": handle}


def owners(conn: sa.Connection, rt, handles: Iterable[str]) -> dict[str, tuple[str, int]]:
    """Which definition each handle belongs to (unknown handles are left out)."""
    wanted = sorted(set(handles))
    if not wanted:
        return {}
    rows = conn.execute(sa.select(definition_secrets.c.handle, definition_secrets.c.owner_kind, definition_secrets.c.owner_id)
                        .where(definition_secrets.c.workspace_id == rt.workspace_id, definition_secrets.c.handle.in_(wanted)))
    return {h: (kind, oid) for h, kind, oid in rows}


def hints(conn: sa.Connection, rt, handles: Iterable[str]) -> dict[str, str]:
    """The mask text of each handle, without decrypting anything."""
    wanted = sorted(set(handles))
    if not wanted:
        return {}
    rows = conn.execute(sa.select(definition_secrets.c.handle, definition_secrets.c.hint)
                        .where(definition_secrets.c.workspace_id == rt.workspace_id, definition_secrets.c.handle.in_(wanted)))
    return dict(rows.all())


def reveal(conn: sa.Connection, rt, handles: Iterable[str]) -> dict[str, str]:
    """Decrypt: only for sending and for the save-time address check, never for a response.

    Raises ``SecretUnavailable`` naming the first handle that is unknown or cannot be decrypted.
    """
    wanted = sorted(set(handles))
    if not wanted:
        return {}
    rows = dict(conn.execute(sa.select(definition_secrets.c.handle, definition_secrets.c.ciphertext).where(
        definition_secrets.c.workspace_id == rt.workspace_id, definition_secrets.c.handle.in_(wanted))).all())
    cipher = instance_cipher(rt)
    out = {}
    for handle in wanted:
        if handle not in rows:
            raise SecretUnavailable(f"the stored secret {handle[:12]}… does not exist")
        try:
            out[handle] = cipher.decrypt(rows[handle].encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise SecretUnavailable("a stored secret cannot be decrypted with this instance key "
                                    "(was SECRET_KEY changed without keeping the old one in SECRET_KEY_FALLBACKS?)") from None
    return out
