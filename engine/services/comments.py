"""Comments on a record: plain text by a signed-in user, ``@username`` mentions told in their inbox.

Reading or writing a record's comments starts with the read gate's single-record check (``records.check_access``
"read" on the live row): whoever may read the record may read and add its comments, anyone else gets the 404 of a
missing record. A mention (``@username`` in the text, or a user id picked in ``mentions``) notifies that user's inbox
only when they may read the record themselves; other mentions stay plain text. Each comment is also a "comment" row in
the record's history (``@comment`` change, as approval steps record theirs).

Its author may edit a comment (it then shows as edited, ``edited_at``; users newly mentioned are told, those told
before are not told again) and delete it; a workspace admin may delete anyone's. Both need the record still
readable and are rows of the record's history too (``comment_edit``: old and new text; ``comment_delete``: the
text removed).
"""
from __future__ import annotations

import re
from typing import Any, Mapping

import sqlalchemy as sa

from engine import i18n
from engine.clock import utc_iso
from engine.errors import ErrorItem, NotFound, PermissionDenied, Unauthorized, ValidationFailed
from engine.fields.base import field_label
from engine.notifications.variables import record_link
from engine.runtime import Actor, Runtime
from engine.safety import MAX_ID
from engine.services import inbox
from engine.services.form_lookup import compiled_form
from engine.services.permissions import privileged
from engine.services.records import check_access, live_row
from engine.services.users import actor_for
from engine.storage import record_rows
from engine.storage.comment_tables import record_comments
from engine.storage.tables import users

__all__ = ["list_comments", "add_comment", "edit_comment", "delete_comment", "mentioned_names", "MAX_COMMENT_LENGTH", "MAX_MENTIONS", "MAX_COMMENTS_LISTED"]

#: Longest comment body kept, in characters (a longer one is refused at /body).
MAX_COMMENT_LENGTH = 4000
#: Most users one comment may mention (by @name and picked together); more is refused at /mentions.
MAX_MENTIONS = 20
#: Most comments one request lists (newest kept).
MAX_COMMENTS_LISTED = 500
#: ``@username``: a name of letters, digits, ``_ . -`` not glued to a word before it (an e-mail address is no mention).
MENTION = re.compile(r"(?<![\w@.])@([\w][\w.\-]*)")

#: The catalogue keys (engine/translations) of the inbox notice a mentioned user gets: (title, body).
MENTION_NOTICE = ("notice.mention.title", "notice.mention.body")


def mentioned_names(body: str) -> list[str]:
    """The ``@usernames`` in a comment text, in order, once each (a trailing full stop is not part of a name)."""
    return list(dict.fromkeys(m.rstrip(".-") for m in MENTION.findall(body)))


def _readable_row(rt: Runtime, conn: sa.Connection, actor: Actor, app_key: str, form_key: str, record_id: int):
    form = compiled_form(rt, conn, app_key, form_key)
    row = live_row(conn, form, record_id)
    check_access(rt, conn, actor, form, "read", row)  # the read gate: 404 outside the row scope, 403 without a read right
    return form, row


def _comment_dict(row: Mapping, names: Mapping[int, Any]) -> dict:
    return {"id": row["id"], "record_id": row["record_id"], "body": row["body"], "created_at": utc_iso(row["created_at"]),
            "edited_at": utc_iso(row["edited_at"]) if row["edited_at"] else None,
            "author_id": row["author_id"], "author_name": names.get(row["author_id"]),
            "mentions": [{"id": uid, "name": names.get(uid)} for uid in row["mentions"]]}


def _names(conn: sa.Connection, ids) -> dict[int, Any]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {r.id: r.display_name for r in conn.execute(sa.select(users.c.id, users.c.display_name).where(users.c.id.in_(ids)))}


def list_comments(rt: Runtime, actor: Actor, app_key: str, form_key: str, record_id: int) -> dict:
    """The record's comments, oldest first, for a reader of the record."""
    with rt.db.read() as conn:
        _readable_row(rt, conn, actor, app_key, form_key, record_id)
        rows = conn.execute(sa.select(record_comments).where(record_comments.c.record_id == record_id)
                            .order_by(record_comments.c.id.desc()).limit(MAX_COMMENTS_LISTED)).mappings().all()
        names = _names(conn, [r["author_id"] for r in rows] + [u for r in rows for u in r["mentions"]])
    return {"items": [_comment_dict(r, names) for r in reversed(rows)]}


