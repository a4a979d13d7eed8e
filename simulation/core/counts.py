"""What the institutions count each update period, and the refill of the kernel's exit-probability table
for the counties whose cooperation multipliers changed: the same numbers as the one-purpose kernel
functions (``kernel.caseload_by_county``, ``count_in_state_by_county``, ``pool_use_by_county``,
``fill_table``), at a fraction of the cost. The institutions take stock every four weeks of simulated
time, some 200 times a replicate, and these passes were most of a run's time outside the kernel.

- Counts: NAV's caseload and OT's caseload per county, the units of each capacity pool in use and
  the persons queueing for each pool. After a kernel step they come from the kernel's own per-chunk
  tallies of that step (persons by state and county, pool units by county), which describe everyone
  as they are now; only the queues need a pass over the persons (:func:`queue_counts`, one byte a
  person). Before the first step, and with the person-level engine, :func:`institution_counts`
  counts everything in one pass. All counts are integers, so any order of summing is exact. A
  pool's use in real NOK or persons is ``units x population.scale``, which equals the kernel's
  person-by-person float sum exactly whenever the scale is a whole number (every term and partial
  sum is then an integer below 2**53); with a fractional scale :meth:`InstitutionCounts.pool_use`
  takes the kernel's own sum, so results never depend on which path was taken.
- :func:`refill_changed` recomputes the table cells of the (county, state) pairs whose multipliers
  changed, with the kernel's own sum of a state's hazards (``hazards.total_rate``) and the arithmetic
  of ``hazards.fill_state_table`` in the same order. The other cells keep their values, which are what
  a full refill would give again: a cell depends on the step only through the business-cycle
  multipliers, and the kernel refills every cell itself at each step where those change
  (``cycle_changes``).

``tests/test_counts.py`` checks all of it against the kernel's functions, period by period.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from simulation.core import numba_cache  # noqa: F401  (first: points Numba's cache at this version's directory)
from simulation.core.hazards import B_NONE, DAYS_PER_YEAR, total_rate
from simulation.core.kernel import pool_use_by_county
from simulation.core.places import pool_of, pool_on_entry, wanted
from simulation.core.rules import in_nav_spell
from simulation.core.schema import FLAG_IMMIGRANT, FLAG_REDUCED_WORK_ABILITY, N_CELLS, N_POOLS, KernelParams, People
from simulation.core.states import N_STATES, State

EXACT_LIMIT = 2.0 ** 53  # integers up to here are exact in float64
OT = int(State.OT_FOLLOWED)
# the states of a NAV spell, from the rule itself (its Python body: no compilation at import)
NAV_STATES = tuple(s for s in range(N_STATES) if in_nav_spell.py_func(s))


# compiled without reference counting, as the kernel's hot functions (see kernel.HOT): they allocate nothing
HOT = dict(cache=True, _nrt=False)


@njit(**HOT)
def institution_counts(people, kp, caseload, ot, units, queue):
    """Per county: NAV caseload (job seeker, assessment, measures), persons followed by OT, units of each pool
    in use (unscaled) and persons queueing for each pool. ``caseload`` and ``ot`` are int64[C], ``units`` and
    ``queue`` int64[N_POOLS, C]; all are overwritten."""
    caseload[:] = 0
    ot[:] = 0
    units[:, :] = 0
    for i in range(people.state.shape[0]):
        s = np.int64(people.state[i])
        c = np.int64(people.county[i])
        if in_nav_spell(s):
            caseload[c] += 1
        elif s == OT:
            ot[c] += 1
        p0, u0, p1, u1 = pool_of(kp, s, np.int64(people.flags[i]))
        if p0 >= 0:
            units[p0, c] += u0
        if p1 >= 0:  # a NAV-bought course in a county place: the place and NAV's money
            units[p1, c] += u1
    queue_counts(people, kp, queue)


@njit(**HOT)
def queue_counts(people, kp, queue):
    """Persons queueing for each pool, per county (int64[N_POOLS, C], overwritten)."""
    queue[:, :] = 0
    for i in range(people.state.shape[0]):
        if people.want[i] != 0:
            ns, mode = wanted(people.want[i])
            q0, _, q1, _ = pool_on_entry(kp, ns, mode)
            c = np.int64(people.county[i])
            if q0 >= 0:
                queue[q0, c] += 1
            if q1 >= 0:
                queue[q1, c] += 1


@njit(**HOT)
def refill_changed(kp, table, t, changed):
    """Exit probabilities at step t of the (county c, state s) pairs with ``changed[c, s]``, both variants,
    every cell: the arithmetic of ``hazards.fill_state_table``, cell by cell. Where a state's two variants have
    the same hazards (most states), variant 1 is a copy of variant 0, as computing it would give."""
    n_c = table.shape[3]
    for s in range(table.shape[0]):
        any_c = False
        for c in range(n_c):
            any_c = any_c or changed[c, s]
        if not any_c:
            continue
        same = True
        for k in range(kp.n_entries[s]):
            for cell in range(N_CELLS):
                same = same and kp.hazard[s, 0, k, cell] == kp.hazard[s, 1, k, cell]
        _refill(kp, table, t, changed, s, 0)
        if same:
            for cell in range(N_CELLS):
                for c in range(n_c):
                    if changed[c, s]:
                        table[s, 1, cell, c] = table[s, 0, cell, c]
        else:
            _refill(kp, table, t, changed, s, 1)


@njit(**HOT)
def _refill(kp, table, t, changed, s, v):
    """State s, variant v of :func:`refill_changed` (the loop of ``hazards.fill_state_table``, for the changed
    counties only)."""
    n_c = table.shape[3]
    for cell in range(N_CELLS):
        band = cell // 16 + 1
        edu = (cell // 4) % 4
        flags = (FLAG_IMMIGRANT if (cell // 2) % 2 else 0) | (FLAG_REDUCED_WORK_ABILITY if cell % 2 else 0)
        age = kp.band_lo_days[band]
        for c in range(n_c):
            if not changed[c, s]:
                continue
            total = total_rate(kp, s, v, cell, c, t, band, edu, flags, B_NONE, age, 0)
            table[s, v, cell, c] = -np.expm1(-total * float(kp.dt_days) / DAYS_PER_YEAR)


class InstitutionCounts:
    """Caseloads, places in use and queues per county, and where they come from."""

    def __init__(self, n_counties: int):
        self.caseload = np.zeros(n_counties, dtype=np.int64)
        self.ot = np.zeros(n_counties, dtype=np.int64)
        self.units = np.zeros((N_POOLS, n_counties), dtype=np.int64)
        self.queue = np.zeros((N_POOLS, n_counties), dtype=np.int64)

    def count(self, people: People, params: KernelParams) -> None:
        """Count everyone now: one pass over the persons."""
        institution_counts(people, params, self.caseload, self.ot, self.units, self.queue)

    def from_tallies(self, people: People, params: KernelParams, acc_st: np.ndarray, acc_pool: np.ndarray) -> None:
        """The same counts from the kernel's per-chunk tallies of the step it ran last (``acc_st``: persons by
        state and county, ``acc_pool``: units by pool and county, both per chunk), which describe everyone
        after that step; only the queues need a pass, and it reads one byte a person."""
        n_c = self.caseload.shape[0]
        by_state = acc_st[:, :, :n_c].sum(axis=0, dtype=np.int64)
        by_state[list(NAV_STATES)].sum(axis=0, out=self.caseload)
        self.ot[:] = by_state[OT]
        acc_pool.sum(axis=0, out=self.units)
        queue_counts(people, params, self.queue)

    def pool_use(self, people: People, params: KernelParams, out: np.ndarray) -> np.ndarray:
        """Units of each pool in use, scaled (NOK per month, real persons), into ``out``: exactly what
        ``kernel.pool_use_by_county`` gives. Call after :meth:`count` or :meth:`from_tallies`."""
        scale = float(params.scale)
        if scale.is_integer() and float(self.units.sum()) * scale < EXACT_LIMIT:
            np.multiply(self.units, scale, out=out)
        else:  # a fractional scale: the kernel's own float sum, person by person
            pool_use_by_county(people, params, out, np.zeros_like(self.queue))
        return out
