"""What users read off the model (docs/domain.md), per replicate, and their Monte Carlo summaries.

Each indicator is computed per replicate from the raw tallies; ``summarise`` then gives the
mean, a 90 % confidence interval of the mean (Student t over replicates) and the 5-95 %
spread of the replicates themselves. Paired differences of two runs on the same seed use the
same summary on the replicate-by-replicate differences (common random numbers).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulation.core.config import SimConfig
from simulation.core.schema import EV, MAX_FOLLOWUPS
from simulation.core.states import AGE_BAND_EDGES, AGE_BAND_NAMES, IN_SCOPE, NEET_STATES, State
from simulation.runs import ledger, public
from simulation.runs.montecarlo import SimResult

LABOUR_FORCE = (State.WORK, State.JOBSEEKER, State.ASSESSMENT, State.WORK_MEASURE, State.AMO_COURSE)
REGISTERED_UNEMPLOYED = (State.JOBSEEKER, State.ASSESSMENT)
MEASURES = (State.WORK_MEASURE, State.AMO_COURSE)
CI_LEVEL = 0.90
RUN_MEAN_SERIES = ("unemployment_rate", "youth_unemployment_rate", "neet_share_youth", "long_term_unemployed")


@dataclass(frozen=True)
class Indicator:
    name: str
    unit: str  # "share", "persons", "weeks"
    description: str


def _idx(states) -> list[int]:
    return [int(s) for s in states]


def _group(res: SimResult, dimension: str, name: str) -> int:
    return res.groups.index((dimension, name))


def youth_bands(youth_max_age: int) -> list[str]:
    """Age bands that make up "youth" 16..youth_max_age (the bands end at 18, 21, 24, 29)."""
    return [AGE_BAND_NAMES[b + 1] for b in range(len(AGE_BAND_EDGES) - 1) if AGE_BAND_EDGES[b + 1] <= youth_max_age + 1]


def final_year_steps(res: SimResult) -> slice:
    """The reported steps of the last year (or of the whole run when shorter)."""
    n = max(1, int(round(365.25 / res.step_days)))
    return slice(max(1, res.steps - n + 1), res.steps + 1)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num/den per replicate; NaN where nothing was observed (said so in the table's n_valid)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def series(res: SimResult, cfg: SimConfig) -> dict[str, tuple[Indicator, np.ndarray]]:
    """Indicators over time: [replicate, step] arrays (step 0 = start of reporting)."""
    st = res.stocks.astype(np.float64)  # [R, T+1, S, G]
    all_ = st[:, :, :, 0]
    youth = [_group(res, "age_band", b) for b in youth_bands(cfg.indicators.youth_max_age)]
    young = st[:, :, :, youth].sum(axis=3)
    in_scope = all_[:, :, _idx(IN_SCOPE)].sum(axis=2)
    young_in_scope = young[:, :, _idx(IN_SCOPE)].sum(axis=2)  # the departed keep their age band
    lf = all_[:, :, _idx(LABOUR_FORCE)].sum(axis=2)
    young_lf = young[:, :, _idx(LABOUR_FORCE)].sum(axis=2)
    ev = res.events.astype(np.float64)
    scale = res.scale
    out = {
        "neet_share_youth": (Indicator("neet_share_youth", "share",
                                       f"16-{cfg.indicators.youth_max_age}-year-olds neither in work nor in education "
                                       "or training"),
                             _ratio(young[:, :, _idx(NEET_STATES)].sum(axis=2), young_in_scope)),
        "employment_rate": (Indicator("employment_rate", "share", "16-66-year-olds in work"),
                            _ratio(all_[:, :, int(State.WORK)], in_scope)),
        "unemployment_rate": (Indicator("unemployment_rate", "share",
                                        "registered job seekers (incl. in assessment) over the labour force"),
                              _ratio(all_[:, :, _idx(REGISTERED_UNEMPLOYED)].sum(axis=2), lf)),
        "youth_unemployment_rate": (Indicator("youth_unemployment_rate", "share",
                                              f"the same for 16-{cfg.indicators.youth_max_age}-year-olds"),
                                    _ratio(young[:, :, _idx(REGISTERED_UNEMPLOYED)].sum(axis=2), young_lf)),
        "long_term_unemployed": (Indicator("long_term_unemployed", "persons",
                                           f"registered {cfg.indicators.long_term_weeks:g} weeks or more (scaled)"),
                                 ev[:, :, EV["stock_long_term_unemployed"]] * scale),
        "in_nav_measures": (Indicator("in_nav_measures", "persons",
                                      "in work-oriented measures, AMO courses and NAV-bought education (scaled)"),
                            (all_[:, :, _idx(MEASURES)].sum(axis=2) + ev[:, :, EV["stock_nav_paid_adult_vgo"]]
                             + ev[:, :, EV["stock_nav_paid_tertiary"]]) * scale),
    }
    for name in ("long_term_unemployed", "in_nav_measures"):
        out[name][1][:, 0] = np.nan  # attribute stocks are tallied from the first reported step on
    return out


def per_replicate(res: SimResult, cfg: SimConfig) -> dict[str, tuple[Indicator, np.ndarray]]:
    """Headline indicators: one value per replicate."""
    fy = final_year_steps(res)
    ev_all = res.events[:, 1:, :].sum(axis=1).astype(np.float64)  # [R, E], whole reporting window
    ev_fy = res.events[:, fy, :].mean(axis=1)
    st_fy = res.stocks[:, fy, :, 0].mean(axis=1)  # [R, S]
    scale = res.scale
    e = lambda name: ev_all[:, EV[name]]  # noqa: E731
    out: dict[str, tuple[Indicator, np.ndarray]] = {}

    def add(name, unit, description, values):
        out[name] = (Indicator(name, unit, description), np.asarray(values, dtype=np.float64))

    for name, (ind, arr) in series(res, cfg).items():
        add(f"{name}_final_year", ind.unit, f"{ind.description}; mean over the final year",
            np.nanmean(arr[:, fy], axis=1))
        if name in RUN_MEAN_SERIES:  # cycle-sensitive: a recession in the middle of a run shows here
            add(f"{name}_run_mean", ind.unit, f"{ind.description}; mean over the whole run",
                np.nanmean(arr[:, 1:], axis=1))
    imm_yes = _group(res, "immigrant", "yes")
    js = res.stocks[:, fy, int(State.JOBSEEKER), :].mean(axis=1)
    add("immigrant_share_of_jobseekers_final_year", "share",
        "immigrants among registered job seekers ([MeldSt32-2021]: 42 %, Q4 2020)",
        _ratio(js[:, imm_yes], js[:, 0]))
    add("mean_nav_spell_weeks", "weeks", "mean length of completed NAV spells (job seeker, assessment, measures)",
        _ratio(e("nav_spell_days"), e("nav_spell_ends") * 7.0))
    for k, months in enumerate(sorted(cfg.indicators.followup_months)[:MAX_FOLLOWUPS]):
        add(f"in_work_{months}m_after_first_nav_contact", "share",
            f"in work {months} months after first contact with NAV (first contacts in the run)",
            _ratio(e(f"followup_in_work_{k}"), e(f"followup_due_{k}")))
    add("youth_offer_within_deadline", "share",
        f"under-{cfg.scenario.youth_guarantee_max_age + 1}s registering who have an offer within "
        f"{cfg.scenario.youth_guarantee_weeks:g} weeks (Fafo 2020:19: 93 %)",
        _ratio(e("youth_offer_in_time"), e("youth_offer_in_time") + e("youth_no_offer_in_time")))
    vgo_done = e("school_general_pass") + e("apprentice_pass")
    vgo_not = (e("school_general_fail") + e("school_dropout") + e("apprentice_fail") + e("apprentice_dropout")
               + e("school_vocational_no_contract"))
    add("vgo_completion_youth", "share", "exits from youth VGO (school, apprenticeship) that are completions",
        _ratio(vgo_done, vgo_done + vgo_not))
    for who, label in (("county", "on the adult right (county place)"),
                       ("nav", "bought by NAV as a measure ([MeldSt32-2021]: under 50 %)")):
        done = e(f"adult_vgo_{who}_pass")
        add(f"adult_vgo_completion_{who}", "share", f"adult VGO completed, {label}",
            _ratio(done, done + e(f"adult_vgo_{who}_fail") + e(f"adult_vgo_{who}_dropout")))
    done = e("tertiary_nav_pass")
    add("tertiary_completion_nav", "share", "higher education as a NAV measure completed ([MeldSt32-2021]: about 30 %)",
        _ratio(done, done + e("tertiary_nav_fail") + e("tertiary_nav_dropout")))
    for state, label in ((State.WORK_MEASURE, "work-oriented measures"), (State.AMO_COURSE, "AMO courses"),
                         (State.ASSESSMENT, "assessment / guidance"), (State.AAP, "work assessment allowance (AAP)"),
                         (State.DISABILITY, "disability benefit")):
        add(f"in_{state.name.lower()}_final_year", "persons", f"in {label}, mean over the final year (scaled)",
            st_fy[:, int(state)] * scale)
    add("in_nav_bought_adult_vgo_final_year", "persons", "in adult VGO bought by NAV, final year (scaled)",
        ev_fy[:, EV["stock_nav_paid_adult_vgo"]] * scale)
    add("in_nav_bought_tertiary_final_year", "persons", "in higher education as a NAV measure, final year (scaled)",
        ev_fy[:, EV["stock_nav_paid_tertiary"]] * scale)
    add("on_dagpenger_final_year", "persons", "receiving unemployment benefit (dagpenger), final year (scaled)",
        ev_fy[:, EV["stock_dagpenger"]] * scale)
    add("on_social_assistance_final_year", "persons", "receiving social assistance, final year (scaled)",
        ev_fy[:, EV["stock_social_assistance"]] * scale)
    add("mean_ot_referral_weeks", "weeks",
        "mean time followed by OT before referral to NAV (referral delay, mechanism 1)",
        _ratio(e("ot_referral_days"), e("ot_referrals") * 7.0))
    add("mean_weeks_to_assessment", "weeks", "mean time as a registered job seeker before assessment/guidance starts",
        _ratio(e("assessment_wait_days"), e("assessment_starts") * 7.0))
    add("mean_weeks_assessment_to_programme", "weeks",
        "mean time from the start of assessment to the start of a measure or education (queue included; mechanism 2)",
        _ratio(e("programme_start_wait_days"), e("programme_starts_after_assessment") * 7.0))
    add("mean_wait_weeks_for_measure", "weeks",
        "mean wait for a place in a work-oriented measure or AMO course (budget-limited)",
        _ratio(e("measure_wait_days"), e("measure_admissions") * 7.0))
    add("waiting_for_measure_final_year", "persons", "queueing for a measure place, final year (scaled)",
        ev_fy[:, EV["stock_waiting_for_measure"]] * scale)
    for pool, label in (("adult_education", "a county adult VGO place (adult-education places)"),
                        ("apprenticeship", "an apprenticeship contract (the labour market's places)"),
                        ("assessment", "assessment / guidance (NAV caseworker time)")):
        wait = "assessment_queue_wait_days" if pool == "assessment" else f"{pool}_wait_days"
        add(f"mean_wait_weeks_for_{pool}", "weeks", f"mean wait in the queue for {label}, of those admitted",
            _ratio(e(wait), e(f"{pool}_admissions") * 7.0))
        add(f"waiting_for_{pool}_final_year", "persons", f"queueing for {label}, final year (scaled)",
            ev_fy[:, EV[f"stock_waiting_for_{pool}"]] * scale)
    county, market = e("nav_vgo_starts_county_place"), e("nav_vgo_starts_market")
    add("nav_vgo_in_county_places", "share",
        "of the adult VGO courses NAV buys, the share delivered in county places at cost price "
        "(public first, mechanism 4)",
        _ratio(county, county + market))
    add("earmarked_place_starts_per_year", "persons",
        "adults without a right starting upper secondary in a county place paid by an earmarked grant "
        "(Utdanningsløftet), per year (scaled)",
        e("grant_place_starts") * scale / (res.steps * res.step_days / 365.25))
    add("combined_path_starts_per_year", "persons",
        "youth starting a combined path (school part + work practice, mechanism 6), per year (scaled)",
        e("combined_path_starts") * scale / (res.steps * res.step_days / 365.25))
    ends = e("combined_path_ends")
    add("combined_path_to_apprenticeship", "share",
        "combined paths ending with an apprenticeship contract (PYK, [SINTEF-2010]: 13 of 25)",
        _ratio(e("combined_path_to_apprenticeship"), ends))
    add("combined_path_to_school", "share", "combined paths ending back in school, Vg1 (PYK, [SINTEF-2010]: 4 of 25)",
        _ratio(e("combined_path_to_school"), ends))
    inst = res.institutions
    if not inst.empty:
        strength = inst[inst["variable"] == "strength"].groupby("replicate")["value"].mean()
        add("effective_cooperation", "share",
            "effective NAV-county cooperation strength (0-1), mean over counties and the run",
            strength.reindex(range(res.replicates)).to_numpy())
    # the fiscal ledger, per year of the reporting window (NOK billion, scaled to the real population)
    per_item = ledger.item_costs(res.bookings, cfg.funding, res.step_days, scale)[:, 1:, :].sum(axis=1)
    years = res.steps * res.step_days / 365.25
    names = ledger.items(cfg.funding)
    tax = per_item[:, [i for i, (n, _) in enumerate(names) if n == "tax_revenue"]].sum(axis=1)
    for agency in ledger.AGENCIES:
        cols = [i for i, (n, a) in enumerate(names) if a == agency and n != "tax_revenue"]
        add(f"cost_{agency}", "NOK bn/yr", f"spending by {agency} on the persons modelled (places, measures, benefits)",
            per_item[:, cols].sum(axis=1) / years / 1e9)
    add("tax_revenue", "NOK bn/yr", "tax and contributions from the persons modelled who are in work",
        -tax / years / 1e9)
    add("net_public_cost", "NOK bn/yr",
        "spending by all agencies minus tax revenue (lower is better for the public purse)",
        per_item.sum(axis=1) / years / 1e9)
    for name, (unit, definition, values) in public.quantities(res, cfg).items():  # the publishers' definitions
        add(name, unit, definition, values)
    return out


def t_quantile(p: float, df: float) -> float:
    """Student's t quantile: ``scipy.stats.t.ppf(p, df)`` for 0 < p < 1, to the last bit (scipy.stats computes it
    as ``scipy.special.stdtrit(df, p)``), NaN where df is not positive. Importing scipy.stats costs a run about a
    second; scipy.special is loaded anyway."""
    from scipy.special import stdtrit

    return float(stdtrit(df, p)) if df > 0 else float("nan")


def summarise_values(values: np.ndarray) -> dict[str, float]:
    """Mean, 90 % CI of the mean, 5-95 % spread of replicates; NaN replicates are left out and counted."""
    v = values[np.isfinite(values)]
    n = v.size
    row = {"mean": np.nan, "ci90_low": np.nan, "ci90_high": np.nan, "p05": np.nan, "p95": np.nan,
           "sd": np.nan, "n_valid": n}
    if n == 0:
        return row
    row["mean"] = float(v.mean())
    row["p05"], row["p95"] = (float(x) for x in np.quantile(v, [0.05, 0.95]))
    if n >= 2:
        sd = float(v.std(ddof=1))
        half = t_quantile(0.5 + CI_LEVEL / 2, n - 1) * sd / np.sqrt(n)
        row.update(sd=sd, ci90_low=row["mean"] - half, ci90_high=row["mean"] + half)
    return row


BOUNDS = {"share": (0.0, 1.0), "persons": (0.0, np.inf), "weeks": (0.0, np.inf)}


def clip_share(row: dict, unit: str = "share") -> dict:
    """An interval stays within the unit's range: shares in [0, 1], counts and durations not below 0
    (the t interval can overshoot with few replicates)."""
    lo, hi = BOUNDS.get(unit, (-np.inf, np.inf))
    for k in ("ci90_low", "ci90_high"):
        if np.isfinite(row[k]):
            row[k] = min(max(row[k], lo), hi)
    return row


def summary_table(per_rep: dict[str, tuple[Indicator, np.ndarray]], scale: float) -> pd.DataFrame:
    """One row per indicator with its Monte Carlo summary."""
    rows = []
    for name, (ind, values) in per_rep.items():
        row = {"indicator": name, "unit": ind.unit, "description": ind.description}
        row.update(summarise_values(values))
        clip_share(row, ind.unit)
        if ind.unit == "persons":
            row["mean_raw"] = row["mean"] / scale if np.isfinite(row["mean"]) else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


# The headline: first the quantities with the publishers' definitions (comparable with NAV, SSB, Udir and the
# OECD: simulation/runs/public.py), then the model's own indicators of flows, services and costs.
PUBLIC_HEADLINE = [
    "registered_fully_unemployed_rate", "registered_fully_unemployed_rate_16_24", "lfs_unemployment_rate",
    "employment_rate_25_66", "neet_16_29", "aap_recipients", "disability_recipients", "vgo_completion_5_6_years",
]
HEADLINE = [
    *PUBLIC_HEADLINE,
    "employment_rate_final_year", "unemployment_rate_final_year", "unemployment_rate_run_mean",
    "youth_unemployment_rate_final_year", "youth_unemployment_rate_run_mean",
    "neet_share_youth_final_year", "long_term_unemployed_final_year", "mean_nav_spell_weeks",
    "in_work_12m_after_first_nav_contact", "youth_offer_within_deadline",
    "adult_vgo_completion_nav", "tertiary_completion_nav", "immigrant_share_of_jobseekers_final_year",
    "in_nav_measures_final_year", "cost_nav", "cost_county", "net_public_cost",
]
