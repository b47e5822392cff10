"""The ``formflow`` commands' help in the shell's language (cli_text.cli_locale), English under ``C`` / ``en``.

* A command's and an option's help are texts of the engine catalogue: ``cli.help.<command>`` and
  ``cli.help.<command>.<option>`` (the group itself is ``formflow``; a command's ``-`` reads ``_``, an option is named
  by its parameter name), Flask's own commands and options (``run``, ``shell``, ``routes``, ``--app``...) included.
  The sources give click no help text of their own; ``localize_commands`` sets them before click reads the command
  line (it may print the help), for the group and every command it holds.
* click's own words ("Usage:", "Options", "Show this message and exit.", "Error: {message}", "Missing argument"...)
  are looked up by click with the standard ``gettext`` / ``ngettext`` functions its modules import (as ``_`` and
  ``ngettext``); those names are pointed at the ``click`` domain of formflow/translations (msgids: click's English),
  compiled in memory from the .po like the other catalogues (no .mo is built or committed).
* An option that falls back to a server setting (``SettingOption``: ``formflow serve --workers``) ends its help with
  the setting's environment variable and default (``cli.help.setting_note``), read from the ``engine.config`` setting
  the command itself reads, so the help cannot drift from what the command does.
* Headings ("Options:" / "选项：") and the usage line's prefix and metavars come from the catalogue too, so a
  Chinese help page has Chinese punctuation (a click heading's colon is written by click's formatter, not a msgid);
  so do the placeholders of the options' values ("TEXT", "INTEGER RANGE", "FILE": msgids of the ``click`` domain).
"""
from __future__ import annotations

import gettext
import io
import re
import sys
import unicodedata
import weakref
from functools import lru_cache
from pathlib import Path

import click
import click.shell_completion  # noqa: F401  (loaded here so that its words are translated too)
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from engine import i18n
from engine.config import BY_NAME, Setting
from formflow.cli_text import cli_locale

#: the ``click`` domain's catalogues (msgids: click's own English words)
CLICK_TRANSLATIONS = Path(__file__).resolve().parent / "translations"
CLICK_DOMAIN = "click"
#: click's modules that import ``gettext`` (as ``_``) and ``ngettext`` from the standard library
CLICK_MODULES = ("click.core", "click.decorators", "click.exceptions", "click.formatting", "click.parser",
                 "click.shell_completion", "click.termui", "click.types", "click.utils")
#: the group's own name in help keys (``cli.help.formflow``, ``cli.help.formflow.app``)
ROOT_NAME = "formflow"
#: the text of click's own --help option (a msgid of the ``click`` domain)
HELP_OPTION_TEXT = "Show this message and exit."
#: the widest a command's one-line summary in the commands list may be, in terminal columns (click's default limit)
SHORT_HELP_COLUMNS = 45
#: a line of Chinese text may break before any character but these (they close what comes before them)
NO_LINE_START = frozenset("，。、；：？！）》」』”’…,.;:?!)]")
#: a word of wide text: a run of spaces, a run of narrow characters (a Latin word, a number), or one wide character
WRAP_TOKEN = re.compile(r"\s+|[^\s\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]+|.")


def help_key(command: str, option: str | None = None) -> str:
    """``cli.help.init_db``, ``cli.help.serve.bind``: where a command's or an option's help lives in the catalogue."""
    key = "cli.help." + command.replace("-", "_")
    return f"{key}.{option}" if option else key


def help_text(key: str, locale: str) -> str | None:
    """The catalogue's text of ``key`` in ``locale`` (English when it has no translation); None when it has none."""
    return i18n.render(key, locale) if i18n.has_text(key) else None


