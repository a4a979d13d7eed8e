"""One person's step, read as its plan: each phase is a short function named after the rule it applies.

    step_person
      enter_at_16                 under-16s enter upper secondary school (or OT) the step they turn 16
      ages_out                    at 67 a person leaves the working-age population
      run_benefit_clocks          dagpenger run out: social assistance or nothing
      ot_ends                     OT's follow-up ends at 22
      education_cap               the 3 + 1-year cap on education as a NAV measure
      hazard_event                competing hazards: did something happen this step, and what
        apply_hazard                where it leads (education path, combined path), queue or move
      end_of_programme            a programme's nominal end: pass or fail, then a destination
      youth_guarantee_deadline    8 weeks after registering: NAV's offer, or none in time
      (still queueing)            a person waiting for a place stays put; the allocation decides

A move is ``move``: the person enters the new programme (``places.entry_flags``) and the books of
the old state are closed (``leave``: spells, clocks, the events a move counts). ``tally`` counts the
person at the end of the step. Every phase reads and writes only this person's slots; every random
draw is keyed by (replicate, person, step, decision), so the result does not depend on the order in
which persons are stepped. All functions compile inline into the kernel's loop.
"""
from __future__ import annotations

import numpy as np  # noqa: E402
from numba import njit  # noqa: E402

from simulation.core import (
    numba_cache,  # noqa: F401  (first: points Numba's cache at this version's directory)
    rules,  # noqa: E402
)
from simulation.core.hazards import choose_entry, pick_end, rate_cell, total_rate  # noqa: E402
from simulation.core.places import entry_flags, limited, payment_variant, pool_of, rule_variant, want_code  # noqa: E402
from simulation.core.rng import person_key, uniform  # noqa: E402
from simulation.core.schema import (  # noqa: E402
    APPLY,
    D_AAP_TYPE,
    D_BENEFIT,
    D_COMBINED,
    D_DEPART,
    D_DEST,
    D_EDU_PATH,
    D_ENTRY,
    D_EXTEND,
    D_GUARANTEE,
    D_HAZARD,
    D_PASS,
    D_PUBLIC,
    D_TRACK,
    E_APPRENTICE_LAYOFF,
    E_ASSESSMENT_STARTS,
    E_ASSESSMENT_WAIT,
    E_BOOK,
    E_CAP_EXIT,
    E_CAP_EXTENDED,
    E_CP_APPRENTICE,
    E_CP_ENDS,
    E_CP_SCHOOL,
    E_CP_STARTS,
    E_DEATHS,
    E_DP_EXHAUST,
    E_DP_START,
    E_EMIGRATIONS,
    E_FIRST_NAV,
    E_FU_DUE,
    E_FU_WORK,
    E_GRANT_STARTS,
    E_GUARANTEE,
    E_IMMIGRATIONS,
    E_LAYOFF,
    E_LTU,
    E_NAV_RWA_NEW,
    E_NAV_RWA_NEW_SICK,
    E_NAV_VGO_COUNTY,
    E_NAV_VGO_MARKET,
    E_NO_OFFER,
    E_OFFER,
    E_OT_REFERRAL_DAYS,
    E_OT_REFERRALS,
    E_PROGRAMME_STARTS,
    E_PROGRAMME_WAIT,
    E_RECALL,
    E_RWA,
    E_SPELL_DAYS,
    E_SPELL_ENDS,
    E_STOCK_AAP_ACTIVE,
    E_STOCK_COUNTY_VGO,
    E_STOCK_DP,
    E_STOCK_LAYOFF,
    E_STOCK_NAV_TERT,
    E_STOCK_NAV_VGO,
    E_STOCK_SA,
    E_TEMP_LAYOFF,
    FLAG_COMBINED_PATH,
    FLAG_COUNTY_PLACE_WITHOUT_RIGHT,
    FLAG_EXTENDED,
    FLAG_IMMIGRANT,
    FLAG_NAV_PAID,
    FLAG_OFFER_PENDING,
    FLAG_REDUCED_WORK_ABILITY,
    FLAG_VOCATIONAL,
    K_EDU_PATH,
    K_HEALTH,
    K_LAYOFF,
    K_RECALL,
    K_TEMP_LAYOFF,
    M_COMBINED,
    M_GRANT,
    M_GUARANTEE,
    M_MARKET,
    M_PLAIN,
    M_PUBLIC,
    N_BENEFITS,
    N_PAYMENT_VARIANTS,
    N_STATES,
    N_TALLY_CELLS,
    N_XCELLS,
    NO_STEP,
    POOL_APPRENTICESHIP,
    POOL_GRANT,
    SATURATE,
    XT_CELLS,
    XT_DURATION_STOCK,
    XT_EXIT_AGE,
    XT_EXIT_BENEFIT,
    XT_EXIT_DURATION,
)
from simulation.core.states import N_AGE_GROUPS, N_DURATIONS, Benefit, Education, State  # noqa: E402  # noqa: E402

