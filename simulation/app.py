"""The Hydra application behind ``python -m simulation``: one job = one scenario, all replicates, one
run directory; and the callback that aggregates a multirun when it ends.

``python -m simulation`` checks the command line before Hydra starts (:mod:`simulation.__main__`,
:mod:`simulation.runs.launch`); the job checks its directory again, for the cases that check
cannot see (another config directory, a sweep's job directory).

In a multirun (``-m``) a job that raises is recorded, not propagated: the error is logged in one
line that names the job, ``job_failed.txt`` (the one-line reason, then the traceback) is written
into the job's directory and the launcher goes on with the other jobs. The sweep aggregation
(:mod:`simulation.analysis.sweep`) names the failed job and ends the multirun with exit status 1.
A single run that meets a file-system fault (disk full, read-only) or runs out of memory says so
in one line and exits with status 1; any other error is a bug and shows its traceback (status 1).
A config error stops the run, or the whole sweep, with a one-line message and exit status 2.
Ctrl-C ends the run with "interrupted: RUN_DIR left incomplete" and exit status 130.
"""
from __future__ import annotations

import functools
import logging
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import hydra
from hydra._internal.hydra import Hydra
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig

from simulation.analysis.sweep import MISSING_FILE, aggregate, not_complete, one_line, report
from simulation.api import format_headline, run, write_run_dir
from simulation.core.config import ConfigError, validate
from simulation.runs.atomic import atomic_write
from simulation.runs.compose import CONFIG_DIR
from simulation.runs.outputs import FAILED_FILE
from simulation.runs.rundir import DIRECTORY_KEYS, HYDRA_DIR, RUN_LOG, OutputDirError, clear, describe_os_error, inspect

log = logging.getLogger("simulation")


def _get_mode_without_composing(get_mode):
    """Hydra composes the whole config once only to read ``hydra.mode`` (``Hydra.get_mode``), then composes it
    again to run. None of our configs sets ``hydra.mode``, so it is None (Hydra then takes -m or not) unless the
    command line sets it or adds a config that might (``+experiment=...``): only then is the first composition,
    a third of a second, worth doing. tests/test_speed.py compares both answers."""

    @functools.wraps(get_mode)
    def fast(self, config_name, overrides):
        if any("mode" in o or o.lstrip().startswith("+") for o in overrides):
            return get_mode(self, config_name, overrides)
        return None

    fast.composing = get_mode
    return fast


if not hasattr(Hydra.get_mode, "composing"):
    Hydra.get_mode = _get_mode_without_composing(Hydra.get_mode)


def _start_job(run_dir: Path, overwrite: bool) -> None:
    """Make sure the job's directory holds nothing but what Hydra has just written for this job.

    ``python -m simulation`` has already checked (and, with ``output.overwrite=true``, emptied) the
    directory before Hydra started; this catches what that check could not see. Anything this
    program did not write stops the job; files of an earlier attempt (a re-run of a failed or
    killed job) are removed when ``overwrite`` is set, so the directory counts as complete again
    only when this attempt has written its manifest last.
    """
    state = inspect(run_dir)
    if state.kind == "foreign":
        raise OutputDirError(f"config error: hydra.run.dir={run_dir}: holds {', '.join(state.foreign[:3])}, which this "
                             "program did not write; choose an empty or new directory")
    earlier = [p for p in state.entries if p.name not in (HYDRA_DIR, RUN_LOG)]
    if earlier and not overwrite:
        raise OutputDirError(f"config error: hydra.run.dir={run_dir}: holds an earlier run "
                             f"({', '.join(p.name for p in earlier[:3])}); add output.overwrite=true to replace it")
    state.entries = earlier
    clear(state)


def _record_failure(run_dir: Path, job: str, err: Exception) -> None:
    """Log one line naming the job and write ``job_failed.txt`` (reason, then traceback) atomically."""
    reason = one_line(err)
    path = run_dir / FAILED_FILE
    log.error("job %s failed: %s (details in %s; the other jobs go on)", job, reason, path)
    text = reason + "\n\n" + "".join(traceback.format_exception(err))
    try:
        atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    except OSError as write_err:  # the aggregation still sees the job as missing (no complete manifest)
        log.error("could not write %s: %s", path, one_line(write_err))


