"""What every command does when the machine, not the input, stops it: one line and an exit status.

    exit 0    done
    exit 1    a fault: the disk is full, a folder is read-only, out of memory
    exit 2    bad input (each command says which option or key; not handled here)
    exit 130  interrupted (Ctrl-C): "interrupted: DIR left incomplete"

A fault or Ctrl-C never shows a traceback: the files a command had finished stay as they were
(every file is written atomically), and the one it was writing is not left half-written.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from simulation.runs.rundir import describe_os_error


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad option is said in one line (not the usage block), with exit status 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


class Writing:
    """The directory a command is writing into, named when it is interrupted."""

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory) if directory is not None else None

    def __call__(self, directory: Path | str | None) -> Path | None:
        self.directory = Path(directory) if directory is not None else None
        return self.directory


def guard(prog: str, body: Callable[[Writing], int]) -> int:
    """Run a command's body; turn Ctrl-C, file-system faults and memory exhaustion into one line.

    ``body`` gets a :class:`Writing` to say where it writes (``writing(report_dir)``), so that an
    interrupted command can say which directory it left incomplete.
    """
    writing = Writing()
    try:
        return body(writing)
    except KeyboardInterrupt:
        where = writing.directory
        print(f"interrupted: {where} left incomplete" if where is not None else "interrupted: nothing was written",
              file=sys.stderr, flush=True)
        return 130
    except OSError as err:
        where = f" ({writing.directory} left incomplete)" if writing.directory is not None else ""
        print(f"{prog}: error: {describe_os_error(err)}{where}", file=sys.stderr, flush=True)
        return 1
    except MemoryError:
        print(f"{prog}: error: out of memory", file=sys.stderr, flush=True)
        return 1