HOT = dict(cache=True, _nrt=False)
INLINE = dict(cache=True, inline="always", _nrt=False)
DAYS_PER_YEAR = rules.DAYS_PER_YEAR
NO_MOVE = -2  # a phase's answer for "nothing happened here: go on to the next phase"

PRE_ENTRY, SCHOOL, APPRENTICE, OT = (int(State.PRE_ENTRY), int(State.SCHOOL), int(State.APPRENTICE),
                                     int(State.OT_FOLLOWED))
JOBSEEKER, ASSESSMENT, WORK_MEASURE = int(State.JOBSEEKER), int(State.ASSESSMENT), int(State.WORK_MEASURE)
ADULT_VGO, WORK, AAP, DISABILITY = int(State.ADULT_VGO), int(State.WORK), int(State.AAP), int(State.DISABILITY)
TERTIARY, AGED_OUT, DEPARTED = int(State.TERTIARY), int(State.AGED_OUT), int(State.DEPARTED)
SICK_LEAVE = int(State.SICK_LEAVE)
EDU_SOME_VGO, EDU_VGO, EDU_TERTIARY = int(Education.SOME_VGO), int(Education.VGO), int(Education.TERTIARY)
B_NONE, B_DAGPENGER, B_SA = int(Benefit.NONE), int(Benefit.DAGPENGER), int(Benefit.SOCIAL_ASSISTANCE)
B_LAYOFF_PAY, B_AAP = int(Benefit.LAYOFF_PAY), int(Benefit.AAP)


@njit(**INLINE)
def count(acc_ev, on, event, n=1):
    """Add n to an event counter when the step is reported."""
    if on:
        acc_ev[event] += n


@njit(**INLINE)
def age_at(people, kp, i, t):
    """Person i's age in days at the end of global step t."""
    return np.int64(people.age0_days[i]) + (t + 1) * kp.dt_days


@njit(**INLINE)
def days_since(people_step, t, dt):
    """Days from the end of an earlier step to the end of step t."""
    return (t - np.int64(people_step)) * dt


@njit(**INLINE)
def is_nav_paid_education(s, flags):
    """In adult VGO or higher education bought by NAV as a training measure."""
    return (s == ADULT_VGO or s == TERTIARY) and (flags & FLAG_NAV_PAID) != 0


# --------------------------------------------------------------------------------------- the step


@njit(**INLINE)
def step_person(i, people, kp, table, rep_key, t, rep, acc_ev, acc_x, on):
    """Advance person i by one step; returns the new state, or APPLY when the person queues for a place.
    ``rep`` is the reporting step (>= 1 when the step is reported, and ``on`` says so)."""
    s = np.int64(people.state[i])
    if s == AGED_OUT or s == DEPARTED:
        return s
    age = age_at(people, kp, i, t)
    pk = person_key(rep_key, i)
    if s == PRE_ENTRY:
        if people.entered_step[i] >= 0:
            return arrive(i, people, kp, pk, t, rep, age, acc_ev, acc_x, on)
        return enter_at_16(i, people, kp, pk, t, age)
    if rules.ages_out(age, kp.age67_days):
        leave(i, people, kp, s, AGED_OUT, t, rep, acc_ev, acc_x, on)
        return AGED_OUT
    if on and departs(i, people, kp, pk, s, t, rep, age, acc_ev, acc_x):
        return DEPARTED
    run_benefit_clocks(i, people, kp, pk, t, acc_ev, acc_x, on)
    if s == OT and rules.ot_follow_up_ended(age, kp.ot_end_days):
        return ot_ends(i, people, kp, pk, t, rep, acc_ev, acc_x, on)
    v = rule_variant(s, np.int64(people.flags[i]))
    ns = education_cap(i, people, kp, pk, s, v, t, rep, acc_ev, acc_x, on)
    if ns != NO_MOVE:
        return ns
    ns = hazard_event(i, people, kp, table, pk, s, v, t, rep, age, acc_ev, acc_x, on)
    if ns != NO_MOVE:
        return ns
    if programme_ended(kp, s, v, days_since(people.entered_step[i], t, kp.dt_days)):
        return end_of_programme(i, people, kp, pk, s, v, t, rep, age, acc_ev, acc_x, on)
    if s == JOBSEEKER and (people.flags[i] & FLAG_OFFER_PENDING):
        ns = youth_guarantee_deadline(i, people, kp, pk, t, rep, acc_ev, acc_x, on)
        if ns != NO_MOVE:
            return ns
    if people.want[i] != 0:
        return APPLY  # still queueing: nothing else happened to the person this step
    return s


@njit(**INLINE)
def enter_at_16(i, people, kp, pk, t, age):
    """The step a person turns 16: upper secondary school (a vocational or general track) or, for the few
    who do not start, OT's follow-up."""
    if not rules.enters_scope(age, kp.age16_days):
        return PRE_ENTRY
    flags = np.int64(people.flags[i])
    if uniform(pk, t, D_ENTRY) < kp.start_share:
        ns = SCHOOL
        people.vgo_start_step[i] = t  # a starting cohort of upper secondary (completion within 5 or 6 years)
        if uniform(pk, t, D_TRACK) < kp.vocational_share:
            flags |= FLAG_VOCATIONAL
        else:
            flags &= ~FLAG_VOCATIONAL
    else:
        ns = OT
    people.flags[i] = flags
    people.entered_step[i] = t
    return ns


