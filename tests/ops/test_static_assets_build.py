"""formflow.static_assets without a server: hashed twins written once per content, compressed when it pays,
pages pointed at them, stale trees removed."""
from __future__ import annotations

import os
import time

from formflow.static_assets import STALE_TREE_SECONDS, build_manifest, hashed_name


def test_twins_are_hashed_compressed_and_rebuilt_only_when_content_changes(tmp_path):
    static, cache = tmp_path / "static", tmp_path / "cache"
    (static / "vendor").mkdir(parents=True)
    (static / "app.css").write_text("body { color: red; }\n" * 200)
    (static / "vendor" / "lib.min.js").write_text("x")
    (static / "logo.png").write_bytes(b"\x89PNG" + bytes(100))
    first = build_manifest(static, cache)
    css = first.hashed["app.css"]
    assert css == hashed_name("app.css", (static / "app.css").read_bytes()) and css.startswith("app.") and css.endswith(".css")
    assert (first.folder / css).read_bytes() == (static / "app.css").read_bytes()
    assert (first.folder / (css + ".gz")).exists() and (first.folder / (css + ".br")).exists()
    assert not (first.folder / (first.hashed["vendor/lib.min.js"] + ".gz")).exists()  # one byte: compression doesn't pay
    assert not (first.folder / (first.hashed["logo.png"] + ".gz")).exists()  # images are not compressed
    assert build_manifest(static, cache).folder == first.folder  # same content: same tree, not rebuilt
    page = b'<link href="/ui/static/app.css"><script src="/ui/static/unknown.js"></script><a href="/ui/static/app.css?x">'
    assert first.rewrite(page) == (f'<link href="/ui/static/{css}"><script src="/ui/static/unknown.js"></script>'
                                   f'<a href="/ui/static/app.css?x">').encode()
    old = time.time() - STALE_TREE_SECONDS - 60
    os.utime(first.folder, (old, old))
    (static / "app.css").write_text("body { color: blue; }\n" * 200)
    second = build_manifest(static, cache)
    assert second.hashed["app.css"] != css and second.hashed["logo.png"] == first.hashed["logo.png"]
    assert sorted(p.name for p in cache.iterdir()) == [second.folder.name]  # the day-old tree is gone
