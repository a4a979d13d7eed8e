"""The domain's rules, one small function each, named after the rule and citing its source.

Every rule takes plain numbers (ages and durations in whole days, codes from ``simulation.core.states``),
so it can be read, tested on hand-made values and used by both engines: the Numba kernel and the
person-level Mesa engine run these same compiled functions. Sources are cited by the keys of
``docs/domain.md`` (section 9); the section of the law is given where the rule comes from a law.
Values (ages, durations, shares) come from the configs; the rules only say how they are applied.
"""
from __future__ import annotations

import math  # noqa: E402

import numpy as np  # noqa: E402
from numba import njit  # noqa: E402

from simulation.core import numba_cache  # noqa: F401  (first: points Numba's cache at this version's directory)
from simulation.core.states import AGE_BAND_EDGES, Benefit, Education, State  # noqa: E402

DAYS_PER_YEAR = 365.25
_EDGES = tuple(int(round(a * DAYS_PER_YEAR)) for a in AGE_BAND_EDGES)
E16, E19, E22, E25, E30, E50, E67 = _EDGES
_VGO = int(Education.VGO)
_TERTIARY_EDU = int(Education.TERTIARY)
_DAGPENGER = int(Benefit.DAGPENGER)
_AAP_BENEFIT = int(Benefit.AAP)
_AAP_STATE = int(State.AAP)
_SICK_LEAVE = int(State.SICK_LEAVE)
_TERTIARY_STATE = int(State.TERTIARY)
_JOBSEEKER, _ASSESSMENT = int(State.JOBSEEKER), int(State.ASSESSMENT)
_WORK_MEASURE, _AMO, _SCHOOL, _ADULT_VGO = (int(State.WORK_MEASURE), int(State.AMO_COURSE), int(State.SCHOOL),
                                            int(State.ADULT_VGO))
REGIME_BEFORE_2020, REGIME_TEMPORARY_2020, REGIME_PERMANENT_2021 = 0, 1, 2
INLINE = dict(cache=True, inline="always", _nrt=False)


def years_to_days(years: float) -> int:
    """An age or duration in whole days, the unit of the kernel's clocks."""
    return int(round(years * DAYS_PER_YEAR))


# ------------------------------------------------------------------------------------------- ages


@njit(**INLINE)
def age_band(age_days):
    """Reporting age band: 0 under 16, 1..6 the rate bands 16-18 .. 50-66, 7 for 67 and over.
    The bands end where the rules switch: 19 (training measures), 22 (OT ends), 25 (adult right), 30
    (youth guarantee), 67 (old-age pension)."""
    if age_days < E16:
        return 0
    if age_days < E19:
        return 1
    if age_days < E22:
        return 2
    if age_days < E25:
        return 3
    if age_days < E30:
        return 4
    if age_days < E50:
        return 5
    if age_days < E67:
        return 6
    return 7


@njit(**INLINE)
def rate_band(age_days):
    """The age band whose rates apply (1..6): under-16s and 67+ never reach the rates."""
    b = age_band(age_days)
    return 1 if b < 1 else (6 if b > 6 else b)


@njit(**INLINE)
def enters_scope(age_days, age16_days):
    """A person enters the model in the step they turn 16, the age of the youth right to upper secondary
    ([Opplæringslova-1998] § 3-1)."""
    return age_days >= age16_days


@njit(**INLINE)
def ages_out(age_days, age67_days):
    """At 67 a person leaves the working-age population (old-age pension, [Folketrygdloven] ch. 19)."""
    return age_days >= age67_days


@njit(**INLINE)
def arrives(t, arrival_step):
    """An immigrant enters the population in the step of arrival (``arrival_step`` < 0: born here, enters at 16)."""
    return arrival_step >= 0 and t >= arrival_step


@njit(**INLINE)
def whole_years(age_days):
    """Completed years of age, 0..67 (the index of the population-change tables)."""
    a = np.int64(age_days / DAYS_PER_YEAR)
    return min(max(a, 0), 67)


# ----------------------------------------------------------------------- rights to upper secondary


@njit(**INLINE)
def has_youth_right(education, age_days, youth_right_end_days):
    """Ungdomsrett: no completed upper secondary and younger than the right's end, an age from the config:
    to 21 before the completion reform ([Opplæringslova-1998] § 3-1; OT's age span), to 24 with it, when the
    right lasts until one is qualified and the adult right takes over at 25 [MeldSt21-2021],
    [Opplæringslova-2023]."""
    return education < _VGO and age_days < youth_right_end_days


