"""REST routes of a form's version history: who published or saved what and when, as sentences, and "restore as
draft" from a published version or a draft save (``engine.services.form_versions``)."""
from __future__ import annotations

from flask import jsonify, request

from engine.api import actor, refusals, route, runtime
from engine.api.routes import IF_MATCH, draft_response, if_match
from engine.services import form_versions
from engine.services.form_diff import LOCALES

CHANGES = {"type": "array", "items": {"type": "object", "required": ["group", "title", "items"], "properties": {
    "group": {"type": "string", "enum": ["fields", "rules", "layout", "settings"]}, "title": {"type": "string"},
    "items": {"type": "array", "items": {"type": "object", "properties": {
        "text": {"type": "string"}, "records": {"type": ["integer", "null"]}}}}}}}
HISTORY = {"type": "object", "required": ["draft", "items"], "properties": {
    "draft": {"type": "object", "required": ["draft_revision", "unpublished_changes"], "properties": {
        "draft_revision": {"type": "integer"}, "updated_at": {"type": "string", "format": "date-time"},
        "unpublished_changes": {"type": "boolean", "description": "the draft differs from the published version"}}},
    "items": {"type": "array", "description": "published versions, newest first", "items": {
        "type": "object", "required": ["version", "published_at", "published_by", "current", "changes"], "properties": {
            "version": {"type": "integer"}, "published_at": {"type": "string", "format": "date-time"},
            "published_by": {"type": ["object", "null"], "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
            "current": {"type": "boolean", "description": "the version records are created with now"},
            "changes": {**CHANGES, "description": "what this version changed against the one before, as sentences"}}}},
    "saves": {"type": "array", "description": "draft saves, newest first (at most 100)", "items": {
        "type": "object", "required": ["revision", "saved_at", "saved_by", "changes"], "properties": {
            "revision": {"type": "integer", "description": "the draft revision this save made"},
            "saved_at": {"type": "string", "format": "date-time"},
            "saved_by": {"type": ["object", "null"], "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
            "changes": {**CHANGES, "description": "what this save changed against the save before it, as sentences"}}}}}}
LOCALE_QUERY = [{"name": "locale", "in": "query", "required": False, "schema": {"type": "string", "enum": list(LOCALES)},
                 "description": "the language of the sentences (default en)"}]


@route("/apps/<app_key>/forms/<form_key>/history", summary="Published versions and draft saves with who, when and what changed (as sentences)",
       tag="forms", query=LOCALE_QUERY, response=HISTORY, errors=(403, 404, 422))
def form_history(app_key, form_key):
    locale = request.args.get("locale", "en")
    if locale not in LOCALES:
        raise refusals.unknown_locale(LOCALES)
    return jsonify(form_versions.version_history(runtime(), app_key, form_key, locale, actor()))


@route("/apps/<app_key>/forms/<form_key>/versions/<int:version>/restore", "POST",
       summary="Make a published version the draft (If-Match: draft revision); nothing published changes until publish",
       tag="forms", headers=[IF_MATCH], response={"$ref": "#/components/schemas/Draft"}, errors=(403, 404, 412, 422))
def restore_version(app_key, form_key, version):
    draft = form_versions.restore_as_draft(runtime(), actor(), app_key, form_key, version, if_revision=if_match())
    return draft_response(draft)


@route("/apps/<app_key>/forms/<form_key>/saves/<int:revision>/restore", "POST",
       summary="Make a listed draft save the draft again (If-Match: draft revision); nothing published changes until publish",
       tag="forms", headers=[IF_MATCH], response={"$ref": "#/components/schemas/Draft"}, errors=(403, 404, 412, 422))
def restore_save(app_key, form_key, revision):
    draft = form_versions.restore_save_as_draft(runtime(), actor(), app_key, form_key, revision, if_revision=if_match())
    return draft_response(draft)
