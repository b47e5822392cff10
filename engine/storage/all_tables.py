"""Imports every module that defines tables, so the metadata is complete.

Each area adds one import line here when it adds tables.
"""
import engine.storage.tables  # noqa: F401
import engine.storage.automation_tables  # noqa: F401
import engine.storage.access_tables  # noqa: F401
import engine.storage.app_template_tables  # noqa: F401
import engine.notifications.tables  # noqa: F401
import engine.workflows.tables  # noqa: F401
import engine.storage.dashboard_tables  # noqa: F401
import engine.imports.tables  # noqa: F401
import engine.storage.approval_tables  # noqa: F401
import engine.storage.secret_tables  # noqa: F401
import engine.storage.rate_limit_tables  # noqa: F401
import engine.storage.idempotency_tables  # noqa: F401
import engine.storage.view_tables  # noqa: F401
import engine.storage.comment_tables  # noqa: F401
