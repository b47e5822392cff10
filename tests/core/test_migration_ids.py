"""Every Alembic revision id fits ``alembic_version.version_num`` (VARCHAR(32)): PostgreSQL refuses a longer one when
it upgrades, SQLite stores it anyway, so a long id breaks only PostgreSQL (the issue-19 browser walk on PostgreSQL met
one: "value too long for type character varying(32)")."""
from __future__ import annotations

from alembic.script import ScriptDirectory

from engine.storage.db import alembic_config

#: the width Alembic gives alembic_version.version_num
VERSION_NUM_WIDTH = 32


def test_every_revision_id_fits_the_version_table():
    script = ScriptDirectory.from_config(alembic_config())
    too_long = {r.revision: len(r.revision) for r in script.walk_revisions() if len(r.revision) > VERSION_NUM_WIDTH}
    assert too_long == {}, f"revision ids longer than {VERSION_NUM_WIDTH} characters: {too_long}"
