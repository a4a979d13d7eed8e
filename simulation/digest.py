"""``python -m simulation.digest RUN_DIR``: a fingerprint of a run's result tables, to show that a change
left results bit-identical (the digest: :mod:`simulation.runs.digest`)."""
from __future__ import annotations

import sys

from simulation.runs.digest import main

if __name__ == "__main__":
    sys.exit(main())