def _simulate(sim_cfg, run_dir: Path, overrides: list[str], t0: float, sweep_job: bool = False) -> None:
    results = run(sim_cfg)
    results.raw.timings["total_s"] = time.perf_counter() - t0
    figures = sim_cfg.output.figures and (sim_cfg.output.sweep_figures or not sweep_job)
    write_run_dir(results, run_dir, overrides=overrides, figures=figures)
    if sim_cfg.output.headline:
        print(f"\n{sim_cfg.scenario.name} | {sim_cfg.economy.name} | cooperation {sim_cfg.cooperation.name} | "
              f"{sim_cfg.run.replicates} replicate{'s' if sim_cfg.run.replicates != 1 else ''}, {sim_cfg.run.years:g} "
              f"year{'s' if sim_cfg.run.years != 1 else ''}, 1:{sim_cfg.population.scale:g} sample")
        print(format_headline(results))
        print(f"\noutputs: {run_dir}  ({time.perf_counter() - t0:.1f} s)")


@hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base=None)
def main(cfg: DictConfig) -> None:
    """Validate, simulate, write tables and figures, print the headline table."""
    t0 = time.perf_counter()
    try:
        sim_cfg = validate(cfg)
    except ConfigError as err:
        print(err, file=sys.stderr)
        sys.exit(2)
    hc = HydraConfig.get()
    run_dir = Path(hc.runtime.output_dir)
    overrides = [o for o in hc.overrides.task if not o.lstrip("+").startswith(DIRECTORY_KEYS)]
    multirun = hc.mode == RunMode.MULTIRUN
    job = f"#{hc.job.num if multirun else 0} ({' '.join(overrides) or 'no overrides'})"
    try:
        _start_job(run_dir, sim_cfg.output.overwrite)
        log.info("scenario=%s economy=%s cooperation=%s, %d replicates -> %s", sim_cfg.scenario.name,
                 sim_cfg.economy.name, sim_cfg.cooperation.name, sim_cfg.run.replicates, run_dir)
        _simulate(sim_cfg, run_dir, overrides, t0, sweep_job=multirun)
    except KeyboardInterrupt:
        print(f"interrupted: {run_dir} left incomplete", file=sys.stderr, flush=True)
        sys.exit(130)
    except ConfigError as err:  # the memory check, or the directory: stops a sweep like a bad value
        print(err, file=sys.stderr, flush=True)
        sys.exit(2)
    except (OSError, MemoryError) as err:
        if multirun:
            _record_failure(run_dir, job, err)
            return
        why = describe_os_error(err) if isinstance(err, OSError) else (
            "out of memory; lower run.replicates or run.years, or raise population.scale")
        print(f"error: {why} ({run_dir} left incomplete)", file=sys.stderr, flush=True)
        sys.exit(1)
    except Exception as err:
        if not multirun:
            raise
        # a failed job must not stop the sweep: record it and let the launcher go on
        _record_failure(run_dir, job, err)


# ------------------------------------------------------------------------------------ sweep callback


class SweepAggregator(Callback):
    """Hydra callback: aggregate the sweep directory when a multirun ends.

    Registered in ``configs/config.yaml`` under ``hydra.callbacks.sweep_aggregator``. An
    aggregation error is reported in one line, and the jobs' own run directories are untouched
    either way (re-aggregate with ``python -m simulation.sweep SWEEP_DIR``). When a job of the
    sweep failed (see :mod:`simulation.app`) or is missing, it prints one more line and ends the
    process with exit status 1 (``SystemExit``: Hydra turns a callback's exceptions into warnings,
    but lets ``SystemExit`` through), so that scripts and CI notice; the other jobs are aggregated
    first.
    """

    def __init__(self, reference: str | None = None, figure: bool = True) -> None:
        self.reference = reference
        self.figure = figure

    def on_multirun_end(self, config, **kwargs: Any) -> None:
        sweep_dir = "?"
        try:
            from simulation.present.figures.sweep import draw_aggregated  # matplotlib: only when a sweep ends

            sweep_dir = str(config.hydra.sweep.dir)
            result = aggregate(Path(sweep_dir), reference=self.reference,
                               draw=draw_aggregated if self.figure else None)
            print(report(result), flush=True)
            missing = result["missing_jobs"]
            where = f"named above; re-run commands in {Path(sweep_dir) / MISSING_FILE}"
        except Exception as err:  # noqa: BLE001 -- never lose a sweep's results to its aggregation
            msg = str(err).strip().splitlines()[0] if str(err).strip() else ""
            print(f"sweep aggregation failed: {type(err).__name__}: {msg} "
                  f"(re-run: python -m simulation.sweep {sweep_dir})", file=sys.stderr, flush=True)
            missing = not_complete(Path(sweep_dir))
            where = "; ".join(missing)
        if missing:
            n = len(missing)
            print(f"error: {n} job{'s' if n != 1 else ''} of the sweep failed or {'are' if n != 1 else 'is'} missing "
                  f"({where}); exit status 1", file=sys.stderr, flush=True)
            raise SystemExit(1)
