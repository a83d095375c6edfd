# The service image. Only the packages are copied: the work tree also holds .venv, .cache and data,
# which must not end up in the image. The image has no Rust toolchain, so it parses with the
# pure-Python reference parser and the embedded engine aggregates through tantivy-py (identical
# results; native/ and native/aggregate/ are the faster paths `make setup` builds). With
# OPENSEARCH_URL set, as in docker-compose.yml, neither matters for serving.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    INSIDER_DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml ./
COPY insider ./insider
COPY indexer ./indexer
COPY service ./service
COPY mappings ./mappings
COPY search ./search
RUN pip install . \
 && useradd --system --home-dir /app insider \
 && mkdir -p /data \
 && chown insider /data

USER insider
EXPOSE 8000
CMD ["gunicorn", "--config", "service/gunicorn.conf.py", "service.app:create_app()", "--bind", "0.0.0.0:8000"]
