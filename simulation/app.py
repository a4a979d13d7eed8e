"""The Hydra application: one job = one scenario, all replicates, one run directory.

In a multirun (``-m``) a job that raises is recorded, not propagated: the error is logged in one
line that names the job, ``job_failed.txt`` (the one-line reason, then the traceback) is written
into the job's directory and the launcher goes on with the other jobs. The sweep aggregation
(:mod:`simulation.sweep`) names the failed job and ends the multirun with exit status 1. A single
run raises as before (Hydra prints the traceback, exit status 1). A config error still stops the
run, or the whole sweep at that job, with a one-line message and exit status 2.
"""
from __future__ import annotations

import logging
import sys
import time
import traceback
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from simulation.api import CONFIG_DIR, format_headline, run, write_outputs
from simulation.atomic import atomic_write
from simulation.config import ConfigError, validate
from simulation.outputs import MANIFEST
from simulation.sweep import FAILED_FILE, one_line

log = logging.getLogger("simulation")


def _start_job(run_dir: Path) -> None:
    """Forget an earlier attempt in the same directory (a re-run of a failed or killed job).

    Its ``job_failed.txt`` and ``manifest.json`` go first, so the directory counts as complete
    again only when this attempt has written its manifest last.
    """
    for name in (FAILED_FILE, MANIFEST):
        (run_dir / name).unlink(missing_ok=True)


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


def _simulate(sim_cfg, run_dir: Path, overrides: list[str], t0: float) -> None:
    results = run(sim_cfg)
    results.raw.timings["total_s"] = time.perf_counter() - t0
    write_outputs(results, run_dir, overrides=overrides)
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
    overrides = list(hc.overrides.task)
    _start_job(run_dir)
    log.info("scenario=%s economy=%s cooperation=%s, %d replicates -> %s", sim_cfg.scenario.name,
             sim_cfg.economy.name, sim_cfg.cooperation.name, sim_cfg.run.replicates, run_dir)
    try:
        _simulate(sim_cfg, run_dir, overrides, t0)
    except Exception as err:
        if hc.mode != RunMode.MULTIRUN:
            raise
        # a failed job must not stop the sweep: record it and let the launcher go on
        _record_failure(run_dir, f"#{hc.job.num} ({' '.join(overrides) or 'no overrides'})", err)
