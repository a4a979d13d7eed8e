"""``python -m simulation.explore``: policies across many futures, scenario discovery and a robustness ranking
(the method: :mod:`simulation.analysis.explore`; the figures: :mod:`simulation.present.figures.explore`).

    python -m simulation.explore                                   # the default design, about 10 min on 2 cores
    python -m simulation.explore settings.futures=100 --out DIR    # change a setting of the design
    python -m simulation.explore --design experiments/cooperation_downturn/design.yaml
    python -m simulation.explore --analyse DIR                     # analyse again (e.g. after runs on a cluster)
    python -m simulation.explore --resume DIR                      # run only the experiments still missing

The runs go through Hydra's multirun with the design sweeper (``hydra_plugins/simulation_design_sweeper``), one
ordinary run directory per experiment under ``DIR/runs/<job>/``. Set ``settings.launcher`` in the design (e.g.
``[hydra/launcher=joblib, hydra.launcher.n_jobs=2]``) to run them in parallel or on SLURM. Exit status 0 when every
run finished, 1 when some failed or are missing (they are named, the others are analysed), 2 for a bad design.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import yaml

from simulation.analysis import explore as ex
from simulation.core.config import ConfigError
from simulation.present.figures.explore import draw_exploration
from simulation.runs import outputs as out


def _count_complete(runs: Path) -> int:
    if not runs.is_dir():
        return 0
    return sum(1 for p in runs.iterdir() if p.is_dir() and ex.job_status(p) == "complete")


def run_jobs(out_dir: Path, design: ex.Design, progress: bool = True) -> tuple[int, float, str]:
    """Start the multirun of the design's job list and wait; returns (exit status, seconds, the command)."""
    cmd = ex.launch_command(out_dir, design)
    total = len(ex.json_jobs(out_dir))
    t0 = time.perf_counter()
    log = out_dir / "runs.log"
    with open(log, "w", encoding="utf-8") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=Path.cwd())
        last = -1
        while proc.poll() is None:
            time.sleep(2.0)
            done = _count_complete(out_dir / ex.RUNS_DIR)
            if progress and done != last:
                print(f"\r{done} runs complete ({total} launched, {time.perf_counter() - t0:.0f} s)", end="",
                      file=sys.stderr, flush=True)
                last = done
    if progress:
        print(file=sys.stderr)
    return proc.returncode, time.perf_counter() - t0, ex.shell(cmd)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulation.explore",
                                     description="Run an experiment design (futures x policies), then scenario "
                                                 "discovery (PRIM, CART) and a robustness ranking (regret).")
    parser.add_argument("changes", nargs="*", help="settings changes, e.g. settings.futures=100 settings.replicates=4")
    parser.add_argument("--design", type=Path, default=ex.DEFAULT_DESIGN, help="the design (YAML)")
    parser.add_argument("--out", type=Path, default=None, help="output directory (default outputs/explore/<time>)")
    parser.add_argument("--analyse", type=Path, default=None, metavar="DIR", help="only analyse an exploration")
    parser.add_argument("--resume", type=Path, default=None, metavar="DIR",
                        help="run the experiments of DIR that are not complete, then analyse")
    parser.add_argument("--lang", choices=("en", "nb"), default="en", help="language of the figures")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    command = ex.shell(["python", "-m", "simulation.explore", *(argv if argv is not None else sys.argv[1:])])
    try:
        status = 0
        if args.analyse is not None:
            out_dir = args.analyse
        else:
            if args.resume is not None:
                out_dir = args.resume
                design = ex.load_design(out_dir / ex.DESIGN_COPY)
                futures = ex.futures_from(out_dir)
            else:
                design = ex.load_design(args.design, args.changes)
                ex.check_design(design)
                out_dir = args.out or Path("outputs") / "explore" / time.strftime("%Y-%m-%d_%H-%M-%S")
                if (out_dir / ex.DESIGN_COPY).exists():
                    raise ConfigError(f"explore error: {out_dir} already holds an exploration "
                                      f"(use --resume {out_dir} or --analyse {out_dir})")
                out_dir.mkdir(parents=True, exist_ok=True)
                data = ex.apply_changes(yaml.safe_load(args.design.read_text(encoding="utf-8")), args.changes)
                out.write_text(f"# the design as run (from {args.design}"
                               f"{', with ' + ' '.join(args.changes) if args.changes else ''})\n"
                               + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), out_dir / ex.DESIGN_COPY)
                futures = ex.sample_futures(design)
            exps = ex.experiments(design, futures)
            todo = [int(j) for j in exps["job"]
                    if ex.job_status(out_dir / ex.RUNS_DIR / str(int(j))) != "complete"]
            ex.write_design(out_dir, design, futures, exps, only=todo)
            print(f"{len(exps)} experiments ({len(futures)} futures x {len(design.policies)} policies), "
                  f"{len(todo)} to run -> {out_dir / ex.RUNS_DIR}", file=sys.stderr)
            if todo:
                code, seconds, runs_cmd = run_jobs(out_dir, design, progress=not args.no_progress)
                ex.record_runs(out_dir, runs_cmd, seconds, command, args.design)
                if code not in (0, 1):
                    print(f"warning: the multirun exited with status {code}; see {out_dir / 'runs.log'}",
                          file=sys.stderr)
        result = ex.analyse(out_dir, draw=lambda d: draw_exploration(d, args.lang), command=None)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    except FileNotFoundError as err:
        print(f"explore error: {err.filename or err}: not found", file=sys.stderr)
        return 2
    print(ex.summary_text(result))
    if result["missing"]:
        n = len(result["missing"])
        print(f"warning: {n} run{'s' if n != 1 else ''} failed or missing (see explore_manifest.json); re-run them "
              f"with: python -m simulation.explore --resume {out_dir}", file=sys.stderr)
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
