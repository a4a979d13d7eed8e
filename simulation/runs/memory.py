"""How much memory a run needs, checked before anything is allocated.

A run keeps every replicate's tallies (stocks by state and group, flows, events) for every
reported step, and writing the run directory turns them into tidy tables, which take about ten
times the tallies' bytes while they are built and written. ``numpy.zeros`` does not touch the
memory it reserves, so a run that cannot fit would otherwise start, fill the machine for hours,
and be killed with nothing saved. :func:`check_memory` refuses such a run at once and names the
keys that shrink it.

The figures (bytes per tally cell, per person) were measured with ``/usr/bin/time -f %M`` on runs
of 5 and 40 replicates (docs/reliability.md); the estimate is meant to be close, not a bound.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

from simulation.core.config import ConfigError, SimConfig
from simulation.core.params import steps_for
from simulation.core.population import bytes_per_person, expected_persons, selected_counties
from simulation.core.schema import N_EVENTS
from simulation.core.states import N_STATES, group_layout

BASE_BYTES = 450 * 2**20  # the interpreter with numpy, numba, pandas, pyarrow, Mesa and Hydra loaded
TABLE_BYTES_PER_STOCK_CELL = 100  # stocks.parquet while built and written: ~30 B a row, meshgrid and Arrow copies
TABLE_BYTES_PER_STEP = 10_000  # the other tables per replicate and step (flows, events, series, ledger)
PERSON_OVERHEAD = {"kernel": 200, "agents": 6_000}  # bytes a person costs beyond the struct-of-arrays


def estimate_bytes(cfg: SimConfig) -> int:
    """Peak memory of a run of this config, in bytes (simulation and writing its tables)."""
    _, report = steps_for(cfg)
    cells = cfg.run.replicates * (report + 1)  # replicate x reported step
    groups = len(group_layout(selected_counties(cfg)))
    tallies = cells * (N_STATES * groups * 4 + N_STATES * N_STATES * 4 + N_EVENTS * 8)
    tables = cells * (TABLE_BYTES_PER_STOCK_CELL * N_STATES * groups + TABLE_BYTES_PER_STEP)
    persons = expected_persons(cfg)
    per_person = bytes_per_person() + PERSON_OVERHEAD.get(cfg.run.engine, PERSON_OVERHEAD["agents"])
    return int(BASE_BYTES + tallies + tables + persons * per_person)


def available_bytes() -> int | None:
    """Memory this process can still get: MemAvailable, or less under a cgroup limit; None when unknown."""
    found = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
                break
    except (OSError, ValueError, IndexError):
        pass
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit != "max":
            used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
            found.append(max(int(limit) - used, 0))
    except (OSError, ValueError):
        pass
    if not found:
        try:
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (OSError, ValueError, AttributeError):
            return None
    return min(found)


def _gib(n: float) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{math.ceil(n / 2**20)} MiB"


def check_memory(cfg: SimConfig, available: int | None = None) -> int:
    """Refuse (:class:`ConfigError`, one line) a run that needs more memory than the machine has free.

    Returns the estimate in bytes. ``available`` defaults to :func:`available_bytes`; when that is
    unknown the run is not checked.
    """
    need = estimate_bytes(cfg)
    free = available_bytes() if available is None else available
    if free is not None and need > free:
        raise ConfigError(
            f"config error: run.replicates={cfg.run.replicates}: the run needs about {_gib(need)} of memory and "
            f"{_gib(free)} is free; lower run.replicates or run.years, raise run.step_days, or select fewer "
            f"counties (population.only_counties)")
    return need
