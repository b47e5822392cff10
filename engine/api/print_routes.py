"""REST routes for printing a record with a published print template (a PDF), the record's Print menu and the
editor's print preview. Print templates themselves are created and reviewed with the notification-template routes
(``purpose: print``)."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, jsonify
from marshmallow import RAISE, Schema, fields, validate

from engine.api import actor, load_body, route, runtime
from engine.api.routes_ui_support import reader_locale, reader_timezone
from engine.services import print_templates

PRINTABLE = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {
    "type": "object", "required": ["key", "label", "href"], "properties": {
        "key": {"type": "string"}, "label": {"type": "string"}, "revision": {"type": "integer"},
        "href": {"type": "string", "description": "GET it for the PDF"}}}}}}
PDF = {"type": "string", "format": "binary"}
PREVIEW = {"type": "object", "additionalProperties": False, "required": ["record_id"], "properties": {
    "record_id": {"type": "integer", "minimum": 1}, "revision": {"type": ["integer", "null"], "minimum": 1}}}
RECORD = "/apps/<app_key>/forms/<form_key>/records/<int:record_id>/print"


class PreviewBody(Schema):
    class Meta:
        unknown = RAISE

    record_id = fields.Integer(required=True, validate=validate.Range(min=1))
    revision = fields.Integer(validate=validate.Range(min=1), load_default=None, allow_none=True)


def _pdf(doc: print_templates.PrintedDocument, disposition: str) -> Response:
    ascii_name = doc.filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return Response(doc.pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(doc.filename)}",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})


@route(RECORD, summary="The published print templates a reader of the record may print it with (the Print menu)",
       tag="print", response=PRINTABLE, errors=(401, 403, 404))
def list_record_print_templates(app_key, form_key, record_id):
    return jsonify(print_templates.printable_templates(runtime(), actor(), app_key, form_key, record_id, locale=reader_locale()))


@route(RECORD + "/<template_key>", summary="The record printed as a PDF with a published print template, as the reader "
       "may see it (hidden fields print nothing; dates in the reader's time zone)", tag="print", response=PDF,
       response_type="application/pdf", errors=(401, 403, 404, 422))
def print_record(app_key, form_key, record_id, template_key):
    doc = print_templates.print_record(runtime(), actor(), app_key, form_key, record_id, template_key,
                                       locale=reader_locale(), tz=reader_timezone())
    return _pdf(doc, "attachment")


@route("/apps/<app_key>/notification-templates/<template_key>/print-preview", "POST",
       summary="A print template's revision (the working one by default) printed with a record, before it is published",
       tag="print", body=PREVIEW, response=PDF, response_type="application/pdf", errors=(401, 403, 404, 422))
def preview_print_template(app_key, template_key):
    body = load_body(PreviewBody())
    doc = print_templates.preview_print(runtime(), actor(), app_key, template_key, body["record_id"],
                                        revision=body["revision"], locale=reader_locale(), tz=reader_timezone())
    return _pdf(doc, "inline")
