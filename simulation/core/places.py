"""What kind of place a person holds or queues for: which rates apply (the rule variant), who pays and
where (the payment variant), which capacity pool the place draws on, and the queue's encoding.
"""
from __future__ import annotations

import numpy as np  # noqa: E402
from numba import njit  # noqa: E402

from simulation.core import numba_cache  # noqa: F401  (first: points Numba's cache at this version's directory)
from simulation.core.schema import (  # noqa: E402
    FLAG_COMBINED_PATH,
    FLAG_COUNTY_PLACE_WITHOUT_RIGHT,
    FLAG_NAV_PAID,
    FLAG_VOCATIONAL,
    M_COMBINED,
    M_GRANT,
    M_MARKET,
    M_PUBLIC,
    WANT_MODE,
    WANT_MODE_SHIFT,
    WANT_STATE,
)
from simulation.core.states import State  # noqa: E402

INLINE = dict(cache=True, inline="always", _nrt=False)
SCHOOL = int(State.SCHOOL)
ADULT_VGO = int(State.ADULT_VGO)
TERTIARY = int(State.TERTIARY)
WORK_MEASURE = int(State.WORK_MEASURE)


@njit(**INLINE)
def rule_variant(state, flags):
    """Which rates, durations and ends apply (0 or 1): the vocational track; education bought by NAV (alike
    wherever it is delivered); a combined path among work measures. A grant-paid county place follows the
    rules of any county place."""
    if state == SCHOOL:
        return 1 if flags & FLAG_VOCATIONAL else 0
    if state == ADULT_VGO or state == TERTIARY:
        return 1 if flags & FLAG_NAV_PAID else 0
    if state == WORK_MEASURE:
        return 1 if flags & FLAG_COMBINED_PATH else 0
    return 0


@njit(**INLINE)
def payment_variant(state, flags):
    """Who pays and where (0..3), for the fiscal ledger and the capacity pools. Adult VGO: a county place on
    the adult right (0), bought by NAV on the market (1), bought by NAV in a county place at cost price (2),
    a county place paid by an earmarked grant (3). Higher education as a NAV measure (1); a combined path
    among work measures (1); the vocational school track (1)."""
    if state == SCHOOL:
        return 1 if flags & FLAG_VOCATIONAL else 0
    if state == ADULT_VGO:
        county_place = flags & FLAG_COUNTY_PLACE_WITHOUT_RIGHT
        if flags & FLAG_NAV_PAID:
            return 2 if county_place else 1
        return 3 if county_place else 0
    if state == TERTIARY:
        return 1 if flags & FLAG_NAV_PAID else 0
    if state == WORK_MEASURE:
        return 1 if flags & FLAG_COMBINED_PATH else 0
    return 0


@njit(**INLINE)
def payment_variant_on_entry(state, mode):
    """The payment variant a person will have on entering ``state`` by this mode (M_*)."""
    if state == ADULT_VGO:
        if mode == M_MARKET:
            return 1
        if mode == M_GRANT:
            return 3
        return 2 if mode == M_PUBLIC else 0
    if state == TERTIARY:
        return 1 if mode == M_MARKET else 0
    if state == WORK_MEASURE:
        return 1 if mode == M_COMBINED else 0
    return 0


@njit(**INLINE)
def entry_flags(state, mode, flags):
    """The flags after entering ``state`` by this mode: who pays for education, a county place without a
    right, a combined path. Other flags are kept."""
    if state == ADULT_VGO or state == TERTIARY:
        nav_paid = mode == M_MARKET or mode == M_PUBLIC
        flags = (flags | FLAG_NAV_PAID) if nav_paid else (flags & ~FLAG_NAV_PAID)
    if state == ADULT_VGO or state == TERTIARY or state == WORK_MEASURE:
        without_right = mode == M_PUBLIC or mode == M_GRANT
        flags = ((flags | FLAG_COUNTY_PLACE_WITHOUT_RIGHT) if without_right
                 else (flags & ~FLAG_COUNTY_PLACE_WITHOUT_RIGHT))
        flags = (flags | FLAG_COMBINED_PATH) if mode == M_COMBINED else (flags & ~FLAG_COMBINED_PATH)
    return flags


@njit(**INLINE)
def pool_of(kp, state, flags):
    """The capacity pools a person in this state uses, each with the units it takes (unscaled):
    (pool, units, second pool, its units); -1: none. A NAV-bought course in a county place takes a county
    place and money from NAV's measure budget."""
    v = payment_variant(state, flags)
    return kp.pool_id[state, v, 0], kp.pool_unit[state, v, 0], kp.pool_id[state, v, 1], kp.pool_unit[state, v, 1]


@njit(**INLINE)
def pool_on_entry(kp, state, mode):
    """The capacity pools entering ``state`` by this mode draws on, as ``pool_of``."""
    v = payment_variant_on_entry(state, mode)
    return kp.pool_id[state, v, 0], kp.pool_unit[state, v, 0], kp.pool_id[state, v, 1], kp.pool_unit[state, v, 1]


@njit(**INLINE)
def limited(kp, state, mode, county):
    """Does entering ``state`` by this mode need a place from a limited pool of the county?"""
    p0, _, p1, _ = pool_on_entry(kp, state, mode)
    return (p0 >= 0 and kp.capacity[p0, county] < np.inf) or (p1 >= 0 and kp.capacity[p1, county] < np.inf)


@njit(**INLINE)
def wanted(want):
    """(state, mode) a person queues for, from People.want."""
    w = np.int64(want)
    return w & WANT_STATE, (w >> WANT_MODE_SHIFT) & WANT_MODE


@njit(**INLINE)
def want_code(state, mode):
    """People.want for queueing for ``state`` by ``mode``."""
    return state | (mode << WANT_MODE_SHIFT)
