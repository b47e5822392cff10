"""API answers are encoded by orjson (formflow.json_provider) and say what Flask's default encoder said: keys in the
order given, UTF-8 text, dates as HTTP dates, decimals as strings; what orjson refuses goes to the standard library."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal

from flask import jsonify
from flask.json.provider import DefaultJSONProvider

from formflow.json_provider import OrjsonProvider


def _flask_default(app) -> DefaultJSONProvider:
    provider = DefaultJSONProvider(app)
    provider.sort_keys, provider.ensure_ascii = False, False
    return provider


def test_answers_are_the_bytes_flask_sent(app):
    assert isinstance(app.json, OrjsonProvider)
    samples = [{"z": 1, "a": "客户", 3: datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc), "d": Decimal("1.50")},
               [2 ** 70, -2 ** 65], {"nested": [{"b": True, "n": None, "f": 1.25}]}, "plain"]
    with app.app_context():
        for sample in samples:
            assert jsonify(sample).get_data() == _flask_default(app).response(sample).get_data()
            assert json.loads(app.json.dumps(sample)) == json.loads(_flask_default(app).dumps(sample))
        assert jsonify(a=1).get_data() == b'{"a":1}\n' and jsonify(1, 2).get_data() == b"[1,2]\n" and jsonify().get_data() == b"null\n"


def test_the_api_answers_through_it(client):
    response = client.get("/api/apps")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == {"items": []}
