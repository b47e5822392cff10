"""JSON documents read back from the database are decoded by orjson only where that gives what ``json.loads`` gives
(engine.storage.json_loads): integers past 64 bits keep every digit, on SQLite and PostgreSQL alike."""
import json

import pytest
import sqlalchemy as sa

from engine.storage.json_loads import exact_loads
from engine.storage.types import JSONDoc

DOCUMENTS = [
    '{"name": "Ann", "age": 41, "budget": "1250.50", "score": 0.1, "tags": ["x", "z"], "active": true, "note": null}',
    '{"big": 123456789012345678901234567890, "list": [18446744073709551616, -9223372036854775809]}',
    '{"edge": 18446744073709551615, "low": -9223372036854775808, "float": 1e19, "tiny": 5e-324}',
    '{"phone": "13912345678901234567890", "n": 7}',
    '{"t": "\\u00e9\\ud83d\\ude00", "nested": {"a": [1, [2, [3.25]]]}}',
]


@pytest.mark.parametrize("document", DOCUMENTS + ['1e400', '"\\ud800"', "[" * 900 + "]" * 900])
def test_the_value_and_its_types_are_the_standard_librarys(document):
    for given in (document, document.encode(), memoryview(document.encode())):
        got, expected = exact_loads(given), json.loads(document)
        assert got == expected
        if len(document) < 200:
            assert repr(got) == repr(expected)


def test_wide_integers_keep_their_digits_through_the_database(rt):
    for document in DOCUMENTS:
        literal = document.replace("'", "''")
        stored = f"CAST('{literal}' AS JSONB)" if rt.db.dialect == "postgresql" else f"'{literal}'"
        with rt.db.read() as conn:  # the document as the database spells it (jsonb: its own key order and numbers)
            got, text = conn.execute(sa.select(sa.literal_column(stored, type_=JSONDoc),
                                               sa.literal_column(f"CAST({stored} AS TEXT)", type_=sa.Text))).one()
        expected = json.loads(text)
        assert got == expected
        assert repr(got) == repr(expected)
