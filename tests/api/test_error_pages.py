"""An exception no view expected: a person gets the app's HTML error page in their language (status 500, the error
logged); an API client keeps the JSON 500 envelope. The raising routes exist only in this test's app."""
from __future__ import annotations

import logging

import pytest


class Boom(RuntimeError):
    pass


@pytest.fixture
def raising_app(app):
    def boom():
        raise Boom("the view broke")

    app.add_url_rule("/apps/boom-page", "boom_page", boom)
    app.add_url_rule("/api/boom", "boom_api", boom)
    return app


def test_a_page_that_raises_answers_with_the_html_page_in_the_readers_language(raising_app, client, caplog):
    with caplog.at_level(logging.ERROR):
        zh = client.get("/apps/boom-page", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert zh.status_code == 500
    assert zh.mimetype == "text/html"
    html = zh.get_data(as_text=True)
    assert 'lang="zh-CN"' in html and 'data-testid="error-page"' in html
    assert "服务器出错了，错误已记录。" in html and "the view broke" not in html  # no internals shown to the reader
    assert any(r.exc_info and isinstance(r.exc_info[1], Boom) for r in caplog.records)  # logged with its traceback

    en = client.get("/apps/boom-page", headers={"Accept-Language": "en-US"})
    assert en.status_code == 500 and en.mimetype == "text/html"
    assert "Something went wrong on our side; the error was logged." in en.get_data(as_text=True)


def test_the_api_keeps_its_json_500(raising_app, client):
    r = client.get("/api/boom", headers={"Accept-Language": "en-US"})
    assert r.status_code == 500 and r.mimetype == "application/json"
    assert r.get_json()["error"]["code"] == "internal_error"
