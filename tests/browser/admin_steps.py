"""Steps a business admin (and the people they invite) take in the browser, shared by the browser tests that build a
workspace from nothing: the first admin, picking the UI language, fields added in the designer by keyboard, signing out,
clicking a chart's bar, a newer CRM template. Every step acts as a person does: controls found by role and accessible
name (``t`` is the test's table of UI texts for the run's language), nothing typed into an API or as JSON."""
from __future__ import annotations

import json
import re
from importlib import resources

from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from engine.runtime import Actor
from engine.services import users
from tests.browser.signin import sign_in
from tests.browser.user_picker_steps import pick_user


def first_admin(live_app, base: str, page, admin: dict) -> dict:
    """The first admin of an empty workspace (made as ``formflow create-admin`` makes one), signed in on ``page``."""
    from engine.runtime import Actor
    from engine.services import users

    rt = live_app.extensions["formflow"]
    assert rt.config.get("INSTALL_TEMPLATES") is False and not users.list_users(rt, Actor.system())
    users.create_user(rt, Actor.system(), admin["username"], password=admin["password"], display_name=admin["display_name"],
                      roles=["admin"], check=False)
    sign_in(page, base, admin["username"], admin["password"])
    return {"url": base, "rt": rt}


def pick_language_on_profile(page, now: dict, wanted: dict) -> None:
    """User menu → Profile → Language → Save (``now``: the texts of the language on screen, ``wanted``: of the one
    picked): the person's own choice, kept for every later visit."""
    page.locator("summary", has_text=now["user_menu"]).click()
    page.get_by_role("link", name=now["profile"]).click()
    page.get_by_role("combobox", name=now["language"], exact=True).select_option(label=wanted["language_name"])
    page.get_by_role("button", name=now["save_details"]).click()
    expect(page.locator("html")).to_have_attribute("lang", wanted["lang"])
    expect(page.get_by_role("heading", name=wanted["profile"], level=1)).to_be_visible()


def new_team(page, t: dict, name: str, key: str, member: str) -> None:
    """On the People page: a team with one member, picked in the user picker by typing their user name."""
    team = page.get_by_test_id("new-team")
    team.get_by_label(t["team_name"]).fill(name)
    team.get_by_label(t["team_key"]).fill(key)
    pick_user(team, t["members"], member.lower(), member)
    team.get_by_role("button", name=t["create_team"]).click()
    expect(page.get_by_test_id("flashes")).to_contain_text(name)


def open_designer_as_admin(live_app, base: str, page, lang: str, password: str, app: str, form: str) -> None:
    """An admin "ann" who reads `lang` signs in and opens the designer of `app`/`form`."""
    users.create_user(live_app.extensions["formflow"], Actor.system(), "ann", password=password, display_name="Ann",
                      roles=["admin"], locale=lang, check=False)
    sign_in(page, base, "ann", password)
    page.goto(f"{base}/apps/{app}/forms/{form}/design")
    designer_ready(page)


def designer_ready(page) -> None:
    """The designer's canvas is drawn by Alpine: once a section shows, the palette's keys work."""
    expect(page.locator("[data-testid^='section-']").first).to_be_visible()


def add_field(page, t: dict, type_name: str, label: str, name: str, *, label_zh: str | None = None) -> None:
    """A field from the palette by keyboard (focus the type, Enter), then its labels and key in the properties panel."""
    palette = page.get_by_role("group", name=t["palette"], exact=True)
    palette.get_by_role("button", name=re.compile("^" + re.escape(t["type." + type_name]) + " ")).focus()  # then its description
    page.keyboard.press("Enter")
    expect(page.get_by_test_id(f"field-{type_name}").last).to_be_visible()
    page.get_by_role("textbox", name=t["label_en"], exact=True).fill(label)
    page.get_by_role("textbox", name=t["label_zh"], exact=True).fill(label_zh or label)
    page.get_by_role("textbox", name=t["field_key"], exact=True).fill(name)


def publish_form(page, t: dict) -> None:
    page.get_by_role("button", name=t["publish"], exact=True).click()
    expect(page.get_by_test_id("status")).to_contain_text(t["published"])


def bar_position(page, canvas, label: str) -> tuple[float, float]:
    """Where on ``canvas`` the bar of ``label`` is drawn (Chart.js lays the bars out; a person aims at what they see)."""
    return tuple(page.evaluate("""([canvas, label]) => {
        const chart = canvas._ffChart; const i = chart.data.labels.indexOf(label);
        if (i < 0) throw new Error('no bar ' + label + ' in ' + chart.data.labels.join(', '));
        const bar = chart.getDatasetMeta(0).data[i]; return [bar.x, (bar.y + bar.base) / 2]; }""", [canvas.element_handle(), label]))


def publish_newer_crm(directory, version: str) -> None:
    """The template publisher's newer CRM in ``directory``: a relabelled field and a new one (what an update brings)."""
    app = json.loads(resources.files("builtin_apps").joinpath("crm.json").read_text("utf-8"))
    app["template"]["version"] = version
    customer = app["forms"][0]
    next(f for f in customer["fields"] if f["id"] == "industry")["label"] = {"en": "Sector", "zh-CN": "行业类别"}
    customer["fields"].append({"id": "website", "type": "url", "label": {"en": "Website", "zh-CN": "网站"}})
    customer["layout"]["sections"][1]["fields"].append("website")
    (directory / "crm.json").write_text(json.dumps(app, ensure_ascii=False), encoding="utf-8")