@njit(**INLINE)
def arrive(i, people, kp, pk, t, rep, age, acc_ev, acc_x, on):
    """An immigrant's arrival step: the first state is drawn by age (school for most 16-18-year-olds, whose
    track is drawn as at 16); a job seeker's NAV spell starts. Before it, the person is not in Norway."""
    if not rules.arrives(t, np.int64(people.entered_step[i])):
        return PRE_ENTRY
    row = kp.arrival_cum[rules.rate_band(age) - 1]
    u = uniform(pk, t, D_ENTRY)
    ns = 0
    while ns < row.shape[0] - 1 and not u < row[ns]:
        ns += 1
    if ns == SCHOOL and uniform(pk, t, D_TRACK) < kp.vocational_share:
        people.flags[i] = np.int64(people.flags[i]) | FLAG_VOCATIONAL
    people.entered_step[i] = t
    count(acc_ev, on, E_IMMIGRATIONS)
    nav_spell(i, people, kp, PRE_ENTRY, ns, t, rep, acc_ev, acc_x, on)
    return ns


@njit(**INLINE)
def departs(i, people, kp, pk, s, t, rep, age, acc_ev, acc_x):
    """Death or emigration this step (reported steps only: the burn-in rebuilds the starting population).
    One draw decides both: below the death probability a death, else below the departure one an emigration."""
    a = rules.whole_years(age)
    imm = 1 if people.flags[i] & FLAG_IMMIGRANT else 0
    u = uniform(pk, t, D_DEPART)
    if not u < kp.depart_p[a, imm]:
        return False
    count(acc_ev, True, E_DEATHS if u < kp.die_p[a, imm] else E_EMIGRATIONS)
    leave(i, people, kp, s, DEPARTED, t, rep, acc_ev, acc_x, True)
    return True


@njit(**INLINE)
def run_benefit_clocks(i, people, kp, pk, t, acc_ev, acc_x, on):
    """Dagpenger run out at the end of their period: some go on to social assistance, the rest have none.
    Layoff pay ends when the temporary layoff has lasted its longest: the person is then an ordinary
    unemployed person on dagpenger for the short period (no recall expected)."""
    b = people.benefit[i]
    if b == B_DAGPENGER and rules.dagpenger_exhausted(t, people.dagpenger_end_step[i]):
        people.benefit[i] = B_SA if uniform(pk, t, D_BENEFIT) < kp.social_assistance_share else B_NONE
        count(acc_ev, on, E_DP_EXHAUST)
    elif b == B_LAYOFF_PAY and rules.dagpenger_exhausted(t, people.dagpenger_end_step[i]):
        people.benefit[i] = B_DAGPENGER
        people.dagpenger_end_step[i] = t + (kp.dagpenger_short_days + kp.dt_days - 1) // kp.dt_days


@njit(**INLINE)
def ot_ends(i, people, kp, pk, t, rep, acc_ev, acc_x, on):
    """OT's follow-up ends at 22: the youth goes where those ageing out go, without queueing (a destination
    with limited places, or OT itself, means registering at NAV)."""
    ns = pick_end(kp, OT, 0, 1, uniform(pk, t, D_DEST))
    if ns == OT or limited(kp, ns, M_PLAIN, np.int64(people.county[i])):
        ns = JOBSEEKER
    leave(i, people, kp, OT, ns, t, rep, acc_ev, acc_x, on)
    return ns


@njit(**INLINE)
def programme_ended(kp, s, v, days_in_state):
    """A programme with a nominal length has reached it (and counts as completed, not capped)."""
    length = kp.programme_days[s, v]
    return length > 0.0 and days_in_state >= length


@njit(**INLINE)
def education_cap(i, people, kp, pk, s, v, t, rep, acc_ev, acc_x, on):
    """Education bought by NAV stops at the cap: 3 years, and 1 more for those granted the extension
    (drawn when the 3 years are reached). Returns JOBSEEKER (AAP for an AAP recipient) when the person must
    leave, else NO_MOVE."""
    flags = np.int64(people.flags[i])
    if not is_nav_paid_education(s, flags):
        return NO_MOVE
    days_in_state = days_since(people.entered_step[i], t, kp.dt_days)
    if programme_ended(kp, s, v, days_in_state):
        return NO_MOVE  # a programme that ends now is completed
    used = np.int64(people.education_measure_days[i]) + days_in_state
    extended = (flags & FLAG_EXTENDED) != 0
    if not rules.education_cap_reached(used, extended, kp.cap_days, kp.extension_days):
        return NO_MOVE
    if not extended and uniform(pk, t, D_EXTEND) < kp.extension_share:
        people.flags[i] = flags | FLAG_EXTENDED
        count(acc_ev, on, E_CAP_EXTENDED)
        return NO_MOVE
    count(acc_ev, on, E_CAP_EXIT)
    ns = rules.back_to_aap(np.int64(people.benefit[i]), JOBSEEKER)
    leave(i, people, kp, s, ns, t, rep, acc_ev, acc_x, on)
    return ns


