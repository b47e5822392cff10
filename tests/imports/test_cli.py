"""``formflow import``: progress, dry run, refused rows file, and a real kill (SIGKILL) in the middle of the commit
followed by the same command again, which resumes the same import and ends with every good row imported once."""
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from engine.imports.tables import import_jobs, import_rows
from formflow.cli import cli
from engine.runtime import Actor
from engine.services import queries
from tests.imports.conftest import csv_bytes

ROOT = Path(__file__).resolve().parents[2]
HEADER = ["客户名称", "客户等级", "电话"]
#: the shell's language as the CLI reads it (formflow.cli_text): English, or Chinese
ENGLISH = {"LANGUAGE": None, "LC_ALL": None, "LC_MESSAGES": None, "LANG": "C.UTF-8"}
CHINESE = {**ENGLISH, "LANG": "zh_CN.UTF-8"}


def test_dry_run_then_import_with_a_refused_rows_file(api_crm, runner, tmp_path):
    path = tmp_path / "客户.csv"
    path.write_bytes(csv_bytes([HEADER, ["甲公司", "重点", "13800000001"], ["乙公司", "不知道", "13800000002"],
                                ["甲公司", "普通", "13800000003"]], "gb18030"))
    dry = runner.invoke(cli, args=["import", "crm", "customer", str(path), "--dry-run"], env=ENGLISH)
    assert dry.exit_code == 0, dry.output
    assert "客户名称" in dry.output and "-> name" in dry.output and "valid 1, invalid 1, duplicates 1" in dry.output
    assert "line 3: 客户等级: '不知道' is not one of the choices" in dry.output and "dry run: nothing saved" in dry.output
    refused = tmp_path / "refused.csv"
    done = runner.invoke(cli, args=["import", "crm", "customer", str(path), "--no-automations", "--refused", str(refused)], env=ENGLISH)
    assert done.exit_code == 0, done.output
    assert "resuming import" in done.output and "imported 1 record; not imported: 1 invalid, 1 duplicate" in done.output
    assert refused.read_text("utf-8-sig").splitlines()[0] == "line,state,reason,客户名称,客户等级,电话"
    bad = runner.invoke(cli, args=["import", "crm", "customer", str(path), "--mapping", '{"nope": "name"}'], env=ENGLISH)
    assert bad.exit_code != 0 and "/mapping/nope" in bad.output


def test_the_import_command_speaks_the_shells_language(api_crm, runner, tmp_path):
    """LANG=zh_CN.UTF-8: the command's own words, the rows' problems and the refused rows file are Chinese."""
    path = tmp_path / "客户.csv"
    path.write_bytes(csv_bytes([HEADER, ["甲公司", "重点", "13800000001"], ["乙公司", "不知道", "13800000002"],
                                ["甲公司", "普通", "13800000003"]]))
    dry = runner.invoke(cli, args=["import", "crm", "customer", str(path), "--dry-run"], env=CHINESE)
    assert dry.exit_code == 0, dry.output
    assert "新的导入" in dry.output and "共 3 行" in dry.output and "有效 1，无效 1，重复 1" in dry.output
    assert "第 3 行：客户等级：'不知道' 不是可选项之一（重点、主要、普通）" in dry.output and "试运行：未保存任何内容" in dry.output
    assert "第 4 行：客户名称：客户名称与第 2 行相同" in dry.output
    refused = tmp_path / "refused.csv"
    done = runner.invoke(cli, args=["import", "crm", "customer", str(path), "--no-automations", "--refused", str(refused)], env=CHINESE)
    assert done.exit_code == 0, done.output
    assert "继续导入" in done.output and "已导入 1 条记录；未导入：无效 1 行，重复 1 行，被拒绝 0 行" in done.output
    lines = refused.read_text("utf-8-sig").splitlines()
    assert lines[0] == "行号,状态,原因,客户名称,客户等级,电话" and lines[1].startswith("3,无效,客户等级：'不知道' 不是可选项之一")
    bad = runner.invoke(cli, args=["import", "crm", "customer", str(path), "--mapping", '{"nope": "name"}'], env=CHINESE)
    assert bad.exit_code != 0 and "/mapping/nope：文件中没有列" in bad.output


def _committed(rt) -> int:
    if rt.db.dialect == "sqlite":  # a plain WAL reader: the engine's connections begin IMMEDIATE and would queue behind the writer
        with sqlite3.connect(sa.engine.make_url(rt.db.url).database) as conn:
            return conn.execute("select count(*) from import_rows where state = 'committed'").fetchone()[0]
    with rt.db.read() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(import_rows).where(import_rows.c.state == "committed")).scalar_one()


def _cli(db_url: str, path: Path, tmp_path: Path) -> subprocess.Popen:
    env = {**os.environ, "LANGUAGE": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "C.UTF-8", "DATABASE_URL": db_url, "FORMFLOW_INSTANCE": str(tmp_path / "instance"), "FORMFLOW_INSTALL_TEMPLATES": "0",
           "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", "from formflow.cli import main; main()", "import", "crm", "customer", str(path), "--batch-size", "5"],
                            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_a_killed_import_run_again_ends_with_the_same_result(crm, db_url, tmp_path):
    rows = [HEADER] + [[f"公司{i:03d}", "普通", f"139{i:08d}"] for i in range(150)] + [["公司000", "普通", "13700000000"]]
    path = tmp_path / "big.csv"
    path.write_bytes(csv_bytes(rows))
    worker = _cli(db_url, path, tmp_path)
    deadline = time.monotonic() + 240
    while _committed(crm) < 10 and worker.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    worker.send_signal(signal.SIGKILL)
    worker.wait(30)
    assert worker.returncode == -signal.SIGKILL, worker.stdout.read()  # killed mid-import, not finished
    halfway = _committed(crm)
    assert 10 <= halfway < 150 and halfway % 5 == 0  # whole batches only

    again = _cli(db_url, path, tmp_path)
    output, _ = again.communicate(timeout=600)
    assert again.returncode == 0, output
    assert "resuming import" in output and "imported 150 records; not imported: 0 invalid, 1 duplicate" in output
    with crm.db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(import_jobs)).scalar_one() == 1
    found = queries.list_records(crm, Actor.system(), "crm", "customer", queries.Query(page_size=500))["items"]
    assert sorted(r["data"]["name"] for r in found) == [f"公司{i:03d}" for i in range(150)]  # every good row, once
