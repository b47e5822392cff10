"""The WSGI application for a production server: ``gunicorn formflow.wsgi:application`` (``formflow serve`` does this).

Settings come from the environment and ``FORMFLOW_CONFIG`` (``engine.config``).
"""
from formflow import create_app

application = create_app()
