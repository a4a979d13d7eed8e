"""Structured config schemas (dataclasses) and their validation.

The YAML files under ``configs/`` hold every value (with its source as a comment); these
dataclasses hold the types and the allowed ranges. ``validate`` turns a composed Hydra config
into a ``SimConfig`` or raises ``ConfigError`` whose message is one line naming key and value.
"""
from __future__ import annotations

import dataclasses
import difflib
import math
import os
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from omegaconf import MISSING, DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from simulation.core.states import (
    AGE_BAND_EDGES,
    AGE_BAND_NAMES,
    DEMOGRAPHY_AGE_GROUPS,
    EDUCATION_NAMES,
    IN_SCOPE_NAMES,
    MIGRATION_AGE_GROUPS,
)

RATE_BANDS = AGE_BAND_NAMES[1:-1]  # the age bands that carry rates: 16_18 .. 50_66


class ConfigError(ValueError):
    """A bad config value; the message is one line naming the key and the value."""


def _range(lo: float | None = None, hi: float | None = None, *, lo_open: bool = False) -> Any:
    return field(default=MISSING, metadata={"lo": lo, "hi": hi, "lo_open": lo_open})


def rate() -> Any:
    """A hazard per year: finite and not negative."""
    return _range(0.0, 1e4)


def share() -> Any:
    """A probability or share, 0..1."""
    return _range(0.0, 1.0)


def multiplier() -> Any:
    """A relative effect: finite and not negative."""
    return _range(0.0, 1e3)


def nok() -> Any:
    """An amount in NOK (a price per person-month or a tax): finite and not negative."""
    return _range(0.0, 1e7)


def span_years() -> Any:
    """A duration in years, above zero."""
    return _range(0.0, 100.0, lo_open=True)


def _if_set(lo: float | None = None, hi: float | None = None, *, lo_open: bool = False) -> Any:
    """An optional number: None (unset) by default, range-checked when set."""
    return field(default=None, metadata={"lo": lo, "hi": hi, "lo_open": lo_open})


# ---------------------------------------------------------------------------------------------
# run, population, counties


@dataclass
class RunConfig:
    seed: int = _range(0, 2**63 - 1)
    replicates: int = _range(1, 100_000)
    years: float = _range(0.0, 60.0, lo_open=True)
    step_days: int = _range(1, 31)
    burn_in_years: float = _range(0.0, 20.0)
    threads: int = _range(0, 1024)
    progress: bool = MISSING
    check_invariants: bool = MISSING
    engine: str = "kernel"  # kernel (Numba, all persons at once) or agents (each person a mesa.Agent; small runs)


@dataclass
class MigrationFlow:
    """Persons a year moving to or from Norway and their ages, as the publisher counts them (all ages)."""
    per_year: dict[int, float] = MISSING  # persons by calendar year; linear between the years given, flat outside
    age_profile: dict[str, float] = MISSING  # persons (or shares) by age group 0_14, 15_19, ..., 60_64, 65_plus


@dataclass
class ImmigrationConfig(MigrationFlow):
    """Immigrants arriving during the run: how many (SSB's projection), their ages, education and first state."""
    immigrant_share: float = share()  # arrivals with immigrant background; the rest are Norwegians returning
    education: dict[str, float] = MISSING  # highest completed education on arrival
    arrival_state_by_age: dict[str, dict[str, float]] = MISSING  # where arrivals start, by rate band


@dataclass
class DemographyConfig:
    """Population change in the reported years: entries at 16, deaths, emigration and immigration."""
    enabled: bool = MISSING  # False: a closed population (entries at 16 and ageing out only)
    cohorts_under_16: list[float] = MISSING  # persons aged 15, 14, ..., 0 at the start of reporting (real persons)
    mortality_per_100k: dict[str, float] = MISSING  # deaths per 100 000 a year, by five-year age group 15_19 .. 65_69
    emigration_native: MigrationFlow = field(default_factory=MigrationFlow)  # without immigrant background
    emigration_immigrant: MigrationFlow = field(default_factory=MigrationFlow)  # with immigrant background
    immigration: ImmigrationConfig = field(default_factory=ImmigrationConfig)


@dataclass
class PopulationConfig:
    scale: float = _range(1.0, 1e7)
    start_year: int = _range(1900, 2200)
    only_counties: list[str] = field(default_factory=list)
    # persons 16-66 by age group "lo_hi" (whole years, inclusive; the groups tile 16-66): the national age
    # structure and total; the counties config shares the total out
    persons_by_age: dict[str, float] = MISSING
    immigrant_relative_by_age: dict[str, float] = MISSING
    education_by_age: dict[str, dict[str, float]] = MISSING
    reduced_work_ability_by_age: dict[str, float] = MISSING
    initial_state_by_age: dict[str, dict[str, float]] = MISSING
    demography: DemographyConfig = field(default_factory=DemographyConfig)


@dataclass
class CountyConfig:
    code: int = _range(1, 99)
    population_16_66: float = _range(0.0, 1e8, lo_open=True)
    immigrant_share: float = share()


# ---------------------------------------------------------------------------------------------
# cooperation, economy, scenario


@dataclass
class CooperationEffects:
    ot_referral: float = multiplier()
    nav_referral: float = multiplier()
    education_path: float = multiplier()
    dropout: float = multiplier()
    return_to_school: float = multiplier()
    start_wait: float = multiplier()
    # log-multiplier on the share of NAV-bought VGO first asked of the county (mechanism 4)
    public_first: float = multiplier()
    # share of youths' work practice that becomes a combined path at strength 1 (mechanism 6)
    combined_path: float = share()


