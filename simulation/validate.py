"""``python -m simulation.validate [overrides]``: the model against Norway's public statistics, in a report
directory a sceptic can read (the method: :mod:`simulation.analysis.validation`).

Runs the baseline (the default config plus the overrides), the three business-cycle replays with the fitted
effects, and a long steady run; writes ``targets.csv`` (every public target: published value, model value with
its 90 % interval, tolerance, in or out of sample, met), ``replays.csv`` (per episode, series and year: published,
model, error in points), ``replay_checks.csv`` (within 1 point every year, the peak year), ``stationarity.csv``
and ``decomposition.csv`` (the steady state's drift and its composition and behaviour parts), ``report.md`` and
the figures in English and Norwegian.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

import pandas as pd

from simulation.analysis import validation as va
from simulation.cli import OneLineParser, guard
from simulation.core.config import ConfigError
from simulation.runs.atomic import atomic_write

DEFAULTS = {"replicates": 8, "scale": 200.0, "years": 3.0, "steady_years": 20.0}


def _run(overrides: list[str], label: str):
    """One scenario's results, with a line of progress."""
    from simulation.runs.compose import load_config
    from simulation.runs.results import run

    t0 = time.perf_counter()
    print(f"  {label} ...", end="", flush=True)
    res = run(load_config(overrides), progress=False)
    print(f" {time.perf_counter() - t0:.0f} s", flush=True)
    return res


def _csv(df: pd.DataFrame, path: Path) -> None:
    atomic_write(path, lambda tmp: df.to_csv(tmp, index=False, float_format="%.6g"))


def build_report(out: Path, overrides: list[str], replicates: int, scale: float, years: float,
                 steady_years: float | None) -> dict:
    """Run everything and write the report's tables; returns the summary (also written as summary.json)."""
    size = [f"run.replicates={replicates}", f"population.scale={scale!r}", "run.progress=false",
            "output.figures=false"]
    print(f"validation: {replicates} replicates at 1:{scale:g}", flush=True)
    base = _run([*overrides, *size, f"run.years={years!r}"], f"baseline ({years:g} years)")
    targets = va.target_table(base)
    _csv(targets, out / "targets.csv")
    tables, checks, drivers = [], [], []
    for ep in va.load_episodes():
        res = _run([*overrides, *size, f"economy={ep.economy}", f"run.years={ep.years}"],
                   f"{ep.economy} ({ep.first_year}-{ep.first_year + ep.years - 1}, {ep.sample} of sample)")
        t = va.replay_table(res, ep)
        tables.append(t)
        checks.append(va.episode_summary(t, ep))
        drivers.append(va.driver_path(res.config).assign(episode=ep.economy))
    replays = pd.concat(tables, ignore_index=True)
    _csv(replays, out / "replays.csv")
    _csv(pd.concat(drivers, ignore_index=True), out / "drivers.csv")
    _csv(pd.DataFrame(checks).astype({"years_compared": str, "published_peak": str}), out / "replay_checks.csv")
    steady = None
    if steady_years:
        res = _run([*overrides, *size, "economy=steady", f"run.years={steady_years!r}"],
                   f"steady economy ({steady_years:g} years)")
        from simulation.core.config import calendar_start

        changes, parts = va.stationarity(res)
        _csv(changes, out / "stationarity.csv")
        _csv(parts, out / "decomposition.csv")
        _csv(va.stationarity_years(res, calendar_start(res.config)), out / "stationarity_years.csv")
        steady = changes.to_dict(orient="records")
    measured = targets[targets["status"].isin(["met", "not met"])]
    summary = {
        "written": dt.datetime.now().isoformat(timespec="seconds"), "overrides": overrides,
        "replicates": replicates, "scale": scale,
        "targets": {s: {"compared": int((measured["sample"] == s).sum()),
                        "met": int(((measured["sample"] == s) & (measured["status"] == "met")).sum())}
                    for s in ("in", "out", "check")},
        "replays": checks, "steady_state": steady,
    }
    atomic_write(out / "summary.json", lambda tmp: tmp.write_text(json.dumps(summary, indent=2, default=str) + "\n"))
    return summary


