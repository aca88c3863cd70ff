"""gunicorn settings for eventplanner in production: ``gunicorn -c deploy/gunicorn.conf.py``.

Sync workers: the benchmarks showed them steadier than threads here (see the README).
"""

import multiprocessing
import os

wsgi_app = "eventplanner:create_app()"
bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
worker_class = "sync"
timeout = 30
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then: bounded memory, whatever a long life leaks.
max_requests = 5000
max_requests_jitter = 500
# The app writes one JSON line per request to stderr; gunicorn's own access log is off.
accesslog = None
errorlog = "-"
loglevel = "info"
# Behind one reverse proxy on the same host: trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
