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
    from simulation.app import main

    main()


if __name__ == "__main__":
    entry()
