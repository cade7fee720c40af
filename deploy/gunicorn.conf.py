"""Gunicorn settings for the portal (gunicorn --config deploy/gunicorn.conf.py).

Every value comes from the environment file (/etc/portal/portal.env), so the same file serves
one instance on port 8000 or several on 8101, 8102, ... behind nginx (docs/operations.md).
"""
import multiprocessing
import os

wsgi_app = "portal.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")

# Sync workers behind nginx: nginx buffers slow clients, so a worker is busy only while Django
# works, mostly on the CPU. One per core plus one keeps the cores busy while a worker waits on
# PostgreSQL; more only make them take turns (bench/run_load.sh on 2 cores, 30 s: 2 workers 83.5
# req/s, 3 workers 78-80, 5 workers 67-70, 8 workers 68, with p99 rising from 0.4 s to 0.6 s).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"

# A large Excel file is received and stored within one request (its rows are read by the import worker).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never grows; the jitter keeps them from restarting together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10

# The portal's RequestLogMiddleware writes one JSON line per request; gunicorn's own access log
# would only repeat it. Gunicorn's errors and worker restarts go to stderr (the journal).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Only our nginx on this machine may tell gunicorn that the original request was HTTPS.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = os.environ.get("GUNICORN_PROC_NAME", "portal")
# Gunicorn 25+ opens a control socket in $HOME by default; several instances on one machine would
# fight over it, and systemd's ExecReload (HUP) is all the control needed.
control_socket_disable = True


def post_worker_init(worker):
    """Garbage collection tuned for request work: the objects loaded at start-up (Django, the apps, the
    templates) are frozen out of every collection, and a collection starts after 100,000 new objects
    rather than 700 (a request makes tens of thousands). bench/run_load.sh: 57-62 → 67-70 req/s."""
    import gc

    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
