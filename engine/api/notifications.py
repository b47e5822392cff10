"""REST routes for notification templates (CRUD, review lifecycle, preview, test send) and the inbox.

Thin over ``engine.services.templates`` and ``engine.services.inbox``; bodies
are checked here for shape only.
"""
from __future__ import annotations

from flask import jsonify, request
from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from engine.safety import MAX_PAGE
from engine.api import actor, caller_locale, load_args, load_body, refusals, route, runtime
from engine.api.bodies import KEY, Label
from engine.api.openapi import lift_schema
from engine.services import inbox as inbox_service
from engine.services import template_review
from engine.services import templates as template_service

_LABEL = {"oneOf": [{"type": "string"}, {"type": "object", "additionalProperties": {"type": "string"}}]}
#: the template body of schemas/template.schema.json (components NotificationTemplate and TemplateDef_*)
_CONTENT = {"$ref": "#/components/schemas/TemplateDef_content"}
_NULL_INT = {"type": ["integer", "null"]}
_NULL_STR = {"type": ["string", "null"]}
TEMPLATE = {"type": "object", "required": ["app", "key", "revision", "state", "form", "content"], "properties": {
    "app": {"type": "string"}, "key": {"type": "string"}, "revision": {"type": "integer"},
    "state": {"enum": ["draft", "submitted", "approved", "rejected", "published"]},
    "status": {"type": "string"}, "form": {"type": "string"}, "purpose": {"enum": ["notification", "print"]}, "label": _LABEL, "description": {"oneOf": [_NULL_STR, _LABEL]},
    "content": _CONTENT, "review_comment": _NULL_STR,
    "review_comment_code": {"type": ["string", "null"], "description": "shipped: approved by the installer with the app template"}, "published_revision": _NULL_INT,
    "allowed_actions": {"type": "array", "items": {"type": "string"}},
    **{f"{what}_by": _NULL_INT for what in ("created", "updated", "submitted", "reviewed", "published")},
    **{f"{what}_at": _NULL_STR for what in ("created", "updated", "submitted", "reviewed", "published", "superseded")}}}
TEMPLATE_LIST = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": TEMPLATE}}}
RENDERED = {"type": "object", "required": ["subject", "body"], "properties": {
    "revision": {"type": "integer"}, "state": {"type": "string"}, "channel": {"type": "string"},
    "record_id": {"type": ["integer", "null"], "description": "null: no record yet, rendered with sample data"},
    "sample": {"type": "boolean", "description": "rendered with each field type's sample value (the form has no record yet)"},
    "subject": {"type": "string"}, "body": {"type": "string"}, "html_body": _NULL_STR, "link": _NULL_STR}}
SENT = {"type": "object", "required": ["inbox", "email"], "properties": {
    "revision": {"type": "integer"}, "record_id": {"type": "integer"}, "inbox": {"type": "object"}, "email": {"type": "object"}}}
MESSAGE = {"type": "object", "required": ["id", "title", "body", "read"], "properties": {
    "id": {"type": "integer"}, "title": {"type": "string"}, "body": {"type": "string"}, "link": _NULL_STR,
    "record_id": _NULL_INT, "source": _NULL_STR, "created_at": {"type": "string"}, "read_at": _NULL_STR, "read": {"type": "boolean"}}}
INBOX = {"type": "object", "required": ["items", "total", "unread"], "properties": {
    "items": {"type": "array", "items": MESSAGE}, "total": {"type": "integer"}, "unread": {"type": "integer"},
    "page": {"type": "integer"}, "page_size": {"type": "integer"}}}
COUNT = {"type": "object", "required": ["unread"], "properties": {"unread": {"type": "integer"}}}
REVIEW_SETTINGS = {"type": "object", "additionalProperties": False, "properties": {
    "self_review": {"type": "boolean", "description": "an author may approve or reject their own revision"},
    "publisher": {"enum": ["approver", "author", "both"],
                  "description": "who publishes an approved revision: its approver, its author (who submitted it), or "
                                 "either (default); workspace admins always may"}}}

BASE = "/apps/<app_key>/notification-templates"
ONE = BASE + "/<template_key>"


class _Content(fields.Dict):
    def _jsonschema_type_mapping(self):
        return _CONTENT


class TemplateCreateBody(Schema):
    class Meta:
        unknown = RAISE

    key = fields.String(required=True, validate=KEY)
    form = fields.String(required=True, validate=KEY)
    purpose = fields.String(load_default="notification", validate=validate.OneOf(template_service.PURPOSES))
    label = Label(required=True)
    description = Label(max_length=2000, allow_none=True)
    content = _Content(required=True, keys=fields.String())


