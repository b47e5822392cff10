"""REST routes of the import area (``engine.imports.jobs``): upload, mapping, preview, commit, progress, refused rows.

The commit runs in the request (batches, each its own transaction); a client
that loses the connection can ``POST .../commit`` again: rows already
committed stay committed and the rest continue.
"""
from __future__ import annotations

from flask import Response, jsonify, request, stream_with_context

from engine.api import actor, caller_locale, load_body, refusals, route, runtime
from engine.i18n import normalize_locale
from engine.imports import jobs

JOB = {"type": "object", "properties": {"id": {"type": "integer"}, "status": {"type": "string"}, "mapping": {"type": "object"},
                                        "counts": {"type": "object"}, "progress": {"type": "object"}, "columns": {"type": "array"}}}
UPLOAD_BODY = {"type": "object", "required": ["file"], "properties": {
    "file": {"type": "string", "format": "binary", "description": "the CSV or XLSX file"},
    "run_automations": {"type": "string", "enum": ["true", "false"], "description": "run automations and timed workflows (default true)"}}}
MAPPING_BODY = {"type": "object", "required": ["mapping"], "additionalProperties": False, "properties": {
    "mapping": {"type": "object", "additionalProperties": {"type": ["string", "null"]},
                "description": "column index or title -> field id or name (null: skip the column)"},
    "run_automations": {"type": "boolean"}}}
COMMIT_BODY = {"type": "object", "additionalProperties": False, "properties": {
    "run_automations": {"type": "boolean"}, "batch_size": {"type": "integer", "minimum": 1, "maximum": 5000}}}
BASE = "/apps/<app_key>/forms/<form_key>/imports"


def _flag(value, path: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise refusals.not_boolean(path.strip("/"))


@route(BASE, "POST", summary="Upload a CSV or XLSX file (multipart 'file'): a new import with a suggested column mapping",
       tag="imports", body=UPLOAD_BODY, body_content_type="multipart/form-data", response=JOB, status=201, errors=(403, 404, 422))
def upload_import(app_key, form_key):
    upload = request.files.get("file")
    if upload is None:
        raise refusals.refused("error.body.no_file", "error.body.file_missing", "/file", code="required")
    data = upload.read(jobs.MAX_UPLOAD_BYTES + 1)
    job = jobs.create_job(runtime(), actor(), app_key, form_key, upload.filename or "upload", data,
                          run_automations=_flag(request.form.get("run_automations"), "/run_automations") is not False)
    return jsonify(job), 200 if job["resumed"] else 201


@route(BASE, summary="The form's recent imports", tag="imports", response={"type": "object"}, errors=(403, 404))
def list_imports(app_key, form_key):
    return jsonify({"items": jobs.list_jobs(runtime(), actor(), app_key, form_key)})


@route(BASE + "/<int:job_id>", summary="One import: mapping, counts per state and commit progress", tag="imports",
       response=JOB, errors=(403, 404))
def get_import(app_key, form_key, job_id):
    return jsonify(jobs.get_job(runtime(), actor(), app_key, form_key, job_id))


@route(BASE + "/<int:job_id>/mapping", "PUT", summary="Set the column mapping (rows go back to be previewed)", tag="imports",
       body=MAPPING_BODY, response=JOB, errors=(403, 404, 409, 422))
def put_import_mapping(app_key, form_key, job_id):
    body = load_body()
    if not isinstance(body, dict) or not isinstance(body.get("mapping"), dict):
        raise refusals.refused("error.body.mapping_shape", "error.body.expected_object", "/mapping")
    return jsonify(jobs.set_mapping(runtime(), actor(), app_key, form_key, job_id, body["mapping"],
                                    run_automations=_flag(body.get("run_automations"), "/run_automations")))


@route(BASE + "/<int:job_id>/preview", "POST", summary="Clean, validate and check duplicates without saving: per-row problems",
       tag="imports", response=JOB, errors=(403, 404, 409))
def preview_import(app_key, form_key, job_id):
    return jsonify(jobs.preview(runtime(), actor(), app_key, form_key, job_id, locale=caller_locale()))


@route(BASE + "/<int:job_id>/commit", "POST", summary="Create the records of the valid rows in batches (safe to repeat)",
       tag="imports", body=COMMIT_BODY, body_required=False, response=JOB, errors=(403, 404, 422))
def commit_import(app_key, form_key, job_id):
    body = load_body(required=False) or {}
    if not isinstance(body, dict):
        raise refusals.not_an_object()
    batch = body.get("batch_size", jobs.COMMIT_BATCH)
    if isinstance(batch, bool) or not isinstance(batch, int) or not 1 <= batch <= 5000:
        raise refusals.not_whole_number("batch_size", 1, 5000)
    return jsonify(jobs.commit(runtime(), actor(), app_key, form_key, job_id, batch_size=batch,
                               run_automations=_flag(body.get("run_automations"), "/run_automations")))


@route(BASE + "/<int:job_id>/refused.csv", summary="The rows not imported, with the reason, as CSV", tag="imports",
       response={"type": "string"}, response_type="text/csv", errors=(403, 404))
def refused_import_rows(app_key, form_key, job_id):
    chunks = jobs.refused_csv(runtime(), actor(), app_key, form_key, job_id, locale=_downloader_locale())
    first = next(chunks)  # the job is looked up (404 / 403) before the response starts
    return Response(stream_with_context(_chained(first, chunks)), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{app_key}-{form_key}-import-{job_id}-refused.csv"',
        "X-Content-Type-Options": "nosniff"})


def _downloader_locale() -> str | None:
    """The language of the person downloading: ?lang= (the import screen's link names the page's), else the caller's."""
    chosen = request.args.get("lang")
    return normalize_locale(chosen) if chosen else caller_locale()


def _chained(first, rest):
    yield first
    yield from rest
