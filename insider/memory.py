"""How much freed memory a server process keeps, instead of handing it back to the kernel.

glibc returns the top of a malloc arena to the kernel once more than its trim threshold is free,
and serves large allocations with their own mmap. A year-long by-sector request on the embedded
engine allocates ~10 MB of column buffers per aggregation thread and frees them at the end; under
glibc's defaults they went back to the kernel after each request and were faulted in again by the
next one: ~2,200 page faults, 8-10 ms of a ~20 ms request (BENCHMARKS.md, session 9). Keeping up to
INSIDER_MALLOC_KEEP_MB free per arena makes the next request reuse them. 0 leaves glibc's own
thresholds; other C libraries are left alone.
"""
from __future__ import annotations

import ctypes
import platform

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