# --------------------------------------------------------------------------- competing hazards


@njit(**INLINE)
def hazard_event(i, people, kp, table, pk, s, v, t, rep, age, acc_ev, acc_x, on):
    """Competing hazards over the part of the step before a programme's nominal end: NO_MOVE when nothing
    happens, else what the chosen hazard leads to (see ``apply_hazard``)."""
    dt = kp.dt_days
    flags = np.int64(people.flags[i])
    edu = np.int64(people.education[i])
    benefit = np.int64(people.benefit[i])
    c = np.int64(people.county[i])
    band = rules.rate_band(age)
    cell = rate_cell(band, edu, flags)
    before = days_since(people.entered_step[i], t, dt) - dt  # days in the state at the start of this step
    udays = days_since(people.spell_start_step[i], t, dt) if rules.in_nav_spell(s) else before
    length = kp.programme_days[s, v]
    exposure = float(dt)
    near_end = length > 0.0 and length - before < exposure
    if near_end:
        exposure = max(length - before, 0.0)
    # fast path: the step's exit probability of the person's cell, computed once per cycle change by the
    # same arithmetic (so both paths give the same bits); the slow path for the rest
    fast = kp.fast_ok[s, band] and not near_end and not (benefit != B_NONE and kp.benefit_dep[s])
    total = 0.0
    if fast:
        p_event = table[s, v, cell, c]
    else:
        total = total_rate(kp, s, v, cell, c, t, band, edu, flags, benefit, age, udays)
        p_event = -np.expm1(-total * exposure / DAYS_PER_YEAR)
    u = uniform(pk, t, D_HAZARD)
    if not u < p_event:
        return NO_MOVE
    if fast:
        total = total_rate(kp, s, v, cell, c, t, band, edu, flags, benefit, age, udays)
    k = choose_entry(kp, s, v, cell, c, t, band, edu, flags, benefit, age, udays, u / p_event * total)
    return apply_hazard(i, people, kp, pk, s, v, k, t, rep, age, acc_ev, acc_x, on)


@njit(**INLINE)
def apply_hazard(i, people, kp, pk, s, v, k, t, rep, age, acc_ev, acc_x, on):
    """The consequences of hazard k: a health onset (no move), or a move to its destination (an education
    path resolved, a combined path, OT's end respected), queueing when the place is limited."""
    kd = kp.kind[s, k]
    if kd == K_HEALTH:
        people.flags[i] = np.int64(people.flags[i]) | FLAG_REDUCED_WORK_ABILITY
        count(acc_ev, on, E_RWA)
        if rules.in_nav_spell(s) and people.benefit[i] != B_AAP:  # found by NAV in its assessment of a client
            count_new_nav_rwa(acc_ev, on, s)
        return s
    ns, mode = destination_of_hazard(i, people, kp, pk, s, k, t, age)
    if ns == AAP and not rules.qualifies_for_aap(s, uniform(pk, 0, D_AAP_TYPE), kp.aap_eligible_share):
        return s  # not eligible: the move into AAP does not happen (the hazard is thinned by the person's type)
    event = kp.dropout_event[s, v]
    if kd == K_LAYOFF:
        event = E_APPRENTICE_LAYOFF if s == APPRENTICE else -1
        count(acc_ev, on, E_LAYOFF)
        layoff_benefit(i, people, kp, pk, t, age, acc_ev, acc_x, on)
    elif kd == K_TEMP_LAYOFF:
        count(acc_ev, on, E_TEMP_LAYOFF)
        people.benefit[i] = B_LAYOFF_PAY  # permittert: layoff pay, and a recall is expected
        people.dagpenger_end_step[i] = t + (kp.layoff_pay_days + kp.dt_days - 1) // kp.dt_days
    elif kd == K_RECALL:
        count(acc_ev, on, E_RECALL)
    if event >= 0:
        count(acc_ev, on, event)
    if s == SCHOOL:
        people.education[i] = max(np.int64(people.education[i]), EDU_SOME_VGO)
    return move_or_queue(i, people, kp, s, ns, mode, t, rep, age, acc_ev, acc_x, on)


@njit(**INLINE)
def destination_of_hazard(i, people, kp, pk, s, k, t, age):
    """(state, mode) hazard k leads to: an education path chosen at assessment; work practice that becomes a
    combined path (mechanism 6); never OT after its age."""
    ns = kp.dest[s, k]
    mode = M_PLAIN
    edu = np.int64(people.education[i])
    c = np.int64(people.county[i])
    if kp.kind[s, k] == K_EDU_PATH:
        ns, mode = choose_education_path(i, people, kp, pk, t, age)
    elif ns == WORK_MEASURE and s == ASSESSMENT and age < kp.combined_max_days:
        # mechanism 6: with cooperation, work practice for a youth with a right gets a school part (PYK)
        if rules.has_youth_right(edu, age, kp.return_max_days) and \
                uniform(pk, t, D_COMBINED) < kp.combined_path_share[c]:
            mode = M_COMBINED
    if ns == OT and rules.ot_follow_up_ended(age, kp.ot_end_days):
        ns = JOBSEEKER
    return ns, mode


