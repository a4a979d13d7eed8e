"""The states a person can be in, the person attributes' codes and the reporting groups.

Everything here is plain integers so the Numba kernel can use it; the code names (``STATE_NAMES``)
name the columns of every table. Labels for readers (English and Norwegian) are in
``simulation.present.labels``.
"""
from __future__ import annotations

from enum import IntEnum


class State(IntEnum):
    """Where a person is this step (docs/domain.md, section 3)."""

    PRE_ENTRY = 0  # under 16: not yet in scope; enters at 16 (keeps the arrays closed)
    SCHOOL = 1  # elev i videregående (youth right)
    APPRENTICE = 2  # lærling
    OT_FOLLOWED = 3  # utenfor, fulgt opp av OT (16-21)
    JOBSEEKER = 4  # arbeidssøker, with or without dagpenger
    ASSESSMENT = 5  # kartlegging / realkompetansevurdering / karriereveiledning
    WORK_MEASURE = 6  # arbeidstrening, lønnstilskudd, IPS ...
    AMO_COURSE = 7  # AMO-kurs
    ADULT_VGO = 8  # videregående for voksne (county place or NAV-bought)
    WORK = 9  # i arbeid
    AAP = 10  # arbeidsavklaringspenger
    DISABILITY = 11  # uføretrygd
    INACTIVE = 12  # utenfor, ukjent for tjenestene
    TERTIARY = 13  # høyere utdanning / fagskole
    AGED_OUT = 14  # 67 and over: out of scope, absorbing
    SICK_LEAVE = 15  # sykmeldt: on long sick leave paid by NAV (sykepenger, up to 52 weeks); employed in the LFS
    DEPARTED = 16  # died or emigrated: out of scope, absorbing (population change, core.demography)


N_STATES = len(State)

STATE_NAMES = [s.name.lower() for s in State]

# States in which a person is a NAV client (one continuous NAV spell runs through them).
NAV_STATES = (State.JOBSEEKER, State.ASSESSMENT, State.WORK_MEASURE, State.AMO_COURSE)
# Out of the working-age population the indicators speak of.
OUT_OF_SCOPE = (State.PRE_ENTRY, State.AGED_OUT, State.DEPARTED)
IN_SCOPE = tuple(s for s in State if s not in OUT_OF_SCOPE)  # the population 16-66 living in Norway
IN_SCOPE_NAMES = [s.name.lower() for s in IN_SCOPE]
# Neither in employment nor in education or training (NEET, OECD definition: NAV measures count as training).
NEET_STATES = (State.OT_FOLLOWED, State.JOBSEEKER, State.ASSESSMENT, State.AAP, State.DISABILITY, State.INACTIVE)


class Education(IntEnum):
    """Highest completed education."""

    PRIMARY = 0  # grunnskole
    SOME_VGO = 1  # started but not completed upper secondary
    VGO = 2  # fag-/svennebrev or studiekompetanse
    TERTIARY = 3  # fagskole, university


N_EDUCATION = len(Education)
EDUCATION_NAMES = [e.name.lower() for e in Education]


class Benefit(IntEnum):
    """Benefit status outside the state-implied benefits (AAP and uføretrygd follow the state)."""

    NONE = 0
    DAGPENGER = 1
    SOCIAL_ASSISTANCE = 2  # økonomisk sosialhjelp
    LAYOFF_PAY = 3  # temporarily laid off (permittert) with dagpenger, expecting recall to the same employer
    AAP = 4  # arbeidsavklaringspenger kept in assessment, a measure or NAV-bought education (still an AAP recipient)


# Age bands: the rules switch at 16, 19, 22, 25, 30 and 67 (docs/domain.md, section 4), so the bands follow them.
# Band 0 is "under 16" and the last "67 and over"; only bands 1..6 carry rates.
AGE_BAND_EDGES = (16, 19, 22, 25, 30, 50, 67)
AGE_BAND_NAMES = ["under_16", "16_18", "19_21", "22_24", "25_29", "30_49", "50_66", "67_plus"]
N_AGE_BANDS = len(AGE_BAND_NAMES)
N_RATE_BANDS = 6  # bands 1..6

# Age groups of the cross-tabulations (crosstab.parquet, exits): the rate bands cut further so that the
# publishers' age groups (15/16-24, 15-29, 25-34, 20-24, five-year groups) can be summed from them.
AGE_GROUP_EDGES = (16, 19, 20, 22, 25, 30, 35, 40, 45, 50, 55, 60, 67)
AGE_GROUP_NAMES = ["under_16", "16_18", "19", "20_21", "22_24", "25_29", "30_34", "35_39", "40_44", "45_49", "50_54",
                   "55_59", "60_66", "67_plus"]
N_AGE_GROUPS = len(AGE_GROUP_NAMES)
# Population change (core.demography) uses the publishers' five-year age groups: rates by DEMOGRAPHY_AGE_GROUPS
# (the model's persons are 16-66, so "15_19" stands for its 16-19-year-olds and "65_69" for the 65-66-year-olds);
# migration counts by MIGRATION_AGE_GROUPS, which add the groups outside 16-66 so that shares are of all ages.
DEMOGRAPHY_AGE_EDGES = (15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70)
DEMOGRAPHY_AGE_GROUPS = [f"{a}_{b - 1}" for a, b in zip(DEMOGRAPHY_AGE_EDGES[:-1], DEMOGRAPHY_AGE_EDGES[1:])]
MIGRATION_AGE_GROUPS = ["0_14"] + DEMOGRAPHY_AGE_GROUPS[:-1] + ["65_plus"]
# Months in the current state, for exits and stocks by duration (exits.parquet, durations.parquet).
DURATION_EDGES_MONTHS = (1, 3, 6, 12, 24)
DURATION_NAMES = ["0_1", "1_3", "3_6", "6_12", "12_24", "24_plus"]
N_DURATIONS = len(DURATION_NAMES)
N_BENEFIT_CODES = len(Benefit)


# Reporting groups: "all", then one group per county, age band, education level, immigrant background.
N_COUNTIES_MAX = 15


def group_layout(county_names: list[str]) -> list[tuple[str, str]]:
    """(dimension, group) pairs in the order of the kernel's group index."""
    groups = [("all", "all")]
    groups += [("county", c) for c in county_names]
    groups += [("age_band", a) for a in AGE_BAND_NAMES]
    groups += [("education", e) for e in EDUCATION_NAMES]
    groups += [("immigrant", "no"), ("immigrant", "yes")]
    return groups


def group_offsets(n_counties: int) -> tuple[int, int, int, int, int]:
    """Index where each dimension starts: county, age band, education, immigrant, and the total count."""
    county0 = 1
    age0 = county0 + n_counties
    edu0 = age0 + N_AGE_BANDS
    imm0 = edu0 + N_EDUCATION
    return county0, age0, edu0, imm0, imm0 + 2
