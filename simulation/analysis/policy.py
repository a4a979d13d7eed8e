"""What a policy costs and saves each agency: present values of the fiscal ledger and the gains, paired by replicate.

For every run (a sweep's jobs, or runs given one by one) this module reads ``ledger.parquet``,
``stocks.parquet``, ``events.parquet`` and ``manifest.json`` and computes, per replicate:

* each agency's **spending** (places, measures), **benefits** paid (dagpenger, AAP, disability benefit, measure
  allowance, social assistance) and **tax revenue** (booked to the state), and the **net cost**
  (spending + benefits - tax) of NAV, the county authority, the municipality, the state and their total;
* the **gains**: person-years in work, completed upper secondary (passes of general school, the trade test and
  adult VGO) and NEET years of youth;

each both as the plain sum over the reported period (``basis = amount``) and as a **present value**
(``basis = present_value``), discounted to the start of the reported period at the rate schedule of
``configs/policy/default.yaml`` (R-109/2021: 4 % real for the first 40 years). At rate 0 an agency's amount is
exactly the sum of its rows in ``ledger.parquet``.

Against a reference run (a sweep's reference job, or the first run given) it computes the paired differences
(job minus reference, replicate r against replicate r: all jobs share ``run.seed``, so they meet the same random
numbers), the **cost per unit of gain** (difference in present net public cost over the difference in the
present value of the gain, with a Fieller interval from the same pairs), and the **year by year** net cost
differences with the cumulative present value, from which the **break-even year** (the first year from which the
cumulative net saving of the total stays positive) follows.

Files (:func:`analyse`): ``policy_levels.parquet``, ``policy_differences.parquet``, ``policy_by_year.parquet``,
``policy_cost_per_gain.parquet``, ``policy_summary.csv`` (the who-pays-who-gains table) and
``policy_manifest.json`` (written last). The figure is drawn by the command layer's ``draw`` from these files.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from simulation.analysis.sweep import (
    Job,
    SweepError,
    find_jobs,
    label_jobs,
    resolve_reference,
    summarise_values,
    welch_interval,
)
from simulation.core.config import ConfigError
from simulation.core.states import NEET_STATES, STATE_NAMES, State
from simulation.runs import outputs as out
from simulation.runs.compose import CONFIG_DIR
from simulation.runs.indicators import CI_LEVEL, youth_bands
from simulation.runs.ledger import AGENCIES

DEFAULT_SETTINGS = CONFIG_DIR / "policy" / "default.yaml"
LEVELS_FILE = "policy_levels.parquet"
DIFFERENCES_FILE = "policy_differences.parquet"
BY_YEAR_FILE = "policy_by_year.parquet"
COST_PER_GAIN_FILE = "policy_cost_per_gain.parquet"
SUMMARY_FILE = "policy_summary.csv"
MANIFEST_FILE = "policy_manifest.json"
FIGURE_STEM = "policy_who_pays"

TOTAL = "total"
AGENCY_ROWS = [*AGENCIES, TOTAL]
MONEY = ("spending", "benefits", "tax_revenue", "net_cost")
GAINS = ("person_years_in_work", "completed_vgo", "neet_years_youth")
BASES = ("amount", "present_value")
UNITS = {"spending": "NOK bn", "benefits": "NOK bn", "tax_revenue": "NOK bn", "net_cost": "NOK bn",
         "person_years_in_work": "person-years", "completed_vgo": "persons", "neet_years_youth": "person-years"}
# in a difference, a gain is counted so that positive is good: NEET years are "avoided" (reference minus job)
GAIN_SIGN = {"person_years_in_work": 1.0, "completed_vgo": 1.0, "neet_years_youth": -1.0}
GAIN_DIFFERENCE_NAMES = {"person_years_in_work": "person_years_in_work_gained",
                         "completed_vgo": "completed_vgo_gained", "neet_years_youth": "neet_years_youth_avoided"}
NOK_BN = 1e9


class PolicyError(Exception):
    """Bad input for the policy analysis; the message is one line."""


# ------------------------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class PolicySettings:
    """Discounting and the item classes; defaults in ``configs/policy/default.yaml``."""

    schedule: tuple[tuple[float, float], ...] = ((0.0, 0.04), (40.0, 0.03), (75.0, 0.02))
    source: str = ""
    benefit_items: tuple[str, ...] = ("dagpenger", "aap", "disability_benefit", "measure_allowance",
                                      "social_assistance")
    tax_items: tuple[str, ...] = ("tax_revenue",)
    completed_vgo_events: tuple[str, ...] = ("school_general_pass", "apprentice_pass", "adult_vgo_county_pass",
                                             "adult_vgo_nav_pass")
    path: str = str(DEFAULT_SETTINGS)

    @property
    def rate(self) -> float:
        """The rate of the first period (what a run of a few decades is discounted at)."""
        return self.schedule[0][1]

    def describe(self) -> str:
        parts = [f"{100 * r:g} % from year {y:g}" for y, r in self.schedule]
        return "real discount rate " + ", ".join(parts)


def _bad(key: str, value: Any, why: str) -> ConfigError:
    return ConfigError(f"policy error: {key}={value!r}: {why}")


def parse_schedule(value: Any) -> tuple[tuple[float, float], ...]:
    """``[[from_year, rate], ...]`` starting at year 0, years increasing, rates in [0, 1)."""
    if not isinstance(value, (list, tuple)) or not value:
        raise _bad("discount.schedule", value, "must be a list of [from_year, rate] pairs")
    out_: list[tuple[float, float]] = []
    for item in value:
        if (not isinstance(item, (list, tuple)) or len(item) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in item)):
            raise _bad("discount.schedule", value, "each entry must be [from_year, rate]")
        y, r = float(item[0]), float(item[1])
        if not (np.isfinite(r) and 0.0 <= r < 1.0):
            raise _bad("discount.schedule", value, f"rate {r:g} must be in [0, 1)")
        if out_ and y <= out_[-1][0]:
            raise _bad("discount.schedule", value, "the from_years must increase")
        out_.append((y, r))
    if out_[0][0] != 0.0:
        raise _bad("discount.schedule", value, "the first entry must start at year 0")
    return tuple(out_)


def load_settings(path: Path | str = DEFAULT_SETTINGS, discount_rate: float | None = None) -> PolicySettings:
    """Settings from a YAML file; ``discount_rate`` replaces the schedule by one flat rate."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"policy error: {path}: cannot read ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"policy error: {path}: must be a mapping")
    unknown = sorted(set(data) - {"discount", "gains", "benefit_items", "tax_items"})
    if unknown:
        raise ConfigError(f"policy error: {path}: unknown section {unknown[0]!r}")
    disc = data.get("discount") or {}
    schedule = parse_schedule(disc.get("schedule", [[0, 0.04]]))
    source = str(disc.get("source", ""))
    if discount_rate is not None:
        if not (np.isfinite(discount_rate) and 0.0 <= discount_rate < 1.0):
            raise _bad("--discount-rate", discount_rate, "must be a number in [0, 1)")
        schedule, source = ((0.0, float(discount_rate)),), f"flat rate {discount_rate:g} given on the command line"
    gains = data.get("gains") or {}
    return PolicySettings(
        schedule=schedule, source=source,
        benefit_items=tuple(data.get("benefit_items", PolicySettings.benefit_items)),
        tax_items=tuple(data.get("tax_items", PolicySettings.tax_items)),
        completed_vgo_events=tuple(gains.get("completed_vgo_events", PolicySettings.completed_vgo_events)),
        path=str(path),
    )


