"""Population change in the reported years: who enters at 16, who dies or emigrates, who arrives.

The synthetic population is drawn for the start of reporting and the burn-in ages it into place
(``simulation.core.population``), so population change runs in the reported years only:

- the cohorts aged 15, 14, ..., 0 at the start of reporting turn 16 in reporting years 1, 2, ...
  (``population.demography.cohorts_under_16``, from SSB's population by age);
- every person aged 16-66 may die or emigrate in a step and moves to the absorbing state
  ``departed``. Death rates are SSB's age-specific death rates; emigration rates are the
  published yearly emigrations (by citizenship, standing for background) spread over ages by the
  published age profile and divided by the model's starting population in each age group;
- immigrants arrive during the year: each year's number is SSB's projected immigration (its
  main alternative, interpolated between the years it publishes) times the share aged 16-66 in
  the published age profile. The arrivals are thus aligned to the projection's totals rather
  than drawn from a rate, as dynamic microsimulation models align simulated totals to external
  projections (LIAM2's ``align``). Ages, education and a first state are drawn from the config.

Everything here is plain NumPy on the config; the kernel reads the per-step probabilities built by
``kernel_tables`` and the arrival steps written into the population.
"""
from __future__ import annotations

import numpy as np

from simulation.core.config import RATE_BANDS, MigrationFlow, SimConfig, age_groups
from simulation.core.rules import DAYS_PER_YEAR
from simulation.core.states import AGE_BAND_EDGES, DEMOGRAPHY_AGE_EDGES, DEMOGRAPHY_AGE_GROUPS, N_STATES, STATE_NAMES

AGES = np.arange(16, 67)  # single years of age in scope
GROUP_YEARS = 5  # the publishers' age groups are five years wide


def group_of_age(age_years: np.ndarray) -> np.ndarray:
    """Index into DEMOGRAPHY_AGE_GROUPS of whole ages 16..66."""
    return np.searchsorted(np.array(DEMOGRAPHY_AGE_EDGES[1:-1]), np.asarray(age_years), side="right")


def in_16_66(group: str) -> float:
    """The part of a migration age group (0_14, 15_19, ..., 65_plus) that is aged 16-66. Of 65_plus none is
    counted: the publishers lump 65 with the very old, and 65-66-year-old migrants are few."""
    if group in ("0_14", "65_plus"):
        return 0.0
    lo = int(group.split("_")[0])
    return (GROUP_YEARS - max(0, 16 - lo)) / GROUP_YEARS


def persons_by_single_age(cfg: SimConfig) -> np.ndarray:
    """Persons at each whole age 16..66 at the start of reporting (national; even within an age group)."""
    out = np.zeros(AGES.size)
    for lo, hi, persons in age_groups("population.persons_by_age", cfg.population.persons_by_age):
        out[lo - 16:hi - 15] = persons / (hi - lo + 1)
    return out


def national_population(cfg: SimConfig) -> float:
    """The population 16-66 the model starts from (all counties, before sampling)."""
    return float(sum(cfg.population.persons_by_age.values()))


def county_population(cfg: SimConfig, name: str) -> float:
    """A county's population 16-66: its share of the counties config's total, of the national population."""
    own = float(cfg.counties[name].population_16_66)
    return own * national_population(cfg) / sum(c.population_16_66 for c in cfg.counties.values())


def national_immigrant_share(cfg: SimConfig) -> float:
    """Population-weighted immigrant-background share over all counties."""
    pops = np.array([c.population_16_66 for c in cfg.counties.values()])
    shares = np.array([c.immigrant_share for c in cfg.counties.values()])
    return float((pops * shares).sum() / pops.sum())


def _band(age: int) -> int:
    return int(np.searchsorted(np.array(AGE_BAND_EDGES[1:-1]), age, side="right"))


def starting_population(cfg: SimConfig) -> np.ndarray:
    """Expected persons [age 16..66, immigrant background 0|1] at the start of reporting (national)."""
    pop = cfg.population
    per_age = persons_by_single_age(cfg)
    imm_rel = np.array([pop.immigrant_relative_by_age[RATE_BANDS[_band(a)]] for a in AGES])
    imm = np.minimum(national_immigrant_share(cfg) * imm_rel, 1.0)
    return np.stack([per_age * (1.0 - imm), per_age * imm], axis=1)


def per_year(flow: MigrationFlow, year: float) -> float:
    """A flow's persons in a calendar year: linear between the years given, the nearest one outside them."""
    years = sorted(flow.per_year)
    return float(np.interp(year, years, [flow.per_year[y] for y in years]))


def share_16_66(flow: MigrationFlow) -> float:
    """The share of a flow's persons aged 16-66, from its age profile."""
    prof = flow.age_profile
    return sum(v * in_16_66(g) for g, v in prof.items()) / sum(prof.values())


def emigration_rates(cfg: SimConfig, flow: MigrationFlow, background: int) -> np.ndarray:
    """Yearly emigration probabilities by single age 16..66 for one background: the flow's persons in the
    start year in each five-year group, over the model's starting population of that whole group. The
    65_69 group takes the rate of 60_64 (its migrants are lumped with the very old)."""
    count = per_year(flow, cfg.population.start_year)
    total = sum(flow.age_profile.values())
    pop = starting_population(cfg)[:, background]
    groups = group_of_age(AGES)
    rates = np.zeros(len(DEMOGRAPHY_AGE_GROUPS))
    for g, name in enumerate(DEMOGRAPHY_AGE_GROUPS[:-1]):
        persons_per_age = pop[groups == g].mean()
        rates[g] = count * flow.age_profile[name] / total / (GROUP_YEARS * persons_per_age)
    rates[-1] = rates[-2]
    return np.clip(rates[groups], 0.0, 1.0)


