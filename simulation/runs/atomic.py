"""Atomic file writes: write to a temporary name beside the target, rename only on success.

The temporary file is ``.<name>.<random>.tmp`` in the target's folder. A process killed while
writing (``kill -9``, out of memory) cannot remove it; :func:`remove_leftovers` does, and every
command that writes into a folder of its own calls it first, so such leftovers do not pile up.
"""
from __future__ import annotations

import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path

_LEFTOVER = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")  # ours, and mkstemp's of earlier versions


def _temp_path(path: Path) -> Path:
    """Create an empty, new temporary file beside ``path`` and return its name.

    ``os.open`` with mode 0o666 lets the kernel apply the process's umask, so the final file gets
    the usual permissions without reading (and briefly changing) the process-wide umask.
    """
    for _ in range(100):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(f"no free temporary name beside {path}")


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` and rename tmp to ``path`` only when it succeeded (a killed job leaves no half file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_path(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException as err:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:  # e.g. the file system went read-only: report the first fault, not this one
            pass
        if isinstance(err, OSError) and err.filename is None:
            err.filename = str(path)  # e.g. Arrow's "No space left on device" names no file: name the one written
        raise


def is_leftover(name: str) -> bool:
    """Whether a file name is a temporary file of :func:`atomic_write` (``.<name>.<random>.tmp``)."""
    return bool(_LEFTOVER.match(name))


def remove_leftovers(directory: Path | str) -> list[Path]:
    """Remove the temporary files a killed write left in ``directory`` (not in subfolders); returns them."""
    directory = Path(directory)
    removed = []
    if not directory.is_dir():
        return removed
    for p in directory.iterdir():
        if is_leftover(p.name) and p.is_file() and not p.is_symlink():
            p.unlink(missing_ok=True)
            removed.append(p)
    return removed
