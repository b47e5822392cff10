"""``formflow serve``: the production web server (gunicorn, N worker processes x M threads, WhiteNoise statics).

Options fall back to the environment (``FORMFLOW_BIND``, ``FORMFLOW_WORKERS``, ``FORMFLOW_THREADS``,
``FORMFLOW_GRACEFUL_TIMEOUT``; see ``engine.config``). The command prepares the shared metrics folder
(``PROMETHEUS_MULTIPROC_DIR``, emptied at start; a fresh temporary one when unset) and then becomes gunicorn
(``exec``), so signals reach gunicorn's master directly: SIGTERM drains the workers, SIGHUP reloads them.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from engine.config import BY_NAME, SettingError, load_settings
from engine.metrics import MULTIPROC_VARIABLE
from formflow.cli import cli
from formflow.cli_text import say


def _default(name: str):
    setting = BY_NAME[name]
    return setting.parse(setting.default)


def _metrics_folder() -> str:
    folder = os.environ.get(MULTIPROC_VARIABLE) or tempfile.mkdtemp(prefix="formflow-metrics-")
    Path(folder).mkdir(parents=True, exist_ok=True)
    for stale in Path(folder).glob("*.db"):  # counters of a previous run must not be added to this one's
        stale.unlink()
    return folder


def gunicorn_argv(bind: str, workers: int, threads: int, graceful_timeout: float) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "--config", "python:formflow.gunicorn_conf", "--bind", bind,
            "--workers", str(workers), "--threads", str(threads), "--graceful-timeout", f"{graceful_timeout:g}",
            "formflow.wsgi:application"]


@cli.command("serve", with_appcontext=False)
@click.option("--bind", "-b", default=None)
@click.option("--workers", "-w", type=click.IntRange(1, 256), default=None)
@click.option("--threads", type=click.IntRange(1, 256), default=None)
@click.option("--graceful-timeout", type=click.FloatRange(min=0, min_open=True), default=None)
def serve(bind: str | None, workers: int | None, threads: int | None, graceful_timeout: float | None):
    try:
        settings = load_settings()
    except SettingError as exc:
        raise click.UsageError(str(exc)) from None
    bind = bind or settings.get("BIND") or _default("FORMFLOW_BIND")
    workers = workers or settings.get("WORKERS") or _default("FORMFLOW_WORKERS")
    threads = threads or settings.get("THREADS") or _default("FORMFLOW_THREADS")
    graceful_timeout = graceful_timeout or settings.get("GRACEFUL_TIMEOUT") or _default("FORMFLOW_GRACEFUL_TIMEOUT")
    os.environ[MULTIPROC_VARIABLE] = _metrics_folder()
    argv = gunicorn_argv(bind, workers, threads, graceful_timeout)
    click.echo(say("serve.started", workers=say("serve.workers", count=workers), threads=say("serve.threads", count=threads),
                   bind=bind), err=True)
    sys.stdout.flush()
    os.execv(argv[0], argv)
