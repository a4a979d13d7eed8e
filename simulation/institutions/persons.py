"""The person-level engine: every person is a ``mesa.Agent`` that steps with the kernel's own rules.

Selected with ``run.engine=agents``. It runs inside the same ``CrossSectorModel`` and institutions
as the kernel, and each agent's ``step`` calls the kernel's compiled rule functions for that one
person (``step.step_person`` and ``step.tally``); places in budget-limited measures are then
handed out by the kernel's own ``allocation.allocate``. There is no second copy of the rules. What differs:

- agents are activated one by one in a random order each step (Mesa's ``shuffle_do``), not in
  parallel chunks, so the equivalence tests also show that activation order does not matter;
- every agent computes its hazards from the rules; the kernel's per-cell lookup table of exit
  probabilities (its fast path) is switched off, so the table is checked against the rules.

With the same seed both engines give identical tables (each draw is keyed by person and step,
not by the order of activation); with different seeds they agree in distribution. It is about a
thousand times slower than the kernel and meant for small populations, teaching and checking.
"""
from __future__ import annotations

import mesa
import numpy as np
from numba import njit

from simulation.core import (
    allocation,
    numba_cache,  # noqa: F401  (first: points Numba's cache at this version's directory)
    schema,
    step,
)
from simulation.core import kernel as K
from simulation.core.states import N_STATES, STATE_NAMES


@njit(cache=True)
def step_one(people, kp, table, rep_key, t, rep, i, acc_st, acc_fl, acc_ev, acc_x, acc_pool):
    """Person i's step t, tallied; returns the new state, or ``schema.APPLY`` when the person
    queues for a budget-limited place (stays put until the allocation decides)."""
    s_old = np.int64(people.state[i])
    ns = step.step_person(i, people, kp, table, rep_key, t, rep, acc_ev, acc_x, rep >= 1)
    if ns == schema.APPLY:
        allocation.pool_use(i, people, kp, acc_pool, 1)  # as the kernel's step_chunk: the current place counts
        return ns
    people.state[i] = ns
    step.tally(i, people, kp, t, s_old, ns, rep, acc_st, acc_fl, acc_ev, acc_x, acc_pool)
    return ns


class Person(mesa.Agent):
    """One person: the attributes are row ``index`` of the population arrays (``schema.People``),
    readable and writable as ``person.state``, ``person.education``, ... ."""

    def __init__(self, model: mesa.Model, index: int) -> None:
        super().__init__(model)
        self.index = index

    def step(self, engine: PersonEngine, t: int, rep: int) -> None:
        """Apply the rules to this person for global step t (reporting step rep)."""
        ns = step_one(engine.people, engine.params, engine.table, engine.key, t, rep, self.index,
                      engine.acc_st[0], engine.acc_fl[0], engine.acc_ev[0], engine.acc_x[0], engine.acc_pool[0])
        if ns == schema.APPLY:
            engine.applicants.append(self.index)

    @property
    def state_name(self) -> str:
        return STATE_NAMES[int(self.state)]

    @property
    def age_years(self) -> float:
        """Age at the end of the model's current step."""
        people, dt = self.model.people, self.model.dt
        return (int(people.age0_days[self.index]) + self.model.t * dt) / 365.25

    def __repr__(self) -> str:
        return f"Person({self.index}, {self.state_name}, age {self.age_years:.1f})"


def _attribute(name: str) -> property:
    def get(self):
        return getattr(self.model.people, name)[self.index]

    def set_(self, value):
        getattr(self.model.people, name)[self.index] = value

    return property(get, set_, doc=f"``schema.People.{name}`` of this person")


for _name in schema.People._fields:
    setattr(Person, _name, _attribute(_name))


def reference_params(params: schema.KernelParams) -> schema.KernelParams:
    """The kernel's parameters without its fast path: every agent computes its hazards from the rules.
    (The arrays are shared, so the institutions' changes to ``county_mult`` reach the agents.)"""
    return params._replace(fast_ok=np.zeros_like(params.fast_ok))


class PersonEngine:
    """Moves the persons of a CrossSectorModel step by step, one Mesa agent at a time."""

    def __init__(self, model: mesa.Model, people: schema.People, params: schema.KernelParams, table: np.ndarray,
                 key: int, n_counties: int, n_years: int) -> None:
        self.people = people
        self.params = reference_params(params)
        self.table, self.key = table, key
        self.acc_st = np.zeros((1, N_STATES, n_counties + schema.N_TALLY_CELLS), dtype=np.int32)
        self.acc_fl = np.zeros((1, N_STATES, N_STATES), dtype=np.int32)
        self.acc_ev = np.zeros((1, schema.N_EVENTS), dtype=np.int64)
        self.acc_pool = np.zeros((1, schema.N_POOLS, n_counties), dtype=np.int64)
        self.acc_x = np.zeros((1, n_years, schema.XT_SIZE), dtype=np.int32)  # yearly breakdowns, kept all run
        self.applicants: list[int] = []
        for i in range(people.state.shape[0]):
            Person(model, i)  # Mesa registers every agent with its model
        self.persons = model.agents_by_type[Person]

    def run_steps(self, t_start: int, n_steps: int, report_t0: int, stocks, flows, events, group0) -> None:
        """The same contract as ``kernel.run_steps``: the state after global step t goes to row
        t - report_t0 + 1 of the output arrays when that row is >= 1."""
        kp = self.params
        for t in range(t_start, t_start + n_steps):
            rep = t - report_t0 + 1
            self.acc_st[:] = 0
            self.acc_fl[:] = 0
            self.acc_ev[:] = 0
            self.acc_pool[:] = 0
            self.applicants.clear()
            self.persons.shuffle_do("step", self, t, rep)
            if self.applicants:
                app = np.array(sorted(self.applicants), dtype=np.int64)  # the kernel lists them by person
                allocation.allocate(self.people, kp, self.key, t, self.acc_pool, app,
                                    np.array([app.size], dtype=np.int64), app.size)
                allocation.apply_admissions(self.people, kp, self.key, t, rep, app, self.acc_st[0], self.acc_fl[0],
                                            self.acc_ev[0], self.acc_x[0], self.acc_pool[0])
            if rep >= 1:
                K.reduce_chunks(rep, self.acc_st, self.acc_fl, self.acc_ev, stocks, flows, events, group0)