@njit(**INLINE)
def has_adult_right(education, age_days, adult_right_days):
    """Voksenrett: 25 or over without completed upper secondary ([Opplæringslova-1998] § 4A-3)."""
    return education < _VGO and age_days >= adult_right_days


@njit(**INLINE)
def ot_follow_up_ended(age_days, ot_end_days):
    """The follow-up service (OT) follows youth with a right to upper secondary who are neither in school nor
    in work up to the year they turn 21; from 22 it has no duty ([Opplæringslova-1998] § 3-6)."""
    return age_days >= ot_end_days


# ------------------------------------------------------------------------------ training measures


@njit(**INLINE)
def training_measure_allowed(age_days, training_min_days):
    """NAV grants training as a labour-market measure (opplæringstiltak) from age 19 [Tiltaksforskriften]."""
    return age_days >= training_min_days


@njit(**INLINE)
def higher_education_measure_allowed(education, age_days, reduced_work_ability, higher_education_min_days):
    """Higher education as a NAV measure only for persons over 22 with reduced work ability who have
    completed upper secondary [Tiltaksforskriften], [MeldSt32-2021]."""
    return education >= _VGO and age_days >= higher_education_min_days and reduced_work_ability


@njit(**INLINE)
def education_cap_reached(days_used, extended, cap_days, extension_days):
    """Education as a NAV measure lasts at most 3 years, plus 1 more year in special cases
    [Tiltaksforskriften], [MeldSt32-2021]: the cap is reached when the days used reach the limit, which is
    3 years, or 3 + 1 once the extra year has been granted. The one check of the cap, used everywhere."""
    limit = cap_days + (extension_days if extended else 0.0)
    return days_used >= limit


# ---------------------------------------------------------------------------------- the youth guarantee


@njit(**INLINE)
def youth_guarantee_applies(age_days, guarantee_max_days):
    """The youth guarantee (forsterket ungdomsinnsats) covers job seekers under 30 [Fafo-2020-19]."""
    return age_days < guarantee_max_days


@njit(**INLINE)
def guarantee_deadline_passed(waited_days, guarantee_days):
    """The guarantee's deadline: an offer within 8 weeks of registering [Fafo-2020-19], [MeldSt32-2021];
    at the deadline NAV makes its offer (with the configured compliance) or the youth has none in time."""
    return waited_days >= guarantee_days


@njit(**INLINE)
def offer_in_time(waited_days, guarantee_days):
    """An offer (assessment, a measure or education) counts as in time when it starts within the deadline."""
    return waited_days <= guarantee_days


# ----------------------------------------------------------------------------------- NAV and offers


@njit(**INLINE)
def keeps_aap(state, nav_paid_education):
    """An AAP recipient keeps AAP through assessment, work-oriented measures, AMO courses and education bought by
    NAV: the activities are part of the AAP period, not an end of it ([Folketrygdloven] § 11-6, § 11-10)."""
    return state == _ASSESSMENT or state == _WORK_MEASURE or state == _AMO or nav_paid_education


@njit(**INLINE)
def qualifies_for_aap(from_state, u_type, eligible_share):
    """AAP needs work ability reduced by at least half with illness or injury the main cause ([Folketrygdloven]
    § 11-5); NAV's status of reduced work ability ([NAV-loven] § 14 a) does not, so some keep the status without
    AAP. Long sick leave always qualifies (the illness is certified); otherwise a person's lifelong type decides:
    a draw ``u_type`` below ``eligible_share``."""
    return from_state == _SICK_LEAVE or u_type < eligible_share


@njit(**INLINE)
def among_nav_reduced_work_ability(state, reduced_work_ability, benefit):
    """NAV's persons with reduced work ability: on AAP (in the AAP state, or keeping it in an activity), or a NAV
    client (registered, in assessment or a measure) whose reduced work ability NAV has found ([NAV-loven] § 14 a)."""
    return state == _AAP_STATE or benefit == _AAP_BENEFIT or (reduced_work_ability and in_nav_spell(state))


@njit(**INLINE)
def back_to_aap(benefit, state):
    """Where an AAP recipient whose activity ended goes instead of registering as a job seeker: back to AAP."""
    return _AAP_STATE if benefit == _AAP_BENEFIT and state == _JOBSEEKER else state


