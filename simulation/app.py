"""The Hydra application: one job = one scenario, all replicates, one run directory."""
from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from simulation.api import CONFIG_DIR, format_headline, run, write_outputs
from simulation.config import ConfigError, validate

log = logging.getLogger("simulation")


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
    log.info("scenario=%s economy=%s cooperation=%s, %d replicates -> %s", sim_cfg.scenario.name,
             sim_cfg.economy.name, sim_cfg.cooperation.name, sim_cfg.run.replicates, run_dir)
    results = run(sim_cfg)
    results.raw.timings["total_s"] = time.perf_counter() - t0
    write_outputs(results, run_dir, overrides=list(hc.overrides.task))
    if sim_cfg.output.headline:
        print(f"\n{sim_cfg.scenario.name} | {sim_cfg.economy.name} | cooperation {sim_cfg.cooperation.name} | "
              f"{sim_cfg.run.replicates} replicate{'s' if sim_cfg.run.replicates != 1 else ''}, {sim_cfg.run.years:g} "
              f"year{'s' if sim_cfg.run.years != 1 else ''}, 1:{sim_cfg.population.scale:g} sample")
        print(format_headline(results))
        print(f"\noutputs: {run_dir}  ({time.perf_counter() - t0:.1f} s)")
