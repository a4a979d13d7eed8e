"""Model quantities with the publishers' definitions, so that a published figure is compared with a model
quantity that counts the same persons (configs/targets/norway.yaml names them in `model_quantity`).

- NAV's registered fully unemployed (*helt ledige*): registered job seekers without work, not in a measure and
  not assessed with reduced work ability (NAV counts those apart), as a share of the labour force.
- NAV's job seekers on measures (*arbeidssøkere på tiltak*) and persons with reduced work ability
  (*nedsatt arbeidsevne*: on AAP, or registered with NAV with reduced work ability).
- The Labour Force Survey (SSB's AKU): employed are persons in work, on sick leave and apprentices, plus the
  pupils and students with a part-time job (a share, ``indicators.lfs_student_employment_share``); unemployed are
  registered job seekers and measure participants without reduced work ability, plus pupils and students looking
  for work (``indicators.lfs_student_job_search_share``) and a share of the inactive
  (``indicators.lfs_inactive_job_search_share``); disability recipients with paid work (a graded benefit) are employed
  (``indicators.lfs_disability_employment_share``); a temporary layoff (*permittering*) under three months counts as
  employment in the LFS and as unemployment at NAV. The model has persons 16-66; the LFS counts 15-74.
- NEET 15-29 (SSB, register): neither employed nor in education nor in a labour-market measure.
- Upper secondary completion of starting cohorts within 5 (general) or 6 (vocational) years
  (``simulation.runs.cohorts``).
- Employment rates by age and, for 25-34-year-olds, by highest education (the OECD's *Education at a Glance*).

Every quantity is computed per replicate for the final reported year (month-end means of the cross-tabulation,
or the year's flows and events).
"""
from __future__ import annotations

import numpy as np

from simulation.core.rules import DAYS_PER_YEAR
from simulation.core.schema import EV
from simulation.core.states import AGE_GROUP_NAMES, Benefit, Education, State
from simulation.core.states import IN_SCOPE as IN_SCOPE_STATES
from simulation.runs import breakdowns as bd
from simulation.runs import cohorts as ch

S = State
AG = {name: i for i, name in enumerate(AGE_GROUP_NAMES)}
AGES_16_19 = [AG[a] for a in ("16_18", "19")]
AGES_16_24 = [AG[a] for a in ("16_18", "19", "20_21", "22_24")]
AGES_19_29 = [AG[a] for a in ("19", "20_21", "22_24", "25_29")]
AGES_19_66 = [AG[a] for a in AGE_GROUP_NAMES[2:-1]]
AGES_16_29 = AGES_16_24 + [AG["25_29"]]
AGES_20_66 = [AG[a] for a in AGE_GROUP_NAMES[3:-1]]
AGES_25_34 = [AG["25_29"], AG["30_34"]]
AGES_30_49 = [AG[a] for a in ("30_34", "35_39", "40_44", "45_49")]
AGES_50_59 = [AG[a] for a in ("50_54", "55_59")]
AGES_50_66 = [AG[a] for a in ("50_54", "55_59", "60_66")]
AGES_25_66 = [AG[a] for a in ("25_29", "30_34", "35_39", "40_44", "45_49", "50_54", "55_59", "60_66")]
IN_SCOPE = list(IN_SCOPE_STATES)
STUDENTS = (S.SCHOOL, S.TERTIARY, S.ADULT_VGO)
EMPLOYED = (S.WORK, S.SICK_LEAVE, S.APPRENTICE)
REGISTERED = (S.JOBSEEKER, S.ASSESSMENT)
MEASURES = (S.WORK_MEASURE, S.AMO_COURSE)
NEET = (S.OT_FOLLOWED, S.JOBSEEKER, S.ASSESSMENT, S.AAP, S.DISABILITY, S.INACTIVE)
BELOW_UPPER_SECONDARY = [int(Education.PRIMARY), int(Education.SOME_VGO)]


def _idx(states) -> list[int]:
    return [int(s) for s in states]


