"""Chart types: one small class each, registered by name in ``CHART_TYPES``.

A chart type says whether it groups (bar, line, pie, funnel, table) or shows
one value (number, gauge), whether it needs a target, and adds what it shows
beyond the computed figures (a gauge's ratio to its target, a funnel's
conversion from the step before).
"""
from __future__ import annotations

from engine.registry import Registry

CHART_TYPES: "Registry[ChartType]" = Registry("chart type")


class ChartType:
    name = ""
    #: the chart groups rows (needs ``group_by``); otherwise it shows one value
    grouped = True
    #: the chart needs a ``target``
    needs_target = False
    #: a target is meaningful on this chart (per group for grouped charts: "target vs done")
    takes_target = True

    def finish(self, result: dict) -> None:
        """Add what this chart type shows beyond the figures (in place)."""
        target = (result.get("target") or {}).get("value")
        if not self.grouped and target:
            result["ratio"] = round(result["value"] / target, 4) if result.get("value") is not None else 0.0


@CHART_TYPES.register
class NumberChart(ChartType):
    name = "number"
    grouped = False


@CHART_TYPES.register
class GaugeChart(ChartType):
    name = "gauge"
    grouped = False
    needs_target = True


@CHART_TYPES.register
class BarChart(ChartType):
    name = "bar"


@CHART_TYPES.register
class LineChart(ChartType):
    name = "line"


@CHART_TYPES.register
class TableChart(ChartType):
    name = "table"


@CHART_TYPES.register
class PieChart(ChartType):
    name = "pie"
    takes_target = False


@CHART_TYPES.register
class FunnelChart(ChartType):
    """Groups in their defined order (a select field's choice order); each step's share of the first."""

    name = "funnel"
    takes_target = False

    def finish(self, result: dict) -> None:
        groups = result.get("groups") or []
        first = groups[0]["value"] if groups else None
        for g in groups:
            g["share"] = round(g["value"] / first, 4) if first else None
