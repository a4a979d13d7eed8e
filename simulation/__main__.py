"""``python -m simulation``: check the command line, then hand over to the Hydra app.

Hydra reports a misspelt key or an unknown group option in several lines, and it writes into the
run directory (``.hydra/``, ``app.log``) before the job's code runs. So everything is checked here
first (:mod:`simulation.runs.overrides`, then :mod:`simulation.runs.launch`: every job's config,
the memory, the run or sweep directory); a problem is said in one line that names the key and the
value, with exit status 2, and nothing is written. Exit statuses: 0 done, 1 a fault (disk full,
a job of a sweep failed), 2 bad input, 130 interrupted (Ctrl-C).
"""
from __future__ import annotations

import sys


def _fail(message: str, status: int) -> None:
    print(message, file=sys.stderr, flush=True)
    sys.exit(status)


def entry() -> None:
    try:
        _entry()
    except KeyboardInterrupt:  # while the command line was read, before anything was decided
        _fail("interrupted: nothing was written", 130)


def _entry() -> None:
    from simulation.runs.overrides import check_overrides

    error = check_overrides(sys.argv[1:])
    if error:
        _fail(error, 2)
    # Mesa names each of its module loggers by walking the import stack with inspect.stack(), which reads the
    # source of every frame on it: imported here, from a shallow stack, that costs a fifth of what it costs
    # from deep inside the launch check's and the app's imports
    import mesa  # noqa: F401
    from hydra.errors import HydraException

    from simulation.core.config import ConfigError
    from simulation.runs.launch import plan
    from simulation.runs.rundir import describe_os_error

    directory = None
    try:
        launch = plan(sys.argv[1:])
    except ConfigError as err:
        msg = str(err)
        _fail(msg if msg.startswith("config error") else f"config error: {msg}", 2)
    except HydraException as err:
        _fail(f"config error: {' '.join(str(err).split())[:300]}", 2)
    except OSError as err:
        _fail(f"error: {describe_os_error(err)}; nothing was written", 1)
    except KeyboardInterrupt:
        _fail("interrupted: nothing was written", 130)
    if launch is not None:
        sys.argv += launch.pin
        directory = launch.directory
    from simulation.app import main

    try:
        main()
    except KeyboardInterrupt:  # in Hydra's own code, before or after the job (the job says it itself)
        _fail(f"interrupted: {directory if directory is not None else 'the run directory'} left incomplete", 130)


if __name__ == "__main__":
    entry()
