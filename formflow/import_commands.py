"""``formflow import APP_KEY FORM_KEY PATH``: import a CSV or XLSX file with a progress bar (a thin adapter over ``engine.imports.jobs``).

Running the same command again after a crash or Ctrl-C resumes the same import
(the file is recognized by its hash): rows already committed are not imported twice.
"""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app

from engine import i18n
from flask.cli import with_appcontext

from formflow.cli import cli
import sqlalchemy as sa
from engine.errors import FormflowError
from engine.imports import jobs
from engine.imports.jobs import reason_text
from formflow.cli_text import cli_locale, error_lines, say
from engine.runtime import Actor
from engine.services.permissions import actor_roles
from engine.storage.tables import users


@cli.command("import")
@click.argument("app_key")
@click.argument("form_key")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--mapping", default=None)
@click.option("--dry-run", is_flag=True)
@click.option("--no-automations", is_flag=True)
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 5000))
@click.option("--refused", "refused_path", type=click.Path(dir_okay=False), default=None)
@click.option("--as-user", "username", default=None)
@with_appcontext
def import_file(app_key, form_key, path, mapping, dry_run, no_automations, batch_size, refused_path, username):

    rt = current_app.extensions["formflow"]
    try:
        actor = _actor(rt, username)
        data = Path(path).read_bytes()
        job = jobs.create_job(rt, actor, app_key, form_key, Path(path).name, data, run_automations=not no_automations)
        click.echo(say("import.resuming" if job["resumed"] else "import.new", id=job["id"], count=job["rows"], format=job["format"])
                   + (say("import.encoding", encoding=job["encoding"]) if job["encoding"] else ""))
        if mapping is not None:
            job = jobs.set_mapping(rt, actor, app_key, form_key, job["id"], json.loads(mapping))
        for column in job["columns"]:
            click.echo(say("import.column", header=f"{column['header']!s:<24}", field=column["field"] or say("import.skipped")))
        for missing in job["unmapped_required"]:
            click.echo(say("import.unmapped_required", field=repr(i18n.localized(missing.get("labels") or missing["label"],
                                                                                  cli_locale()))), err=True)
        if job["status"] in ("uploaded", "previewed"):
            with click.progressbar(length=job["rows"], label=say("import.checking")) as bar:
                checked = jobs.preview(rt, actor, app_key, form_key, job["id"], progress=_advance(bar), locale=cli_locale())
            _report(checked)
        if dry_run:
            click.echo(say("import.dry_run"))
        else:
            counts = jobs.get_job(rt, actor, app_key, form_key, job["id"])["progress"]
            with click.progressbar(length=counts["total"], label=say("import.importing")) as bar:
                bar.update(counts["done"])
                job = jobs.commit(rt, actor, app_key, form_key, job["id"], batch_size=batch_size,
                                  run_automations=False if no_automations else None, progress=_advance(bar))
            counts = job["counts"]
            click.echo(say("import.done", count=counts.get("committed", 0), invalid=counts.get("invalid", 0),
                           duplicate=counts.get("duplicate", 0), refused=counts.get("refused", 0)))
        if refused_path:
            with open(refused_path, "w", encoding="utf-8", newline="") as out:
                for chunk in jobs.refused_csv(rt, actor, app_key, form_key, job["id"], locale=cli_locale()):
                    out.write(chunk)
            click.echo(say("import.refused_written", path=refused_path))
    except json.JSONDecodeError as exc:
        raise click.ClickException(say("import.mapping_not_json", detail=str(exc))) from None
    except FormflowError as exc:
        for line in error_lines(exc):
            click.echo(line, err=True)
        raise click.ClickException(exc.localized(cli_locale())) from None


def _actor(rt, username):

    if username is None:
        return Actor.system()


    with rt.db.read() as conn:
        uid = conn.execute(sa.select(users.c.id).where(users.c.username == username)).scalar()
        if uid is None:
            raise click.ClickException(say("no_user", name=repr(username)))
        return Actor.user(uid, roles=actor_roles(conn, uid))


def _advance(bar):
    def progress(done, total):
        bar.update(max(0, done - bar.pos))
    return progress


def _report(job) -> None:

    counts, locale = job["counts"], cli_locale()
    click.echo(say("import.checked", valid=counts.get("valid", 0), invalid=counts.get("invalid", 0), duplicate=counts.get("duplicate", 0))
               + (say("import.already_imported", count=counts["committed"]) if counts.get("committed") else ""))
    for problem in job["problems"][:20]:  # the preview answered them in the shell's language already
        reasons = say("separator").join(reason_text(e, locale) for e in problem["errors"])
        click.echo(say("import.problem_line", line=problem["line"], reasons=reasons))
    if len(job["problems"]) > 20 or sum(counts.get(s, 0) for s in ("invalid", "duplicate")) > 20:
        click.echo(say("import.more"))
