"""Throughput of the kernel against a bare one-draw-per-person Markov step, and memory per person.

Prints person-steps per second of (a) the model's kernel on a national population scaled to
about 1 000 000 persons over 10 years and (b) a reference written in Numba over the same number
of states: one counter-based draw per person per step and a scan of a cumulative transition row,
nothing else. Both run in this process, one after the other, on the same threads.

    python benchmarks/throughput.py                # 1 000 000 persons, 10 years
    python benchmarks/throughput.py --persons 200000 --years 2   # quicker

It also runs the kernel and the person-level Mesa engine (``run.engine=agents``, each person a
``mesa.Agent`` stepping with the same rule functions) on one smaller config, since the person
engine would take hours on a million persons, and prints the ratio of their person-steps per second.
"""
from __future__ import annotations

import argparse
import time

import numba
import numpy as np
from numba import njit, prange

from simulation import load_config
from simulation.core.config import validate
from simulation.core.params import steps_for
from simulation.core.population import expected_persons
from simulation.core.rng import person_key, replicate_key, uniform
from simulation.core.states import N_STATES
from simulation.runs.montecarlo import simulate


@njit(cache=True, parallel=True, _nrt=False)
def markov_reference(state, cum, key, t0, n_steps):
    """The bare Markov step: one draw per person, new state from a cumulative row."""
    n = state.shape[0]
    for j in range(n_steps):
        t = t0 + j
        for i in prange(n):
            s = state[i]
            u = uniform(person_key(key, i), t, 0)
            ns = N_STATES - 1
            for d in range(N_STATES):
                if u < cum[s, d]:
                    ns = d
                    break
            state[i] = ns


def reference_rate(n_persons: int, n_steps: int, seed: int = 1) -> float:
    """Person-steps per second of the bare Markov step."""
    rng = np.random.default_rng(seed)
    p = rng.random((N_STATES, N_STATES)) + np.eye(N_STATES) * 50.0  # mostly stay, as in the model
    cum = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    state = rng.integers(0, N_STATES, n_persons).astype(np.uint8)
    key = replicate_key(seed, 0)
    markov_reference(state, cum, key, 0, 1)  # compile / load from cache
    start = time.perf_counter()
    markov_reference(state, cum, key, 1, n_steps)
    return n_persons * n_steps / (time.perf_counter() - start)


def scaled_overrides(persons: int, years: float, economy: str) -> list[str]:
    """Overrides for a national population of about ``persons`` persons over ``years``, no burn-in."""
    base = validate(load_config([f"run.years={years}", "population.scale=1"]))
    per_scale1 = expected_persons(base)  # the population, the cohorts turning 16 and the arrivals, at scale 1
    return [f"population.scale={per_scale1 / persons:.6f}", f"run.years={years}", "run.replicates=1",
            f"economy={economy}", "economy.recession.start_year=0", "run.burn_in_years=0", "run.progress=false",
            "run.check_invariants=false"]


def engine_rates(persons: int, years: float, economy: str) -> tuple[float, float, int, int]:
    """Person-steps per second of the kernel and of the person-level engine on the same config."""
    overrides = scaled_overrides(persons, years, economy)
    rates = []
    for engine in ("kernel", "agents"):
        cfg = validate(load_config([*overrides, f"run.engine={engine}"]))
        simulate(validate(load_config([*overrides[:1], "run.years=0.05", "run.replicates=1", "run.burn_in_years=0",
                                       "run.progress=false", f"run.engine={engine}"])))  # compile / load the cache
        res = simulate(cfg)
        rates.append(res.timings["person_steps_per_s"])
    return rates[0], rates[1], int(res.n_persons[0]), steps_for(cfg)[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=1_000_000, help="persons simulated (about)")
    ap.add_argument("--years", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=0, help="0 = all cores")
    ap.add_argument("--economy", default="steady",
                    help="economy config (a recession refills the per-cell table each step)")
    ap.add_argument("--agents-persons", type=int, default=100_000, help="persons in the kernel vs person-engine run")
    ap.add_argument("--agents-years", type=float, default=0.25, help="years of the kernel vs person-engine run")
    args = ap.parse_args()
    if args.threads:
        numba.set_num_threads(args.threads)

    overrides = scaled_overrides(args.persons, args.years, args.economy)
    cfg = validate(load_config(overrides))
    warm = validate(load_config(overrides[:1] + ["run.years=0.1", "run.replicates=1", "run.burn_in_years=0",
                                                 "run.progress=false"]))
    simulate(warm)  # compile or load the cached kernel outside the timing
    start = time.perf_counter()
    res = simulate(cfg)
    wall = time.perf_counter() - start
    n = res.n_persons[0]
    _, steps = steps_for(cfg)
    kernel_rate = res.timings["person_steps_per_s"]
    ref = reference_rate(n, steps)
    print(f"threads                      {numba.get_num_threads()}")
    print(f"economy                      {args.economy}")
    print(f"persons                      {n:,}")
    print(f"steps (weekly, {args.years:g} years)      {steps}")
    print(f"kernel wall time             {wall:.2f} s   (target < 30 s for 1 000 000 persons, 10 years)")
    print(f"kernel person-steps/s        {kernel_rate:,.0f}")
    print(f"reference person-steps/s     {ref:,.0f}   (bare one-draw Markov step, {N_STATES} states)")
    print(f"ratio kernel / reference     {kernel_rate / ref:.2f}   (target >= 0.45)")
    print(f"memory per person            {res.bytes_per_person} bytes   (target <= 64)")
    k_rate, a_rate, n_small, steps_small = engine_rates(args.agents_persons, args.agents_years, args.economy)
    print(f"-- same config for both engines: {n_small:,} persons, {steps_small} weekly steps --")
    print(f"kernel person-steps/s        {k_rate:,.0f}")
    print(f"person engine person-steps/s {a_rate:,.0f}   (run.engine=agents: one mesa.Agent per person)")
    print(f"ratio kernel / person engine {k_rate / a_rate:,.0f}   (target >= 200)")


if __name__ == "__main__":
    main()
