"""Signing in for the browser tests: an admin in a workspace with the CRM template."""
from __future__ import annotations


def crm_admin(live_app, base_url: str, page, admin: dict, *, demo_customers: int = 0, timezone: str = "Asia/Shanghai") -> dict:
    """An admin (``admin``: username, password, display_name; their saved zone ``timezone``) in a workspace with the CRM
    template installed (and ``demo_customers`` demo customers), signed in on ``page``; returns {"url", "rt"}."""
    from engine import demo
    from engine.runtime import Actor
    from engine.services import app_templates, users

    rt = live_app.extensions["formflow"]
    users.create_user(rt, Actor.system(), admin["username"], password=admin["password"], display_name=admin["display_name"],
                      roles=["admin"], timezone=timezone, check=False)
    app_templates.install_template(rt, Actor.system(), "crm")
    if demo_customers:
        demo.generate(rt, customers=demo_customers, seed=11)
    sign_in(page, base_url, admin["username"], admin["password"])
    return {"url": base_url, "rt": rt}


def sign_in(page, base: str, username: str, password: str) -> None:
    """Sign in on the login page as a person does, and wait for the apps menu."""
    page.goto(base + "/login")
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill(password)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("nav-apps").wait_for()


def crm_with_people(live_app, base_url: str, people: tuple[tuple[str, str, list[str]], ...], password: str,
                    customer: dict, owner: str) -> dict:
    """The CRM installed with ``people`` ((username, display name, roles), all in Asia/Shanghai, signing in with
    ``password``) and one customer holding ``customer``, created by ``owner`` (one of them); returns {"url", "rt", "people":
    username -> id, "customer": its id}."""
    from engine.runtime import Actor
    from engine.services import app_templates, records as record_service, users

    rt = live_app.extensions["formflow"]
    ids = {username: users.create_user(rt, Actor.system(), username, password=password, display_name=name, roles=roles,
                                       timezone="Asia/Shanghai", check=False)["id"]
           for username, name, roles in people}
    app_templates.install_template(rt, Actor.system(), "crm")
    roles = next(roles for username, _, roles in people if username == owner)
    record = record_service.create_record(rt, Actor.user(ids[owner], roles=tuple(roles)), "crm", "customer", customer)
    return {"url": base_url, "rt": rt, "people": ids, "customer": record["id"]}
