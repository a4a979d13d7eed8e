"""What ``python -m simulation`` decides before Hydra starts: nothing is written until the run can go ahead.

Hydra creates the run directory, writes ``.hydra/`` (the config, the overrides) and opens
``app.log`` there *before* the job's code runs. A run that our code then rejects would already
have replaced the provenance of whatever was in that directory, for example a finished run's
``.hydra/config.yaml``. So the command line is checked here first, in this order:

1. every job's config is composed and validated (a sweep: every combination, see :data:`MAX_FULL_CHECK`);
2. the memory the run needs is estimated (:mod:`simulation.runs.memory`);
3. the run (or sweep) directory is checked (:mod:`simulation.runs.rundir`): absent, empty, or an
   earlier run of this program that ``output.overwrite=true`` replaces whole.

When ``hydra.run.dir`` (``hydra.sweep.dir``) comes from the default pattern with the time in it,
the directory checked here is handed to Hydra as an override, so that Hydra writes exactly where
the check looked, not one second later.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from simulation.core.config import ConfigError, validate
from simulation.runs.compose import CONFIG_DIR
from simulation.runs.memory import available_bytes, check_memory
from simulation.runs.overrides import _HYDRA_FLAGS_WITH_VALUE
from simulation.runs.rundir import prepare

NO_JOB_FLAGS = {"--help", "-h", "--hydra-help", "--version", "--cfg", "-c", "--info", "-i", "--shell-completion", "-sc",
                "--resolve"}
OTHER_CONFIG_FLAGS = {"--config-path", "-cp", "--config-name", "-cn", "--config-dir", "-cd", "--experimental-rerun"}
MULTIRUN_FLAGS = {"-m", "--multirun"}
# a larger sweep: the first job and one job per swept value are checked here, the rest when they start
MAX_FULL_CHECK = 64


@dataclass
class Plan:
    """The checked launch: which directory the run or sweep writes into, and the overrides that pin it."""

    multirun: bool
    directory: Path | None
    pin: list[str] = field(default_factory=list)
    jobs: int = 1


def hydra_quote(text: str) -> str:
    """A Hydra override value that keeps every character of ``text`` (spaces, ',', '=', quotes)."""
    body = re.sub(r"(\\*)'", lambda m: m.group(1) * 2 + "\\'", text)
    body = re.sub(r"(\\+)$", lambda m: m.group(1) * 2, body)
    return f"'{body}'"


def _split(argv: list[str]) -> tuple[set[str], list[str]]:
    flags, args, skip = set(), [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a.startswith("-"):
            flags.add(a.split("=", 1)[0])
            skip = a in _HYDRA_FLAGS_WITH_VALUE
            continue
        args.append(a)
    return flags, args


def _jobs(parsed, sweeper_params: dict | None) -> list[list[str]]:
    """The override lists of a sweep's jobs, as the basic sweeper expands them."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    params = [f"{k}={v}" for k, v in (sweeper_params or {}).items()]
    task = [o.input_line for o in parsed if not o.key_or_group.startswith("hydra")]
    return [list(job) for job in BasicSweeper.split_arguments(OverridesParser.create().parse_overrides(params + task),
                                                               None)[0]]


def _to_check(jobs: list[list[str]]) -> list[list[str]]:
    """All jobs of a sweep up to MAX_FULL_CHECK; beyond that the first job and one job per swept value."""
    if len(jobs) <= MAX_FULL_CHECK:
        return jobs
    chosen, seen = [jobs[0]], set(jobs[0])
    for job in jobs[1:]:
        if any(o not in seen for o in job):
            chosen.append(job)
            seen.update(job)
    return chosen


def _parallel(hydra_cfg, jobs: int) -> int:
    """How many jobs run at once (the joblib launcher's n_jobs; otherwise one)."""
    try:
        launcher = str(hydra_cfg.launcher.get("_target_", ""))
        if "joblib" in launcher.lower():
            n = int(hydra_cfg.launcher.get("n_jobs", 1) or 1)
            return max(1, min(jobs, os.cpu_count() or 1 if n < 0 else n))
    except Exception:  # noqa: BLE001 -- an unknown launcher: count one job at a time
        pass
    return 1


def plan(argv: list[str]) -> Plan | None:
    """Check a command line before Hydra runs it; None when it runs no job (``--help``, ``--cfg``, ...)
    or reads another config directory (then the job checks what it can when it starts).

    Raises :class:`ConfigError` (one line): a bad value in any job, a run too big for the memory,
    or a directory that must not be written into. With ``output.overwrite=true`` an earlier run (or
    sweep) in the directory is removed here, after every other check has passed.
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from omegaconf import OmegaConf

    flags, args = _split(argv)
    if flags & (NO_JOB_FLAGS | OTHER_CONFIG_FLAGS):
        return None
    multirun = bool(flags & MULTIRUN_FLAGS)
    parsed = OverridesParser.create().parse_overrides(args)
    first = []
    for o in parsed:
        first.append(f"{o.get_key_element()}={next(iter(o.sweep_string_iterator()))}" if o.is_sweep_override()
                     else o.input_line)
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base=None, job_name="app"):
        cfg = compose("config", overrides=first, return_hydra_config=True)
        hydra_cfg = cfg.hydra
        params = hydra_cfg.sweeper.get("params")
        params = OmegaConf.to_container(params) if params is not None else {}
        jobs = _jobs(parsed, params) if multirun else [
            [o for o in first if not o.lstrip("+~").startswith("hydra")]]
        hydra_overrides = [o for o in first if o.lstrip("+~").startswith("hydra")]
        free = available_bytes()
        share = free // _parallel(hydra_cfg, len(jobs)) if multirun and free is not None else free
        overwrite = False
        for i, job in enumerate(_to_check(jobs)):
            job_cfg = cfg if i == 0 and not multirun else compose("config", overrides=[*hydra_overrides, *job])
            sim_cfg = validate(job_cfg)
            check_memory(sim_cfg, share)
            overwrite = overwrite or sim_cfg.output.overwrite
        key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
        user_set = any(o.key_or_group == key for o in parsed)
        try:
            text = str(OmegaConf.select(cfg, key))
        except Exception:  # noqa: BLE001 -- e.g. ${hydra:...} in the path: the job checks its directory itself
            return Plan(multirun, None, jobs=len(jobs))
    directory = prepare(text, key, overwrite=overwrite, kind="sweep" if multirun else "run").path
    pin = [] if user_set else [f"{key}={hydra_quote(text)}"]
    return Plan(multirun, directory, pin, len(jobs))


__all__ = ["Plan", "plan", "hydra_quote", "ConfigError"]
