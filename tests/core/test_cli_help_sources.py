"""A command's help says what the command does, from the same source: an option that falls back to a server setting
(``formflow serve --workers``, cli_help.SettingOption) names the setting's variable and default as engine.config has
them, in both languages, and the command falls back to that very setting; no help text writes such a note by hand; and
a command's help names its arguments as its usage line does (APP_KEY, FORM_KEY; never a bare APP or FORM)."""
from __future__ import annotations

import os
import re

import click
import pytest
from click.testing import CliRunner

from engine import i18n
from engine.config import BY_NAME
from engine.metrics import MULTIPROC_VARIABLE
from formflow.cli import cli
from formflow.cli_help import ROOT_NAME, SettingOption, help_key, setting_note
from formflow.cli_text import LANGUAGE_VARIABLES

LANGS = {"en": "C.UTF-8", "zh-CN": "zh_CN.UTF-8"}


def _invoke(args: list[str], lang: str, **env: str):
    return CliRunner().invoke(cli, args, env={name: None for name in LANGUAGE_VARIABLES} | {"LANG": lang} | env,
                              prog_name=ROOT_NAME)


def _commands() -> dict[str, click.Command]:
    ctx = click.Context(cli, info_name=ROOT_NAME)
    return {name: cli.get_command(ctx, name) for name in cli.list_commands(ctx)}


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def english_after():
    """click's words and the commands' help are set per run: leave them English for whatever runs next."""
    yield
    _invoke(["--help"], LANGS["en"])


def test_serve_takes_its_settings_through_setting_options():
    options = {p.name: p.setting.name for p in _commands()["serve"].params if isinstance(p, SettingOption)}
    assert options == {"bind": "FORMFLOW_BIND", "workers": "FORMFLOW_WORKERS", "threads": "FORMFLOW_THREADS",
                       "graceful_timeout": "FORMFLOW_GRACEFUL_TIMEOUT"}


@pytest.mark.parametrize("locale", LANGS)
def test_a_setting_options_help_names_the_settings_variable_and_default(locale, english_after):
    for name, command in _commands().items():
        for option in [p for p in command.params if isinstance(p, SettingOption)]:
            out = _flat(_invoke([name, "--help"], LANGS[locale]).output)
            own = i18n.render(help_key(name, option.name), locale)
            assert _flat(own + setting_note(option.setting, locale)) in out, (name, option.name)
            assert option.setting.name not in own and option.setting.default not in own  # no copy to drift


def test_the_note_reads_in_each_language():
    setting = BY_NAME["FORMFLOW_WORKERS"]
    assert setting_note(setting, "en") == f"[env FORMFLOW_WORKERS; default {setting.default}]"
    assert setting_note(setting, "zh-CN") == f"[环境变量 FORMFLOW_WORKERS；默认 {setting.default}]"


def test_no_help_text_writes_a_settings_note_by_hand():
    for locale in LANGS:
        texts = i18n.engine_catalogue()[locale]
        assert [k for k, t in texts.items() if k.startswith("cli.help.") and k != "cli.help.setting_note"
                and (re.search(r"\[(env|环境变量) ", t) or any(n in t for n in BY_NAME if n.startswith("FORMFLOW_")))] == []


def test_serve_falls_back_to_the_settings_its_help_names(monkeypatch, tmp_path):
    started = []
    monkeypatch.setattr(os, "execv", lambda path, argv: started.append(argv))
    clean = {name: "" for name in BY_NAME} | {MULTIPROC_VARIABLE: str(tmp_path)}  # restored after each run
    assert _invoke(["serve"], LANGS["en"], **clean).exit_code == 0
    assert _invoke(["serve", "--threads", "7"], LANGS["en"], **clean | {"FORMFLOW_WORKERS": "3"}).exit_code == 0
    defaults, chosen = (dict(zip(argv[5::2], argv[6::2])) for argv in started)
    assert defaults == {"--bind": BY_NAME["FORMFLOW_BIND"].default, "--workers": BY_NAME["FORMFLOW_WORKERS"].default,
                        "--threads": BY_NAME["FORMFLOW_THREADS"].default,
                        "--graceful-timeout": BY_NAME["FORMFLOW_GRACEFUL_TIMEOUT"].default}
    assert (chosen["--workers"], chosen["--threads"]) == ("3", "7")


@pytest.mark.parametrize("locale", LANGS)
def test_a_commands_help_names_its_arguments_as_its_usage_does(locale, english_after):
    """"APP_KEY's FORM_KEY", not "APP's FORM", where the usage line says APP_KEY FORM_KEY."""
    checked = 0
    for name, command in _commands().items():
        arguments = {p.human_readable_name for p in command.params if isinstance(p, click.Argument)}
        parts = {part for a in arguments for part in a.split("_")} - arguments
        if not arguments:
            continue
        checked += 1
        out = _invoke([name, "--help"], LANGS[locale]).output
        assert all(a in out for a in arguments), name
        assert [w for w in re.findall(r"(?<![A-Za-z_])[A-Z]+(?![A-Za-z_])", out) if w in parts] == [], name
    assert checked >= 2
