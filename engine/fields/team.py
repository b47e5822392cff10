"""The team field type: a team (department) of the workspace, by id; several with ``options.multiple``.

The value must name a team that exists in the record's workspace (checked inside the save's transaction by
``missing_ids``; 422 at ``/data/<field>`` otherwise). Lists, exports and templates show the team's name; an
imported cell may give the name, the key or ``#<id>``. Filters compare the id (``eq``, ``in``; ``contains`` for
several), rules see the id, dashboards group by team.
"""
from __future__ import annotations

import sqlalchemy as sa

from engine.fields.base import FIELD_TYPES, FieldValueError, en_zh
from engine.fields.linked import IdField
from engine.imports.cleaning import CLEANERS, Cleaner, folded, text_of
from engine.storage.access_tables import teams

#: most teams one field may hold
MAX_TEAMS = 200


@FIELD_TYPES.register
class TeamType(IdField):
    name = "team"
    label, description = en_zh("Team", "部门"), en_zh("A team or department of the workspace", "工作区中的团队或部门")
    widget, glyph = "team", "⚑"
    form_input = "widget"
    default_options = {}  # a new team field starts without options (one team)
    rule_kind = "user"  # an id (or a list of ids), as rules read a member field
    rule_literal = "number"
    template_kind = "text"  # its names, as text
    import_cleaner = "team"
    in_subtable = False
    expected = en_zh("a team id", "部门 ID")
    max_items = MAX_TEAMS

    def linked_store(self, field):
        return "@teams"

    def group_kind(self, field, resolve_form=None):
        return "linked"  # ids this type names itself (dashboards label the groups with linked_names)

    # -- look-ups inside the caller's connection ----------------------------------
    def missing_ids(self, conn: sa.Connection, workspace_id: int, ids: list[int]) -> list[int]:
        """Of *ids*, those that are not a team of the workspace."""
        found = set(conn.execute(sa.select(teams.c.id).where(teams.c.id.in_(ids), teams.c.workspace_id == workspace_id)).scalars())
        return [i for i in ids if i not in found]

    def linked_names(self, conn: sa.Connection, workspace_id: int, ids: list[int]) -> dict[int, str]:
        """Team id -> name, for the ids that exist."""
        rows = conn.execute(sa.select(teams.c.id, teams.c.name).where(teams.c.id.in_(ids), teams.c.workspace_id == workspace_id))
        return {r.id: r.name for r in rows}

    def find_by_name(self, conn: sa.Connection, workspace_id: int, text: str) -> int | None:
        """The team a person means by *text*: its name or key (width, case and spaces ignored) or ``#<id>``."""
        rows = conn.execute(sa.select(teams.c.id, teams.c.key, teams.c.name).where(teams.c.workspace_id == workspace_id)).all()
        wanted = folded(text)
        for r in rows:
            if wanted in (folded(r.name), folded(r.key), f"#{r.id}", str(r.id)):
                return r.id
        return None

    def lookup_choices(self, conn: sa.Connection, workspace_id: int, parent: str | None) -> list[dict]:
        """The teams a person may pick, by name."""
        rows = conn.execute(sa.select(teams.c.id, teams.c.name).where(teams.c.workspace_id == workspace_id).order_by(teams.c.name))
        return [{"value": r.id, "label": r.name} for r in rows]


@CLEANERS.register
class TeamCleaner(Cleaner):
    """A cell of a team column: names or keys (several separated by commas when the field allows several)."""
    name = "team"

    def clean(self, value, f, ctx):
        text = text_of(value)
        many = FIELD_TYPES.get("team").multiple(f)
        parts = [p.strip() for p in text.replace("，", ",").split(",") if p.strip()] if many else [text]
        out = []
        for part in parts:
            found = ctx.find_named("team", part)
            if found is None and part.lstrip("#").isdigit():
                found = int(part.lstrip("#"))  # an id; the form's validation checks it exists
            if found is None:
                raise FieldValueError("error.value.no_team", name=repr(part))
            out.append(found)
        return out if many else out[0]
