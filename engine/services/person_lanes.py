"""A kanban's lanes by a person field, a page at a time: the people who may be chosen in the field and the people who
hold records the reader may read, each with the number of those records (``lane_counts.count_by_field``: the read gate's
row scope, the board's filters and search), so a card can be dragged to a colleague who holds none yet.

Who may be chosen is what the field's user picker offers (``users.picker_where``): the workspace's active users, only
those of its roles and teams when the field is limited (``options.limit``). A deactivated person, or one outside the
limit, keeps a lane while they hold records the reader sees.

Order (a team's board as Trello's and 简道云's member kanbans read, left to right): the reader's own lane, then the people
holding cards (most first, then by name), then everyone else who may be chosen, by name. The empty value ("No Owner") is
no page's lane: its count is the answer's ``empty``, and the board shows it first. ``search`` narrows the people by name,
user name or e-mail, as the picker matches them.
"""
from __future__ import annotations

import sqlalchemy as sa

from engine.errors import ErrorItem, ValidationFailed
from engine.fields import FIELD_TYPES
from engine.runtime import Actor, Runtime
from engine.services import lane_counts, member_limits, queries, users as user_service
from engine.storage.tables import users

#: person lanes one page holds (the board's "Show more people" reads the next page)
LANES_PER_PAGE = 20
#: pages one may ask for (the users of a workspace, 20 a page)
MAX_PAGE = 10_000


def person_lanes(rt: Runtime, actor: Actor, app_key: str, form_key: str, field_id: str, query: queries.Query, *,
                 page: int = 1, search: str | None = None, per_page: int = LANES_PER_PAGE) -> dict:
    """``{"field", "lanes": [{"value": id, "label": name, "count": n, "me": bool, "active": bool}], "empty", "others",
    "total", "truncated", "max_groups", "page", "per_page", "people", "has_more"}``: page ``page`` of the lanes (``people`` of them
    in all). ``count`` is None for a lane whose count the grouped answer left out (``truncated``) and a recount could not
    give (a board whose filters join by "any" around groups)."""
    counted = lane_counts.count_by_field(rt, actor, app_key, form_key, field_id, query)
    if "names" not in counted:
        raise ValidationFailed("the query is not valid", [ErrorItem.coded("error.board.not_person_field", path="/by",
                                                                          field=repr(field_id), field_id=field_id)],
                               message_code="error.query.invalid")
    counts = {int(k): n for k, n in counted["counts"].items() if k.isdigit()}
    me = actor.user_id
    start = (page - 1) * per_page
    field = member_limits.picker_field(rt, app_key, form_key, counted["field"])
    with rt.db.read() as conn:
        head_ids = ([me] if me is not None else []) + [i for i in counts if i != me]
        head_where = [users.c.id.in_(head_ids), *user_service.picker_where(rt, search, include_inactive=True)]
        limit = FIELD_TYPES.get(field["type"]).choosable_where(field, rt.workspace_id)
        choosable = (sa.and_(*limit) if limit else sa.true()).label("choosable")  # the reader's own lane: one they may take
        known = {r.id: r for r in conn.execute(sa.select(users.c.id, users.c.display_name, users.c.is_active, choosable).where(*head_where))}
        # the reader first, then who holds the most cards, then by name
        holders = sorted((i for i in counts if i in known and i != me), key=lambda i: (-counts[i], known[i].display_name, i))
        head = ([me] if me in known and (me in counts or known[me].choosable) else []) + holders
        chosen = user_service.picker_where(rt, search, field=field)
        rest_where = [*chosen, users.c.id.notin_(head)] if head else chosen
        rest_total = conn.execute(sa.select(sa.func.count()).select_from(users).where(*rest_where)).scalar_one()
        from_head = head[start:start + per_page]
        rest = conn.execute(sa.select(users.c.id, users.c.display_name, users.c.is_active).where(*rest_where)
                            .order_by(users.c.display_name, users.c.id)
                            .offset(max(0, start - len(head))).limit(per_page - len(from_head))).all() \
            if len(from_head) < per_page else []
    rows = [known[i] for i in from_head] + list(rest)
    lane_counts_of = _page_counts(rt, actor, app_key, form_key, field_id, query, counted, counts, [r.id for r in rows])
    lanes = [{"value": r.id, "label": r.display_name, "count": lane_counts_of.get(r.id), "me": r.id == me,
              "active": bool(r.is_active)} for r in rows]
    people = len(head) + rest_total
    return {"field": counted["field"], "lanes": lanes, "empty": counted["empty"], "others": counted["others"],
            "total": counted["total"], "truncated": counted["truncated"], "max_groups": counted["max_groups"], "page": page,
            "per_page": per_page, "people": people, "has_more": start + per_page < people}


def _page_counts(rt, actor, app_key, form_key, field_id, query, counted, counts, ids) -> dict:
    """The count of each person of the page: from the grouped answer, or — when it was cut at its cap and a person of
    the page is past it — recounted for the page's people alone (same filters, search and row scope)."""
    if not counted["truncated"]:
        return {i: counts.get(i, 0) for i in ids}
    missing = [i for i in ids if i not in counts]
    out = {i: counts[i] for i in ids if i in counts}
    if not missing:
        return out
    only = queries.Filter(counted["field"], "in", missing)
    if query.match == "all":
        filters = [*query.filters, only]
    elif not any(isinstance(x, queries.FilterGroup) for x in query.filters):
        filters = [queries.FilterGroup("any", list(query.filters)), only] if query.filters else [only]
    else:
        return out  # groups inside an "any": a count past the cap stays unknown (None)
    again = lane_counts.count_by_field(rt, actor, app_key, form_key, field_id,
                                       queries.Query(filters=filters, match="all", search=query.search))
    out.update({i: again["counts"].get(str(i), 0) for i in missing})
    return out