class Year:
    """The final reported year's cross-tabulation of one run: x[R, S, age group, education, immigrant, rwa]."""

    def __init__(self, res, cfg, year: int = -1) -> None:
        self.x = bd.crosstab(res)[:, year]
        self.scale = res.scale
        self.employment_share = cfg.indicators.lfs_student_employment_share if cfg is not None else 0.0
        self.employment_share_25 = cfg.indicators.lfs_student_employment_share_25_plus if cfg is not None else 0.0
        self.search_share = cfg.indicators.lfs_student_job_search_share if cfg is not None else 0.0
        self.inactive_search_share = cfg.indicators.lfs_inactive_job_search_share if cfg is not None else 0.0
        self.disability_employment_share = cfg.indicators.lfs_disability_employment_share if cfg is not None else 0.0
        # the LFS counts a temporary layoff (permittering) that has lasted under three months as employment (temporary
        # absence); NAV counts the fully laid off among its helt ledige. The cross-tabulation does not carry benefits,
        # so the laid off are moved in the totals only: the stock on layoff pay times the share of a stock with
        # exponential durations at the recall rate that is under 13 weeks old
        under_3_months = 1.0 - np.exp(-cfg.rates.jobseeker.recall_rate * 0.25) if cfg is not None else 0.0
        self.laid_off_working = (year_stock(res, "stock_temporarily_laid_off", year) * under_3_months
                                 if cfg is not None else 0.0)

    def persons(self, states, ages=None, edu=None, rwa=None, imm=None) -> np.ndarray:
        """Simulated persons per replicate in these states (and age groups, education levels, rwa 0/1, immigrant
        background 0/1)."""
        x = self.x[:, _idx(states)]
        if ages is not None:
            x = x[:, :, ages]
        if edu is not None:
            x = x[:, :, :, edu]
        if imm is not None:
            x = x[:, :, :, :, imm:imm + 1]
        if rwa is not None:
            x = x[:, :, :, :, :, rwa:rwa + 1]
        return np.nansum(x.reshape(x.shape[0], -1), axis=1)

    def students_with_work(self, ages=None, edu=None, imm=None) -> np.ndarray:
        """Pupils and students with paid work: a share under 25, another from 25."""
        ages = list(range(len(AGE_GROUP_NAMES))) if ages is None else ages
        young = [a for a in ages if a < AG["25_29"]]
        older = [a for a in ages if a >= AG["25_29"]]
        out = self.employment_share * self.persons(STUDENTS, young, edu, imm=imm) if young else 0.0
        return out + (self.employment_share_25 * self.persons(STUDENTS, older, edu, imm=imm) if older else 0.0)

    def _laid_off(self, ages, edu, imm=None):
        """Temporarily laid-off persons the LFS counts as employed: in the totals only (see __init__)."""
        return self.laid_off_working if ages is None and edu is None and imm is None else 0.0

    def lfs_employed(self, ages=None, edu=None, imm=None) -> np.ndarray:
        return (self.persons(EMPLOYED, ages, edu, imm=imm) + self.students_with_work(ages, edu, imm)
                + self.disability_employment_share * self.persons((S.DISABILITY,), ages, edu, imm=imm)
                + self._laid_off(ages, edu, imm))

    def students_searching(self, ages=None, edu=None) -> np.ndarray:
        """Pupils and students without paid work who look for work: the LFS counts them as unemployed."""
        return self.search_share * (self.persons(STUDENTS, ages, edu) - self.students_with_work(ages, edu))

    def lfs_unemployed(self, ages=None, edu=None) -> np.ndarray:
        return (self.persons(REGISTERED + MEASURES, ages, edu, rwa=0) + self.students_searching(ages, edu)
                + self.inactive_search_share * self.persons((S.INACTIVE,), ages, edu) - self._laid_off(ages, edu))

    def population(self, ages=None, edu=None, imm=None) -> np.ndarray:
        return self.persons(IN_SCOPE, ages, edu, imm=imm)