@njit(**INLINE)
def in_nav_spell(state):
    """States in which a person is NAV's client: one continuous NAV spell runs through them (job seeker,
    assessment, work-oriented measures, AMO courses)."""
    return state == _JOBSEEKER or state == _ASSESSMENT or state == _WORK_MEASURE or state == _AMO


@njit(**INLINE)
def is_offer(state):
    """What counts as an offer under the youth guarantee and as the start of a programme after assessment:
    assessment, a measure, an AMO course, or education (upper secondary, adult VGO, higher education)."""
    return (state == _ASSESSMENT or state == _WORK_MEASURE or state == _AMO or state == _ADULT_VGO
            or state == _TERTIARY_STATE or state == _SCHOOL)


@njit(**INLINE)
def long_term_unemployed(spell_days, long_term_days):
    """Long-term unemployed: a NAV spell of 26 weeks or more (NAV's langtidsledige; indicators.long_term_weeks)."""
    return spell_days >= long_term_days


# --------------------------------------------------------------------------------------- dagpenger


@njit(**INLINE)
def dagpenger_eligible_share(age_days, adult_days, youth_share, adult_share):
    """The share of those laid off who qualify for unemployment benefit (an income test of at least 1.5 G,
    [Folketrygdloven] § 4-4): fewer among the young, who have earned less."""
    return youth_share if age_days < adult_days else adult_share


@njit(**INLINE)
def dagpenger_period_days(u, eligible, long_share, long_days, short_days):
    """Days of dagpenger for a laid-off person with uniform draw ``u``: 0 when not eligible (u >= eligible);
    104 weeks with an income above 2 G (a share ``long_share`` of the eligible), else 52 weeks
    ([Folketrygdloven] § 4-15)."""
    if u >= eligible:
        return 0
    return long_days if u < eligible * long_share else short_days


@njit(**INLINE)
def dagpenger_exhausted(step, end_step):
    """Dagpenger stop at the end of the period granted ([Folketrygdloven] § 4-15)."""
    return step >= end_step


@njit(**INLINE)
def study_uptake(regime, benefit, dest_state, age_days, dp_higher_education_min_days, uptake_if_lost):
    """Relative chance of starting education on one's own when studying may cost dagpenger.

    Before 20 April 2020 studying largely ended dagpenger; the temporary rule from 20 April 2020 allowed
    it; the permanent rules from 1 October 2021 allow upper secondary at full pace, higher education only
    from 30 ([Folketrygdloven] § 4-6, [MeldSt32-2021]). The model's ``tertiary`` state includes vocational
    college (fagskole), which the permanent rules allow at any age: a simplification (docs/domain.md).
    """
    if benefit != _DAGPENGER:
        return 1.0
    if regime == REGIME_TEMPORARY_2020:
        return 1.0
    if regime == REGIME_PERMANENT_2021:
        if dest_state != _TERTIARY_STATE or age_days >= dp_higher_education_min_days:
            return 1.0
    return uptake_if_lost


# ---------------------------------------------------------------------------------- job finding


@njit(**INLINE)
def duration_factor(table, unemployed_days):
    """Job-finding multiplier after this many days of unemployment: the chance of a job falls with the
    length of unemployment [MeldSt32-2021] (the table from :func:`duration_table`)."""
    w = unemployed_days // 7
    n = table.shape[0]
    if w >= n:
        w = n - 1
    return table[w]


def duration_table(decay_per_year: float, floor: float, max_weeks: int = 1600) -> np.ndarray:
    """exp(-decay x years unemployed), not below ``floor``, by whole week."""
    weeks = np.arange(max_weeks, dtype=np.float64)
    return np.maximum(np.exp(-decay_per_year * weeks * 7.0 / DAYS_PER_YEAR), floor)


# ---------------------------------------------------------------------------------- cooperation


def cooperation_multiplier(effect, strength, reference):
    """How a cooperation strength scales a rate: exp(effect x (strength - reference)). At the reference
    strength the configured rate holds; strength 1 against 0 changes it by the factor exp(effect). The
    effect sizes are assumptions: no source quantifies them [SINTEF-2010], [MeldSt32-2021] (docs/domain.md,
    mechanisms 1-5). Works on numbers and on NumPy arrays of strengths."""
    return np.exp(effect * (np.asarray(strength) - reference)) if np.ndim(strength) else \
        math.exp(effect * (strength - reference))
