"""Monte Carlo replicates of one scenario: population, kernel, tallies, invariants, timing.

Every replicate draws its own population and its own kernel draws from (seed, replicate);
the scenario's parameters never enter a key, so two scenarios run on the same seed meet the
same draws (common random numbers) and their replicate-by-replicate differences are paired.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numba
import numpy as np
from tqdm.auto import tqdm

from simulation import kernel as K
from simulation.config import SimConfig
from simulation.economy import is_stochastic
from simulation.params import build_params
from simulation.population import bytes_per_person, selected_counties, synthesise
from simulation.rng import replicate_key
from simulation.states import N_STATES, group_layout, group_offsets

BLOCK_STEPS = 26  # steps per kernel call: the progress bar moves this often


class InvariantError(RuntimeError):
    """People were created or lost: a bug, never a user error."""


@dataclass
class SimResult:
    """Raw tallies of all replicates, with what is needed to label them."""

    stocks: np.ndarray  # int32[R, T+1, S, G]
    flows: np.ndarray  # int32[R, T+1, S, S] (row 0 empty; flows[t] move stocks[t-1] to stocks[t])
    events: np.ndarray  # int64[R, T+1, E]
    bookings: np.ndarray  # int64[R, T+1, S, 2, B]: persons by state, variant and benefit at the end of each step
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


def steps_for(cfg: SimConfig) -> tuple[int, int]:
    """(burn-in steps, reported steps) for the configured years and step length."""
    burn = int(round(cfg.run.burn_in_years * 365.25 / cfg.run.step_days))
    report = max(1, int(round(cfg.run.years * 365.25 / cfg.run.step_days)))
    return burn, report


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


def _chunk_size(n: int) -> int:
    return max(2048, math.ceil(n / 64))


def new_table(n_counties: int) -> np.ndarray:
    """Scratch space for the kernel's per-cell exit probabilities."""
    return np.zeros((N_STATES, 2, K.N_CELLS, n_counties))


def run_replicate(cfg: SimConfig, params: K.KernelParams, replicate: int, out_stocks, out_flows, out_events,
                  on_block=None, kernel_seconds: list | None = None) -> int:
    """One replicate into the given output rows; returns its population size."""
    people = synthesise(cfg, cfg.run.seed, replicate)
    return run_people(cfg, params, people, replicate, out_stocks, out_flows, out_events, on_block, kernel_seconds)


def run_people(cfg: SimConfig, params: K.KernelParams, people: K.People, replicate: int, out_stocks, out_flows,
               out_events, on_block=None, kernel_seconds: list | None = None) -> int:
    """Run the kernel over a given population (synthetic, or hand-made in tests); returns its size."""
    kernel_seconds = kernel_seconds if kernel_seconds is not None else [0.0]
    counties = selected_counties(cfg)
    group0 = group_offsets(len(counties))[:4]
    burn, report = steps_for(cfg)
    n = people.state.shape[0]
    chunk = _chunk_size(n)
    n_chunks = max(1, math.ceil(n / chunk))
    acc_st = np.zeros((n_chunks, N_STATES, len(counties) + K.N_TALLY_CELLS), dtype=np.int32)
    acc_fl = np.zeros((n_chunks, N_STATES, N_STATES), dtype=np.int32)
    acc_ev = np.zeros((n_chunks, K.N_EVENTS), dtype=np.int64)
    key = replicate_key(cfg.run.seed, replicate)
    table = new_table(len(counties))
    def advance(t: int, t_end: int) -> None:
        while t < t_end:
            n_steps = min(BLOCK_STEPS, t_end - t)
            K.run_steps(people, params, table, key, t, n_steps, burn, chunk, acc_st, acc_fl, acc_ev,
                        out_stocks, out_flows, out_events, group0)
            t += n_steps
            if on_block is not None:
                on_block(n_steps)

    t0 = time.perf_counter()
    advance(0, burn)
    K.count_stocks(people, group0, burn, cfg.run.step_days, out_stocks[0])  # the stocks at the start of reporting
    advance(burn, burn + report)
    kernel_seconds[0] += time.perf_counter() - t0
    return n


def simulate(cfg: SimConfig, progress: bool | None = None) -> SimResult:
    """All replicates of one validated config."""
    t_start = time.perf_counter()
    if cfg.run.threads > 0:
        numba.set_num_threads(min(cfg.run.threads, numba.config.NUMBA_NUM_THREADS))
    counties = selected_counties(cfg)
    groups = group_layout(counties)
    burn, report = steps_for(cfg)
    params = build_params(cfg, counties, burn, report)
    R = cfg.run.replicates
    stocks = np.zeros((R, report + 1, N_STATES, len(groups)), dtype=np.int32)
    flows = np.zeros((R, report + 1, N_STATES, N_STATES), dtype=np.int32)
    events = np.zeros((R, report + 1, K.N_EVENTS), dtype=np.int64)
    show = cfg.run.progress if progress is None else progress
    # shown on a terminal only (None: tqdm turns itself off when stderr is not a TTY), after 2 s
    bar = tqdm(total=R * (burn + report), unit="step", desc=f"simulating {R} replicates", disable=None if show else True,
               delay=2.0, mininterval=0.5, leave=False, dynamic_ncols=True)
    n_persons = []
    kernel_seconds = [0.0]
    t_setup = time.perf_counter() - t_start
    t_kernel = time.perf_counter()
    try:
        for rep in range(R):
            if rep > 0 and is_stochastic(cfg.economy):
                params = build_params(cfg, counties, burn, report, replicate=rep)
            n = run_replicate(cfg, params, rep, stocks[rep], flows[rep], events[rep], on_block=bar.update,
                              kernel_seconds=kernel_seconds)
            n_persons.append(n)
            if cfg.run.check_invariants:
                check_conservation(stocks[rep], flows[rep], n)
    finally:
        bar.close()
    elapsed = time.perf_counter() - t_kernel
    return SimResult(
        stocks=stocks, flows=flows, events=events[:, :, :K.N_PUBLIC_EVENTS],
        bookings=events[:, :, K.E_BOOK:].reshape(R, report + 1, N_STATES, 2, K.N_BENEFITS),
        counties=counties, groups=groups,
        step_days=cfg.run.step_days, start_year=cfg.population.start_year, scale=cfg.population.scale,
        n_persons=n_persons, bytes_per_person=bytes_per_person(),
        timings={"setup_s": t_setup, "simulate_s": elapsed, "kernel_s": kernel_seconds[0],
                 "person_steps": int(sum(n_persons) * (burn + report)),
                 "person_steps_per_s": sum(n_persons) * (burn + report) / max(kernel_seconds[0], 1e-9)},
    )