def _ratio(num, den) -> np.ndarray:
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def quantities(res, cfg, year: int = -1) -> dict[str, tuple[str, str, np.ndarray]]:
    """name -> (unit, definition, values per replicate) of every public-definition quantity, in one reported year
    (the final one by default; the definitions say 'final year')."""
    y = Year(res, cfg, year)
    sc = res.scale
    out: dict[str, tuple[str, str, np.ndarray]] = {}

    def add(name: str, unit: str, definition: str, values) -> None:
        out[name] = (unit, definition, np.asarray(values, dtype=np.float64))

    lf = y.lfs_employed() + y.lfs_unemployed()
    lf_young = y.lfs_employed(AGES_16_24) + y.lfs_unemployed(AGES_16_24)
    fully = y.persons(REGISTERED, rwa=0)
    add("registered_fully_unemployed_rate", "share",
        "NAV's helt ledige (registered job seekers without work, not in a measure, without reduced work ability) "
        "over the LFS-definition labour force, final year", _ratio(fully, lf))
    add("registered_fully_unemployed_rate_16_24", "share", "the same for 16-24-year-olds",
        _ratio(y.persons(REGISTERED, AGES_16_24, rwa=0), lf_young))
    add("registered_fully_unemployed_rate_16_19", "share", "the same for 16-19-year-olds (NAV: under 20)",
        _ratio(y.persons(REGISTERED, AGES_16_19, rwa=0),
               y.lfs_employed(AGES_16_19) + y.lfs_unemployed(AGES_16_19)))
    add("registered_fully_unemployed_count", "persons", "NAV's helt ledige, final year (scaled)", fully * sc)
    for month, label in ((6, "june"), (10, "october")):
        add(f"temporarily_laid_off_rate_end_{label}", "share",
            f"NAV's helt permitterte (job seekers on layoff pay, among the helt ledige) at the end of {label.title()}, "
            "over the year's labour force", _ratio(month_end_stock(res, "stock_temporarily_laid_off", year, month), lf))
    add("registered_gross_unemployment_rate", "share",
        "NAV's bruttoledighet: helt ledige and job seekers on measures over the labour force",
        _ratio(fully + y.persons(MEASURES, rwa=0), lf))
    add("jobseekers_on_measures_count", "persons",
        "NAV's arbeidssøkere på tiltak: in a work-oriented measure or an AMO course, without reduced work ability "
        "(scaled)", y.persons(MEASURES, rwa=0) * sc)
    add("reduced_work_ability_count", "persons",
        "NAV's persons with reduced work ability: on AAP, or in a NAV state with reduced work ability (scaled)",
        (y.persons((S.AAP,)) + y.persons(REGISTERED + MEASURES, rwa=1)) * sc)
    aap_active = year_stock(res, "stock_aap_in_activity", year)
    aap = y.persons((S.AAP,)) + aap_active
    add("reduced_work_ability_share_on_aap", "share", "of NAV's persons with reduced work ability, the share receiving "
        "AAP (on AAP, or keeping it in assessment, a measure or NAV-bought education)",
        _ratio(aap, y.persons((S.AAP,)) + y.persons(REGISTERED + MEASURES, rwa=1)))
    add("reduced_work_ability_share_in_measure", "share",
        "of NAV's persons with reduced work ability, the share in a measure (work-oriented measure or AMO course)",
        _ratio(y.persons(MEASURES, rwa=1), y.persons((S.AAP,)) + y.persons(REGISTERED + MEASURES, rwa=1)))
    add("aap_recipients", "persons", "persons receiving work assessment allowance (AAP): on AAP, or keeping it in "
        "assessment, a measure or NAV-bought education (NAV's mottakere), final year (scaled)", aap * sc)
    add("aap_share_of_population", "share", "AAP recipients over the population 19-66 (NAV: 18-66; hardly anyone "
        "under 19 receives AAP)", _ratio(aap, y.population(AGES_19_66)))
    add("disability_recipients_18_29", "persons", "persons on disability benefit aged 19-29 (SSB: 18-29), scaled",
        y.persons((S.DISABILITY,), AGES_19_29) * sc)
    add("disability_recipients_30_49", "persons", "persons on disability benefit aged 30-49, final year (scaled)",
        y.persons((S.DISABILITY,), AGES_30_49) * sc)
    add("disability_recipients_50_59", "persons", "persons on disability benefit aged 50-59, final year (scaled)",
        y.persons((S.DISABILITY,), AGES_50_59) * sc)
    add("disability_recipients", "persons", "persons on disability benefit (uføretrygd), 16-66, final year (scaled)",
        y.persons((S.DISABILITY,)) * sc)
    add("disability_recipients_change_per_year", "persons", "the change of the disability stock from the year before "
        "to the final year (yearly means, scaled; NaN in the first reported year)",
        _stock_change(res, S.DISABILITY, year))
    add("sick_leave_stock", "persons", "persons on long sick leave paid by NAV (sykepenger), final year (scaled)",
        y.persons((S.SICK_LEAVE,)) * sc)
    add("lfs_unemployment_rate", "share", "LFS-definition unemployed over the labour force, 16-66, final year",
        _ratio(y.lfs_unemployed(), lf))
    add("lfs_unemployment_rate_16_24", "share", "the same for 16-24-year-olds (SSB publishes 15-24)",
        _ratio(y.lfs_unemployed(AGES_16_24), lf_young))
    add("lfs_unemployed_share_students", "share", "of the LFS-definition unemployed, the share whose main activity is "
        "education (pupils and students looking for work)", _ratio(y.students_searching(), y.lfs_unemployed()))
    add("employment_rate_16_24", "share", "LFS-definition employed over the population, 16-24 (SSB: 15-24)",
        _ratio(y.lfs_employed(AGES_16_24), y.population(AGES_16_24)))
    add("employment_rate_25_66", "share", "LFS-definition employed over the population, 25-66",
        _ratio(y.lfs_employed(AGES_25_66), y.population(AGES_25_66)))
    for label, edu in (("below_upper_secondary", BELOW_UPPER_SECONDARY), ("upper_secondary", [int(Education.VGO)]),
                       ("tertiary", [int(Education.TERTIARY)])):
        add(f"employment_rate_25_34_{label}", "share",
            f"LFS-definition employed over the population, 25-34, highest education {label.replace('_', ' ')} "
            "(OECD Education at a Glance)",
            _ratio(y.lfs_employed(AGES_25_34, edu), y.population(AGES_25_34, edu)))
    for label, imm in (("immigrants", 1), ("non_immigrants", 0)):
        add(f"employment_rate_20_66_{label}", "share",
            f"LFS-definition employed over the population, 20-66, {label.replace('_', '-')} (SSB's register-based "
            "employment of immigrants, 4th quarter)",
            _ratio(y.lfs_employed(AGES_20_66, imm=imm), y.population(AGES_20_66, imm=imm)))
    add("neet_16_29", "share", "16-29-year-olds neither employed nor in education nor in a labour-market measure "
        "(SSB's register definition, 15-29)", _ratio(y.persons(NEET, AGES_16_29), y.population(AGES_16_29)))
    add("population_16_66", "persons", "persons 16-66 (scaled), final year", y.population() * sc)
    _flows(res, add, year)
    _cohorts(res, add)
    return out