class TemplateUpdateBody(Schema):
    class Meta:
        unknown = RAISE

    form = fields.String(validate=KEY)
    label = Label()
    description = Label(max_length=2000, allow_none=True)
    content = _Content(keys=fields.String())


class CommentBody(Schema):
    class Meta:
        unknown = RAISE

    comment = fields.String(validate=validate.Length(max=2000), load_default=None, allow_none=True)


class RenderBody(Schema):
    class Meta:
        unknown = RAISE

    record_id = fields.Integer(validate=validate.Range(min=1), load_default=None, allow_none=True)
    revision = fields.Integer(validate=validate.Range(min=1), load_default=None, allow_none=True)
    channel = fields.String(validate=validate.Length(max=64), load_default="inbox")
    #: preview only: render for readers of this language ("default": the language-neutral parts); none: your own
    language = fields.String(validate=validate.Length(max=16), load_default=None, allow_none=True)


class InboxArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=inbox_service.MAX_PAGE_SIZE))
    unread = fields.Boolean(load_default=False)


CREATE = {"$ref": "#/components/schemas/NotificationTemplate"}
_LIFTED = lift_schema("template")["NotificationTemplate"]
UPDATE = {**{k: v for k, v in _LIFTED.items() if k not in ("title", "description", "properties")},
          "properties": {k: v for k, v in _LIFTED["properties"].items() if k != "purpose"}, "required": []}
COMMENT = {"type": "object", "additionalProperties": False, "properties": {"comment": {"type": ["string", "null"], "maxLength": 2000}}}
RENDER = {"type": "object", "additionalProperties": False, "properties": {
    "record_id": {"type": ["integer", "null"], "minimum": 1}, "revision": {"type": ["integer", "null"], "minimum": 1},
    "channel": {"type": "string"},
    "language": {"type": ["string", "null"], "maxLength": 16,
                 "description": "preview: render for readers of this language (en, zh-CN) or 'default' (the language-neutral parts)"}}}


# -- templates -----------------------------------------------------------------

@route("/notification-templates/review-settings", summary="Who reviews and who publishes notification templates",
       tag="notification templates", response=REVIEW_SETTINGS, errors=())
def get_template_review_settings():
    return jsonify(template_review.review_settings(runtime()))


@route("/notification-templates/review-settings", "PATCH", summary="Change who publishes approved templates and whether "
       "authors may review their own (workspace admins)", tag="notification templates", body=REVIEW_SETTINGS,
       response=REVIEW_SETTINGS, errors=(403, 422))
def update_template_review_settings():
    body = load_body()
    if not isinstance(body, dict):
        raise refusals.not_an_object()
    return jsonify(template_review.set_review_settings(runtime(), actor(), body))


LIST_PARAMS = [
    {"name": "purpose", "in": "query", "required": False, "schema": {"enum": ["notification", "print"]},
     "description": "only notification templates or only print templates"},
    {"name": "form", "in": "query", "required": False, "schema": {"type": "string"}, "description": "only those of this form"},
]


@route(BASE, summary="Notification and print templates of an app", tag="notification templates", response=TEMPLATE_LIST,
       query=LIST_PARAMS, errors=(404,))
def list_notification_templates(app_key):
    purpose = request.args.get("purpose") or None
    return jsonify({"items": template_service.list_templates(runtime(), app_key, actor=actor(), form_key=request.args.get("form") or None,
                                                             purpose=purpose if purpose in template_service.PURPOSES else None,
                                                             locale=caller_locale())})


@route(BASE, "POST", summary="Create a template (a draft, compiled against the form's variables)", tag="notification templates",
       body=CREATE, response=TEMPLATE, status=201, errors=(404, 409, 422))
def create_notification_template(app_key):
    body = load_body(TemplateCreateBody())
    created = template_service.create_template(runtime(), actor(), app_key, key=body["key"], form_key=body["form"],
                                               label=body["label"], content=body["content"], description=body.get("description"),
                                               purpose=body["purpose"])
    return jsonify(created), 201


@route(ONE, summary="A template's working revision, with the live revision number and possible actions",
       tag="notification templates", response=TEMPLATE, errors=(404,))
def get_notification_template(app_key, template_key):
    return jsonify(template_service.get_template(runtime(), app_key, template_key, actor(), caller_locale()))