@njit(**INLINE)
def choose_education_path(i, people, kp, pk, t, age):
    """Where an education path chosen at assessment leads; returns (state, mode). Under the training age:
    back to school on the youth right, else work practice. At the cap or with higher education: work practice.
    Higher education as a measure for those eligible (a share); the adult right: a county place first (public
    first); without a right: a grant-paid county place if the state pays for one, else NAV buys the course,
    first asking the county for a place (mechanism 4)."""
    edu = np.int64(people.education[i])
    flags = np.int64(people.flags[i])
    c = np.int64(people.county[i])
    if not rules.training_measure_allowed(age, kp.training_min_days):
        if rules.has_youth_right(edu, age, kp.return_max_days):
            return SCHOOL, M_PLAIN
        return WORK_MEASURE, M_PLAIN
    extended = (flags & FLAG_EXTENDED) != 0
    if edu >= EDU_TERTIARY or rules.education_cap_reached(np.int64(people.education_measure_days[i]), extended,
                                                          kp.cap_days, kp.extension_days):
        return WORK_MEASURE, M_PLAIN
    rwa = (flags & FLAG_REDUCED_WORK_ABILITY) != 0
    if rules.higher_education_measure_allowed(edu, age, rwa, kp.higher_education_min_days):
        if uniform(pk, t, D_EDU_PATH) < kp.higher_education_share:
            return TERTIARY, M_MARKET
    right = rules.has_adult_right(edu, age, kp.adult_right_days)
    if kp.public_first and right:
        return ADULT_VGO, M_PLAIN
    if kp.capacity[POOL_GRANT, c] > 0.0 and not right:
        return ADULT_VGO, M_GRANT
    if uniform(pk, t, D_PUBLIC) < kp.public_first_share[c]:
        return ADULT_VGO, M_PUBLIC
    return ADULT_VGO, M_MARKET


@njit(**INLINE)
def layoff_benefit(i, people, kp, pk, t, age, acc_ev, acc_x, on):
    """On a layoff: dagpenger for those who qualify (income test), for a long or a short period."""
    eligible = rules.dagpenger_eligible_share(age, kp.adult_right_days, kp.dagpenger_eligible_youth,
                                              kp.dagpenger_eligible_adult)
    days = rules.dagpenger_period_days(uniform(pk, t, D_BENEFIT), eligible, kp.dagpenger_long_share,
                                       kp.dagpenger_long_days, kp.dagpenger_short_days)
    if days > 0:
        people.benefit[i] = B_DAGPENGER
        people.dagpenger_end_step[i] = t + (days + kp.dt_days - 1) // kp.dt_days
        count(acc_ev, on, E_DP_START)


# ------------------------------------------------------------------------- programme ends, deadline


@njit(**INLINE)
def end_of_programme(i, people, kp, pk, s, v, t, rep, age, acc_ev, acc_x, on):
    """A programme's nominal end: pass or fail (vocational school: a contract or none, fewer contracts in a
    downturn when apprenticeship places are not limited), the education reached, then a destination."""
    c = np.int64(people.county[i])
    p_pass = kp.pass_share[s, v]
    if s == SCHOOL and v == 1 and not kp.capacity[POOL_APPRENTICESHIP, c] < np.inf:
        p_pass *= kp.apprenticeship_cycle[t]  # no labour-market places: the cycle acts on the contract share
    outcome = 1 if uniform(pk, t, D_PASS) < p_pass else 0
    ns = pick_end(kp, s, v, outcome, uniform(pk, t, D_DEST))
    if ns == OT and rules.ot_follow_up_ended(age, kp.ot_end_days):
        ns = JOBSEEKER
    new_edu = kp.end_edu[s, v, outcome]
    if new_edu > np.int64(people.education[i]):
        people.education[i] = new_edu
        if new_edu >= EDU_VGO and people.vgo_done_step[i] == NO_STEP:
            people.vgo_done_step[i] = t  # upper secondary completed (for the starting cohorts' completion)
    event = kp.end_event[s, v, outcome]
    if event >= 0:
        count(acc_ev, on, event)
    if s == WORK_MEASURE and v == 1:  # a combined path ends: how many got a contract, how many went back to school
        count(acc_ev, on, E_CP_ENDS)
        if ns == APPRENTICE:
            count(acc_ev, on, E_CP_APPRENTICE)
        elif ns == SCHOOL:
            count(acc_ev, on, E_CP_SCHOOL)
    if ns == s:
        return s
    return move_or_queue(i, people, kp, s, ns, M_PLAIN, t, rep, age, acc_ev, acc_x, on)


