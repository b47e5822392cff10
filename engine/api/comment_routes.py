"""REST routes for a record's comments (readers of the record read and add them; @mentions reach the inbox)."""
from __future__ import annotations

from flask import jsonify

from engine.api import actor, load_body, refusals, route, runtime
from engine.services import comments
from engine.services.comments import MAX_COMMENT_LENGTH, MAX_MENTIONS

MENTION = {"type": "object", "properties": {"id": {"type": "integer"}, "name": {}}}
COMMENT = {"type": "object", "required": ["id", "body", "created_at", "author_id"], "properties": {
    "id": {"type": "integer"}, "record_id": {"type": "integer"}, "body": {"type": "string"}, "created_at": {"type": "string"},
    "edited_at": {"type": ["string", "null"], "description": "when its author last changed the text (null: never)"},
    "author_id": {}, "author_name": {}, "mentions": {"type": "array", "items": MENTION,
                                                     "description": "users told in their inbox (each may read the record)"}}}
COMMENT_LIST = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": COMMENT}}}
COMMENT_BODY = {"type": "object", "required": ["body"], "properties": {
    "body": {"type": "string", "maxLength": MAX_COMMENT_LENGTH, "description": "plain text; @username mentions a user"},
    "mentions": {"type": "array", "maxItems": MAX_MENTIONS, "items": {"type": "integer"}, "description": "user ids picked in the people picker"}}}
BASE = "/apps/<app_key>/forms/<form_key>/records/<int:record_id>/comments"


@route(BASE, summary="A record's comments, oldest first (for readers of the record)", tag="comments", response=COMMENT_LIST,
       errors=(401, 403, 404))
def list_record_comments(app_key, form_key, record_id):
    return jsonify(comments.list_comments(runtime(), actor(), app_key, form_key, record_id))


@route(BASE, "POST", summary="Comment on a record; @mentioned users who may read it are told in their inbox", tag="comments",
       body=COMMENT_BODY, response=COMMENT, status=201, errors=(401, 403, 404, 422))
def add_record_comment(app_key, form_key, record_id):
    body = load_body()
    if not isinstance(body, dict):
        raise refusals.not_an_object()
    return jsonify(comments.add_comment(runtime(), actor(), app_key, form_key, record_id, body)), 201


@route(BASE + "/<int:comment_id>", "PATCH", summary="Edit your own comment (shown as edited; newly @mentioned readers are "
       "told); a row of the record's history", tag="comments", body=COMMENT_BODY, response=COMMENT, errors=(401, 403, 404, 422))
def edit_record_comment(app_key, form_key, record_id, comment_id):
    body = load_body()
    if not isinstance(body, dict):
        raise refusals.not_an_object()
    return jsonify(comments.edit_comment(runtime(), actor(), app_key, form_key, record_id, comment_id, body))


@route(BASE + "/<int:comment_id>", "DELETE", summary="Delete your own comment (a workspace admin: anyone's); a row of the "
       "record's history", tag="comments", response=None, status=204, errors=(401, 403, 404))
def delete_record_comment(app_key, form_key, record_id, comment_id):
    comments.delete_comment(runtime(), actor(), app_key, form_key, record_id, comment_id)
    return "", 204