def discount_factors(t_years: np.ndarray, schedule: Sequence[tuple[float, float]]) -> np.ndarray:
    """Present-value factors at times ``t_years`` (years from the start): piecewise constant rates.

    With the schedule ((0, r0), (40, r1), ...) a flow at t = 50 is worth (1+r0)^-40 (1+r1)^-10."""
    t = np.asarray(t_years, dtype=np.float64)
    log_f = np.zeros_like(t)
    starts = [y for y, _ in schedule] + [np.inf]
    for (y0, r), y1 in zip(schedule, starts[1:]):
        span = np.clip(np.minimum(t, y1) - y0, 0.0, None)
        log_f -= span * np.log1p(r)
    return np.exp(log_f)


# ------------------------------------------------------------------------------------------ one run


@dataclass
class RunTotals:
    """One run's money and gains per replicate, summed over the reported period and per year."""

    name: str
    path: Path
    manifest: dict
    replicates: np.ndarray  # replicate numbers [R]
    year_labels: np.ndarray  # calendar year of each yearly bucket [Y]
    money: dict[tuple[str, str, str], np.ndarray]  # (agency, measure, basis) -> [R]
    gains: dict[tuple[str, str], np.ndarray]  # (gain, basis) -> [R]
    yearly_net: dict[str, np.ndarray]  # basis -> [R, Y, agencies + total] net cost per year (NOK)
    ledger_total: dict[str, float] = field(default_factory=dict)  # agency -> sum of ledger.parquet's nok (check)

    @property
    def seed(self):
        return self.manifest.get("seed")


