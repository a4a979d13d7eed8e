"""``python -m simulation.sufficiency``: how the interval width shrinks with replicates, and how many
replicates a result needs (the method: :mod:`simulation.analysis.sufficiency`)."""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from simulation.analysis.sufficiency import DEFAULT_COMPARE, analyse, default_report_dir, from_directory, parse_targets
from simulation.cli import OneLineParser, guard
from simulation.core.config import ConfigError
from simulation.present.figures.sufficiency import draw_figure
from simulation.runs.rundir import check_report_dir


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(
        prog="python -m simulation.sufficiency",
        description="How the interval width shrinks with replicates, and how many replicates a result needs.")
    parser.add_argument("overrides", nargs="*", help="config overrides of the scenario, as for python -m simulation")
    parser.add_argument("--replicates", type=int, default=32, help="R_max: replicates run once (default 32)")
    parser.add_argument("--compare", nargs=2, default=list(DEFAULT_COMPARE), metavar=("A", "B"),
                        help="two overrides whose paired difference B - A is also reported "
                             "(default cooperation=weak cooperation=strong)")
    parser.add_argument("--no-compare", action="store_true", help="levels only")
    parser.add_argument("--target", action="append", default=[], metavar="INDICATOR=HALF_WIDTH",
                        help="target half-width of an indicator in its unit (a share as a fraction: 0.001 = 0.1 pp)")
    parser.add_argument("--from", dest="source", type=Path, default=None, metavar="DIR",
                        help="apply the rule to a finished run or sweep directory instead of running")
    parser.add_argument("--out", type=Path, default=None, help="report directory (default outputs/sufficiency/<time>)")
    parser.add_argument("--redraw", type=Path, default=None, metavar="REPORT_DIR", help="only redraw the figure")
    args = parser.parse_args(argv)
    return guard(parser.prog, lambda writing: _main(args, writing))


def _main(args, writing) -> int:
    try:
        targets = parse_targets(args.target)
        if args.redraw is not None:
            writing(args.redraw)
            print(draw_figure(args.redraw))
            return 0
        if args.source is not None:
            table = from_directory(args.source, targets)
            with pd.option_context("display.width", 200, "display.max_columns", 20):
                print(table.to_string(index=False))
            short = table[~table["enough"]] if len(table) else table
            if len(short):
                print(f"too few replicates for the target: {', '.join(sorted(set(short['indicator'])))}")
            return 0
        report_dir = args.out if args.out is not None else default_report_dir()
        check_report_dir(report_dir, "--out")  # before the replicates run, not after
        writing(report_dir)
        result = analyse(args.overrides, args.replicates, None if args.no_compare else args.compare, targets,
                         report_dir=report_dir, draw=draw_figure)
    except (ConfigError, FileNotFoundError, ValueError, KeyError) as err:
        msg = str(err).strip("'\"") if isinstance(err, KeyError) else str(err)
        print(msg if msg.startswith(("sufficiency error", "config error")) else f"sufficiency error: {msg}",
              file=sys.stderr)
        return 2
    print(result["summary"])
    print(f"report: {result['report_dir']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
