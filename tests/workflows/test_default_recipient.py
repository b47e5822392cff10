"""Whom a new notify step sends to by default: the form's owner (when it names its owner field or has no user field),
else its user field that most likely holds the owner (labelled Owner / 负责人, then required, then the first)."""
from __future__ import annotations

from engine.owner_field import default_recipient, likely_owner_field


def _user(fid, label, **more):
    return {"id": fid, "type": "user", "label": label, **more}


def test_the_owner_user_field_is_the_default_recipient():
    form = {"fields": [_user("helper", "Helper"), _user("fuzeren", {"en": "", "zh-CN": "负责人"}),
                       {"id": "note", "type": "text", "label": "Owner"}]}
    assert likely_owner_field(form) == "fuzeren" and default_recipient(form) == {"field": "fuzeren"}
    required = {"fields": [_user("helper", "Helper"), _user("sales", "Sales", required=True)]}
    assert default_recipient(required) == {"field": "sales"}
    assert default_recipient({"fields": [_user("helper", "Helper")]}) == {"field": "helper"}
    several = {"fields": [{"id": "team", "type": "user", "label": "Owner", "options": {"multiple": True}},
                          _user("gone", "Owner", deleted=True), _user("agent", "Agent")]}
    assert default_recipient(several) == {"field": "agent"}     # a multiple or deleted field holds no one owner


def test_the_record_owner_when_the_form_names_it_or_has_no_user_field():
    named = {"settings": {"owner_field": "owner"}, "fields": [_user("helper", "Helper"), _user("owner", "Owner")]}
    assert default_recipient(named) == {"owner": True}
    assert default_recipient({"fields": [{"id": "note", "type": "text", "label": "Note"}]}) == {"owner": True}
