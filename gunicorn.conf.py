"""Gunicorn's settings for Qualifica in production (README, "Running in production").

Gunicorn reads this file by itself when started from the checkout (``gunicorn`` with no
arguments serves ``wsgi:app``); an option given on the command line wins over the value
here (``gunicorn --workers 8``). The values contain a runaway request instead of letting it
take the machine: a silent worker is killed and replaced, a stopping one is killed after
the grace period, every worker is replaced after a while (so no slow growth of its memory
lasts), and the heartbeat lives in memory, never on a disk that can stall. The memory cap
itself is the service's (systemd ``MemoryMax=``), since Gunicorn has none.
"""

# Where and what: behind the reverse proxy, on loopback.
wsgi_app = "wsgi:app"
bind = "127.0.0.1:8000"
workers = 4  # about two per core; each holds its own database connections
worker_class = "sync"

# A worker silent for this long (a request stuck, a reader gone wild) is killed and
# replaced; the longest legitimate request, checking a 50 MB upload, takes seconds.
timeout = 120
# On a stop or reload, a worker gets this long to finish its request, then is killed.
graceful_timeout = 30
# Each worker is replaced after about this many requests (the jitter keeps them from
# all restarting together).
max_requests = 2000
max_requests_jitter = 200
# The workers' heartbeat files: in memory (tmpfs), never on a disk that can stall them.
worker_tmp_dir = "/dev/shm"  # noqa: S108 - tmpfs on purpose, Gunicorn's own advice
keepalive = 5  # seconds; the proxy reuses its connections

# Logs to standard output and error, for journald.
accesslog = "-"
errorlog = "-"
loglevel = "info"
