"""Only actors with the ``automate`` capability change workflows; the service refuses everyone else (403)."""
import pytest

from engine.errors import PermissionDenied
from engine.services import users, workflows
from tests.workflows.conftest import reminder_workflow


def test_member_may_not_create_publish_or_disable_a_workflow(rt, system, crm):
    created = workflows.create_workflow(rt, system, "crm", reminder_workflow("http://127.0.0.1:9/hook"))
    member = users.create_user(rt, system, "mia", roles=["member"])
    ops = users.create_user(rt, system, "oscar", roles=["ops"])
    with rt.db.read() as conn:
        as_member, as_ops = users.actor_for(conn, rt, member["id"]), users.actor_for(conn, rt, ops["id"])
    with pytest.raises(PermissionDenied):
        workflows.create_workflow(rt, as_member, "crm", {**reminder_workflow("http://127.0.0.1:9/hook"), "key": "other"})
    for call in (lambda a: workflows.publish_workflow(rt, a, "crm", created["key"]),
                 lambda a: workflows.set_enabled(rt, a, "crm", created["key"], False)):
        with pytest.raises(PermissionDenied):
            call(as_member)
    assert workflows.publish_workflow(rt, as_ops, "crm", created["key"])["version"] == 1
