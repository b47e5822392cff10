"""Steps for the user picker of the admin screens (designer_ui/static/userpicker.js), as a person uses it: type into the
search box named after what is picked, then choose the match with the keyboard (Down, Enter) or a click."""
from __future__ import annotations

import re

from playwright.sync_api import expect  # a test extra: missing, it is an error, never a skip


def pick_user(scope, picker: str, typed: str, name: str, *, keyboard: bool = True) -> None:
    """In ``scope`` (a page or a form), search the picker labelled ``picker`` for ``typed`` and pick the user ``name``."""
    box = scope.get_by_role("combobox", name=picker, exact=True)
    box.fill(typed)
    options = scope.get_by_role("listbox", name=re.compile(re.escape(picker) + "$"))
    option = options.get_by_role("option", name=re.compile("^" + re.escape(name) + " · "))
    expect(option).to_be_visible()
    if keyboard:
        matches = options.get_by_role("option").all_inner_texts()
        index = next(i for i, text in enumerate(matches) if text.startswith(name + " · "))
        for _ in range(index + 1):
            box.press("ArrowDown")
        expect(option).to_have_attribute("aria-selected", "true")
        box.press("Enter")
    else:
        option.click()
    expect(scope.get_by_role("list", name=re.compile(re.escape(picker) + "$")).get_by_text(name, exact=True)).to_be_visible()
