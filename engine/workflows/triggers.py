"""Trigger kinds of a workflow, one small class each, registered by name in ``TRIGGERS``.

A trigger answers two questions. At publish time, ``compile`` checks its
settings against the form and returns a ``CompiledTrigger``. At save time,
``plan`` says which due-event rows a record should have: a ``Plan`` of
``occurrence -> fire_at`` plus which existing pending rows it governs (those
not wanted any more are moved or cancelled). Occurrence keys are
``<slot>@<what it is anchored on>``: a moved reminder is a new occurrence in
the same slot, so a pending row is moved, and one already sent stays sent.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from functools import lru_cache
from typing import Any, Callable

from engine.clock import utc_iso
from engine.errors import ErrorItem
from engine.fields import FIELD_TYPES
from engine.fields.base import type_words
from engine.registry import Registry
from engine.workflows.timing import Delay, Offset, TimingError, parse_cron, resolve_local
from zoneinfo import ZoneInfo

UTC = timezone.utc

#: Time zone choices besides an IANA name: whose wall clock a "09:00" means.
TZ_CHOICES = ("owner", "recipient", "workspace")
#: Deepest automation nesting at which record events still start workflows (a loop guard).
MAX_EVENT_DEPTH = 3
#: Distinct (date value, zone) pairs whose fire times a date-relative trigger remembers.
FIRES_CACHE_SIZE = 256


@dataclass
class Plan:
    """What a record's due rows should be for one workflow after a save."""

    desired: dict[str, datetime] = field(default_factory=dict)  # occurrence -> fire_at (UTC)
    governs: Callable[[str], bool] = lambda occ: False  # which pending rows this plan may move or cancel
    reason: str = "no longer planned"  # why governed pending rows not desired are cancelled


@dataclass
class SaveEvent:
    """A record save as the planner sees it (from the records ``Write``)."""

    action: str  # create / update / delete / restore
    record_id: int
    version: int
    values: dict  # data keyed by field id, after the save
    changed: set[str]
    owner_id: int | None
    depth: int  # automation nesting depth of the actor


class CompiledTrigger:
    kind = ""
    #: publishing the workflow plans rows for the records already there (event triggers look forward only)
    backfills = False
    #: whose wall clock the trigger means when the definition names no ``tz``: "owner" or "workspace"
    default_tz = "owner"

    def __init__(self, spec: dict, condition=None):
        self.spec = spec
        self.condition = condition  # CompiledRule or None

    def plan(self, wf, event: SaveEvent, now: datetime, tz_for: Callable[[], str], holds: Callable[[], bool]) -> Plan | None:
        """The due rows ``event``'s record should have; None leaves its rows alone."""
        return None

    def explain(self, wf, values: dict, owner_id, now: datetime, tz_for: Callable[[], str]) -> list[dict]:
        """What ``plan`` would compute for a record, for dry-run (one dict per occurrence)."""
        return []

    def record_bound(self) -> bool:
        """True when the trigger plans rows per record at save/publish (not a schedule sweep)."""
        return True


class TriggerKind:
    name = ""

    def compile(self, spec: dict, ctx, path: str) -> CompiledTrigger:
        raise NotImplementedError


TRIGGERS: Registry[TriggerKind] = Registry("workflow trigger")


def _timing_error(ctx, exc: TimingError, path: str) -> None:
    where = f"{path}/{exc.where}" if exc.where else path
    ctx.errors.append(ErrorItem.coded(exc.message_code, path=where, code="timing_invalid", **exc.params))


def _check_tz(spec: dict, ctx, path: str) -> str:
    tz = spec.get("tz", "owner")
    if tz in TZ_CHOICES:
        return tz
    try:
        resolve_local(datetime(2026, 1, 1), tz)
    except TimingError:
        ctx.errors.append(ErrorItem.coded("error.workflow.unknown_zone", path=f"{path}/tz", code="timing_invalid", tz=repr(tz)))
    return tz


