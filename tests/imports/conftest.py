"""Fixtures of the import tests: the built-in CRM installed, and files made in memory."""
from __future__ import annotations

import csv
import io

import pytest

from engine.runtime import Actor
from engine.services import app_templates


@pytest.fixture
def crm(rt):
    """The built-in CRM app on the ``rt`` runtime (SQLite and PostgreSQL)."""
    app_templates.install_template(rt, Actor.system(), "crm")
    return rt


@pytest.fixture
def api_crm(app):
    """The built-in CRM app on the ``app`` (for REST tests with ``client``)."""
    rt = app.extensions["formflow"]
    app_templates.install_template(rt, Actor.system(), "crm")
    return rt


def csv_bytes(rows: list[list], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("客户")
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
