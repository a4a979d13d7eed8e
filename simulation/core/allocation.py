"""Scarce places: after every person has stepped, the persons who queue for a place are ranked and given
places county by county and pool by pool, within what each institution has; then the outcome is applied.

The priority order: a legal right to the place (the youth or adult right to upper secondary), youth at the
youth guarantee's deadline, youth under the guarantee's age, the longest wait, then a random key (common
random numbers). NAV buying a course for someone without a right (public first) ranks below a right.
"""
from __future__ import annotations

import numpy as np  # noqa: E402
from numba import njit  # noqa: E402

from simulation.core import (
    numba_cache,  # noqa: F401  (first: points Numba's cache at this version's directory)
    rules,  # noqa: E402
)
from simulation.core.hazards import pick_end  # noqa: E402
from simulation.core.places import limited, pool_of, pool_on_entry, rule_variant, want_code, wanted  # noqa: E402
from simulation.core.rng import person_key, uniform  # noqa: E402
from simulation.core.schema import (  # noqa: E402
    D_FALLBACK,
    D_PUBLIC,
    D_QUEUE,
    E_ADMIT,
    E_GUARANTEE,
    E_NO_OFFER,
    E_OFFER,
    E_WAIT_DAYS,
    E_WAITING,
    M_GRANT,
    M_GUARANTEE,
    M_MARKET,
    M_PLAIN,
    M_PUBLIC,
    N_POOLS,
    WANT_ADMITTED,
)
from simulation.core.states import State  # noqa: E402
from simulation.core.step import age_at, count, days_since, move, tally  # noqa: E402

HOT = dict(cache=True, _nrt=False)
INLINE = dict(cache=True, inline="always", _nrt=False)
SCHOOL, APPRENTICE, OT = int(State.SCHOOL), int(State.APPRENTICE), int(State.OT_FOLLOWED)
JOBSEEKER, ADULT_VGO = int(State.JOBSEEKER), int(State.ADULT_VGO)


@njit(**INLINE)
def pool_use(i, people, kp, acc_pool, sign):
    """Add (sign 1) or remove (-1) the units of the pools person i uses in their current state."""
    p0, u0, p1, u1 = pool_of(kp, np.int64(people.state[i]), np.int64(people.flags[i]))
    c = people.county[i]
    if p0 >= 0:
        acc_pool[p0, c] += sign * u0
    if p1 >= 0:
        acc_pool[p1, c] += sign * u1


@njit(**INLINE)
def has_right_to_place(people, kp, i, ns, age):
    """A legal right to the place: the youth or adult right to upper secondary education (school, an
    apprenticeship, adult VGO)."""
    if ns != ADULT_VGO and ns != APPRENTICE and ns != SCHOOL:
        return False
    edu = np.int64(people.education[i])
    return rules.has_youth_right(edu, age, kp.return_max_days) or rules.has_adult_right(edu, age,
                                                                                         kp.adult_right_days)


@njit(**INLINE)
def priority(people, kp, rep_key, i, t):
    """The applicant's rank in the queue (higher first): right, guarantee deadline, youth, wait, random key."""
    ns, mode = wanted(people.want[i])
    age = age_at(people, kp, i, t)
    right = 1.0 if (mode == M_PLAIN and has_right_to_place(people, kp, i, ns, age)) else 0.0
    deadline = 1.0 if mode == M_GUARANTEE else 0.0
    youth = 1.0 if rules.youth_guarantee_applies(age, kp.guarantee_max_days) else 0.0
    waited = float(t - np.int64(people.wait_since_step[i]))
    return right * 4e7 + deadline * 2e7 + youth * 1e7 + waited + uniform(person_key(rep_key, i), t, D_QUEUE)


@njit(**INLINE)
def room(kp, use, pool, cost, c):
    """Has county c's pool room for ``cost`` more units (unscaled)? No pool (-1): always."""
    return pool < 0 or (use[pool, c] + cost) * kp.scale <= kp.capacity[pool, c]


@njit(**INLINE)
def take_place(kp, use, ns, mode, c):
    """Book the place(s) in county c's pools for entering ns by this mode, if every pool it draws on has room."""
    p0, u0, p1, u1 = pool_on_entry(kp, ns, mode)
    if not (room(kp, use, p0, u0, c) and room(kp, use, p1, u1, c)):
        return False
    if p0 >= 0:
        use[p0, c] += u0
    if p1 >= 0:
        use[p1, c] += u1
    return True


@njit(cache=True)
def allocate(people, kp, rep_key, t, acc_pool, app_idx, app_count, chunk):
    """Rank this step's applicants (listed by chunk in ``app_idx``) and give places while the pools have room;
    ``acc_pool`` holds the units in use, the applicants' current places included."""
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
            idx[k] = i
            key[k] = people.county[i] * 1e9 - priority(people, kp, rep_key, i, t)  # by county, highest first
            k += 1
    order = np.argsort(key, kind="mergesort")
    for j in range(n_app):
        hand_out(people, kp, rep_key, t, use, idx[order[j]])


