"""team managers: the users who manage a team (their "team" scope covers its members; a member's manager when they have none)

Revision ID: 0011_team_managers
Revises: 0010_print_comment_edits
"""
from alembic import op
import sqlalchemy as sa

revision = "0011_team_managers"
down_revision = "0010_print_comment_edits"
branch_labels = ("team_managers",)
depends_on = None


def upgrade():
    op.create_table(
        "team_managers",
        sa.Column("team_id", sa.Integer(), sa.ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_index("ix_team_managers_user", "team_managers", ["user_id"])


def downgrade():
    op.drop_table("team_managers")
