"""The locked dependency set (``requirements/test.lock``, written by ``tools/lock``) still satisfies setup.cfg.

Every requirement of ``install_requires`` and of the extras the lock is made for names a package the lock pins
exactly, at a version its specifier allows; the lock pins every package it lists with ``==``. Read with
``packaging`` from the two files only: no network, no resolver. A requirement added to setup.cfg without
running ``tools/lock`` fails here, naming it.
"""
from __future__ import annotations

import configparser
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements" / "test.lock"

#: the setup.cfg extras the lock is compiled with (tools/lock passes the same ``--extra`` flags)
LOCKED_EXTRAS = ("test", "postgres")


def setup_cfg_requirements(text: str, extras=LOCKED_EXTRAS) -> list[Requirement]:
    """``install_requires`` plus the named extras of a setup.cfg text, as parsed requirements."""
    cfg = configparser.ConfigParser(interpolation=None)
    cfg.read_string(text)
    blocks = [cfg.get("options", "install_requires", fallback="")]
    blocks += [cfg.get("options.extras_require", extra) for extra in extras]
    return [Requirement(line.strip()) for block in blocks for line in block.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def lock_pins(text: str) -> dict[str, list[Requirement]]:
    """The lock's entries by canonical name (a universal lock may pin one package twice under different markers)."""
    logical = text.replace("\\\n", " ")  # join continuation lines (the --hash options)
    pins: dict[str, list[Requirement]] = {}
    for line in logical.splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        spec = " ".join(part for part in line.split() if not part.startswith("--hash="))
        requirement = Requirement(spec)
        pins.setdefault(canonicalize_name(requirement.name), []).append(requirement)
    return pins


def mismatches(setup_cfg: str, lock: str) -> list[str]:
    """What is wrong between a setup.cfg text and a lock text, one sentence each (empty: they agree)."""
    problems: list[str] = []
    pins = lock_pins(lock)
    for name, entries in pins.items():
        for entry in entries:
            if len(entry.specifier) != 1 or next(iter(entry.specifier)).operator != "==":
                problems.append(f"the lock does not pin {name} to one version: {entry}")
    for requirement in setup_cfg_requirements(setup_cfg):
        name = canonicalize_name(requirement.name)
        if name not in pins:
            problems.append(f"setup.cfg requires {requirement} but the lock has no {name}: run tools/lock")
            continue
        for entry in pins[name]:
            version = next(iter(entry.specifier)).version
            if not requirement.specifier.contains(version, prereleases=True):
                problems.append(f"setup.cfg requires {requirement} but the lock pins {name}=={version}: run tools/lock")
    return problems


def test_the_lock_satisfies_setup_cfg():
    problems = mismatches((ROOT / "setup.cfg").read_text(), LOCK.read_text())
    assert not problems, "\n".join(problems)


def test_the_lock_is_hashed_and_made_by_tools_lock():
    text = LOCK.read_text()
    assert "#    tools/lock\n" in text  # regenerate it with the script, not by hand
    for name, entries in lock_pins(text).items():
        assert all(entry.url is None for entry in entries), name
    entries = text.replace("\\\n", " ").splitlines()
    unhashed = [line for line in entries if "==" in line and not line.startswith("#") and "--hash=sha256:" not in line]
    assert not unhashed, unhashed


SETUP_CFG = """
[options]
install_requires =
    flask>=3.0
    sqlalchemy>=2.0.30,<3

[options.extras_require]
postgres =
    psycopg[binary]>=3.1.18
test =
    pytest>=8.0
"""


def _lock(*pins: str) -> str:
    return "# header\n" + "".join(f"{pin} \\\n    --hash=sha256:{'0' * 64}\n    # via x\n" for pin in pins)


def test_a_lock_that_agrees_has_no_mismatch():
    lock = _lock("flask==3.1.3", "sqlalchemy==2.1.9", "psycopg==3.3.9", "psycopg-binary==3.3.9 ; implementation_name != 'pypy'",
                 "pytest==9.2.0", "colorama==0.4.6 ; sys_platform == 'win32'")
    assert mismatches(SETUP_CFG, lock) == []


def test_a_missing_package_a_version_outside_the_specifier_and_a_loose_pin_are_each_named():
    lock = _lock("Flask==2.3.3", "sqlalchemy==3.0.0", "psycopg>=3.2")
    problems = mismatches(SETUP_CFG, lock)
    assert any("flask>=3.0" in p and "flask==2.3.3" in p for p in problems), problems
    assert any("sqlalchemy<3,>=2.0.30" in p or "sqlalchemy>=2.0.30,<3" in p for p in problems), problems
    assert any("does not pin psycopg" in p for p in problems), problems
    assert any("no pytest" in p for p in problems), problems
