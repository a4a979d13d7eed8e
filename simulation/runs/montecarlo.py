"""Monte Carlo replicates of one scenario: population, kernel, tallies, invariants, timing.

Every replicate draws its own population and its own kernel draws from (seed, replicate);
the scenario's parameters never enter a key, so two scenarios run on the same seed meet the
same draws (common random numbers) and their replicate-by-replicate differences are paired.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import numba
import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from simulation.core import schema
from simulation.core.config import SimConfig, calendar_start
from simulation.core.params import reporting_calendar, steps_for
from simulation.core.population import bytes_per_person, selected_counties
from simulation.core.schema import FLAG_VOCATIONAL
from simulation.core.states import N_STATES, group_layout
from simulation.institutions.model import CrossSectorModel
from simulation.runs.cohorts import cohort_table
from simulation.runs.memory import check_memory


def process_started() -> float:
    """``time.perf_counter()``'s value when this process started (Linux: from /proc; elsewhere: when this module
    was imported, a fraction of a second later), for the start-up time in a run's manifest."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - ticks / os.sysconf("SC_CLK_TCK")
        return time.perf_counter() - age
    except (OSError, ValueError, IndexError, AttributeError):
        return _IMPORTED


_IMPORTED = time.perf_counter()
_SIMULATED: list[bool] = []  # has this process simulated before (then a run's start-up is not the process's)


class InvariantError(RuntimeError):
    """People were created or lost: a bug, never a user error."""


@dataclass
class SimResult:
    """Raw tallies of all replicates, with what is needed to label them."""

    stocks: np.ndarray  # int32[R, T+1, S, G]
    flows: np.ndarray  # int32[R, T+1, S, S] (row 0 empty; flows[t] move stocks[t-1] to stocks[t])
    events: np.ndarray  # int64[R, T+1, E]
    bookings: np.ndarray  # int64[R, T+1, S, V, B]: persons by state, variant and benefit at the end of each step
    institutions: pd.DataFrame  # what the DataCollector recorded: replicate, step, county, institution, variable, value
    breakdowns: np.ndarray  # int64[R, years, schema.XT_SIZE]: the yearly cross-tabulations, exits and durations
    cohorts: pd.DataFrame  # upper secondary starting cohorts per replicate (simulation.runs.cohorts)
    snapshots: np.ndarray  # int[years]: month-end snapshots in each reported year (the cross-tabulation's divisor)
    counties: list[str]
    groups: list[tuple[str, str]]
    step_days: int
    start_year: int
    scale: float
    n_persons: list[int]
    bytes_per_person: int
    timings: dict = field(default_factory=dict)
    threads: int = 0  # Numba threads the replicates ran on

    @property
    def replicates(self) -> int:
        return self.stocks.shape[0]

    @property
    def steps(self) -> int:
        return self.stocks.shape[1] - 1


def check_conservation(stocks: np.ndarray, flows: np.ndarray, n_persons: int) -> None:
    """Every step: all persons in exactly one state; stock(t) = stock(t-1) + inflow - outflow."""
    totals = stocks[:, :, 0].sum(axis=1)
    if not np.all(totals == n_persons):
        bad = int(np.argmax(totals != n_persons))
        raise InvariantError(f"step {bad}: {totals[bad]} persons in states, population {n_persons}")
    inflow = flows[1:].sum(axis=1)  # column sums, diagonal included: everyone who ends in s
    outflow = flows[1:].sum(axis=2)  # row sums: everyone who started in s
    if not (np.array_equal(inflow, stocks[1:, :, 0]) and np.array_equal(outflow, stocks[:-1, :, 0])):
        raise InvariantError("stock(t) != stock(t-1) + inflow - outflow")


def simulate(cfg: SimConfig, progress: bool | None = None) -> SimResult:
    """All replicates of one validated config.

    Refuses (ConfigError) a run that cannot fit in memory before allocating anything. Runs on
    ``run.threads`` Numba threads (0: the process's setting, all cores unless the caller chose
    fewer) and gives the caller back the thread count it had, so one run's setting does not leak
    into the next call in the same process."""
    check_memory(cfg)
    threads_before = numba.get_num_threads()
    threads = min(cfg.run.threads, numba.config.NUMBA_NUM_THREADS) if cfg.run.threads > 0 else threads_before
    numba.set_num_threads(threads)
    try:
        res = _simulate(cfg, progress)
    finally:
        numba.set_num_threads(threads_before)
    res.threads = threads
    return res


