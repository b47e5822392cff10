"""The duplicate check's setting (``settings.duplicate_check`` of a form definition), checked: what the designer,
a template install and a publish refuse, each problem with its path (``engine.dedup`` compiles and runs it)."""
from __future__ import annotations

import re

from engine.dedup_normalizers import NORMALIZERS
from engine.errors import ErrorItem
from engine.fields import FIELD_TYPES
from engine.fields.base import type_words

#: most match rules a form may declare
MAX_RULES = 10
MODES = ("refuse", "flag")


def check_setting(definition: dict, prefix: str = "") -> list[ErrorItem]:
    """Problems with a form's ``settings.duplicate_check``, each with its path."""
    setting = (definition.get("settings") or {}).get("duplicate_check")
    if setting is None:
        return []
    path = f"{prefix}/settings/duplicate_check"
    if not isinstance(setting, dict):
        return [ErrorItem.coded("error.dedup.setting_shape", path=path)]
    errors = []
    fields = {f["id"]: f for f in definition.get("fields", []) if isinstance(f, dict) and "id" in f}
    unknown = set(setting) - {"mode", "rules", "flag_field", "enabled"}
    if unknown:
        errors.append(ErrorItem.coded("error.dedup.unknown_settings", path=path, names=", ".join(sorted(unknown)), count=len(unknown)))
    if setting.get("mode", "refuse") not in MODES:
        errors.append(ErrorItem.coded("error.dedup.mode", path=path + "/mode", modes=", ".join(MODES)))
    rules = setting.get("rules")
    if not isinstance(rules, list) or not rules:
        return errors + [ErrorItem.coded("error.dedup.rules_required", path=path + "/rules")]
    if len(rules) > MAX_RULES:
        errors.append(ErrorItem.coded("error.dedup.too_many_rules", path=path + "/rules", max=MAX_RULES))
    seen = set()
    for i, rule in enumerate(rules):
        rpath = f"{path}/rules/{i}"
        if not isinstance(rule, dict):
            errors.append(ErrorItem.coded("error.dedup.rule_shape", path=rpath))
            continue
        key = rule.get("key")
        if not isinstance(key, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", key):
            errors.append(ErrorItem.coded("error.dedup.rule_key", path=rpath + "/key"))
        elif key in seen:
            errors.append(ErrorItem.coded("error.dedup.rule_key_twice", path=rpath + "/key", key=repr(key)))
        seen.add(key)
        names = rule.get("fields")
        if not isinstance(names, list) or not names:
            errors.append(ErrorItem.coded("error.dedup.fields_required", path=rpath + "/fields"))
        else:
            for j, fid in enumerate(names):
                f = fields.get(fid)
                if f is None:
                    errors.append(ErrorItem.coded("error.dedup.field_not_in_form", path=f"{rpath}/fields/{j}", field_id=str(fid),
                                                  field=repr(fid)))
                elif f.get("type") not in FIELD_TYPES or not FIELD_TYPES.get(f["type"]).dedup_matchable:
                    errors.append(ErrorItem.coded("error.dedup.type_not_matchable", path=f"{rpath}/fields/{j}", field_id=fid,
                                                  type=type_words(f.get("type"))))
        if rule.get("normalize", "text") not in NORMALIZERS:
            errors.append(ErrorItem.coded("error.dedup.unknown_normalizer", path=rpath + "/normalize",
                                          name=repr(rule.get("normalize")), known=", ".join(NORMALIZERS.names())))
    flag = setting.get("flag_field")
    if flag is not None:
        f = fields.get(flag)
        if f is None:
            errors.append(ErrorItem.coded("error.dedup.flag_not_in_form", path=path + "/flag_field", field_id=str(flag),
                                          field=repr(flag)))
        elif f.get("type") not in FIELD_TYPES or not FIELD_TYPES.get(f["type"]).dedup_flag or \
                FIELD_TYPES.get(f["type"]).linked_store(f) not in (None, definition.get("key")):
            errors.append(ErrorItem.coded("error.dedup.flag_type", path=path + "/flag_field", field_id=flag))
    return errors
