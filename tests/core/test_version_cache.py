"""One cache of compiled artefacts on the Runtime, one policy (bounded LRU by kind and version), used by forms,
workflows, notification templates and dashboards."""
import pytest

from engine.cache import VersionCache
from engine.runtime import Actor
from engine.services import forms as fs


def test_least_recently_used_goes_first_and_a_failed_build_keeps_nothing():
    cache = VersionCache(size=2)
    built = []

    def build(v):
        built.append(v)
        return v

    assert cache.get("form", (1, 1), lambda: build("a")) == "a"
    assert cache.get("workflow", (1, 1), lambda: build("b")) == "b"
    assert cache.get("form", (1, 1), lambda: build("again")) == "a"  # a hit, and now the most recent
    cache.get("template", (9, 1, 3), lambda: build("c"))  # evicts the workflow, not the form
    assert cache.kinds() == {"form": 1, "template": 1}
    assert built == ["a", "b", "c"] and (cache.hits, cache.misses) == (1, 3)

    def broken():
        raise ValueError("no")

    with pytest.raises(ValueError):
        cache.get("dashboard", (1,), broken)
    assert "dashboard" not in cache.kinds()
    assert cache.forget("form", lambda key: key[0] == 1) == 1 and len(cache) == 1


def test_the_runtime_holds_the_one_cache_its_forms_use(rt):
    system = Actor.system()
    fs.create_app(rt, system, "shop", "Shop")
    fs.create_form(rt, system, "shop", {"key": "order", "label": "Order", "fields": [{"id": "n", "type": "text", "label": "N"}]})
    fs.publish_form(rt, system, "shop", "order")
    with rt.db.read() as conn:
        first = fs.compiled_form(rt, conn, "shop", "order")
        again = fs.compiled_form(rt, conn, "shop", "order")
    assert first is again and rt.forms.cache is rt.cache
    assert rt.cache.kinds().get("form") == 1
