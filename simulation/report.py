"""``python -m simulation.report DIR``: one self-contained HTML report of a run, a sweep or an exploration
(the page: :mod:`simulation.present.report`).

    python -m simulation.report RUN_DIR
    python -m simulation.report SWEEP_DIR --lang nb
    python -m simulation.report EXPLORE_DIR --sensitivity outputs/sensitivity/<time> --out report.html

Before it renders, it makes the tables the page reads when they are missing: the sweep aggregation
(``python -m simulation.sweep``) of a sweep that was never aggregated, and the policy analysis
(``python -m simulation.policy``) of a run or sweep; an exploration must have been analysed (``python -m
simulation.explore --analyse DIR``). The report is written to ``DIR/report_<lang>.html`` unless ``--out`` says.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulation.analysis import policy as pol
from simulation.analysis.sweep import SweepError, aggregate
from simulation.core.config import ConfigError
from simulation.present.figures.policy import draw_policy
from simulation.present.figures.sweep import draw_aggregated
from simulation.present.report import build_report, detect_kind
from simulation.runs.outputs import write_text


def prepare(directory: Path, kind: str, language: str) -> list[str]:
    """Make the files the report reads when they are absent; returns what was made."""
    made = []
    if kind == "sweep" and not (directory / "sweep_indicators.parquet").is_file():
        aggregate(directory, draw=draw_aggregated)
        made.append("sweep aggregation")
    if kind in ("sweep", "run") and not (directory / pol.MANIFEST_FILE).is_file():
        inputs = pol.resolve_inputs([directory])
        pol.analyse(inputs, pol.load_settings(), draw=lambda d: draw_policy(d, language))
        made.append("policy analysis")
    if kind == "exploration" and not (directory / "outcomes.parquet").is_file():
        raise ConfigError(f"report error: {directory}: the exploration has not been analysed "
                          f"(python -m simulation.explore --analyse {directory})")
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulation.report",
                                     description="One self-contained HTML report of a run, sweep or exploration.")
    parser.add_argument("directory", type=Path, help="a run, sweep or exploration directory")
    parser.add_argument("--lang", choices=("en", "nb"), default="en", help="language of the page")
    parser.add_argument("--out", type=Path, default=None, help="the HTML file (default DIR/report_<lang>.html)")
    parser.add_argument("--question", default=None, help="the question the page opens with (default: from the "
                                                         "experiment config, the exploration's design or the run)")
    parser.add_argument("--sensitivity", type=Path, default=None, metavar="REPORT_DIR",
                        help="a sensitivity report (python -m simulation.sensitivity) for the assumptions section")
    args = parser.parse_args(argv)
    d = args.directory
    try:
        if not d.is_dir():
            raise ConfigError(f"report error: {d}: directory not found")
        kind = detect_kind(d)
        made = prepare(d, kind, args.lang)
        if args.sensitivity is not None and not (args.sensitivity / "morris.csv").is_file():
            raise ConfigError(f"report error: --sensitivity {args.sensitivity}: no morris.csv there")
        page = build_report(d, args.lang, args.question, args.sensitivity)
    except (ConfigError, SweepError, pol.PolicyError) as err:
        msg = str(err)
        print(msg if msg.startswith(("report error", "policy error", "config error")) else f"report error: {msg}",
              file=sys.stderr)
        return 2
    except FileNotFoundError as err:
        print(f"report error: {err}", file=sys.stderr)
        return 2
    path = args.out or d / f"report_{args.lang}.html"
    write_text(page, path)
    if made:
        print(f"made first: {', '.join(made)}")
    print(f"report ({kind}): {path} ({len(page.encode('utf-8')) / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
