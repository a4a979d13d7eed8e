"""The fiscal ledger: who pays for what, from every person's state, payer and benefit at every step.

The kernel books each person at the end of each step under (state, variant, benefit), where the
variant says who pays for an education and where it is delivered (a county place on a right, bought
by NAV on the market, bought by NAV in a county place at cost price, or a county place paid by an
earmarked state grant), and marks combined paths. Here each booking is
priced per person-month (the funding config) and split over the items and agencies below, so an
agency's total is exactly the sum of its persons' bookings.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from simulation.core.config import FundingConfig
from simulation.core.schema import N_BENEFITS, N_PAYMENT_VARIANTS
from simulation.core.states import N_STATES, Benefit, State

AGENCIES = ["nav", "county", "municipality", "state"]
DAYS_PER_MONTH = 365.25 / 12
S = State
MEASURE_ALLOWANCE_STATES = (S.WORK_MEASURE, S.AMO_COURSE)  # and NAV-bought education (variant 1)


def items(funding: FundingConfig) -> list[tuple[str, str]]:
    """(item, paying agency); tax revenue is booked as a negative cost to the state."""
    return [
        ("school_places", "county"), ("apprenticeship_grants", "county"), ("ot_follow_up", "county"),
        ("assessment", "nav"), ("assessment_county_share", "county"), ("work_measures", "nav"), ("amo_courses", "nav"),
        ("combined_path_school_part", "county"),
        ("adult_vgo_county_places", "county"), ("adult_vgo_bought", funding.adult_vgo_without_right_payer.value),
        ("adult_vgo_bought_county_place", funding.adult_vgo_without_right_payer.value),
        ("adult_vgo_earmarked_grant", "state"),
        ("tertiary_places", "state"), ("tertiary_measure_fees", "nav"),
        ("dagpenger", "nav"), ("aap", "nav"), ("disability_benefit", "nav"), ("measure_allowance", "nav"),
        ("sickness_benefit", "nav"),
        ("social_assistance", "municipality"), ("tax_revenue", "state"),
    ]


def price_table(funding: FundingConfig) -> np.ndarray:
    """NOK per person-month for every (state, variant, benefit) booking and item: [S, 2, B, items]."""
    names = [name for name, _ in items(funding)]
    k = {name: i for i, name in enumerate(names)}
    p, b = funding.places, funding.benefits
    table = np.zeros((N_STATES, N_PAYMENT_VARIANTS, N_BENEFITS, len(names)))
    for v in range(N_PAYMENT_VARIANTS):
        table[S.SCHOOL, v, :, k["school_places"]] = p.school
        table[S.APPRENTICE, v, :, k["apprenticeship_grants"]] = p.apprentice
        table[S.OT_FOLLOWED, v, :, k["ot_follow_up"]] = p.ot_followed
        # assessment and career guidance are the joint service: the county may co-finance it
        table[S.ASSESSMENT, v, :, k["assessment"]] = p.assessment * (1.0 - funding.joint_services_county_share)
        table[S.ASSESSMENT, v, :, k["assessment_county_share"]] = p.assessment * funding.joint_services_county_share
        table[S.WORK_MEASURE, v, :, k["work_measures"]] = p.work_measure
        table[S.AMO_COURSE, v, :, k["amo_courses"]] = p.amo_course
        table[S.TERTIARY, v, :, k["tertiary_places"]] = p.tertiary
        table[S.AAP, v, :, k["aap"]] = b.aap
        table[S.DISABILITY, v, :, k["disability_benefit"]] = b.disability
        table[S.WORK, v, :, k["tax_revenue"]] = -funding.tax_per_worker
        table[S.SICK_LEAVE, v, :, k["tax_revenue"]] = -funding.tax_per_worker  # sickness benefit is taxed as pay
        table[S.SICK_LEAVE, v, :, k["sickness_benefit"]] = b.sickness_benefit
        for s in MEASURE_ALLOWANCE_STATES:
            table[s, v, int(Benefit.NONE), k["measure_allowance"]] = b.measure_allowance
    table[S.ADULT_VGO, 0, :, k["adult_vgo_county_places"]] = p.adult_vgo_county
    table[S.ADULT_VGO, 1, :, k["adult_vgo_bought"]] = p.adult_vgo_bought
    table[S.ADULT_VGO, 2, :, k["adult_vgo_bought_county_place"]] = p.adult_vgo_bought_county_place
    table[S.ADULT_VGO, 3, :, k["adult_vgo_earmarked_grant"]] = p.adult_vgo_county  # the grant pays a county place
    table[S.WORK_MEASURE, 1, :, k["combined_path_school_part"]] = p.combined_path_school_part
    table[S.TERTIARY, 1, :, k["tertiary_measure_fees"]] = p.tertiary_measure_fee
    # NAV-bought education is a measure: allowance without dagpenger
    for s, v in ((S.ADULT_VGO, 1), (S.ADULT_VGO, 2), (S.TERTIARY, 1)):
        table[s, v, int(Benefit.NONE), k["measure_allowance"]] = b.measure_allowance
    table[:, :, int(Benefit.DAGPENGER), k["dagpenger"]] = b.dagpenger
    table[:, :, int(Benefit.LAYOFF_PAY), k["dagpenger"]] = b.dagpenger  # layoff pay is dagpenger under permittering
    table[:, :, int(Benefit.SOCIAL_ASSISTANCE), k["social_assistance"]] = b.social_assistance
    # AAP is paid on through assessment, measures and NAV-bought education
    table[:, :, int(Benefit.AAP), k["aap"]] = b.aap
    return table


def item_costs(bookings: np.ndarray, funding: FundingConfig, step_days: int, scale: float) -> np.ndarray:
    """NOK per item in every replicate and step, scaled to the real population: [R, T+1, items]."""
    months = step_days / DAYS_PER_MONTH
    return np.einsum("rtsvb,svbi->rti", bookings.astype(np.float64), price_table(funding)) * months * scale


def agency_costs(bookings: np.ndarray, funding: FundingConfig, step_days: int, scale: float) -> np.ndarray:
    """NOK per agency in every replicate and step: [R, T+1, agencies] (tax revenue counts negative)."""
    per_item = item_costs(bookings, funding, step_days, scale)
    out = np.zeros(per_item.shape[:2] + (len(AGENCIES),))
    for i, (_, agency) in enumerate(items(funding)):
        out[:, :, AGENCIES.index(agency)] += per_item[:, :, i]
    return out


def ledger_table(bookings: np.ndarray, funding: FundingConfig, step_days: int, scale: float,
                 start_year: int) -> pd.DataFrame:
    """Tidy ledger: replicate, step, year, item, agency, nok (scaled), from step 1 on."""
    per_item = item_costs(bookings, funding, step_days, scale)[:, 1:, :]
    R, T, n_items = per_item.shape
    rep, step, item = (a.ravel() for a in np.meshgrid(np.arange(R), np.arange(1, T + 1), np.arange(n_items),
                                                       indexing="ij"))
    names = items(funding)
    return pd.DataFrame({
        "replicate": rep.astype(np.int16),
        "step": step.astype(np.int32),
        "year": start_year + step * step_days / 365.25,
        "item": pd.Categorical.from_codes(item, [n for n, _ in names]),
        "agency": pd.Categorical.from_codes(np.array([AGENCIES.index(a) for _, a in names])[item], AGENCIES),
        "nok": per_item.ravel(),
    })
