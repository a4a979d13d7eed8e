"""A Hydra sweeper that runs a list of design points: one job per point, through the configured launcher.

Hydra's basic sweeper runs the cartesian product of the values it is given; an experiment design (Latin
hypercube futures crossed with policies) is a list of points instead. This sweeper reads that list from a JSON
file and hands the jobs to whatever launcher the multirun is configured with (basic, joblib, submitit), so every
design point runs through ``simulation.app.main`` and writes an ordinary run directory with its manifest (a job
that raises leaves ``job_failed.txt``, as in any multirun). The exploration command
(:mod:`simulation.explore`) starts it like this::

    python -m simulation -m \\
        hydra.sweeper._target_=hydra_plugins.simulation_design_sweeper.design_sweeper.DesignSweeper \\
        +hydra.sweeper.design=OUT/design_jobs.json hydra.sweep.dir=OUT/runs 'hydra.sweep.subdir=${hydra.job.num}'

The design file is ``{"jobs": [{"num": 0, "overrides": ["scenario=baseline", ...]}, ...]}``. Jobs are launched in
batches of consecutive job numbers (``max_batch_size`` caps a batch), so a subset of the design (the jobs still
missing) keeps each job's number and directory. Overrides given on the command line besides Hydra's own apply to
every job, before the job's own.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from hydra.plugins.sweeper import Sweeper
from omegaconf import DictConfig, OmegaConf

log = logging.getLogger("simulation")


def _batches(nums: list[int], size: int | None) -> list[list[int]]:
    """Split sorted job numbers into runs of consecutive numbers of at most ``size``."""
    out: list[list[int]] = []
    for n in nums:
        if out and n == out[-1][-1] + 1 and (not size or size < 0 or len(out[-1]) < size):
            out[-1].append(n)
        else:
            out.append([n])
    return out


class DesignSweeper(Sweeper):
    """Run the design points listed in a JSON file, one job each, through the configured launcher."""

    def __init__(self, design: str | None = None, max_batch_size: int | None = None,
                 params: dict | None = None, **_: Any) -> None:
        super().__init__()
        self.design = design
        self.max_batch_size = max_batch_size
        self.config: DictConfig | None = None
        self.launcher = None
        self.hydra_context = None

    def setup(self, *, hydra_context, task_function, config: DictConfig) -> None:
        from hydra.core.plugins import Plugins

        self.hydra_context = hydra_context
        self.config = config
        self.launcher = Plugins.instance().instantiate_launcher(hydra_context=hydra_context,
                                                                task_function=task_function, config=config)

    def sweep(self, arguments: list[str]) -> Any:
        if not self.design:
            raise ValueError("DesignSweeper needs +hydra.sweeper.design=PATH (a JSON list of jobs)")
        data = json.loads(Path(self.design).read_text(encoding="utf-8"))
        jobs = {int(j["num"]): [*arguments, *j["overrides"]] for j in data["jobs"]}
        sweep_dir = Path(self.config.hydra.sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(self.config, sweep_dir / "multirun.yaml")
        returns = []
        nums = sorted(jobs)
        if nums:  # compose the first job here, so that a bad design stops before anything runs
            self.validate_batch_is_legal([jobs[nums[0]]])
        for batch in _batches(nums, self.max_batch_size):
            log.info("design jobs %d-%d of %d", batch[0], batch[-1], len(nums))
            results = self.launcher.launch([jobs[n] for n in batch], initial_job_idx=batch[0])
            for r in results:
                _ = r.return_value  # a job's exception surfaces here (the app records failures instead)
            returns.append(results)
        return returns