@dataclass
class CooperationDynamics:
    enabled: bool = MISSING
    update_days: int = _range(1, 366)
    caseload_tolerance: float = _range(0.0, 10.0)
    caseload_sensitivity: float = multiplier()
    pressure_signal_variance: float = _range(0.0, 10.0, lo_open=True)
    recovery_years: float = span_years()
    key_person_shock_rate: float = rate()
    key_person_shock_size: float = share()
    shock_rate_by_county: dict[str, float] = field(default_factory=dict)
    trend_per_year_by_county: dict[str, float] = field(default_factory=dict)


@dataclass
class CooperationConfig:
    name: str = MISSING
    strength: float = share()
    by_county: dict[str, float] = field(default_factory=dict)
    reference_strength: float = share()
    effects: CooperationEffects = field(default_factory=CooperationEffects)
    dynamics: CooperationDynamics = field(default_factory=CooperationDynamics)


class EconomyKind(Enum):
    steady = "steady"
    recession = "recession"
    replay = "replay"
    regime_switching = "regime_switching"


@dataclass
class RecessionConfig:
    """A stylised dip (kind recession); for every kind, the effects at cycle intensity 1."""
    depth: float = _range(0.0, 0.95)
    start_year: float = _range(0.0, 60.0)
    length_years: float = span_years()
    layoff_rise: float = multiplier()
    apprenticeship_fall: float = share()
    education_uptake_rise: float = multiplier()  # more youth and adults take up education in downturns
    temporary_layoff_onset: float = multiplier()  # temporary layoffs rise by this per point a year the cycle rises


def _if_kind(lo: float | None = None, hi: float | None = None, *, lo_open: bool = False) -> Any:
    """A field needed only by one economy kind: None (unset) by default, range-checked when set.

    The block itself always exists, so ``economy.replay.first_year=2008`` is a known key for every
    economy option; ``check_semantics`` asks for the fields when their kind is chosen."""
    return _if_set(lo, hi, lo_open=lo_open)


@dataclass
class ReplayConfig:
    """A historical episode as a path of registered unemployment (per cent), mapped to intensity.

    Needed when kind is replay."""
    first_year: int | None = _if_kind(1900, 2200)  # the calendar year the run's reporting starts in (1 January)
    baseline_rate: float | None = _if_kind(0.0, 100.0)  # per cent; normal times (intensity 0)
    # [[calendar date as a decimal year, rate per cent], ...]; List[Any] because OmegaConf 2.3 rejects ints in
    # nested float lists ([[2008, 2]]); check_semantics checks the points and turns them into floats
    path: list[Any] | None = None


@dataclass
class RegimeSwitchingConfig:
    """Normal times and recessions alternate with exponential sojourns (a two-state Markov chain).

    Needed when kind is regime_switching."""
    mean_years_normal: float | None = _if_kind(0.0, 100.0, lo_open=True)
    mean_years_recession: float | None = _if_kind(0.0, 100.0, lo_open=True)
    ramp_years: float | None = _if_kind(0.0, 10.0)  # smooth ramp into and out of each recession
    depth_draw: list[float] | None = None  # [lo, hi]: each recession's peak intensity ~ uniform(lo, hi)


@dataclass
class EconomyConfig:
    name: str = MISSING
    kind: EconomyKind = MISSING
    recession: RecessionConfig = field(default_factory=RecessionConfig)
    replay: ReplayConfig = field(default_factory=ReplayConfig)
    regime_switching: RegimeSwitchingConfig = field(default_factory=RegimeSwitchingConfig)
    youth_sensitivity: float = multiplier()
    low_education_sensitivity: float = multiplier()
    # the longest layoff pay in this economy's years, when a crisis rule extended it (None: the normal rule,
    # rates.jobseeker.layoff_pay_weeks)
    layoff_pay_weeks: float | None = _if_set(0.0, 520.0, lo_open=True)


class StudyBenefitRegime(Enum):
    before_2020 = "before_2020"
    temporary_2020 = "temporary_2020"
    permanent_2021 = "permanent_2021"


@dataclass
class ScenarioConfig:
    name: str = MISSING
    youth_guarantee: bool = MISSING
    youth_guarantee_weeks: float = _range(0.0, 104.0, lo_open=True)
    youth_guarantee_max_age: int = _range(16, 66)
    youth_guarantee_compliance: float = share()
    completion_reform: bool = MISSING
    return_to_school_max_age: int = _range(16, 66)
    return_to_school_max_age_reform: int = _range(16, 66)
    dagpenger_while_studying: StudyBenefitRegime = MISSING
    study_uptake_if_dagpenger_lost: float = share()
    dagpenger_higher_education_min_age: int = _range(16, 66)
    adult_right_min_age: int = _range(16, 66)
    public_first: bool = MISSING
    public_first_enforced: bool = MISSING  # NAV must ask the county for a place for every adult VGO it buys
    training_measure_min_age: int = _range(16, 66)
    higher_education_measure_min_age: int = _range(16, 66)
    education_measure_cap_years: float = span_years()
    education_measure_extension_years: float = _range(0.0, 10.0)
    education_measure_extension_share: float = share()


# ---------------------------------------------------------------------------------------------
# rates


@dataclass
class SchoolRates:
    start_share: float = share()
    vocational_share: float = share()
    general_years: float = span_years()
    vocational_school_years: float = span_years()
    dropout_rate: float = rate()
    vocational_dropout_multiplier: float = multiplier()
    pass_share_general: float = share()
    apprenticeship_contract_share: float = share()
    return_rate: float = rate()
    general_destinations: dict[str, float] = MISSING
    fail_destinations: dict[str, float] = MISSING
    no_contract_destinations: dict[str, float] = MISSING
    dropout_destinations: dict[str, float] = MISSING