@route(ONE, "PATCH", summary="Edit (a published template gets a new draft revision; the published one keeps serving). "
       "Send If-Match: <etag> to refuse (412) an edit over someone else's newer save",
       tag="notification templates", body=UPDATE, response=TEMPLATE, errors=(404, 409, 412, 422))
def update_notification_template(app_key, template_key):
    body = load_body(TemplateUpdateBody())
    if_match = (request.headers.get("If-Match") or "").strip().strip('"') or None
    return jsonify(template_service.update_template(runtime(), actor(), app_key, template_key, label=body.get("label"),
                                                    description=body.get("description"), content=body.get("content"),
                                                    form_key=body.get("form"), if_match=if_match))


def _action(name: str, summary: str, with_comment: bool):
    def view(app_key, template_key):
        body = load_body(CommentBody(), required=False) if with_comment else {}
        args = (body.get("comment"),) if with_comment else ()
        return jsonify(getattr(template_service, name)(runtime(), actor(), app_key, template_key, *args))

    view.__name__ = f"{name}_notification_template"
    route(f"{ONE}/{name}", "POST", summary=summary, tag="notification templates", body=COMMENT if with_comment else None,
          body_required=False, response=TEMPLATE, errors=(403, 404, 409, 422))(view)


_action("submit", "Submit the working revision for review", False)
_action("withdraw", "Take a submitted revision back to draft", False)
_action("approve", "Approve a submitted revision (a reviewer other than the author)", True)
_action("reject", "Reject a submitted revision with a comment (required)", True)
_action("publish", "Publish the approved revision; it supersedes the live one", False)


@route(f"{ONE}/revisions", summary="Every revision, oldest first", tag="notification templates",
       response=TEMPLATE_LIST, errors=(404,))
def notification_template_history(app_key, template_key):
    return jsonify({"items": template_service.template_history(runtime(), app_key, template_key, actor(), caller_locale())})


@route(f"{ONE}/revisions/<int:revision>", summary="One revision", tag="notification templates", response=TEMPLATE, errors=(404,))
def get_notification_template_revision(app_key, template_key, revision):
    return jsonify(template_service.get_revision(runtime(), app_key, template_key, revision, actor(), caller_locale()))


@route(f"{ONE}/preview", "POST", summary="Render a revision with a real record", tag="notification templates",
       body=RENDER, body_required=False, response=RENDERED, errors=(404, 422))
def preview_notification_template(app_key, template_key):
    body = load_body(RenderBody(), required=False)
    return jsonify(template_service.preview(runtime(), actor(), app_key, template_key, body["record_id"],
                                            revision=body["revision"], channel=body["channel"], language=body["language"]))


@route(f"{ONE}/test-send", "POST", summary="Send a revision to yourself (inbox, and email when configured)",
       tag="notification templates", body=RENDER, body_required=False, response=SENT, errors=(401, 404, 422))
def test_send_notification_template(app_key, template_key):
    body = load_body(RenderBody(), required=False)
    return jsonify(template_service.test_send(runtime(), actor(), app_key, template_key, body["record_id"],
                                              revision=body["revision"]))


# -- inbox ---------------------------------------------------------------------

INBOX_PARAMS = [
    {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}},
    {"name": "page_size", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": inbox_service.MAX_PAGE_SIZE}},
    {"name": "unread", "in": "query", "required": False, "schema": {"type": "boolean"}, "description": "only unread messages"},
]


@route("/inbox", summary="Your messages, unread first", tag="inbox", response=INBOX, query=INBOX_PARAMS, errors=(401, 422))
def list_inbox():
    args = load_args(InboxArgs())
    return jsonify(inbox_service.list_messages(runtime(), actor(), page=args["page"], page_size=args["page_size"],
                                               unread_only=args["unread"]))


@route("/inbox/unread-count", summary="How many unread messages you have", tag="inbox", response=COUNT, errors=(401,))
def inbox_unread_count():
    return jsonify({"unread": inbox_service.unread_count(runtime(), actor())})


@route("/inbox/<int:message_id>/read", "POST", summary="Mark one message read", tag="inbox", response=MESSAGE, errors=(401, 404))
def mark_inbox_message_read(message_id):
    return jsonify(inbox_service.mark_read(runtime(), actor(), message_id))


@route("/inbox/read-all", "POST", summary="Mark all your messages read", tag="inbox",
       response={"type": "object", "required": ["marked"], "properties": {"marked": {"type": "integer"}, "unread": {"type": "integer"}}},
       errors=(401,))
def mark_inbox_read_all():
    return jsonify(inbox_service.mark_all_read(runtime(), actor()))
