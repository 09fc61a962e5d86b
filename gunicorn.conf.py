"""gunicorn's settings for production: `gunicorn -c gunicorn.conf.py 'app:create_app()'`.

gunicorn reads this file by itself when started in this folder; a command-line option still wins
(`--workers 3`). The site's own settings (SITE_URL and the rest) stay FLASK_ variables.
"""

import os

# Where to listen: "0.0.0.0:8000" in a container, a unix socket ("unix:/run/behovsborsen.sock") behind
# a local reverse proxy. GUNICORN_BIND, or gunicorn's own default (127.0.0.1:8000, or 0.0.0.0:$PORT).
if os.environ.get("GUNICORN_BIND"):
    bind = [address.strip() for address in os.environ["GUNICORN_BIND"].split(",") if address.strip()]

# Threaded workers. A sync worker serves one connection at a time and waits for a slow or idle
# client (two idle sockets made the next visitor wait 15 seconds); a gthread worker keeps waiting
# connections in a selector and gives a thread only to a request that has arrived.
worker_class = "gthread"
# Threads per worker: requests spend most of their time in the database and the index. With SQLite
# every write waits for one file lock (at most 5 seconds, then the request fails): keep workers ×
# threads small there, or use PostgreSQL for a busy site.
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Processes: one per core, at least two (a crashed worker is replaced while the other serves), at most
# four by default (each keeps its own index readers and caches). GUNICORN_WORKERS sets it.
workers = int(os.environ.get("GUNICORN_WORKERS", str(max(2, min(os.cpu_count() or 1, 4)))))

# A worker that has not reported for this many seconds is killed and replaced (a stuck request).
timeout = 60
# Seconds a worker has, after a restart or a stop, to finish the requests it is serving.
graceful_timeout = 30
# Seconds an idle keep-alive connection is kept open for the client's next request. Behind a reverse
# proxy that keeps connections open itself, raise it above the proxy's idle timeout.
keepalive = 5

# Limits on the request head (the body is limited by the site's MAX_CONTENT_LENGTH): the request
# line (a search with many filters stays well within 8190 bytes), the number of header fields and the
# size of one (cookies included).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190

# The workers' heartbeat files in memory: on a container's overlay disk a slow write can make
# gunicorn think a worker hangs.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# Log each request to stdout (GUNICORN_ACCESS_LOG=none turns it off); errors go to stderr.
accesslog = None if os.environ.get("GUNICORN_ACCESS_LOG") == "none" else "-"
