"""The one cache of compiled artefacts, held by the ``Runtime``: forms, workflows, notification templates, dashboards.

Everything users write is compiled once per version and run many times. A
compiled artefact is stored under ``(kind, key)`` where ``key`` names an
immutable version (a form's id and version, a workflow's version and its
form's version, a template revision and the versions of its app's forms, a
dashboard's revision and its forms' versions), so an entry never goes stale:
a new version is a new key. One policy for all: a bounded LRU
(``MAX_CACHED_ARTEFACTS`` entries in all); the least recently used entry
goes first. Thread-safe; a build runs outside the lock (two threads may
build the same artefact once each, and the second result is kept).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable, TypeVar

__all__ = ["VersionCache", "MAX_CACHED_ARTEFACTS"]

#: Compiled artefacts one runtime keeps in memory, all kinds together.
MAX_CACHED_ARTEFACTS = 2_048

T = TypeVar("T")


class VersionCache:
    """Compiled artefacts by ``(kind, key)``; a bounded LRU."""

    def __init__(self, size: int = MAX_CACHED_ARTEFACTS):
        self.size = size
        self._items: "OrderedDict[tuple[str, Hashable], Any]" = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, kind: str, key: Hashable, build: Callable[[], T]) -> T:
        """The artefact stored under ``(kind, key)``, built by ``build()`` and kept if missing (an exception keeps nothing)."""
        full = (kind, key)
        with self._lock:
            if full in self._items:
                self._items.move_to_end(full)
                self.hits += 1
                return self._items[full]
            self.misses += 1
        value = build()
        with self._lock:
            self._items[full] = value
            self._items.move_to_end(full)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def peek(self, kind: str, key: Hashable) -> Any:
        """The artefact stored under ``(kind, key)``, or None; builds nothing and counts no hit."""
        with self._lock:
            return self._items.get((kind, key))

    def forget(self, kind: str, match: Callable[[Any], bool]) -> int:
        """Drop the entries of ``kind`` whose key ``match`` accepts (a deleted form: a later one may reuse its id)."""
        with self._lock:
            gone = [k for k in self._items if k[0] == kind and match(k[1])]
            for k in gone:
                del self._items[k]
        return len(gone)

    def forget_held(self, kind: str, match: Callable[[Any], bool]) -> int:
        """Drop the entries of ``kind`` whose artefact ``match`` accepts (one compiled from what changed since)."""
        with self._lock:
            gone = [k for k, v in self._items.items() if k[0] == kind and match(v)]
            for k in gone:
                del self._items[k]
        return len(gone)

    def __len__(self) -> int:
        return len(self._items)

    def kinds(self) -> dict[str, int]:
        """How many entries each kind holds (for health pages and tests)."""
        with self._lock:
            out: dict[str, int] = {}
            for kind, _ in self._items:
                out[kind] = out.get(kind, 0) + 1
        return out
