"""REST routes for the workspace's own settings: name, time zone, default language, template review."""
from __future__ import annotations

from flask import jsonify

from engine.api import actor, load_body, refusals, route, runtime
from engine.services import workspace_settings

SETTINGS = {"type": "object", "properties": {
    "name": {"type": "string", "maxLength": workspace_settings.MAX_NAME_LENGTH},
    "timezone": {"type": "string", "description": "IANA time zone name, such as Asia/Shanghai"},
    "default_locale": {"type": "string", "enum": list(workspace_settings.LANGUAGES)},
    "self_review": {"type": "boolean", "description": "an author may review their own notification template revision"},
    "publisher": {"type": "string", "enum": ["approver", "author", "both"], "description": "who publishes an approved revision"}}}


@route("/workspace/settings", summary="The workspace's settings", tag="workspace", response=SETTINGS, errors=(401,))
def get_workspace_settings():
    return jsonify(workspace_settings.get_settings(runtime()))


@route("/workspace/settings", "PATCH", summary="Change the workspace's settings (workspace admins; audited)", tag="workspace",
       body=SETTINGS, response=SETTINGS, errors=(401, 403, 422))
def update_workspace_settings():
    body = load_body()
    if not isinstance(body, dict):
        raise refusals.not_an_object()
    return jsonify(workspace_settings.update_settings(runtime(), actor(), body))
