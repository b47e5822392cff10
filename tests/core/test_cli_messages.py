"""The ``formflow`` commands speak the shell's language (issue 21, point 8): what they print comes from the engine
catalogue (``cli.`` keys, ``formflow.cli_text.say``), counts as gettext plurals; no source string hedges a plural with
"(s)", and no click.echo / ClickException / prompt / progress label is given English text written in the source.
Their help too: no ``help=`` text nor a command function's docstring (click's help) in the source; each command's and
option's help is ``cli.help.<command>[.<option>]`` (formflow.cli_help), Flask's commands included, and click's own
words ("Usage:", "Options", "Show this message and exit.", "Error: ...") read in Chinese under a Chinese locale."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from engine import i18n
from formflow.cli import cli
from formflow.cli_help import ROOT_NAME, help_key, wrap_wide
from formflow.cli_text import LANGUAGE_VARIABLES, cli_locale, say

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


#: decorators whose function's docstring click takes as the command's help
COMMAND_DECORATORS = {"command", "group"}


def help_literals(source: str) -> list[int]:
    """Lines where click is given help text written in the source: ``help=`` / ``short_help=`` / ``epilog=`` with
    words, or the docstring of a function made a command (``@x.command(...)``, ``@click.group(...)``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            found += [node.lineno for k in node.keywords if k.arg in ("help", "short_help", "epilog") and _is_text(k.value)]
        elif isinstance(node, ast.FunctionDef) and ast.get_docstring(node) is not None and any(
                isinstance(d, ast.Call) and getattr(d.func, "attr", getattr(d.func, "id", "")) in COMMAND_DECORATORS
                for d in node.decorator_list):
            found.append(node.body[0].lineno)
    return sorted(found)


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


@pytest.mark.parametrize("path", CLI_SOURCES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_help_text_is_written_in_the_source(path):
    assert help_literals(path.read_text(encoding="utf-8")) == [], "help is cli.help.<command>[.<option>] in engine.po"


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
    assert help_literals(COMMANDS_SAMPLE) == [2, 4, 7]


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


COMMANDS_SAMPLE = '''@cli.command('x')
@click.option('--n', help='how many')
def x(n):
    """Do x."""
@click.group(cls=G)
def g():
    """The group."""
def helper():
    """Not a command."""
@click.option('--m', help=None)
@cli.command('y')
def y(m):
    pass
'''


def _commands() -> list[tuple[str, click.Command]]:
    """The group and every command it lists (Flask's run, shell and routes too), by their help key's name."""
    ctx = click.Context(cli, info_name=ROOT_NAME)
    return [(ROOT_NAME, cli)] + [(name, cli.get_command(ctx, name)) for name in cli.list_commands(ctx)]


def _invoke(args: list[str], lang: str):
    env = {name: None for name in LANGUAGE_VARIABLES} | {"LANG": lang}
    return CliRunner().invoke(cli, args, env=env, prog_name=ROOT_NAME)


def _wide(line: str) -> int:
    return sum(2 if ord(c) > 0x2e80 else 1 for c in line)


@pytest.fixture
def english_after():
    """click's words and the commands' help are set per run: leave them English for whatever runs next."""
    yield
    _invoke(["--help"], "C.UTF-8")


def test_every_command_and_option_has_its_help_in_both_languages():
    missing = []
    for name, command in _commands():
        keys = [help_key(name)] + [help_key(name, p.name) for p in command.params if isinstance(p, click.Option)]
        missing += [k for k in keys if not (i18n.has_text(k, "en") and i18n.has_text(k, "zh-CN"))]
    assert len(_commands()) > 12 and missing == []


@pytest.mark.parametrize("name", [name for name, _ in _commands()])
def test_help_reads_in_the_shells_language(name, english_after):
    args = [] if name == ROOT_NAME else [name]
    command = dict(_commands())[name]
    keys = [help_key(name)] + [help_key(name, p.name) for p in command.params if isinstance(p, click.Option)]
    zh = _invoke([*args, "--help"], "zh_CN.UTF-8")
    assert zh.exit_code == 0, zh.output
    for words in ("用法：", "选项：", "显示此帮助信息并退出。"):
        assert words in zh.output
    assert not re.search(r"Usage:|Options:|Commands:|Show this message", zh.output)
    flat = re.sub(r"\s+", "", zh.output)
    for key in keys:  # each Chinese text is there (wrapped), and no English one
        assert re.sub(r"\s+", "", i18n.render(key, "zh-CN")) in flat, key
        english = i18n.render(key, "en")
        assert english == i18n.render(key, "zh-CN") or english.split(". ")[0] not in zh.output, key
    assert [line for line in zh.output.splitlines() if _wide(line) > 80 and " " in line.strip()] == []
    en = _invoke([*args, "--help"], "C.UTF-8")
    assert en.exit_code == 0 and f"Usage: {' '.join([ROOT_NAME, *args])}" in en.output and "Options:" in en.output
    assert "Show this message and exit." in en.output
    assert not re.search("[\u4e00-\u9fff]{2}", en.output.replace("客户名称", ""))  # an example's column name


#: click's placeholders of an option's value as it prints them in English (its types' names, Flask's --app IMPORT)
CLICK_METAVARS = re.compile(r"(?<![\w-])(?:TEXT|INTEGER|FLOAT|BOOLEAN|FILE|FILENAME|PATH|DIRECTORY|IMPORT)(?: RANGE)?(?![\w-])")


@pytest.mark.parametrize("name", [name for name, _ in _commands()])
def test_an_options_value_placeholder_reads_in_the_shells_language(name, english_after):
    """"--workers 整数", not "--workers INTEGER RANGE"; the help of each option starts at the same column (a Chinese
    placeholder takes two columns a character); English keeps click's words."""
    args = [] if name == ROOT_NAME else [name]
    command = dict(_commands())[name]
    takes_values = [p for p in command.params if isinstance(p, click.Option) and not p.is_flag and not p.count]
    zh = _invoke([*args, "--help"], "zh_CN.UTF-8").output.split("选项：", 1)[1].split("命令：")[0]  # the options only
    assert CLICK_METAVARS.findall(zh) == []
    rows = [re.match(r"^(  -.*?\S)( {2,})\S", line) for line in zh.splitlines()]
    assert len({_wide(m.group(1)) + len(m.group(2)) for m in rows if m}) <= 1, zh
    en = _invoke([*args, "--help"], "C.UTF-8").output
    for option in takes_values:
        if option.metavar is not None or not isinstance(option.type, (click.Choice, click.DateTime)):
            assert re.search(rf"{max(option.opts, key=len)} {CLICK_METAVARS.pattern}", en), option.opts


def test_clicks_own_words_and_refusals_read_in_chinese(english_after):
    wrong = _invoke(["nosuch"], "zh_CN.UTF-8")
    assert wrong.exit_code == 2
    assert "用法：formflow [选项] 命令 [参数]..." in wrong.output and "错误：没有命令 'nosuch'。" in wrong.output
    assert "运行“formflow --help”查看帮助。" in wrong.output
    out_of_range = _invoke(["demo", "--customers", "0"], "zh_CN.UTF-8")
    assert "错误：'--customers' 的值无效：0 不在范围 1<=x<=100000 内。" in out_of_range.output
    listed = _invoke(["--help"], "zh_CN.UTF-8").output
    assert "命令：" in listed and "  init-db         创建或升级数据库结构（可重复执行）\n" in listed
    assert "  run             运行开发服务器。\n" in listed  # Flask's commands keep a summary of their own
    english = _invoke(["nosuch"], "C.UTF-8")
    assert "Usage: formflow [OPTIONS] COMMAND [ARGS]..." in english.output
    assert "Error: No such command 'nosuch'." in english.output and "Try 'formflow --help' for help." in english.output


def test_chinese_wraps_by_the_columns_it_takes():
    lines = wrap_wide("修改后会触发重载的其他文件；多个路径用“:”分隔。也可以写成 python-dotenv 这样的词", 20, "  ", "  ")
    assert len(lines) > 3 and all(_wide(line) <= 20 for line in lines)
    assert not any(line.strip()[0] in "，。；：" for line in lines)  # no line starts with closing punctuation
    assert "python-dotenv" in "".join(lines) and "".join(lines).replace(" ", "").startswith("修改后")
