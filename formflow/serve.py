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

from engine.config import SettingError, load_settings
from engine.metrics import MULTIPROC_VARIABLE
from formflow.cli import cli
from formflow.cli_help import SettingOption
from formflow.cli_text import say


def _setting_value(ctx: click.Context, name: str, given, settings: dict):
    """An option's value: as given, else its setting's (environment or config file), else the setting's default
    (the same setting its help names: cli_help.SettingOption)."""
    if given:
        return given
    setting = next(p for p in ctx.command.params if p.name == name).setting
    return settings.get(setting.key) or setting.parse(setting.default)


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
@click.option("--bind", "-b", cls=SettingOption, setting="FORMFLOW_BIND", default=None)
@click.option("--workers", "-w", cls=SettingOption, setting="FORMFLOW_WORKERS", type=click.IntRange(1, 256), default=None)
@click.option("--threads", cls=SettingOption, setting="FORMFLOW_THREADS", type=click.IntRange(1, 256), default=None)
@click.option("--graceful-timeout", cls=SettingOption, setting="FORMFLOW_GRACEFUL_TIMEOUT", type=click.FloatRange(min=0, min_open=True),
              default=None)
@click.pass_context
def serve(ctx: click.Context, bind: str | None, workers: int | None, threads: int | None, graceful_timeout: float | None):
    try:
        settings = load_settings()
    except SettingError as exc:
        raise click.UsageError(str(exc)) from None
    bind = _setting_value(ctx, "bind", bind, settings)
    workers = _setting_value(ctx, "workers", workers, settings)
    threads = _setting_value(ctx, "threads", threads, settings)
    graceful_timeout = _setting_value(ctx, "graceful_timeout", graceful_timeout, settings)
    os.environ[MULTIPROC_VARIABLE] = _metrics_folder()
    argv = gunicorn_argv(bind, workers, threads, graceful_timeout)
    click.echo(say("serve.started", workers=say("serve.workers", count=workers), threads=say("serve.threads", count=threads),
                   bind=bind), err=True)
    sys.stdout.flush()
    os.execv(argv[0], argv)
