"""What can happen to a person in a state, and how likely: each hazard's rate for one person now (the
configured rate times the cell, cooperation, the business cycle, duration and eligibility), the table of
exit probabilities the kernel's fast path reads, and the destination drawn at a programme's end.
"""
from __future__ import annotations

import numpy as np  # noqa: E402
from numba import njit  # noqa: E402

from simulation.core import (
    numba_cache,  # noqa: F401  (first: points Numba's cache at this version's directory)
    rules,  # noqa: E402
)
from simulation.core.schema import (  # noqa: E402
    FLAG_IMMIGRANT,
    FLAG_REDUCED_WORK_ABILITY,
    K_ADULT_VGO_COUNTY,
    K_DEREGISTER,
    K_HEALTH,
    K_JOB,
    K_LAYOFF,
    K_PLAIN,
    K_RECALL,
    K_RETURN_SCHOOL,
    K_TEMP_LAYOFF,
    K_TERTIARY_ENTRY,
    N_CELLS,
)
from simulation.core.states import N_STATES, Benefit, Education, State  # noqa: E402

HOT = dict(cache=True, _nrt=False)
INLINE = dict(cache=True, inline="always", _nrt=False)
DAYS_PER_YEAR = rules.DAYS_PER_YEAR
JOBSEEKER = int(State.JOBSEEKER)
OT = int(State.OT_FOLLOWED)
SCHOOL = int(State.SCHOOL)
ADULT_VGO = int(State.ADULT_VGO)
EDU_VGO = int(Education.VGO)
B_NONE = int(Benefit.NONE)
B_DAGPENGER = int(Benefit.DAGPENGER)
B_LAYOFF_PAY = int(Benefit.LAYOFF_PAY)


@njit(**INLINE)
def rate_cell(band, education, flags):
    """The rate cell (0..95) of a rate band (1..6), an education level and the immigrant and reduced-work-ability
    flags: the static multipliers of ``KernelParams.hazard`` differ by cell."""
    imm = 1 if flags & FLAG_IMMIGRANT else 0
    rwa = 1 if flags & FLAG_REDUCED_WORK_ABILITY else 0
    return ((band - 1) * 4 + education) * 4 + imm * 2 + rwa


@njit(**INLINE)
def entry_rate(kp, s, v, k, cell, c, t, band, edu, flags, benefit, age, udays):
    """Annual hazard of entry k of state s for this person now (0 when a rule makes it impossible)."""
    r = kp.hazard[s, v, k, cell] * kp.county_mult[c, s, k]
    if r == 0.0:
        return 0.0
    kd = kp.kind[s, k]
    if kd == K_PLAIN:
        return r
    if kd == K_JOB:
        r *= kp.job_cycle[t, band - 1, edu]
        if s == JOBSEEKER or s == OT:
            r *= rules.duration_factor(kp.duration_factor, udays)  # job finding falls with unemployment's length
        return r
    if kd == K_LAYOFF:
        return r * kp.layoff_cycle[t, band - 1, edu]
    if kd == K_TEMP_LAYOFF:
        return r * kp.temp_layoff_cycle[t]
    if kd == K_RECALL:
        return r if benefit == B_LAYOFF_PAY else 0.0  # only the temporarily laid off are recalled
    if kd == K_DEREGISTER:  # without dagpenger (or layoff pay) one leaves the register sooner
        return r if (benefit == B_DAGPENGER or benefit == B_LAYOFF_PAY) else r * kp.deregister_mult
    if kd == K_HEALTH:
        return 0.0 if flags & FLAG_REDUCED_WORK_ABILITY else r
    if kd == K_RETURN_SCHOOL:
        if not rules.has_youth_right(edu, age, kp.return_max_days):
            return 0.0
        r *= kp.education_cycle[t]  # more apply for education in downturns
        return r * rules.study_uptake(kp.study_regime, benefit, SCHOOL, age, kp.dagpenger_higher_education_min_days,
                                      kp.study_uptake)
    if kd == K_ADULT_VGO_COUNTY:
        if not rules.has_adult_right(edu, age, kp.adult_right_days):
            return 0.0
        r *= kp.education_cycle[t]
        return r * rules.study_uptake(kp.study_regime, benefit, ADULT_VGO, age,
                                      kp.dagpenger_higher_education_min_days, kp.study_uptake)
    if kd == K_TERTIARY_ENTRY:
        return r if (edu == EDU_VGO and age < kp.tertiary_entry_max_days) else 0.0
    return r  # K_EDU_PATH: always open; resolved (or redirected) when chosen


@njit(**INLINE)
def total_rate(kp, s, v, cell, c, t, band, edu, flags, benefit, age, udays):
    """The sum of the state's hazards for this person now (per year)."""
    total = 0.0
    for k in range(kp.n_entries[s]):
        total += entry_rate(kp, s, v, k, cell, c, t, band, edu, flags, benefit, age, udays)
    return total


@njit(**INLINE)
def choose_entry(kp, s, v, cell, c, t, band, edu, flags, benefit, age, udays, target):
    """The entry whose share of the total rate the scaled draw ``target`` (in [0, total)) falls in."""
    n_k = kp.n_entries[s]
    cum = 0.0
    for k in range(n_k):
        cum += entry_rate(kp, s, v, k, cell, c, t, band, edu, flags, benefit, age, udays)
        if target < cum:
            return k
    return n_k - 1


@njit(**HOT)
def fill_state_table(kp, table, t, s, v):
    """Exit probabilities of state s, variant v for every cell and county at step t (no benefit, a whole step):
    what the fast path reads instead of summing the hazards person by person."""
    for cell in range(N_CELLS):
        band = cell // 16 + 1
        edu = (cell // 4) % 4
        flags = (FLAG_IMMIGRANT if (cell // 2) % 2 else 0) | (FLAG_REDUCED_WORK_ABILITY if cell % 2 else 0)
        age = kp.band_lo_days[band]
        for c in range(table.shape[3]):
            total = total_rate(kp, s, v, cell, c, t, band, edu, flags, B_NONE, age, 0)
            table[s, v, cell, c] = -np.expm1(-total * float(kp.dt_days) / DAYS_PER_YEAR)


@njit(**HOT)
def fill_table(kp, table, t):
    """Recompute every cell's exit probability (after the institutions changed the county multipliers)."""
    for sv in range(N_STATES * 2):
        fill_state_table(kp, table, t, sv // 2, sv % 2)


@njit(**INLINE)
def pick_end(kp, s, v, outcome, u):
    """The destination after a programme's end (outcome 1 pass, 0 fail) for the uniform draw u."""
    row = kp.end_cum[s, v, outcome]
    for d in range(N_STATES):
        if u < row[d]:
            return d
    return JOBSEEKER  # unreachable when the shares sum to one; a safe default
