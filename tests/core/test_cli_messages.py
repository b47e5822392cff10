"""The ``formflow`` commands speak the shell's language (issue 21, point 8): what they print comes from the engine
catalogue (``cli.`` keys, ``formflow.cli_text.say``), counts as gettext plurals; no source string hedges a plural with
"(s)", and no click.echo / ClickException / prompt / progress label is given English text written in the source."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from engine import i18n
from formflow.cli_text import cli_locale, say

ROOT = Path(__file__).resolve().parents[2]
#: where the command line's modules live
CLI_SOURCES = sorted([*(ROOT / "formflow").glob("*.py"), *(ROOT / "engine").glob("cli*.py")])
#: a hedged plural ("worker(s)"); a web address's scheme "http(s)" is not one
HEDGED = re.compile(r"(?<!http)\(s\)|\(es\)", re.I)
#: calls whose text a person reads: click.echo(text), raise ClickException(text), click.prompt(text), progressbar(label=)
SPOKEN = {"echo", "secho", "ClickException", "UsageError", "BadParameter", "prompt", "confirm"}


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    return [(node.lineno, node.value) for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def _is_text(node: ast.AST | None) -> bool:
    """A literal or an f-string with words in it (not a bare '{x}' or a separator)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(re.search(r"[A-Za-z]{2,}", node.value))
    if isinstance(node, ast.JoinedStr):
        return any(_is_text(v) for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, ast.BinOp):
        return _is_text(node.left) or _is_text(node.right)
    return False


def spoken_literals(source: str) -> list[int]:
    """Lines where a person-facing click call is given text written in the source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        args = list(node.args[:1]) if name in SPOKEN else []
        args += [k.value for k in node.keywords if k.arg in ("label", "message", "text") and name in SPOKEN | {"progressbar"}]
        if any(_is_text(a) for a in args):
            found.append(node.lineno)
    return found


def hedged_strings(source: str) -> list[str]:
    return [f"{line}: {text}" for line, text in _strings(ast.parse(source)) if HEDGED.search(text)]


def test_there_are_cli_sources_to_read():
    assert len(CLI_SOURCES) >= 6 and any(p.name == "cli_text.py" for p in CLI_SOURCES)


@pytest.mark.parametrize("path", CLI_SOURCES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_cli_string_hedges_a_plural(path):
    assert hedged_strings(path.read_text(encoding="utf-8")) == [], "a count is a gettext plural (msgid_plural '<key>.plural')"


@pytest.mark.parametrize("path", CLI_SOURCES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_what_the_commands_print_comes_from_the_catalogue(path):
    assert spoken_literals(path.read_text(encoding="utf-8")) == [], "print say('<key>', ...) (cli.<key> in engine.po)"


def test_the_guards_see_what_they_are_meant_to():
    sample = ("import click\n"
              "def f(n, x):\n"
              "    click.echo(f'{n} worker(s) started')\n"
              "    click.echo(say('serve.started', n=n))\n"
              "    click.echo(x)\n"
              "    raise click.ClickException('no such user')\n"
              "    with click.progressbar(length=n, label='checking') as bar: pass\n")
    assert spoken_literals(sample) == [3, 6, 7]
    assert [hit.split(":")[0] for hit in hedged_strings(sample)] == ["3"]
    assert hedged_strings("x = 'https://a and http(s)://b'") == []


@pytest.mark.parametrize("environ, locale", [
    ({}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LANG": "POSIX"}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh-CN"),
    ({"LANG": "en_US.UTF-8", "LC_ALL": "zh_CN.UTF-8"}, "zh-CN"),  # LC_ALL overrides LANG
    ({"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, "en"),
    ({"LANGUAGE": "zh_CN:en", "LANG": "en_US.UTF-8"}, "zh-CN"),
    ({"LANG": "fr_FR.UTF-8"}, "en"),  # a language we don't have: English
])
def test_the_language_comes_from_the_environment(environ, locale):
    assert cli_locale(environ) == locale


@pytest.mark.parametrize("count, en, zh", [
    (1, "scheduler stopped after 1 tick", "调度器已停止，共运行 1 轮"),
    (3, "scheduler stopped after 3 ticks", "调度器已停止，共运行 3 轮"),
])
def test_a_count_takes_its_plural_form(monkeypatch, count, en, zh):
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert say("scheduler.stopped", count=count) == en
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert say("scheduler.stopped", count=count) == zh


def test_every_cli_key_the_sources_use_is_in_both_languages():
    used = set()
    for path in CLI_SOURCES:
        used |= {f"cli.{k}" for k in re.findall(r"""\bsay\(\s*["']([a-z_.]+)["']""", path.read_text(encoding="utf-8"))}
    assert len(used) > 30
    assert sorted(k for k in used if not (i18n.has_text(k, "en") and i18n.has_text(k, "zh-CN"))) == []
