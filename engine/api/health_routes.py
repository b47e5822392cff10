"""Operations endpoints, outside the API and the sign-in wall: ``/healthz``, ``/readyz`` and ``/metrics``.

``/healthz`` says the process answers (a liveness probe: no database). ``/readyz`` says it may take traffic
(database reachable, schema current), 503 with the reasons otherwise. ``/metrics`` is the Prometheus text of
``engine.metrics``; keep it on the internal network (it names routes and queue depths, never data).
Every request is timed here by its route rule, not its path, so ids don't explode the label set.
"""
from __future__ import annotations

import time

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request

from engine import metrics
from engine.health import readiness

bp = Blueprint("ops", __name__)
#: endpoints the request metrics leave out (a scrape must not count itself)
UNTIMED_ENDPOINTS = frozenset({"ops.metrics_endpoint"})


@bp.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    problems = readiness(current_app.extensions["formflow"])
    if problems:
        response = jsonify({"status": "unavailable", "reasons": problems})
        response.status_code = 503
        response.headers["Retry-After"] = "5"
        return response
    return jsonify({"status": "ready"})


@bp.get("/metrics")
def metrics_endpoint():
    return Response(metrics.scrape(current_app.extensions["formflow"]), mimetype=None,
                    headers={"Content-Type": metrics.CONTENT_TYPE, "Cache-Control": "no-store"})


def _start_timer():
    g.request_started = time.perf_counter()


def _observe(response):
    started = g.pop("request_started", None)
    if started is not None and request.endpoint not in UNTIMED_ENDPOINTS:
        route = request.url_rule.rule if request.url_rule is not None else "(unmatched)"
        metrics.observe_request(request.method, route, response.status_code, time.perf_counter() - started)
    return response


def init_app(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)  # first: time authentication too
    app.after_request(_observe)
    app.register_blueprint(bp)