def _simulate(cfg: SimConfig, progress: bool | None) -> SimResult:
    t_start = time.perf_counter()
    counties = selected_counties(cfg)
    groups = group_layout(counties)
    burn, report = steps_for(cfg)
    year, snap = reporting_calendar(burn, report, cfg.run.step_days)
    R = cfg.run.replicates
    stocks = np.zeros((R, report + 1, N_STATES, len(groups)), dtype=np.int32)
    flows = np.zeros((R, report + 1, N_STATES, N_STATES), dtype=np.int32)
    events = np.zeros((R, report + 1, schema.N_EVENTS), dtype=np.int64)
    show = cfg.run.progress if progress is None else progress
    # shown on a terminal only (None: tqdm turns itself off when stderr is not a TTY), after 2 s
    bar = tqdm(total=R * (burn + report), unit="step", desc=f"simulating {R} replicates",
               disable=None if show else True, delay=2.0, mininterval=0.5, leave=False, dynamic_ncols=True)
    n_persons = []
    timing: dict = {}
    first_step_at = None
    institutions = []
    breakdowns: list[np.ndarray] = []
    cohorts: list[pd.DataFrame] = []
    t_setup = time.perf_counter() - t_start
    t_kernel = time.perf_counter()
    try:
        for rep in range(R):
            # each replicate builds its own kernel parameters: the institutions change them as it runs
            # (capacities, cooperation), and no replicate may start from where the one before ended
            model = CrossSectorModel(cfg, rep, out=(stocks[rep], flows[rep], events[rep]), on_block=bar.update)
            model.run()
            if first_step_at is None:
                first_step_at = model.first_step_at
            timing["kernel_s"] = timing.get("kernel_s", 0.0) + model.kernel_seconds
            institutions.append(model.institutions_table(rep))
            breakdowns.append(model.breakdowns())
            ppl = model.people
            cohort = cohort_table(ppl.vgo_start_step, ppl.vgo_done_step, (ppl.flags & FLAG_VOCATIONAL) > 0, burn,
                                  burn + report, cfg.run.step_days)
            cohort.insert(0, "replicate", rep)
            cohorts.append(cohort)
            n = model.n_persons
            n_persons.append(n)
            if cfg.run.check_invariants:
                check_conservation(stocks[rep], flows[rep], n)
    finally:
        bar.close()
    elapsed = time.perf_counter() - t_kernel
    # the first run in a process: its start-up (process start to this function) and its first kernel step
    started = process_started()
    startup = {} if _SIMULATED else {"startup_s": t_start - started,
                                      "first_step_s": (first_step_at or t_kernel) - started}
    _SIMULATED.append(True)
    return SimResult(
        stocks=stocks, flows=flows, events=events[:, :, :schema.N_PUBLIC_EVENTS],
        bookings=events[:, :, schema.E_BOOK:].reshape(R, report + 1, N_STATES, schema.N_PAYMENT_VARIANTS,
                                                      schema.N_BENEFITS),
        institutions=pd.concat(institutions, ignore_index=True) if institutions else pd.DataFrame(),
        breakdowns=np.stack(breakdowns), cohorts=pd.concat(cohorts, ignore_index=True),
        snapshots=np.bincount(year[snap], minlength=breakdowns[0].shape[0]),
        counties=counties, groups=groups,
        step_days=cfg.run.step_days, start_year=calendar_start(cfg), scale=cfg.population.scale,
        n_persons=n_persons, bytes_per_person=bytes_per_person(),
        timings={**startup, "setup_s": t_setup, "simulate_s": elapsed, "kernel_s": timing.get("kernel_s", 0.0),
                 "person_steps": int(sum(n_persons) * (burn + report)),
                 "person_steps_per_s": sum(n_persons) * (burn + report) / max(timing.get("kernel_s", 0.0), 1e-9)},
    )
