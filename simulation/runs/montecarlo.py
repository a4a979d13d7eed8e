"""Monte Carlo replicates of one scenario: population, kernel, tallies, invariants, timing.

Every replicate draws its own population and its own kernel draws from (seed, replicate);
the scenario's parameters never enter a key, so two scenarios run on the same seed meet the
same draws (common random numbers) and their replicate-by-replicate differences are paired.
"""
from __future__ import annotations

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
from simulation.core.states import N_STATES, group_layout
from simulation.core.schema import FLAG_VOCATIONAL
from simulation.institutions.model import CrossSectorModel
from simulation.runs.cohorts import cohort_table


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
    """All replicates of one validated config."""
    t_start = time.perf_counter()
    if cfg.run.threads > 0:
        numba.set_num_threads(min(cfg.run.threads, numba.config.NUMBA_NUM_THREADS))
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
    return SimResult(
        stocks=stocks, flows=flows, events=events[:, :, :schema.N_PUBLIC_EVENTS],
        bookings=events[:, :, schema.E_BOOK:].reshape(R, report + 1, N_STATES, schema.N_PAYMENT_VARIANTS, schema.N_BENEFITS),
        institutions=pd.concat(institutions, ignore_index=True) if institutions else pd.DataFrame(),
        breakdowns=np.stack(breakdowns), cohorts=pd.concat(cohorts, ignore_index=True),
        snapshots=np.bincount(year[snap], minlength=breakdowns[0].shape[0]),
        counties=counties, groups=groups,
        step_days=cfg.run.step_days, start_year=calendar_start(cfg), scale=cfg.population.scale,
        n_persons=n_persons, bytes_per_person=bytes_per_person(),
        timings={"setup_s": t_setup, "simulate_s": elapsed, "kernel_s": timing.get("kernel_s", 0.0),
                 "person_steps": int(sum(n_persons) * (burn + report)),
                 "person_steps_per_s": sum(n_persons) * (burn + report) / max(timing.get("kernel_s", 0.0), 1e-9)},
    )
