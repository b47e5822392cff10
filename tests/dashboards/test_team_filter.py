"""The dashboards' team filters read teams as the records' "team" row scope does (``engine.services.team_managers``): a
team is its managers and its members; "my team" is what the "team" row scope shows the reader (themselves, team mates,
direct reports, the members of the teams they manage), the same people the list filter ``$my_team`` names, and each
group drills to exactly its records. SQLite and PostgreSQL through ``rt``."""
from __future__ import annotations

from collections import Counter

import pytest

from engine.errors import ValidationFailed
from engine.runtime import Actor
from engine.services import dashboards as ds
from engine.services import permissions, queries, team_managers, users
from tests.dashboards.test_builder import BY_STAGE, SYSTEM, all_records, board, drilled


def _sales(crm) -> list[int]:
    """Three demo sales people with opportunities, most records first."""
    owners = [o for o, _ in Counter(r["owner_id"] for r in all_records(crm)).most_common()]
    assert len(owners) >= 3
    return owners[:3]


def _count(data) -> int:
    return sum(g["count"] for g in data["charts"][0]["groups"])


def test_a_team_filter_counts_its_managers_records_with_its_members(crm):
    lead, member, outsider = _sales(crm)
    users.create_team(crm, SYSTEM, "north", "North", [member], [lead])   # the lead manages North without being a member
    ds.create_dashboard(crm, SYSTEM, "crm", board(BY_STAGE))
    records = all_records(crm)
    data = ds.dashboard_data(crm, SYSTEM, "crm", "built", filters={"team": "north"})
    assert _count(data) == sum(1 for r in records if r["owner_id"] in (lead, member))
    assert outsider not in {r["owner_id"] for g in data["charts"][0]["groups"] for r in drilled(crm, g["drill"])}
    for g in data["charts"][0]["groups"]:
        assert len(drilled(crm, g["drill"])) == g["count"]


def test_my_team_on_a_dashboard_is_the_team_row_scope_of_the_reader(crm):
    lead, member, report = _sales(crm)
    users.create_team(crm, SYSTEM, "north", "North", [member], [lead])
    users.set_manager(crm, SYSTEM, report, lead)
    ds.create_dashboard(crm, SYSTEM, "crm", board(BY_STAGE))
    reader = Actor.user(lead, roles=("member",))
    permissions.set_grant(crm, SYSTEM, "crm", "opportunity", "member", {"create": True, "read": "team", "update": "own", "delete": "none"})
    scoped = queries.list_records(crm, reader, "crm", "opportunity", queries.Query(page_size=queries.MAX_PAGE_SIZE))
    assert {r["owner_id"] for r in scoped["items"]} == {lead, member, report}   # the row scope: own, managed team, report
    with crm.db.read() as conn:
        assert team_managers.my_team_ids(conn, lead) == sorted({lead, member, report})
    mine = ds.dashboard_data(crm, reader, "crm", "built", filters={"team": queries.MY_TEAM})
    assert _count(mine) == scoped["total"]

    # with a role reading everything, "my team" is the filter's doing: still the row scope's people
    permissions.set_grant(crm, SYSTEM, "crm", "opportunity", "member", {"create": True, "read": "all", "update": "own", "delete": "none"})
    everything = ds.dashboard_data(crm, reader, "crm", "built")
    mine = ds.dashboard_data(crm, reader, "crm", "built", filters={"team": "$my_team"})
    assert _count(mine) == scoped["total"] < _count(everything)
    listed = queries.list_records(crm, reader, "crm", "opportunity", queries.Query(
        filters=[queries.Filter("owner_id", "in", queries.MY_TEAM)], page_size=queries.MAX_PAGE_SIZE))
    assert sorted(r["id"] for r in listed["items"]) == sorted(r["id"] for r in scoped["items"])
    for g in mine["charts"][0]["groups"]:
        assert {r["owner_id"] for r in drilled(crm, g["drill"])} <= {lead, member, report}
        assert len(drilled(crm, g["drill"])) == g["count"]


def test_a_team_filter_that_is_neither_a_key_nor_my_team_is_refused_at_its_path(crm):
    ds.create_dashboard(crm, SYSTEM, "crm", board(BY_STAGE))
    with pytest.raises(ValidationFailed) as exc:
        ds.dashboard_data(crm, SYSTEM, "crm", "built", filters={"team": "$their_team"})
    assert [e.path for e in exc.value.errors] == ["/filters/team"]
