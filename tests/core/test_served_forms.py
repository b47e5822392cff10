"""A read starts from the form version this process served last and its first statement says whether that version is
still the published one (engine.services.served_forms): another worker's publish, or a form deleted and made again under
the same key, is seen by the next read of this one. Two runtimes on one database stand for two gunicorn workers."""
import pytest
import sqlalchemy as sa

from engine.errors import NotFound
from engine.runtime import Actor, Runtime
from engine.services import app_admin, forms as fs, queries, records, served_forms

SYSTEM = Actor.system()
NAME = {"id": "name", "type": "text", "label": "Name", "filterable": True}
CITY = {"id": "city", "type": "text", "label": "City", "filterable": True}


def _form(rt, fields):
    fs.create_form(rt, SYSTEM, "shop", {"key": "buyer", "label": "Buyer", "fields": fields})
    fs.publish_form(rt, SYSTEM, "shop", "buyer")


@pytest.fixture
def other(db_url, clock, rt):
    """Another worker: its own runtime (its own caches) on the same database."""
    worker = Runtime.open(db_url, clock=clock, migrate=False)
    yield worker
    worker.db.dispose()


def _statements(rt):
    sent: list[str] = []
    sa.event.listen(rt.db.engine, "before_cursor_execute", lambda conn, cursor, statement, *_: sent.append(statement))
    return sent


def test_another_workers_publish_is_seen_by_the_next_list_and_read(rt, other):
    fs.create_app(rt, SYSTEM, "shop", "Shop")
    _form(rt, [NAME])
    made = records.create_record(rt, SYSTEM, "shop", "buyer", {"name": "Ann"})
    assert queries.list_records(other, SYSTEM, "shop", "buyer", queries.Query())["total"] == 1
    assert records.get_record(other, SYSTEM, "shop", "buyer", made["id"])["data"] == {"name": "Ann"}
    sent = _statements(other)
    queries.list_records(other, SYSTEM, "shop", "buyer", queries.Query())
    records.get_record(other, SYSTEM, "shop", "buyer", made["id"])
    assert not any("published_version" in s and "records" not in s for s in sent), sent  # no look-up of its own

    fs.save_draft(rt, SYSTEM, "shop", "buyer", {"key": "buyer", "label": "Buyer", "fields": [NAME, CITY]})
    fs.publish_form(rt, SYSTEM, "shop", "buyer")  # in the first worker
    records.update_record(rt, SYSTEM, "shop", "buyer", made["id"], {"city": "Paris"})
    assert records.get_record(other, SYSTEM, "shop", "buyer", made["id"])["data"] == {"name": "Ann", "city": "Paris"}
    assert served_forms.last_served(other, "shop", "buyer").version == 2  # the read's own statement told it
    by_city = queries.Query(filters=[queries.Filter("city", "eq", "Paris")])  # a field only version 2 has
    assert [r["id"] for r in queries.list_records(other, SYSTEM, "shop", "buyer", by_city)["items"]] == [made["id"]]


def test_a_form_deleted_and_made_again_under_its_key_is_read_anew(rt, other):
    fs.create_app(rt, SYSTEM, "shop", "Shop")
    _form(rt, [NAME])
    old = records.create_record(rt, SYSTEM, "shop", "buyer", {"name": "Old"})
    fs.create_form(rt, SYSTEM, "shop", {"key": "seller", "label": "Seller", "fields": [NAME]})  # SQLite reuses the last ids
    fs.publish_form(rt, SYSTEM, "shop", "seller")
    records.create_record(rt, SYSTEM, "shop", "seller", {"name": "Sam"})
    assert queries.list_records(other, SYSTEM, "shop", "buyer", queries.Query())["total"] == 1
    records.get_record(other, SYSTEM, "shop", "buyer", old["id"])

    app_admin.delete_form(rt, SYSTEM, "shop", "buyer", confirm="buyer")
    _form(rt, [NAME, CITY])
    new = records.create_record(rt, SYSTEM, "shop", "buyer", {"name": "New", "city": "Rome"})
    page = queries.list_records(other, SYSTEM, "shop", "buyer", queries.Query())
    assert [r["data"]["name"] for r in page["items"]] == ["New"] and page["total"] == 1
    with pytest.raises(NotFound):
        records.get_record(other, SYSTEM, "shop", "buyer", old["id"])
    assert records.get_record(other, SYSTEM, "shop", "buyer", new["id"])["data"]["city"] == "Rome"


def test_an_empty_page_of_a_list_without_a_total_still_checks_the_version(rt, other):
    fs.create_app(rt, SYSTEM, "shop", "Shop")
    _form(rt, [NAME])
    quiet = queries.Query(count=False, filters=[queries.Filter("name", "eq", "nobody")])
    assert queries.list_records(other, SYSTEM, "shop", "buyer", quiet)["items"] == []
    fs.save_draft(rt, SYSTEM, "shop", "buyer", {"key": "buyer", "label": "Buyer", "fields": [NAME, CITY]})
    fs.publish_form(rt, SYSTEM, "shop", "buyer")
    assert queries.list_records(other, SYSTEM, "shop", "buyer", quiet)["items"] == []  # no row to carry the version
    assert served_forms.last_served(other, "shop", "buyer").version == 2


def test_a_form_deleted_here_is_not_served_again_when_its_id_comes_back(rt):
    """SQLite gives a deleted form's id (and version 1) to the next form: the runtime forgot it, so reads look it up."""
    fs.create_app(rt, SYSTEM, "shop", "Shop")
    _form(rt, [NAME])
    old = records.create_record(rt, SYSTEM, "shop", "buyer", {"name": "Old"})
    records.get_record(rt, SYSTEM, "shop", "buyer", old["id"])
    app_admin.delete_form(rt, SYSTEM, "shop", "buyer", confirm="buyer")
    assert served_forms.last_served(rt, "shop", "buyer") is None
    _form(rt, [NAME, CITY])
    new = records.create_record(rt, SYSTEM, "shop", "buyer", {"name": "New", "city": "Rome"})
    assert records.get_record(rt, SYSTEM, "shop", "buyer", new["id"])["data"] == {"name": "New", "city": "Rome"}
    assert "city" in served_forms.last_served(rt, "shop", "buyer").by_id
