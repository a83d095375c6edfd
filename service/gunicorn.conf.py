"""gunicorn settings for `make run` / `make serve`. The engine opens lazily in each worker (after
the fork), so workers never share an index handle; tantivy readers are cheap and concurrent.

Sync workers, one per core, for the embedded engine: a request is CPU-bound Python plus a tantivy
search, and threads only add GIL contention (ticker queries at 1M filings on 2 cores, session 3:
503 req/s with 2 sync workers, 205 with 4 gthread workers x 2 threads; session 4, after the
request path was trimmed, three 10 s runs each: 2 sync 786-879, 3 sync 731-835, 4 sync 708-771,
2 gthread x 2 threads 762-986 req/s, none ahead beyond the noise; session 5, interleaved runs
after a warm-up: 2 sync 1,103, 2 gthread x 1/2/4 threads with keep-alive 953/978/920 req/s;
gunicorn_h1c's C parser, TCP_CORK and a plain close measured no gain; session 16: gevent with
keep-alive ~10 % more requests but unfair, a client with its next request ready keeping the worker
(p99 1.4 s against ~50 ms); BENCHMARKS.md).
With OpenSearch a request mostly waits on the network, so twice as many workers. Sync workers do
not defend against slow clients: facing the internet, put a buffering proxy (nginx) in front.
`WEB_CONCURRENCY` overrides the worker count."""
import multiprocessing
import os

_cores = multiprocessing.cpu_count()
workers = int(os.environ.get("WEB_CONCURRENCY") or (2 * _cores if os.environ.get("OPENSEARCH_URL") else _cores))
worker_class = "sync"
threads = 1
timeout = 60
accesslog = "-"
# API keys sent as ?token= stay out of the access log (service/access_log.py)
logger_class = "service.access_log.RedactingLogger"
errorlog = "-"
loglevel = "info"