def in_year(res, cfg, name: str, calendar_year: int) -> np.ndarray:
    """One public quantity in one calendar year of the run, per replicate (``calendar_year`` counts from the
    run's calendar_start)."""
    from simulation.core.config import calendar_start

    index = int(calendar_year) - calendar_start(cfg)
    n_years = res.breakdowns.shape[1]
    if not 0 <= index < n_years:
        raise ValueError(f"{name}@{calendar_year}: the run reports "
                         f"{calendar_start(cfg)}-{calendar_start(cfg) + n_years - 1}")
    found = quantities(res, cfg, index)
    if name not in found:
        raise ValueError(f"{name}@{calendar_year}: no such public quantity ({', '.join(sorted(found))})")
    return found[name][2]


def _stock_change(res, state, year: int) -> np.ndarray:
    """A state's stock in one reported year minus the year before, per replicate (scaled; NaN without one)."""
    index = year % res.snapshots.size
    if index == 0:
        return np.full(res.replicates, np.nan)
    return (Year(res, None, index).persons((state,)) - Year(res, None, index - 1).persons((state,))) * res.scale


def _flows(res, add, year: int = -1) -> None:
    """Yearly inflows from the moves of one reported year (exits by benefit sum over every benefit)."""
    by_benefit = bd.exits(res, "benefit")[:, year].astype(np.float64)  # [R, from, to, benefit held]
    x = by_benefit.sum(axis=-1)  # [R, from, to]
    frac = res.snapshots[year] / 12.0 if res.snapshots[year] > 0 else np.nan  # a partial year: per year
    # new AAP recipients: into AAP without holding it already (back from an activity is not a new start)
    into_aap = x[:, :, int(S.AAP)].sum(axis=1) - by_benefit[:, :, int(S.AAP), int(Benefit.AAP)].sum(axis=1)
    into_dis = x[:, :, int(S.DISABILITY)].sum(axis=1)
    from_aap = x[:, int(S.AAP), int(S.DISABILITY)] + by_benefit[:, :, int(S.DISABILITY), int(Benefit.AAP)].sum(axis=1)
    add("aap_inflow_per_year", "persons", "persons starting AAP in the final year (scaled, per year)",
        into_aap * res.scale / frac)
    add("aap_inflow_share_from_sick_leave", "share", "of those starting AAP, the share who came from long sick leave",
        _ratio(x[:, int(S.SICK_LEAVE), int(S.AAP)], into_aap))
    add("disability_inflow_per_year", "persons", "persons starting disability benefit in the final year (scaled)",
        into_dis * res.scale / frac)
    add("disability_inflow_share_from_aap", "share", "of new disability recipients, the share who came from AAP",
        _ratio(from_aap, into_dis))
    by_age = bd.exits(res, "age_group")[:, year].astype(np.float64)[:, :, int(S.DISABILITY), :].sum(axis=1)  # [R, age]
    for label, ages, words in (("30_49", AGES_30_49, "30-49"), ("50_plus", AGES_50_66, "50 and over")):
        add(f"disability_inflow_share_{label}", "share", f"of new disability recipients in the final year, the share "
            f"aged {words} when they started", _ratio(by_age[:, ages].sum(axis=1), into_dis))
    add("aap_inflow_per_quarter", "persons", "persons starting AAP per quarter in the final year (scaled)",
        into_aap * res.scale / frac / 4.0)
    y = Year(res, None, year)
    not_disabled = y.population() - y.persons((S.DISABILITY,))
    add("disability_inflow_rate", "share", "new disability recipients in the final year per person 16-66 not on "
        "disability benefit (NAV: per 1 000 non-disabled 18-67)", _ratio(into_dis / frac, not_disabled))
    new_rwa = _year_events(res, "nav_rwa_new", year).sum(axis=1)
    add("nav_rwa_new_share_from_sick_leave", "share",
        "of persons newly among NAV's persons with reduced work ability in the final year (AAP started, or reduced "
        "work ability found or brought to NAV), the share straight from long sick leave",
        _ratio(_year_events(res, "nav_rwa_new_from_sick_leave", year).sum(axis=1), new_rwa))
    add("nav_rwa_new_per_quarter", "persons", "persons newly among NAV's persons with reduced work ability, per "
        "quarter of the final year (scaled)", new_rwa * res.scale / 4.0)
    add("sick_leave_max_date_per_year", "persons", "persons reaching the 52-week maximum of sickness benefit in the "
        "final year (scaled)", _year_events(res, "sick_leave_max_date", year).sum(axis=1) * res.scale)