@njit(**INLINE)
def youth_guarantee_deadline(i, people, kp, pk, t, rep, acc_ev, acc_x, on):
    """Eight weeks after a young job seeker registered without an offer: NAV makes its offer (assessment)
    with the configured compliance, if a caseworker is free; otherwise the youth has no offer in time."""
    if not rules.guarantee_deadline_passed(days_since(people.registered_step[i], t, kp.dt_days), kp.guarantee_days):
        return NO_MOVE
    people.flags[i] = np.int64(people.flags[i]) & ~FLAG_OFFER_PENDING
    if kp.youth_guarantee and uniform(pk, t, D_GUARANTEE) < kp.guarantee_compliance:
        c = np.int64(people.county[i])
        if limited(kp, ASSESSMENT, M_GUARANTEE, c):
            queue(i, people, ASSESSMENT, M_GUARANTEE, t)  # the offer is made if the allocation finds a place now
            return APPLY
        count(acc_ev, on, E_GUARANTEE)
        count(acc_ev, on, E_OFFER)
        leave(i, people, kp, JOBSEEKER, ASSESSMENT, t, rep, acc_ev, acc_x, on)
        return ASSESSMENT
    count(acc_ev, on, E_NO_OFFER)
    return NO_MOVE


# -------------------------------------------------------------------------------------------- moves


@njit(**INLINE)
def queue(i, people, ns, mode, t):
    """Join (or stay in) the queue for a place in ns; the allocation after this pass decides."""
    if people.want[i] == 0:
        people.wait_since_step[i] = t
    people.want[i] = want_code(ns, mode)


@njit(**INLINE)
def move_or_queue(i, people, kp, s, ns, mode, t, rep, age, acc_ev, acc_x, on):
    """Move to ns, or queue for it when it needs a place from a limited pool (returns APPLY). An AAP recipient
    whose activity ended goes back to AAP rather than to the register."""
    ns = rules.back_to_aap(np.int64(people.benefit[i]), ns)
    if limited(kp, ns, mode, np.int64(people.county[i])):
        queue(i, people, ns, mode, t)
        return APPLY
    move(i, people, kp, s, ns, mode, t, rep, age, acc_ev, acc_x, on)
    return ns


@njit(**INLINE)
def move(i, people, kp, s, ns, mode, t, rep, age, acc_ev, acc_x, on):
    """Enter ns by this mode (M_*), then close the books of s (with what s was: NAV-bought education or not)."""
    nav_paid_education = is_nav_paid_education(s, np.int64(people.flags[i]))
    benefit = np.int64(people.benefit[i])
    was_rwa = rules.among_nav_reduced_work_ability(s, (people.flags[i] & FLAG_REDUCED_WORK_ABILITY) != 0, benefit)
    enter(i, people, kp, ns, mode, age)
    close_books(i, people, kp, s, ns, t, rep, acc_ev, acc_x, on, nav_paid_education, benefit)
    if not was_rwa and rules.among_nav_reduced_work_ability(ns, (people.flags[i] & FLAG_REDUCED_WORK_ABILITY) != 0,
                                                            np.int64(people.benefit[i])):
        count_new_nav_rwa(acc_ev, on, s)


@njit(**INLINE)
def count_new_nav_rwa(acc_ev, on, s):
    """A person newly among NAV's persons with reduced work ability, and whether straight from long sick leave."""
    count(acc_ev, on, E_NAV_RWA_NEW)
    if s == SICK_LEAVE:
        count(acc_ev, on, E_NAV_RWA_NEW_SICK)


@njit(**INLINE)
def enter(i, people, kp, ns, mode, age):
    """The flags and benefits that entering ns by this mode sets: who pays for education, a county place
    without a right, a combined path; studying on one's own may end dagpenger; AAP means reduced work ability."""
    flags = entry_flags(ns, mode, np.int64(people.flags[i]))
    if ns == ADULT_VGO or ns == TERTIARY or ns == SCHOOL:
        nav_paid = mode == M_MARKET or mode == M_PUBLIC
        if not nav_paid and people.benefit[i] == B_DAGPENGER:
            if rules.study_uptake(kp.study_regime, B_DAGPENGER, ns, age, kp.dagpenger_higher_education_min_days,
                                  kp.study_uptake) < 1.0:
                people.benefit[i] = B_NONE
    if ns == AAP:
        flags |= FLAG_REDUCED_WORK_ABILITY
    people.flags[i] = flags


@njit(**INLINE)
def leave(i, people, kp, s, ns, t, rep, acc_ev, acc_x, on):
    """A move s -> ns into a state with no programme to enter (ageing out, the cap, OT's end, the guarantee's
    offer): close the books of s."""
    close_books(i, people, kp, s, ns, t, rep, acc_ev, acc_x, on, is_nav_paid_education(s, np.int64(people.flags[i])),
                np.int64(people.benefit[i]))


