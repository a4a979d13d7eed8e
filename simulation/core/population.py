"""The synthetic population: persons 16-66 by county, plus the cohorts who turn 16 during the run.

Persons are drawn for the population at the *start of reporting*, then made younger by the
burn-in so that the burn-in ages them (and lets under-16s enter school) into that population.
The draws use their own NumPy stream keyed by (seed, replicate), so the population depends on
the population and counties config only: two scenarios share it (common random numbers).
"""
from __future__ import annotations

import math

import numpy as np

from simulation.core.config import RATE_BANDS, SimConfig
from simulation.core.demography import (
    arrival_age_shares,
    arrivals,
    cohorts_entering,
    county_population,
    national_population,
    persons_by_single_age,
)
from simulation.core.params import reported_years, reporting_calendar, steps_for
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
    IN_SCOPE_NAMES,
    STATE_NAMES,
    Benefit,
    Education,
    State,
)

POPULATION_STREAM = 0x504F50  # "POP": keeps the population's draws apart from any other use of the seed


def selected_counties(cfg: SimConfig) -> list[str]:
    """The counties this run simulates, in config order."""
    names = list(cfg.counties)
    only = set(cfg.population.only_counties)
    return [c for c in names if not only or c in only]


def person_counts(cfg: SimConfig) -> dict[str, tuple[int, list[int]]]:
    """Simulated persons per county: aged 16-66 at the start, and of each cohort turning 16 in reporting
    years 1, 2, ... (a county's cohorts in proportion to its population 16-66, an assumption)."""
    scale = cfg.population.scale
    national = national_population(cfg)
    n_years = math.ceil(cfg.run.years)
    out = {}
    for name in selected_counties(cfg):
        pop = county_population(cfg, name)
        cohorts = [int(round(cohorts_entering(cfg, y) * pop / national / scale)) for y in range(n_years)]
        out[name] = (int(round(pop / scale)), cohorts)
    return out


def arrival_counts(cfg: SimConfig, rng: np.random.Generator) -> np.ndarray:
    """Simulated immigrants arriving [county, reporting year]: the year's arrivals shared by the counties'
    immigrant populations, rounded at random without bias (none when population change is off)."""
    names = selected_counties(cfg)
    first, last = _year_steps(cfg)
    covered = np.minimum((last - first) * cfg.run.step_days / DAYS_PER_YEAR, 1.0)  # the last year may be partial
    weight = np.array([c.population_16_66 * c.immigrant_share for c in cfg.counties.values()])
    share = np.array([weight[list(cfg.counties).index(n)] for n in names]) / weight.sum()
    expected = share[:, None] * (arrivals(cfg, first.size) * covered)[None, :] / cfg.population.scale
    return (np.floor(expected) + (rng.random(expected.shape) < expected - np.floor(expected))).astype(np.int64)


def _year_steps(cfg: SimConfig) -> tuple[np.ndarray, np.ndarray]:
    """First and one-past-last global step of each reported year."""
    burn, report = steps_for(cfg)
    year, _ = reporting_calendar(burn, report, cfg.run.step_days)
    years = np.arange(reported_years(report, cfg.run.step_days))
    return np.searchsorted(year, years), np.searchsorted(year, years, side="right")