@dataclass
class ApprenticeRates:
    years: float = span_years()
    dropout_rate: float = rate()
    layoff_rate: float = rate()
    pass_share: float = share()
    pass_destinations: dict[str, float] = MISSING
    fail_destinations: dict[str, float] = MISSING
    dropout_destinations: dict[str, float] = MISSING


@dataclass
class OTRates:
    max_age: int = _range(16, 30)
    referral_rate: float = rate()
    job_finding: float = rate()
    lost_contact_rate: float = rate()
    ageing_out_destinations: dict[str, float] = MISSING


@dataclass
class JobFindingRates:
    by_age: dict[str, float] = MISSING
    by_education: dict[str, float] = MISSING
    immigrant: float = multiplier()
    reduced_work_ability: float = multiplier()
    duration_decay_per_year: float = _range(0.0, 20.0)
    duration_floor: float = share()


@dataclass
class JobseekerRates:
    job_finding: float = rate()
    assessment_rate: float = rate()
    aap_rate: float = rate()
    deregister_rate: float = rate()
    deregister_multiplier_without_benefit: float = multiplier()
    deregister_multiplier_reduced_work_ability: float = multiplier()  # NAV's follow-up keeps them registered longer
    adult_vgo_rate: float = rate()
    dagpenger_eligible_share_youth: float = share()
    dagpenger_eligible_share_adult: float = share()
    dagpenger_long_share: float = share()
    dagpenger_weeks_long: float = _range(0.0, 520.0, lo_open=True)
    dagpenger_weeks_short: float = _range(0.0, 520.0, lo_open=True)
    social_assistance_share_after_exhaustion: float = share()
    recall_rate: float = rate()  # per year, temporarily laid-off persons recalled by their employer
    layoff_pay_weeks: float = _range(0.0, 520.0, lo_open=True)  # the longest layoff pay before ordinary dagpenger


@dataclass
class AssessmentRates:
    mean_weeks: float = _range(0.0, 520.0, lo_open=True)
    destinations: dict[str, float] = MISSING
    higher_education_share: float = share()
    reduced_work_ability_found: float = rate()  # per year in assessment, NAV finds reduced work ability (§ 14 a)


@dataclass
class WorkMeasureRates:
    mean_months: float = _range(0.0, 120.0, lo_open=True)
    destinations: dict[str, float] = MISSING


@dataclass
class CombinedPathRates:
    """Combined paths (mechanism 6; the PYK model in Troms, [SINTEF-2010]): school part + work practice."""

    years: float = span_years()
    max_age: int = _range(16, 30)
    dropout_rate: float = rate()
    end_destinations: dict[str, float] = MISSING
    dropout_destinations: dict[str, float] = MISSING


@dataclass
class AMORates:
    weeks: float = _range(0.0, 520.0, lo_open=True)
    dropout_rate: float = rate()
    pass_share: float = share()
    pass_destinations: dict[str, float] = MISSING
    fail_destinations: dict[str, float] = MISSING


@dataclass
class AdultVGORates:
    years: float = span_years()
    dropout_rate_county: float = rate()
    dropout_rate_nav: float = rate()
    pass_share: float = share()
    pass_destinations: dict[str, float] = MISSING
    fail_destinations: dict[str, float] = MISSING
    dropout_destinations: dict[str, float] = MISSING


@dataclass
class TertiaryRates:
    years: float = span_years()
    years_nav: float = span_years()
    dropout_rate: float = rate()
    dropout_rate_nav: float = rate()
    pass_share: float = share()
    pass_destinations: dict[str, float] = MISSING
    fail_destinations: dict[str, float] = MISSING
    dropout_destinations: dict[str, float] = MISSING


@dataclass
class WorkRates:
    layoff_rate: float = rate()
    layoff_by_age: dict[str, float] = MISSING
    layoff_by_education: dict[str, float] = MISSING
    layoff_immigrant: float = multiplier()
    to_inactive: float = rate()
    to_aap: float = rate()
    to_tertiary: float = rate()
    to_tertiary_max_age: int = _range(16, 66)
    to_adult_vgo: float = rate()
    temporary_layoff_rate: float = rate()  # temporary layoffs (permittering) per year in normal times


@dataclass
class SickLeaveRates:
    """Long sick leave paid by NAV (sykepenger, beyond the employer's first 16 days): from work, back to work
    or on to AAP, ending at the 52-week maximum."""

    start_rate: float = rate()  # per year, persons in work starting long sick leave (average cell)
    by_age: dict[str, float] = MISSING
    by_education: dict[str, float] = MISSING
    reduced_work_ability: float = multiplier()
    recovery_rate: float = rate()  # per year, back to work
    recovery_reduced_work_ability: float = multiplier()  # with reduced work ability, recovery is this much slower
    reduced_work_ability_onset: float = rate()  # per year on sick leave, reduced work ability is found
    to_aap: float = rate()  # per year, on to AAP before the maximum (times the health multiplier)
    max_weeks: float = _range(0.0, 520.0, lo_open=True)
    end_destinations: dict[str, float] = MISSING  # at the 52-week maximum


@dataclass
class HealthRates:
    reduced_work_ability_onset: float = rate()
    # onset and leaving work for inactivity: x g per education level below VGO
    education_gradient: float = _range(1.0, 10.0)
    aap_multiplier_reduced_work_ability: float = multiplier()
    # of persons whose work ability NAV finds reduced, the share whose reduction would qualify for AAP (illness the
    # main cause, at least half); the rest keep the status without AAP. Long sick leave always qualifies.
    aap_eligible_share: float = share()