@njit(**HOT)
def close_books(i, people, kp, s, ns, t, rep, acc_ev, acc_x, on, nav_paid_education, benefit):
    """The books of a move s -> ns: the events it counts (``benefit``: what the person had in s), the clocks
    it stops and starts, the queue left; time in education bought by NAV counts towards the cap."""
    people.want[i] = 0
    if on:
        count_move(i, people, kp, s, ns, t, acc_ev)
        count_exit(i, people, kp, s, ns, t, benefit, acc_x)
    flags = np.int64(people.flags[i])
    if nav_paid_education:
        used = np.int64(people.education_measure_days[i]) + days_since(people.entered_step[i], t, kp.dt_days)
        people.education_measure_days[i] = used if used < SATURATE else SATURATE
    people.entered_step[i] = t
    if flags & FLAG_OFFER_PENDING:
        if s == JOBSEEKER and rules.is_offer(ns):
            waited = days_since(people.registered_step[i], t, kp.dt_days)
            count(acc_ev, on and rules.offer_in_time(waited, kp.guarantee_days), E_OFFER)
        flags &= ~FLAG_OFFER_PENDING
    people.flags[i] = flags
    nav_spell(i, people, kp, s, ns, t, rep, acc_ev, acc_x, on)
    if ns == WORK or ns == AAP or ns == DISABILITY or ns == AGED_OUT or ns == DEPARTED:
        people.benefit[i] = B_NONE
    elif s == AAP or people.benefit[i] == B_AAP:  # AAP goes on through activities and ends with them
        keeps = rules.keeps_aap(ns, is_nav_paid_education(ns, np.int64(people.flags[i])))
        people.benefit[i] = B_AAP if keeps else B_NONE
    elif (people.benefit[i] == B_DAGPENGER or people.benefit[i] == B_LAYOFF_PAY) and \
            not (rules.in_nav_spell(ns) or ns == SCHOOL or ns == ADULT_VGO or ns == TERTIARY):
        people.benefit[i] = B_NONE  # dagpenger and layoff pay end off the register (inactive, apprentice, OT)
    if ns == AGED_OUT or ns == DEPARTED:
        people.first_nav_step[i] = -2


@njit(**INLINE)
def nav_spell(i, people, kp, s, ns, t, rep, acc_ev, acc_x, on):
    """A NAV spell ends (its length counted) or begins: the first contact with NAV in the reporting window,
    and for a young job seeker the youth guarantee's clock."""
    was_nav = rules.in_nav_spell(s)
    now_nav = rules.in_nav_spell(ns)
    if was_nav and not now_nav:
        count(acc_ev, on, E_SPELL_ENDS)
        count(acc_ev, on, E_SPELL_DAYS, days_since(people.spell_start_step[i], t, kp.dt_days))
    if now_nav and not was_nav:
        people.spell_start_step[i] = t
        if on and people.first_nav_step[i] == -1:
            people.first_nav_step[i] = rep
            count(acc_ev, on, E_FIRST_NAV)
        if ns == JOBSEEKER and rules.youth_guarantee_applies(age_at(people, kp, i, t), kp.guarantee_max_days):
            people.flags[i] = np.int64(people.flags[i]) | FLAG_OFFER_PENDING
            people.registered_step[i] = t


@njit(**INLINE)
def count_move(i, people, kp, s, ns, t, acc_ev):
    """The events a move counts: referral delays (mechanism 1), the wait from assessment to a programme
    (mechanism 2), and how NAV-bought education, grant places and combined paths start."""
    dt = kp.dt_days
    flags = np.int64(people.flags[i])
    if s == OT and ns == JOBSEEKER:
        acc_ev[E_OT_REFERRALS] += 1
        acc_ev[E_OT_REFERRAL_DAYS] += days_since(people.entered_step[i], t, dt)
    elif s == JOBSEEKER and ns == ASSESSMENT:
        acc_ev[E_ASSESSMENT_STARTS] += 1
        acc_ev[E_ASSESSMENT_WAIT] += days_since(people.entered_step[i], t, dt)
    elif s == ASSESSMENT and rules.is_offer(ns):
        acc_ev[E_PROGRAMME_STARTS] += 1
        acc_ev[E_PROGRAMME_WAIT] += days_since(people.entered_step[i], t, dt)
    county_place = (flags & FLAG_COUNTY_PLACE_WITHOUT_RIGHT) != 0
    if ns == ADULT_VGO and (flags & FLAG_NAV_PAID):
        acc_ev[E_NAV_VGO_COUNTY if county_place else E_NAV_VGO_MARKET] += 1
    elif ns == ADULT_VGO and county_place:
        acc_ev[E_GRANT_STARTS] += 1
    elif ns == WORK_MEASURE and (flags & FLAG_COMBINED_PATH):
        acc_ev[E_CP_STARTS] += 1


# ------------------------------------------------------------------------------------------- tallies