def _checked(body: Mapping) -> tuple[str, list[int]]:
    problems = []
    text = body.get("body")
    if not isinstance(text, str) or not text.strip():
        problems.append(ErrorItem.coded("error.comment.empty", path="/body"))
    elif len(text) > MAX_COMMENT_LENGTH:
        problems.append(ErrorItem.coded("error.comment.too_long", max=MAX_COMMENT_LENGTH, length=len(text), path="/body"))
    picked = body.get("mentions", [])
    if not isinstance(picked, list) or not all(isinstance(u, int) and not isinstance(u, bool) and 0 < u <= MAX_ID for u in picked):
        problems.append(ErrorItem.coded("error.comment.mentions_list", path="/mentions"))
        picked = []
    elif len(picked) > MAX_MENTIONS:
        problems.append(ErrorItem.coded("error.comment.too_many_mentions", max=MAX_MENTIONS, path="/mentions"))
    unknown = sorted(set(body) - {"body", "mentions"})
    problems += [ErrorItem.coded("error.comment.unknown_property", path=f"/{k}") for k in unknown]
    if problems:
        raise ValidationFailed("the comment is not valid", problems,
                               message_code="error.comment.invalid")
    return text.strip(), list(dict.fromkeys(picked))


def _mentioned(conn: sa.Connection, rt: Runtime, text: str, picked: list[int]) -> list[Any]:
    """Active users of this workspace mentioned by @username or picked by id (unknown ones are plain text)."""
    names = [n.lower() for n in mentioned_names(text)]
    if len(names) + len(picked) > MAX_MENTIONS:
        raise ValidationFailed("the comment is not valid", [ErrorItem.coded("error.comment.too_many_mentions", max=MAX_MENTIONS, path="/mentions")],
                               message_code="error.comment.invalid")
    if not names and not picked:
        return []
    who = sa.or_(sa.func.lower(users.c.username).in_(names), users.c.id.in_(picked))
    return conn.execute(sa.select(users.c.id, users.c.display_name, users.c.locale).where(
        who, users.c.workspace_id == rt.workspace_id, users.c.is_active.is_(True)).order_by(users.c.id)).all()


def _may_read(rt: Runtime, conn: sa.Connection, user_id: int, form, row) -> bool:
    reader = actor_for(conn, rt, user_id)
    if reader is None:
        return False
    try:
        check_access(rt, conn, reader, form, "read", row)
    except (NotFound, PermissionDenied):
        return False
    return True


def add_comment(rt: Runtime, actor: Actor, app_key: str, form_key: str, record_id: int, body: Mapping) -> dict:
    """Add a comment by the signed-in ``actor`` (201); tell each mentioned user who may read the record in their inbox."""
    if actor.user_id is None:
        raise Unauthorized("sign in to comment: a comment has an author", path="/user",
                           message_code="error.comment.sign_in")
    text, picked = _checked(body)
    now = rt.clock.now()
    with rt.db.transaction() as conn:
        form, row = _readable_row(rt, conn, actor, app_key, form_key, record_id)
        people = [p for p in _mentioned(conn, rt, text, picked) if p.id != actor.user_id and _may_read(rt, conn, p.id, form, row)]
        comment_id = conn.execute(sa.insert(record_comments).values(
            app=app_key, form=form_key, record_id=record_id, author_id=actor.user_id, body=text, created_at=now,
            mentions=[p.id for p in people]).returning(record_comments.c.id)).scalar_one()
        record_rows.audit(conn, record_id, form.form_id, "comment", actor, now, row["version"], {"@comment": [None, text]})
        _tell(conn, rt, actor, form, app_key, record_id, comment_id, text, people)
        saved = conn.execute(sa.select(record_comments).where(record_comments.c.id == comment_id)).mappings().one()
        return _comment_dict(saved, _names(conn, [actor.user_id] + [p.id for p in people]))