def expected_persons(cfg: SimConfig) -> int:
    """About how many persons a replicate simulates (for memory estimates): the population, the cohorts
    turning 16 and the expected arrivals."""
    counts = person_counts(cfg)
    n = sum(a + sum(c) for a, c in counts.values())
    if cfg.population.demography.enabled:
        n_years = reported_years(steps_for(cfg)[1], cfg.run.step_days)
        share = sum(county_population(cfg, c) for c in counts) / national_population(cfg)
        n += int(arrivals(cfg, n_years).sum() * share / cfg.population.scale)
    return n


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
    age_share = persons_by_single_age(cfg)
    age_share /= age_share.sum()

    county, target_age, imm_share = [], [], []
    for ci, name in enumerate(names):
        n_adult, cohorts = counts[name]
        n_entrants = sum(cohorts)
        whole = 16 + rng.choice(age_share.size, size=n_adult, p=age_share)
        ages = rng.integers(np.round(whole * DAYS_PER_YEAR), np.round((whole + 1) * DAYS_PER_YEAR)).astype(np.int64)
        # the cohort turning 16 in reporting year y is aged 15 - y (whole years) at the start of reporting
        age_years = np.repeat(15 - np.arange(len(cohorts)), cohorts)
        entrants = rng.integers(np.round(age_years * DAYS_PER_YEAR),
                                np.round((age_years + 1) * DAYS_PER_YEAR)).astype(np.int64)
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
    edu = draw_categorical(rng, edu_p, rb)
    state_names = IN_SCOPE_NAMES
    state_p = np.array([[pop.initial_state_by_age[b].get(s, 0.0) for s in state_names] for b in RATE_BANDS])
    state_codes = np.array([STATE_NAMES.index(s) for s in state_names])
    state = state_codes[draw_categorical(rng, state_p, rb)]
    state = np.where(in_scope, state, int(State.PRE_ENTRY))
    edu = np.where(in_scope, edu, int(Education.PRIMARY))

    flags = np.where(immigrant, FLAG_IMMIGRANT, 0).astype(np.uint8)
    flags |= np.where(rwa | (state == State.AAP) | (state == State.DISABILITY),
                      FLAG_REDUCED_WORK_ABILITY, 0).astype(np.uint8)
    vocational = rng.random(n) < cfg.rates.school.vocational_share
    flags |= np.where(((state == State.SCHOOL) & vocational) | (state == State.APPRENTICE),
                      FLAG_VOCATIONAL, 0).astype(np.uint8)

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
    base = People(
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
    return _with_arrivals(cfg, rng, base)


def _with_arrivals(cfg: SimConfig, rng: np.random.Generator, base: People) -> People:
    """The population with the immigrants who arrive during reporting appended: under 16 ('pre_entry') until
    their arrival step, which ``entered_step`` holds (>= 0 marks an arrival; see core.demography)."""
    counts = arrival_counts(cfg, rng)
    n = int(counts.sum())
    if n == 0:
        return base
    im = cfg.population.demography.immigration
    dt = cfg.run.step_days
    first, last = _year_steps(cfg)
    county = np.repeat(np.repeat(np.arange(counts.shape[0]), counts.shape[1]), counts.ravel())
    in_year = np.repeat(np.tile(np.arange(counts.shape[1]), counts.shape[0]), counts.ravel())
    step = rng.integers(first[in_year], last[in_year])
    age_years = 16 + rng.choice(51, size=n, p=arrival_age_shares(cfg))
    age_at_arrival = rng.integers(np.round(age_years * DAYS_PER_YEAR), np.round((age_years + 1) * DAYS_PER_YEAR))
    edu = rng.choice(len(EDUCATION_NAMES), size=n, p=_shares(im.education, EDUCATION_NAMES))
    immigrant = rng.random(n) < im.immigrant_share
    fields = dict(
        state=np.full(n, int(State.PRE_ENTRY)), county=county, education=edu,
        flags=np.where(immigrant, int(FLAG_IMMIGRANT), 0), benefit=np.zeros(n),
        age0_days=age_at_arrival - (step + 1) * dt,  # age = age0 + (t + 1) dt, so the arrival age at their step
        entered_step=step, spell_start_step=np.zeros(n), dagpenger_end_step=np.zeros(n),
        education_measure_days=np.zeros(n), first_nav_step=np.full(n, -1), registered_step=np.zeros(n),
        want=np.zeros(n), wait_since_step=np.zeros(n), vgo_start_step=np.full(n, NO_STEP),
        vgo_done_step=np.full(n, NO_STEP))
    return People(**{k: np.concatenate([getattr(base, k), fields[k].astype(PERSON_DTYPES[k])]) for k in People._fields})


def _shares(mapping: dict[str, float], names: list[str]) -> np.ndarray:
    p = np.array([mapping.get(k, 0.0) for k in names], dtype=np.float64)
    return p / p.sum()


def draw_categorical(rng: np.random.Generator, p: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One category per person, person i drawn from the probabilities ``p[rows[i]]`` with one uniform each.

    The persons of a row share that row's cumulative table and are looked up in it with a binary search,
    instead of a row of probabilities being copied out for every person (a full population has millions):
    the same draws, the same categories (the first whose cumulative share exceeds the draw)."""
    if rows.size and not 0 <= rows.min() <= rows.max() < p.shape[0]:
        raise IndexError(f"rows must index the {p.shape[0]} rows of p")
    cum = np.cumsum(p, axis=1)
    cum[:, -1] = np.maximum(cum[:, -1], 1.0)
    u = rng.random(rows.shape[0])
    out = np.empty(rows.shape[0], dtype=np.int64)
    for r in range(p.shape[0]):
        mine = rows == r
        out[mine] = np.searchsorted(cum[r], u[mine], side="right")
    return np.minimum(out, p.shape[1] - 1)



__all__ = ["People", "PERSON_DTYPES", "synthesise", "selected_counties", "person_counts", "arrival_counts",
           "expected_persons", "bytes_per_person"]
