"""``python -m simulation.calibration``: fit the free parameters to the published targets and write
the preset and a fit report (the method: :mod:`simulation.analysis.calibration`).

    python -m simulation.calibration                       # fit, write the preset and the report
    python -m simulation.calibration --start center --no-preset --out /tmp/cal   # a refit from another start
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from simulation.analysis.calibration import (
    DEFAULT_SETTINGS,
    PRESET_DIR,
    REPORT_DIR,
    compare,
    fit,
    format_report,
    load_settings,
    write_outputs,
)
from simulation.cli import OneLineParser, guard
from simulation.core.config import ConfigError, validate
from simulation.present.figures.calibration import plot_fit_report
from simulation.runs.compose import load_config
from simulation.runs.overrides import check_overrides
from simulation.runs.rundir import check_report_dir, check_target


def _start(value: str) -> str:
    """--start: one of the named starts, or preset:NAME."""
    if value in ("uncalibrated", "center", "random") or (value.startswith("preset:") and len(value) > 7):
        return value
    raise argparse.ArgumentTypeError(f"{value!r}: use uncalibrated, preset:NAME, center or random")


def main(argv: Sequence[str] | None = None) -> int:
    ap = OneLineParser(prog="python -m simulation.calibration",
                       description="Fit the free parameters to the published targets (simulated method of "
                                   "moments, common random numbers) and write the preset and a fit report.")
    ap.add_argument("--settings", default=str(DEFAULT_SETTINGS),
                    help="calibration settings (parameters, run, optimiser)")
    ap.add_argument("--targets", default=None, help="targets file (default: the one the settings name)")
    ap.add_argument("--start", default="uncalibrated", type=_start,
                    help="starting point: uncalibrated (the configs' values), preset:NAME (a warm start from "
                         "configs/calibrated/NAME.yaml, e.g. the last fit), center (of the bounds) or random")
    ap.add_argument("--seed", type=int, default=None, help="run.seed of every model run (default: the settings')")
    ap.add_argument("--start-seed", type=int, default=0, help="seed of a random start")
    ap.add_argument("--max-evaluations", type=int, default=None, help="model runs at most (default: the settings')")
    ap.add_argument("--out", default=None, help="report directory (default: outputs/calibration/<timestamp>)")
    ap.add_argument("--preset-dir", default=str(PRESET_DIR),
                    help="where the preset YAML goes (default: configs/calibrated)")
    ap.add_argument("--no-preset", action="store_true", help="write the report only; leave configs/calibrated alone")
    ap.add_argument("--quiet", action="store_true", help="no progress lines")
    ap.add_argument("--compare", nargs=2, metavar=("REPORT_A", "REPORT_B"),
                    help="compare the parameters of two finished calibrations and exit")
    ap.add_argument("overrides", nargs="*", help="extra config overrides for every run (e.g. population.scale=400)")
    a = ap.parse_args(argv)
    return guard(ap.prog, lambda writing: _main(a, writing))


def _main(a, writing) -> int:
    if a.compare:
        try:
            table = compare(*a.compare)
        except (OSError, KeyError, ValueError) as exc:
            print(f"config error: --compare: cannot read parameters.csv ({type(exc).__name__}: "
                  f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''})", file=sys.stderr)
            return 2
        with pd.option_context("display.width", 160, "display.float_format", "{:.4g}".format):
            print(table.to_string(index=False))
        return 0
    try:
        settings = load_settings(a.settings, a.targets)
        if a.seed is not None:
            settings.overrides.append(f"run.seed={a.seed}")
        settings.overrides.extend(a.overrides)
        if a.max_evaluations is not None:
            if a.max_evaluations < 1:
                raise ConfigError(f"--max-evaluations={a.max_evaluations}: must be at least 1")
            settings.max_evaluations = a.max_evaluations
        err = check_overrides(settings.overrides)
        if err:
            raise ConfigError(err.removeprefix("config error: "))
        validate(load_config(settings.overrides))  # a bad run setting fails here, not after the first fit step
        out = Path(a.out) if a.out else REPORT_DIR / dt.datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
        check_report_dir(out, "--out")  # where the results go is checked before the fit, not after it
        if not a.no_preset:
            check_target(a.preset_dir, "--preset-dir")
        writing(out)
        f = fit(settings, a.start, a.start_seed, progress=not a.quiet)
        meta = write_outputs(settings, f, out, None if a.no_preset else Path(a.preset_dir), a.start, a.start_seed,
                             draw=plot_fit_report)
    except ConfigError as exc:
        print(f"config error: {str(exc).removeprefix('config error: ')}", file=sys.stderr)
        return 2
    print(format_report(settings, f, meta))
    print(f"\nreport: {out}" + (f"\npreset: {meta['files']['preset']}" if "preset" in meta["files"] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
