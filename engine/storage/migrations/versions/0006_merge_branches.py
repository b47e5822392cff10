"""merge every feature branch into one head, so ``alembic upgrade head`` works

Each feature grew its own branch from 0001_core (labelled: access, dedup, approvals, automations, dashboards,
imports, notification_templates, workflows, attachments, idempotency, rate_limits); this revision joins their
heads. A new migration revises ``0006_merge_branches`` (or a later head): there is always exactly one head
(tests/core/test_setup.py checks it).

Revision ID: 0006_merge_branches
Revises: the eleven branch heads below
"""
revision = "0006_merge_branches"
down_revision = (
    "0002_access", "0004_dedup_confusable_keys", "0002_approvals", "0002_automation_links", "0003_chart_rollups",
    "0002_imports", "0002_notification_templates", "0004_definition_secrets", "0004_attachment_bindings",
    "0005_idempotency_keys", "0005_rate_limit_hits",
)
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