def _youth_max_age(run_dir: Path) -> int:
    return out.youth_max_age(run_dir) or 24


def read_run(run_dir: Path | str, settings: PolicySettings, name: str | None = None) -> RunTotals:
    """Money and gains of one complete run directory, per replicate (see the module docstring)."""
    run_dir = Path(run_dir)
    try:
        manifest = out.read_manifest(run_dir)
    except FileNotFoundError:
        raise PolicyError(f"{run_dir}: no manifest.json (not a run directory, or the run did not finish)") from None
    except (OSError, ValueError) as err:
        raise PolicyError(f"{run_dir}: manifest.json unreadable ({type(err).__name__})") from None
    if manifest.get("complete") is not True:
        raise PolicyError(f"{run_dir}: the run is incomplete (manifest.json says complete: false)")
    for f in ("ledger.parquet", "stocks.parquet", "events.parquet"):
        if not (run_dir / f).is_file():
            raise PolicyError(f"{run_dir}: {f} not found")
    step_days = float(manifest["step_days"])
    steps = int(manifest["steps"])
    R = int(manifest["replicates"])
    start_year = int(manifest["start_year"])
    dt = step_days / 365.25
    # time of each reported step's middle (steps 1..T), its yearly bucket and discount factor
    step_idx = np.arange(1, steps + 1)
    t_mid = (step_idx - 0.5) * dt
    factor = discount_factors(t_mid, settings.schedule)
    bucket = np.floor((step_idx - 1) * dt + 1e-9).astype(int)
    n_years = int(bucket.max()) + 1 if steps else 0
    year_labels = start_year + np.arange(n_years)

    ledger = pd.read_parquet(run_dir / "ledger.parquet", columns=["replicate", "step", "item", "agency", "nok"])
    item = ledger["item"].astype(str)
    measure = np.where(item.isin(settings.tax_items), "tax_revenue",
                       np.where(item.isin(settings.benefit_items), "benefits", "spending"))
    agency = ledger["agency"].astype(str).to_numpy()
    a_idx = pd.Index(AGENCIES).get_indexer(agency)
    m_idx = pd.Index(MONEY[:3]).get_indexer(measure)
    rep = ledger["replicate"].to_numpy(int)
    st = ledger["step"].to_numpy(int) - 1
    nok = ledger["nok"].to_numpy(np.float64)
    cube = np.zeros((R, steps, len(AGENCIES), 3))  # [R, T, agency, spending/benefits/tax (as a cost, negative)]
    np.add.at(cube, (rep, st, a_idx, m_idx), nok)
    ledger_total = {a: float(nok[agency == a].sum()) for a in AGENCIES}

    money: dict[tuple[str, str, str], np.ndarray] = {}
    for basis, w in (("amount", np.ones(steps)), ("present_value", factor)):
        per = np.einsum("rtam,t->ram", cube, w) / NOK_BN  # [R, agency, measure]
        for ai, a in enumerate(AGENCIES):
            money[(a, "spending", basis)] = per[:, ai, 0]
            money[(a, "benefits", basis)] = per[:, ai, 1]
            money[(a, "tax_revenue", basis)] = -per[:, ai, 2]  # revenue is booked as a negative cost
            money[(a, "net_cost", basis)] = per[:, ai, :].sum(axis=1)
        for m in MONEY:
            money[(TOTAL, m, basis)] = sum(money[(a, m, basis)] for a in AGENCIES)
    yearly_net: dict[str, np.ndarray] = {}
    for basis, w in (("amount", np.ones(steps)), ("present_value", factor)):
        net = cube.sum(axis=3) * w[None, :, None]  # [R, T, agency]
        per_year = np.zeros((R, n_years, len(AGENCIES) + 1))
        for y in range(n_years):
            per_year[:, y, :len(AGENCIES)] = net[:, bucket == y, :].sum(axis=1)
        per_year[:, :, -1] = per_year[:, :, :len(AGENCIES)].sum(axis=2)
        yearly_net[basis] = per_year

    # gains: stocks in work and youth in NEET states at the end of each reported step, completions as events
    youth = youth_bands(_youth_max_age(run_dir))
    stocks = pd.read_parquet(run_dir / "stocks.parquet", columns=["replicate", "step", "state", "dimension", "group",
                                                                   "count_scaled"],
                             filters=[("dimension", "in", ["all", "age_band"]), ("step", ">=", 1)])
    state = stocks["state"].astype(str)
    dim = stocks["dimension"].astype(str)
    grp = stocks["group"].astype(str)
    work = stocks[(dim == "all") & (state == STATE_NAMES[int(State.WORK)])]
    neet_names = [STATE_NAMES[int(s)] for s in NEET_STATES]
    neet = stocks[(dim == "age_band") & grp.isin(youth) & state.isin(neet_names)]
    events = pd.read_parquet(run_dir / "events.parquet", columns=["replicate", "step", "event", "count_scaled"],
                             filters=[("event", "in", list(settings.completed_vgo_events)), ("step", ">=", 1)])

    def per_step(df: pd.DataFrame, years: bool) -> np.ndarray:
        arr = np.zeros((R, steps))
        np.add.at(arr, (df["replicate"].to_numpy(int), df["step"].to_numpy(int) - 1),
                  df["count_scaled"].to_numpy(np.float64))
        return arr * dt if years else arr

    gains: dict[tuple[str, str], np.ndarray] = {}
    for gname, arr in (("person_years_in_work", per_step(work, True)), ("completed_vgo", per_step(events, False)),
                       ("neet_years_youth", per_step(neet, True))):
        gains[(gname, "amount")] = arr.sum(axis=1)
        gains[(gname, "present_value")] = arr @ factor
    return RunTotals(name=name or run_dir.name, path=run_dir, manifest=manifest, replicates=np.arange(R),
                     year_labels=year_labels, money=money, gains=gains, yearly_net=yearly_net,
                     ledger_total=ledger_total)


