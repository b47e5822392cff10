"""REST routes for approval flows on records: status, submit, approve, reject, withdraw, and my queue.

A thin adapter over ``engine.services.approvals``; every error is the shared
JSON envelope with a 4xx status and the JSON path of the problem.
"""
from __future__ import annotations

from flask import jsonify, request

from engine.api import actor, refusals, route, runtime
from engine.errors import ErrorItem, ValidationFailed
from engine.services import approvals as service

RECORD = "/apps/<app_key>/forms/<form_key>/records/<int:record_id>/approval"
_TEXT = {"type": ["string", "null"]}
_ID = {"type": ["integer", "null"]}
APPROVER = {"type": "object", "additionalProperties": False,
            "required": ["user_id", "name", "decision", "comment", "decided_at"], "properties": {
                "user_id": {"type": "integer"}, "name": _TEXT, "decision": {"enum": [*service.DECISIONS, None]},
                "comment": _TEXT, "decided_at": _TEXT}}
REQUEST = {"type": "object", "additionalProperties": False,
           "required": ["id", "round", "status", "mode", "lock", "record_version", "submitted_by", "submitted_by_name", "submitted_at",
                        "comment", "closed_by", "closed_by_name", "closed_at", "approvers"], "properties": {
               "id": {"type": "integer"}, "round": {"type": "integer"}, "status": {"enum": list(service.STATUSES)},
               "mode": {"enum": ["any", "all"]}, "lock": {"type": "boolean"}, "record_version": {"type": "integer"},
               "submitted_by": _ID, "submitted_by_name": _TEXT, "submitted_at": {"type": "string"}, "comment": _TEXT,
               "closed_by": _ID, "closed_by_name": _TEXT, "closed_at": _TEXT,
               "approvers": {"type": "array", "items": APPROVER}}}
STATUS = {"type": "object", "additionalProperties": False,
          "required": ["app", "form", "record_id", "configured", "required", "mode", "status", "locked", "outdated", "current", "history", "can"],
          "properties": {
              "app": {"type": "string"}, "form": {"type": "string"}, "record_id": {"type": "integer"},
              "configured": {"type": "boolean", "description": "the form has an approval flow"},
              "required": {"type": "boolean", "description": "the flow applies to this record now (its condition holds)"},
              "mode": {"enum": ["any", "all", None]}, "status": {"enum": ["none", *service.STATUSES]},
              "locked": {"type": "boolean", "description": "edits and deletes are refused until the request is settled"},
              "outdated": {"type": "boolean", "description": "approved, but the record changed since"},
              "current": {"oneOf": [REQUEST, {"type": "null"}]},
              "history": {"type": "array", "items": REQUEST, "description": "every round, newest first"},
              "can": {"type": "object", "additionalProperties": False, "required": ["submit", "decide", "withdraw"], "properties": {
                  "submit": {"type": "boolean"}, "decide": {"type": "boolean"}, "withdraw": {"type": "boolean"}}}}}
PENDING = {"type": "object", "additionalProperties": False, "required": ["items"], "properties": {"items": {"type": "array", "items": {
    "type": "object", "additionalProperties": False,
    "required": ["request_id", "app", "form", "record_id", "round", "mode", "submitted_by", "submitted_by_name", "submitted_at", "comment", "link"],
    "properties": {"request_id": {"type": "integer"}, "app": {"type": "string"}, "form": {"type": "string"}, "record_id": {"type": "integer"},
                   "round": {"type": "integer"}, "mode": {"enum": ["any", "all"]}, "submitted_by": _ID, "submitted_by_name": _TEXT,
                   "submitted_at": {"type": "string"}, "comment": _TEXT, "link": {"type": "string"}}}}}}
COMMENT = {"type": "object", "additionalProperties": False, "properties": {
    "comment": {"type": ["string", "null"], "maxLength": service.MAX_COMMENT_LENGTH}}}
REJECTION = {"type": "object", "additionalProperties": False, "required": ["comment"], "properties": {
    "comment": {"type": "string", "maxLength": service.MAX_COMMENT_LENGTH, "description": "why (required)"}}}


def _comment() -> str | None:
    """The optional JSON body's ``comment``; anything else in it is refused with its path."""
    body = request.get_json(silent=True)
    if body is None:
        return None
    if not isinstance(body, dict):
        raise refusals.not_an_object()
    unknown = [k for k in body if k != "comment"]
    if unknown:
        raise refusals.coded(ValidationFailed, "error.body.invalid", [ErrorItem.coded("error.body.unknown_setting", path=f"/{k}") for k in unknown])
    return body.get("comment")


@route(RECORD, summary="The record's approval status, every round and what you may do", tag="approvals", response=STATUS, errors=(404,))
def get_approval(app_key, form_key, record_id):
    return jsonify(service.approval_status(runtime(), actor(), app_key, form_key, record_id))


@route(RECORD + "/submit", "POST", summary="Submit the record for approval (notifies the approvers)", tag="approvals", body=COMMENT,
       body_required=False, response=STATUS, status=201, errors=(404, 409, 422))
def submit_approval(app_key, form_key, record_id):
    return jsonify(service.submit_for_approval(runtime(), actor(), app_key, form_key, record_id, _comment())), 201


@route(RECORD + "/approve", "POST", summary="Approve as one of the request's approvers", tag="approvals", body=COMMENT,
       body_required=False, response=STATUS, errors=(404, 409, 422))
def approve_record(app_key, form_key, record_id):
    return jsonify(service.decide(runtime(), actor(), app_key, form_key, record_id, "approve", _comment()))


@route(RECORD + "/reject", "POST", summary="Reject as one of the request's approvers (a comment is required)", tag="approvals",
       body=REJECTION, response=STATUS, errors=(404, 409, 422))
def reject_record(app_key, form_key, record_id):
    return jsonify(service.decide(runtime(), actor(), app_key, form_key, record_id, "reject", _comment()))


@route(RECORD + "/withdraw", "POST", summary="Withdraw your pending request (the record unlocks)", tag="approvals", body=COMMENT,
       body_required=False, response=STATUS, errors=(404, 409, 422))
def withdraw_approval(app_key, form_key, record_id):
    return jsonify(service.withdraw(runtime(), actor(), app_key, form_key, record_id, _comment()))


@route("/approvals/pending", summary="Requests waiting for your decision, oldest first", tag="approvals", response=PENDING, errors=())
def my_pending_approvals():
    return jsonify({"items": service.my_pending_approvals(runtime(), actor())})
