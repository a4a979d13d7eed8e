"""The Numba kernel: every step, every person steps (in parallel chunks), scarce places are handed out,
the outcome is applied, and the chunks' tallies are summed into the step's rows.

    run_steps                 for each step:
      fill_table                (when the cycle changes) the exit probabilities of the fast path
      step_chunk                each person's step (``simulation.core.step``), tallied per chunk
      allocate                  the applicants for limited places ranked and given places (``allocation``)
      apply_admissions          their outcomes applied and tallied
      reduce_chunks             the chunks' integer tallies summed into stocks, flows and events

Knows nothing of Hydra or configs: it reads the arrays of a ``People`` and a ``KernelParams``
(``simulation.core.schema``, built by ``simulation.core.params``). Each person's update reads and
writes only that person's slots, and every draw is keyed by (replicate, person, step, decision), so
results are identical for any number of threads. The hot functions are compiled without Numba's
reference counting (the private ``_nrt=False`` flag): they allocate nothing, and the atomic
incref/decref of every array a branchy function touches otherwise costs ~30 ns per person-step.
"""
from __future__ import annotations

import numpy as np  # noqa: E402
from numba import njit, prange  # noqa: E402

from simulation.core import (
    numba_cache,  # noqa: F401  (first: points Numba's cache at this version's directory)
    rules,  # noqa: E402
)
from simulation.core.allocation import allocate, apply_admissions, pool_use  # noqa: E402
from simulation.core.hazards import fill_state_table, fill_table  # noqa: E402,F401  (fill_table: the model's)
from simulation.core.places import pool_of, pool_on_entry, wanted  # noqa: E402
from simulation.core.schema import APPLY, FLAG_IMMIGRANT, N_TALLY_CELLS  # noqa: E402
from simulation.core.states import N_STATES  # noqa: E402
from simulation.core.step import step_person, tally  # noqa: E402

HOT = dict(cache=True, _nrt=False)


@njit(**HOT)
def step_chunk(people, kp, table, rep_key, t, rep, lo, hi, acc_st, acc_fl, acc_ev, acc_x, acc_pool, app_idx):
    """One step for persons lo..hi-1, tallied into this chunk's accumulators. Applicants for a
    capacity-limited place are listed in app_idx[lo:lo+k]; returns k."""
    acc_st[:, :] = 0
    acc_fl[:, :] = 0
    acc_ev[:] = 0
    acc_pool[:, :] = 0.0
    on = rep >= 1
    k = 0
    for i in range(lo, hi):
        s_old = np.int64(people.state[i])
        s_new = step_person(i, people, kp, table, rep_key, t, rep, acc_ev, acc_x, on)
        if s_new == APPLY:
            app_idx[lo + k] = i  # stays put for now; tallied once the places are handed out (apply_admissions)
            k += 1
            pool_use(i, people, kp, acc_pool, 1)  # the place the applicant holds now counts in the allocation
            continue
        people.state[i] = s_new
        tally(i, people, kp, t, s_old, s_new, rep, acc_st, acc_fl, acc_ev, acc_x, acc_pool)
    return k


