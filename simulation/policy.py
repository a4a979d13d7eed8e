"""``python -m simulation.policy``: what a policy costs and saves each agency, in present values, against a
reference (the analysis: :mod:`simulation.analysis.policy`; the figure: :mod:`simulation.present.figures.policy`).

    python -m simulation.policy SWEEP_DIR                       # every job against the sweep's reference job
    python -m simulation.policy REF_RUN RUN [RUN ...] --out DIR # runs against the first one
    python -m simulation.policy RUN                             # one run: each agency's present values
    python -m simulation.policy SWEEP_DIR --discount-rate 0.02 --lang nb

A separate command rather than part of the sweep aggregation: it reads the large per-step tables (ledger, stocks,
events) of every job and has its own settings (the discount rate), so a sweep ends quickly and the present values
can be redone at another rate without aggregating again.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulation.analysis.policy import (
    DEFAULT_SETTINGS,
    PolicyError,
    analyse,
    format_report,
    load_settings,
    resolve_inputs,
)
from simulation.core.config import ConfigError
from simulation.present.figures.policy import draw_policy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulation.policy",
                                     description="Present values of each agency's spending, benefits and tax revenue, "
                                                 "the gains, cost per unit of gain and the who-pays-who-gains table.")
    parser.add_argument("dirs", nargs="+", type=Path,
                        help="a sweep directory, one run, or several runs (first = reference)")
    parser.add_argument("--reference", default=None,
                        help='the reference: in a sweep "key=value,...", a job number or directory name; '
                             "among runs, a run's directory name")
    parser.add_argument("--out", type=Path, default=None,
                        help="where the tables go (default: the sweep or run directory)")
    parser.add_argument("--settings", type=Path, default=DEFAULT_SETTINGS, help="the settings file (discount schedule)")
    parser.add_argument("--discount-rate", type=float, default=None, help="one flat real rate instead of the schedule")
    parser.add_argument("--lang", choices=("en", "nb"), default="en", help="language of the figure")
    parser.add_argument("--format", choices=("png", "svg", "pdf"), default="png", help="figure format")
    parser.add_argument("--no-figure", action="store_true")
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.settings, args.discount_rate)
        inputs = resolve_inputs(args.dirs, args.reference, args.out)
        draw = None if args.no_figure else (lambda d: draw_policy(d, args.lang, args.format))
        result = analyse(inputs, settings, draw=draw)
    except (PolicyError, ConfigError) as err:
        msg = str(err)
        print(msg if msg.startswith(("policy error", "config error")) else f"policy error: {msg}", file=sys.stderr)
        return 2
    if inputs.missing:
        print(f"warning: {len(inputs.missing)} jobs missing or incomplete, left out: {'; '.join(inputs.missing)}",
              file=sys.stderr)
    print(format_report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
