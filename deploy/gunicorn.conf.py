"""Gunicorn settings for the portal (gunicorn --config deploy/gunicorn.conf.py).

Every value comes from the environment file (/etc/portal/portal.env), so the same file serves
one instance on port 8000 or several on 8101, 8102, ... behind nginx (docs/operations.md).
"""
import multiprocessing
import os

wsgi_app = "portal.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")

# Sync workers behind nginx: nginx buffers slow clients, so a worker is busy only while Django
# works, mostly on the CPU. One per core: PostgreSQL, on the same machine, works on a core while
# that core's worker waits for it, and a third worker only makes the others take turns
# (bench/run_load.sh on 2 cores, 60 s, 3/12/2026: 2 workers 112.6-119.9 req/s with p99 243-260 ms,
# 3 workers 106.0-110.8 with p99 276-293 ms; earlier, 5 and 8 workers served fewer still).
# Never fewer than two, so that one long request (a large download) does not hold up everyone.
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count())))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"

# A large Excel file is received and stored within one request (its rows are read by the import worker).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never grows; the jitter keeps them from restarting together.
# A new worker spends about a second of CPU starting and filling its caches, while the other workers
# serve alone: at 2,000 requests each worker restarted about once a minute under full load, and
# with two workers that alone took p99 from 243-260 ms to 285 ms.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
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
    templates) are frozen out of every collection (bench/run_load.sh: 57-62 → 67-70 req/s), and the
    youngest generation is collected after 10,000 new objects rather than 700. Waiting for 100,000 cost
    no less CPU in all, but each collection then stopped a request for about 50 ms: the portal's p99
    was 52-55 ms with it and 44-45 ms with 10,000, and the load's p99 213-220 ms against 222-233."""
    import gc

    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