@njit(**HOT)
def reduce_chunks(rep, acc_st, acc_fl, acc_ev, stocks, flows, events, group0):
    """Sum the chunks' tallies into the step's rows, spreading the tally cells over the reporting
    groups (integer sums: exact in any order)."""
    c0, a0, e0, m0 = group0
    n_c = acc_st.shape[2] - N_TALLY_CELLS
    for ch in range(acc_st.shape[0]):
        for s in range(acc_st.shape[1]):
            for c in range(n_c):
                x = acc_st[ch, s, c]
                stocks[rep, s, 0] += x
                stocks[rep, s, c0 + c] += x
            for cell in range(N_TALLY_CELLS):
                x = acc_st[ch, s, n_c + cell]
                stocks[rep, s, a0 + cell // 8] += x
                stocks[rep, s, e0 + (cell // 2) % 4] += x
                stocks[rep, s, m0 + cell % 2] += x
            for d in range(acc_fl.shape[2]):
                flows[rep, s, d] += acc_fl[ch, s, d]
        for e in range(acc_ev.shape[1]):
            events[rep, e] += acc_ev[ch, e]


@njit(cache=True, parallel=True)
def run_steps(people, kp, table, rep_key, t_start, n_steps, report_t0, chunk, acc_st, acc_fl, acc_ev, acc_x,
              acc_pool, app_idx, app_count, stocks, flows, events, group0):
    """Advance everyone ``n_steps`` steps from global step ``t_start``.

    Steps at or after ``report_t0`` are reported: the state after global step t goes to row
    t - report_t0 + 1 of ``stocks``/``flows``/``events`` (row 0 holds the stocks at the start). Each chunk
    also adds its yearly breakdowns into ``acc_x[chunk, year]`` (summed once the replicate has run).
    """
    n = people.state.shape[0]
    n_chunks = acc_st.shape[0]
    for j in range(n_steps):
        t = t_start + j
        rep = t - report_t0 + 1
        if t == 0 or kp.cycle_changes[t]:
            for sv in prange(N_STATES * 2):
                fill_state_table(kp, table, t, sv // 2, sv % 2)
        for ch in prange(n_chunks):
            app_count[ch] = step_chunk(people, kp, table, rep_key, t, rep, ch * chunk, min(n, (ch + 1) * chunk),
                                       acc_st[ch], acc_fl[ch], acc_ev[ch], acc_x[ch], acc_pool[ch], app_idx)
        if app_count.sum() > 0:
            allocate(people, kp, rep_key, t, acc_pool, app_idx, app_count, chunk)
            for ch in prange(n_chunks):
                if app_count[ch] > 0:
                    apply_admissions(people, kp, rep_key, t, rep, app_idx[ch * chunk: ch * chunk + app_count[ch]],
                                     acc_st[ch], acc_fl[ch], acc_ev[ch], acc_x[ch], acc_pool[ch])
        if rep >= 1:
            reduce_chunks(rep, acc_st, acc_fl, acc_ev, stocks, flows, events, group0)


# ------------------------------------------------------------------------- counts the model reads


@njit(**HOT)
def count_stocks(people, group0, steps_done, dt_days, out):
    """Stocks by state and group after ``steps_done`` steps (row 0 of the reported stocks)."""
    c0, a0, e0, m0 = group0
    for i in range(people.state.shape[0]):
        s = people.state[i]
        out[s, 0] += 1
        out[s, c0 + people.county[i]] += 1
        out[s, a0 + rules.age_band(np.int64(people.age0_days[i]) + steps_done * dt_days)] += 1
        out[s, e0 + people.education[i]] += 1
        out[s, m0 + (1 if people.flags[i] & FLAG_IMMIGRANT else 0)] += 1


@njit(**HOT)
def pool_use_by_county(people, kp, use, queue):
    """Units of each capacity pool in use (NOK per month, real persons) and persons queueing for it, per county."""
    use[:, :] = 0.0
    queue[:, :] = 0
    for i in range(people.state.shape[0]):
        c = people.county[i]
        p0, u0, p1, u1 = pool_of(kp, np.int64(people.state[i]), np.int64(people.flags[i]))
        if p0 >= 0:
            use[p0, c] += u0 * kp.scale
        if p1 >= 0:
            use[p1, c] += u1 * kp.scale
        if people.want[i] != 0:
            ns, mode = wanted(people.want[i])
            q0, _, q1, _ = pool_on_entry(kp, ns, mode)
            if q0 >= 0:
                queue[q0, c] += 1
            if q1 >= 0:
                queue[q1, c] += 1


@njit(**HOT)
def count_in_state_by_county(people, state, out):
    """Persons in one state per county, into ``out``."""
    out[:] = 0
    for i in range(people.state.shape[0]):
        if people.state[i] == state:
            out[people.county[i]] += 1


@njit(**HOT)
def caseload_by_county(people, out):
    """Persons in NAV states (job seeker, assessment, measures) per county, into ``out``."""
    out[:] = 0
    for i in range(people.state.shape[0]):
        if rules.in_nav_spell(np.int64(people.state[i])):
            out[people.county[i]] += 1
