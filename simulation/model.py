"""CrossSectorModel: each step the institutions take stock and decide, the kernel moves the people
for one update period, and Mesa's DataCollector records the institutions.

The persons stay in the kernel's arrays (``kernel.People``); a model step covers
``cooperation.dynamics.update_days`` of simulated time (several kernel steps). With
``run.engine=agents`` each person is also a ``mesa.Agent`` (``simulation.persons``) and the agents
step one by one with the same rule functions instead of the parallel kernel.
"""
from __future__ import annotations

import logging
import math
import time

import mesa
import numpy as np
import pandas as pd

from simulation import kernel as K
from simulation.config import SimConfig
from simulation.institutions import (
    CooperationAgreement,
    CountyAuthority,
    NAVCountyUnit,
    shock_draws,
)
from simulation.params import cooperation_multipliers, county_strengths, hazard_entries
from simulation.rng import replicate_key
from simulation.states import N_STATES, State, group_offsets

BLOCK_STEPS = 26  # kernel steps per model step when the institutions are switched off (progress granularity)
logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every model step at INFO: thousands of lines a run


class CrossSectorModel(mesa.Model):
    """One replicate: institutions per county (Mesa agents) around the Numba kernel."""

    def __init__(self, cfg: SimConfig, params: K.KernelParams, people: K.People, replicate: int, counties: list[str],
                 burn_steps: int, report_steps: int, out_stocks, out_flows, out_events, on_block=None):
        super().__init__(seed=cfg.run.seed)
        self.cfg, self.params, self.people = cfg, params, people
        self.dynamics = cfg.cooperation.dynamics
        self.burn, self.total = burn_steps, burn_steps + report_steps
        self.dt = cfg.run.step_days
        self.out = (out_stocks, out_flows, out_events)
        self.on_block = on_block
        self.group0 = group_offsets(len(counties))[:4]
        self.key = replicate_key(cfg.run.seed, replicate)
        self.table = np.zeros((N_STATES, 2, K.N_CELLS, len(counties)))
        n = people.state.shape[0]
        self.chunk = max(2048, math.ceil(n / 64))
        n_chunks = max(1, math.ceil(n / self.chunk))
        self.acc = (np.zeros((n_chunks, N_STATES, len(counties) + K.N_TALLY_CELLS), dtype=np.int32),
                    np.zeros((n_chunks, N_STATES, N_STATES), dtype=np.int32),
                    np.zeros((n_chunks, K.N_EVENTS), dtype=np.int64))
        self._app_idx = np.zeros(max(n, 1), dtype=np.int64)  # applicants for a place, listed by chunk
        self._app_count = np.zeros(n_chunks, dtype=np.int64)
        self.t = 0
        self.kernel_seconds = 0.0
        ot_capacity = cfg.funding.ot_capacity_relative
        self.active = self.dynamics.enabled or ot_capacity is not None  # do the institutions decide anything?
        self.period = max(1, round(self.dynamics.update_days / self.dt)) if self.active else BLOCK_STEPS
        self._entries = hazard_entries(cfg)
        self._caseload = np.zeros(len(counties), dtype=np.int64)
        self._spend = np.zeros(len(counties))
        self._queue = np.zeros(len(counties), dtype=np.int64)
        strengths = county_strengths(cfg, counties)
        dyn = self.dynamics
        self.nav_units = [NAVCountyUnit(self, c, name) for c, name in enumerate(counties)]
        self.authorities = [CountyAuthority(self, c, name, ot_capacity if ot_capacity is not None else math.inf)
                            for c, name in enumerate(counties)]
        self._ot = np.zeros(len(counties), dtype=np.int64)
        self.agreements = [
            CooperationAgreement(self, c, name, strengths[c], self.nav_units[c],
                                 dyn.shock_rate_by_county.get(name, dyn.key_person_shock_rate),
                                 dyn.trend_per_year_by_county.get(name, 0.0))
            for c, name in enumerate(counties)]
        self._shocks = shock_draws(cfg.run.seed, replicate, self.total // self.period + 2, len(counties))
        self._update = 0
        self.datacollector = mesa.DataCollector(agenttype_reporters={
            NAVCountyUnit: {"caseload": "caseload", "pressure": "pressure",
                            "measure_budget_used": "measure_budget_used", "queue": "queue"},
            CooperationAgreement: {"strength": "strength", "key_person_shock": "shock"},
            CountyAuthority: {"ot_caseload": "caseload", "ot_pressure": "pressure", "ot_follow_up": "follow_up"},
        })
        self._reported_steps: list[int] = []
        self.engine = None  # the Numba kernel moves the persons; or a person-level Mesa engine (run.engine=agents)
        if cfg.run.engine == "agents":
            from simulation.persons import PersonEngine

            self.engine = PersonEngine(self, people, params, self.table, self.key, len(counties))

    def _watch(self, watchers, counts: np.ndarray, learning: bool) -> None:
        """Let each county's institution take stock of its caseload and judge its pressure."""
        for w in watchers:
            w.observe(float(counts[w.county]), learning)
        normal = sum(w.normal_caseload for w in watchers)
        national = float(counts.sum()) / normal if normal > 0 and not learning else 1.0
        for w in watchers:
            w.judge(national, self.dynamics.pressure_signal_variance)

    def _decide(self) -> None:
        """The institutions take stock and set this period's effective cooperation and OT follow-up."""
        learning = self.t < self.burn
        K.caseload_by_county(self.people, self._caseload)
        self._watch(self.nav_units, self._caseload, learning)
        K.count_in_state_by_county(self.people, int(State.OT_FOLLOWED), self._ot)
        self._watch(self.authorities, self._ot, learning)
        for authority in self.authorities:
            authority.decide()
        if self.dynamics.enabled:
            years = max(0, self.t - self.burn) * self.dt / 365.25
            period_years = self.period * self.dt / 365.25
            draws = self._shocks[min(self._update, self._shocks.shape[0] - 1)]
            for ag in self.agreements:
                ag.update(years, period_years, draws[ag.county])
            self._update += 1
        strengths = np.array([ag.strength for ag in self.agreements])
        mult = cooperation_multipliers(self.cfg, self._entries, strengths)
        follow_up = np.array([a.follow_up for a in self.authorities])
        ot = int(State.OT_FOLLOWED)
        for k, entry in enumerate(self._entries[ot]):
            if entry.cooperation in ("ot_referral", "return_to_school"):
                mult[:, ot, k] *= follow_up
        self.params.county_mult[:] = mult
        K.fill_table(self.params, self.table, self.t)

    def step(self) -> None:
        """Institutions decide, then the kernel moves everyone for one period (never across the burn-in's end)."""
        if self.active:
            self._decide()
        end = self.burn if self.t < self.burn else self.total
        n = min(self.period, end - self.t)
        if self.t >= self.burn:
            K.measure_use_by_county(self.people, self.params, self._spend, self._queue)
            for nav in self.nav_units:
                budget = self.params.measure_budget[nav.county]
                nav.measure_budget_used = self._spend[nav.county] / budget if np.isfinite(budget) and budget > 0 else np.nan
                nav.queue = float(self._queue[nav.county]) * self.cfg.population.scale
            self.datacollector.collect(self)
            self._reported_steps.append(self.t - self.burn)
        t0 = time.perf_counter()
        stocks, flows, events = self.out
        if self.engine is None:
            K.run_steps(self.people, self.params, self.table, self.key, self.t, n, self.burn, self.chunk, *self.acc,
                        self._app_idx, self._app_count, stocks, flows, events, self.group0)
        else:
            self.engine.run_steps(self.t, n, self.burn, stocks, flows, events, self.group0)
        self.kernel_seconds += time.perf_counter() - t0
        self.t += n
        self.running = self.t < self.total  # Mesa's flag: the model has more to do
        if self.t == self.burn:
            K.count_stocks(self.people, self.group0, self.burn, self.dt, stocks[0])
        if self.on_block is not None:
            self.on_block(n)

    def run(self) -> None:
        if self.burn == 0:
            K.count_stocks(self.people, self.group0, 0, self.dt, self.out[0][0])
        self.running = self.t < self.total
        while self.running:
            self.step()

    def institutions_table(self, replicate: int) -> pd.DataFrame:
        """What the DataCollector recorded, tidy: step (reporting step at the period's start), county, variable, value."""
        frames = []
        for agent_type in (NAVCountyUnit, CooperationAgreement, CountyAuthority):
            df = self.datacollector.get_agenttype_vars_dataframe(agent_type)
            if df.empty:
                continue
            df = df.reset_index()
            df["county"] = df["AgentID"].map({a.unique_id: a.county_name for a in self.agents_by_type[agent_type]})
            collect_index = df["Step"].rank(method="dense").astype(int) - 1
            df["step"] = np.asarray(self._reported_steps)[collect_index]
            long = df.melt(id_vars=["step", "county"], value_vars=[c for c in df.columns if c not in
                                                                    ("Step", "AgentID", "step", "county")],
                           var_name="variable", value_name="value")
            long["institution"] = agent_type.__name__
            frames.append(long)
        if not frames:
            return pd.DataFrame(columns=["replicate", "step", "county", "institution", "variable", "value"])
        out = pd.concat(frames, ignore_index=True)
        out["replicate"] = replicate
        out["value"] = out["value"].astype(np.float64)
        return out[["replicate", "step", "county", "institution", "variable", "value"]]
