"""Translate a validated SimConfig into the kernel's arrays (per-year rates, durations in days).

This is the one place where config names meet kernel codes: which hazards each state has,
which multipliers act on them, and what follows the end of each programme.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulation.core import schema
from simulation.core.config import SimConfig, StudyBenefitRegime, calendar_start
from simulation.core.demography import kernel_tables as demography_tables
from simulation.core.economy import cycle_intensity, cycle_multipliers
from simulation.core.rules import DAYS_PER_YEAR, cooperation_multiplier, duration_table, years_to_days
from simulation.core.states import (
    AGE_BAND_EDGES,
    AGE_GROUP_EDGES,
    DURATION_EDGES_MONTHS,
    EDUCATION_NAMES,
    N_EDUCATION,
    N_STATES,
    STATE_NAMES,
    Education,
    State,
)

RATE_BANDS = ["16_18", "19_21", "22_24", "25_29", "30_49", "50_66"]
_REGIME = {
    StudyBenefitRegime.before_2020: 0,
    StudyBenefitRegime.temporary_2020: 1,
    StudyBenefitRegime.permanent_2021: 2,
}


@dataclass
class Entry:
    """One hazard of a state: where it leads, which rules modify it, and its rate per variant."""

    dest: int
    kind: int
    rate: tuple[float, float]
    static: str = ""  # "job", "layoff", "aap": which static multipliers by cell apply
    cooperation: str = ""  # name of the cooperation effect, if any
    sign: float = 1.0  # +1: stronger cooperation raises the rate; -1: lowers it


def _s(name: str) -> int:
    return STATE_NAMES.index(name)


def _split(rate: float | tuple[float, float], shares: dict[str, float], kind_of=None, **kw) -> list[Entry]:
    """A total rate split over destination shares."""
    r0, r1 = (rate, rate) if isinstance(rate, (int, float)) else rate
    out = []
    for name, share in shares.items():
        if share <= 0.0:
            continue
        kind = kind_of(name) if kind_of else schema.K_PLAIN
        out.append(Entry(_s(name), kind, (r0 * share, r1 * share), **kw))
    return out


def _job_kind(name: str) -> int:
    return schema.K_JOB if name == "work" else schema.K_PLAIN


def steps_for(cfg: SimConfig) -> tuple[int, int]:
    """(burn-in steps, reported steps) for the configured years and step length."""
    burn = int(round(cfg.run.burn_in_years * 365.25 / cfg.run.step_days))
    report = max(1, int(round(cfg.run.years * 365.25 / cfg.run.step_days)))
    return burn, report


def reporting_calendar(burn_steps: int, report_steps: int, step_days: int) -> tuple[np.ndarray, np.ndarray]:
    """For every global step: the reported year it belongs to (-1 in the burn-in) and whether it ends a
    calendar month of the reporting window (the cross-tabulation's snapshots, about 12 a year)."""
    rep = np.arange(burn_steps + report_steps, dtype=np.int64) - burn_steps + 1  # reporting step, >= 1 reported
    year = np.where(rep >= 1, ((rep - 1) * step_days / DAYS_PER_YEAR).astype(np.int64), -1)
    month = DAYS_PER_YEAR / 12.0
    ends_month = np.floor(rep * step_days / month) > np.floor((rep - 1) * step_days / month)
    return year, (rep >= 1) & ends_month


def reported_years(report_steps: int, step_days: int) -> int:
    """How many reported years (the last may be partial) a run's steps fall into."""
    return int((report_steps - 1) * step_days / DAYS_PER_YEAR) + 1


def hazard_entries(cfg: SimConfig) -> dict[int, list[Entry]]:
    """Every state's hazards (the rules of docs/domain.md and docs/model.md) from the rates group."""
    r = cfg.rates
    S = State
    health = Entry(0, schema.K_HEALTH, (r.health.reduced_work_ability_onset,) * 2, static="health")
    dropout = dict(cooperation="dropout", sign=-1.0)
    e: dict[int, list[Entry]] = {int(s): [] for s in State}
    e[S.SCHOOL] = _split((r.school.dropout_rate, r.school.dropout_rate * r.school.vocational_dropout_multiplier),
                         r.school.dropout_destinations, **dropout) + [health]
    e[S.APPRENTICE] = _split(r.apprentice.dropout_rate, r.apprentice.dropout_destinations, **dropout) + [
        Entry(S.JOBSEEKER, schema.K_LAYOFF, (r.apprentice.layoff_rate,) * 2), health]
    e[S.OT_FOLLOWED] = [
        Entry(S.JOBSEEKER, schema.K_PLAIN, (r.ot.referral_rate,) * 2, cooperation="ot_referral"),
        Entry(S.WORK, schema.K_JOB, (r.ot.job_finding,) * 2, static="job"),
        Entry(S.INACTIVE, schema.K_PLAIN, (r.ot.lost_contact_rate,) * 2),
        Entry(S.SCHOOL, schema.K_RETURN_SCHOOL, (r.school.return_rate,) * 2, cooperation="return_to_school"),
        health]
    e[S.JOBSEEKER] = [
        Entry(S.WORK, schema.K_JOB, (r.jobseeker.job_finding,) * 2, static="job"),
        Entry(S.ASSESSMENT, schema.K_PLAIN, (r.jobseeker.assessment_rate,) * 2, cooperation="nav_referral"),
        Entry(S.AAP, schema.K_PLAIN, (r.jobseeker.aap_rate,) * 2, static="aap"),
        Entry(S.INACTIVE, schema.K_DEREGISTER, (r.jobseeker.deregister_rate,) * 2, static="deregister"),
        Entry(S.ADULT_VGO, schema.K_ADULT_VGO_COUNTY, (r.jobseeker.adult_vgo_rate,) * 2,
              cooperation="return_to_school"),
        Entry(S.SCHOOL, schema.K_RETURN_SCHOOL, (r.school.return_rate,) * 2, cooperation="return_to_school"),
        Entry(S.WORK, schema.K_RECALL, (r.jobseeker.recall_rate,) * 2),
        health]
    exit_assessment = DAYS_PER_YEAR / (7.0 * r.assessment.mean_weeks)
    shares = dict(r.assessment.destinations)
    edu_share = shares.pop("education", 0.0)
    e[S.ASSESSMENT] = _split(exit_assessment, shares, kind_of=_job_kind, cooperation="assessment_other")
    if edu_share > 0:
        e[S.ASSESSMENT].append(Entry(S.ADULT_VGO, schema.K_EDU_PATH, (exit_assessment * edu_share,) * 2,
                                     cooperation="education_path"))
    # NAV's assessment of a client's needs finds reduced work ability in some (NAV-loven § 14 a): no state change
    e[S.ASSESSMENT].append(Entry(0, schema.K_HEALTH, (r.assessment.reduced_work_ability_found,) * 2, static="health"))
    # variant 0: ordinary work practice, ends by a hazard; variant 1: a combined path (mechanism 6), ends at its length
    e[S.WORK_MEASURE] = (_split((12.0 / r.work_measure.mean_months, 0.0), r.work_measure.destinations,
                                kind_of=_job_kind)
                         + _split((0.0, r.combined_path.dropout_rate), r.combined_path.dropout_destinations))
    e[S.AMO_COURSE] = _split(r.amo_course.dropout_rate, r.amo_course.fail_destinations, **dropout)
    e[S.ADULT_VGO] = _split((r.adult_vgo.dropout_rate_county, r.adult_vgo.dropout_rate_nav),
                            r.adult_vgo.dropout_destinations, **dropout) + [health]
    e[S.TERTIARY] = _split((r.tertiary.dropout_rate, r.tertiary.dropout_rate_nav),
                           r.tertiary.dropout_destinations, **dropout)
    e[S.WORK] = [
        Entry(S.JOBSEEKER, schema.K_LAYOFF, (r.work.layoff_rate,) * 2, static="layoff"),
        Entry(S.JOBSEEKER, schema.K_TEMP_LAYOFF, (r.work.temporary_layoff_rate,) * 2),
        Entry(S.SICK_LEAVE, schema.K_PLAIN, (r.sick_leave.start_rate,) * 2, static="sick"),
        Entry(S.INACTIVE, schema.K_PLAIN, (r.work.to_inactive,) * 2, static="health"),
        Entry(S.AAP, schema.K_PLAIN, (r.work.to_aap,) * 2, static="aap"),
        Entry(S.TERTIARY, schema.K_TERTIARY_ENTRY, (r.work.to_tertiary,) * 2),
        Entry(S.ADULT_VGO, schema.K_ADULT_VGO_COUNTY, (r.work.to_adult_vgo,) * 2),
        health]
    # long sick leave (sykepenger): back to work, or on to AAP; at 52 weeks it ends (see _programme_ends)
    e[S.SICK_LEAVE] = [
        Entry(S.WORK, schema.K_PLAIN, (r.sick_leave.recovery_rate,) * 2, static="recovery"),
        Entry(S.AAP, schema.K_PLAIN, (r.sick_leave.to_aap,) * 2, static="aap"),
        Entry(S.SICK_LEAVE, schema.K_HEALTH, (r.sick_leave.reduced_work_ability_onset,) * 2, static="health")]
    e[S.AAP] = [
        Entry(S.WORK, schema.K_JOB, (r.aap.to_work,) * 2),
        Entry(S.DISABILITY, schema.K_PLAIN, (r.aap.to_disability,) * 2, static="aap_to_disability"),
        Entry(S.JOBSEEKER, schema.K_PLAIN, (r.aap.to_jobseeker,) * 2),
        Entry(S.ASSESSMENT, schema.K_PLAIN, (r.aap.to_assessment,) * 2)]
    e[S.DISABILITY] = [Entry(S.WORK, schema.K_JOB, (r.disability.to_work,) * 2)]
    e[S.INACTIVE] = [
        Entry(S.JOBSEEKER, schema.K_PLAIN, (r.inactive.to_jobseeker,) * 2),
        Entry(S.WORK, schema.K_JOB, (r.inactive.job_finding,) * 2, static="job"),
        Entry(S.AAP, schema.K_PLAIN, (r.inactive.to_aap,) * 2, static="aap"),
        Entry(S.DISABILITY, schema.K_PLAIN, (r.inactive.to_disability,) * 2, static="aap"),
        Entry(S.SCHOOL, schema.K_RETURN_SCHOOL, (r.school.return_rate,) * 2, cooperation="return_to_school"),
        health]
    for s, entries in e.items():
        for en in entries:
            if en.kind == schema.K_HEALTH:
                en.dest = s
        if len(entries) > schema.KMAX:
            raise ValueError(f"state {STATE_NAMES[s]} has {len(entries)} hazards; the kernel holds {schema.KMAX}")
    return e


def _static_multiplier(cfg: SimConfig, static: str, band: int, edu: int, imm: int, rwa: int) -> float:
    r = cfg.rates
    if static == "job":
        jf = r.job_finding
        return (jf.by_age[RATE_BANDS[band]] * jf.by_education[EDUCATION_NAMES[edu]]
                * (jf.immigrant if imm else 1.0) * (jf.reduced_work_ability if rwa else 1.0))
    if static == "layoff":
        w = r.work
        return (w.layoff_by_age[RATE_BANDS[band]] * w.layoff_by_education[EDUCATION_NAMES[edu]]
                * (w.layoff_immigrant if imm else 1.0))
    if static == "aap":
        return r.health.aap_multiplier_reduced_work_ability if rwa else 1.0
    if static == "health":  # the low-educated fall ill and leave work for inactivity more often
        return r.health.education_gradient ** (int(Education.VGO) - edu)
    if static == "deregister":  # NAV follows up persons with reduced work ability (NAV-loven § 14 a) longer
        return r.jobseeker.deregister_multiplier_reduced_work_ability if rwa else 1.0
    if static == "aap_to_disability":  # the move from AAP to disability benefit rises with age
        return r.aap.to_disability_by_age[RATE_BANDS[band]]
    if static == "recovery":
        return r.sick_leave.recovery_reduced_work_ability if rwa else 1.0
    if static == "sick":
        sl = r.sick_leave
        return (sl.by_age[RATE_BANDS[band]] * sl.by_education[EDUCATION_NAMES[edu]]
                * (sl.reduced_work_ability if rwa else 1.0))
    return 1.0


def county_strengths(cfg: SimConfig, county_names: list[str]) -> np.ndarray:
    """Cooperation strength of each county (the default, or its own override)."""
    co = cfg.cooperation
    return np.array([co.by_county.get(c, co.strength) for c in county_names], dtype=np.float64)


def cooperation_multipliers(cfg: SimConfig, entries: dict[int, list[Entry]], strengths: np.ndarray) -> np.ndarray:
    """The cooperation effects on each state's hazards for each county's (effective) strength: [C, S, KMAX]."""
    co = cfg.cooperation
    effects = co.effects
    mult = np.ones((len(strengths), N_STATES, schema.KMAX))
    a_entries = entries[int(State.ASSESSMENT)]
    edu_share = sum(en.rate[0] for en in a_entries if en.cooperation == "education_path")
    a_total = sum(en.rate[0] for en in a_entries)
    ref = co.reference_strength
    for c, strength in enumerate(strengths):
        # mechanism 3: the education path's share of exits from assessment moves; the total exit rate does not
        m_edu = cooperation_multiplier(effects.education_path, strength, ref)
        # mechanism 2: every exit from assessment (mostly the start of a measure or education) comes sooner
        m_wait = cooperation_multiplier(effects.start_wait, strength, ref)
        share = edu_share / a_total if a_total > 0 else 0.0
        norm = share * m_edu + (1.0 - share)
        for s, es in entries.items():
            for k, en in enumerate(es):
                if en.cooperation == "education_path":
                    mult[c, s, k] = m_edu / norm * m_wait
                elif en.cooperation == "assessment_other":
                    mult[c, s, k] = m_wait / norm
                elif en.cooperation:  # mechanisms 1 (referrals, returns to school) and 5 (drop-out)
                    mult[c, s, k] = cooperation_multiplier(en.sign * getattr(effects, en.cooperation), strength, ref)
    return mult


def _cumulative(shares: dict[str, float]) -> np.ndarray:
    """Cumulative shares over states; 1 from the last named state on, so rounding never falls through."""
    row = np.zeros(N_STATES)
    for name, share in shares.items():
        row[_s(name)] += share
    cum = np.cumsum(row)
    cum[np.max(np.nonzero(row)[0]):] = 1.0
    return cum


def _programme_ends(cfg: SimConfig):
    r = cfg.rates
    S, E = State, Education
    ev = schema.EV
    dur = np.zeros((N_STATES, 2))
    pass_p = np.ones((N_STATES, 2))
    cum = np.zeros((N_STATES, 2, 2, N_STATES))
    cum[:] = np.arange(N_STATES) >= int(S.JOBSEEKER)  # default (never used): job seeker
    edu = -np.ones((N_STATES, 2, 2), dtype=np.int64)
    event = -np.ones((N_STATES, 2, 2), dtype=np.int64)
    drop = -np.ones((N_STATES, 2), dtype=np.int64)

    def end(s, v, years_, p, pass_dest, fail_dest, edu_pass, edu_fail, ev_pass, ev_fail):
        dur[s, v] = years_ * DAYS_PER_YEAR
        pass_p[s, v] = p
        cum[s, v, 1] = _cumulative(pass_dest)
        cum[s, v, 0] = _cumulative(fail_dest)
        edu[s, v] = (edu_fail, edu_pass)
        event[s, v] = (ev[ev_fail] if ev_fail else -1, ev[ev_pass] if ev_pass else -1)

    sc = r.school
    end(S.SCHOOL, 0, sc.general_years, sc.pass_share_general, sc.general_destinations, sc.fail_destinations,
        E.VGO, E.SOME_VGO, "school_general_pass", "school_general_fail")
    end(S.SCHOOL, 1, sc.vocational_school_years, sc.apprenticeship_contract_share, {"apprentice": 1.0},
        sc.no_contract_destinations, E.SOME_VGO, E.SOME_VGO, "school_vocational_contract",
        "school_vocational_no_contract")
    ap = r.apprentice
    end(S.APPRENTICE, 0, ap.years, ap.pass_share, ap.pass_destinations, ap.fail_destinations,
        E.VGO, E.SOME_VGO, "apprentice_pass", "apprentice_fail")
    am = r.amo_course
    end(S.AMO_COURSE, 0, am.weeks * 7.0 / DAYS_PER_YEAR, am.pass_share, am.pass_destinations,
        am.fail_destinations, -1, -1, "amo_pass", "amo_fail")
    av = r.adult_vgo
    for v, who in ((0, "county"), (1, "nav")):
        end(S.ADULT_VGO, v, av.years, av.pass_share, av.pass_destinations, av.fail_destinations,
            E.VGO, E.SOME_VGO, f"adult_vgo_{who}_pass", f"adult_vgo_{who}_fail")
    te = r.tertiary
    for v, tag, yrs in ((0, "", te.years), (1, "_nav", te.years_nav)):
        end(S.TERTIARY, v, yrs, te.pass_share, te.pass_destinations, te.fail_destinations,
            E.TERTIARY, -1, f"tertiary{tag}_pass", f"tertiary{tag}_fail")
    cp = r.combined_path
    end(S.WORK_MEASURE, 1, cp.years, 1.0, cp.end_destinations, cp.end_destinations, -1, -1, None, None)
    end(S.AAP, 0, r.aap.max_years, 1.0, r.aap.end_destinations, r.aap.end_destinations, -1, -1, None, None)
    sl = r.sick_leave
    end(S.SICK_LEAVE, 0, sl.max_weeks * 7.0 / DAYS_PER_YEAR, 1.0, sl.end_destinations, sl.end_destinations, -1, -1,
        "sick_leave_max_date", "sick_leave_max_date")
    # OT's follow-up ends by age, not by duration: only its destinations are stored (no duration)
    cum[S.OT_FOLLOWED, 0, 1] = _cumulative(r.ot.ageing_out_destinations)
    drop[S.SCHOOL] = ev["school_dropout"]
    drop[S.APPRENTICE] = ev["apprentice_dropout"]
    drop[S.AMO_COURSE] = ev["amo_dropout"]
    drop[S.ADULT_VGO] = (ev["adult_vgo_county_dropout"], ev["adult_vgo_nav_dropout"])
    drop[S.TERTIARY] = (ev["tertiary_dropout"], ev["tertiary_nav_dropout"])
    return dur, pass_p, cum, edu, event, drop


def _fast_path(entries: dict[int, list[Entry]], thresholds: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Where a state's exit probability is a function of (cell, county, step) alone.

    Not where job finding falls with unemployment duration (job seekers, OT), nor in
    an age band that an eligibility age cuts through; benefit-dependent hazards are flagged so
    the kernel takes the slow path for persons on a benefit.
    """
    edges = [0] + [years_to_days(a) for a in AGE_BAND_EDGES] + [10**9]
    fast = np.zeros((N_STATES, len(edges) - 1), dtype=np.bool_)
    benefit_dep = np.zeros(N_STATES, dtype=np.bool_)
    duration_states = {int(State.JOBSEEKER), int(State.OT_FOLLOWED)}
    for s, es in entries.items():
        kinds = {en.kind for en in es}
        benefit_dep[s] = bool(kinds & {schema.K_DEREGISTER, schema.K_RETURN_SCHOOL, schema.K_ADULT_VGO_COUNTY,
                                       schema.K_RECALL})
        if s in duration_states or s in (int(State.PRE_ENTRY), int(State.AGED_OUT)):
            continue
        for b in range(1, 7):
            lo, hi = edges[b], edges[b + 1]
            fast[s, b] = all(not (lo < thr < hi) for kd, thr in thresholds.items() if kd in kinds)
    return fast, benefit_dep


def _population_share(cfg: SimConfig, name: str) -> float:
    """A county's share of the 16-66 population: how national budgets and grants are shared out."""
    return cfg.counties[name].population_16_66 / sum(c.population_16_66 for c in cfg.counties.values())


def _measure_budgets(cfg: SimConfig, county_names: list[str]) -> np.ndarray:
    """Each county's monthly budget for measures (NOK; inf: no limit)."""
    fu = cfg.funding
    budget = np.full(len(county_names), np.inf)
    for c, name in enumerate(county_names):
        if name in fu.measure_budget_by_county:
            budget[c] = fu.measure_budget_by_county[name] * 1e9 / 12.0
        elif fu.measure_budget_bn_per_year is not None:
            budget[c] = fu.measure_budget_bn_per_year * 1e9 * _population_share(cfg, name) / 12.0
    return budget


def pool_tables(cfg: SimConfig) -> tuple[np.ndarray, np.ndarray]:
    """Which capacity pools a person in (state, payment variant) uses (up to two), and how many of each pool's
    units per simulated person before scaling (whole NOK per month for NAV's measure budget, 1 for a place).
    Integers, so that the sums are exact in any order (the person engine sums in activation order).
    NAV's measure budget pays for every measure NAV buys: work-oriented measures, AMO courses, combined paths,
    and the training measures (opplæringstiltak): adult upper secondary and higher education bought by NAV,
    as in the appropriation for labour-market measures [MeldSt32-2021]."""
    S = State
    pool = -np.ones((N_STATES, schema.N_PAYMENT_VARIANTS, 2), dtype=np.int64)
    unit = np.zeros((N_STATES, schema.N_PAYMENT_VARIANTS, 2), dtype=np.int64)
    places = cfg.funding.places
    budget = schema.POOL_MEASURE

    def uses(state: int, variant: int, slot: int, p: int, units: float) -> None:
        pool[state, variant, slot], unit[state, variant, slot] = p, round(units)

    for v in (0, 1):  # ordinary work practice and combined paths
        uses(S.WORK_MEASURE, v, 0, budget, places.work_measure)
    uses(S.AMO_COURSE, 0, 0, budget, places.amo_course)
    uses(S.ADULT_VGO, 0, 0, schema.POOL_ADULT_EDUCATION, 1)  # a county place on the adult right
    uses(S.ADULT_VGO, 1, 0, budget, places.adult_vgo_bought)  # NAV buys on the market
    uses(S.ADULT_VGO, 2, 0, schema.POOL_ADULT_EDUCATION, 1)  # NAV buys a county place at cost price (public first)
    uses(S.ADULT_VGO, 2, 1, budget, places.adult_vgo_bought_county_place)
    uses(S.ADULT_VGO, 3, 0, schema.POOL_GRANT, 1)  # a county place paid by an earmarked grant
    uses(S.TERTIARY, 1, 0, budget, places.tertiary_measure_fee)  # higher education as a NAV measure
    uses(S.APPRENTICE, 0, 0, schema.POOL_APPRENTICESHIP, 1)
    uses(S.ASSESSMENT, 0, 0, schema.POOL_ASSESSMENT, 1)
    return pool, unit


def initial_capacity(cfg: SimConfig, county_names: list[str]) -> np.ndarray:
    """Capacity at the start: NAV's measure budget and the places an earmarked grant pays for (shared by
    population); the other places are unlimited until the institutions have learnt their normal stock
    (they set them after the burn-in)."""
    cap = np.full((schema.N_POOLS, len(county_names)), np.inf)
    cap[schema.POOL_MEASURE] = _measure_budgets(cfg, county_names)
    grant = cfg.funding.earmarked_grants
    places = grant.adult_education_nok_m_per_year * 1e6 / grant.nok_per_place_year
    cap[schema.POOL_GRANT] = [places * _population_share(cfg, name) for name in county_names]
    return cap


def public_first_shares(cfg: SimConfig, strengths: np.ndarray) -> np.ndarray:
    """Per county, the share of the adult VGO NAV buys for those without a right that it first asks the county
    to deliver in county places, at these cooperation strengths (mechanism 4); all when public first is enforced."""
    co, sc = cfg.cooperation, cfg.scenario
    if sc.public_first_enforced:
        return np.ones(len(strengths))
    if not sc.public_first:
        return np.zeros(len(strengths))
    return np.minimum(1.0, cfg.funding.public_first_share * cooperation_multiplier(co.effects.public_first, strengths,
                                                                                     co.reference_strength))


def combined_path_shares(cfg: SimConfig, strengths: np.ndarray) -> np.ndarray:
    """Per county, the share of youths' work practice that becomes a combined path with a school part, in
    proportion to the cooperation strength (mechanism 6)."""
    return cfg.cooperation.effects.combined_path * np.clip(strengths, 0.0, 1.0)


def build_params(cfg: SimConfig, county_names: list[str], burn_steps: int, report_steps: int,
                 replicate: int = 0) -> schema.KernelParams:
    """All kernel inputs for one scenario; only a stochastic economy makes them differ by replicate."""
    entries = hazard_entries(cfg)
    n_entries = np.zeros(N_STATES, dtype=np.int64)
    dest = np.zeros((N_STATES, schema.KMAX), dtype=np.int64)
    kind = np.zeros((N_STATES, schema.KMAX), dtype=np.int64)
    hazard = np.zeros((N_STATES, 2, schema.KMAX, schema.N_CELLS))
    for s, es in entries.items():
        n_entries[s] = len(es)
        for k, en in enumerate(es):
            dest[s, k] = en.dest
            kind[s, k] = en.kind
            for band in range(6):
                for edu in range(N_EDUCATION):
                    for imm in range(2):
                        for rwa in range(2):
                            cell = ((band * 4 + edu) * 4) + imm * 2 + rwa
                            m = _static_multiplier(cfg, en.static, band, edu, imm, rwa)
                            hazard[s, 0, k, cell] = en.rate[0] * m
                            hazard[s, 1, k, cell] = en.rate[1] * m
    county_mult = cooperation_multipliers(cfg, entries, county_strengths(cfg, county_names))
    run, sc, r = cfg.run, cfg.scenario, cfg.rates
    n_steps = burn_steps + report_steps
    intensity = cycle_intensity(cfg.economy, n_steps, burn_steps, run.step_days, seed=run.seed, replicate=replicate,
                                start_year=calendar_start(cfg))
    job, layoff, appr, edu_cycle, temp_layoff = cycle_multipliers(cfg.economy, intensity, run.step_days)
    dur, pass_p, cum, end_edu, end_event, drop = _programme_ends(cfg)
    return_age = sc.return_to_school_max_age_reform if sc.completion_reform else sc.return_to_school_max_age
    js = r.jobseeker
    fast_ok, benefit_dep = _fast_path(entries, {
        schema.K_RETURN_SCHOOL: years_to_days(return_age + 1),
        schema.K_ADULT_VGO_COUNTY: years_to_days(sc.adult_right_min_age),
        schema.K_TERTIARY_ENTRY: years_to_days(r.work.to_tertiary_max_age + 1)})
    pool_id, pool_unit = pool_tables(cfg)
    changes = np.ones(n_steps, dtype=np.bool_)
    changes[1:] = (np.any(job[1:] != job[:-1], axis=(1, 2)) | np.any(layoff[1:] != layoff[:-1], axis=(1, 2))
                   | (edu_cycle[1:] != edu_cycle[:-1]) | (temp_layoff[1:] != temp_layoff[:-1]))
    report_year, snapshot = reporting_calendar(burn_steps, report_steps, run.step_days)
    depart_p, die_p, arrival_cum = demography_tables(cfg, run.step_days)
    return schema.KernelParams(
        n_entries=n_entries, dest=dest, kind=kind, hazard=hazard, county_mult=county_mult,
        job_cycle=job, layoff_cycle=layoff, apprenticeship_cycle=appr, education_cycle=edu_cycle,
        temp_layoff_cycle=temp_layoff,
        duration_factor=duration_table(r.job_finding.duration_decay_per_year, r.job_finding.duration_floor),
        programme_days=dur, pass_share=pass_p, end_cum=cum, end_edu=end_edu, end_event=end_event, dropout_event=drop,
        fast_ok=fast_ok, benefit_dep=benefit_dep, cycle_changes=changes,
        band_lo_days=np.array([0] + [years_to_days(a) for a in AGE_BAND_EDGES], dtype=np.int64),
        report_year=report_year, snapshot=snapshot,
        age_group_lo_days=np.array([0] + [years_to_days(a) for a in AGE_GROUP_EDGES], dtype=np.int64),
        duration_edges_days=np.array([m * DAYS_PER_YEAR / 12.0 for m in DURATION_EDGES_MONTHS]),
        followup_days=np.array([m * DAYS_PER_YEAR / 12.0 for m in sorted(cfg.indicators.followup_months)]),
        dt_days=int(run.step_days),
        age16_days=years_to_days(16), age67_days=years_to_days(67),
        ot_end_days=years_to_days(r.ot.max_age + 1),
        start_share=float(r.school.start_share), vocational_share=float(r.school.vocational_share),
        youth_guarantee=bool(sc.youth_guarantee), guarantee_days=float(sc.youth_guarantee_weeks * 7.0),
        guarantee_max_days=years_to_days(sc.youth_guarantee_max_age + 1),
        guarantee_compliance=float(sc.youth_guarantee_compliance),
        return_max_days=years_to_days(return_age + 1),
        adult_right_days=years_to_days(sc.adult_right_min_age),
        tertiary_entry_max_days=years_to_days(r.work.to_tertiary_max_age + 1),
        training_min_days=years_to_days(sc.training_measure_min_age),
        higher_education_min_days=years_to_days(sc.higher_education_measure_min_age),
        higher_education_share=float(r.assessment.higher_education_share),
        public_first=bool(sc.public_first),
        public_first_share=public_first_shares(cfg, county_strengths(cfg, county_names)),
        combined_path_share=combined_path_shares(cfg, county_strengths(cfg, county_names)),
        combined_max_days=years_to_days(r.combined_path.max_age + 1),
        pool_id=pool_id, pool_unit=pool_unit, capacity=initial_capacity(cfg, county_names),
        scale=float(cfg.population.scale),
        cap_days=float(sc.education_measure_cap_years * DAYS_PER_YEAR),
        extension_days=float(sc.education_measure_extension_years * DAYS_PER_YEAR),
        extension_share=float(sc.education_measure_extension_share),
        study_regime=_REGIME[sc.dagpenger_while_studying],
        dagpenger_higher_education_min_days=years_to_days(sc.dagpenger_higher_education_min_age),
        study_uptake=float(sc.study_uptake_if_dagpenger_lost),
        deregister_mult=float(js.deregister_multiplier_without_benefit),
        aap_eligible_share=float(r.health.aap_eligible_share),
        dagpenger_eligible_youth=float(js.dagpenger_eligible_share_youth),
        dagpenger_eligible_adult=float(js.dagpenger_eligible_share_adult),
        dagpenger_long_share=float(js.dagpenger_long_share),
        dagpenger_long_days=int(round(js.dagpenger_weeks_long * 7)),
        dagpenger_short_days=int(round(js.dagpenger_weeks_short * 7)),
        social_assistance_share=float(js.social_assistance_share_after_exhaustion),
        long_term_days=int(round(cfg.indicators.long_term_weeks * 7)),
        layoff_pay_days=int(round((cfg.economy.layoff_pay_weeks or js.layoff_pay_weeks) * 7)),
        depart_p=depart_p, die_p=die_p, arrival_cum=arrival_cum,
    )
