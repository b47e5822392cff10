"""duplicate-check keys recomputed: look-alike letters now fold to their Latin prototype (UTS #39)

``engine.dedup`` folds Cyrillic and Greek letters that look like Latin ones (Cyrillic е, Greek Τ) onto those
letters before comparing, so keys stored before differ from the ones a new submission computes. Every published
form with a duplicate check gets its keys recomputed from its live records, the way a publish that changes the
rules does (``engine.dedup.reindex_form``; of records that now share a "refuse" key the oldest holds it).

Revision ID: 0004_dedup_confusable_keys
Revises: 0002_app_templates_dedup
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0004_dedup_confusable_keys"
down_revision = "0002_app_templates_dedup"
branch_labels = None
depends_on = None


def upgrade():
    from engine.dedup import reindex_form
    from engine.definitions import CompiledForm

    conn = op.get_bind()
    published = conn.execute(sa.text(
        "SELECT f.id, f.key, a.key AS app_key, v.definition FROM forms f JOIN apps a ON a.id = f.app_id "
        "JOIN form_versions v ON v.form_id = f.id AND v.version = f.published_version")).mappings().all()
    for row in published:
        definition = json.loads(row["definition"]) if isinstance(row["definition"], str) else row["definition"]
        if (definition.get("settings") or {}).get("duplicate_check"):
            reindex_form(conn, CompiledForm(form_id=row["id"], key=row["key"], app_key=row["app_key"], version=0,
                                            definition=definition))


def downgrade():
    pass  # the old keys can't be told apart from the new ones; a publish of each form recomputes them
