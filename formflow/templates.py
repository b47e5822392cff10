"""First-run installation of the built-in app templates (``INSTALL_TEMPLATES``, on by default).

Registered on ``formflow.STARTUP_HOOKS``: the first start of a workspace
installs every built-in template; later starts never touch the apps again, so
an admin's edits (or deletions) stay.
"""
from __future__ import annotations

import logging

from formflow import STARTUP_HOOKS
from engine.services.app_templates import install_on_first_run

log = logging.getLogger(__name__)


def install_templates_on_first_run(app, rt) -> None:
    if not app.config.get("INSTALL_TEMPLATES"):
        return

    installed = install_on_first_run(rt)
    if installed:
        log.info("installed the built-in app templates: %s", ", ".join(installed))


STARTUP_HOOKS.append(install_templates_on_first_run)
