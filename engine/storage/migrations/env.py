"""Alembic environment: runs on the connection handed over by ``Database.upgrade``."""
from alembic import context

from engine.storage.tables import metadata
import engine.storage.all_tables  # noqa: F401  (every area's tables on the metadata)

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    import os
    import sqlalchemy as sa

    connection = sa.create_engine(os.environ["DATABASE_URL"]).connect()

context.configure(connection=connection, target_metadata=metadata, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
