"""The two-command set-up: a fresh virtual environment installs the package and its run command serves the API.

The install is a real ``pip install`` of the project (a wheel built with pip's
build isolation, as a newcomer's would be, so missing package data such as
schemas, migrations or templates would show) into a new venv without system
site-packages. The project's dependencies come from the environment running the
tests (a ``.pth`` line naming its site-packages, read after the venv's own), so
only the build backend is fetched, never the runtime dependencies.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from engine.storage.db import alembic_config

ROOT = Path(__file__).resolve().parents[2]


def test_cli_init_db_and_openapi(db_url, tmp_path):
    from click.testing import CliRunner

    from formflow.cli import cli

    env = {"DATABASE_URL": db_url, "FORMFLOW_INSTANCE": str(tmp_path / "instance"), "FORMFLOW_INSTALL_TEMPLATES": "0"}
    result = CliRunner().invoke(cli, ["init-db"], env=env)
    assert result.exit_code == 0, result.output
    assert "database ready" in result.output
    result = CliRunner().invoke(cli, ["openapi"], env=env)
    assert result.exit_code == 0
    assert json.loads(result.output)["openapi"].startswith("3.1")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_fresh_venv_install_then_run_serves_openapi(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    venv_site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip()
    ours = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))  # this test run's dependencies
    (Path(venv_site) / "formflow-test-dependencies.pth").write_text("".join(f"{d}\n" for d in ours))
    src = tmp_path / "src"  # a copy: pip builds in the source tree, and the work tree is shared by concurrent runs
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__",
                                                             "instance", "node_modules", ".hypothesis", "*.db"))
    build = subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", str(src)],
                           capture_output=True, text=True, cwd=tmp_path)
    assert build.returncode == 0, build.stderr[-2000:]
    workdir = tmp_path / "site"
    workdir.mkdir()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FORMFLOW_INSTANCE", "PYTHONPATH")}
    server = subprocess.Popen([str(venv / "bin" / "formflow"), "run", "--port", str(port)], cwd=workdir, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        spec = None
        for _ in range(300):  # polling a starting server; the test asserts no duration
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/openapi.json", timeout=5) as resp:
                    spec = json.load(resp)
                break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.2)
        assert spec is not None, server.stdout.read() if server.poll() is not None else "server did not answer"
        assert spec["openapi"].startswith("3.1") and "/api/apps" in spec["paths"]
        assert (workdir / "instance" / "formflow.db").exists()
        # the installed copy is the one serving, not the working tree
        where = subprocess.run([str(py), "-c", "import engine, formflow; print(engine.__file__)"], capture_output=True,
                               text=True, cwd=workdir).stdout
        assert str(venv) in where
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_migrations_have_exactly_one_head_and_every_branch_is_labelled():
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == ["0015_dedup_keys_fk_deferred"], "a new migration must revise the current head"
    assert script.get_bases() == ["0001_core"]
    branch_starts = [r for r in script.walk_revisions() if r.down_revision == "0001_core"]
    assert len(branch_starts) == 11 and all(r.branch_labels for r in branch_starts)
    labels = [label for r in branch_starts for label in r.branch_labels]
    assert len(labels) == len(set(labels))


def test_migrating_a_database_left_at_the_old_branch_heads_reaches_the_one_head(db_url):
    engine = sa.create_engine(db_url)
    old_heads = ScriptDirectory.from_config(alembic_config()).get_revision("0006_merge_branches").down_revision
    try:
        with engine.begin() as conn:
            for head in old_heads:  # where an instance upgraded with "heads" stood
                command.upgrade(alembic_config(conn), head)
        with engine.begin() as conn:
            assert set(MigrationContext.configure(conn).get_current_heads()) == set(old_heads)
            command.upgrade(alembic_config(conn), "head")
        with engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_heads() == ("0015_dedup_keys_fk_deferred",)
    finally:
        engine.dispose()
