"""Storage: SQLAlchemy tables, the Database handle and Alembic migrations.

SQLite (a file in the instance folder, WAL) is the embedded default;
PostgreSQL via ``DATABASE_URL`` is the scale path. All times are stored UTC.
"""
from engine.storage.db import Database  # noqa: F401
