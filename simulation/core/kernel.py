"""The Numba step over all persons: ageing, timers, competing hazards, end-of-programme events.

Knows nothing of Hydra or configs: it reads the arrays of a ``People`` and a ``KernelParams``
(built by ``simulation.core.params``) and writes integer tallies (stocks, flows, events) per step.
Each person's update reads and writes only that person's slots, and every draw is keyed by
(replicate, person, step, decision), so results are identical for any number of threads.
Tallies go to one accumulator row per chunk of persons and are summed after each step.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from simulation.core import (
    numba_cache,  # noqa: F401  (first: points Numba's cache at this version's directory)
    rules,
)
from simulation.core.rng import person_key, uniform
from simulation.core.states import (
    FLAG_ADMITTED,
    FLAG_EXTENDED,
    FLAG_IMMIGRANT,
    FLAG_JOINT,
    FLAG_NAV_PAID,
    FLAG_OFFER_PENDING,
    FLAG_REDUCED_WORK_ABILITY,
    FLAG_VOCATIONAL,
    N_STATES,
    Benefit,
    Education,
    State,
)

# The hot functions are compiled without Numba's reference counting (the private `_nrt=False`
# flag): they allocate nothing, and the atomic incref/decref of every array a branchy
# function touches otherwise costs ~30 ns per person-step, more than the model itself.
HOT = dict(cache=True, _nrt=False)
HOT_INLINE = dict(cache=True, inline="always", _nrt=False)

# decision ids (the last part of a draw's key); each decision has its own stream (CRN)
D_HAZARD = 0  # does an event happen this step, and which
D_PASS = 1  # pass/fail at the end of a programme
D_DEST = 2  # destination after the end of a programme
D_ENTRY = 3  # start VGO at 16
D_TRACK = 4  # vocational or general track
D_BENEFIT = 5  # dagpenger eligibility / what follows exhaustion
D_GUARANTEE = 6  # youth guarantee offer at the deadline
D_EXTEND = 7  # extra year beyond the education-measure cap
D_EDU_PATH = 8  # which education path after assessment
D_QUEUE = 9  # tie-break key in the queue for a place
D_PUBLIC = 10  # NAV asks the county for a place first (public first, mechanism 4)
D_JOINT = 11  # a youth's education path becomes a combined path (mechanism 6)
D_FALLBACK = 12  # where a person waits when a programme ended and the next place is not free

# capacity pools: what an institution has to hand out, in units per county (the allocation pass)
POOL_NAMES = ["measure", "adult_education", "apprenticeship", "assessment", "earmarked_places"]
P_MEASURE = 0  # NAV's measure budget, NOK per month (work-oriented measures, AMO courses, combined paths)
P_ADULT = 1  # the county's adult-education places (adult VGO in county places), persons
P_APPRENTICE = 2  # the labour market's apprenticeship places, persons
P_ASSESS = 3  # NAV caseworker time: persons in assessment / guidance
P_GRANT = 4  # adult VGO places for those without a right, paid by an earmarked state grant (Utdanningsloftet), persons
N_POOLS = len(POOL_NAMES)
# how a person wants to enter a state: ``want`` = state | mode << 4
M_PLAIN = 0  # an ordinary place (in the state's pool, if it has one)
M_MARKET = 1  # NAV buys the education on the market (kjop til kostpris; no pool)
M_PUBLIC = 2  # NAV asks the county for a place first; bought on the market if none is free
M_JOINT = 3  # a combined path: school part + work practice, run jointly (a NAV measure)
M_GUARANTEE = 4  # the youth guarantee's offer at the deadline: assessment, first in the queue
M_GRANT = 5  # a county place paid by an earmarked grant; else as public first (county place or market)
N_BOOK_VARIANTS = 4  # booking variants: who pays and where (see _book_variant)

# entry kinds: which person-level modifiers and eligibility rules apply to a hazard
K_PLAIN = 0
K_JOB = 1  # into work: business cycle, duration dependence
K_LAYOFF = 2  # out of work: business cycle, dagpenger
K_RETURN_SCHOOL = 3  # back to VGO on the youth right
K_ADULT_VGO_COUNTY = 4  # county place on the adult right
K_EDU_PATH = 5  # education path chosen at assessment (resolved to school, adult VGO or tertiary)
K_HEALTH = 6  # onset of reduced work ability (no state change)
K_TERTIARY_ENTRY = 7  # start higher education from work
K_DEREGISTER = 8  # leave the register: faster without dagpenger

KMAX = 8  # hazard entries per state at most
N_CELLS = 96  # 6 rate bands x 4 education levels x immigrant x reduced work ability
MAX_FOLLOWUPS = 8
N_TALLY_CELLS = 64  # 8 reporting age bands x 4 education levels x immigrant background
DAYS_PER_YEAR = 365.25
SATURATE = 32000  # int16 day counters stop here

# per pool: places handed out, days the admitted had waited, persons still waiting at the end of the step
POOL_ADMISSIONS = [f"{p}_admissions" for p in POOL_NAMES]
POOL_WAIT_DAYS = [f"{p}_queue_wait_days" if p == "assessment" else f"{p}_wait_days" for p in POOL_NAMES]
POOL_WAITING = [f"stock_waiting_for_{p}" for p in POOL_NAMES]
# events: counts per step (the last block are stocks of person attributes at the end of the step)
EVENT_NAMES = [
    "school_general_pass", "school_general_fail", "school_vocational_contract",
    "school_vocational_no_contract", "school_dropout",
    "apprentice_pass", "apprentice_fail", "apprentice_dropout", "apprentice_layoff",
    "adult_vgo_county_pass", "adult_vgo_county_fail", "adult_vgo_county_dropout",
    "adult_vgo_nav_pass", "adult_vgo_nav_fail", "adult_vgo_nav_dropout",
    "tertiary_pass", "tertiary_fail", "tertiary_dropout",
    "tertiary_nav_pass", "tertiary_nav_fail", "tertiary_nav_dropout",
    "amo_pass", "amo_fail", "amo_dropout",
    "education_cap_exit", "education_cap_extended",
    "youth_offer_in_time", "youth_no_offer_in_time", "youth_guarantee_offer",
    "first_nav_contact", "nav_spell_ends", "nav_spell_days",
    "layoffs", "dagpenger_starts", "dagpenger_exhausted", "reduced_work_ability_onset",
    "stock_long_term_unemployed", "stock_dagpenger", "stock_social_assistance",
    "stock_nav_paid_adult_vgo", "stock_nav_paid_tertiary", "stock_county_adult_vgo",
] + POOL_ADMISSIONS + POOL_WAIT_DAYS + POOL_WAITING + [
    "nav_vgo_starts_county_place", "nav_vgo_starts_market", "grant_place_starts",
    "combined_path_starts", "combined_path_ends", "combined_path_to_apprenticeship", "combined_path_to_school",
    "ot_referrals", "ot_referral_days", "assessment_starts", "assessment_wait_days",
    "programme_starts_after_assessment", "programme_start_wait_days",
] + [f"followup_due_{k}" for k in range(MAX_FOLLOWUPS)] + [f"followup_in_work_{k}" for k in range(MAX_FOLLOWUPS)]
EV = {name: i for i, name in enumerate(EVENT_NAMES)}
N_PUBLIC_EVENTS = len(EVENT_NAMES)
# Bookings for the fiscal ledger: after the events, one counter per (state, variant, benefit) of every
# person at the end of every step; the ledger prices them (simulation.runs.ledger).
N_BENEFITS = 3
E_BOOK = N_PUBLIC_EVENTS
N_BOOKINGS = N_STATES * N_BOOK_VARIANTS * N_BENEFITS
N_EVENTS = N_PUBLIC_EVENTS + N_BOOKINGS
E_CAP_EXIT = EV["education_cap_exit"]
E_CAP_EXTENDED = EV["education_cap_extended"]
E_OFFER = EV["youth_offer_in_time"]
E_NO_OFFER = EV["youth_no_offer_in_time"]
E_GUARANTEE = EV["youth_guarantee_offer"]
E_FIRST_NAV = EV["first_nav_contact"]
E_SPELL_ENDS = EV["nav_spell_ends"]
E_SPELL_DAYS = EV["nav_spell_days"]
E_LAYOFF = EV["layoffs"]
E_DP_START = EV["dagpenger_starts"]
E_DP_EXHAUST = EV["dagpenger_exhausted"]
E_RWA = EV["reduced_work_ability_onset"]
E_LTU = EV["stock_long_term_unemployed"]
E_STOCK_DP = EV["stock_dagpenger"]
E_STOCK_SA = EV["stock_social_assistance"]
E_STOCK_NAV_VGO = EV["stock_nav_paid_adult_vgo"]
E_STOCK_NAV_TERT = EV["stock_nav_paid_tertiary"]
E_STOCK_COUNTY_VGO = EV["stock_county_adult_vgo"]
E_FU_DUE = EV["followup_due_0"]
E_FU_WORK = EV["followup_in_work_0"]
E_APPRENTICE_LAYOFF = EV["apprentice_layoff"]
E_ADMIT = EV["measure_admissions"]  # + pool
E_WAIT_DAYS = EV["measure_wait_days"]  # + pool
E_WAITING = EV["stock_waiting_for_measure"]  # + pool
E_NAV_VGO_COUNTY = EV["nav_vgo_starts_county_place"]
E_NAV_VGO_MARKET = EV["nav_vgo_starts_market"]
E_GRANT_STARTS = EV["grant_place_starts"]
E_CP_STARTS = EV["combined_path_starts"]
E_CP_ENDS = EV["combined_path_ends"]
E_CP_APPRENTICE = EV["combined_path_to_apprenticeship"]
E_CP_SCHOOL = EV["combined_path_to_school"]
E_OT_REFERRALS = EV["ot_referrals"]
E_OT_REFERRAL_DAYS = EV["ot_referral_days"]
E_ASSESSMENT_STARTS = EV["assessment_starts"]
E_ASSESSMENT_WAIT = EV["assessment_wait_days"]
E_PROGRAMME_STARTS = EV["programme_starts_after_assessment"]
E_PROGRAMME_WAIT = EV["programme_start_wait_days"]
APPLY = -1  # _step_person's answer for "queues for a place this step" (the allocation decides)

# state and code constants as plain ints for the compiled code
PRE_ENTRY = int(State.PRE_ENTRY)
SCHOOL = int(State.SCHOOL)
APPRENTICE = int(State.APPRENTICE)
OT = int(State.OT_FOLLOWED)
JOBSEEKER = int(State.JOBSEEKER)
ASSESSMENT = int(State.ASSESSMENT)
WORK_MEASURE = int(State.WORK_MEASURE)
AMO = int(State.AMO_COURSE)
ADULT_VGO = int(State.ADULT_VGO)
WORK = int(State.WORK)
AAP = int(State.AAP)
DISABILITY = int(State.DISABILITY)
INACTIVE = int(State.INACTIVE)
TERTIARY = int(State.TERTIARY)
AGED_OUT = int(State.AGED_OUT)
EDU_SOME_VGO = int(Education.SOME_VGO)
EDU_VGO = int(Education.VGO)
EDU_TERTIARY = int(Education.TERTIARY)
B_NONE = int(Benefit.NONE)
B_DAGPENGER = int(Benefit.DAGPENGER)
B_SA = int(Benefit.SOCIAL_ASSISTANCE)


class People(NamedTuple):
    """The population as struct-of-arrays (22 bytes a person).

    Clocks are stored as the step something began, not as counters, so a person who stays
    put is only read, never written: that halves the memory traffic of a step.
    """

    state: np.ndarray  # uint8, State
    county: np.ndarray  # uint8, index into the counties config
    education: np.ndarray  # uint8, Education
    flags: np.ndarray  # uint8, FLAG_* bits
    benefit: np.ndarray  # uint8, Benefit
    age0_days: np.ndarray  # int16, age in days before global step 0 (negative: born later); age = age0 + (t+1) dt
    entered_step: np.ndarray  # int16, global step at whose end the person entered the current state
    spell_start_step: np.ndarray  # int16, global step at whose end the current NAV spell began
    dagpenger_end_step: np.ndarray  # int16, global step at which dagpenger runs out
    education_measure_days: np.ndarray  # int16, education taken as a NAV measure in finished spells (3+1-year cap)
    first_nav_step: np.ndarray  # int16, step of first NAV contact in the reporting window; -1 none, -2 done
    registered_step: np.ndarray  # int16, step of registration (youth guarantee clock)
    want: np.ndarray  # uint8, the capacity-limited state a person queues for | mode << 4 (0: not queueing)
    wait_since_step: np.ndarray  # int16, step the person joined the queue


class KernelParams(NamedTuple):
    """Every number the kernel reads, as arrays and scalars (built by simulation.core.params)."""

    n_entries: np.ndarray  # int64[S]
    dest: np.ndarray  # int64[S, KMAX]
    kind: np.ndarray  # int64[S, KMAX]
    hazard: np.ndarray  # float64[S, 2, KMAX, N_CELLS], per year, with the static multipliers
    county_mult: np.ndarray  # float64[C, S, KMAX], cooperation effects
    job_cycle: np.ndarray  # float64[steps, 6, 4], business-cycle multiplier on job finding
    layoff_cycle: np.ndarray  # float64[steps, 6, 4], business-cycle multiplier on layoffs
    apprenticeship_cycle: np.ndarray  # float64[steps], multiplier on apprenticeship contracts
    education_cycle: np.ndarray  # float64[steps], multiplier on returns to school and adult VGO on a right
    duration_factor: np.ndarray  # float64[weeks], job-finding multiplier by unemployment duration
    dur_days: np.ndarray  # float64[S, 2], nominal programme length (0 = none)
    pass_p: np.ndarray  # float64[S, 2]
    end_cum: np.ndarray  # float64[S, 2, 2, S], cumulative destination shares after fail (0) / pass (1)
    end_edu: np.ndarray  # int64[S, 2, 2], education reached after fail / pass (-1 = unchanged)
    end_event: np.ndarray  # int64[S, 2, 2], event id after fail / pass (-1 = none)
    dropout_event: np.ndarray  # int64[S, 2], event id for a hazard exit (-1 = none)
    followup_days: np.ndarray  # float64[k]
    fast_ok: np.ndarray  # bool[S, 8]: in this state and age band, the exit probability depends on the cell only
    benefit_dep: np.ndarray  # bool[S]: some hazard of the state depends on the benefit
    cycle_changes: np.ndarray  # bool[steps]: the cycle multipliers differ from the step before
    band_lo_days: np.ndarray  # int64[8]: first day of each age band
    dt_days: int
    age16_days: int
    age67_days: int
    ot_end_days: int  # OT follows up to this age (exclusive), in days
    start_share: float
    vocational_share: float
    youth_guarantee: bool
    guarantee_days: float
    guarantee_max_days: int
    guarantee_compliance: float
    return_max_days: int
    adult_right_days: int
    tertiary_entry_max_days: int
    training_min_days: int
    he_min_days: int
    he_share: float
    public_first: bool  # NAV first considers the county's own offer before buying VGO on the market
    joint_share: np.ndarray  # float64[C, 2]: share of NAV-bought VGO first asked of the county (mechanism 4); share
    #                          of youths' work practice that becomes a combined path (mechanism 6). Set by the institutions.
    combined_max_days: int  # combined paths are for youth with a youth right under this age
    pool_id: np.ndarray  # int64[S, N_BOOK_VARIANTS]: the capacity pool a person in (state, booking variant) uses (-1: none)
    pool_unit: np.ndarray  # int64[S, N_BOOK_VARIANTS]: units one person uses before scaling (NOK/month, or 1 place)
    capacity: np.ndarray  # float64[N_POOLS, C]: what each county has now, scaled (NOK/month, real persons; inf: no limit)
    scale: float  # real persons per simulated person (budgets are in real NOK)
    cap_days: float
    extension_days: float
    extension_share: float
    study_regime: int  # 0 before_2020, 1 temporary_2020, 2 permanent_2021
    dp_he_min_days: int
    study_uptake: float
    deregister_mult: float
    dp_elig_youth: float
    dp_elig_adult: float
    dp_long_share: float
    dp_long_days: int
    dp_short_days: int
    sa_share: float
    long_term_days: int


@njit(**HOT_INLINE)
def _is_nav(s):
    return s == JOBSEEKER or s == ASSESSMENT or s == WORK_MEASURE or s == AMO


@njit(**HOT_INLINE)
def _is_offer(s):
    return s == ASSESSMENT or s == WORK_MEASURE or s == AMO or s == ADULT_VGO or s == TERTIARY or s == SCHOOL


@njit(**HOT_INLINE)
def _book_variant(s, flags):
    """Booking variant: school track; for adult VGO a county place on a right (0), bought by NAV on the market
    (1), bought by NAV in a county place (2), or a county place paid by an earmarked grant (3); NAV-paid
    higher education (1); a combined path among work measures (1)."""
    if s == SCHOOL:
        return 1 if flags & FLAG_VOCATIONAL else 0
    if s == ADULT_VGO:
        if flags & FLAG_NAV_PAID:
            return 2 if flags & FLAG_JOINT else 1
        return 3 if flags & FLAG_JOINT else 0
    if s == TERTIARY:
        return 1 if flags & FLAG_NAV_PAID else 0
    if s == WORK_MEASURE:
        return 1 if flags & FLAG_JOINT else 0
    return 0


@njit(**HOT_INLINE)
def _variant(s, flags):
    """Variant for the rules (hazards, durations, ends): NAV-bought VGO behaves alike wherever it is delivered;
    a grant-paid county place like any county place."""
    if s == SCHOOL:
        return 1 if flags & FLAG_VOCATIONAL else 0
    if s == ADULT_VGO or s == TERTIARY:
        return 1 if flags & FLAG_NAV_PAID else 0
    if s == WORK_MEASURE:
        return 1 if flags & FLAG_JOINT else 0
    return 0


@njit(**HOT_INLINE)
def _entry_book_variant(ns, mode):
    """The booking variant a person will have on entering ns by this mode."""
    if ns == ADULT_VGO:
        if mode == M_MARKET:
            return 1
        if mode == M_GRANT:
            return 3
        return 2 if mode == M_PUBLIC else 0
    if ns == TERTIARY:
        return 1 if mode == M_MARKET else 0
    if ns == WORK_MEASURE:
        return 1 if mode == M_JOINT else 0
    return 0


@njit(**HOT_INLINE)
def _limited(P, ns, mode, c):
    """Does entering ns by this mode need a place from a limited pool of county c?"""
    pool = P.pool_id[ns, _entry_book_variant(ns, mode)]
    return pool >= 0 and P.capacity[pool, c] < np.inf


@njit(**HOT_INLINE)
def _queue(i, pp, ns, mode, t):
    """Join (or stay in) the queue for a place in ns; the allocation after this pass decides."""
    if pp.want[i] == 0:
        pp.wait_since_step[i] = t
    pp.want[i] = ns | (mode << 4)


@njit(**HOT_INLINE)
def _entry_rate(P, s, v, k, cell, c, t, band, edu, flags, benefit, age, udays):
    """Annual hazard of entry k for this person now (0 when a rule makes it impossible)."""
    r = P.hazard[s, v, k, cell] * P.county_mult[c, s, k]
    if r == 0.0:
        return 0.0
    kd = P.kind[s, k]
    if kd == K_PLAIN:
        return r
    if kd == K_JOB:
        r *= P.job_cycle[t, band - 1, edu]
        if s == JOBSEEKER or s == OT:
            r *= rules.duration_factor(P.duration_factor, udays)
        return r
    if kd == K_LAYOFF:
        return r * P.layoff_cycle[t, band - 1, edu]
    if kd == K_DEREGISTER:
        return r if benefit == B_DAGPENGER else r * P.deregister_mult
    if kd == K_HEALTH:
        return 0.0 if flags & FLAG_REDUCED_WORK_ABILITY else r
    if kd == K_RETURN_SCHOOL:
        if not rules.has_youth_right(edu, age, P.return_max_days):
            return 0.0
        r *= P.education_cycle[t]  # more apply for education in downturns
        return r * rules.study_uptake(P.study_regime, benefit, SCHOOL, age, P.dp_he_min_days, P.study_uptake)
    if kd == K_ADULT_VGO_COUNTY:
        if not rules.has_adult_right(edu, age, P.adult_right_days):
            return 0.0
        r *= P.education_cycle[t]
        return r * rules.study_uptake(P.study_regime, benefit, ADULT_VGO, age, P.dp_he_min_days, P.study_uptake)
    if kd == K_TERTIARY_ENTRY:
        return r if (edu == EDU_VGO and age < P.tertiary_entry_max_days) else 0.0
    return r  # K_EDU_PATH: always open; resolved (or redirected) when chosen


@njit(**HOT_INLINE)
def _resolve_edu_path(P, pk, t, c, edu, flags, age, edum):
    """Where an education path chosen at assessment leads; returns (state, mode)."""
    if age < P.training_min_days:
        if rules.has_youth_right(edu, age, P.return_max_days):
            return SCHOOL, M_PLAIN
        return WORK_MEASURE, M_PLAIN
    cap = P.cap_days + (P.extension_days if flags & FLAG_EXTENDED else 0.0)
    if edu >= EDU_TERTIARY or edum >= cap:
        return WORK_MEASURE, M_PLAIN
    if edu >= EDU_VGO and age >= P.he_min_days and (flags & FLAG_REDUCED_WORK_ABILITY):
        if uniform(pk, t, D_EDU_PATH) < P.he_share:
            return TERTIARY, M_MARKET
    # public first: with the adult right the county's own offer comes first (switchable)
    right = rules.has_adult_right(edu, age, P.adult_right_days)
    if P.public_first and right:
        return ADULT_VGO, M_PLAIN
    # without a right: a place paid by an earmarked grant, if the state gives one; else NAV buys the course,
    # first asking the county for a place (mechanism 4)
    if P.capacity[P_GRANT, c] > 0.0 and not right:
        return ADULT_VGO, M_GRANT
    if uniform(pk, t, D_PUBLIC) < P.joint_share[c, 0]:
        return ADULT_VGO, M_PUBLIC
    return ADULT_VGO, M_MARKET


@njit(**HOT_INLINE)
def _pick_end(P, s, v, outcome, u):
    row = P.end_cum[s, v, outcome]
    for d in range(N_STATES):
        if u < row[d]:
            return d
    return JOBSEEKER  # unreachable when the shares sum to one; a safe default


@njit(**HOT_INLINE)
def _step_person(i, pp, P, table, rep_key, t, rep, acc_ev, ev_on):
    """Advance person i by one step; returns the new state. ``rep`` is the reporting step (>= 1 when reporting)."""
    s = np.int64(pp.state[i])
    if s == AGED_OUT:
        return s
    dt = P.dt_days
    age = np.int64(pp.age0_days[i]) + (t + 1) * dt
    pk = person_key(rep_key, i)
    flags = np.int64(pp.flags[i])
    if s == PRE_ENTRY:
        if age < P.age16_days:
            return s
        if uniform(pk, t, D_ENTRY) < P.start_share:
            ns = SCHOOL
            if uniform(pk, t, D_TRACK) < P.vocational_share:
                flags |= FLAG_VOCATIONAL
            else:
                flags &= ~FLAG_VOCATIONAL
        else:
            ns = OT
        pp.flags[i] = flags
        pp.entered_step[i] = t
        return ns
    if age >= P.age67_days:
        _leave(i, pp, P, s, AGED_OUT, t, rep, acc_ev, ev_on)
        return AGED_OUT

    edu = np.int64(pp.education[i])
    benefit = np.int64(pp.benefit[i])
    c = np.int64(pp.county[i])
    v = _variant(s, flags)
    tis = (t - np.int64(pp.entered_step[i])) * dt
    tis_before = tis - dt
    nav = _is_nav(s)
    edum = np.int64(pp.education_measure_days[i])
    if (s == ADULT_VGO or s == TERTIARY) and (flags & FLAG_NAV_PAID):
        edum += tis
    if benefit == B_DAGPENGER and t >= pp.dagpenger_end_step[i]:
        benefit = B_SA if uniform(pk, t, D_BENEFIT) < P.sa_share else B_NONE
        pp.benefit[i] = benefit
        if ev_on:
            acc_ev[E_DP_EXHAUST] += 1

    # rules that act on a date: OT ends at 22, the education-measure cap
    if s == OT and age >= P.ot_end_days:
        ns = _pick_end(P, OT, 0, 1, uniform(pk, t, D_DEST))
        if ns == OT or _limited(P, ns, M_PLAIN, c):
            ns = JOBSEEKER  # OT's follow-up ends now: no queueing from it
        _leave(i, pp, P, s, ns, t, rep, acc_ev, ev_on)
        return ns
    ends_now = P.dur_days[s, v] > 0.0 and tis >= P.dur_days[s, v]  # a programme that ends now is completed
    if (s == ADULT_VGO or s == TERTIARY) and (flags & FLAG_NAV_PAID) and edum >= P.cap_days and not ends_now:
        if not (flags & FLAG_EXTENDED):
            if uniform(pk, t, D_EXTEND) < P.extension_share:
                flags |= FLAG_EXTENDED
                pp.flags[i] = flags
                if ev_on:
                    acc_ev[E_CAP_EXTENDED] += 1
            else:
                if ev_on:
                    acc_ev[E_CAP_EXIT] += 1
                _leave(i, pp, P, s, JOBSEEKER, t, rep, acc_ev, ev_on)
                return JOBSEEKER
        elif edum >= P.cap_days + P.extension_days:
            if ev_on:
                acc_ev[E_CAP_EXIT] += 1
            _leave(i, pp, P, s, JOBSEEKER, t, rep, acc_ev, ev_on)
            return JOBSEEKER

    # competing hazards over the part of the step before a programme's nominal end
    band = rules.rate_band(age)
    imm = 1 if flags & FLAG_IMMIGRANT else 0
    rwa = 1 if flags & FLAG_REDUCED_WORK_ABILITY else 0
    cell = ((band - 1) * 4 + edu) * 4 + imm * 2 + rwa
    udays = (t - np.int64(pp.spell_start_step[i])) * dt if nav else tis_before
    dur = P.dur_days[s, v]
    exposure = float(dt)
    near_end = dur > 0.0 and dur - tis_before < exposure
    if near_end:
        exposure = max(dur - tis_before, 0.0)
    n_k = P.n_entries[s]
    # fast path: the step's exit probability of the person's cell, computed once per cycle change
    # by the same arithmetic (so both paths give the same bits); the slow path for the rest
    fast = P.fast_ok[s, band] and not near_end and not (benefit != B_NONE and P.benefit_dep[s])
    total = 0.0
    if fast:
        p_event = table[s, v, cell, c]
    else:
        for k in range(n_k):
            total += _entry_rate(P, s, v, k, cell, c, t, band, edu, flags, benefit, age, udays)
        p_event = -np.expm1(-total * exposure / DAYS_PER_YEAR)
    u = uniform(pk, t, D_HAZARD)
    if u < p_event:
        if fast:
            for k in range(n_k):
                total += _entry_rate(P, s, v, k, cell, c, t, band, edu, flags, benefit, age, udays)
        target = u / p_event * total
        cum = 0.0
        chosen = n_k - 1
        for k in range(n_k):
            cum += _entry_rate(P, s, v, k, cell, c, t, band, edu, flags, benefit, age, udays)
            if target < cum:
                chosen = k
                break
        kd = P.kind[s, chosen]
        ns = P.dest[s, chosen]
        if kd == K_HEALTH:
            pp.flags[i] = flags | FLAG_REDUCED_WORK_ABILITY
            if ev_on:
                acc_ev[E_RWA] += 1
            return s
        mode = M_PLAIN
        if kd == K_EDU_PATH:
            ns, mode = _resolve_edu_path(P, pk, t, c, edu, flags, age, edum)
        elif ns == WORK_MEASURE and s == ASSESSMENT and age < P.combined_max_days:
            # mechanism 6: with cooperation, work practice for a youth with a right gets a school part (PYK)
            if rules.has_youth_right(edu, age, P.return_max_days) and uniform(pk, t, D_JOINT) < P.joint_share[c, 1]:
                mode = M_JOINT
        if ns == OT and age >= P.ot_end_days:
            ns = JOBSEEKER
        ev = P.dropout_event[s, v]
        if kd == K_LAYOFF:
            ev = E_APPRENTICE_LAYOFF if s == APPRENTICE else -1
            if ev_on:
                acc_ev[E_LAYOFF] += 1
            _layoff_benefit(i, pp, P, pk, t, age, acc_ev, ev_on)
        if ev >= 0 and ev_on:
            acc_ev[ev] += 1
        if s == SCHOOL:
            pp.education[i] = max(edu, EDU_SOME_VGO)
        if _limited(P, ns, mode, c):
            _queue(i, pp, ns, mode, t)
            return APPLY
        _enter_programme(i, pp, P, ns, mode, age)
        _leave(i, pp, P, s, ns, t, rep, acc_ev, ev_on)
        return ns

    # the programme's nominal end: pass or fail, then a destination
    if dur > 0.0 and tis >= dur:
        p_pass = P.pass_p[s, v]
        if s == SCHOOL and v == 1 and not P.capacity[P_APPRENTICE, c] < np.inf:
            p_pass *= P.apprenticeship_cycle[t]  # no labour-market places: the cycle acts on the contract share
        outcome = 1 if uniform(pk, t, D_PASS) < p_pass else 0
        ns = _pick_end(P, s, v, outcome, uniform(pk, t, D_DEST))
        if ns == OT and age >= P.ot_end_days:
            ns = JOBSEEKER
        new_edu = P.end_edu[s, v, outcome]
        if new_edu > edu:
            pp.education[i] = new_edu
        ev = P.end_event[s, v, outcome]
        if ev >= 0 and ev_on:
            acc_ev[ev] += 1
        if s == WORK_MEASURE and v == 1 and ev_on:
            acc_ev[E_CP_ENDS] += 1
            if ns == APPRENTICE:
                acc_ev[E_CP_APPRENTICE] += 1
            elif ns == SCHOOL:
                acc_ev[E_CP_SCHOOL] += 1
        if ns != s:
            if _limited(P, ns, M_PLAIN, c):
                _queue(i, pp, ns, M_PLAIN, t)  # e.g. a contract, if the labour market has a place
                return APPLY
            _enter_programme(i, pp, P, ns, M_PLAIN, age)
            _leave(i, pp, P, s, ns, t, rep, acc_ev, ev_on)
        return ns

    # the youth guarantee's deadline
    if s == JOBSEEKER and (flags & FLAG_OFFER_PENDING):
        waited = (t - np.int64(pp.registered_step[i])) * dt
        if waited >= P.guarantee_days:
            pp.flags[i] = flags & ~FLAG_OFFER_PENDING
            if P.youth_guarantee and uniform(pk, t, D_GUARANTEE) < P.guarantee_compliance:
                if _limited(P, ASSESSMENT, M_GUARANTEE, c):
                    # NAV's caseworkers must have room: the offer is made if the allocation finds a place now
                    _queue(i, pp, ASSESSMENT, M_GUARANTEE, t)
                    return APPLY
                if ev_on:
                    acc_ev[E_GUARANTEE] += 1
                    acc_ev[E_OFFER] += 1
                pp.flags[i] = flags & ~FLAG_OFFER_PENDING
                _leave(i, pp, P, s, ASSESSMENT, t, rep, acc_ev, ev_on)
                return ASSESSMENT
            if ev_on:
                acc_ev[E_NO_OFFER] += 1
    if pp.want[i] != 0:
        return APPLY  # still queueing: nothing else happened to the person this step
    return s


@njit(**HOT_INLINE)
def _layoff_benefit(i, pp, P, pk, t, age, acc_ev, ev_on):
    """On a layoff: dagpenger if the person qualifies (income test), long or short."""
    elig = P.dp_elig_youth if age < P.adult_right_days else P.dp_elig_adult
    u = uniform(pk, t, D_BENEFIT)
    if u < elig:
        pp.benefit[i] = B_DAGPENGER
        days = P.dp_long_days if u < elig * P.dp_long_share else P.dp_short_days
        pp.dagpenger_end_step[i] = t + (days + P.dt_days - 1) // P.dt_days
        if ev_on:
            acc_ev[E_DP_START] += 1


@njit(**HOT_INLINE)
def _enter_programme(i, pp, P, ns, mode, age):
    """Flags and benefits that entering a programme by this mode (M_*) sets."""
    flags = np.int64(pp.flags[i])
    nav_paid = mode == M_MARKET or mode == M_PUBLIC
    if ns == ADULT_VGO or ns == TERTIARY:
        flags = (flags | FLAG_NAV_PAID) if nav_paid else (flags & ~FLAG_NAV_PAID)
    if ns == ADULT_VGO or ns == TERTIARY or ns == WORK_MEASURE:
        joint = mode == M_PUBLIC or mode == M_JOINT or mode == M_GRANT
        flags = (flags | FLAG_JOINT) if joint else (flags & ~FLAG_JOINT)
    if ns == ADULT_VGO or ns == TERTIARY or ns == SCHOOL:
        if not nav_paid and pp.benefit[i] == B_DAGPENGER:
            if rules.study_uptake(P.study_regime, B_DAGPENGER, ns, age, P.dp_he_min_days, P.study_uptake) < 1.0:
                pp.benefit[i] = B_NONE
    if ns == AAP:
        flags |= FLAG_REDUCED_WORK_ABILITY
    pp.flags[i] = flags


@njit(**HOT)
def _leave(i, pp, P, s, ns, t, rep, acc_ev, ev_on):
    """Book-keeping of a move s -> ns: spells, benefits, the youth-guarantee clock, the queue."""
    pp.want[i] = 0
    flags = np.int64(pp.flags[i])
    if ev_on:
        # referral delays (mechanism 1): OT -> NAV after time followed by OT; NAV job seeker -> assessment
        if s == OT and ns == JOBSEEKER:
            acc_ev[E_OT_REFERRALS] += 1
            acc_ev[E_OT_REFERRAL_DAYS] += (t - np.int64(pp.entered_step[i])) * P.dt_days
        elif s == JOBSEEKER and ns == ASSESSMENT:
            acc_ev[E_ASSESSMENT_STARTS] += 1
            acc_ev[E_ASSESSMENT_WAIT] += (t - np.int64(pp.entered_step[i])) * P.dt_days
        elif s == ASSESSMENT and _is_offer(ns):
            # mechanism 2: from the start of assessment to the start of a measure or education (queue included)
            acc_ev[E_PROGRAMME_STARTS] += 1
            acc_ev[E_PROGRAMME_WAIT] += (t - np.int64(pp.entered_step[i])) * P.dt_days
        if ns == ADULT_VGO and (flags & FLAG_NAV_PAID):
            acc_ev[E_NAV_VGO_COUNTY if flags & FLAG_JOINT else E_NAV_VGO_MARKET] += 1
        elif ns == ADULT_VGO and (flags & FLAG_JOINT):
            acc_ev[E_GRANT_STARTS] += 1
        elif ns == WORK_MEASURE and (flags & FLAG_JOINT):
            acc_ev[E_CP_STARTS] += 1
    if (s == ADULT_VGO or s == TERTIARY) and (flags & FLAG_NAV_PAID):
        used = np.int64(pp.education_measure_days[i]) + (t - np.int64(pp.entered_step[i])) * P.dt_days
        pp.education_measure_days[i] = used if used < SATURATE else SATURATE
    pp.entered_step[i] = t
    if flags & FLAG_OFFER_PENDING:
        if s == JOBSEEKER and _is_offer(ns):
            if ev_on and (t - np.int64(pp.registered_step[i])) * P.dt_days <= P.guarantee_days:
                acc_ev[E_OFFER] += 1
        flags &= ~FLAG_OFFER_PENDING
    was_nav = _is_nav(s)
    now_nav = _is_nav(ns)
    if was_nav and not now_nav:
        if ev_on:
            acc_ev[E_SPELL_ENDS] += 1
            acc_ev[E_SPELL_DAYS] += (t - np.int64(pp.spell_start_step[i])) * P.dt_days
    if now_nav and not was_nav:
        pp.spell_start_step[i] = t
        if ev_on and pp.first_nav_step[i] == -1:
            pp.first_nav_step[i] = rep
            acc_ev[E_FIRST_NAV] += 1
        if ns == JOBSEEKER and np.int64(pp.age0_days[i]) + (t + 1) * P.dt_days < P.guarantee_max_days:
            flags |= FLAG_OFFER_PENDING
            pp.registered_step[i] = t
    if ns == WORK or ns == AAP or ns == DISABILITY or ns == AGED_OUT:
        pp.benefit[i] = B_NONE
    elif pp.benefit[i] == B_DAGPENGER and not (now_nav or ns == SCHOOL or ns == ADULT_VGO or ns == TERTIARY):
        pp.benefit[i] = B_NONE  # dagpenger ends off the register (inactive, apprentice, OT)
    if ns == AGED_OUT:
        pp.first_nav_step[i] = -2
    pp.flags[i] = flags


@njit(**HOT_INLINE)
def _tally(i, pp, P, t, s_old, s_new, rep, acc_st, acc_fl, acc_ev, acc_pool):
    """Stocks (two counters: county, and age band x education x immigrant), the flow, the booking, the
    capacity the person uses, and attribute stocks."""
    n_c = acc_st.shape[1] - N_TALLY_CELLS
    c = pp.county[i]
    acc_st[s_new, c] += 1
    age = np.int64(pp.age0_days[i]) + (t + 1) * P.dt_days
    cell = (rules.age_band(age) * 4 + pp.education[i]) * 2 + (1 if pp.flags[i] & FLAG_IMMIGRANT else 0)
    acc_st[s_new, n_c + cell] += 1
    acc_fl[s_old, s_new] += 1
    bv = _book_variant(s_new, np.int64(pp.flags[i]))
    acc_ev[E_BOOK + (s_new * N_BOOK_VARIANTS + bv) * N_BENEFITS + pp.benefit[i]] += 1
    pool = P.pool_id[s_new, bv]
    if pool >= 0:
        acc_pool[pool, c] += P.pool_unit[s_new, bv]
    if s_new == JOBSEEKER or s_new == ASSESSMENT:
        if (t - np.int64(pp.spell_start_step[i])) * P.dt_days >= P.long_term_days:
            acc_ev[E_LTU] += 1
    b = pp.benefit[i]
    if b == B_DAGPENGER:
        acc_ev[E_STOCK_DP] += 1
    elif b == B_SA:
        acc_ev[E_STOCK_SA] += 1
    if s_new == ADULT_VGO:
        if pp.flags[i] & FLAG_NAV_PAID:
            acc_ev[E_STOCK_NAV_VGO] += 1
        else:
            acc_ev[E_STOCK_COUNTY_VGO] += 1
    elif s_new == TERTIARY and (pp.flags[i] & FLAG_NAV_PAID):
        acc_ev[E_STOCK_NAV_TERT] += 1
    first = np.int64(pp.first_nav_step[i])
    if first >= 0:
        n_fu = P.followup_days.shape[0]
        elapsed = (rep - first) * P.dt_days
        for k in range(n_fu):
            thr = P.followup_days[k]
            if elapsed - P.dt_days < thr <= elapsed:
                acc_ev[E_FU_DUE + k] += 1
                if s_new == WORK:
                    acc_ev[E_FU_WORK + k] += 1
        if elapsed >= P.followup_days[n_fu - 1]:
            pp.first_nav_step[i] = -2


@njit(**HOT)
def _step_chunk(pp, P, table, rep_key, t, rep, lo, hi, acc_st, acc_fl, acc_ev, acc_pool, app_idx):
    """One step for persons lo..hi-1, tallied into this chunk's accumulators. Applicants for a
    capacity-limited place are listed in app_idx[lo:lo+k]; returns k."""
    acc_st[:, :] = 0
    acc_fl[:, :] = 0
    acc_ev[:] = 0
    acc_pool[:, :] = 0.0
    ev_on = rep >= 1
    k = 0
    for i in range(lo, hi):
        s_old = np.int64(pp.state[i])
        s_new = _step_person(i, pp, P, table, rep_key, t, rep, acc_ev, ev_on)
        if s_new == APPLY:
            app_idx[lo + k] = i  # stays put for now; tallied once the places are handed out (_apply_chunk)
            k += 1
            _pool_use(i, pp, P, acc_pool, 1)  # the place the applicant holds now counts in the allocation
            continue
        pp.state[i] = s_new
        _tally(i, pp, P, t, s_old, s_new, rep, acc_st, acc_fl, acc_ev, acc_pool)
    return k


@njit(**HOT_INLINE)
def _pool_use(i, pp, P, acc_pool, sign):
    """Add (sign 1) or remove (-1) the units of the pool person i uses in their current state."""
    s = np.int64(pp.state[i])
    bv = _book_variant(s, np.int64(pp.flags[i]))
    pool = P.pool_id[s, bv]
    if pool >= 0:
        acc_pool[pool, pp.county[i]] += sign * P.pool_unit[s, bv]


@njit(**HOT_INLINE)
def _want(pp, i):
    """(state, mode) person i queues for."""
    w = np.int64(pp.want[i])
    return w & 15, w >> 4


@njit(**HOT)
def _apply_chunk(pp, P, rep_key, t, rep, applicants, acc_st, acc_fl, acc_ev, acc_pool):
    """This chunk's applicants: those given a place move in; NAV buys on the market for those the county
    had no place for (public first); those whose programme has ended wait elsewhere; the rest keep waiting."""
    ev_on = rep >= 1
    for j in range(applicants.shape[0]):
        i = applicants[j]
        ns, mode = _want(pp, i)
        s = np.int64(pp.state[i])
        flags = np.int64(pp.flags[i])
        age = np.int64(pp.age0_days[i]) + (t + 1) * P.dt_days
        pool = P.pool_id[ns, _entry_book_variant(ns, mode)]
        _pool_use(i, pp, P, acc_pool, -1)  # counted for the allocation (_step_chunk); _tally counts it again
        if flags & FLAG_ADMITTED:
            pp.flags[i] = flags & ~FLAG_ADMITTED
            if ev_on:
                acc_ev[E_ADMIT + pool] += 1
                acc_ev[E_WAIT_DAYS + pool] += (t - np.int64(pp.wait_since_step[i])) * P.dt_days
                if mode == M_GUARANTEE:
                    acc_ev[E_GUARANTEE] += 1
                    acc_ev[E_OFFER] += 1
            _enter_programme(i, pp, P, ns, mode, age)
            _leave(i, pp, P, s, ns, t, rep, acc_ev, ev_on)
            pp.state[i] = ns
            _tally(i, pp, P, t, s, ns, rep, acc_st, acc_fl, acc_ev, acc_pool)
            continue
        if mode == M_PUBLIC or mode == M_GRANT:
            # no county place free: NAV buys the course on the market at once
            _enter_programme(i, pp, P, ns, M_MARKET, age)
            _leave(i, pp, P, s, ns, t, rep, acc_ev, ev_on)
            pp.state[i] = ns
            _tally(i, pp, P, t, s, ns, rep, acc_st, acc_fl, acc_ev, acc_pool)
            continue
        if mode == M_GUARANTEE:
            # no caseworker free at the deadline: the offer is late; the youth keeps queueing for assessment
            if ev_on:
                acc_ev[E_NO_OFFER] += 1
            pp.want[i] = ns
            mode = M_PLAIN
        v = _variant(s, flags)
        if P.dur_days[s, v] > 0.0 and (t - np.int64(pp.entered_step[i])) * P.dt_days >= P.dur_days[s, v]:
            # the programme has ended: wait where those without the next place go (e.g. no contract -> OT)
            fb = _pick_end(P, s, v, 0, uniform(person_key(rep_key, i), t, D_FALLBACK))
            if (fb == OT and age >= P.ot_end_days) or fb == ns or fb == s or _limited(P, fb, M_PLAIN, pp.county[i]):
                fb = JOBSEEKER
            since = pp.wait_since_step[i]
            _enter_programme(i, pp, P, fb, M_PLAIN, age)
            _leave(i, pp, P, s, fb, t, rep, acc_ev, ev_on)
            pp.want[i] = ns | (mode << 4)
            pp.wait_since_step[i] = since
            pp.state[i] = fb
            if ev_on:
                acc_ev[E_WAITING + pool] += 1
            _tally(i, pp, P, t, s, fb, rep, acc_st, acc_fl, acc_ev, acc_pool)
            continue
        if ev_on:
            acc_ev[E_WAITING + pool] += 1
        _tally(i, pp, P, t, s, s, rep, acc_st, acc_fl, acc_ev, acc_pool)


@njit(**HOT_INLINE)
def _has_right(pp, P, i, ns, age):
    """A legal right to the place: the youth or adult right to upper secondary education."""
    if ns != ADULT_VGO and ns != APPRENTICE and ns != SCHOOL:
        return False
    edu = np.int64(pp.education[i])
    return rules.has_youth_right(edu, age, P.return_max_days) or rules.has_adult_right(edu, age, P.adult_right_days)


@njit(cache=True)
def _allocate(pp, P, rep_key, t, acc_pool, app_idx, app_count, chunk):
    """Hand out places county by county and pool by pool within what each institution has: those with a
    right to the place first, then youth at the guarantee's deadline, then youth under the guarantee's age,
    then the longest wait, then a random key (common random numbers). NAV buying a course for someone
    without a right (public first) ranks below those with a right."""
    n_c = acc_pool.shape[2]
    use = np.zeros((N_POOLS, n_c), dtype=np.int64)  # units already in use by persons in pool states (unscaled)
    for ch in range(acc_pool.shape[0]):
        use += acc_pool[ch]
    n_app = app_count.sum()
    idx = np.empty(n_app, dtype=np.int64)
    key = np.empty(n_app)
    k = 0
    for ch in range(app_count.shape[0]):
        for j in range(app_count[ch]):
            i = app_idx[ch * chunk + j]
            ns, mode = _want(pp, i)
            age = np.int64(pp.age0_days[i]) + (t + 1) * P.dt_days
            right = 1.0 if (mode == M_PLAIN and _has_right(pp, P, i, ns, age)) else 0.0
            deadline = 1.0 if mode == M_GUARANTEE else 0.0
            youth = 1.0 if age < P.guarantee_max_days else 0.0
            waited = float(t - np.int64(pp.wait_since_step[i]))
            prio = right * 4e7 + deadline * 2e7 + youth * 1e7 + waited + uniform(person_key(rep_key, i), t, D_QUEUE)
            idx[k] = i
            key[k] = pp.county[i] * 1e9 - prio  # by county, then highest priority first
            k += 1
    order = np.argsort(key, kind="mergesort")
    for j in range(n_app):
        i = idx[order[j]]
        c = np.int64(pp.county[i])
        ns, mode = _want(pp, i)
        if _take_place(P, use, ns, mode, c):
            pp.flags[i] = np.int64(pp.flags[i]) | FLAG_ADMITTED
        elif mode == M_GRANT and uniform(person_key(rep_key, i), t, D_PUBLIC) < P.joint_share[c, 0]:
            # the grant's places are full: NAV buys the course, first asking the county (public first)
            if _take_place(P, use, ns, M_PUBLIC, c):
                pp.want[i] = ns | (M_PUBLIC << 4)
                pp.flags[i] = np.int64(pp.flags[i]) | FLAG_ADMITTED


@njit(**HOT_INLINE)
def _take_place(P, use, ns, mode, c):
    """Book a place in county c's pool for entering ns by this mode, if the pool has room (units unscaled)."""
    bv = _entry_book_variant(ns, mode)
    pool = P.pool_id[ns, bv]
    cost = P.pool_unit[ns, bv]
    if (use[pool, c] + cost) * P.scale <= P.capacity[pool, c]:
        use[pool, c] += cost
        return True
    return False


