"""The runtime every service receives: database, clock, configuration, caches, and the features' pipeline.

There is one ``Runtime`` per process (the Flask app holds it); each call also
receives the ``Actor`` doing it, so audits and permissions know who acted.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from engine.clock import Clock, SystemClock
from engine.cache import VersionCache
from engine.definitions import FormCache
from engine.pipeline import Pipeline
from engine.storage.db import Database
from engine.storage.tables import workspaces

DEFAULT_WORKSPACE = "default"


def standard_pipeline() -> Pipeline:
    """The pipeline of ``engine.features.FEATURES``, built once per call and frozen."""
    # cycle: runtime -> features -> services -> runtime (40 service modules take Actor and Runtime from here)
    from engine.features import FEATURES

    return Pipeline.build(FEATURES)


@dataclass(frozen=True)
class Actor:
    """Who is acting: a user, an automation, the scheduler, or the system."""

    user_id: int | None
    label: str
    roles: frozenset[str] = frozenset()
    depth: int = 0  # automation nesting depth

    @classmethod
    def system(cls) -> "Actor":
        return cls(None, "system", frozenset({"admin"}))

    @classmethod
    def user(cls, user_id: int, roles=("admin",)) -> "Actor":
        return cls(user_id, f"user:{user_id}", frozenset(roles))

    def as_automation(self, name: str) -> "Actor":
        return Actor(self.user_id, f"automation:{name}", self.roles, self.depth + 1)


@dataclass
class Runtime:
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    config: dict[str, Any] = field(default_factory=dict)
    #: every compiled artefact (forms, workflows, templates, dashboards) by kind and version: one bounded LRU
    cache: VersionCache = field(default_factory=VersionCache)
    #: the compiled forms, kept in ``cache``
    forms: FormCache = field(init=False)
    workspace_id: int = 0
    timezone: str = "UTC"
    #: every feature's part in forms and writes, per phase, frozen (``engine.features.FEATURES``)
    pipeline: Pipeline = field(default_factory=standard_pipeline)

    def __post_init__(self) -> None:
        self.forms = FormCache(self.cache)

    @classmethod
    def open(cls, url: str, *, clock: Clock | None = None, config: dict | None = None, migrate: bool = True) -> "Runtime":
        rt = cls(db=Database(url), clock=clock or SystemClock(), config=dict(config or {}))
        if migrate:
            rt.db.upgrade()
        rt.ensure_workspace()
        return rt

    def ensure_workspace(self) -> None:
        tz = self.config.get("TIMEZONE", "UTC")
        with self.db.transaction() as conn:
            row = conn.execute(sa.select(workspaces.c.id, workspaces.c.timezone).where(workspaces.c.key == DEFAULT_WORKSPACE)).first()
            if row is None:
                wid = conn.execute(sa.insert(workspaces).values(key=DEFAULT_WORKSPACE, name="Default workspace", timezone=tz,
                                                                settings={}, created_at=self.clock.now())).inserted_primary_key[0]
                row = (wid, tz)
        self.workspace_id, self.timezone = row[0], row[1]