@dataclass
class AAPRates:
    max_years: float = span_years()
    to_work: float = rate()
    to_disability: float = rate()
    to_disability_by_age: dict[str, float] = MISSING  # multipliers on to_disability by rate band
    to_jobseeker: float = rate()
    to_assessment: float = rate()
    end_destinations: dict[str, float] = MISSING


@dataclass
class DisabilityRates:
    to_work: float = rate()


@dataclass
class InactiveRates:
    to_jobseeker: float = rate()
    job_finding: float = rate()
    to_aap: float = rate()
    to_disability: float = rate()


@dataclass
class RatesConfig:
    school: SchoolRates = field(default_factory=SchoolRates)
    apprentice: ApprenticeRates = field(default_factory=ApprenticeRates)
    ot: OTRates = field(default_factory=OTRates)
    job_finding: JobFindingRates = field(default_factory=JobFindingRates)
    jobseeker: JobseekerRates = field(default_factory=JobseekerRates)
    assessment: AssessmentRates = field(default_factory=AssessmentRates)
    work_measure: WorkMeasureRates = field(default_factory=WorkMeasureRates)
    combined_path: CombinedPathRates = field(default_factory=CombinedPathRates)
    amo_course: AMORates = field(default_factory=AMORates)
    adult_vgo: AdultVGORates = field(default_factory=AdultVGORates)
    tertiary: TertiaryRates = field(default_factory=TertiaryRates)
    work: WorkRates = field(default_factory=WorkRates)
    sick_leave: SickLeaveRates = field(default_factory=SickLeaveRates)
    health: HealthRates = field(default_factory=HealthRates)
    aap: AAPRates = field(default_factory=AAPRates)
    disability: DisabilityRates = field(default_factory=DisabilityRates)
    inactive: InactiveRates = field(default_factory=InactiveRates)


class Payer(Enum):
    nav = "nav"
    county = "county"
    municipality = "municipality"


@dataclass
class PlacePrices:
    school: float = nok()
    apprentice: float = nok()
    ot_followed: float = nok()
    assessment: float = nok()
    work_measure: float = nok()
    amo_course: float = nok()
    combined_path_school_part: float = nok()
    adult_vgo_county: float = nok()
    adult_vgo_bought: float = nok()
    adult_vgo_bought_county_place: float = nok()
    tertiary: float = nok()
    tertiary_measure_fee: float = nok()


@dataclass
class BenefitPrices:
    dagpenger: float = nok()
    aap: float = nok()
    disability: float = nok()
    measure_allowance: float = nok()
    social_assistance: float = nok()
    sickness_benefit: float = nok()  # sykepenger from NAV (after the employer's 16 days), per recipient-month


@dataclass
class EarmarkedGrants:
    """State grants to the counties for adult VGO for those without a right (Utdanningsloftet, [MeldSt32-2021])."""

    adult_education_nok_m_per_year: float = _range(0.0, 1e5)
    nok_per_place_year: float = _range(0.0, 1e7, lo_open=True)


@dataclass
class FundingConfig:
    name: str = MISSING
    adult_vgo_without_right_payer: Payer = MISSING
    places: PlacePrices = field(default_factory=PlacePrices)
    benefits: BenefitPrices = field(default_factory=BenefitPrices)
    tax_per_worker: float = nok()
    joint_services_county_share: float = share()
    ot_capacity_relative: float | None = _range(0.0, 100.0, lo_open=True)
    caseworker_capacity_relative: float | None = _range(0.0, 100.0)
    adult_education_places_relative: float | None = _range(0.0, 100.0)
    apprenticeship_places_relative: float | None = _range(0.0, 100.0)
    capacity_normal_years: float = _range(0.0, 20.0, lo_open=True)
    capacity_sample_noise_sd: float = _range(0.0, 10.0)
    public_first_share: float = share()
    earmarked_grants: EarmarkedGrants = field(default_factory=EarmarkedGrants)
    measure_budget_bn_per_year: float | None = _range(0.0, 1e4)
    measure_budget_by_county: dict[str, float] = field(default_factory=dict)


@dataclass
class IndicatorConfig:
    youth_max_age: int = _range(16, 66)
    long_term_weeks: float = _range(0.0, 520.0, lo_open=True)
    followup_months: list[int] = MISSING
    lfs_student_employment_share: float = share()  # pupils and students under 25 with paid work (LFS employed)
    lfs_student_employment_share_25_plus: float = share()  # students 25 and over with paid work
    lfs_student_job_search_share: float = share()  # pupils and students without work looking for it (LFS unemployed)
    lfs_inactive_job_search_share: float = share()  # persons unknown to the services who look for work (LFS unemployed)
    lfs_disability_employment_share: float = share()  # disability recipients with paid work (LFS employed)


@dataclass
class OutputConfig:
    figures: bool = MISSING
    sweep_figures: bool = True  # false: the jobs of a multirun (-m) draw no figures (python -m simulation.plots later)
    figure_format: str = MISSING
    language: str = MISSING
    headline: bool = MISSING
    overwrite: bool = False  # replace an earlier run in hydra.run.dir (or sweep in hydra.sweep.dir) whole


@dataclass
class SimConfig:
    run: RunConfig = field(default_factory=RunConfig)
    population: PopulationConfig = field(default_factory=PopulationConfig)
    counties: dict[str, CountyConfig] = MISSING
    cooperation: CooperationConfig = field(default_factory=CooperationConfig)
    economy: EconomyConfig = field(default_factory=EconomyConfig)
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    rates: RatesConfig = field(default_factory=RatesConfig)
    funding: FundingConfig = field(default_factory=FundingConfig)
    indicators: IndicatorConfig = field(default_factory=IndicatorConfig)
    output: OutputConfig = field(default_factory=OutputConfig)