@njit(**HOT)
def _fill_table(P, table, t, s, v):
    """Exit probabilities of state s, variant v for every cell and county at step t (benefit none, full step)."""
    n_k = P.n_entries[s]
    for cell in range(N_CELLS):
        band = cell // 16 + 1
        edu = (cell // 4) % 4
        flags = (FLAG_IMMIGRANT if (cell // 2) % 2 else 0) | (FLAG_REDUCED_WORK_ABILITY if cell % 2 else 0)
        age = P.band_lo_days[band]
        for c in range(table.shape[3]):
            total = 0.0
            for k in range(n_k):
                total += _entry_rate(P, s, v, k, cell, c, t, band, edu, flags, B_NONE, age, 0)
            table[s, v, cell, c] = -np.expm1(-total * float(P.dt_days) / DAYS_PER_YEAR)


@njit(**HOT)
def _reduce_chunks(rep, acc_st, acc_fl, acc_ev, stocks, flows, events, group0):
    """Sum the chunks' tallies into the step's rows, spreading the tally cells over the reporting
    groups (integer sums: exact in any order)."""
    c0, a0, e0, m0 = group0
    n_c = acc_st.shape[2] - N_TALLY_CELLS
    for ch in range(acc_st.shape[0]):
        for s in range(acc_st.shape[1]):
            for c in range(n_c):
                x = acc_st[ch, s, c]
                stocks[rep, s, 0] += x
                stocks[rep, s, c0 + c] += x
            for cell in range(N_TALLY_CELLS):
                x = acc_st[ch, s, n_c + cell]
                stocks[rep, s, a0 + cell // 8] += x
                stocks[rep, s, e0 + (cell // 2) % 4] += x
                stocks[rep, s, m0 + cell % 2] += x
            for d in range(acc_fl.shape[2]):
                flows[rep, s, d] += acc_fl[ch, s, d]
        for e in range(acc_ev.shape[1]):
            events[rep, e] += acc_ev[ch, e]


@njit(cache=True, parallel=True)
def run_steps(pp, P, table, rep_key, t_start, n_steps, report_t0, chunk, acc_st, acc_fl, acc_ev, acc_pool, app_idx,
              app_count, stocks, flows, events, group0):
    """Advance everyone ``n_steps`` steps from global step ``t_start``.

    Steps at or after ``report_t0`` are reported: the state after global step t goes to row
    t - report_t0 + 1 of ``stocks``/``flows``/``events`` (row 0 holds the stocks at the start).
    """
    n = pp.state.shape[0]
    n_chunks = acc_st.shape[0]
    for j in range(n_steps):
        t = t_start + j
        rep = t - report_t0 + 1
        if t == 0 or P.cycle_changes[t]:
            for sv in prange(N_STATES * 2):
                _fill_table(P, table, t, sv // 2, sv % 2)
        for ch in prange(n_chunks):
            app_count[ch] = _step_chunk(pp, P, table, rep_key, t, rep, ch * chunk, min(n, (ch + 1) * chunk),
                                        acc_st[ch], acc_fl[ch], acc_ev[ch], acc_pool[ch], app_idx)
        if app_count.sum() > 0:
            _allocate(pp, P, rep_key, t, acc_pool, app_idx, app_count, chunk)
            for ch in prange(n_chunks):
                if app_count[ch] > 0:
                    _apply_chunk(pp, P, rep_key, t, rep, app_idx[ch * chunk: ch * chunk + app_count[ch]],
                                 acc_st[ch], acc_fl[ch], acc_ev[ch], acc_pool[ch])
        if rep >= 1:
            _reduce_chunks(rep, acc_st, acc_fl, acc_ev, stocks, flows, events, group0)


@njit(**HOT)
def count_stocks(pp, group0, steps_done, dt_days, out):
    """Stocks by state and group after ``steps_done`` steps (row 0 of the reported stocks)."""
    c0, a0, e0, m0 = group0
    for i in range(pp.state.shape[0]):
        s = pp.state[i]
        out[s, 0] += 1
        out[s, c0 + pp.county[i]] += 1
        out[s, a0 + rules.age_band(np.int64(pp.age0_days[i]) + steps_done * dt_days)] += 1
        out[s, e0 + pp.education[i]] += 1
        out[s, m0 + (1 if pp.flags[i] & FLAG_IMMIGRANT else 0)] += 1


@njit(**HOT)
def fill_table(P, table, t):
    """Recompute every cell's exit probability (after the institutions changed the county multipliers)."""
    for sv in range(N_STATES * 2):
        _fill_table(P, table, t, sv // 2, sv % 2)


@njit(**HOT)
def pool_use_by_county(pp, P, use, queue):
    """Units of each capacity pool in use (NOK per month, real persons) and persons queueing for it, per county."""
    use[:, :] = 0.0
    queue[:, :] = 0
    for i in range(pp.state.shape[0]):
        c = pp.county[i]
        s = np.int64(pp.state[i])
        bv = _book_variant(s, np.int64(pp.flags[i]))
        pool = P.pool_id[s, bv]
        if pool >= 0:
            use[pool, c] += P.pool_unit[s, bv] * P.scale
        if pp.want[i] != 0:
            ns, mode = _want(pp, i)
            queue[P.pool_id[ns, _entry_book_variant(ns, mode)], c] += 1


@njit(**HOT)
def count_in_state_by_county(pp, state, out):
    """Persons in one state per county, into ``out``."""
    out[:] = 0
    for i in range(pp.state.shape[0]):
        if pp.state[i] == state:
            out[pp.county[i]] += 1


@njit(**HOT)
def caseload_by_county(pp, out):
    """Persons in NAV states (job seeker, assessment, measures) per county, into ``out``."""
    out[:] = 0
    for i in range(pp.state.shape[0]):
        if _is_nav(np.int64(pp.state[i])):
            out[pp.county[i]] += 1
