"""The synthetic population: persons 16-66 by county, plus the cohorts who turn 16 during the run.

Persons are drawn for the population at the *start of reporting*, then made younger by the
burn-in so that the burn-in ages them (and lets under-16s enter school) into that population.
The draws use their own NumPy stream keyed by (seed, replicate), so the population depends on
the population and counties config only: two scenarios share it (common random numbers).
"""
from __future__ import annotations

import numpy as np

from simulation.core.config import SimConfig
from simulation.core.rules import DAYS_PER_YEAR, years_to_days
from simulation.core.schema import (
    FLAG_IMMIGRANT,
    FLAG_NAV_PAID,
    FLAG_REDUCED_WORK_ABILITY,
    FLAG_VOCATIONAL,
    NO_STEP,
    PERSON_DTYPES,
    People,
    bytes_per_person,
)
from simulation.core.states import (
    AGE_BAND_EDGES,
    EDUCATION_NAMES,
    STATE_NAMES,
    Benefit,
    Education,
    State,
)

RATE_BANDS = ["16_18", "19_21", "22_24", "25_29", "30_49", "50_66"]
POPULATION_STREAM = 0x504F50  # "POP": keeps the population's draws apart from any other use of the seed


def selected_counties(cfg: SimConfig) -> list[str]:
    """The counties this run simulates, in config order."""
    names = list(cfg.counties)
    only = set(cfg.population.only_counties)
    return [c for c in names if not only or c in only]


def person_counts(cfg: SimConfig) -> dict[str, tuple[int, int]]:
    """Simulated (aged 16-66 at the start, future entrants) per county."""
    scale = cfg.population.scale
    n_years = cfg.run.years
    out = {}
    for name in selected_counties(cfg):
        pop = cfg.counties[name].population_16_66
        out[name] = (int(round(pop / scale)), int(round(pop * cfg.population.cohort_share_under_16 * n_years / scale)))
    return out


def _band_of_days(days: np.ndarray) -> np.ndarray:
    edges = np.array([years_to_days(a) for a in AGE_BAND_EDGES])
    return np.searchsorted(edges, days, side="right")  # 0 under 16 .. 7 for 67+