def yearly_departure(cfg: SimConfig) -> tuple[np.ndarray, np.ndarray]:
    """(death, emigration) probabilities within a year, [age 16..66, immigrant background 0|1]."""
    d = cfg.population.demography
    m = np.array([d.mortality_per_100k[g] for g in DEMOGRAPHY_AGE_GROUPS])[group_of_age(AGES)] / 1e5
    death = -np.expm1(-m)  # a yearly rate per person as a probability
    emig = np.stack([emigration_rates(cfg, d.emigration_native, 0),
                     emigration_rates(cfg, d.emigration_immigrant, 1)], axis=1)
    return np.stack([death, death], axis=1), emig


def arrival_age_shares(cfg: SimConfig) -> np.ndarray:
    """Share of arrivals aged 16-66 at each single age: a five-year group's persons spread evenly over its ages
    (the 65-66-year-olds get none, see ``in_16_66``)."""
    prof = cfg.population.demography.immigration.age_profile
    per_age = np.array([prof.get(DEMOGRAPHY_AGE_GROUPS[g], 0.0) / GROUP_YEARS for g in group_of_age(AGES)])
    return per_age / per_age.sum()


def arrivals(cfg: SimConfig, n_years: int) -> np.ndarray:
    """Persons 16-66 arriving in each reporting year (national, real persons): SSB's projected immigration for
    the calendar year times the share aged 16-66. Zero when population change is off."""
    if not cfg.population.demography.enabled:
        return np.zeros(n_years)
    im = cfg.population.demography.immigration
    y0 = cfg.population.start_year
    return np.array([per_year(im, y0 + y) for y in range(n_years)]) * share_16_66(im)


def cohorts_entering(cfg: SimConfig, year: int) -> float:
    """Persons turning 16 in reporting year ``year`` (0-based): the cohort aged 15 - year at the start; for
    runs longer than 16 years the youngest cohort repeats (an assumption)."""
    cohorts = cfg.population.demography.cohorts_under_16
    return float(cohorts[min(year, len(cohorts) - 1)])


def expected_path(cfg: SimConfig, n_years: int) -> np.ndarray:
    """The expected population 16-66 at the end of each reporting year: the starting population projected
    with the model's own yearly probabilities, cohorts and arrivals (a deterministic check of the kernel's
    population path; arrivals face half a year's departure risk in their first year)."""
    death, emig = yearly_departure(cfg) if cfg.population.demography.enabled else (np.zeros((51, 2)),) * 2
    stay = np.clip(1.0 - death - emig, 0.0, 1.0)
    im = cfg.population.demography.immigration
    arr_age = arrival_age_shares(cfg)
    imm_16 = min(national_immigrant_share(cfg) * cfg.population.immigrant_relative_by_age["16_18"], 1.0)
    n_arr = arrivals(cfg, n_years)
    p = starting_population(cfg)
    out = np.zeros(n_years)
    for y in range(n_years):
        nxt = np.zeros_like(p)
        nxt[1:] = (p * stay)[:-1]  # a year older; the 66-year-olds turn 67 and leave scope
        cohort = cohorts_entering(cfg, y)
        nxt[0] = (cohort * (1.0 - imm_16), cohort * imm_16)
        for b, share in ((1, im.immigrant_share), (0, 1.0 - im.immigrant_share)):
            nxt[:, b] += n_arr[y] * share * arr_age * (1.0 - 0.5 * (death[:, b] + emig[:, b]))
        p = nxt
        out[y] = p.sum()
    return out


def kernel_tables(cfg: SimConfig, dt_days: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-step probabilities for the kernel: (leave [age 0..67, imm], die [age 0..67, imm], arrival state
    cumulative shares [rate band 0..5, state]). The first two are zero when population change is off; a
    departure is a death when its draw also falls below the death probability."""
    depart = np.zeros((68, 2))
    die = np.zeros((68, 2))
    if cfg.population.demography.enabled:
        death, emig = yearly_departure(cfg)
        leave_year = np.clip(death + emig, 0.0, 1.0 - 1e-12)
        depart[16:67] = -np.expm1(np.log1p(-leave_year) * dt_days / DAYS_PER_YEAR)
        die[16:67] = depart[16:67] * np.divide(death, leave_year, out=np.zeros_like(death), where=leave_year > 0)
    cum = np.zeros((len(RATE_BANDS), N_STATES))
    for b, band in enumerate(RATE_BANDS):
        dist = cfg.population.demography.immigration.arrival_state_by_age[band]
        shares = np.array([dist.get(s, 0.0) for s in STATE_NAMES])
        cum[b] = np.cumsum(shares / shares.sum())
        cum[b, -1] = 1.0
    return depart, die, cum


__all__ = ["arrivals", "kernel_tables", "starting_population", "expected_path", "cohorts_entering",
           "county_population", "national_population", "arrival_age_shares", "yearly_departure", "group_of_age",
           "emigration_rates", "share_16_66", "per_year"]
