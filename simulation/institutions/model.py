"""CrossSectorModel: each step the institutions take stock and decide, the kernel moves the people
for one update period, and Mesa's DataCollector records the institutions.

The persons stay in the kernel's arrays (``kernel.People``); a model step covers
``cooperation.dynamics.update_days`` of simulated time (several kernel steps). With
``run.engine=agents`` each person is also a ``mesa.Agent`` (``simulation.institutions.persons``) and the agents
step one by one with the same rule functions instead of the parallel kernel.
"""
from __future__ import annotations

import logging
import math
import time

import mesa
import numpy as np
import pandas as pd

from simulation.core import kernel as K
from simulation.core import schema
from simulation.core.config import SimConfig
from simulation.core.counts import InstitutionCounts, refill_changed
from simulation.core.params import (
    build_params,
    combined_path_shares,
    county_strengths,
    hazard_entries,
    public_first_shares,
    reported_years,
    steps_for,
)
from simulation.core.population import selected_counties, synthesise
from simulation.core.rng import replicate_key
from simulation.core.states import N_STATES, State, group_layout, group_offsets
from simulation.institutions.agencies import (
    CooperationAgreement,
    CountyAuthority,
    LabourMarket,
    NAVCountyUnit,
    shock_draws,
)
from simulation.institutions.records import CooperationEffects, InstitutionRecorder

COARSE_POOL = 30  # simulated persons per county below which a capacity's queues are mostly sample noise
_WARNED: set[str] = set()  # capacity warnings already given in this process
log = logging.getLogger("simulation")
BLOCK_STEPS = 26  # kernel steps per model step when the institutions are switched off (progress granularity)
logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every model step at INFO: thousands of lines a run
# the institution types in the order of institutions.parquet's rows
INSTITUTION_TYPES = (NAVCountyUnit, CooperationAgreement, CountyAuthority, LabourMarket)


