"""``python -m simulation.sensitivity``: Morris screening, then Sobol indices of the headline
indicators to the model's assumptions (the method: :mod:`simulation.analysis.sensitivity`).

    python -m simulation.sensitivity                       # the default analysis, ~10 min on 2 cores
    python -m simulation.sensitivity --redraw REPORT_DIR   # redraw the figure of a finished report
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulation.analysis.sensitivity import DEFAULT_SPACE, FAILED_FILE, analyse, load
from simulation.core.config import ConfigError
from simulation.present.figures.sensitivity import draw_figure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulation.sensitivity",
                                     description="Morris screening, then Sobol indices of the headline indicators "
                                                 "to the assumption parameters (SALib).")
    parser.add_argument("changes", nargs="*", help="settings changes, e.g. settings.workers=1 settings.scale=800")
    parser.add_argument("--space", type=Path, default=DEFAULT_SPACE, help="settings and parameters (YAML)")
    parser.add_argument("--out", type=Path, default=None, help="report directory (default outputs/sensitivity/<time>)")
    parser.add_argument("--redraw", type=Path, default=None, metavar="REPORT_DIR",
                        help="only redraw the figure of a finished report")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    try:
        if args.redraw is not None:
            print(draw_figure(args.redraw))
            return 0
        settings, space = load(args.space, args.changes)
        result = analyse(settings, space, args.out, progress=not args.no_progress, draw=draw_figure)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    except FileNotFoundError as err:
        print(f"sensitivity error: {err}", file=sys.stderr)
        return 2
    print(result["summary"])
    if result["failed"]:
        print(f"warning: {len(result['failed'])} design points failed; see {result['report_dir'] / FAILED_FILE}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
