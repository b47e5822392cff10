"""The designer's message catalogue (en, zh-CN) and the Jinja helpers `_` and `label`.

The texts live in gettext catalogues read with Babel: the designer's own domain
``designer_ui/translations/<locale>/LC_MESSAGES/messages.po`` over the engine's
``errors`` domain (engine/translations), so translators use ordinary .po tools
(README, "Translating"). Messages are keyed by a stable dotted key (the msgid),
not by the English text, so a wording change never orphans a translation. A
missing zh-CN text falls back to English, a missing key to the key itself
(visible, never a crash). The browser scripts get the same catalogue through a
JSON data block (`client_messages`). Field type names and descriptions come
from the types themselves (engine/fields): one place per type.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import urlencode

from engine.fields import FIELD_TYPES
from engine.i18n import DEFAULT_LOCALE, LOCALES, engine_catalogue, format_text, normalize_locale, plural_key, read_catalogue
from engine.services import workspace_settings
from designer_ui.request_context import user_locale
from flask import current_app, request

#: The designer's gettext directory (pybabel layout) and domain.
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"

__all__ = ["LOCALES", "DEFAULT_LOCALE", "MESSAGES", "normalize_locale", "gettext", "label_text", "client_messages",
           "jinja_helpers", "install", "request_locale", "init_app", "load_messages"]


def load_messages() -> dict[str, dict[str, str]]:
    """{locale: {key: text}}: the engine's catalogue, the designer's over it, and the field types' names."""
    engine, designer = engine_catalogue(), read_catalogue(TRANSLATIONS, DOMAIN)
    if not designer[DEFAULT_LOCALE]:
        raise RuntimeError(f"no English catalogue in {TRANSLATIONS} (a package built without its .po files?)")
    out = {loc: {**engine.get(loc, {}), **designer.get(loc, {})} for loc in LOCALES}
    for name, ftype in FIELD_TYPES.items():
        for loc in LOCALES:
            out[loc][f"type.{name}"] = ftype.label.get(loc) or ftype.label.get(DEFAULT_LOCALE, name)
            out[loc][f"typedesc.{name}"] = ftype.description.get(loc) or ftype.description.get(DEFAULT_LOCALE, "")
    return out


MESSAGES: dict[str, dict[str, str]] = load_messages()

#: Key prefixes the browser scripts need (sent as a JSON data block). The generated form checks a value before sending it
#: in the server's own words (the engine's ``error.field.required``, ``error.value.``, ``error.row.required``,
#: ``error.rule.not_satisfied``), and the rule runtime's evaluation errors are its codes (``error.eval.``). ``dash.`` is
#: the dashboard builder's (dashboard_builder.js), fixed here so no import order decides whether it is sent.
CLIENT_PREFIXES = (
    "common.", "designer.", "prop.", "type.", "typedesc.", "rules.", "op.", "fill.", "records.", "editor.", "dash.",
    "profile.copied", "profile.copy_failed", "admin.confirm_delete", "picker.",
    "error.field.required", "error.value.", "error.row.required", "error.rule.not_satisfied", "error.eval.",
)


def gettext(key: str, locale: str | None = None, **params: Any) -> str:
    """The text for `key` in `locale`, falling back to English, then to the key; a `count` picks the plural form."""
    loc = normalize_locale(locale)
    key = plural_key(key, params, loc, MESSAGES[DEFAULT_LOCALE].__contains__)
    text = MESSAGES.get(loc, {}).get(key) or MESSAGES[DEFAULT_LOCALE].get(key) or key
    return format_text(text, params, loc)


def label_text(value: Any, locale: str | None = None) -> str:
    """A definition label (plain string or {"en": .., "zh-CN": ..}) as text for `locale`."""
    if isinstance(value, Mapping):
        loc = normalize_locale(locale)
        return str(value.get(loc) or value.get(DEFAULT_LOCALE) or next(iter(value.values()), ""))
    return "" if value is None else str(value)


def client_messages(locale: str | None = None) -> dict[str, str]:
    """The part of the catalogue the browser scripts use, resolved for `locale`."""
    keys = [k for k in MESSAGES[DEFAULT_LOCALE] if k.startswith(CLIENT_PREFIXES)]
    return {k: gettext(k, locale) for k in keys}


def jinja_helpers(locale: str | None = None) -> dict[str, Callable[..., Any] | str]:
    """Template globals for one request: `_`, `label`, `locale`, `client_messages`."""
    loc = normalize_locale(locale)
    return {
        "_": lambda key, **params: gettext(key, loc, **params),
        "label": lambda value: label_text(value, loc),
        "locale": loc,
        "client_messages": lambda: client_messages(loc),
    }


def install(env: Any, locale: str | None = None) -> None:
    """Put the helpers for `locale` into a Jinja environment's globals (standalone rendering)."""
    env.globals.update(jinja_helpers(locale))


#: Cookie that remembers the language picked with ?lang=.
LANG_COOKIE = "formflow_lang"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600


def request_locale() -> str:
    """The locale of the current Flask request: ?lang=, then the cookie, then the signed-in user's saved language, then
    Accept-Language. (Saving a language on the profile page also sets the cookie, so that browser follows at once.)"""


    chosen = request.args.get("lang") or request.cookies.get(LANG_COOKIE) or user_locale()
    if chosen:
        return normalize_locale(chosen)
    best = request.accept_languages.best_match(["en", "zh-CN", "zh"])
    if best:
        return normalize_locale(best)
    rt = current_app.extensions.get("formflow")  # none we offer: the workspace's default language
    return workspace_settings.default_locale(rt) if rt is not None else DEFAULT_LOCALE


def init_app(app: Any, locale_getter: Callable[[], str] | None = None) -> None:
    """Give every template `_`, `label`, `locale`, `client_messages` and `lang_urls`, and
    remember a ?lang= choice in a cookie. `locale_getter` overrides the request-based choice
    (for example a user's saved preference)."""

    get_locale = locale_getter or request_locale

    @app.context_processor
    def _inject_i18n() -> dict[str, Any]:
        helpers = jinja_helpers(get_locale())
        args = request.args.to_dict()
        urls = {}
        for loc in LOCALES:
            args["lang"] = loc
            urls[loc] = request.path + "?" + urlencode(args)
        helpers["lang_urls"] = urls
        return helpers

    @app.after_request
    def _remember_lang(response: Any) -> Any:
        lang = request.args.get("lang")
        if lang:
            response.set_cookie(LANG_COOKIE, normalize_locale(lang), max_age=LANG_COOKIE_MAX_AGE, samesite="Lax")
        return response
