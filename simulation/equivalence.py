"""``python -m simulation.equivalence``: do the Numba kernel and the person-level Mesa engine agree in
distribution? (the tests: :mod:`simulation.analysis.equivalence`)

    python -m simulation.equivalence population.scale=2500 run.years=1.5 --replicates 16
"""
from __future__ import annotations

import contextlib
import sys
import time

import pandas as pd

from simulation.analysis.equivalence import DEFAULTS, compare, person_rule, quantities, run_both
from simulation.cli import OneLineParser, guard
from simulation.core.config import ConfigError
from simulation.runs.compose import load_config
from simulation.runs.overrides import check_overrides
from simulation.runs.results import as_sim_config


def main(argv: list[str] | None = None) -> int:
    parser = OneLineParser(prog="python -m simulation.equivalence",
                           description="Do the Numba kernel and the person-level Mesa engine agree in distribution?")
    parser.add_argument("overrides", nargs="*", help="config overrides, as for python -m simulation")
    parser.add_argument("--replicates", type=int, default=16, help="replicates per engine (default 16)")
    parser.add_argument("--alpha", type=float, default=0.01, help="family-wise error rate (default 0.01)")
    parser.add_argument("--person-rule", default=None, metavar="FIELD=VALUE",
                        help="change one kernel parameter for the person-level engine only (e.g. ot_end_days=7670)")
    args = parser.parse_args(argv)
    return guard(parser.prog, lambda writing: _main(args))


def _main(args) -> int:
    if args.replicates < 3:
        print(f"config error: --replicates={args.replicates}: need at least 3 per engine", file=sys.stderr)
        return 2
    error = check_overrides(args.overrides)
    if error:
        print(error, file=sys.stderr)
        return 2
    try:
        cfg = as_sim_config(load_config([*DEFAULTS, *args.overrides, f"run.replicates={args.replicates}"]))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    rule = contextlib.nullcontext()
    if args.person_rule:
        field, _, value = args.person_rule.partition("=")
        rule = person_rule(field.strip(), value)
    try:
        with rule:
            kernel, agents = run_both(cfg)
    except (ConfigError, ValueError) as exc:
        print(str(exc) if str(exc).startswith("config error") else f"config error: --person-rule: {exc}",
              file=sys.stderr)
        return 2
    table = compare(quantities(kernel, cfg), quantities(agents, cfg), args.alpha)
    print(f"{len(table)} quantities, {args.replicates} replicates per engine, "
          f"{time.perf_counter() - t0:.0f} s")
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(table.head(10).to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    bad = table[table["reject"]]
    if bad.empty:
        print(f"the engines agree: no test rejects at a family-wise error rate of {args.alpha}")
        return 0
    print(f"the engines differ in {len(bad)} quantities (Holm, alpha {args.alpha})")
    return 1


if __name__ == "__main__":
    sys.exit(main())
