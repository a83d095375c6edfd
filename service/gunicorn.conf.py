"""gunicorn settings for `make run` / `make serve`. The engine opens lazily in each worker (after
the fork), so workers never share an index handle; tantivy readers are cheap and concurrent."""
import multiprocessing

workers = max(2, multiprocessing.cpu_count() * 2)
threads = 2
worker_class = "gthread"
timeout = 60
accesslog = "-"
errorlog = "-"
loglevel = "info"
