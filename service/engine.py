"""The engine of this worker process, opened on first use (after gunicorn forks)."""
from __future__ import annotations

import threading

from flask import current_app

from indexer.pipeline import open_engine

_lock = threading.Lock()


def current_engine():
    ext = current_app.extensions
    if "insider.engine" not in ext:
        with _lock:
            if "insider.engine" not in ext:
                ext["insider.engine"] = open_engine(ext["insider.settings"])
    return ext["insider.engine"]


def now():
    return current_app.extensions["insider.settings"].clock()
