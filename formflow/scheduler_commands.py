"""``formflow scheduler``: the process that runs timed workflows (never started inside web workers).

It runs APScheduler with ONE interval job; each tick claims due rows in
batches and delivers the outbox (see ``engine.scheduler``). Run as many as
you like against PostgreSQL: ``FOR UPDATE SKIP LOCKED`` splits the work and
the outbox keys keep every notification single. ``--once`` runs one tick and
prints what it did (for cron-style deployments and smoke checks).
``--senders N`` (default 2) sends the outbox from N extra processes while this one
keeps running due rows: a burst of reminders then uses every core (0: each tick sends inline).
"""
from __future__ import annotations

import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from formflow.cli import cli
from formflow.cli_text import say
from engine.scheduler import DEFAULT_SENDERS, DUE_BATCH, TICK_SECONDS, Scheduler, tick


@cli.command("scheduler")
@click.option("--interval", default=float(TICK_SECONDS), show_default=True, envvar="FORMFLOW_SCHEDULER_INTERVAL", show_envvar=True)
@click.option("--batch", default=DUE_BATCH, show_default=True, envvar="FORMFLOW_SCHEDULER_BATCH", show_envvar=True)
@click.option("--senders", default=DEFAULT_SENDERS, show_default=True, type=click.IntRange(0, 64), envvar="FORMFLOW_SCHEDULER_SENDERS",
              show_envvar=True)
@click.option("--once", is_flag=True)
@with_appcontext
def scheduler_command(interval: float, batch: int, senders: int, once: bool):

    rt = current_app.extensions["formflow"]
    if once:
        report = tick(rt, limit=batch)
        click.echo(say("scheduler.tick", claimed=report.claimed, done=report.done, skipped=report.skipped, cancelled=report.cancelled,
                       failed=report.failed, sent=report.delivery.sent, retrying=report.delivery.retried,
                       undelivered=report.delivery.failed))
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    service = Scheduler(rt, interval=interval, limit=batch, senders=senders)
    service.start()
    sending = say("scheduler.senders", count=senders) if senders else say("scheduler.inline")
    click.echo(say("scheduler.running", interval=f"{interval:g}", batch=batch, sending=sending))
    stop.wait()
    service.shutdown()
    click.echo(say("scheduler.stopped", count=service.ticks))