class CrossSectorModel(mesa.Model):
    """One replicate: institutions per county (Mesa agents) around the Numba kernel.

    The one place a replicate is set up: its counties and step counts from the config, the kernel's
    parameters (``params``, built from the config unless given), the population (drawn for this
    replicate unless given, e.g. a hand-made one in a test) and the reported tallies ``stocks``,
    ``flows`` and ``events`` (zeros of one replicate's shape unless ``out`` gives the rows to fill).
    """

    def __init__(self, cfg: SimConfig, replicate: int = 0, *, people: schema.People | None = None,
                 params: schema.KernelParams | None = None, out: tuple | None = None, on_block=None):
        super().__init__(seed=cfg.run.seed)
        counties = selected_counties(cfg)
        burn_steps, report_steps = steps_for(cfg)
        if params is None:
            params = build_params(cfg, counties, burn_steps, report_steps, replicate=replicate)
        if people is None:
            people = synthesise(cfg, cfg.run.seed, replicate)
        if out is None:
            out = (np.zeros((report_steps + 1, N_STATES, len(group_layout(counties))), dtype=np.int32),
                   np.zeros((report_steps + 1, N_STATES, N_STATES), dtype=np.int32),
                   np.zeros((report_steps + 1, schema.N_EVENTS), dtype=np.int64))
        self.cfg, self.params, self.people = cfg, params, people
        self.replicate = replicate
        self.counties = counties
        self.dynamics = cfg.cooperation.dynamics
        self.burn, self.total = burn_steps, burn_steps + report_steps
        self.dt = cfg.run.step_days
        self.out = out
        self.stocks, self.flows, self.events = out
        self.on_block = on_block
        self.group0 = group_offsets(len(counties))[:4]
        self.key = replicate_key(cfg.run.seed, replicate)
        self.table = np.zeros((N_STATES, 2, schema.N_CELLS, len(counties)))
        n = people.state.shape[0]
        self.chunk = max(2048, math.ceil(n / 64))
        n_chunks = max(1, math.ceil(n / self.chunk))
        self.acc = (np.zeros((n_chunks, N_STATES, len(counties) + schema.N_TALLY_CELLS), dtype=np.int32),
                    np.zeros((n_chunks, N_STATES, N_STATES), dtype=np.int32),
                    np.zeros((n_chunks, schema.N_EVENTS), dtype=np.int64),
                    np.zeros((n_chunks, schema.N_POOLS, len(counties)), dtype=np.int64))
        self.n_years = reported_years(report_steps, self.dt)
        self.acc_x = np.zeros((n_chunks, self.n_years, schema.XT_SIZE), dtype=np.int32)  # yearly breakdowns
        self._app_idx = np.zeros(max(n, 1), dtype=np.int64)  # applicants for a place, listed by chunk
        self._app_count = np.zeros(n_chunks, dtype=np.int64)
        self.t = 0
        self.kernel_seconds = 0.0
        self.first_step_at: float | None = None  # time.perf_counter() when the persons first moved
        fu = cfg.funding
        ot_capacity = fu.ot_capacity_relative
        places = (fu.caseworker_capacity_relative, fu.adult_education_places_relative,
                  fu.apprenticeship_places_relative)
        # do the institutions decide anything?
        self.active = self.dynamics.enabled or ot_capacity is not None or any(p is not None for p in places)
        self.period = max(1, round(self.dynamics.update_days / self.dt)) if self.active else BLOCK_STEPS
        self._entries = hazard_entries(cfg)
        self._effects = CooperationEffects(cfg, self._entries)
        self._counts = InstitutionCounts(len(counties))
        self._counted = False  # do self._counts describe the persons as they are now?
        self._tallied = False  # do the kernel's chunk tallies (self.acc) describe the persons as they are now?
        self._table_filled = False  # has the table been filled from the current multipliers (then refill what changes)
        self._use = np.zeros((schema.N_POOLS, len(counties)))
        self._queue = np.zeros((schema.N_POOLS, len(counties)), dtype=np.int64)
        # the normal use of each pool: the mean over the burn-in's final capacity_normal_years
        self._learn_from = max(0, burn_steps - round(fu.capacity_normal_years * 365.25 / self.dt))
        self._normal_use = np.zeros((schema.N_POOLS, len(counties)))
        self._learnt = 0
        strengths = county_strengths(cfg, counties)
        dyn = self.dynamics
        self.nav_units = [NAVCountyUnit(self, c, name, fu.caseworker_capacity_relative)
                          for c, name in enumerate(counties)]
        self.authorities = [CountyAuthority(self, c, name, ot_capacity if ot_capacity is not None else math.inf,
                                            fu.adult_education_places_relative)
                            for c, name in enumerate(counties)]
        self.labour_markets = [LabourMarket(self, c, name, fu.apprenticeship_places_relative)
                               for c, name in enumerate(counties)]
        self.agreements = [
            CooperationAgreement(self, c, name, strengths[c], self.nav_units[c],
                                 dyn.shock_rate_by_county.get(name, dyn.key_person_shock_rate),
                                 dyn.trend_per_year_by_county.get(name, 0.0))
            for c, name in enumerate(counties)]
        self._shocks = shock_draws(cfg.run.seed, replicate, self.total // self.period + 2, len(counties))
        self._update = 0
        # what Mesa's DataCollector would record (the same interface; see institutions.records)
        self.datacollector = InstitutionRecorder(agenttype_reporters={
            NAVCountyUnit: {"caseload": "caseload", "pressure": "pressure",
                            "measure_budget_used": "measure_budget_used", "queue": "queue",
                            "assessment_places": "assessment_places", "assessment_used": "assessment_used",
                            "assessment_queue": "assessment_queue"},
            CooperationAgreement: {"strength": "strength", "key_person_shock": "shock"},
            CountyAuthority: {"ot_caseload": "caseload", "ot_pressure": "pressure", "ot_follow_up": "follow_up",
                              "adult_places": "adult_places", "adult_places_used": "adult_places_used",
                              "adult_queue": "adult_queue"},
            LabourMarket: {"apprenticeship_places": "apprenticeship_places",
                           "apprenticeship_places_used": "apprentices",
                           "apprenticeship_queue": "apprenticeship_queue", "apprenticeship_cycle": "cycle"},
        })
        self._reported_steps: list[int] = []
        self.engine = None  # the Numba kernel moves the persons; or a person-level Mesa engine (run.engine=agents)
        if cfg.run.engine == "agents":
            from simulation.institutions.persons import PersonEngine

            self.engine = PersonEngine(self, people, params, self.table, self.key, len(counties), self.n_years)

    def _watch(self, watchers, counts: np.ndarray, learning: bool) -> None:
        """Let each county's institution take stock of its caseload and judge its pressure."""
        for w in watchers:
            w.observe(float(counts[w.county]), learning)
        normal = sum(w.normal_caseload for w in watchers)
        national = float(counts.sum()) / normal if normal > 0 and not learning else 1.0
        for w in watchers:
            w.judge(national, self.dynamics.pressure_signal_variance)

    def _count(self) -> InstitutionCounts:
        """Caseloads, places in use and queues per county now: one pass over the persons per period."""
        if not self._counted:
            if self._tallied:
                self._counts.from_tallies(self.people, self.params, self.acc[0], self.acc[3])
            else:
                self._counts.count(self.people, self.params)
            self._counted = True
        return self._counts

    def _pool_use(self) -> None:
        """Each pool's use (scaled) and queue per county now, into ``_use`` and ``_queue``."""
        counts = self._count()
        counts.pool_use(self.people, self.params, self._use)
        self._queue[:] = counts.queue

    def _decide(self) -> None:
        """The institutions take stock and set this period's effective cooperation and OT follow-up."""
        learning = self.t < self.burn
        counts = self._count()
        self._watch(self.nav_units, counts.caseload, learning)
        self._watch(self.authorities, counts.ot, learning)
        for authority in self.authorities:
            authority.decide()
        if self.dynamics.enabled:
            years = max(0, self.t - self.burn) * self.dt / 365.25
            period_years = self.period * self.dt / 365.25
            draws = self._shocks[min(self._update, self._shocks.shape[0] - 1)]
            for ag in self.agreements:
                ag.update(years, period_years, draws[ag.county])
            self._update += 1
        self._decide_capacity()
        strengths = np.array([ag.strength for ag in self.agreements])
        self.params.public_first_share[:] = public_first_shares(self.cfg, strengths)
        self.params.combined_path_share[:] = combined_path_shares(self.cfg, strengths)
        mult = self._effects.multipliers(strengths)
        follow_up = np.array([a.follow_up for a in self.authorities])
        ot = int(State.OT_FOLLOWED)
        for k, entry in enumerate(self._entries[ot]):
            if entry.cooperation in ("ot_referral", "return_to_school"):
                mult[:, ot, k] *= follow_up
        changed = np.any(mult != self.params.county_mult, axis=2)  # [county, state]
        self.params.county_mult[:] = mult
        if self._table_filled:
            # only the cells of counties and states whose multipliers moved (see core.counts.refill_changed)
            if changed.any():
                refill_changed(self.params, self.table, self.t, changed)
        else:
            K.fill_table(self.params, self.table, self.t)
            self._table_filled = True

    def _decide_capacity(self) -> None:
        """Learn each pool's normal use in the burn-in's final year; after the burn-in the institutions
        set their places from it (the labour market's follow the business cycle)."""
        if self._learn_from <= self.t < self.burn:
            self._pool_use()
            self._learnt += 1
            self._normal_use += (self._use - self._normal_use) / self._learnt
            return
        if self.t < self.burn or self._learnt == 0:
            return
        cycle = float(self.params.apprenticeship_cycle[min(self.t, self.total - 1)])
        normal = self._normal_use
        # a 1:N sample's stocks have a Poisson noise the real population does not have (sd sqrt(n) simulated
        # persons, sqrt(normal x N) scaled): places get this many sds on top, so the sample queues where
        # the real population would, not where its own noise puts it
        allowance = self.cfg.funding.capacity_sample_noise_sd * np.sqrt(normal * self.cfg.population.scale)
        if self.t == self.burn:
            self._warn_coarse(normal)
        for c in range(len(self.nav_units)):
            assess, adult, appr = schema.POOL_ASSESSMENT, schema.POOL_ADULT_EDUCATION, schema.POOL_APPRENTICESHIP
            self.nav_units[c].decide_capacity(normal[assess, c], allowance[assess, c])
            self.authorities[c].decide_capacity(normal[adult, c], allowance[adult, c])
            self.labour_markets[c].decide_capacity(normal[appr, c], allowance[appr, c], cycle)
            cap = self.params.capacity
            cap[schema.POOL_ASSESSMENT, c] = self.nav_units[c].assessment_places
            cap[schema.POOL_ADULT_EDUCATION, c] = self.authorities[c].adult_places
            cap[schema.POOL_APPRENTICESHIP, c] = self.labour_markets[c].apprenticeship_places

    def _warn_coarse(self, normal: np.ndarray) -> None:
        """Say once per process when limited places hold few simulated persons per county: their queues are
        then partly the sample's noise, not a shortage (see funding.capacity_sample_noise_sd)."""
        fu, scale = self.cfg.funding, self.cfg.population.scale
        sizes = {schema.POOL_NAMES[pool]: float(np.median(normal[pool])) / scale
                 for pool, key in ((schema.POOL_ASSESSMENT, "caseworker_capacity_relative"),
                                   (schema.POOL_ADULT_EDUCATION, "adult_education_places_relative"),
                                   (schema.POOL_APPRENTICESHIP, "apprenticeship_places_relative"))
                 if getattr(fu, key) is not None}
        coarse = {name: n for name, n in sizes.items() if n < COARSE_POOL}
        if coarse and "coarse" not in _WARNED:
            _WARNED.add("coarse")
            finest = min(coarse.values())
            log.info("capacities: %s simulated persons in the median county's places at population.scale=%g; for "
                     "capacity studies use at least %d (population.scale=%g or finer)",
                     ", ".join(f"{name} {n:.0f}" for name, n in coarse.items()), scale, COARSE_POOL,
                     max(1.0, math.floor(scale * finest / COARSE_POOL)))

    def _record_use(self) -> None:
        """What each institution's places are used for and how many wait, for the DataCollector."""
        self._pool_use()
        scale = self.cfg.population.scale
        cap = self.params.capacity

        def used(pool: int, c: int) -> float:
            return self._use[pool, c] / cap[pool, c] if np.isfinite(cap[pool, c]) and cap[pool, c] > 0 else np.nan

        for c, nav in enumerate(self.nav_units):
            nav.measure_budget_used = used(schema.POOL_MEASURE, c)
            nav.queue = float(self._queue[schema.POOL_MEASURE, c]) * scale
            nav.assessment_used = used(schema.POOL_ASSESSMENT, c)
            nav.assessment_queue = float(self._queue[schema.POOL_ASSESSMENT, c]) * scale
            self.authorities[c].adult_places_used = used(schema.POOL_ADULT_EDUCATION, c)
            self.authorities[c].adult_queue = float(self._queue[schema.POOL_ADULT_EDUCATION, c]) * scale
            self.labour_markets[c].apprentices = used(schema.POOL_APPRENTICESHIP, c)
            self.labour_markets[c].apprenticeship_queue = float(self._queue[schema.POOL_APPRENTICESHIP, c]) * scale

    def step(self) -> None:
        """Institutions decide, then the kernel moves everyone for one period (never across the burn-in's end)."""
        if self.active:
            self._decide()
        end = self.burn if self.t < self.burn else self.total
        n = min(self.period, end - self.t)
        if self.t >= self.burn:
            self._record_use()
            self.datacollector.collect(self)
            self._reported_steps.append(self.t - self.burn)
        t0 = time.perf_counter()
        if self.first_step_at is None:
            self.first_step_at = t0
        stocks, flows, events = self.out
        if self.engine is None:
            acc_st, acc_fl, acc_ev, acc_pool = self.acc
            K.run_steps(self.people, self.params, self.table, self.key, self.t, n, self.burn, self.chunk, acc_st,
                        acc_fl, acc_ev, self.acc_x, acc_pool, self._app_idx, self._app_count, stocks, flows, events,
                        self.group0)
        else:
            self.engine.run_steps(self.t, n, self.burn, stocks, flows, events, self.group0)
        self.kernel_seconds += time.perf_counter() - t0
        self._counted = False
        self._tallied = self.engine is None  # the kernel's tallies of its last step: everyone as they are now
        self.t += n
        self.running = self.t < self.total  # Mesa's flag: the model has more to do
        if self.t == self.burn:
            K.count_stocks(self.people, self.group0, self.burn, self.dt, stocks[0])
        if self.on_block is not None:
            self.on_block(n)

    def start(self) -> None:
        """Before the first step: with no burn-in, the first reported row counts the population as drawn."""
        if self.burn == 0 and self.t == 0:
            K.count_stocks(self.people, self.group0, 0, self.dt, self.stocks[0])
        self.running = self.t < self.total

    def run(self) -> None:
        """Simulate the whole replicate: burn-in and reported years."""
        self.start()
        while self.running:
            self.step()

    @property
    def n_persons(self) -> int:
        return int(self.people.state.shape[0])

    def breakdowns(self) -> np.ndarray:
        """The yearly breakdowns of the reported years, summed over chunks: [years, schema.XT_SIZE] (see schema)."""
        acc = self.acc_x if self.engine is None else self.engine.acc_x
        return acc.sum(axis=0, dtype=np.int64)

    def institutions_table(self, replicate: int) -> pd.DataFrame:
        """What the institutions recorded, tidy: step (reporting step at the period's start), county, institution,
        variable, value; by institution type, then variable, period and county."""
        cols = self.datacollector.tidy(self._reported_steps, INSTITUTION_TYPES)
        if cols is None:
            return pd.DataFrame(columns=["replicate", "step", "county", "institution", "variable", "value"])
        return pd.DataFrame({"replicate": np.full(cols["step"].size, replicate, dtype=np.int64), **cols})
