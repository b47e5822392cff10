"""formflow engine: the Flask-free core.

Definitions, field types, validation, rules, auto-fill, templating, storage,
services, workflows, notifications and the scheduler live here. Nothing in this
package (outside ``engine.api``) imports Flask: the REST API and the designer
are thin adapters over ``engine.services``.
"""