# ---------------------------------------------------------------------------------------- statistics


def _excludes_zero(lo: float, hi: float) -> bool:
    return bool(np.isfinite(lo) and np.isfinite(hi) and (lo > 0 or hi < 0))


def paired_or_welch(a: np.ndarray, b: np.ndarray, paired: bool) -> dict[str, float]:
    """Mean of a - b with a 90 % interval: paired by replicate (common random numbers) or Welch."""
    if paired:
        n = min(len(a), len(b))
        s = summarise_values(np.asarray(a[:n], float) - np.asarray(b[:n], float))
        return {"mean": s["mean"], "ci90_low": s["ci90_low"], "ci90_high": s["ci90_high"], "n_pairs": int(s["n_valid"])}
    s = welch_interval(np.asarray(a, float), np.asarray(b, float))
    return {**s, "n_pairs": 0}


def fieller_ratio(dc: np.ndarray, de: np.ndarray, paired: bool = True,
                  dc_var: float | None = None, de_var: float | None = None) -> dict[str, float]:
    """Ratio of mean cost difference to mean gain difference with Fieller's 90 % interval.

    ``dc`` and ``de`` are the per-replicate differences (paired). The interval is bounded only when the gain's
    own interval excludes zero; otherwise it is NaN (the ratio is then not informative)."""
    dc, de = np.asarray(dc, float), np.asarray(de, float)
    n = dc.size
    mc, me = float(dc.mean()), float(de.mean())
    ratio = mc / me if me != 0 else np.nan
    row = {"ratio": ratio, "ci90_low": np.nan, "ci90_high": np.nan, "bounded": False}
    if n < 2:
        return row
    vc = dc.var(ddof=1) / n if dc_var is None else dc_var
    ve = de.var(ddof=1) / n if de_var is None else de_var
    vce = float(np.cov(dc, de, ddof=1)[0, 1]) / n if paired else 0.0
    t2 = float(stats.t.ppf(0.5 + CI_LEVEL / 2, n - 1)) ** 2
    a = me * me - t2 * ve
    b = mc * me - t2 * vce
    c = mc * mc - t2 * vc
    disc = b * b - a * c
    if a > 0 and disc >= 0:
        root = np.sqrt(disc)
        row.update(ci90_low=(b - root) / a, ci90_high=(b + root) / a, bounded=True)
    return row


def break_even_year(cumulative: np.ndarray, years: np.ndarray) -> int | None:
    """The first year from which the cumulative net saving stays above zero to the end; None if it never does."""
    ok = np.asarray(cumulative) > 0
    if not ok.size or not ok[-1]:
        return None
    last_bad = np.where(~ok)[0]
    first = int(last_bad[-1]) + 1 if last_bad.size else 0
    return int(years[first])