@lru_cache(maxsize=None)
def click_translation(locale: str) -> gettext.NullTranslations:
    """click's words in ``locale``: the ``click`` domain's .po compiled in memory; English (click's msgids) as is."""
    path = i18n.po_path(CLICK_TRANSLATIONS, locale, CLICK_DOMAIN)
    if locale == i18n.DEFAULT_LOCALE or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as fh:
        catalogue = read_po(fh, locale=i18n.GETTEXT_NAMES[locale])
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def speak_click(locale: str) -> None:
    """Make click say its own words in ``locale`` (its modules' ``_`` and ``ngettext``, looked up when called)."""
    translation = click_translation(locale)
    for name in CLICK_MODULES:
        module = sys.modules[name]
        if callable(getattr(module, "_", None)):
            setattr(module, "_", translation.gettext)
        if callable(getattr(module, "ngettext", None)):
            setattr(module, "ngettext", translation.ngettext)


def columns(text: str) -> int:
    """How many terminal columns ``text`` takes (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def is_wide(text: str) -> bool:
    return columns(text) != len(text)


def wrap_wide(text: str, width: int, indent: str = "", subsequent_indent: str = "") -> list[str]:
    """One paragraph of text with Chinese in it as lines of at most ``width`` columns: a line may break between any
    two Chinese characters and at spaces, never inside a Latin word nor before closing punctuation (the character
    before such punctuation goes down with it)."""
    lines: list[list[str]] = [[]]
    space = False
    for token in WRAP_TOKEN.findall(" ".join(text.split())):
        if token.isspace():
            space = bool(lines[-1])
            continue
        line = lines[-1]
        prefix = indent if len(lines) == 1 else subsequent_indent
        if line and columns(prefix + "".join(line)) + space + columns(token) > width:
            carried = [line.pop()] if token in NO_LINE_START and len(line) > 1 else []
            while line and line[-1] == " ":
                line.pop()
            lines.append(carried)
            space = space and bool(carried)
        lines[-1] += [" ", token] if space and lines[-1] else [token]
        space = False
    return [(indent if n == 0 else subsequent_indent) + "".join(line) for n, line in enumerate(lines) if line]


def short_help(text: str) -> str:
    """A command's one-line summary from its help: the first sentence, cut to SHORT_HELP_COLUMNS with an ellipsis."""
    first = re.split(r"(?<=。)|\n", text.strip(), maxsplit=1)[0].rstrip("。")
    if columns(first) <= SHORT_HELP_COLUMNS:
        return first
    cut = first
    while columns(cut) > SHORT_HELP_COLUMNS - 1:
        cut = cut[:-1]
    depth, clauses = 0, []  # where a clause ends outside brackets: before a "（", at a "：" "，" "；"
    for i, c in enumerate(cut):
        if c in "（：，；" and depth == 0:
            clauses.append(i)
        depth += (c == "（") - (c == "）")
    if clauses and columns(cut[:clauses[-1]]) >= SHORT_HELP_COLUMNS // 2:  # when that keeps half of the room
        cut = cut[:clauses[-1]]
    return cut.rstrip("，、；： ") + "…"


