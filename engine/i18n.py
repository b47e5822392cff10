"""Gettext message catalogues (``.po`` files read with Babel) and rendering a keyed message in a reader's language.

A catalogue is a pybabel directory ``<dir>/<locale>/LC_MESSAGES/<domain>.po`` whose msgids are stable dotted keys
(``error.required``) and whose msgstrs are the texts, with ``{name}`` placeholders. The engine's own domain,
``engine``, lives in ``engine/translations`` and holds the text of every error message code (``ErrorItem.message_code``)
and the engine's other reader-facing sentences (``diff.`` for what a publish changes); the designer adds its
``messages`` domain on top (designer_ui.i18n).
A missing translation falls back to English, a missing key to the key itself (visible, never a crash).
Plurals are ngettext entries: ``msgid "<key>"`` / ``msgid_plural "<key>.plural"`` with one msgstr per plural form;
a text given a ``count`` takes the form the locale's plural rule picks (``plural_key``; the browser does the same).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

from babel.core import Locale
from babel.messages.pofile import read_po

#: Locales the product is translated into; the first is the fallback.
LOCALES = ("en", "zh-CN")
DEFAULT_LOCALE = "en"
#: The gettext directory name of each locale (pybabel writes ``zh_CN``).
GETTEXT_NAMES = {"en": "en", "zh-CN": "zh_CN"}
#: The engine's catalogue directory and domain.
ENGINE_TRANSLATIONS = Path(__file__).resolve().parent / "translations"
ENGINE_DOMAIN = "engine"
#: The key of a text's plural form (the msgid_plural of its ngettext entry).
PLURAL_SUFFIX = ".plural"


def normalize_locale(locale: str | None) -> str:
    """Map 'zh', 'zh_CN', 'zh-cn', 'zh-Hans' to 'zh-CN'; anything else unknown to English."""
    if not locale:
        return DEFAULT_LOCALE
    if locale.replace("_", "-").lower().startswith("zh"):
        return "zh-CN"
    return "en" if locale.lower().startswith("en") else DEFAULT_LOCALE


def po_path(directory: Path, locale: str, domain: str) -> Path:
    return Path(directory) / GETTEXT_NAMES[locale] / "LC_MESSAGES" / f"{domain}.po"


def read_catalogue(directory: Path, domain: str) -> dict[str, dict[str, str]]:
    """{locale: {key: text}} from a pybabel directory; an entry with an empty msgstr is absent (fuzzy ones too)."""
    out: dict[str, dict[str, str]] = {}
    for locale in LOCALES:
        texts: dict[str, str] = {}
        path = po_path(directory, locale, domain)
        if path.exists():
            with path.open("rb") as fh:
                for message in read_po(fh, locale=GETTEXT_NAMES[locale]):
                    if message.fuzzy or not message.id:
                        continue
                    if isinstance(message.id, str) and message.string:
                        texts[message.id] = message.string
                    elif isinstance(message.id, tuple) and message.string and message.string[0]:
                        # an ngettext entry: the singular key takes form 0, the plural key the last form (a language
                        # with one form, like Chinese, reads form 0 for both)
                        forms = [f for f in message.string if f]
                        texts[message.id[0]], texts[message.id[1]] = forms[0], forms[-1]
        out[locale] = texts
    return out


@lru_cache(maxsize=None)
def engine_catalogue() -> dict[str, dict[str, str]]:
    """The engine's catalogue, read once; missing .po files (a package built without them) fail loudly, not as keys."""
    texts = read_catalogue(ENGINE_TRANSLATIONS, ENGINE_DOMAIN)
    if not texts[DEFAULT_LOCALE]:
        raise RuntimeError(f"no English catalogue at {po_path(ENGINE_TRANSLATIONS, DEFAULT_LOCALE, ENGINE_DOMAIN)}")
    return texts


def localized(value: Any, locale: str) -> Any:
    """A value that is a {"en": .., "zh-CN": ..} map (a label, a type's words) as text for ``locale``; others as is."""
    if isinstance(value, Mapping) and value and set(value) <= {*LOCALES, "zh", "zh_CN"}:
        return value.get(locale) or value.get(DEFAULT_LOCALE) or next(iter(value.values()))
    return value


def format_text(text: str, params: Mapping[str, Any] | None, locale: str) -> str:
    if not params:
        return text
    try:
        return text.format(**{k: localized(v, locale) for k, v in params.items()})
    except (KeyError, IndexError, ValueError, AttributeError):
        return text  # a translation with a bad placeholder shows unformatted rather than failing the page


@lru_cache(maxsize=None)
def _babel_locale(locale: str) -> Locale:
    return Locale.parse(GETTEXT_NAMES[normalize_locale(locale)])


def plural_key(key: str, params: Mapping[str, Any] | None, locale: str, has: Any) -> str:
    """ngettext: the key of the text for ``params["count"]`` in ``locale`` ("1 record", "2 records"); ``has(key)``
    says whether a catalogue holds a key. A text without a plural entry or a count is its own key."""
    count = (params or {}).get("count")
    if isinstance(count, bool) or not isinstance(count, int) or not has(key + PLURAL_SUFFIX):
        return key
    return key if _babel_locale(locale).plural_form(count) == "one" else key + PLURAL_SUFFIX


def render(key: str, locale: str | None = None, params: Mapping[str, Any] | None = None,
           catalogues: Iterable[Mapping[str, Mapping[str, str]]] | None = None) -> str:
    """The text of ``key`` in ``locale`` (falling back to English, then to the key), with ``params`` filled in;
    a parameter given as a {"en", "zh-CN"} map is taken in the same language."""
    loc = normalize_locale(locale)
    for catalogue in (catalogues if catalogues is not None else (engine_catalogue(),)):
        chosen = plural_key(key, params, loc, catalogue.get(DEFAULT_LOCALE, {}).__contains__)
        text = catalogue.get(loc, {}).get(chosen) or catalogue.get(DEFAULT_LOCALE, {}).get(chosen)
        if text:
            return format_text(text, params, loc)
    return key


def has_text(key: str, locale: str = DEFAULT_LOCALE) -> bool:
    return bool(engine_catalogue().get(locale, {}).get(key))


def words(prefix: str, value: Any) -> Any:
    """An enum value (a view type, a cron field, a scope...) as its words in every language, for a message's parameter
    that names it: ``texts(prefix + value)`` (``prefix`` ends with a dot: ``"error.view.type_name."``), so a Chinese message
    reads the type's Chinese word, not "kanban"; the value as is when the catalogue has no words for it (a value given
    by a client, shown as typed)."""
    key = f"{prefix}{value}"
    return texts(key) if isinstance(value, str) and has_text(key) else value


def texts(key: str, params: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The text of ``key`` in every locale, as a {"en", "zh-CN"} map: a message's parameter that is itself words
    (a type's name, "rule", a reason) reads in the same language as the message around it."""
    return {locale: render(key, locale, params) for locale in LOCALES}