@njit(**INLINE)
def hand_out(people, kp, rep_key, t, use, i):
    """Give applicant i the place, if free. When an earmarked grant's places are full, NAV buys the course,
    first asking the county for a place (public first); when the county has none, NAV buys it on the market,
    if its measure budget allows. Otherwise the applicant waits for the place first asked for."""
    c = np.int64(people.county[i])
    ns, mode = wanted(people.want[i])
    if take_place(kp, use, ns, mode, c):
        people.want[i] = np.int64(people.want[i]) | WANT_ADMITTED
        return
    if mode == M_GRANT and uniform(person_key(rep_key, i), t, D_PUBLIC) < kp.public_first_share[c]:
        if take_place(kp, use, ns, M_PUBLIC, c):
            people.want[i] = want_code(ns, M_PUBLIC) | WANT_ADMITTED
            return
    if (mode == M_GRANT or mode == M_PUBLIC) and take_place(kp, use, ns, M_MARKET, c):
        people.want[i] = want_code(ns, M_MARKET) | WANT_ADMITTED  # no county place free: NAV buys on the market


@njit(**HOT)
def apply_admissions(people, kp, rep_key, t, rep, applicants, acc_st, acc_fl, acc_ev, acc_x, acc_pool):
    """This chunk's applicants after the allocation: those given a place move in; NAV buys on the market for
    those the county had no place for (public first); those whose programme has ended wait elsewhere; the
    rest keep waiting. Each is tallied here (the step skipped them)."""
    on = rep >= 1
    for j in range(applicants.shape[0]):
        i = applicants[j]
        s = np.int64(people.state[i])
        pool_use(i, people, kp, acc_pool, -1)  # counted for the allocation (step_chunk); tally counts it again
        ns = apply_outcome(i, people, kp, rep_key, s, t, rep, acc_ev, acc_x, on)
        people.state[i] = ns
        tally(i, people, kp, t, s, ns, rep, acc_st, acc_fl, acc_ev, acc_x, acc_pool)


@njit(**INLINE)
def apply_outcome(i, people, kp, rep_key, s, t, rep, acc_ev, acc_x, on):
    """Where applicant i is at the end of the step."""
    w = np.int64(people.want[i])
    ns, mode = wanted(w)
    pool = pool_on_entry(kp, ns, mode)[0]
    age = age_at(people, kp, i, t)
    if w & WANT_ADMITTED:
        people.want[i] = w & ~WANT_ADMITTED
        count(acc_ev, on, E_ADMIT + pool)
        count(acc_ev, on, E_WAIT_DAYS + pool, days_since(people.wait_since_step[i], t, kp.dt_days))
        if mode == M_GUARANTEE:
            count(acc_ev, on, E_GUARANTEE)
            count(acc_ev, on, E_OFFER)
        move(i, people, kp, s, ns, mode, t, rep, age, acc_ev, acc_x, on)
        return ns
    if mode == M_GUARANTEE:
        # no caseworker free at the deadline: the offer is late; the youth keeps queueing for assessment
        count(acc_ev, on, E_NO_OFFER)
        people.want[i] = want_code(ns, M_PLAIN)
        mode = M_PLAIN
    count(acc_ev, on, E_WAITING + pool)
    v = rule_variant(s, np.int64(people.flags[i]))
    length = kp.programme_days[s, v]
    if length > 0.0 and days_since(people.entered_step[i], t, kp.dt_days) >= length:
        return wait_elsewhere(i, people, kp, rep_key, s, v, ns, mode, t, rep, age, acc_ev, acc_x, on)
    return s


@njit(**INLINE)
def wait_elsewhere(i, people, kp, rep_key, s, v, ns, mode, t, rep, age, acc_ev, acc_x, on):
    """The programme has ended but the next place is not free: wait where those without it go (e.g. no
    apprenticeship contract: OT), still in the queue."""
    fb = pick_end(kp, s, v, 0, uniform(person_key(rep_key, i), t, D_FALLBACK))
    if (fb == OT and rules.ot_follow_up_ended(age, kp.ot_end_days)) or fb == ns or fb == s or \
            limited(kp, fb, M_PLAIN, np.int64(people.county[i])):
        fb = JOBSEEKER
    since = people.wait_since_step[i]
    move(i, people, kp, s, fb, M_PLAIN, t, rep, age, acc_ev, acc_x, on)
    people.want[i] = want_code(ns, mode)
    people.wait_since_step[i] = since
    return fb
