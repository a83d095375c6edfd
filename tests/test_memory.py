"""INSIDER_MALLOC_KEEP_MB: a server process reuses the memory a large request freed instead of
faulting it back in from the kernel on the next one."""
import platform
import subprocess
import sys

import pytest

from tests.conftest import ROOT

ROUNDS = """
import resource, sys, threading
from insider.memory import keep_freed_memory

def request():   # ten 1 MiB buffers written and freed, as a year-long by-sector's columns are
    buffers = [bytearray(1 << 20) for _ in range(10)]
    for b in buffers:
        b[::4096] = bytes(256)
    del buffers

took = keep_freed_memory(int(sys.argv[1]))
faults = []
for _ in range(8):   # each on a thread of its own, as the aggregation threads are not the main one
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    worker = threading.Thread(target=request)
    worker.start()
    worker.join()
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(took, sum(faults[2:]))
"""

def _faults(keep_mb: int) -> tuple[bool, int]:
    out = subprocess.run([sys.executable, "-c", ROUNDS, str(keep_mb)], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.split()
    return out[0] == "True", int(out[1])


def test_freed_buffers_are_reused_not_faulted_in_again():
    took, kept = _faults(64)
    untouched, returned = _faults(0)
    assert not untouched
    if platform.libc_ver()[0] != "glibc":
        assert not took     # documented: other C libraries are left alone (no skip that could hide a failure)
        return
    assert took
    assert returned > 6 * 2000          # glibc's defaults: each round faults its ~10 MiB back in
    assert kept < returned / 20


def test_the_setting_is_checked(monkeypatch):
    from insider import settings
    from insider.errors import ConfigurationError

    assert settings.load().malloc_keep_mb == 64
    monkeypatch.setenv("INSIDER_MALLOC_KEEP_MB", "0")
    assert settings.load().malloc_keep_mb == 0
    for bad in ("-1", "4096", "lots"):
        monkeypatch.setenv("INSIDER_MALLOC_KEEP_MB", bad)
        with pytest.raises(ConfigurationError, match="INSIDER_MALLOC_KEEP_MB"):
            settings.load()
