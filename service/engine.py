"""The engine of this worker process, opened on first use (after gunicorn forks)."""
from __future__ import annotations

import threading

from flask import current_app

from indexer.pipeline import open_engine
from insider.memory import freeze_long_lived_objects

_lock = threading.Lock()


def current_engine():
    ext = current_app.extensions
    if "insider.engine" not in ext:
        with _lock:
            if "insider.engine" not in ext:
                ext["insider.engine"] = open_engine(ext["insider.settings"])
                freeze_long_lived_objects()  # the engine's objects live as long as the worker
    return ext["insider.engine"]


def now():
    return current_app.extensions["insider.settings"].clock()