def _year_events(res, event: str, year: int) -> np.ndarray:
    """A per-step event in the steps of one reported year: [R, steps] (year -1: the last full year of steps)."""
    ev = res.events[:, 1:, EV[event]].astype(np.float64)
    per_year = max(1, int(round(DAYS_PER_YEAR / res.step_days)))
    if year < 0:
        return ev[:, -per_year:]
    return ev[:, year * per_year:(year + 1) * per_year]


def month_end_stock(res, event: str, year: int, month: int) -> np.ndarray:
    """A per-step stock event at the end of a month of one reported year, per replicate: the step that ends
    nearest the month's last day (simulated persons)."""
    ev = _year_events(res, event, year)
    day = DAYS_PER_YEAR * month / 12.0
    return ev[:, int(np.clip(round(day / res.step_days) - 1, 0, ev.shape[1] - 1))]


def year_stock(res, event: str, year: int = -1) -> np.ndarray:
    """Mean of a per-step stock event over one reported year's steps, per replicate (simulated persons)."""
    return _year_events(res, event, year).mean(axis=1)


def _cohorts(res, add) -> None:
    """Upper secondary completion of the starting cohorts followed long enough, per replicate."""
    reps = range(res.replicates)
    by_rep = [res.cohorts[res.cohorts["replicate"] == r] for r in reps]
    add("vgo_completion_5_6_years", "share", "of pupils starting upper secondary, the share completing within 5 "
        "years (general studies) or 6 (vocational): SSB/Udir's definition", [ch.completion_share_public(t)
                                                                             for t in by_rep])
    add("vgo_completion_5_years", "share", "the same within 5 years, both programme types",
        [ch.completion_share(t, 5) for t in by_rep])
    add("vgo_completion_5_years_general", "share", "the same within 5 years, general studies",
        [ch.completion_share(t, 5, "general") for t in by_rep])
    add("vgo_completion_5_years_vocational", "share", "the same within 5 years, vocational programmes",
        [ch.completion_share(t, 5, "vocational") for t in by_rep])
    add("vgo_completion_6_years_vocational", "share", "the same within 6 years, vocational programmes",
        [ch.completion_share(t, 6, "vocational") for t in by_rep])