def report_text(out: Path, summary: dict) -> str:
    """report.md: what was run, how many targets are met in and out of sample, the replays' errors and the
    steady state, with links to the tables and figures."""
    t = summary["targets"]
    lines = [f"# Validation report ({summary['written']})", "",
             f"Runs: {summary['replicates']} replicates at 1:{summary['scale']:g}; overrides: "
             f"{' '.join(summary['overrides']) or '(none)'}.", "",
             "## Public targets (targets.csv)", "",
             f"- fitted (in sample): {t['in']['met']} of {t['in']['compared']} within tolerance",
             f"- validation (out of sample): {t['out']['met']} of {t['out']['compared']} within tolerance",
             f"- consistency checks: {t['check']['met']} of {t['check']['compared']}", "",
             "## Business-cycle replays (replays.csv, replay_checks.csv)", "",
             "| episode | sample | years compared | largest error (points) | all within 1 point | published peak | "
             "model peak |", "|---|---|---|---|---|---|---|"]
    for c in summary["replays"]:
        err = "-" if c["max_abs_error_points"] is None else f"{c['max_abs_error_points']:.2f}"
        lines.append(f"| {c['economy']} | {c['sample']} | {', '.join(map(str, c['years_compared']))} | {err} | "
                     f"{c['all_within_1_point']} | {', '.join(map(str, c['published_peak']))} | {c['model_peak']} |")
    lines += ["", "Figures: " + ", ".join(f"[{p.name}](figures/{p.name})"
                                          for p in sorted((out / "figures").glob("*.png")))]
    if summary["steady_state"]:
        lines += ["", "## Steady economy (stationarity.csv, decomposition.csv)", "",
                  "| indicator | first year | last year | change (points) | 90 % interval | stationary |",
                  "|---|---|---|---|---|---|"]
        for r in summary["steady_state"]:
            lines.append(f"| {r['indicator']} | {100 * r['first_year']:.2f} % | {100 * r['last_year']:.2f} % | "
                         f"{100 * r['change']:+.2f} | [{100 * r['ci90_low']:+.2f}, {100 * r['ci90_high']:+.2f}] | "
                         f"{r['stationary']} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = OneLineParser(prog="python -m simulation.validate",
                                 description="The model against Norway's public statistics: targets, the three "
                                             "business-cycle replays and the steady state, in a report directory.")
    ap.add_argument("overrides", nargs="*", help="config overrides, as for python -m simulation")
    ap.add_argument("--out", type=Path, default=None, help="report directory (default outputs/validation/<time>)")
    ap.add_argument("--replicates", type=int, default=DEFAULTS["replicates"], help="replicates per run (default 8)")
    ap.add_argument("--scale", type=float, default=DEFAULTS["scale"], help="population.scale (default 200)")
    ap.add_argument("--years", type=float, default=DEFAULTS["years"], help="reported years of the baseline (default 3)")
    ap.add_argument("--steady-years", type=float, default=DEFAULTS["steady_years"],
                    help="years of the steady run for the drift check (default 20; 0 skips it)")
    ap.add_argument("--overwrite", action="store_true", help="replace an earlier report in --out")
    args = ap.parse_args(argv)
    out = args.out or Path("outputs") / "validation" / dt.datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
    return guard(ap.prog, lambda writing: _validate(args, out, writing))


def _validate(args: argparse.Namespace, out: Path, writing) -> int:
    """The command's body: check the input (exit 2 on bad input), run, write the report into ``out``."""
    try:
        from simulation.runs.overrides import check_overrides

        message = check_overrides(args.overrides)
        if message:
            raise ConfigError(message)
        if args.replicates < 2:
            raise ConfigError(f"--replicates={args.replicates}: needs at least 2 (for the 90 % intervals)")
        if out.exists() and any(out.iterdir()) and not args.overwrite:
            raise ConfigError(f"--out={out}: not empty (give a new directory, or --overwrite)")
        va.load_episodes()  # a bad replays file fails before anything runs
        writing(out)
        summary = build_report(out, args.overrides, args.replicates, args.scale, args.years, args.steady_years)
        from simulation.present.figures.validation import draw_all

        draw_all(out)
        atomic_write(out / "report.md", lambda tmp: tmp.write_text(report_text(out, summary), encoding="utf-8"))
    except ConfigError as err:
        print(str(err), file=sys.stderr)
        return 2
    print((out / "report.md").read_text(encoding="utf-8"))
    print(f"report: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