class SettingOption(click.Option):
    """An option whose value, when not given, is the server setting ``setting`` (an ``engine.config`` name such as
    ``FORMFLOW_WORKERS``): the command reads the setting through ``option.setting`` and the help names its variable
    and default from it (``setting_note``)."""

    def __init__(self, *args, setting: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.setting: Setting = BY_NAME[setting]


def setting_note(setting: Setting, locale: str) -> str:
    """"[env FORMFLOW_WORKERS; default 2]" in ``locale``: where an option's value comes from when it is not given."""
    return i18n.render("cli.help.setting_note", locale, {"variable": setting.name, "default": setting.default})


class LocalizedHelpFormatter(click.HelpFormatter):
    """click's formatter with the usage prefix and the section headings in the shell's language, and text with Chinese
    in it wrapped by the columns it takes (click's wrapping counts characters and breaks at spaces only)."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, help_text("cli.help.usage", cli_locale()) if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{i18n.render('cli.help.heading', cli_locale(), {'name': heading})}\n")

    def wraps_wide(self, texts) -> bool:
        """Wrap by columns: in a language written wide (English keeps click's own wrapping, as it always read)."""
        return cli_locale() != i18n.DEFAULT_LOCALE and any(is_wide(text) for text in texts)

    def write_text(self, text: str) -> None:
        if not self.wraps_wide([text]):
            return super().write_text(text)
        indent = " " * self.current_indent
        paragraphs = [wrap_wide(p, self.width, indent, indent) for p in re.split(r"\n\s*\n", text) if p.strip()]
        self.write("\n\n".join("\n".join(p) for p in paragraphs) + "\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        if not self.wraps_wide(second for _, second in rows):
            return super().write_dl(rows, col_max, col_spacing)
        first_col = min(max(columns(first) for first, _ in rows), col_max) + col_spacing  # a placeholder may be wide
        margin = " " * (first_col + self.current_indent)
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            width = columns(first)
            self.write(" " * (first_col - width) if width <= first_col - col_spacing else "\n" + margin)
            lines = [line for p in re.split(r"\n\s*\n", second)
                     for line in wrap_wide(p, max(self.width - first_col - 2, 10))] or [""]
            self.write("\n".join([lines[0]] + [margin + line for line in lines[1:]]) + "\n")


class LocalizedContext(click.Context):
    formatter_class = LocalizedHelpFormatter


#: each option's own metavar (None: click makes it from the value's type), kept before the first language is set
_OWN_METAVARS: "weakref.WeakKeyDictionary[click.Option, str | None]" = weakref.WeakKeyDictionary()


def localize_metavar(option: click.Option, ctx: click.Context, locale: str) -> None:
    """The placeholder of ``option``'s value in the help ("TEXT", "INTEGER RANGE", "FILE", Flask's "IMPORT") in
    ``locale``: a msgid of the ``click`` domain (the placeholder as click prints it in English); a placeholder the
    catalogue has no words for (a choice's values, a date format) is left to click."""
    own = _OWN_METAVARS.setdefault(option, option.metavar)
    option.metavar = own
    if option.is_flag or option.count:
        return
    english = own if own is not None else option.type.get_metavar(param=option, ctx=ctx) or option.type.name.upper()
    words = click_translation(locale).gettext(english)
    if words != english:
        option.metavar = words + ("..." if option.nargs != 1 and own is None else "")


def localize_command(command: click.Command, name: str, locale: str) -> None:
    """Set ``command``'s help, its options' help, its --help option's text and its usage metavars for ``locale``."""
    text = help_text(help_key(name), locale)
    if text is not None:  # a summary of its own (Flask's commands have one), else cut from the help
        summary = help_text(help_key(name, "short"), locale)
        command.help, command.short_help = text, summary or (short_help(text) if is_wide(text) else None)
    command.context_class = LocalizedContext
    ctx = command.context_class(command, info_name=name, **command.context_settings)
    for param in command.params:
        if isinstance(param, click.Option):
            text = help_text(help_key(name, param.name or ""), locale)
            if text is not None:
                param.help = text + (" " + setting_note(param.setting, locale) if isinstance(param, SettingOption) else "")
            localize_metavar(param, ctx, locale)
    command.options_metavar = help_text("cli.help.options_metavar", locale)
    if isinstance(command, click.Group):
        command.subcommand_metavar = help_text("cli.help.subcommand_metavar", locale)
    help_option = command.get_help_option(ctx)
    if help_option is not None:  # made once per command, with the words of the language of that moment
        help_option.help = click_translation(locale).gettext(HELP_OPTION_TEXT)


def localize_commands(group: click.Group, ctx: click.Context) -> None:
    """The group and each of its commands (Flask's included) in the shell's language, click's own words too."""
    locale = cli_locale()
    speak_click(locale)
    localize_command(group, ROOT_NAME, locale)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is not None:
            localize_command(command, name, locale)
