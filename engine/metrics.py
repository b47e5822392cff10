"""Operational metrics in the Prometheus text format (``prometheus-client``).

Two sources. Request counts and latencies are measured in each web process (``observe_request``); under
``formflow serve`` every gunicorn worker writes them to ``PROMETHEUS_MULTIPROC_DIR`` and a scrape of any worker
adds them up. What the scheduler processes do is read from the database at scrape time (``DatabaseCollector``):
the due-event backlog and how late its oldest row is, the outbox depth, and deliveries by channel and outcome.
Reading the tables, not counting in memory, keeps those numbers right however many schedulers run on however
many hosts, and across restarts.
"""
from __future__ import annotations

import os
from typing import Iterable

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from engine.workflows.tables import due_events, outbox

#: request latency buckets, in seconds (a page or an API call: 2 ms to 10 s)
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: the environment variable naming the directory gunicorn workers share their counters in
MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
#: the content type of a scrape
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

disable_created_metrics()  # no *_created series: one sample per counter keeps scrapes small

#: this process's request metrics (in multiprocess mode their values live in files, summed at scrape time)
REQUEST_REGISTRY = CollectorRegistry()
REQUESTS = Counter("formflow_http_requests", "HTTP requests answered, by route and status",
                   ["method", "route", "status"], registry=REQUEST_REGISTRY)
LATENCY = Histogram("formflow_http_request_duration_seconds", "time to answer an HTTP request, by route",
                    ["method", "route"], buckets=LATENCY_BUCKETS, registry=REQUEST_REGISTRY)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request; ``route`` is the rule (``/api/apps/<app_key>/...``), never the raw path."""
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


class DatabaseCollector(Collector):
    """Scheduler and outbox state, read from the database at each scrape."""

    def __init__(self, rt) -> None:
        self.rt = rt

    def collect(self) -> Iterable[Metric]:
        now = self.rt.clock.now()
        with self.rt.db.read() as conn:
            backlog, oldest = conn.execute(sa.select(sa.func.count(), sa.func.min(due_events.c.fire_at))
                                           .where(due_events.c.status == "pending", due_events.c.fire_at <= now)).one()
            running = conn.execute(sa.select(sa.func.count()).where(due_events.c.status == "running")).scalar_one()
            by_status = conn.execute(sa.select(outbox.c.channel, outbox.c.status, sa.func.count())
                                     .group_by(outbox.c.channel, outbox.c.status)).all()
        yield GaugeMetricFamily("formflow_due_events_backlog", "due events whose time has come and that no scheduler "
                                "has run yet", value=backlog)
        yield GaugeMetricFamily("formflow_due_events_running", "due events a scheduler is running now", value=running)
        yield GaugeMetricFamily("formflow_scheduler_lag_seconds", "how late the oldest due event not yet run is "
                                "(0 when none is waiting)", value=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        depth = GaugeMetricFamily("formflow_outbox_depth", "messages waiting to be sent, by channel", labels=["channel"])
        deliveries = CounterMetricFamily("formflow_deliveries", "messages delivered or given up on, by channel and "
                                         "outcome", labels=["channel", "outcome"])
        for channel, status, count in by_status:
            if status == "pending":
                depth.add_metric([channel], count)
            else:
                deliveries.add_metric([channel, status], count)
        yield depth
        yield deliveries


def scrape(rt) -> bytes:
    """The text a ``GET /metrics`` answers: this process's (or every worker's) requests plus the database's state."""
    if os.environ.get(MULTIPROC_VARIABLE):
        requests = CollectorRegistry()
        multiprocess.MultiProcessCollector(requests)
    else:
        requests = REQUEST_REGISTRY
    database = CollectorRegistry()
    database.register(DatabaseCollector(rt))
    return generate_latest(requests) + generate_latest(database)


def worker_exited(pid: int) -> None:
    """Gunicorn's ``child_exit``: fold a dead worker's live gauges away (its counters stay counted)."""
    if os.environ.get(MULTIPROC_VARIABLE):
        multiprocess.mark_process_dead(pid)
