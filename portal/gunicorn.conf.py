"""Gunicorn settings for `make serve`, from the environment (README, Production).

Each worker process runs GUNICORN_THREADS threads; each thread keeps its PostgreSQL connection (DB_CONN_MAX_AGE,
60 s in production), so at most WEB_CONCURRENCY × GUNICORN_THREADS are open.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Signing and checking a large PDF takes seconds; a request still running after this is killed.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Workers are replaced now and then, so that a slow leak in a library never grows without end.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "1000"))
max_requests_jitter = max_requests // 10
# Only the reverse proxy on these addresses may set X-Forwarded-For/-Proto for gunicorn itself.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Gunicorn 25+ opens a control socket under $HOME by default; the portal is managed by signals and the service manager.
control_socket_disable = True
