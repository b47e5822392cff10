"""pre-aggregated chart cells, maintained by triggers on records (PostgreSQL)

Revision ID: 0003_chart_rollups
Revises: 0002_dashboards_web_forms
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy import Text
import engine.storage.types

revision = "0003_chart_rollups"
down_revision = "0002_dashboards_web_forms"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")
UTC = engine.storage.types.UTCDateTime(timezone=True)


def upgrade():
    op.create_table(
        "chart_rollups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sig", sa.String(length=64), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("spec", JSON, nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("compacted_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["form_id"], ["forms.id"], name=op.f("fk_chart_rollups_form_id_forms"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chart_rollups")),
        sa.UniqueConstraint("sig", name=op.f("uq_chart_rollups_sig")),
    )
    op.create_table(
        "chart_cells",
        sa.Column("rollup_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("k", sa.Text(), nullable=True),
        sa.Column("d", sa.Text(), nullable=True),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("s", sa.Numeric(), nullable=True),
        sa.Column("c", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["rollup_id"], ["chart_rollups.id"], name=op.f("fk_chart_cells_rollup_id_chart_rollups"),
                                ondelete="CASCADE"),
    )
    op.create_index("ix_chart_cells_rollup_d", "chart_cells", ["rollup_id", "d"])


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS formflow_cells_{event} ON records")
            op.execute(f"DROP FUNCTION IF EXISTS formflow_cells_{event}()")
    op.drop_index("ix_chart_cells_rollup_d", table_name="chart_cells")
    op.drop_table("chart_cells")
    op.drop_table("chart_rollups")