@njit(**INLINE)
def tally(i, people, kp, t, s_old, s_new, rep, acc_st, acc_fl, acc_ev, acc_x, acc_pool):
    """Count person i at the end of the step: stocks, the flow, the fiscal booking, the capacity used,
    attribute stocks, follow-ups after the first NAV contact, and (at the month's end) the cross-tabulation."""
    n_c = acc_st.shape[1] - N_TALLY_CELLS
    c = people.county[i]
    flags = np.int64(people.flags[i])
    acc_st[s_new, c] += 1
    age = age_at(people, kp, i, t)
    acc_st[s_new, n_c + (rules.age_band(age) * 4 + people.education[i]) * 2 + (1 if flags & FLAG_IMMIGRANT else 0)] += 1
    acc_fl[s_old, s_new] += 1
    acc_ev[E_BOOK + (s_new * N_PAYMENT_VARIANTS + payment_variant(s_new, flags)) * N_BENEFITS + people.benefit[i]] += 1
    p0, u0, p1, u1 = pool_of(kp, s_new, flags)
    if p0 >= 0:
        acc_pool[p0, c] += u0
    if p1 >= 0:
        acc_pool[p1, c] += u1
    tally_attributes(i, people, kp, t, s_new, flags, acc_ev)
    tally_followups(i, people, kp, s_new, rep, acc_ev)
    if rep >= 1 and kp.snapshot[t]:
        tally_snapshot(i, people, kp, t, s_new, age, flags, acc_x)


@njit(**INLINE)
def tally_snapshot(i, people, kp, t, s, age, flags, acc_x):
    """The month-end cross-tabulation: state x age group x education x immigrant x reduced work ability, and
    state x months in the state (person-snapshots of the reported year)."""
    row = acc_x[kp.report_year[t]]
    cell = ((age_group(kp, age) * 4 + people.education[i]) * 2 + (1 if flags & FLAG_IMMIGRANT else 0)) * 2 \
        + (1 if flags & FLAG_REDUCED_WORK_ABILITY else 0)
    row[XT_CELLS + s * N_XCELLS + cell] += 1
    row[XT_DURATION_STOCK + s * N_DURATIONS + duration_bin(kp, days_since(people.entered_step[i], t, kp.dt_days))] += 1


@njit(**INLINE)
def count_exit(i, people, kp, s, ns, t, benefit, acc_x):
    """A move s -> ns by months spent in s, by age group and by the benefit held in s (the reported year's)."""
    row = acc_x[kp.report_year[t]]
    pair = s * N_STATES + ns
    row[XT_EXIT_DURATION + pair * N_DURATIONS
        + duration_bin(kp, days_since(people.entered_step[i], t, kp.dt_days))] += 1
    row[XT_EXIT_AGE + pair * N_AGE_GROUPS + age_group(kp, age_at(people, kp, i, t))] += 1
    row[XT_EXIT_BENEFIT + pair * N_BENEFITS + benefit] += 1


@njit(**INLINE)
def age_group(kp, age_days):
    """The cross-tabulation's age group of an age in days."""
    g = 0
    for k in range(1, kp.age_group_lo_days.shape[0]):
        if age_days >= kp.age_group_lo_days[k]:
            g = k
    return g


@njit(**INLINE)
def duration_bin(kp, days):
    """The months-in-state bin of a duration in days (0-1, 1-3, 3-6, 6-12, 12-24, 24+ months)."""
    b = 0
    for k in range(kp.duration_edges_days.shape[0]):
        if days >= kp.duration_edges_days[k]:
            b = k + 1
    return b


@njit(**INLINE)
def tally_attributes(i, people, kp, t, s, flags, acc_ev):
    """Stocks of person attributes: long-term unemployed, benefits, who pays for adult and higher education."""
    if s == JOBSEEKER or s == ASSESSMENT:
        if rules.long_term_unemployed(days_since(people.spell_start_step[i], t, kp.dt_days), kp.long_term_days):
            acc_ev[E_LTU] += 1
    b = people.benefit[i]
    if b == B_DAGPENGER:
        acc_ev[E_STOCK_DP] += 1
    elif b == B_SA:
        acc_ev[E_STOCK_SA] += 1
    elif b == B_LAYOFF_PAY:
        acc_ev[E_STOCK_LAYOFF] += 1
    elif b == B_AAP:
        acc_ev[E_STOCK_AAP_ACTIVE] += 1
    if s == ADULT_VGO:
        acc_ev[E_STOCK_NAV_VGO if flags & FLAG_NAV_PAID else E_STOCK_COUNTY_VGO] += 1
    elif s == TERTIARY and (flags & FLAG_NAV_PAID):
        acc_ev[E_STOCK_NAV_TERT] += 1


@njit(**INLINE)
def tally_followups(i, people, kp, s, rep, acc_ev):
    """In work 6, 12, 24 months after the first contact with NAV: count those due this step and in work."""
    first = np.int64(people.first_nav_step[i])
    if first < 0:
        return
    n_fu = kp.followup_days.shape[0]
    elapsed = (rep - first) * kp.dt_days
    for k in range(n_fu):
        thr = kp.followup_days[k]
        if elapsed - kp.dt_days < thr <= elapsed:
            acc_ev[E_FU_DUE + k] += 1
            if s == WORK:
                acc_ev[E_FU_WORK + k] += 1
    if elapsed >= kp.followup_days[n_fu - 1]:
        people.first_nav_step[i] = -2
