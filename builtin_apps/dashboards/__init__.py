"""Dashboards shipped with the built-in app templates, one file per template key (``crm.json``).

They are data like the templates themselves; ``engine.services.dashboards``
adds them to the template's ``dashboards`` part when the app file has none.
"""
