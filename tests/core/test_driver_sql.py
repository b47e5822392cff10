"""PostgreSQL: a statement sent on psycopg's own cursor (engine.storage.driver_sql) is seen by the engine's statement
listeners before and after as any statement is, returns its row by column name, and a driver error comes back as
SQLAlchemy's error of its kind, naming the statement; the transaction is rolled back by its owner as usual."""
import pytest
import sqlalchemy as sa

from engine.storage import driver_sql

ITEMS = sa.table("items", sa.column("id", sa.Integer), sa.column("doc", sa.JSON))
INSERT = sa.insert(ITEMS).values(id=sa.bindparam("id", type_=sa.Integer), doc=sa.bindparam("doc", type_=sa.JSON)).returning(
    ITEMS.c.id, ITEMS.c.doc)


@pytest.fixture
def engine(pg_schema_url):
    made = sa.create_engine(pg_schema_url)
    with made.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE items (id int PRIMARY KEY, doc jsonb NOT NULL)")
    yield made
    made.dispose()


def test_a_row_comes_back_by_name_and_the_listeners_see_the_statement(engine):
    seen = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: seen.append(("before", args[2])))
    sa.event.listen(engine, "after_cursor_execute", lambda *args: seen.append(("after", args[2])))
    with engine.begin() as conn:
        row = driver_sql.one_row(conn, INSERT, {"id": 1, "doc": {"name": "Acme", "tags": ["a"]}, "unused": 3})
    assert row == {"id": 1, "doc": {"name": "Acme", "tags": ["a"]}}
    assert [when for when, _ in seen] == ["before", "after"] and all("INSERT INTO items" in text for _, text in seen)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT doc ->> 'name' FROM items WHERE id = 1").scalar_one() == "Acme"


def test_a_driver_error_is_sqlalchemys_error_of_its_kind_and_nothing_is_kept(engine):
    with engine.begin() as conn:
        driver_sql.one_row(conn, INSERT, {"id": 1, "doc": {}})
    with pytest.raises(sa.exc.IntegrityError) as raised:  # a unique violation, as Connection.execute raises it
        with engine.begin() as conn:
            driver_sql.one_row(conn, INSERT, {"id": 2, "doc": {}})
            driver_sql.one_row(conn, INSERT, {"id": 1, "doc": {}})
    assert "INSERT INTO items" in str(raised.value.statement) and raised.value.orig.sqlstate == "23505"
    with engine.connect() as conn:  # the failed transaction's first insert went with it
        assert conn.exec_driver_sql("SELECT array_agg(id ORDER BY id) FROM items").scalar_one() == [1]
