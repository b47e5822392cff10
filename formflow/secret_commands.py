"""``formflow seal-secrets``: move workflow secrets still stored as text into the encrypted store.

Definitions saved before secrets were kept apart (``engine.secrets``) may still hold a robot URL or
signing secret as text; responses already mask them, and this command moves them out of the
definitions (drafts and published versions) into ``definition_secrets``, encrypted with this
instance's SECRET_KEY. Run it once after upgrading; running it again changes nothing.
"""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from formflow.cli import cli
from formflow.cli_text import say
from engine.workflows.secrets import seal_stored


@cli.command("seal-secrets")
@with_appcontext
def seal_secrets():

    counts = seal_stored(current_app.extensions["formflow"])
    click.echo(say("secrets.sealed", drafts=say("secrets.drafts", count=counts["drafts"]),
                   versions=say("secrets.versions", count=counts["versions"])))
