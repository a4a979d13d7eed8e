"""The kernel's data: the person arrays (``People``), every number it reads (``KernelParams``), and the
names of everything it counts (events, capacity pools, queue modes, random-decision streams).

Nothing here computes; the kernel (``simulation.core.kernel`` and the modules it drives) reads these
declarations, ``simulation.core.params`` fills ``KernelParams`` from a config, and the output tables
name their rows from ``EVENTS`` and ``POOL_NAMES``.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from simulation.core.states import N_AGE_GROUPS, N_BENEFIT_CODES, N_DURATIONS, N_EDUCATION, N_STATES

# ------------------------------------------------------------------------------------------ persons


class People(NamedTuple):
    """The population as struct-of-arrays (26 bytes a person).

    Clocks are stored as the step something began, not as counters, so a person who stays
    put is only read, never written: that halves the memory traffic of a step.
    """

    state: np.ndarray  # uint8, State
    county: np.ndarray  # uint8, index into the counties config
    education: np.ndarray  # uint8, Education
    flags: np.ndarray  # uint8, FLAG_* bits below
    benefit: np.ndarray  # uint8, Benefit
    age0_days: np.ndarray  # int16, age in days before global step 0 (negative: born later); age = age0 + (t+1) dt
    entered_step: np.ndarray  # int16, global step at whose end the person entered the current state
    spell_start_step: np.ndarray  # int16, global step at whose end the current NAV spell began
    dagpenger_end_step: np.ndarray  # int16, global step at which dagpenger runs out
    education_measure_days: np.ndarray  # int16, education taken as a NAV measure in finished spells (the 3+1 cap)
    first_nav_step: np.ndarray  # int16, step of first NAV contact in the reporting window; -1 none, -2 done
    registered_step: np.ndarray  # int16, step of registration (youth guarantee clock)
    want: np.ndarray  # uint8, the place a person queues for: state | mode << 4 | WANT_ADMITTED (0: not queueing)
    # (entered_step of a person in 'pre_entry' is -1 for one born here, who enters at 16, and the arrival step
    # of an immigrant who arrives during reporting)
    wait_since_step: np.ndarray  # int16, step the person joined the queue
    vgo_start_step: np.ndarray  # int16, global step a person started upper secondary at 16 (NO_STEP: not in a cohort)
    vgo_done_step: np.ndarray  # int16, global step upper secondary was first completed (NO_STEP: not yet)


PERSON_DTYPES = dict(state=np.uint8, county=np.uint8, education=np.uint8, flags=np.uint8, benefit=np.uint8,
                     age0_days=np.int16, entered_step=np.int16, spell_start_step=np.int16, dagpenger_end_step=np.int16,
                     education_measure_days=np.int16, first_nav_step=np.int16, registered_step=np.int16,
                     want=np.uint8, wait_since_step=np.int16, vgo_start_step=np.int16, vgo_done_step=np.int16)
SATURATE = 32000  # int16 day counters stop here
NO_STEP = -32768  # an int16 step that never happened


def bytes_per_person() -> int:
    """Memory of the struct-of-arrays per person."""
    return sum(np.dtype(d).itemsize for d in PERSON_DTYPES.values())


# Person flag bits (People.flags); each means one thing.
FLAG_IMMIGRANT = np.uint8(1)  # immigrant background
FLAG_REDUCED_WORK_ABILITY = np.uint8(2)  # nedsatt arbeidsevne
FLAG_VOCATIONAL = np.uint8(4)  # vocational track in upper secondary
FLAG_NAV_PAID = np.uint8(8)  # the current education is a NAV training measure (opplæringstiltak): NAV pays
FLAG_EXTENDED = np.uint8(16)  # the one extra year beyond the education-measure cap was granted
FLAG_OFFER_PENDING = np.uint8(32)  # under-30 registered, no offer yet (youth guarantee clock running)
FLAG_COMBINED_PATH = np.uint8(64)  # the work measure is a combined path with a school part (mechanism 6)
FLAG_COUNTY_PLACE_WITHOUT_RIGHT = np.uint8(128)  # adult VGO in a county place for an adult without the adult
#   right: bought by NAV at cost price (public first, mechanism 4; with FLAG_NAV_PAID) or paid by an earmarked
#   state grant (without it)

# The queue (People.want): the state queued for, how the person wants to enter it, and whether the
# allocation has just given a place (read back when the outcome is applied).
WANT_STATE = 15  # bits 0-3: the state
WANT_MODE_SHIFT = 4  # bits 4-6: the mode (M_*)
WANT_MODE = 7
WANT_ADMITTED = 128  # bit 7: given a place this step

# How a person wants to enter a state (the mode of People.want).
M_PLAIN = 0  # an ordinary place (in the state's pool, if it has one)
M_MARKET = 1  # NAV buys the education on the market (kjøp til kostpris; no pool)
M_PUBLIC = 2  # NAV asks the county for a place first; bought on the market if none is free (mechanism 4)
M_COMBINED = 3  # a combined path: school part + work practice, run jointly (a NAV measure; mechanism 6)
M_GUARANTEE = 4  # the youth guarantee's offer at the deadline: assessment, first in the queue
M_GRANT = 5  # a county place paid by an earmarked grant; else as public first (county place or market)

# Decision ids: the last part of a random draw's key. Each decision has its own stream, so two scenarios
# meet the same draw for the same decision of the same person at the same step (common random numbers).
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
D_COMBINED = 11  # a youth's work practice becomes a combined path (mechanism 6)
D_FALLBACK = 12  # where a person waits when a programme ended and the next place is not free
D_DEPART = 13  # death or emigration this step (population change); an arrival's first state uses D_ENTRY
D_AAP_TYPE = 14  # whether a person's reduced work ability would qualify for AAP: one draw for life (at step 0)

# Capacity pools: what an institution has to hand out, in units per county (the allocation pass).
POOL_NAMES = ["measure", "adult_education", "apprenticeship", "assessment", "earmarked_places"]
POOL_MEASURE = 0  # NAV's measure budget, NOK per month (work-oriented measures, AMO courses, combined paths)
POOL_ADULT_EDUCATION = 1  # the county's adult-education places (adult VGO in county places), persons
POOL_APPRENTICESHIP = 2  # the labour market's apprenticeship places, persons
POOL_ASSESSMENT = 3  # NAV caseworker time: persons in assessment / guidance
POOL_GRANT = 4  # adult VGO places for those without a right paid by an earmarked state grant (Utdanningsløftet)
N_POOLS = len(POOL_NAMES)

# Payment variants: who pays for a person in a state, and where (the fiscal ledger's bookings, the pools).
# For adult VGO: a county place on the adult right (0), bought by NAV on the market (1), bought by NAV in a
# county place at cost price (2), a county place paid by an earmarked grant (3); NAV-paid higher education (1);
# a combined path among work measures (1); the vocational school track (1).
N_PAYMENT_VARIANTS = 4
N_BENEFITS = N_BENEFIT_CODES  # Benefit codes

# Hazard kinds: which person-level modifiers and eligibility rules apply to a hazard of a state.
K_PLAIN = 0
K_JOB = 1  # into work: business cycle, duration dependence
K_LAYOFF = 2  # out of work: business cycle, dagpenger
K_RETURN_SCHOOL = 3  # back to VGO on the youth right
K_ADULT_VGO_COUNTY = 4  # county place on the adult right
K_EDU_PATH = 5  # education path chosen at assessment (resolved to school, adult VGO or tertiary)
K_HEALTH = 6  # onset of reduced work ability (no state change)
K_TERTIARY_ENTRY = 7  # start higher education from work
K_DEREGISTER = 8  # leave the register: faster without dagpenger
K_TEMP_LAYOFF = 9  # out of work on a temporary layoff (permittering): business cycle, layoff pay
K_RECALL = 10  # back to the same employer from a temporary layoff (only with layoff pay)

KMAX = 8  # hazards per state at most
N_CELLS = 96  # rate cells: 6 rate bands x 4 education levels x immigrant x reduced work ability
N_TALLY_CELLS = 64  # reporting cells: 8 age bands x 4 education levels x immigrant background
MAX_FOLLOWUPS = 8  # follow-up points after first NAV contact (indicators.followup_months)
APPLY = -1  # a person's step answers this when they queue for a place (the allocation decides)

# ------------------------------------------------------------------------------------------- events


class Event(NamedTuple):
    """One counter of the kernel: its name in events.parquet and what it counts."""

    name: str
    description: str


def _pool_events() -> list[Event]:
    admissions = [Event(f"{p}_admissions", f"persons given a place from the {p} pool") for p in POOL_NAMES]
    waits = [Event(f"{p}_queue_wait_days" if p == "assessment" else f"{p}_wait_days",
                   f"days the persons admitted from the {p} pool had waited (sum)") for p in POOL_NAMES]
    waiting = [Event(f"stock_waiting_for_{p}", f"persons queueing for the {p} pool at the end of the step")
               for p in POOL_NAMES]
    return admissions + waits + waiting


# Counts per step; the "stock_" events are stocks of person attributes at the end of the step.
EVENTS: list[Event] = [
    Event("school_general_pass", "completed general studies (studiekompetanse) at the end of Vg3"),
    Event("school_general_fail", "ended general studies without passing"),
    Event("school_vocational_contract", "ended vocational school with an apprenticeship contract"),
    Event("school_vocational_no_contract", "ended vocational school without a contract"),
    Event("school_dropout", "left upper secondary school before its end"),
    Event("apprentice_pass", "passed the trade or journeyman's test (fag-/svennebrev)"),
    Event("apprentice_fail", "ended the apprenticeship without passing"),
    Event("apprentice_dropout", "broke off the apprenticeship"),
    Event("apprentice_layoff", "apprentice laid off"),
    Event("adult_vgo_county_pass", "completed adult VGO in a county place"),
    Event("adult_vgo_county_fail", "ended adult VGO in a county place without passing"),
    Event("adult_vgo_county_dropout", "broke off adult VGO in a county place"),
    Event("adult_vgo_nav_pass", "completed adult VGO bought by NAV"),
    Event("adult_vgo_nav_fail", "ended adult VGO bought by NAV without passing"),
    Event("adult_vgo_nav_dropout", "broke off adult VGO bought by NAV"),
    Event("tertiary_pass", "completed higher education (ordinary student)"),
    Event("tertiary_fail", "ended higher education without a degree (ordinary student)"),
    Event("tertiary_dropout", "broke off higher education (ordinary student)"),
    Event("tertiary_nav_pass", "completed higher education taken as a NAV measure"),
    Event("tertiary_nav_fail", "ended higher education as a NAV measure without a degree"),
    Event("tertiary_nav_dropout", "broke off higher education taken as a NAV measure"),
    Event("amo_pass", "completed an AMO course"),
    Event("amo_fail", "ended an AMO course without passing"),
    Event("amo_dropout", "broke off an AMO course"),
    Event("education_cap_exit", "left NAV-bought education at the 3 (+1) year cap"),
    Event("education_cap_extended", "granted the extra year beyond the education-measure cap"),
    Event("youth_offer_in_time", "young job seekers given an offer within the youth guarantee's deadline"),
    Event("youth_no_offer_in_time", "young job seekers without an offer at the deadline"),
    Event("youth_guarantee_offer", "offers made at the youth guarantee's deadline"),
    Event("first_nav_contact", "first contacts with NAV in the reporting window"),
    Event("nav_spell_ends", "NAV spells (job seeker, assessment, measures) that ended"),
    Event("nav_spell_days", "days of the NAV spells that ended (sum)"),
    Event("layoffs", "persons laid off (work and apprenticeships)"),
    Event("dagpenger_starts", "unemployment benefit (dagpenger) periods started"),
    Event("dagpenger_exhausted", "dagpenger periods that ran out"),
    Event("reduced_work_ability_onset", "onsets of reduced work ability"),
    Event("stock_long_term_unemployed", "job seekers (incl. assessment) whose NAV spell has lasted the long-term span"),
    Event("stock_dagpenger", "persons receiving dagpenger"),
    Event("stock_social_assistance", "persons receiving social assistance"),
    Event("stock_nav_paid_adult_vgo", "persons in adult VGO bought by NAV"),
    Event("stock_nav_paid_tertiary", "persons in higher education as a NAV measure"),
    Event("stock_county_adult_vgo", "persons in adult VGO paid by the county or a grant"),
    *_pool_events(),
    Event("nav_vgo_starts_county_place", "NAV-bought adult VGO started in a county place (public first)"),
    Event("nav_vgo_starts_market", "NAV-bought adult VGO started on the market"),
    Event("grant_place_starts", "adult VGO started in a county place paid by an earmarked grant"),
    Event("combined_path_starts", "combined paths (school part + work practice) started"),
    Event("combined_path_ends", "combined paths that ended"),
    Event("combined_path_to_apprenticeship", "combined paths that ended in an apprenticeship"),
    Event("combined_path_to_school", "combined paths that ended back in school (Vg1)"),
    Event("ot_referrals", "youth referred from OT to NAV"),
    Event("ot_referral_days", "days followed by OT before referral to NAV (sum)"),
    Event("assessment_starts", "job seekers starting assessment / guidance"),
    Event("assessment_wait_days", "days registered before assessment started (sum)"),
    Event("programme_starts_after_assessment", "measures or education started straight after assessment"),
    Event("programme_start_wait_days", "days from the start of assessment to the start of the programme (sum)"),
    *(Event(f"followup_due_{k}", f"first NAV contacts reaching follow-up point {k}") for k in range(MAX_FOLLOWUPS)),
    *(Event(f"followup_in_work_{k}", f"of those, in work at follow-up point {k}") for k in range(MAX_FOLLOWUPS)),
    Event("temporary_layoffs", "persons temporarily laid off (permittert) from work"),
    Event("recalls_from_temporary_layoff", "temporarily laid-off persons recalled to work"),
    Event("stock_temporarily_laid_off", "job seekers on layoff pay (permittert)"),
    Event("stock_aap_in_activity", "AAP recipients in assessment, a measure or NAV-bought education (AAP goes on)"),
    Event("sick_leave_max_date", "persons reaching the 52-week maximum of sickness benefit"),
    Event("immigrations", "immigrants aged 16-66 arriving in Norway"),
    Event("deaths", "deaths of persons aged 16-66"),
    Event("emigrations", "persons aged 16-66 emigrating from Norway"),
    Event("nav_rwa_new", "persons newly among NAV's persons with reduced work ability (AAP started, or reduced work "
                         "ability found or brought to NAV)"),
    Event("nav_rwa_new_from_sick_leave", "of them, straight from long sick leave"),
]
EVENT_NAMES = [e.name for e in EVENTS]
EV = {name: i for i, name in enumerate(EVENT_NAMES)}
N_PUBLIC_EVENTS = len(EVENTS)
# Bookings for the fiscal ledger: after the events, one counter per (state, payment variant, benefit) of every
# person at the end of every step; the ledger prices them (simulation.runs.ledger).
E_BOOK = N_PUBLIC_EVENTS
N_BOOKINGS = N_STATES * N_PAYMENT_VARIANTS * N_BENEFITS
N_EVENTS = N_PUBLIC_EVENTS + N_BOOKINGS  # the length of the kernel's event counter

# Yearly breakdowns (per chunk and reported year, summed at the end of a replicate): person-snapshots by
# state x cross-tab cell (age group x education x immigrant x reduced work ability) and by state x months in
# the state, taken at the last step of every month; and moves by (from, to) x months in the old state, x age
# group, x benefit. One int32 vector per year; these are its parts and offsets.
N_XCELLS = N_AGE_GROUPS * N_EDUCATION * 2 * 2
XT_CELLS = 0
XT_DURATION_STOCK = XT_CELLS + N_STATES * N_XCELLS
XT_EXIT_DURATION = XT_DURATION_STOCK + N_STATES * N_DURATIONS
XT_EXIT_AGE = XT_EXIT_DURATION + N_STATES * N_STATES * N_DURATIONS
XT_EXIT_BENEFIT = XT_EXIT_AGE + N_STATES * N_STATES * N_AGE_GROUPS
XT_SIZE = XT_EXIT_BENEFIT + N_STATES * N_STATES * N_BENEFITS


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
E_NAV_RWA_NEW = EV["nav_rwa_new"]
E_NAV_RWA_NEW_SICK = EV["nav_rwa_new_from_sick_leave"]
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
E_TEMP_LAYOFF = EV["temporary_layoffs"]
E_RECALL = EV["recalls_from_temporary_layoff"]
E_STOCK_LAYOFF = EV["stock_temporarily_laid_off"]
E_STOCK_AAP_ACTIVE = EV["stock_aap_in_activity"]
E_IMMIGRATIONS = EV["immigrations"]
E_DEATHS = EV["deaths"]
E_EMIGRATIONS = EV["emigrations"]

# ---------------------------------------------------------------------------------------- parameters


class KernelParams(NamedTuple):
    """Every number the kernel reads, as arrays and scalars (built by ``simulation.core.params``).

    S = states, C = counties, ages and durations in days, rates per year."""

    # hazards: for each state its entries (destination, kind) and rates per rate cell
    n_entries: np.ndarray  # int64[S]
    dest: np.ndarray  # int64[S, KMAX]
    kind: np.ndarray  # int64[S, KMAX], K_*
    hazard: np.ndarray  # float64[S, 2, KMAX, N_CELLS], per year, with the static multipliers; [., rule variant, ...]
    county_mult: np.ndarray  # float64[C, S, KMAX], cooperation effects (set by the institutions)
    job_cycle: np.ndarray  # float64[steps, 6, 4], business-cycle multiplier on job finding by rate band, education
    layoff_cycle: np.ndarray  # float64[steps, 6, 4], business-cycle multiplier on layoffs
    apprenticeship_cycle: np.ndarray  # float64[steps], multiplier on apprenticeship contracts
    education_cycle: np.ndarray  # float64[steps], multiplier on returns to school and adult VGO on a right
    temp_layoff_cycle: np.ndarray  # float64[steps], multiplier on temporary layoffs (permittering)
    duration_factor: np.ndarray  # float64[weeks], job-finding multiplier by unemployment duration
    # programmes: nominal length, pass share, where they lead
    programme_days: np.ndarray  # float64[S, 2], nominal programme length (0 = none)
    pass_share: np.ndarray  # float64[S, 2]
    end_cum: np.ndarray  # float64[S, 2, 2, S], cumulative destination shares after fail (0) / pass (1)
    end_edu: np.ndarray  # int64[S, 2, 2], education reached after fail / pass (-1 = unchanged)
    end_event: np.ndarray  # int64[S, 2, 2], event id after fail / pass (-1 = none)
    dropout_event: np.ndarray  # int64[S, 2], event id for a hazard exit (-1 = none)
    followup_days: np.ndarray  # float64[k]
    # the fast path: where a state's exit probability is one number per cell, county and step
    fast_ok: np.ndarray  # bool[S, 8]: in this state and age band, the exit probability depends on the cell only
    benefit_dep: np.ndarray  # bool[S]: some hazard of the state depends on the benefit
    cycle_changes: np.ndarray  # bool[steps]: the cycle multipliers differ from the step before
    band_lo_days: np.ndarray  # int64[8]: first day of each age band
    # the yearly breakdowns
    report_year: np.ndarray  # int64[steps]: the reported year a global step belongs to (-1: burn-in)
    snapshot: np.ndarray  # bool[steps]: the step ends a calendar month (cross-tab snapshots are taken)
    age_group_lo_days: np.ndarray  # int64[N_AGE_GROUPS]: first day of each cross-tab age group
    duration_edges_days: np.ndarray  # float64[N_DURATIONS - 1]: months in state, in days
    # time and ages
    dt_days: int
    age16_days: int
    age67_days: int
    ot_end_days: int  # OT follows up to this age (exclusive)
    # entry at 16
    start_share: float
    vocational_share: float
    # the youth guarantee
    youth_guarantee: bool
    guarantee_days: float
    guarantee_max_days: int  # the guarantee applies below this age
    guarantee_compliance: float
    # rights and eligibility ages
    return_max_days: int  # the youth right ends at this age (exclusive)
    adult_right_days: int
    tertiary_entry_max_days: int
    training_min_days: int  # training measures from this age
    higher_education_min_days: int  # higher education as a measure from this age (with reduced work ability)
    higher_education_share: float  # of the education paths open to it, the share that is higher education
    # public first, combined paths, earmarked grants (set per county by the institutions)
    public_first: bool  # NAV first considers the county's own offer for those with the adult right
    public_first_share: np.ndarray  # float64[C]: share of NAV-bought VGO first asked of the county (mechanism 4)
    combined_path_share: np.ndarray  # float64[C]: share of youths' work practice that becomes a combined path (m. 6)
    combined_max_days: int  # combined paths are for youth with a youth right under this age
    # capacity pools
    # int64[S, N_PAYMENT_VARIANTS, 2]: the pools a person in (state, payment variant) uses (-1: none)
    pool_id: np.ndarray
    # int64[S, N_PAYMENT_VARIANTS, 2]: units of each one person uses before scaling (NOK/month, 1 place)
    pool_unit: np.ndarray
    capacity: np.ndarray  # float64[N_POOLS, C]: what each county has now, scaled (NOK/month, real persons; inf: none)
    scale: float  # real persons per simulated person (budgets are in real NOK)
    # the education-measure cap
    cap_days: float
    extension_days: float
    extension_share: float
    # dagpenger and study
    study_regime: int  # 0 before_2020, 1 temporary_2020, 2 permanent_2021
    dagpenger_higher_education_min_days: int
    study_uptake: float
    deregister_mult: float
    aap_eligible_share: float  # of those with reduced work ability, the share qualifying for AAP (not via sick leave)
    dagpenger_eligible_youth: float
    dagpenger_eligible_adult: float
    dagpenger_long_share: float
    dagpenger_long_days: int
    dagpenger_short_days: int
    social_assistance_share: float
    long_term_days: int
    layoff_pay_days: int  # a temporary layoff's pay lasts this long at most (then the rules of dagpenger apply)
    # population change in the reported years (simulation.core.demography)
    depart_p: np.ndarray  # float64[68, 2]: chance to die or emigrate in a step, by whole age and immigrant background
    die_p: np.ndarray  # float64[68, 2]: of it, the part that is death (a departure whose draw is below it)
    arrival_cum: np.ndarray  # float64[6, S]: cumulative shares of an immigrant's first state, by rate band