def anchor_of(value: Any, ftype: str, tz: str) -> datetime | None:
    """A date or datetime field value as an aware UTC instant (a date means its local midnight)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        if ftype in FIELD_TYPES and FIELD_TYPES.get(ftype).holds_day:
            day = date.fromisoformat(value[:10])
            return resolve_local(datetime.combine(day, time(0)), tz)
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


# -- record events (and a delay after them) ---------------------------------

class RecordEventTrigger(CompiledTrigger):
    kind = "record_event"

    def _matches(self, event: SaveEvent) -> bool:
        on = set(self.spec.get("on") or ())
        if event.action == "create":
            return "created" in on
        if event.action != "update" or not event.changed:
            return False
        if "updated" in on:
            return True
        return "field_changed" in on and bool(event.changed & set(self.spec.get("fields") or ()))

    def plan(self, wf, event, now, tz_for, holds):
        if event.action == "delete":
            return Plan(governs=lambda occ: True, reason="record deleted")
        if event.depth > MAX_EVENT_DEPTH or not self._matches(event) or not holds():
            return None
        delay = self.spec.get("delay")
        fire_at = Delay(delay["amount"], delay["unit"]).fire_time(now, tz_for()) if delay else now
        return Plan({f"event@v{event.version}": fire_at})

    def explain(self, wf, values, owner_id, now, tz_for):
        delay = self.spec.get("delay")
        when = "immediately" if not delay else f"{delay['amount']} {delay['unit']} after"
        return [{"slot": "event", "explanation": f"runs {when} each time a record is {' / '.join(self.spec.get('on', []))}"}]


@TRIGGERS.register
class RecordEventKind(TriggerKind):
    name = "record_event"
    compiled_class = RecordEventTrigger

    def compile(self, spec, ctx, path):
        for i, fid in enumerate(spec.get("fields") or ()):
            ctx.require_field(fid, f"{path}/fields/{i}")
        if "field_changed" in (spec.get("on") or ()) and not spec.get("fields"):
            ctx.errors.append(ErrorItem.coded("error.workflow.fields_to_watch", path=f"{path}/fields", code="required"))
        if spec.get("delay"):
            try:
                Delay(spec["delay"]["amount"], spec["delay"]["unit"])
            except TimingError as exc:
                _timing_error(ctx, exc, f"{path}/delay")
        _check_tz(spec, ctx, path)
        return self.compiled_class(spec, ctx.condition(spec.get("condition"), f"{path}/condition"))


@TRIGGERS.register
class DelayKind(RecordEventKind):
    """'N minutes/hours/days after a record event': a record event with a required delay."""

    name = "delay"


# -- relative to a date field -------------------------------------------------

class DateRelativeTrigger(CompiledTrigger):
    kind = "date_relative"
    backfills = True

    def __init__(self, spec, condition, offsets: list[Offset], ftype: str):
        super().__init__(spec, condition)
        self.offsets = offsets
        self._slots = [(f"offset{i}@", off) for i, off in enumerate(offsets)]  # occurrence prefix, offset
        self.ftype = ftype
        # a pure function of (field value, zone): records sharing a date (a backfill, an import) compute it once
        self._fires_of = lru_cache(maxsize=FIRES_CACHE_SIZE)(self._compute_fires)

    def _fires(self, values: dict, tz: str) -> tuple[tuple[str, datetime, datetime], ...]:
        value = values.get(self.spec["field"])
        return self._fires_of(value, tz) if isinstance(value, str) else ()

    def _compute_fires(self, value: str, tz: str) -> tuple[tuple[str, datetime, datetime], ...]:
        anchor = anchor_of(value, self.ftype, tz)
        if anchor is None:
            return ()
        stamp = utc_iso(anchor)
        return tuple((slot + stamp, off.from_anchor(anchor, tz), anchor) for slot, off in self._slots)

    def plan(self, wf, event, now, tz_for, holds):
        governs = lambda occ: occ.startswith("offset")  # noqa: E731
        if event.action == "delete":
            return Plan(governs=governs, reason="record deleted")
        if not holds():
            return Plan(governs=governs, reason="the trigger condition is no longer true")
        fires = {occ: at for occ, at, _ in self._fires(event.values, tz_for())}
        # an occurrence the record still wants whose time has come is the scheduler's now: an edit of another field
        # between its fire time and the tick that claims it must not cancel it
        due = frozenset(occ for occ, at in fires.items() if at <= now)
        return Plan({occ: at for occ, at in fires.items() if at > now}, lambda occ: governs(occ) and occ not in due,
                    reason="the date it was planned from changed or was cleared")

    def fires_after(self, values: dict, tz: str, now: datetime) -> dict[str, datetime]:
        """The occurrences a record with ``values`` wants, in ``tz``, still ahead of ``now``: ``{occurrence: fire_at}``."""
        return {occ: at for occ, at, _ in self._fires(values, tz) if at > now}

    def explain(self, wf, values, owner_id, now, tz_for):
        tz = tz_for()
        out = []
        for (occ, at, anchor), off in zip(self._fires(values, tz), self.offsets):
            out.append({"slot": occ.split("@")[0], "occurrence": occ, "fire_at": utc_iso(at), "tz": tz,
                        "fire_at_local": at.astimezone(_zone(tz)).strftime("%Y-%m-%d %H:%M %Z"),
                        "anchor": utc_iso(anchor), "offset": off.to_dict(), "in_past": at <= now})
        if not out:
            out.append({"explanation": f"field {self.spec['field']!r} is empty, so nothing is planned"})
        return out


def _zone(tz: str):

    return ZoneInfo(tz)


@TRIGGERS.register
class DateRelativeKind(TriggerKind):
    name = "date_relative"

    def compile(self, spec, ctx, path):
        fld = ctx.require_field(spec.get("field"), f"{path}/field")
        ftype = fld["type"] if fld else None
        if fld and not FIELD_TYPES.get(ftype).is_temporal:  # a date-relative trigger watches a date or datetime field
            ctx.errors.append(ErrorItem.coded("error.workflow.reminder_needs_date", path=f"{path}/field", field_id=spec.get("field"),
                                              code="wrong_type", field=repr(spec["field"]), type=type_words(ftype)))
        offsets = []
        for i, raw in enumerate(spec.get("offsets") or ()):
            try:
                offsets.append(Offset.from_dict(raw))
            except TimingError as exc:
                _timing_error(ctx, exc, f"{path}/offsets/{i}")
        _check_tz(spec, ctx, path)
        return DateRelativeTrigger(spec, ctx.condition(spec.get("condition"), f"{path}/condition"), offsets, ftype)


# -- a schedule over the records matching a filter -------------------------------

class ScheduleTrigger(CompiledTrigger):
    kind = "schedule"
    default_tz = "workspace"

    def __init__(self, spec, condition, cron):
        super().__init__(spec, condition)
        self.cron = cron

    def record_bound(self) -> bool:
        return False

    def plan(self, wf, event, now, tz_for, holds):
        if event.action == "delete":  # a sweep's per-record rows not yet run
            return Plan(governs=lambda occ: occ.startswith("cron@"), reason="record deleted")
        return None

    def next_fire(self, after: datetime, tz: str) -> datetime:
        return self.cron.next_after(after, tz)

    def explain(self, wf, values, owner_id, now, tz_for):
        return [{"slot": "cron", "explanation": f"runs on schedule {self.cron.text!r} ({tz_for()}) for every record matching the filter"}]


@TRIGGERS.register
class ScheduleKind(TriggerKind):
    name = "schedule"

    def compile(self, spec, ctx, path):
        cron = None
        try:
            cron = parse_cron(spec.get("cron", ""))
        except TimingError as exc:
            _timing_error(ctx, exc, path)
        tz = spec.get("tz", "workspace")
        if tz in ("owner", "recipient"):
            ctx.errors.append(ErrorItem.coded("error.workflow.schedule_zone", path=f"{path}/tz", code="timing_invalid"))
        else:
            _check_tz(spec, ctx, path)
        ctx.check_filters(spec.get("filters") or [], f"{path}/filters")
        return ScheduleTrigger(spec, ctx.condition(spec.get("condition"), f"{path}/condition"), cron)