# ------------------------------------------------------------------------------------------- tables


def level_rows(run: RunTotals, label: str) -> list[dict[str, Any]]:
    """One row per agency x measure x basis (money) and gain x basis, with the mean over replicates and 90 % CI."""
    rows = []
    for (agency, measure, basis), v in run.money.items():
        s = summarise_values(v)
        rows.append({"job": run.name, "label": label, "agency": agency, "measure": measure, "basis": basis,
                     "unit": UNITS[measure], "mean": s["mean"], "ci90_low": s["ci90_low"], "ci90_high": s["ci90_high"],
                     "n": int(s["n_valid"])})
    for (gain, basis), v in run.gains.items():
        s = summarise_values(v)
        rows.append({"job": run.name, "label": label, "agency": TOTAL, "measure": gain, "basis": basis,
                     "unit": UNITS[gain], "mean": s["mean"], "ci90_low": s["ci90_low"], "ci90_high": s["ci90_high"],
                     "n": int(s["n_valid"])})
    return rows


def difference_rows(run: RunTotals, ref: RunTotals, label: str, ref_label: str) -> list[dict[str, Any]]:
    """Job minus reference per agency x measure x basis; gains with the sign that makes positive good."""
    paired = bool(run.seed == ref.seed)
    rows = []
    base = {"job": run.name, "label": label, "reference_job": ref.name, "reference_label": ref_label}
    for key, v in run.money.items():
        agency, measure, basis = key
        d = paired_or_welch(v, ref.money[key], paired)
        rows.append({**base, "agency": agency, "measure": measure, "basis": basis, "unit": UNITS[measure],
                     "mean_job": float(np.mean(v)), "mean_reference": float(np.mean(ref.money[key])),
                     "mean_difference": d["mean"], "ci90_low": d["ci90_low"], "ci90_high": d["ci90_high"],
                     "n_pairs": d["n_pairs"], "paired": bool(paired),
                     "excludes_zero": _excludes_zero(d["ci90_low"], d["ci90_high"])})
    for (gain, basis), v in run.gains.items():
        sign = GAIN_SIGN[gain]
        r = ref.gains[(gain, basis)]
        d = paired_or_welch(sign * v, sign * r, paired)
        rows.append({**base, "agency": TOTAL, "measure": GAIN_DIFFERENCE_NAMES[gain], "basis": basis,
                     "unit": UNITS[gain], "mean_job": float(np.mean(v)), "mean_reference": float(np.mean(r)),
                     "mean_difference": d["mean"], "ci90_low": d["ci90_low"], "ci90_high": d["ci90_high"],
                     "n_pairs": d["n_pairs"], "paired": bool(paired),
                     "excludes_zero": _excludes_zero(d["ci90_low"], d["ci90_high"])})
    return rows


