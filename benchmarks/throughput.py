"""Throughput of the kernel against a bare one-draw-per-person Markov step, and memory per person.

Prints person-steps per second of (a) the model's kernel on a national population scaled to
about 1 000 000 persons over 10 years and (b) a reference written in Numba over the same number
of states: one counter-based draw per person per step and a scan of a cumulative transition row,
nothing else. Both run in this process, one after the other, on the same threads.

    python benchmarks/throughput.py                # 1 000 000 persons, 10 years
    python benchmarks/throughput.py --persons 200000 --years 2   # quicker
"""
from __future__ import annotations

import argparse
import time

import numba
import numpy as np
from numba import njit, prange

from simulation import load_config
from simulation.config import validate
from simulation.montecarlo import simulate, steps_for
from simulation.rng import person_key, replicate_key, uniform
from simulation.states import N_STATES


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--persons", type=int, default=1_000_000, help="persons simulated (about)")
    ap.add_argument("--years", type=float, default=10.0)
    ap.add_argument("--threads", type=int, default=0, help="0 = all cores")
    ap.add_argument("--economy", default="steady", help="economy config (a recession refills the per-cell table each step)")
    args = ap.parse_args()
    if args.threads:
        numba.set_num_threads(args.threads)

    base = validate(load_config())
    per_scale1 = sum(c.population_16_66 for c in base.counties.values()) * (
        1 + base.population.cohort_share_under_16 * args.years)
    scale = per_scale1 / args.persons
    overrides = [f"population.scale={scale:.6f}", f"run.years={args.years}", "run.replicates=1", f"economy={args.economy}",
                 "economy.recession.start_year=0",
                 "run.burn_in_years=0", "run.progress=false", "run.check_invariants=false"]
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
    print(f"ratio kernel / reference     {kernel_rate / ref:.2f}   (target >= 0.40)")
    print(f"memory per person            {res.bytes_per_person} bytes   (target <= 64)")


if __name__ == "__main__":
    main()
