"""``python -m simulation.sweep SWEEP_DIR``: aggregate a finished or partly failed sweep directory
(the aggregation: :mod:`simulation.analysis.sweep`; the figure: :mod:`simulation.present.figures.sweep`).

    python -m simulation.sweep SWEEP_DIR [--reference "economy=steady,cooperation=weak"] [--no-figure]
"""
from __future__ import annotations

import sys
from pathlib import Path

from simulation.analysis.sweep import SweepError, aggregate, report
from simulation.cli import OneLineParser, guard
from simulation.present.figures.sweep import draw_aggregated


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m simulation.sweep",
                           description="Aggregate a finished or partly failed sweep directory.")
    parser.add_argument("sweep_dir", type=Path, help="the sweep directory (hydra.sweep.dir)")
    parser.add_argument("--reference", default=None,
                        help='the reference job: "key=value,key=value" (e.g. "economy=steady,cooperation=weak"), '
                             "a job number or a job directory name; default job 0")
    parser.add_argument("--no-figure", action="store_true", help="do not draw sweep_differences.png")
    args = parser.parse_args(argv)

    def body(writing) -> int:
        writing(args.sweep_dir)
        try:
            result = aggregate(args.sweep_dir, reference=args.reference,
                               draw=None if args.no_figure else draw_aggregated)
        except SweepError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        print(report(result))
        return 0

    return guard(parser.prog, body)


if __name__ == "__main__":
    sys.exit(main())
