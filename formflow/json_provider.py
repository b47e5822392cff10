"""JSON responses encoded by orjson, with what Flask's default provider does kept: keys in insertion order, UTF-8 text,
dates as HTTP dates, decimals and UUIDs as strings, compact unless debugging. Anything orjson refuses (an integer past
64 bits, a lone surrogate) is handed to the standard library as before. One difference, on purpose: a NaN or infinity
goes out as ``null`` (JSON has no NaN; json.dumps wrote an invalid ``NaN``).

Request bodies are still parsed by the standard library: it accepts what clients sent before (NaN, huge integers) and
the API's own checks refuse what they must with their paths.
"""
from __future__ import annotations

from typing import Any

import orjson
from flask import Response
from flask.json.provider import DefaultJSONProvider

#: dict keys need not be strings (json.dumps allows ints); dates go to ``default`` for Flask's format
ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


class OrjsonProvider(DefaultJSONProvider):
    """``app.json``: ``dumps`` and ``response`` through orjson, ``loads`` as Flask's."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs:  # json.dumps options asked for (indent, sort_keys...): the standard library honours them
            return super().dumps(obj, **kwargs)
        encoded = self._encoded(obj)
        return encoded.decode() if isinstance(encoded, bytes) else encoded

    def response(self, *args: Any, **kwargs: Any) -> Response:
        if (self.compact is None and self._app.debug) or self.compact is False:
            return super().response(*args, **kwargs)  # indented for people
        if args and kwargs:
            raise TypeError("app.json.response() takes either args or kwargs, not both")
        obj = (args[0] if len(args) == 1 else list(args)) if args else (kwargs or None)
        encoded = self._encoded(obj)
        return self._app.response_class(encoded + (b"\n" if isinstance(encoded, bytes) else "\n"), mimetype=self.mimetype)

    def _encoded(self, obj: Any) -> bytes | str:
        """orjson's bytes, or else json.dumps's text (sorted keys asked for, or something orjson refuses)."""
        if not self.sort_keys:
            try:
                return orjson.dumps(obj, default=self.default, option=ORJSON_OPTIONS)
            except TypeError:  # orjson.JSONEncodeError included
                pass
        return super().dumps(obj, separators=(",", ":"))
