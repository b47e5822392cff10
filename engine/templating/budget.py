"""One render's budget (loop iterations, characters built, wall-clock time) and the guards that spend it."""
from __future__ import annotations

import functools
import time
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any, Callable

from jinja2 import pass_eval_context
from jinja2.runtime import markup_join, str_join

from engine.templating.errors import RenderLimit
from engine.templating.limits import (
    MAX_LOOP_ITERATIONS, MAX_RANGE, MAX_RENDER_SECONDS, MAX_TEMPLATE_BUILT, MAX_TEMPLATE_OUTPUT,
)


def text_size(value: Any, limit: int = MAX_TEMPLATE_BUILT) -> int:
    """About how many characters ``str(value)`` makes, counted without making it (stops counting past ``limit``)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (list, tuple, Mapping)):
        total = 2
        for item in (value.items() if isinstance(value, Mapping) else value):
            total += text_size(item, limit) + 2
            if total > limit:
                break
        return total
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() * 30103 // 100000 + 2  # log10(2): digits, sign
    return 32


def too_long(size: int, what: str) -> None:
    if size > MAX_TEMPLATE_OUTPUT:
        raise RenderLimit("error.template.limit.too_long_by", what=repr(what), max=MAX_TEMPLATE_OUTPUT)



def budgeted(fn: Callable) -> Callable:
    """A filter that checks the render's clock before it runs and the length of the text it made."""
    @functools.wraps(fn)  # keeps Jinja's pass_context / pass_eval_context marker
    def run(*args, **kwargs):
        budget = CURRENT_BUDGET.get()
        if budget is not None:
            budget.check_time()
        out = fn(*args, **kwargs)
        if isinstance(out, str) and len(out) > MAX_TEMPLATE_OUTPUT:
            raise RenderLimit("error.template.limit.filter_too_long", max=MAX_TEMPLATE_OUTPUT)
        return out
    return run



def loop_guard(iterable, weight=0):
    """Counts loop iterations (and the text each pass writes, ``weight``) against the render's budget."""
    budget = CURRENT_BUDGET.get() or Budget()
    for item in iterable:
        budget.tick(weight)
        yield item


@pass_eval_context
def concat_guard(eval_ctx, parts):
    """``a ~ b ~ c``, sized before the text is made."""
    size = 0
    for part in parts:
        size += text_size(part)
        too_long(size, "~")
    budget = CURRENT_BUDGET.get()
    if budget is not None:
        budget.check_time()
    return markup_join(parts) if eval_ctx.autoescape else str_join(parts)


def safe_range(*args: int) -> range:
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise RenderLimit("error.template.limit.range", max=MAX_RANGE)
    return rng


class Budget:
    """One render's budget: loop iterations, characters built, a deadline on the monotonic clock."""

    __slots__ = ("left", "built", "deadline")

    def __init__(self) -> None:
        self.left = MAX_LOOP_ITERATIONS
        self.built = 0
        self.deadline = time.monotonic() + MAX_RENDER_SECONDS

    def tick(self, weight: int = 0) -> None:
        self.left -= 1
        if self.left < 0:
            raise RenderLimit("error.template.limit.loops", max=MAX_LOOP_ITERATIONS)
        self.build(weight)

    def build(self, size: int) -> None:
        self.built += size
        if self.built > MAX_TEMPLATE_BUILT:
            raise RenderLimit("error.template.limit.built", max=MAX_TEMPLATE_BUILT)
        self.check_time()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise RenderLimit("error.template.limit.time", max=MAX_RENDER_SECONDS)


#: the budget of the render running in this thread (filters have no other way to reach it)
CURRENT_BUDGET: ContextVar[Budget | None] = ContextVar("formflow_render_budget", default=None)

