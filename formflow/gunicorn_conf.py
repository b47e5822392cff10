"""Gunicorn settings and hooks of ``formflow serve`` (the command line gives bind, workers, threads, timeouts).

The app is built once in the master (``preload_app``: migrations run once, the static files are hashed once) and
each forked worker drops the database connections it inherited, so no two processes share a socket. A dead
worker's live metrics are folded away (``engine.metrics.worker_exited``). SIGTERM is gunicorn's graceful stop:
workers finish their requests within ``--graceful-timeout`` seconds, then exit.
"""
from engine import metrics

preload_app = True
worker_class = "gthread"
errorlog = "-"
#: a request running longer than this many seconds gets its worker restarted
timeout = 120
#: idle keep-alive connections are closed after this many seconds (behind a proxy that pools connections)
keepalive = 5


def post_fork(server, worker):
    worker.app.wsgi().extensions["formflow"].db.engine.dispose(close=False)  # the master's connections stay the master's


def child_exit(server, worker):
    metrics.worker_exited(worker.pid)
