"""How our processes treat their memory: the freed memory a server keeps instead of handing it
back to the kernel, the long-lived objects the garbage collector no longer walks, and the batch
ingest that runs without the cyclic collector (`cyclic_collector_paused`).

glibc returns the top of a malloc arena to the kernel once more than its trim threshold is free,
and serves large allocations with their own mmap. A year-long by-sector request on the embedded
engine allocates ~10 MB of column buffers per aggregation thread and frees them at the end; under
glibc's defaults they went back to the kernel after each request and were faulted in again by the
next one: ~2,200 page faults, 8-10 ms of a ~20 ms request (BENCHMARKS.md, session 9). Keeping up to
INSIDER_MALLOC_KEEP_MB free per arena makes the next request reuse them. 0 leaves glibc's own
thresholds; other C libraries are left alone.

Python's cyclic garbage collector walks every tracked object in a full collection. A service
process (Flask, flask-smorest, marshmallow, the engine clients: ~50,000 objects) took 20-30 ms for
one on this machine, and one ran about once in 150 by-sector requests, in the middle of a request
(a 38 ms request where the others took 12-16). `freeze_long_lived_objects` (gc.freeze) puts what
exists after startup out of the collector's reach, so a full collection walks only what requests
left behind. Objects are still freed when their last reference goes; only a reference cycle among
frozen objects would stay (the app and the engine live as long as the process).
"""
from __future__ import annotations

import contextlib
import ctypes
import gc
import platform
from typing import Iterator

# glibc's malloc.h
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# glibc's ceiling on the mmap threshold on 64-bit machines (DEFAULT_MMAP_THRESHOLD_MAX)
MMAP_THRESHOLD_MAX = 32 * 1024 * 1024


def keep_freed_memory(mib: int) -> bool:
    """Let each malloc arena keep up to `mib` MiB of freed memory (allocations up to 32 MiB, or
    `mib` when smaller, come from the arenas rather than their own mmap). True when glibc took it."""
    if mib <= 0 or platform.libc_ver()[0] != "glibc":
        return False
    mallopt = ctypes.CDLL(None).mallopt
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    keep = mib * 1024 * 1024
    return bool(mallopt(M_MMAP_THRESHOLD, min(keep, MMAP_THRESHOLD_MAX)) and mallopt(M_TRIM_THRESHOLD, keep))


def freeze_long_lived_objects() -> int:
    """Move every object alive now into the permanent generation (gc.freeze), out of the cyclic
    collector's walks. Called when the app is built and when a worker opens its engine. Returns
    how many objects are frozen in all."""
    gc.freeze()
    return gc.get_freeze_count()


@contextlib.contextmanager
def cyclic_collector_paused() -> Iterator[None]:
    """Run a block without the cyclic collector (reference counting still frees every object).

    For a batch ingest's writing process: it decodes every filing and its rows (~500 containers a
    filing, JSON trees without cycles) and holds a batch of thousands at once, so the collector ran
    every few filings and its full collections walked the whole held batch: 12 % of the process's
    time, the one that bounds the ingest (BENCHMARKS.md, session 12). What a cycle would hold
    inside the block is collected when the collector runs again after it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