def synthesise(cfg: SimConfig, seed: int, replicate: int) -> People:
    """Draw one replicate's population as struct-of-arrays."""
    rng = np.random.default_rng([seed, replicate, POPULATION_STREAM])
    pop = cfg.population
    burn_days = years_to_days(cfg.run.burn_in_years)
    counts = person_counts(cfg)
    names = selected_counties(cfg)
    band_share = np.array([pop.age_band_shares[b] for b in RATE_BANDS])
    band_lo = np.array([years_to_days(a) for a in AGE_BAND_EDGES[:-1]])
    band_hi = np.array([years_to_days(a) for a in AGE_BAND_EDGES[1:]])

    county, target_age, imm_share = [], [], []
    for ci, name in enumerate(names):
        n_adult, n_entrants = counts[name]
        bands = rng.choice(len(RATE_BANDS), size=n_adult, p=band_share / band_share.sum())
        ages = rng.integers(band_lo[bands], band_hi[bands])
        entrants = rng.integers(years_to_days(16.0 - cfg.run.years), years_to_days(16.0), size=n_entrants)
        county.append(np.full(n_adult + n_entrants, ci))
        target_age.append(np.concatenate([ages, entrants]))
        imm_share.append(np.full(n_adult + n_entrants, cfg.counties[name].immigrant_share))
    county = np.concatenate(county) if county else np.zeros(0, dtype=np.int64)
    target_age = np.concatenate(target_age) if target_age else np.zeros(0, dtype=np.int64)
    imm_share = np.concatenate(imm_share) if imm_share else np.zeros(0)
    n = county.size

    target_band = np.clip(_band_of_days(target_age), 1, 6) - 1
    imm_rel = np.array([pop.immigrant_relative_by_age[b] for b in RATE_BANDS])
    immigrant = rng.random(n) < np.minimum(imm_share * imm_rel[target_band], 1.0)

    age = target_age - burn_days  # the burn-in ages everyone into the target population
    gen_band = _band_of_days(age)  # 0 = not yet 16
    in_scope = gen_band >= 1
    rb = np.clip(gen_band, 1, 6) - 1

    rwa_p = np.array([pop.reduced_work_ability_by_age[b] for b in RATE_BANDS])
    rwa = in_scope & (rng.random(n) < rwa_p[rb])
    edu_p = np.array([[pop.education_by_age[b][e] for e in EDUCATION_NAMES] for b in RATE_BANDS])
    edu = _draw_categorical(rng, edu_p[rb])
    state_names = [s for s in STATE_NAMES if s not in ("pre_entry", "aged_out")]
    state_p = np.array([[pop.initial_state_by_age[b].get(s, 0.0) for s in state_names] for b in RATE_BANDS])
    state_codes = np.array([STATE_NAMES.index(s) for s in state_names])
    state = state_codes[_draw_categorical(rng, state_p[rb])]
    state = np.where(in_scope, state, int(State.PRE_ENTRY))
    edu = np.where(in_scope, edu, int(Education.PRIMARY))

    flags = np.where(immigrant, FLAG_IMMIGRANT, 0).astype(np.uint8)
    flags |= np.where(rwa | (state == State.AAP) | (state == State.DISABILITY), FLAG_REDUCED_WORK_ABILITY, 0).astype(np.uint8)
    vocational = rng.random(n) < cfg.rates.school.vocational_share
    flags |= np.where(((state == State.SCHOOL) & vocational) | (state == State.APPRENTICE), FLAG_VOCATIONAL, 0).astype(np.uint8)

    # consistency of education with the state a person starts in
    in_vgo = (state == State.SCHOOL) | (state == State.APPRENTICE) | (state == State.OT_FOLLOWED)
    edu = np.where(in_vgo, np.minimum(edu, int(Education.SOME_VGO)), edu)
    edu = np.where(state == State.ADULT_VGO, np.minimum(edu, int(Education.SOME_VGO)), edu)
    edu = np.where(state == State.TERTIARY, np.maximum(edu, int(Education.VGO)), edu)
    adult_right = age >= years_to_days(cfg.scenario.adult_right_min_age)
    flags |= np.where((state == State.ADULT_VGO) & ~adult_right, FLAG_NAV_PAID, 0).astype(np.uint8)

    # time already spent in the state, the NAV spell and dagpenger (the burn-in relaxes these)
    r = cfg.rates
    typical = {State.SCHOOL: r.school.general_years, State.APPRENTICE: r.apprentice.years,
               State.ADULT_VGO: r.adult_vgo.years, State.TERTIARY: r.tertiary.years, State.AAP: r.aap.max_years,
               State.AMO_COURSE: r.amo_course.weeks / 52.0}
    days_in_state = np.minimum(rng.exponential(2.0 * DAYS_PER_YEAR, n), 30000.0)
    u = rng.random(n)
    for s, yrs in typical.items():
        days_in_state = np.where(state == s, u * yrs * DAYS_PER_YEAR * 0.999, days_in_state)
    # youth programmes follow the school calendar: time in them is set by age, so that cohorts
    # leave them spread out rather than all within the burn-in
    for s, start_age, yrs in ((State.SCHOOL, 16.0, r.school.general_years),
                              (State.APPRENTICE, 16.0 + r.school.vocational_school_years, r.apprentice.years),
                              (State.TERTIARY, 19.0, r.tertiary.years)):
        voc_years = np.where(vocational, r.school.vocational_school_years, yrs) if s == State.SCHOOL else yrs
        by_age = np.clip(age - start_age * DAYS_PER_YEAR, 0.0, voc_years * DAYS_PER_YEAR * 0.999)
        young = age < (start_age + 2 * yrs) * DAYS_PER_YEAR
        days_in_state = np.where((state == s) & young, by_age, days_in_state)
    days_in_state = np.where(in_scope, days_in_state, 0)
    nav = np.isin(state, [State.JOBSEEKER, State.ASSESSMENT, State.WORK_MEASURE, State.AMO_COURSE])
    spell = np.where(nav, np.minimum(rng.exponential(20 * 7.0, n), 30000.0), 0)
    youth = age < years_to_days(cfg.scenario.adult_right_min_age)
    elig = np.where(youth, r.jobseeker.dagpenger_eligible_share_youth, r.jobseeker.dagpenger_eligible_share_adult)
    on_dp = nav & (rng.random(n) < elig)
    dp_left = np.where(on_dp, rng.random(n) * r.jobseeker.dagpenger_weeks_long * 7.0, 0)
    benefit = np.where(on_dp, int(Benefit.DAGPENGER), int(Benefit.NONE))

    # clocks as the step things began (see schema.People): step -1 is "just before the run"
    dt = cfg.run.step_days
    return People(
        state=state.astype(np.uint8),
        county=county.astype(np.uint8),
        education=edu.astype(np.uint8),
        flags=flags,
        benefit=benefit.astype(np.uint8),
        age0_days=age.astype(np.int16),
        entered_step=(-1 - np.floor(days_in_state / dt)).astype(np.int16),
        spell_start_step=(-1 - np.floor(spell / dt)).astype(np.int16),
        dagpenger_end_step=np.where(on_dp, np.ceil(dp_left / dt) - 1, 0).astype(np.int16),
        education_measure_days=np.zeros(n, dtype=np.int16),
        first_nav_step=np.full(n, -1, dtype=np.int16),
        registered_step=np.zeros(n, dtype=np.int16),
        want=np.zeros(n, dtype=np.uint8),
        wait_since_step=np.zeros(n, dtype=np.int16),
        vgo_start_step=np.full(n, NO_STEP, dtype=np.int16),  # cohorts are those who start at 16 in the run
        vgo_done_step=np.full(n, NO_STEP, dtype=np.int16),
    )


def _draw_categorical(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """One category per row of p (rows are probabilities)."""
    cum = np.cumsum(p, axis=1)
    cum[:, -1] = np.maximum(cum[:, -1], 1.0)
    u = rng.random(p.shape[0])[:, None]
    return np.argmax(u < cum, axis=1)



__all__ = ["People", "PERSON_DTYPES", "synthesise", "selected_counties", "person_counts", "bytes_per_person"]
