"""SQL statements per API operation, capped: a create, a read of one record and a list page of the CRM customer form,
each through the HTTP API with a bearer token, counted with a ``before_cursor_execute`` listener on the engine.

The caps are today's counts (transaction control included: SQLite's driver is sent an explicit ``BEGIN``); a change
that adds a statement to the request path fails here and must either be cut or raise the cap on purpose.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from engine.runtime import Actor
from engine.services import app_templates

#: statements per operation, by dialect (measured 2026-12: create 17 -> 14 -> 11 -> 9 -> 7, read 7 -> 5 -> 3 -> 2, list 8 -> 6 -> 4 -> 3 -> 2 on
#: SQLite; on PostgreSQL create 12 -> 10 -> 8 -> 5 -> 4 -> 3 -> 2, read 3 -> 2 -> 1, list 4 -> 3 -> 2 -> 1: the bearer token is answered from the credential
#: cache, and "$user" needs no look-up; a duplicate-check key is stored by one ON CONFLICT DO NOTHING insert, no savepoint;
#: the app's published forms and the form's live workflows come with the form's own look-up; on PostgreSQL the audit
#: row is written by the record's insert, which also checks the form this process saved with last, looked up no more, and the duplicate-check keys are stored, and checked against the other records' keys, by that insert too (no check
#: of their own before it); the serial number is taken by one last statement sent with the COMMIT, 2 in all, counted because it is announced to the engine's listeners like any other). psycopg's own BEGIN / ROLLBACK are not cursor statements and are not counted;
#: a read of one record and a list page run without them (Database.quick_read), and their first statement says which
#: form version is published (engine.services.served_forms): no look-up of the form of its own; a list page's capped count
#: rides in the page's own statement (engine.services.page_statements).
CAPS = {
    "sqlite": {"create": 7, "read": 2, "list": 2},
    "postgresql": {"create": 2, "read": 1, "list": 1},
}
RECORDS = "/api/apps/crm/forms/customer/records"


def _customer(i: int) -> dict:
    return {"data": {"name": f"Acme {i} Ltd", "industry": "it", "source": "web_form", "level": "main", "need": "clear",
                     "phone": f"1380000{i:04d}", "email": f"buyer{i}@acme{i}.example", "region": "east", "address": "1 Road"}}


@pytest.fixture
def counted(app, client):
    """``counted(call)`` -> (response, statements the call sent); one record exists, the caches are warm."""
    rt = app.extensions["formflow"]
    app_templates.install_template(rt, Actor.system(), "crm")
    statements: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(rt.db.engine, "before_cursor_execute", listen)

    def run(call):
        statements.clear()
        response = call()
        return response, list(statements)

    yield run
    sa.event.remove(rt.db.engine, "before_cursor_execute", listen)


def _dialect(app) -> str:
    return app.extensions["formflow"].db.engine.dialect.name


def test_statements_per_operation_are_capped(app, client, counted):
    caps = CAPS[_dialect(app)]
    first = client.post(RECORDS, json=_customer(0))  # warms the compiled-form and other per-version caches
    assert first.status_code == 201, first.get_json()
    record_id = first.get_json()["id"]
    client.get(f"{RECORDS}/{record_id}")
    client.get(f"{RECORDS}?sort=-created_at&page_size=1")

    response, sent = counted(lambda: client.post(RECORDS, json=_customer(1)))
    assert response.status_code == 201, response.get_json()
    assert len(sent) <= caps["create"], "\n".join(sent)

    response, sent = counted(lambda: client.get(f"{RECORDS}/{record_id}"))
    assert response.status_code == 200 and response.get_json()["id"] == record_id
    assert len(sent) <= caps["read"], "\n".join(sent)

    # a page with more after it: the page, its capped count in the same statement (a last page is its own total)
    response, sent = counted(lambda: client.get(f"{RECORDS}?sort=-created_at&page_size=1"))
    assert response.status_code == 200 and len(response.get_json()["items"]) == 1 and response.get_json()["total"] == 2, response.get_json()
    assert len(sent) <= caps["list"], "\n".join(sent)


def test_the_token_look_up_is_one_statement(app, client, counted):
    """The bearer token, its user and the user's roles come back in one statement, then from the credential cache; a
    revoked token still answers 401."""
    client.get("/api/apps")  # the first use stamps last_used_at (once per TOKEN_USE_RESOLUTION) and is not cached
    rt = app.extensions["formflow"]
    with rt.db.transaction() as conn:  # a credential write empties the cache: the next request looks the token up
        conn.execute(sa.text("UPDATE api_tokens SET name = name"))
    response, sent = counted(lambda: client.get("/api/apps"))
    assert response.status_code == 200
    assert sum("api_tokens" in s for s in sent) == 1 and not any(s.lstrip().upper().startswith("SELECT ROLES") for s in sent)
    response, sent = counted(lambda: client.get("/api/apps"))
    assert response.status_code == 200 and not any("api_tokens" in s for s in sent)
    with rt.db.transaction() as conn:
        conn.execute(sa.text("UPDATE api_tokens SET revoked_at = expires_at"))
    assert client.get("/api/apps").status_code == 401
