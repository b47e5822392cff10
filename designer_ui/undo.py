"""Undo for the destructive actions the engine can take back (archive a form or app, deactivate a user, take people
off a team, revoke a public link): the action's route calls ``offer_undo`` and the next page shows a toast (base.html)
saying what was done, with an Undo button posting to a route that restores through the same service (unarchive,
reactivate, put the people back, restore the link), with the same rights checks as any other request. A delete that
is final keeps its typed confirmation instead.
"""
from __future__ import annotations

from flask import flash

#: most ids one toast carries back (the session cookie is small); more taken off at once: no undo offered
MAX_UNDO_IDS = 100


def offer_undo(text: str, action: str, **fields) -> bool:
    """Show ``text`` with an Undo button posting ``fields`` to ``action`` (a URL of this site); False if too big to offer."""
    if any(isinstance(v, (list, tuple)) and len(v) > MAX_UNDO_IDS for v in fields.values()):
        flash(text, "success")
        return False
    flash({"text": text, "action": action, "fields": {k: list(v) if isinstance(v, (list, tuple)) else v for k, v in fields.items()}},
          "undo")
    return True
