"""The region widget's selects each have a name of their own (issue 21): on a form with two regions, "Province (Site
region)" and "Province (Billing region)" ("省（现场地区）" in Chinese), never two selects called "Province"; in the grid's
filter builder each is named with its condition's row ("Province, condition 2"). Found by role and exact name, axe
clean, every combobox's name told apart from the others."""
from __future__ import annotations

from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip

from tests.browser.field_walk_support import call, open_visit

API = "/api/apps/crm/forms/site"
#: the accessible name of every combobox and group on the page
NAMES = """() => [...document.querySelectorAll('select')].filter(s => !s.hidden && s.offsetParent !== null)
                   .map(s => s.getAttribute('aria-label') || (s.labels[0] && s.labels[0].textContent.trim()) || '')"""


def _site_form(base: str, token: str) -> None:
    call(base, token, "POST", "/api/apps/crm/forms", {"key": "site", "label": {"en": "Site", "zh-CN": "现场"}, "fields": [
        {"id": "title", "type": "text", "label": {"en": "Title", "zh-CN": "标题"}},
        {"id": "site", "type": "region", "label": {"en": "Site region", "zh-CN": "现场地区"}, "filterable": True},
        {"id": "billing", "type": "region", "label": {"en": "Billing region", "zh-CN": "开票地区"}, "filterable": True}]})
    call(base, token, "POST", f"{API}/publish")
    call(base, token, "POST", f"{API}/records", {"data": {"title": "Canton visit", "site": ["440000", "440100", "440106"]}})


def _unique(page) -> list[str]:
    names = page.evaluate(NAMES)
    assert len(names) == len(set(names)), names
    return names


def test_each_region_select_on_a_form_has_a_name_of_its_own(page, live_app, live_server, axe_check):
    token = open_visit(live_app, live_server, page)
    _site_form(live_server, token)
    for lang, words in (("en", ("Province ({})", "City ({})", "District ({})", "Site region", "Billing region", "Guangdong", "Guangzhou")),
                        ("zh-CN", ("省（{}）", "市（{}）", "区县（{}）", "现场地区", "开票地区", "广东", "广州"))):
        province, city, district, site, billing, gd, gz = words
        page.goto(f"{live_server}/apps/crm/forms/site/new?lang={lang}")
        for field in (site, billing):
            group = page.get_by_role("group", name=field, exact=True)
            group.get_by_role("combobox", name=province.format(field), exact=True).select_option(label=gd)
            group.get_by_role("combobox", name=city.format(field), exact=True).select_option(label=gz)
            expect(group.get_by_role("combobox", name=district.format(field), exact=True)).to_be_enabled()
        # the page as a whole: one combobox per name
        for field in (site, billing):
            for level in (province, city, district):
                expect(page.get_by_role("combobox", name=level.format(field), exact=True)).to_have_count(1)
        assert len(_unique(page)) == 6
        assert axe_check(page) == []
    assert page.js_errors == []


def test_each_region_select_in_the_filter_builder_is_named_with_its_condition(page, live_app, live_server, axe_check):
    token = open_visit(live_app, live_server, page)
    _site_form(live_server, token)
    page.goto(live_server + "/apps/crm/forms/site/grid")
    expect(page.get_by_role("gridcell", name="Canton visit")).to_be_visible()
    page.get_by_text("Filter", exact=True).click()
    for n, field in ((1, "Site region"), (2, "Billing region")):
        page.get_by_role("button", name="Add condition").click()
        page.get_by_role("combobox", name=f"Field, condition {n}", exact=True).select_option(label=field)
        page.get_by_role("combobox", name=f"Operator, condition {n}", exact=True).select_option("contains")
        page.get_by_role("combobox", name=f"Province, condition {n}", exact=True).select_option(label="Guangdong")
        expect(page.get_by_role("combobox", name=f"City, condition {n}", exact=True)).to_be_enabled()
    names = _unique(page)
    assert {"Province, condition 1", "Province, condition 2", "City, condition 2", "District, condition 1"} <= set(names), names
    assert [(v["id"], [n["html"][:200] for n in v["nodes"]]) for v in axe_check(page)] == []
    assert page.js_errors == []
