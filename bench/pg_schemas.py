"""A throw-away PostgreSQL schema for one bench run: made before, dropped after, so runs never see each other's rows."""
from __future__ import annotations

import uuid
from urllib.parse import quote

import sqlalchemy as sa


def new_schema(base: str, prefix: str = "bench") -> tuple[str, str]:
    """A new empty schema in the database at *base*: its name, and *base* with that schema as the search path."""
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    sep = "&" if "?" in base else "?"
    return schema, f"{base}{sep}options={quote(f'-csearch_path={schema}')}"


def drop_schema(base: str, schema: str) -> None:
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()
