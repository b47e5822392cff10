"""Fixtures: the CRM template installed with a little demo data (``crm``), and users with the member role."""
from __future__ import annotations

import pytest

from engine.runtime import Actor

#: demo customers generated for the dashboard tests (with their opportunities, follow-ups...)
DEMO_CUSTOMERS = 12


@pytest.fixture
def crm_bare(rt):
    """The CRM template installed (its sales dashboard included), no records."""
    from engine.services import app_templates

    app_templates.install_template(rt, Actor.system(), "crm")
    return rt


@pytest.fixture
def crm(crm_bare):
    """The CRM with demo customers, opportunities and follow-ups spread over the past year."""
    from engine import demo

    demo.generate(crm_bare, customers=DEMO_CUSTOMERS, seed=7)
    return crm_bare


@pytest.fixture
def make_user(rt):
    from engine.services import users

    def make(username: str, roles=("member",)) -> Actor:
        u = users.create_user(rt, Actor.system(), username, display_name=username.title(), roles=list(roles), check=False)
        return Actor.user(u["id"], roles=roles)

    return make
