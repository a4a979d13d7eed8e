"""The institutions as Mesa agents: per county a NAV unit, a county authority (with OT), a labour
market and a cooperation agreement.

People are too many to be Python objects and live in the kernel's arrays; institutions are few and
decide. Every update period the NAV unit and the county authority take stock of their caseloads;
the cooperation agreement sets the county's effective cooperation strength from NAV's pressure,
key-person shocks and slow recovery (docs/domain.md, mechanism 7); the county authority thins OT's
follow-up when more youth need it than OT has capacity for. After the burn-in each sets the places it
has: NAV its measure budget and caseworker time (assessment places), the county its adult-education
places, the labour market its apprenticeship places (which follow the business cycle). The kernel's
allocation pass (kernel._allocate) hands them out by priority.
"""
from __future__ import annotations

import math

import mesa
import numpy as np


def offered_places(relative: float, normal: float, allowance: float, cycle: float = 1.0) -> float:
    """Places an institution offers: a multiple of the normal number in use (scaled), times the business
    cycle where it moves them, plus the sample's noise allowance (see CrossSectorModel._decide_capacity)."""
    return relative * normal * cycle + allowance


class CaseloadWatcher(mesa.Agent):
    """An institution that follows its caseload against the normal level learnt during the burn-in."""

    def __init__(self, model: mesa.Model, county: int, name: str):
        super().__init__(model)
        self.county = county
        self.county_name = name
        self.caseload = 0.0  # simulated persons in the institution's care
        self.normal_caseload = 0.0
        self._learnt = 0
        self.raw_pressure = 1.0  # caseload / normal
        self.pressure = 1.0  # what the institution acts on (see judge)

    def observe(self, caseload: float, learning: bool) -> None:
        """Take stock; while learning (the burn-in) the normal level is the running mean."""
        self.caseload = caseload
        if learning:
            self._learnt += 1
            self.normal_caseload += (caseload - self.normal_caseload) / self._learnt
        self.raw_pressure = caseload / self.normal_caseload if self.normal_caseload > 0 and not learning else 1.0

    def judge(self, national_pressure: float, signal_variance: float) -> None:
        """Pressure as the unit feels it: its own ratio, shrunk towards the national one as much as a
        small sample's noise demands (a county of n simulated clients has relative noise about 1/n),
        so that results do not depend on the sample size."""
        noise = 1.0 / self.normal_caseload if self.normal_caseload > 0 else math.inf
        w = signal_variance / (signal_variance + noise) if math.isfinite(noise) else 0.0
        self.pressure = w * self.raw_pressure + (1.0 - w) * national_pressure


class NAVCountyUnit(CaseloadWatcher):
    """NAV fylke: job seekers, assessment and measures; its pressure moves cooperation. It hands out
    measure places within its budget and assessment places within its caseworkers' time."""

    def __init__(self, model: mesa.Model, county: int, name: str, caseworker_relative: float | None):
        super().__init__(model, county, name)
        self.caseworker_relative = caseworker_relative  # caseworker time as a multiple of the normal assessment stock
        self.measure_budget_used = 0.0  # share of this month's measure budget in use (nan: no limit)
        self.queue = 0.0  # persons queueing for a measure place (scaled to the real population)
        self.assessment_places = math.inf  # persons NAV's caseworkers can assess and guide at once (scaled)
        self.assessment_used = 0.0  # share of them in use (nan: no limit)
        self.assessment_queue = 0.0  # persons waiting for assessment (scaled)

    def decide_capacity(self, normal: float, allowance: float) -> None:
        """Places from the normal number in use (scaled) plus the sample's noise allowance (see model)."""
        if self.caseworker_relative is not None:
            self.assessment_places = offered_places(self.caseworker_relative, normal, allowance)


class CountyAuthority(CaseloadWatcher):
    """Fylkeskommunen with OT: follows the youth OT must follow up; beyond OT's capacity the follow-up
    (referrals to NAV, returns to school) thins in proportion."""

    def __init__(self, model: mesa.Model, county: int, name: str, capacity_relative: float,
                 places_relative: float | None):
        super().__init__(model, county, name)
        self.capacity_relative = capacity_relative  # capacity as a multiple of the normal OT caseload
        self.follow_up = 1.0  # multiplier on OT's referral and return-to-school rates
        self.places_relative = places_relative  # adult-education places as a multiple of the normal number in use
        self.adult_places = math.inf  # adult VGO places in county schools (scaled): the adult right first
        self.adult_places_used = 0.0  # share in use (nan: no limit)
        self.adult_queue = 0.0  # persons waiting for a place (scaled)

    def decide(self) -> None:
        self.follow_up = min(1.0, self.capacity_relative / self.pressure) if self.pressure > 0 else 1.0

    def decide_capacity(self, normal: float, allowance: float) -> None:
        if self.places_relative is not None:
            self.adult_places = offered_places(self.places_relative, normal, allowance)


class LabourMarket(mesa.Agent):
    """Arbeidslivet in a county: employers offer apprenticeship places, fewer in downturns (docs/domain.md).
    Job finding and layoffs follow the business cycle inside the kernel (simulation.core.economy)."""

    def __init__(self, model: mesa.Model, county: int, name: str, places_relative: float | None):
        super().__init__(model)
        self.county = county
        self.county_name = name
        self.places_relative = places_relative  # places in normal times as a multiple of the normal apprentice stock
        self.apprenticeship_places = math.inf  # scaled
        self.apprentices = 0.0  # share of the places in use (nan: no limit)
        self.apprenticeship_queue = 0.0  # persons waiting for a contract (scaled)
        self.cycle = 1.0  # the business cycle's multiplier on apprenticeship places now

    def decide_capacity(self, normal: float, allowance: float, cycle: float) -> None:
        self.cycle = cycle
        if self.places_relative is not None:
            self.apprenticeship_places = offered_places(self.places_relative, normal, allowance, cycle)


class CooperationAgreement(mesa.Agent):
    """Samarbeidsavtale: the county's effective cooperation strength and how it moves."""

    def __init__(self, model: mesa.Model, county: int, name: str, base: float, nav: NAVCountyUnit,
                 shock_rate: float, trend_per_year: float):
        super().__init__(model)
        self.county = county
        self.county_name = name
        self.base = base
        self.nav = nav
        self.shock_rate = shock_rate
        self.trend_per_year = trend_per_year
        self.strength = base
        self.shock = 0  # 1 in the update period a key person left
        self.shocks = 0

    def update(self, years_elapsed: float, period_years: float, u_shock: float) -> None:
        """Withdraw at once under pressure; lose a key person now and then; recover slowly."""
        dyn = self.model.dynamics
        level = min(max(self.base + self.trend_per_year * years_elapsed, 0.0), 1.0)
        excess = max(0.0, self.nav.pressure - 1.0 - dyn.caseload_tolerance)
        target = level * math.exp(-dyn.caseload_sensitivity * excess)
        if target < self.strength:
            self.strength = target
        else:
            self.strength += (target - self.strength) * (1.0 - math.exp(-period_years / dyn.recovery_years))
        self.shock = int(u_shock < 1.0 - math.exp(-self.shock_rate * period_years))
        if self.shock:
            self.strength *= 1.0 - dyn.key_person_shock_size
            self.shocks += 1


def shock_draws(seed: int, replicate: int, n_updates: int, n_counties: int) -> np.ndarray:
    """Uniform draws for key-person shocks, keyed by (seed, replicate): the same in every scenario."""
    return np.random.default_rng([seed, replicate, 0x4B4559]).random((n_updates, n_counties))
