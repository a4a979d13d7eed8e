"""``python -m simulation``: check the command line's overrides, then hand over to the Hydra app.

Hydra reports a misspelt key or an unknown group option in several lines; the check here
says it in one line that names the key and the value, and exits with status 2.
"""
from __future__ import annotations

import sys

from simulation.runs.overrides import check_overrides


def entry() -> None:
    error = check_overrides(sys.argv[1:])
    if error:
        print(error, file=sys.stderr)
        sys.exit(2)
    # Mesa names each of its module loggers by walking the import stack with inspect.stack(), which reads the
    # source of every frame on it: imported here, from a shallow stack, that costs a fifth of what it costs
    # from deep inside the app's imports
    import mesa  # noqa: F401

    from simulation.app import main

    main()


if __name__ == "__main__":
    entry()
