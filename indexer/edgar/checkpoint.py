"""State files under INSIDER_DATA_DIR/edgar/ that survive kill -9.

A state file is only ever replaced whole: written to a temporary file in the same folder,
flushed to disk, then renamed over the old one (rename is atomic on POSIX). A reader sees the
old state or the new one, never a torn mix."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from insider.settings import Settings


def state_dir(settings: Settings) -> Path:
    return settings.data_dir / "edgar"


def load_json(path: Path, default: dict) -> dict:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return default


def save_json(path: Path, state: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as out:
            json.dump(state, out, separators=(",", ":"))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise
    # The rename itself lives in the directory entry: sync it too, or a power cut can undo it.
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
