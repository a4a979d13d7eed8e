"""``python -m simulation.sensitivity``: Morris screening, then Sobol indices of the headline
indicators to the model's assumptions (the method: :mod:`simulation.analysis.sensitivity`).

    python -m simulation.sensitivity                       # the default analysis, ~10 min on 2 cores
    python -m simulation.sensitivity --redraw REPORT_DIR   # redraw the figure of a finished report
"""
from __future__ import annotations

import sys
from pathlib import Path

from simulation.analysis.sensitivity import DEFAULT_SPACE, FAILED_FILE, analyse, default_report_dir, load
from simulation.cli import OneLineParser, guard
from simulation.core.config import ConfigError
from simulation.present.figures.sensitivity import draw_figure
from simulation.runs.rundir import check_report_dir


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m simulation.sensitivity",
                           description="Morris screening, then Sobol indices of the headline indicators "
                                       "to the assumption parameters (SALib).")
    parser.add_argument("changes", nargs="*", help="settings changes, e.g. settings.workers=1 settings.scale=800")
    parser.add_argument("--space", type=Path, default=DEFAULT_SPACE, help="settings and parameters (YAML)")
    parser.add_argument("--out", type=Path, default=None, help="report directory (default outputs/sensitivity/<time>)")
    parser.add_argument("--redraw", type=Path, default=None, metavar="REPORT_DIR",
                        help="only redraw the figure of a finished report")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    return guard(parser.prog, lambda writing: _main(args, writing))


def _main(args, writing) -> int:
    try:
        if args.redraw is not None:
            writing(args.redraw)
            print(draw_figure(args.redraw))
            return 0
        settings, space = load(args.space, args.changes)
        report_dir = args.out if args.out is not None else default_report_dir()
        check_report_dir(report_dir, "--out")  # before the design points run, not after
        writing(report_dir)
        result = analyse(settings, space, report_dir, progress=not args.no_progress, draw=draw_figure)
    except ConfigError as err:
        msg = str(err)
        print(msg if msg.startswith(("config error", "sensitivity error")) else f"config error: {msg}",
              file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError, KeyError) as err:
        print(f"sensitivity error: {str(err).strip(chr(39)) if isinstance(err, KeyError) else err}", file=sys.stderr)
        return 2
    print(result["summary"])
    if result["failed"]:
        print(f"warning: {len(result['failed'])} design points failed; see {result['report_dir'] / FAILED_FILE}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