# ---------------------------------------------------------------------------------------------
# validation


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _fail(key: str, value: Any, why: str) -> None:
    raise ConfigError(f"config error: {key}={value!r}: {why}")


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_number(key: str, value: Any, meta: dict) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    if not math.isfinite(value):
        _fail(key, value, "must be a finite number")
    lo, hi = meta.get("lo"), meta.get("hi")
    if lo is not None and (value < lo or (meta.get("lo_open") and value == lo)):
        op = ">" if meta.get("lo_open") else ">="
        _fail(key, value, f"must be {op} {lo}")
    if hi is not None and value > hi:
        _fail(key, value, f"must be <= {hi}")


def check_ranges(obj: Any, prefix: str) -> None:
    """Walk the dataclass tree and check every numeric field against its metadata range."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = f"{prefix}.{f.name}" if prefix else f.name
        if dataclasses.is_dataclass(value):
            check_ranges(value, key)
        elif isinstance(value, dict):
            for k, v in value.items():
                if dataclasses.is_dataclass(v):
                    check_ranges(v, f"{key}.{k}")
        else:
            _check_number(key, value, dict(f.metadata))


def _check_keys(key: str, mapping: dict, allowed: list[str], *, complete: bool = False) -> None:
    for k in mapping:
        if k not in allowed:
            _fail(f"{key}.{k}", mapping[k], f"unknown key; expected one of {', '.join(allowed)}{_suggest(k, allowed)}")
    if complete:
        missing = [a for a in allowed if a not in mapping]
        if missing:
            _fail(key, dict(mapping), f"missing entries for {', '.join(missing)}")


def _check_values(key: str, mapping: dict, lo: float = 0.0, hi: float | None = None) -> None:
    for k, v in mapping.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            _fail(f"{key}.{k}", v, "must be a finite number")
        if v < lo or (hi is not None and v > hi):
            _fail(f"{key}.{k}", v, f"must be between {lo} and {hi}" if hi is not None else f"must be >= {lo}")


def _check_distribution(key: str, mapping: dict, allowed: list[str], *, complete: bool = False) -> None:
    """Shares over named outcomes: known names, each 0..1, summing to 1."""
    _check_keys(key, mapping, allowed, complete=complete)
    _check_values(key, mapping, 0.0, 1.0)
    total = sum(mapping.values())
    if abs(total - 1.0) > 1e-6:
        _fail(key, dict(mapping), f"shares must sum to 1 (they sum to {total:.6g})")


_FOLD = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "å": "a", "Å": "A", "_": " "})


def county_key(name: str) -> str:
    """A county name folded to lower-case ASCII: 'More_og_Romsdal' and 'Møre og Romsdal' match.

    Hydra's command-line grammar takes only ASCII keys, so +cooperation.by_county.Trondelag=0.3
    must find Trøndelag.
    """
    return " ".join(str(name).translate(_FOLD).lower().split())


def _canonical_county(key: str, name: str, value, counties: list[str]) -> str:
    by_key = {county_key(c): c for c in counties}
    found = by_key.get(county_key(name))
    if found is None:
        _fail(key, value, f"unknown county{_suggest(str(name), counties)}")
    return found


def _county_map(key: str, mapping: dict, counties: list[str]) -> dict:
    """``mapping`` with its county names made canonical; two names of the same county are an error
    (``Oslo`` and ``oslo`` would otherwise collapse, the last silently winning)."""
    out: dict = {}
    given: dict[str, str] = {}
    for n, v in mapping.items():
        c = _canonical_county(f"{key}.{n}", n, v, counties)
        if c in out:
            _fail(key, dict(mapping), f"{given[c]!r} and {n!r} both name {c}; give each county once")
        out[c], given[c] = v, n
    return out


YOUTH_MAX_AGES = tuple(e - 1 for e in AGE_BAND_EDGES[1:5])  # 18, 21, 24, 29: where the tallies' age bands end


def age_groups(key: str, persons: dict[str, float]) -> list[tuple[int, int, float]]:
    """(first age, last age, persons) of groups keyed "lo_hi" that tile the ages 16-66 in order."""
    out = []
    for name, v in persons.items():
        parts = str(name).split("_")
        if len(parts) != 2 or not all(p.isdigit() for p in parts) or int(parts[0]) > int(parts[1]):
            _fail(f"{key}.{name}", v, "the key must be an age group 'lo_hi' in whole years, e.g. 16_19")
        out.append((int(parts[0]), int(parts[1]), v))
    _check_values(key, persons, 0.0, 1e8)
    out.sort()
    ages = [a for lo, hi, _ in out for a in range(lo, hi + 1)]
    if ages != list(range(16, 67)):
        _fail(key, dict(persons), "the age groups must cover 16-66 once each, without gaps or overlaps")
    if sum(v for _, _, v in out) <= 0:
        _fail(key, dict(persons), "needs persons")
    return out


ARRIVAL_STATES = ["school", "work", "jobseeker", "inactive", "tertiary"]  # where an immigrant can start


def _check_flow(key: str, flow: MigrationFlow) -> None:
    if not flow.per_year:
        _fail(f"{key}.per_year", {}, "needs at least one year")
    _check_values(f"{key}.per_year", flow.per_year, 0.0, 1e7)
    _check_keys(f"{key}.age_profile", flow.age_profile, MIGRATION_AGE_GROUPS, complete=True)
    _check_values(f"{key}.age_profile", flow.age_profile, 0.0, 1e9)
    if sum(flow.age_profile[g] for g in MIGRATION_AGE_GROUPS if g not in ("0_14", "65_plus")) <= 0:
        _fail(f"{key}.age_profile", dict(flow.age_profile), "needs persons aged 15-64")


def check_demography(cfg: SimConfig) -> None:
    """The population-change block: 16 cohorts, rates by five-year age group, migration flows with ages, shares
    summing to one."""
    d = cfg.population.demography
    if len(d.cohorts_under_16) != 16:
        _fail("population.demography.cohorts_under_16", list(d.cohorts_under_16),
              "needs 16 numbers: the persons aged 15, 14, ..., 0 at the start of reporting")
    _check_values("population.demography.cohorts_under_16", dict(enumerate(d.cohorts_under_16)), 0.0, 1e7)
    _check_keys("population.demography.mortality_per_100k", d.mortality_per_100k, DEMOGRAPHY_AGE_GROUPS, complete=True)
    _check_values("population.demography.mortality_per_100k", d.mortality_per_100k, 0.0, 1e5)
    _check_flow("population.demography.emigration_native", d.emigration_native)
    _check_flow("population.demography.emigration_immigrant", d.emigration_immigrant)
    im = d.immigration
    _check_flow("population.demography.immigration", im)
    _check_distribution("population.demography.immigration.education", im.education, EDUCATION_NAMES, complete=True)
    _check_keys("population.demography.immigration.arrival_state_by_age", im.arrival_state_by_age, RATE_BANDS,
                complete=True)
    for band, dist in im.arrival_state_by_age.items():
        _check_distribution(f"population.demography.immigration.arrival_state_by_age.{band}", dist, ARRIVAL_STATES)


def calendar_start(cfg: SimConfig) -> int:
    """The calendar year the reported years start in: a replay's own first year, else population.start_year.
    Every label of time in the outputs counts from it."""
    if cfg.economy.kind is EconomyKind.replay and cfg.economy.replay.first_year is not None:
        return int(cfg.economy.replay.first_year)
    return int(cfg.population.start_year)


def check_replay_path(cfg: SimConfig) -> None:
    """A replay's path: at least two [calendar date, rate] points in time order, and an episode that overlaps
    the reported period (economy.replay.first_year to first_year + run.years)."""
    rp = cfg.economy.replay
    path = [list(p) if isinstance(p, (list, tuple)) else p for p in rp.path]
    if len(path) < 2:
        _fail("economy.replay.path", path, "needs at least 2 points [date, rate], e.g. [2009.5, 2.7]")
    for i, point in enumerate(path):
        key = f"economy.replay.path[{i}]"
        if (not isinstance(point, list) or len(point) != 2
                or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in point)):
            _fail(key, point, "each point is [date, rate]: two numbers (a decimal calendar year and per cent)")
        date, rate_pct = path[i] = [float(v) for v in point]
        if not (math.isfinite(date) and 1900.0 <= date <= 2200.0):
            _fail(key, point, "the date must be a calendar year between 1900 and 2200 (e.g. 2009.5 for mid-2009)")
        if not (math.isfinite(rate_pct) and 0.0 <= rate_pct <= 100.0):
            _fail(key, point, "the rate must be between 0 and 100 (per cent)")
        if i > 0 and date <= path[i - 1][0]:
            _fail(key, point, f"dates must increase (previous point is {path[i - 1]})")
    rp.path = path
    first, last = rp.first_year, rp.first_year + cfg.run.years
    if path[-1][0] < first or path[0][0] > last:
        _fail("economy.replay.first_year", rp.first_year,
              f"the episode {path[0][0]:g}-{path[-1][0]:g} lies outside the reported period [{first}, {last:g})")


def check_semantics(cfg: SimConfig) -> None:
    """Checks that span fields: names that must exist, shares that must sum to one."""
    counties = list(cfg.counties)
    if not counties:
        _fail("counties", {}, "at least one county is needed")
    if len(counties) > 15:
        _fail("counties", len(counties), "at most 15 counties are supported")
    only = [_canonical_county("population.only_counties", n, n, counties) for n in cfg.population.only_counties]
    twice = [c for i, c in enumerate(only) if c in only[:i]]
    if twice:
        _fail("population.only_counties", list(cfg.population.only_counties), f"names {twice[0]} twice")
    cfg.population.only_counties = only
    cfg.cooperation.by_county = _county_map("cooperation.by_county", cfg.cooperation.by_county, counties)
    _check_values("cooperation.by_county", cfg.cooperation.by_county, 0.0, 1.0)
    fu = cfg.funding
    fu.measure_budget_by_county = _county_map("funding.measure_budget_by_county", fu.measure_budget_by_county,
                                              counties)
    _check_values("funding.measure_budget_by_county", fu.measure_budget_by_county, 0.0, 1e4)
    dyn = cfg.cooperation.dynamics
    dyn.shock_rate_by_county = _county_map("cooperation.dynamics.shock_rate_by_county", dyn.shock_rate_by_county,
                                           counties)
    _check_values("cooperation.dynamics.shock_rate_by_county", dyn.shock_rate_by_county, 0.0, 1e3)
    dyn.trend_per_year_by_county = _county_map("cooperation.dynamics.trend_per_year_by_county",
                                               dyn.trend_per_year_by_county, counties)
    for n, v in dyn.trend_per_year_by_county.items():
        if not math.isfinite(v) or abs(v) > 1.0:
            _fail(f"cooperation.dynamics.trend_per_year_by_county.{n}", v, "must be between -1 and 1 per year")

    pop = cfg.population
    selected = [c for c in counties if not pop.only_counties or c in pop.only_counties]
    represented = sum(cfg.counties[c].population_16_66 for c in selected)
    if represented / pop.scale < 0.5:
        _fail("population.scale", pop.scale, f"leaves no simulated person ({represented:,.0f} persons aged 16-66 "
              f"in the selected counties); use a smaller scale")
    age_groups("population.persons_by_age", pop.persons_by_age)
    _check_keys("population.immigrant_relative_by_age", pop.immigrant_relative_by_age, RATE_BANDS, complete=True)
    _check_values("population.immigrant_relative_by_age", pop.immigrant_relative_by_age, 0.0, 10.0)
    _check_keys("population.reduced_work_ability_by_age", pop.reduced_work_ability_by_age, RATE_BANDS, complete=True)
    _check_values("population.reduced_work_ability_by_age", pop.reduced_work_ability_by_age, 0.0, 1.0)
    _check_keys("population.education_by_age", pop.education_by_age, RATE_BANDS, complete=True)
    for band, dist in pop.education_by_age.items():
        _check_distribution(f"population.education_by_age.{band}", dist, EDUCATION_NAMES, complete=True)
    _check_keys("population.initial_state_by_age", pop.initial_state_by_age, RATE_BANDS, complete=True)
    in_scope = IN_SCOPE_NAMES
    for band, dist in pop.initial_state_by_age.items():
        _check_distribution(f"population.initial_state_by_age.{band}", dist, in_scope)
    check_demography(cfg)

    r = cfg.rates
    dist_fields = {
        "school.general_destinations": r.school.general_destinations,
        "school.fail_destinations": r.school.fail_destinations,
        "school.no_contract_destinations": r.school.no_contract_destinations,
        "school.dropout_destinations": r.school.dropout_destinations,
        "apprentice.pass_destinations": r.apprentice.pass_destinations,
        "apprentice.fail_destinations": r.apprentice.fail_destinations,
        "apprentice.dropout_destinations": r.apprentice.dropout_destinations,
        "ot.ageing_out_destinations": r.ot.ageing_out_destinations,
        "assessment.destinations": r.assessment.destinations,
        "work_measure.destinations": r.work_measure.destinations,
        "combined_path.end_destinations": r.combined_path.end_destinations,
        "combined_path.dropout_destinations": r.combined_path.dropout_destinations,
        "amo_course.pass_destinations": r.amo_course.pass_destinations,
        "amo_course.fail_destinations": r.amo_course.fail_destinations,
        "adult_vgo.pass_destinations": r.adult_vgo.pass_destinations,
        "adult_vgo.fail_destinations": r.adult_vgo.fail_destinations,
        "adult_vgo.dropout_destinations": r.adult_vgo.dropout_destinations,
        "tertiary.pass_destinations": r.tertiary.pass_destinations,
        "tertiary.fail_destinations": r.tertiary.fail_destinations,
        "tertiary.dropout_destinations": r.tertiary.dropout_destinations,
        "aap.end_destinations": r.aap.end_destinations,
        "sick_leave.end_destinations": r.sick_leave.end_destinations,
    }
    for key, dist in dist_fields.items():
        allowed = ["education"] + in_scope if key == "assessment.destinations" else in_scope
        _check_distribution(f"rates.{key}", dist, allowed)
    for key, mapping, allowed in (
        ("rates.job_finding.by_age", r.job_finding.by_age, RATE_BANDS),
        ("rates.job_finding.by_education", r.job_finding.by_education, EDUCATION_NAMES),
        ("rates.work.layoff_by_age", r.work.layoff_by_age, RATE_BANDS),
        ("rates.work.layoff_by_education", r.work.layoff_by_education, EDUCATION_NAMES),
        ("rates.sick_leave.by_age", r.sick_leave.by_age, RATE_BANDS),
        ("rates.sick_leave.by_education", r.sick_leave.by_education, EDUCATION_NAMES),
        ("rates.aap.to_disability_by_age", r.aap.to_disability_by_age, RATE_BANDS),
    ):
        _check_keys(key, mapping, allowed, complete=True)
        _check_values(key, mapping, 0.0, 1e3)
    if cfg.run.years * 365.25 / cfg.run.step_days > 25000:
        _fail("run.years", cfg.run.years, f"too many steps for run.step_days={cfg.run.step_days} (at most 25000)")
    if cfg.run.burn_in_years * 365.25 / cfg.run.step_days > 5000:
        _fail("run.burn_in_years", cfg.run.burn_in_years,
              f"too many steps for run.step_days={cfg.run.step_days} (at most 5000)")
    if cfg.economy.kind is EconomyKind.recession and cfg.economy.recession.start_year >= cfg.run.years:
        _fail("economy.recession.start_year", cfg.economy.recession.start_year,
              f"starts after the run ends (run.years={cfg.run.years})")
    if cfg.output.figure_format not in ("png", "svg", "pdf"):
        _fail("output.figure_format", cfg.output.figure_format, "must be one of png, svg, pdf")
    if cfg.run.engine not in ("kernel", "agents"):
        _fail("run.engine", cfg.run.engine, "must be one of kernel, agents")
    if cfg.output.language not in ("en", "nb"):
        _fail("output.language", cfg.output.language, "must be one of en, nb")
    if cfg.indicators.youth_max_age not in YOUTH_MAX_AGES:
        _fail("indicators.youth_max_age", cfg.indicators.youth_max_age,
              f"must be one of {', '.join(map(str, YOUTH_MAX_AGES))} (the ages where the tallies' age bands end)")
    if not cfg.indicators.followup_months:
        _fail("indicators.followup_months", [], "give at least one follow-up point, e.g. [6, 12, 24]")
    for m in cfg.indicators.followup_months:
        if not 1 <= m <= 600:
            _fail("indicators.followup_months", m, "must be between 1 and 600 months")
    if len(cfg.indicators.followup_months) > 8:
        _fail("indicators.followup_months", list(cfg.indicators.followup_months), "at most 8 follow-up points")

    # --- economy: the replay and regime-switching blocks (simulation/economy.py): present when their
    # kind is chosen, and coherent. ---
    econ = cfg.economy
    for kind, block, example in ((EconomyKind.replay, econ.replay, "replay_2008_2010"),
                                 (EconomyKind.regime_switching, econ.regime_switching, "regime_switching")):
        for f in dataclasses.fields(block) if econ.kind is kind else ():
            if getattr(block, f.name) is None:
                _fail(f"economy.{kind.value}.{f.name}", None, f"missing value, needed when economy.kind={kind.value} "
                      f"(or pick an option such as economy={example})")
    if econ.kind is EconomyKind.replay:
        check_replay_path(cfg)
    if econ.kind is EconomyKind.regime_switching:
        rs = econ.regime_switching
        draw = list(rs.depth_draw)
        if len(draw) != 2 or not all(math.isfinite(v) for v in draw):
            _fail("economy.regime_switching.depth_draw", draw, "must be two numbers [lo, hi]")
        if not 0.0 <= draw[0] <= draw[1] <= 1.0:
            _fail("economy.regime_switching.depth_draw", draw, "must satisfy 0 <= lo <= hi <= 1 (peak intensities)")


def _omegaconf_message(err: OmegaConfBaseException, cfg: DictConfig) -> str:
    key = getattr(err, "full_key", None) or "?"
    text = str(getattr(err, "msg", None) or err)
    msg = _one_line(text.split("full_key:")[0])
    value = OmegaConf.select(cfg, key, default="<missing>", throw_on_missing=False) if key != "?" else "?"
    if "not in" in msg and "Key" in msg:
        parent = key.rsplit(".", 1)[0] if "." in key else ""
        leaf = key.rsplit(".", 1)[-1]
        node = OmegaConf.select(OmegaConf.structured(SimConfig), parent) if parent else OmegaConf.structured(SimConfig)
        options = list(node.keys()) if isinstance(node, DictConfig) else []
        return f"config error: {key}: unknown key{_suggest(leaf, options)}"
    if "is not Optional" in msg or "Incompatible value 'None'" in msg:
        return f"config error: {key}=None: must be set (None is not allowed here)"
    if "Missing mandatory value" in msg:
        return f"config error: {key}: missing value (set it in the YAML or on the command line)"
    if "is not a ListConfig" in msg:
        return f"config error: {key}={value!r}: must be a list, e.g. [{value}]"
    if "Invalid value" in msg and "expected one of" in msg:
        return f"config error: {key}={value!r}: {msg.split('Invalid value')[-1].strip()}"
    return f"config error: {key}={value!r}: {msg}"


def _plain(value: Any, key: str) -> Any:
    """A config given as Python objects (a SimConfig changed by hand, a dict) in the types OmegaConf takes:
    numpy scalars and arrays as Python numbers and lists, tuples as lists, paths as text. A set (no
    order) and other objects are refused in one line naming the key."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name), f"{key}.{f.name}" if key else f.name)
                for f in dataclasses.fields(value)}
    if isinstance(value, DictConfig):
        return value
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, (str, int)) else k: _plain(v, f"{key}.{k}" if key else str(k))
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{key}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, (set, frozenset)):
        _fail(key, value, "must be a list (a set has no order), e.g. " + repr(sorted(map(str, value))))
    if value is None or isinstance(value, Enum) or type(value) in (bool, int, float, str):
        return value
    import numpy as np  # only for a config built by hand: numpy is not needed to read YAML

    if isinstance(value, np.generic):
        return value.item()
    for kind in (bool, int, float, str):  # a subclass of a plain type (np.float64 is a float)
        if isinstance(value, kind):
            return kind(value)
    if isinstance(value, np.ndarray):
        return _plain(value.tolist(), key)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    _fail(key, value, f"unsupported value of type {type(value).__name__}")


