"""Dashboards as data: chart definitions checked at save time and computed in the database.

``definition`` checks a dashboard (schemas/dashboard.schema.json, then every
field, aggregate, filter and period against the app's published forms) and
compiles it into charts; ``periods`` turns a period and a date bucket into SQL
in the workspace time zone; ``charts`` holds the chart types (one small class
each, registered by name); ``sql`` builds the one GROUP BY statement per chart
over the same JSON expressions the query layer and the automatic indexes use.
Records are never loaded into Python: only the grouped rows come back.
"""
