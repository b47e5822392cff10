"""Static files with content-hashed names, long caching and compression, served by WhiteNoise.

At start-up every file under ``designer_ui/static`` gets a hashed twin (``app.css`` -> ``app.3f2a1b9c0d12.css``),
written with its gzip and brotli variants once per content into a shared cache folder (workers and restarts reuse
it). WhiteNoise serves the twins before Flask sees the request, with ``Cache-Control: public, max-age=31536000,
immutable`` and the encoding the browser accepts. Pages keep writing plain ``/ui/static/app.css``: an after-request
hook swaps each known static URL in an HTML page for its hashed twin, so an unchanged file keeps its URL across
deploys and the browser never asks for it again, while a changed one gets a new URL. Plain names still work
(served by Flask, revalidated each time).
"""
from __future__ import annotations

import gzip
import hashlib
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import brotli
from flask import Flask, Response
from whitenoise import WhiteNoise

#: the Cache-Control of a hashed file: its URL changes whenever its content does
IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable"
#: suffixes worth compressing (images and fonts are compressed already)
COMPRESSIBLE_SUFFIXES = frozenset({".js", ".css", ".json", ".svg", ".html", ".txt", ".map", ".mjs"})
#: a compressed variant is kept only when it saves at least this share of the bytes
MIN_COMPRESSION_SAVING = 0.05
#: hex digits of the content hash in a file name
HASH_LENGTH = 12
#: where the hashed twins are written (one sub-folder per content of the whole static tree)
CACHE_ROOT = Path(tempfile.gettempdir()) / "formflow-static"
#: a cached tree not rebuilt for this long belongs to no running server (a rolling deploy takes minutes) and is removed
STALE_TREE_SECONDS = 24 * 3600
#: static URLs in a page's src/href attributes
_URL = re.compile(rb'(?P<attr>(?:src|href)=")(?P<prefix>/ui/static/)(?P<path>[^"?#]+)"')


@dataclass(frozen=True)
class AssetManifest:
    """Plain path -> hashed path of every static file, and the folder the hashed twins are in."""

    hashed: dict[str, str]
    folder: Path

    def rewrite(self, html: bytes) -> bytes:
        def swap(match: re.Match) -> bytes:
            twin = self.hashed.get(match["path"].decode())
            return match[0] if twin is None else match["attr"] + match["prefix"] + twin.encode() + b'"'
        return _URL.sub(swap, html)


def hashed_name(path: str, content: bytes) -> str:
    stem, dot, suffix = path.rpartition(".")
    digest = hashlib.sha256(content).hexdigest()[:HASH_LENGTH]
    return f"{stem}.{digest}.{suffix}" if dot and "/" not in suffix else f"{path}.{digest}"


def _write_twin(folder: Path, name: str, content: bytes) -> None:
    target = folder / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    if target.suffix not in COMPRESSIBLE_SUFFIXES:
        return
    for suffix, packed in ((".gz", gzip.compress(content, compresslevel=9, mtime=0)),
                           (".br", brotli.compress(content, quality=9))):
        if len(packed) <= len(content) * (1 - MIN_COMPRESSION_SAVING):
            (folder / (name + suffix)).write_bytes(packed)


def build_manifest(static_dir: Path, cache_root: Path = CACHE_ROOT) -> AssetManifest:
    """Hash every static file and make sure its twins exist (written once per content, atomically)."""
    files = sorted(p for p in static_dir.rglob("*") if p.is_file())
    contents = {p.relative_to(static_dir).as_posix(): p.read_bytes() for p in files}
    hashed = {path: hashed_name(path, content) for path, content in contents.items()}
    tree = hashlib.sha256("\n".join(f"{p} {h}" for p, h in sorted(hashed.items())).encode()).hexdigest()[:16]
    folder = cache_root / tree
    if not folder.is_dir():
        cache_root.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=f".{tree}-", dir=cache_root))
        for path, content in contents.items():
            _write_twin(building, hashed[path], content)
        try:
            os.rename(building, folder)
        except OSError:  # another process finished the same tree first
            shutil.rmtree(building, ignore_errors=True)
        _remove_stale_trees(cache_root, keep=folder)
    return AssetManifest(hashed, folder)


def _remove_stale_trees(cache_root: Path, keep: Path) -> None:
    """Drop the twins of static trees no server has built for a day (each edit of a static file makes a new tree)."""
    cutoff = time.time() - STALE_TREE_SECONDS
    for tree in cache_root.iterdir():
        try:
            if tree != keep and tree.stat().st_mtime < cutoff:
                shutil.rmtree(tree, ignore_errors=True)
        except OSError:  # removed by another process meanwhile
            pass


def init_app(app: Flask, static_dir: Path, url_prefix: str = "/ui/static/") -> AssetManifest:
    """Serve the hashed twins through WhiteNoise and point HTML pages at them."""
    manifest = build_manifest(static_dir)
    twins = frozenset(url_prefix + name for name in manifest.hashed.values())

    def add_headers(headers, path: str, url: str) -> None:
        headers["Cache-Control"] = IMMUTABLE_CACHE_CONTROL
        headers["X-Content-Type-Options"] = "nosniff"

    served = WhiteNoise(app.wsgi_app, add_headers_function=add_headers,
                        immutable_file_test=lambda path, url: url in twins)
    served.add_files(str(manifest.folder), prefix=url_prefix)
    app.wsgi_app = served

    @app.after_request
    def _hashed_static_urls(response: Response) -> Response:
        if response.mimetype == "text/html" and not response.direct_passthrough and not response.is_streamed:
            response.set_data(manifest.rewrite(response.get_data()))
        return response

    app.extensions["formflow_static"] = manifest
    return manifest