def cost_per_gain_rows(run: RunTotals, ref: RunTotals, label: str) -> list[dict[str, Any]]:
    """Present net public cost difference (NOK) per unit of present-value gain, with a Fieller interval."""
    paired = run.seed == ref.seed
    key = (TOTAL, "net_cost", "present_value")
    rows = []
    for gain in GAINS:
        sign = GAIN_SIGN[gain]
        a, b = run.gains[(gain, "present_value")], ref.gains[(gain, "present_value")]
        if paired:
            n = min(len(a), len(b))
            dc = (run.money[key][:n] - ref.money[key][:n]) * NOK_BN
            de = sign * (a[:n] - b[:n])
            f = fieller_ratio(dc, de, paired=True)
        else:
            ca, cb = run.money[key] * NOK_BN, ref.money[key] * NOK_BN
            n = min(len(ca), len(cb))
            dc = np.full(n, ca.mean() - cb.mean())
            de = np.full(n, sign * (a.mean() - b.mean()))
            f = fieller_ratio(dc, de, paired=False, dc_var=ca.var(ddof=1) / ca.size + cb.var(ddof=1) / cb.size,
                              de_var=a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
        rows.append({"job": run.name, "label": label, "reference_job": ref.name, "gain": GAIN_DIFFERENCE_NAMES[gain],
                     "unit": f"NOK per {UNITS[gain].rstrip('s') if gain != 'completed_vgo' else 'completion'}",
                     "cost_difference_nok": float(np.mean(dc)), "gain_difference": float(np.mean(de)),
                     "nok_per_unit": f["ratio"], "ci90_low": f["ci90_low"], "ci90_high": f["ci90_high"],
                     "bounded": f["bounded"], "paired": bool(paired),
                     "dominant": bool(np.mean(dc) < 0 < np.mean(de))})
    return rows


def by_year_rows(run: RunTotals, ref: RunTotals, label: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Net cost difference per year and agency, and the cumulative present value of the net saving.

    Returns the rows and the break-even years of the total (mean curve; and the year from which the interval's
    lower bound of the cumulative saving stays above zero)."""
    paired = run.seed == ref.seed
    n_years = min(len(run.year_labels), len(ref.year_labels))
    years = run.year_labels[:n_years]
    rows: list[dict[str, Any]] = []
    breaks: dict[str, Any] = {}
    for ai, agency in enumerate(AGENCY_ROWS):
        a = run.yearly_net["present_value"][:, :n_years, ai]
        b = ref.yearly_net["present_value"][:, :n_years, ai]
        au = run.yearly_net["amount"][:, :n_years, ai]
        bu = ref.yearly_net["amount"][:, :n_years, ai]
        cum_a, cum_b = np.cumsum(a, axis=1), np.cumsum(b, axis=1)
        cum_mean, cum_lo = [], []
        for y in range(n_years):
            d = paired_or_welch(au[:, y] / NOK_BN, bu[:, y] / NOK_BN, paired)
            dp = paired_or_welch(a[:, y] / NOK_BN, b[:, y] / NOK_BN, paired)
            saving = paired_or_welch(cum_b[:, y] / NOK_BN, cum_a[:, y] / NOK_BN, paired)  # reference minus job
            cum_mean.append(saving["mean"])
            cum_lo.append(saving["ci90_low"])
            rows.append({"job": run.name, "label": label, "reference_job": ref.name, "agency": agency,
                         "year": int(years[y]), "net_cost_difference": d["mean"], "ci90_low": d["ci90_low"],
                         "ci90_high": d["ci90_high"], "net_cost_difference_pv": dp["mean"],
                         "cumulative_saving_pv": saving["mean"], "cumulative_saving_pv_ci90_low": saving["ci90_low"],
                         "cumulative_saving_pv_ci90_high": saving["ci90_high"], "unit": "NOK bn"})
        if agency == TOTAL:
            breaks = {"break_even_year": break_even_year(np.array(cum_mean), years),
                      "break_even_year_ci": break_even_year(np.nan_to_num(np.array(cum_lo), nan=-1.0), years)}
    return rows, breaks


def who_pays_table(diffs: pd.DataFrame) -> pd.DataFrame:
    """The wrong-pocket table: per job and agency, the present value of the change in spending, benefits, tax
    revenue and net cost (job minus reference, NOK bn, 90 % CI), and who pays or saves."""
    d = diffs[(diffs["basis"] == "present_value") & diffs["measure"].isin(MONEY)]
    rows = []
    for (job, agency), g in d.groupby(["job", "agency"], sort=False, observed=True):
        g = g.set_index("measure")
        net = g.loc["net_cost"]
        verdict = ("pays more" if net["excludes_zero"] and net["mean_difference"] > 0 else
                   "saves" if net["excludes_zero"] and net["mean_difference"] < 0 else "no clear change")
        row = {"job": job, "label": net["label"], "reference_label": net["reference_label"], "agency": agency}
        for m in MONEY:
            r = g.loc[m]
            row[f"{m}_pv"] = r["mean_difference"]
            row[f"{m}_pv_ci90_low"] = r["ci90_low"]
            row[f"{m}_pv_ci90_high"] = r["ci90_high"]
        row["verdict"] = verdict
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------- inputs


@dataclass
class Inputs:
    """What is analysed: runs with labels, the reference and where the files go."""

    runs: list[tuple[str, Path, str]]  # (name, run dir, label)
    reference: int | None  # index into runs, None for a single run
    out_dir: Path
    kind: str  # "sweep", "runs" or "run"
    missing: list[str] = field(default_factory=list)


def is_sweep_dir(path: Path) -> bool:
    """A sweep directory: an aggregated sweep, a multirun.yaml, or job subdirectories with manifests."""
    path = Path(path)
    if (path / "sweep_manifest.json").is_file() or (path / "multirun.yaml").is_file():
        return True
    return not (path / out.MANIFEST).is_file() and any(
        (p / out.MANIFEST).is_file() for p in path.iterdir() if p.is_dir())


def resolve_inputs(paths: Sequence[Path | str], reference: str | None = None, out_dir: Path | str | None = None
                   ) -> Inputs:
    """A sweep directory (one path), one run, or several runs (the first is the reference unless ``reference``)."""
    paths = [Path(p) for p in paths]
    for p in paths:
        if not p.is_dir():
            raise PolicyError(f"{p}: directory not found")
    if len(paths) == 1 and is_sweep_dir(paths[0]):
        sweep_dir = paths[0]
        if reference is None and (sweep_dir / "sweep_manifest.json").is_file():
            try:
                reference = json.loads((sweep_dir / "sweep_manifest.json").read_text(encoding="utf-8"))["reference"]
            except (OSError, ValueError, KeyError):
                reference = None
        jobs, _ = find_jobs(sweep_dir)
        complete = [j for j in jobs if j.complete]
        if not complete:
            raise PolicyError(f"no complete job in {sweep_dir}")
        label_jobs(jobs)
        try:
            ref = resolve_reference(jobs, reference)
        except SweepError as err:
            raise PolicyError(str(err)) from None
        runs = [(j.name, j.path, j.label) for j in complete]
        return Inputs(runs=runs, reference=[j.name for j in complete].index(ref.name),
                      out_dir=Path(out_dir) if out_dir else sweep_dir, kind="sweep",
                      missing=[j.describe() for j in jobs if not j.complete])
    if len(paths) == 1:
        run = paths[0]
        return Inputs(runs=[(run.name, run, _run_label(run))], reference=None,
                      out_dir=Path(out_dir) if out_dir else run, kind="run")
    names = [p.name if p.name else str(p) for p in paths]
    if len(set(names)) < len(names):
        names = [str(p) for p in paths]
    jobs = [Job(name=n, num=i, path=p, overrides=_run_overrides(p)) for i, (n, p) in enumerate(zip(names, paths))]
    label_jobs(jobs)
    ref = 0
    if reference is not None:
        hits = [i for i, (n, p) in enumerate(zip(names, paths)) if reference in (n, str(p))]
        if not hits:
            raise PolicyError(f"reference {reference!r} is none of the runs given ({', '.join(names)})")
        ref = hits[0]
    if out_dir is None:
        raise PolicyError("several runs: say where the tables go with --out DIR")
    return Inputs(runs=[(n, p, j.label) for n, p, j in zip(names, paths, jobs)], reference=ref,
                  out_dir=Path(out_dir), kind="runs")


def _run_overrides(run: Path) -> list[str]:
    try:
        return [str(o) for o in out.read_manifest(run).get("overrides", [])]
    except (OSError, ValueError):
        return []


def _run_label(run: Path) -> str:
    try:
        m = out.read_manifest(run)
    except (OSError, ValueError):
        return run.name
    return ", ".join(m.get("overrides", [])) or f"{m.get('scenario')} · {m.get('economy')} · {m.get('cooperation')}"


# ------------------------------------------------------------------------------------------- analysis


def analyse(inputs: Inputs, settings: PolicySettings,
            draw: Callable[[Path], list[Path]] | None = None) -> dict[str, Any]:
    """Compute and write the policy tables for ``inputs``; returns what was written and the headline numbers."""
    totals = [read_run(p, settings, name=n) for n, p, _ in inputs.runs]
    labels = {n: lab for n, _, lab in inputs.runs}
    levels = pd.DataFrame([r for t in totals for r in level_rows(t, labels[t.name])])
    files: dict[str, Path] = {}
    od = inputs.out_dir
    out.write_parquet(levels, od / LEVELS_FILE)
    files[LEVELS_FILE] = od / LEVELS_FILE
    breaks: dict[str, dict[str, Any]] = {}
    summary = pd.DataFrame()
    ledger_check = {t.name: {a: t.ledger_total[a] / NOK_BN for a in AGENCIES} for t in totals}
    if inputs.reference is not None:
        ref = totals[inputs.reference]
        others = [t for t in totals if t is not ref]
        diffs = pd.DataFrame([r for t in others for r in difference_rows(t, ref, labels[t.name], labels[ref.name])])
        cpg = pd.DataFrame([r for t in others for r in cost_per_gain_rows(t, ref, labels[t.name])])
        year_rows = []
        for t in others:
            rows, b = by_year_rows(t, ref, labels[t.name])
            year_rows += rows
            breaks[t.name] = b
        by_year = pd.DataFrame(year_rows)
        summary = who_pays_table(diffs) if len(diffs) else pd.DataFrame()
        if len(summary):
            summary["break_even_year"] = pd.array(
                [breaks.get(j, {}).get("break_even_year") for j in summary["job"]], dtype="Int64")
        for df, name in ((diffs, DIFFERENCES_FILE), (cpg, COST_PER_GAIN_FILE), (by_year, BY_YEAR_FILE)):
            out.write_parquet(df, od / name)
            files[name] = od / name
        out.write_text(summary.to_csv(index=False), od / SUMMARY_FILE)
        files[SUMMARY_FILE] = od / SUMMARY_FILE
    else:
        for name in (DIFFERENCES_FILE, COST_PER_GAIN_FILE, BY_YEAR_FILE, SUMMARY_FILE):
            (od / name).unlink(missing_ok=True)
    for fmt in ("png", "svg", "pdf"):
        (od / f"{FIGURE_STEM}.{fmt}").unlink(missing_ok=True)
    manifest = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "kind": inputs.kind,
        "runs": {n: str(p) for n, p, _ in inputs.runs},
        "labels": labels,
        "reference": inputs.runs[inputs.reference][0] if inputs.reference is not None else None,
        "missing": inputs.missing,
        "discount_schedule": [list(s) for s in settings.schedule],
        "discount_source": settings.source,
        "discounting": "each step's amount from the middle of the step to the start of the reported period",
        "settings_file": settings.path,
        "benefit_items": list(settings.benefit_items),
        "tax_items": list(settings.tax_items),
        "completed_vgo_events": list(settings.completed_vgo_events),
        "break_even": breaks,
        "ledger_totals_nok_bn": ledger_check,
        "ci_level": CI_LEVEL,
        "files": sorted([*files, MANIFEST_FILE]),
    }
    # the manifest first (the figure reads it), then the figure, then the manifest again with the figure listed
    out.write_json(manifest, od / MANIFEST_FILE)
    if draw is not None and inputs.reference is not None and len(totals) > 1:
        for p in draw(od):
            files[p.name] = p
        manifest["files"] = sorted([*files, MANIFEST_FILE])
        out.write_json(manifest, od / MANIFEST_FILE)
    files[MANIFEST_FILE] = od / MANIFEST_FILE
    return {"out_dir": od, "files": files, "summary": summary, "break_even": breaks, "levels": levels,
            "reference": manifest["reference"],
            "reference_label": labels.get(manifest["reference"], "") if manifest["reference"] else "",
            "settings": settings}


def format_report(result: dict[str, Any]) -> str:
    """What the command prints: the who-pays-who-gains table per job, present values in NOK bn."""
    s: PolicySettings = result["settings"]
    lines = [f"present values at a {s.describe()} (source: {s.source.split(';')[0] if s.source else 'settings'})"]
    summary = result["summary"]
    if len(summary):
        lines.append(f"job minus reference ({result['reference_label']}), NOK bn, 90 % CI; "
                     "positive = the agency pays more")
        for job, g in summary.groupby("job", sort=False):
            be = result["break_even"].get(job, {}).get("break_even_year")
            when = be if be is not None else "not within the run"
            lines.append(f"\n{g['label'].iloc[0]}   (total turns positive: {when})")
            heads = "".join(f"{h:>24}" for h in ("spending", "benefits", "tax revenue", "net cost"))
            lines.append(f"  {'agency':<13}{heads}  verdict")
            for _, r in g.iterrows():
                cells = [f"{r[f'{m}_pv']:+.3f} [{r[f'{m}_pv_ci90_low']:+.3f}, {r[f'{m}_pv_ci90_high']:+.3f}]"
                         if np.isfinite(r[f"{m}_pv_ci90_low"]) else f"{r[f'{m}_pv']:+.3f}" for m in MONEY]
                lines.append(f"  {r['agency']:<13}" + "".join(f"{c:>24}" for c in cells) + f"  {r['verdict']}")
    else:
        lev = result["levels"]
        lev = lev[(lev["basis"] == "present_value") & (lev["measure"] == "net_cost")]
        lines.append("one run: present value of each agency's net cost, NOK bn, 90 % CI")
        for _, r in lev.iterrows():
            lines.append(f"  {r['agency']:<13}{r['mean']:.3f} [{r['ci90_low']:.3f}, {r['ci90_high']:.3f}]")
    lines.append("")
    lines += [f"  {p}" for p in result["files"].values()]
    return "\n".join(lines)
