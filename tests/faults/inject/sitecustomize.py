"""Fault injection for the fault tests' subprocesses (tests only; the package has no such hook).

A test puts this folder on PYTHONPATH and sets ``SIMULATION_FAULT=ACTION@WHERE``; Python imports
this module at start-up, in the command's process and in every worker process a launcher starts,
and it patches the package before anything else imports it. Actions:

    enospc, erofs, eio     the write raises OSError (disk full, read-only file system, I/O error)
    sigint, sigterm, sigkill   the process sends itself the signal

WHERE is either ``write:SUFFIX``: while writing a file whose path ends with SUFFIX (after the
temporary file is written, before it is renamed into place), or ``replicate:N``: when replicate N
starts simulating.
"""
from __future__ import annotations

import errno
import os
import signal

SPEC = os.environ.get("SIMULATION_FAULT", "")


def _strike(action: str, path: str | None = None) -> None:
    codes = {"enospc": errno.ENOSPC, "erofs": errno.EROFS, "eio": errno.EIO}
    if action in codes:
        raise OSError(codes[action], os.strerror(codes[action]), path)
    os.kill(os.getpid(), {"sigint": signal.SIGINT, "sigterm": signal.SIGTERM, "sigkill": signal.SIGKILL}[action])


def _install(spec: str) -> None:
    action, _, where = spec.partition("@")
    kind, _, arg = where.partition(":")
    if kind == "write":
        from simulation.runs import atomic

        real = atomic.atomic_write

        def atomic_write(path, write):
            def faulty(tmp):
                write(tmp)
                if str(path).endswith(arg):
                    _strike(action, str(tmp))

            return real(path, faulty)

        atomic.atomic_write = atomic_write
    elif kind == "replicate":
        from simulation.institutions import model

        real_run = model.CrossSectorModel.run

        def run(self, *args, **kwargs):
            if self.replicate == int(arg):
                _strike(action)
            return real_run(self, *args, **kwargs)

        model.CrossSectorModel.run = run
    else:
        raise SystemExit(f"SIMULATION_FAULT={spec!r}: expected ACTION@write:SUFFIX or ACTION@replicate:N")


if SPEC:
    _install(SPEC)