def _tell(conn: sa.Connection, rt: Runtime, actor: Actor, form, app_key: str, record_id: int, comment_id: int, text: str,
          people) -> None:
    """The mentioned people's inbox notices, once per (comment, person): an edit tells only the newly mentioned."""
    author = _names(conn, [actor.user_id]).get(actor.user_id) or actor.label
    for person in people:
        locale = i18n.normalize_locale(person.locale)
        words = {"author": author, "record": record_name(form, record_id, locale), "body": text}
        head, line = (i18n.render(key, locale, words) for key in MENTION_NOTICE)
        inbox.store_message(conn, rt, user_id=person.id, title=head, body=line,
                            idempotency_key=f"comment:{comment_id}:{person.id}", link=record_link(rt, app_key, form.key, record_id),
                            record_id=record_id, source=f"comment:{app_key}/{form.key}/{record_id}")


def _own_comment(conn: sa.Connection, record_id: int, comment_id: int) -> Mapping:
    row = conn.execute(sa.select(record_comments).where(record_comments.c.id == comment_id,
                                                        record_comments.c.record_id == record_id)).mappings().first()
    if row is None:
        raise NotFound(f"comment {comment_id} does not exist on record {record_id}", path="/comment",
                       message_code="error.comment.not_found", params={"comment": comment_id, "record": record_id})
    return row


def edit_comment(rt: Runtime, actor: Actor, app_key: str, form_key: str, record_id: int, comment_id: int, body: Mapping) -> dict:
    """Change the text of one's own comment (shown as edited); newly mentioned readers of the record are told."""
    if actor.user_id is None:
        raise Unauthorized("sign in to edit your comment", path="/user",
                           message_code="error.comment.sign_in_edit")
    text, picked = _checked(body)
    now = rt.clock.now()
    with rt.db.transaction() as conn:
        form, row = _readable_row(rt, conn, actor, app_key, form_key, record_id)
        comment = _own_comment(conn, record_id, comment_id)
        if comment["author_id"] != actor.user_id:
            raise PermissionDenied("only its author may edit a comment", [ErrorItem.coded("error.comment.not_yours", path="/comment")],
                                   message_code="error.comment.author_only")
        people = [p for p in _mentioned(conn, rt, text, picked) if p.id != actor.user_id and _may_read(rt, conn, p.id, form, row)]
        if text == comment["body"] and [p.id for p in people] == list(comment["mentions"]):
            return _comment_dict(comment, _names(conn, [actor.user_id] + list(comment["mentions"])))  # nothing changed
        conn.execute(sa.update(record_comments).where(record_comments.c.id == comment_id).values(
            body=text, edited_at=now, mentions=list(dict.fromkeys(list(comment["mentions"]) + [p.id for p in people]))))
        record_rows.audit(conn, record_id, form.form_id, "comment_edit", actor, now, row["version"],
                          {"@comment": [comment["body"], text]})
        _tell(conn, rt, actor, form, app_key, record_id, comment_id, text, people)
        saved = _own_comment(conn, record_id, comment_id)
        return _comment_dict(saved, _names(conn, [actor.user_id] + list(saved["mentions"])))


def delete_comment(rt: Runtime, actor: Actor, app_key: str, form_key: str, record_id: int, comment_id: int) -> None:
    """Delete one's own comment (a workspace admin: anyone's); the history keeps who removed which text."""
    if actor.user_id is None:
        raise Unauthorized("sign in to delete a comment", path="/user",
                           message_code="error.comment.sign_in_delete")
    with rt.db.transaction() as conn:
        form, row = _readable_row(rt, conn, actor, app_key, form_key, record_id)
        comment = _own_comment(conn, record_id, comment_id)
        if comment["author_id"] != actor.user_id and not privileged(actor):
            raise PermissionDenied("only its author or a workspace admin may delete a comment",
                                   [ErrorItem.coded("error.comment.not_yours", path="/comment")],
                                   message_code="error.comment.author_or_admin")
        conn.execute(sa.delete(record_comments).where(record_comments.c.id == comment_id))
        record_rows.audit(conn, record_id, form.form_id, "comment_delete", actor, rt.clock.now(), row["version"],
                          {"@comment": [comment["body"], None]})


def record_name(form, record_id: int, locale: str) -> str:
    """The form's label and the record number, e.g. "Customer #12" (no field value: a notice names no hidden data)."""
    return f"{field_label({'label': form.definition.get('label'), 'id': form.key}, locale)} #{record_id}"