def validate(cfg: DictConfig | SimConfig | dict) -> SimConfig:
    """Check a config against the schema and ranges; return the typed SimConfig.

    ``cfg`` is a composed config (``load_config``), a dict, or a SimConfig, which is checked again
    (a field changed after validation is caught like a bad YAML value)."""
    if isinstance(cfg, SimConfig) or (isinstance(cfg, dict) and not isinstance(cfg, DictConfig)):
        plain = _plain(cfg, "")
        try:
            cfg = OmegaConf.create(plain)
        except OmegaConfBaseException as err:
            raise ConfigError(f"config error: {_one_line(str(err).split('full_key:')[0])}") from None
    elif not isinstance(cfg, DictConfig):
        raise ConfigError(f"config error: expected a config (load_config([...]), a SimConfig or a dict), "
                          f"got {type(cfg).__name__} {_one_line(repr(cfg))[:80]}")
    plain = OmegaConf.masked_copy(cfg, [k for k in cfg.keys() if k != "hydra"])
    try:
        merged = OmegaConf.merge(OmegaConf.structured(SimConfig), plain)
        obj = OmegaConf.to_object(merged)
    except OmegaConfBaseException as err:
        raise ConfigError(_omegaconf_message(err, plain)) from None
    assert isinstance(obj, SimConfig)
    check_ranges(obj, "")
    check_semantics(obj)
    return obj
