"""Figures drawn from a finished run directory: stacked stocks, indicator fan charts, flow diagram,
spending and cooperation, capacity queues (redrawn by the plot command, ``simulation.plots``).

Layer rule: this module reads only the files of a run directory (``manifest.json``,
``stocks.parquet``, ``flows.parquet``, ``indicator_series.parquet``, ``ledger.parquet``,
``institutions.parquet``), never live simulation objects, so figures can be redrawn at any time
from stored results::

    python -m simulation.plots RUN_DIR [--lang en|nb] [--format png|svg|pdf]
    python -m simulation.plots SWEEP_DIR [--lang en|nb] [--format png|svg|pdf]   # every job + the sweep figure

Every figure is written to a temporary file in ``RUN_DIR/figures/`` and renamed into place.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch, Rectangle

from simulation.core.states import STATE_NAMES
from simulation.present.labels import AGENCY_LABELS, INDICATOR_LABELS, STATE_LABELS, youth_label
from simulation.present.style import (
    AGENCY_COLOURS,
    PALETTE,
    RC,
    TickFormatter,
    check_language_and_format,
    number,
    save_figure,
    year_axis,
)
from simulation.present.style import state_colour as _colour
from simulation.runs.outputs import youth_max_age

FIGURES_DIR = "figures"


OUT_OF_SCOPE = ("pre_entry", "aged_out", "departed")
# Bottom to top of the stacked areas: the big, stable states first, the growing 'inactive' last.
STACK_ORDER = ("work", "sick_leave", "disability", "jobseeker", "assessment", "work_measure", "amo_course", "aap",
               "adult_vgo", "school", "apprentice", "tertiary", "ot_followed", "inactive")
DETAIL_EXCLUDED = ("work", "disability")
# Top to bottom of both columns of the flow diagram: a life-course order keeps bands short.
FLOW_ORDER = ("pre_entry", "school", "apprentice", "ot_followed", "tertiary", "adult_vgo", "jobseeker", "assessment",
              "work_measure", "amo_course", "work", "sick_leave", "aap", "disability", "inactive", "aged_out",
              "departed")

FLOW_SHARE = 0.99  # show the largest flows that together carry this share of all moves ...
FLOW_MAX = 40  # ... but not more than this many bands


TEXT = {
    "en": {
        "title": "Scenario {scenario} · economy {economy} · cooperation {cooperation}",
        "subtitle": "{replicates} replicates; one simulated person represents {scale} persons",
        "stocks": "Persons by state (mean of replicates)",
        "stocks_all": "All states in scope (16–66)",
        "stocks_detail": "Without work and disability benefit",
        "thousands": "Persons (thousands)",
        "year": "Year",
        "fan": "Indicators over time: median, 25–75 % and 5–95 % of replicates",
        "median": "Median",
        "band50": "25–75 %",
        "band90": "5–95 %",
        "per_cent": "Per cent",
        "flows": "Mean annual moves between states (thousands of persons per year)",
        "flows_note": "The {n} largest of {m} flows ({share} of all moves) over {years} years",
        "from": "From",
        "to": "To",
        "no_data": "no data",
        "institutions": "Who pays, and how well NAV and the county cooperate",
        "costs": "Spending on the persons modelled (NOK billion per year)",
        "tax": "tax revenue from them",
        "bn_per_year": "bn/yr",
        "cooperation": "Effective cooperation strength (0–1)",
        "national": "all counties",
        "agencies": AGENCY_LABELS["en"],
        "queues": "Capacity: how many wait, and how full the places are",
        "waiting": "Persons waiting, all counties (mean of replicates)",
        "waiting_band": "Persons waiting, all counties (mean and 5–95 % of replicates)",
        "persons": "Persons",
        "used": "Share of places in use (mean of counties, weighted equally)",
        "share": "Share (1 = full)",
        "full": "full",
        "cycle": "Apprenticeship places relative to normal (business cycle)",
        "unlimited": "not limited: {pools}",
        "pools": {"measure": "Measures (NAV's budget)", "assessment": "Assessment (NAV's caseworker time)",
                  "adult_education": "Upper secondary for adults (county places)",
                  "apprenticeship": "Apprenticeships (employers' places)"},
    },
    "nb": {
        "title": "Scenario {scenario} · økonomi {economy} · samarbeid {cooperation}",
        "subtitle": "{replicates} replikater; én simulert person representerer {scale} personer",
        "stocks": "Personer etter tilstand (gjennomsnitt av replikater)",
        "stocks_all": "Alle tilstander i målgruppen (16–66 år)",
        "stocks_detail": "Uten arbeid og uføretrygd",
        "thousands": "Personer (tusen)",
        "year": "År",
        "fan": "Indikatorer over tid: median, 25–75 % og 5–95 % av replikatene",
        "median": "Median",
        "band50": "25–75 %",
        "band90": "5–95 %",
        "per_cent": "Prosent",
        "flows": "Gjennomsnittlige overganger per år mellom tilstander (tusen personer per år)",
        "flows_note": "De {n} største av {m} strømmene ({share} av alle overganger) over {years} år",
        "from": "Fra",
        "to": "Til",
        "no_data": "ingen data",
        "institutions": "Hvem betaler, og hvor godt NAV og fylkeskommunen samarbeider",
        "costs": "Utgifter til personene i modellen (mrd. kroner per år)",
        "tax": "skatteinntekter fra dem",
        "bn_per_year": "mrd./år",
        "cooperation": "Effektiv samarbeidsstyrke (0–1)",
        "national": "alle fylker",
        "agencies": AGENCY_LABELS["nb"],
        "queues": "Kapasitet: hvor mange som venter, og hvor fulle plassene er",
        "waiting": "Personer som venter, alle fylker (gjennomsnitt av replikater)",
        "waiting_band": "Personer som venter, alle fylker (gjennomsnitt og 5–95 % av replikatene)",
        "persons": "Personer",
        "used": "Andel av plassene i bruk (gjennomsnitt av fylkene, likt vektet)",
        "share": "Andel (1 = fullt)",
        "full": "fullt",
        "cycle": "Læreplasser i forhold til normalt (konjunktur)",
        "unlimited": "ikke begrenset: {pools}",
        "pools": {"measure": "Tiltak (NAVs budsjett)", "assessment": "Kartlegging (NAVs veiledertid)",
                  "adult_education": "Videregående for voksne (fylkets plasser)",
                  "apprenticeship": "Læreplass (arbeidsgivernes plasser)"},
    },
}
# The capacity pools of the queues figure: (institution, queue variable, share-in-use variable) in institutions.parquet.
# (The earmarked grant's places are not recorded per institution, so they are not drawn.)
POOLS = {
    "measure": ("NAVCountyUnit", "queue", "measure_budget_used"),
    "assessment": ("NAVCountyUnit", "assessment_queue", "assessment_used"),
    "adult_education": ("CountyAuthority", "adult_queue", "adult_places_used"),
    "apprenticeship": ("LabourMarket", "apprenticeship_queue", "apprenticeship_places_used"),
}
CYCLE = ("LabourMarket", "apprenticeship_cycle")
POOL_COLOURS = {"measure": PALETTE[3], "assessment": PALETTE[4], "adult_education": PALETTE[2],
                "apprenticeship": PALETTE[0]}


# ----------------------------------------------------------------------------------------- reading


def _need(path: Path) -> Path:
    if not path.is_file():
        raise FileNotFoundError(f"{path.name} not found in run directory {path.parent}")
    return path


def read_manifest(run_dir: Path) -> dict:
    return json.loads(_need(run_dir / "manifest.json").read_text(encoding="utf-8"))


def read_stocks(run_dir: Path) -> pd.DataFrame:
    """The dimension "all" rows only (filtered while reading: the file can hold millions of rows)."""
    path = _need(run_dir / "stocks.parquet")
    cols = ["replicate", "step", "year", "state", "count_scaled"]
    try:  # Arrow filters the dictionary codes of "dimension"; only the rows kept become a DataFrame
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        table = pq.read_table(path, columns=[*cols, "dimension"])
        dim = table.column("dimension").combine_chunks()
        keep = pc.equal(dim.indices, dim.dictionary.index("all").as_py())
        df = table.filter(keep).select(cols).to_pandas()
    except Exception:  # noqa: BLE001 -- not dictionary-encoded, or no pyarrow: filter after reading
        df = pd.read_parquet(path, columns=cols + ["dimension"])
        df = df.loc[df["dimension"] == "all", cols].reset_index(drop=True)
    df["state"] = df["state"].astype(str)
    return df


def read_flows(run_dir: Path) -> pd.DataFrame:
    df = pd.read_parquet(_need(run_dir / "flows.parquet"),
                         columns=["replicate", "step", "from_state", "to_state", "count_scaled"])
    df["from_state"] = df["from_state"].astype(str)
    df["to_state"] = df["to_state"].astype(str)
    return df


def read_series(run_dir: Path) -> pd.DataFrame:
    df = pd.read_parquet(_need(run_dir / "indicator_series.parquet"),
                         columns=["replicate", "step", "year", "indicator", "unit", "value"])
    df["indicator"] = df["indicator"].astype(str)
    df["unit"] = df["unit"].astype(str)
    return df




# --------------------------------------------------------------------------------------- helpers




def _header(fig, manifest: dict, language: str, heading: str) -> None:
    t = TEXT[language]
    scale = manifest.get("scale")
    scale_s = number(float(scale), 0 if float(scale).is_integer() else 2, language) if scale is not None else "?"
    title = t["title"].format(scenario=manifest.get("scenario", "?"), economy=manifest.get("economy", "?"),
                              cooperation=manifest.get("cooperation", "?"))
    sub = t["subtitle"].format(replicates=manifest.get("replicates", "?"), scale=scale_s)
    fig.suptitle(f"{heading}\n{title}", fontsize=13)
    fig.supxlabel(sub, fontsize=8.5, color="#555555")




# ------------------------------------------------------------------------------------ the figures


def fig_stocks(stocks: pd.DataFrame, manifest: dict, language: str):
    """Two panels of stacked areas: all states in scope, and all but work and disability."""
    t = TEXT[language]
    labels = STATE_LABELS[language]
    mean = stocks.groupby(["step", "state"], observed=True)["count_scaled"].mean().unstack("state")
    year = stocks.groupby("step")["year"].first().reindex(mean.index)
    order = [s for s in STACK_ORDER if s in STATE_NAMES or s in mean.columns]
    order += [s for s in mean.columns if s not in order and s not in OUT_OF_SCOPE]  # states unknown to this module
    mean = mean.reindex(columns=order, fill_value=0.0).fillna(0.0) / 1000.0

    fig, axes = plt.subplots(1, 2, figsize=(13, 5.4), layout="constrained")
    for ax, states, title in ((axes[0], order, t["stocks_all"]),
                              (axes[1], [s for s in order if s not in DETAIL_EXCLUDED], t["stocks_detail"])):
        ax.stackplot(year.to_numpy(), *(mean[s].to_numpy() for s in states), colors=[_colour(s) for s in states],
                     linewidth=0.3, edgecolor="white")
        ax.set_title(title, loc="left")
        ax.set_xlabel(t["year"])
        ax.set_ylabel(t["thousands"])
        year_axis(ax, float(year.min()), float(year.max()))
        ax.set_ylim(0, mean[list(states)].sum(axis=1).max() * 1.04)
        ax.yaxis.set_major_formatter(TickFormatter(language))
        ax.grid(axis="y", color="white", linewidth=0.6, alpha=0.6)
    handles = [Patch(facecolor=_colour(s), label=labels.get(s, s)) for s in reversed(order)]
    fig.legend(handles=handles, loc="outside right center", frameon=False, fontsize=9)
    _header(fig, manifest, language, t["stocks"])
    return fig


def _indicator_label(name: str, language: str, youth_max_age: int | None) -> str:
    youth = youth_label(youth_max_age, language)
    template = INDICATOR_LABELS[language].get(name, name.replace("_", " "))
    return template.format(youth=youth)


def fig_fan(series: pd.DataFrame, manifest: dict, language: str, youth_max_age: int | None = None):
    """One fan chart per indicator: median, 25-75 % and 5-95 % across replicates per step."""
    t = TEXT[language]
    known = list(INDICATOR_LABELS["en"])
    present = set(series["indicator"].unique())  # once: a set of the column per known name was a third of the figure
    names = [n for n in known if n in present]
    names += sorted(present - set(names))
    ncol = 3 if len(names) > 4 else max(1, min(2, len(names)))
    nrow = max(1, -(-len(names) // ncol))
    fig = plt.figure(figsize=(4.6 * ncol, 3.1 * nrow + 1.3), layout="constrained")
    grid = fig.add_gridspec(nrow + 1, ncol, height_ratios=[1.0] * nrow + [0.08])
    axes = np.array([[fig.add_subplot(grid[r, c]) for c in range(ncol)] for r in range(nrow)])
    key = fig.add_subplot(grid[nrow, :])  # a row of its own for the legend, between the panels and the footnote
    key.set_axis_off()
    years = series["year"]
    xlim = (float(years.min()), float(years.max())) if len(years) else (0.0, 1.0)
    if manifest.get("start_year") is not None:
        xlim = (min(xlim[0], float(manifest["start_year"])), xlim[1])
    for ax in axes.flat[len(names):]:
        ax.set_visible(False)
    qs = [0.05, 0.25, 0.5, 0.75, 0.95]
    for ax, name in zip(axes.flat, names):
        d = series[series["indicator"] == name].dropna(subset=["value"])
        unit = d["unit"].iloc[0] if len(d) else "share"
        factor, ylabel = (100.0, t["per_cent"]) if unit == "share" else (1e-3, t["thousands"])
        ax.set_title(_indicator_label(name, language, youth_max_age), loc="left", fontsize=10)
        if d.empty:
            ax.text(0.5, 0.5, t["no_data"], transform=ax.transAxes, ha="center", va="center", color="#777777")
            continue
        q = d.groupby("step")["value"].quantile(qs).unstack() * factor
        x = d.groupby("step")["year"].first().reindex(q.index).to_numpy()
        colour = "#0072B2"
        ax.fill_between(x, q[0.05], q[0.95], color=colour, alpha=0.18, linewidth=0, label=t["band90"])
        ax.fill_between(x, q[0.25], q[0.75], color=colour, alpha=0.35, linewidth=0, label=t["band50"])
        ax.plot(x, q[0.5], color=colour, linewidth=1.3, label=t["median"])
        ax.set_ylabel(ylabel)
        year_axis(ax, *xlim)
        lo, hi = float(q[0.05].min()), float(q[0.95].max())
        pad = max((hi - lo) * 0.1, abs(hi) * 0.005, 1e-9)
        ax.set_ylim(max(lo - pad, 0.0) if lo >= 0 else lo - pad, hi + pad)
        ax.yaxis.set_major_formatter(TickFormatter(language))
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    # label the x axis of the lowest visible panel in each column (a short last row leaves hidden panels)
    for c in range(ncol):
        col = [axes[r, c] for r in range(nrow) if axes[r, c].get_visible()]
        if col:
            col[-1].set_xlabel(t["year"])
    handles, lbls = axes.flat[0].get_legend_handles_labels()
    if handles:
        order = [lbls.index(x) for x in (t["median"], t["band50"], t["band90"]) if x in lbls]
        key.legend([handles[i] for i in order], [lbls[i] for i in order], loc="center", ncol=3, frameon=False,
                   fontsize=9)
    _header(fig, manifest, language, t["fan"])
    return fig


def annual_flows(flows: pd.DataFrame, manifest: dict) -> tuple[pd.Series, float]:
    """Mean annual flow per (from, to): sum over the run's steps / years, mean over replicates."""
    steps = manifest.get("steps") or (int(flows["step"].max()) if len(flows) else 0)
    step_days = float(manifest.get("step_days", 7))
    years = steps * step_days / 365.25
    reps = manifest.get("replicates") or max(flows["replicate"].nunique(), 1)
    if years <= 0 or flows.empty:
        return pd.Series(dtype=float), years
    total = flows.groupby(["from_state", "to_state"])["count_scaled"].sum()
    return (total / reps / years).sort_values(ascending=False), years


def _band(ax, x0, x1, y0, y1, h, colour):
    """A smooth band of height h from (x0, y0..y0+h) to (x1, y1..y1+h)."""
    x = np.linspace(x0, x1, 60)
    s = (x - x0) / (x1 - x0)
    s = s * s * (3 - 2 * s)
    bottom = y0 + (y1 - y0) * s
    ax.fill_between(x, bottom, bottom + h, color=colour, alpha=0.5, linewidth=0)


def fig_flows(flows: pd.DataFrame, manifest: dict, language: str):
    """Two-column (from -> to) alluvial diagram of the largest mean annual flows."""
    t = TEXT[language]
    labels = STATE_LABELS[language]
    annual, years = annual_flows(flows, manifest)
    fig, ax = plt.subplots(figsize=(11, 9), layout="constrained")
    ax.set_axis_off()
    if annual.empty:
        ax.text(0.5, 0.5, t["no_data"], ha="center", va="center", transform=ax.transAxes)
        _header(fig, manifest, language, t["flows"])
        return fig
    grand = float(annual.sum())
    n_share = int(np.searchsorted(annual.cumsum().to_numpy(), FLOW_SHARE * grand) + 1)
    shown = annual.iloc[:max(1, min(n_share, FLOW_MAX, len(annual)))]
    rank = {s: i for i, s in enumerate(FLOW_ORDER)}
    unknown = (set(annual.index.get_level_values(0)) | set(annual.index.get_level_values(1))) - set(rank)
    rank.update({s: len(FLOW_ORDER) + i for i, s in enumerate(sorted(unknown))})
    df = shown.rename("v").reset_index()
    df["fr"] = df["from_state"].map(rank)
    df["tr"] = df["to_state"].map(rank)
    out_tot = df.groupby("from_state")["v"].sum()
    in_tot = df.groupby("to_state")["v"].sum()
    left = sorted(out_tot.index, key=rank.get)
    right = sorted(in_tot.index, key=rank.get)
    total = float(df["v"].sum())
    gap = 0.022
    n = max(len(left), len(right))
    k = (1.0 - gap * (n - 1)) / total  # height per person/year, the same on both sides

    def layout(nodes, tot):
        pos, y = {}, 1.0 - (1.0 - (tot[nodes].sum() * k + gap * (len(nodes) - 1))) / 2  # centred column
        for s in nodes:
            h = tot[s] * k
            pos[s] = (y - h, h)  # bottom, height
            y -= h + gap
        return pos

    lpos, rpos = layout(left, out_tot), layout(right, in_tot)
    xl, xr, w = 0.0, 1.0, 0.035
    # bands: leave each origin top-down in the order of the targets, enter each target in the order of the origins
    lcur = {s: lpos[s][0] + lpos[s][1] for s in left}
    rcur = {s: rpos[s][0] + rpos[s][1] for s in right}
    band_y0, band_y1 = {}, {}
    for r in df.sort_values(["fr", "tr"]).itertuples():
        h = r.v * k
        lcur[r.from_state] -= h
        band_y0[(r.from_state, r.to_state)] = lcur[r.from_state]
    for r in df.sort_values(["tr", "fr"]).itertuples():
        h = r.v * k
        rcur[r.to_state] -= h
        band_y1[(r.from_state, r.to_state)] = rcur[r.to_state]
    for r in df.sort_values("v").itertuples():  # small bands on top of big ones stay visible
        key = (r.from_state, r.to_state)
        _band(ax, xl + w, xr, band_y0[key], band_y1[key], r.v * k, _colour(r.from_state))

    def kilo(v):
        return number(v / 1000.0, 0 if v >= 9_500 else 1, language)

    for nodes, pos, tot, x, ha, dx in ((left, lpos, out_tot, xl, "right", -0.012),
                                       (right, rpos, in_tot, xr, "left", w + 0.012)):
        for s in nodes:
            y0, h = pos[s]
            ax.add_patch(Rectangle((x, y0), w, h, facecolor=_colour(s), edgecolor="#333333",
                                   linewidth=0.4))
            ax.text(x + dx, y0 + h / 2, f"{labels.get(s, s)}  {kilo(tot[s])}", ha=ha, va="center", fontsize=9.5)
    ax.text(xl + w / 2, 1.035, t["from"], ha="center", va="bottom", fontsize=11, fontweight="bold")
    ax.text(xr + w / 2, 1.035, t["to"], ha="center", va="bottom", fontsize=11, fontweight="bold")
    ax.set_xlim(-0.42, 1.45)
    ax.set_ylim(-0.01, 1.07)
    share = number(100.0 * total / grand, 1, language) + " %"
    note = t["flows_note"].format(n=len(df), m=len(annual), share=share, years=number(years, 1, language),
                                  replicates=manifest.get("replicates", "?"))
    ax.text(0.5, -0.03, note, ha="center", va="top", fontsize=8.5, color="#555555", transform=ax.transData)
    _header(fig, manifest, language, t["flows"])
    return fig


def read_ledger(run_dir: Path) -> pd.DataFrame:
    return pd.read_parquet(_need(run_dir / "ledger.parquet"), columns=["replicate", "year", "item", "agency", "nok"])


def read_institutions(run_dir: Path) -> pd.DataFrame:
    df = pd.read_parquet(_need(run_dir / "institutions.parquet"))
    return df[df["variable"] == "strength"]


def read_queues(run_dir: Path) -> pd.DataFrame:
    """The capacity pools' queues, shares in use and the apprenticeship cycle (filtered while reading)."""
    path = _need(run_dir / "institutions.parquet")
    wanted = sorted({v for _, q, u in POOLS.values() for v in (q, u)} | {CYCLE[1]})
    cols = ["replicate", "step", "year", "county", "institution", "variable", "value"]
    try:
        df = pd.read_parquet(path, columns=cols, filters=[("variable", "in", wanted)])
    except Exception:  # noqa: BLE001 -- an engine without predicate push-down: filter after reading
        df = pd.read_parquet(path, columns=cols)
    df = df.astype({"institution": str, "variable": str})
    return df[df["variable"].isin(wanted)].reset_index(drop=True)


def _pool_series(queues: pd.DataFrame, institution: str, variable: str) -> pd.DataFrame:
    """One variable's rows as replicate x step x county values (empty when missing or all NaN)."""
    d = queues[(queues["institution"] == institution) & (queues["variable"] == variable)]
    return d if d["value"].notna().any() else d.iloc[0:0]


def fig_queues(queues: pd.DataFrame, manifest: dict, language: str):
    """Left: persons waiting per capacity pool (all counties, mean and 5-95 % of replicates);
    right: the share of each pool's places in use (mean of counties), with 1 = full."""
    t = TEXT[language]
    fig = plt.figure(figsize=(13, 5.8), layout="constrained")
    grid = fig.add_gridspec(2, 2, height_ratios=[1.0, 0.09])
    left, right = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    key = fig.add_subplot(grid[1, :])  # a row of its own for the legend, between the panels and the footnote
    key.set_axis_off()
    for ax in (left, right):
        ax.set_xlabel(t["year"])
    if queues.empty:
        for ax, title in ((left, t["waiting"]), (right, t["used"])):
            ax.text(0.5, 0.5, t["no_data"], ha="center", va="center", transform=ax.transAxes, color="#777777")
            ax.set_title(title, loc="left")
            ax.set_xticks([])
            ax.set_yticks([])
        _header(fig, manifest, language, t["queues"])
        return fig
    year = queues.groupby("step")["year"].first()
    xlim = (float(year.min()), float(year.max()))
    if xlim[1] <= xlim[0]:
        xlim = (xlim[0], xlim[0] + 1.0)
    waiting, used, unlimited = {}, {}, []
    for pool, (institution, queue_var, used_var) in POOLS.items():
        share = _pool_series(queues, institution, used_var)
        queue = _pool_series(queues, institution, queue_var)
        if not share.empty:  # each county weighted equally, then the mean of replicates
            by_rep = share.groupby(["replicate", "step"])["value"].mean()
            used[pool] = by_rep.groupby(level="step").mean()
        elif (queues["variable"] == used_var).any():
            unlimited.append(pool)  # recorded but NaN throughout: no limit
        if not queue.empty and (pool in used or queue["value"].fillna(0).gt(0).any()):
            total = queue.groupby(["replicate", "step"])["value"].sum(min_count=1).unstack("replicate")
            waiting[pool] = total
    # left: persons waiting, in thousands when the largest queue reaches a few thousand
    peak = max((float(w.mean(axis=1).max()) for w in waiting.values()), default=0.0)
    factor, ylabel = (1e-3, t["thousands"]) if peak >= 2000 else (1.0, t["persons"])
    banded = any(w.shape[1] > 1 for w in waiting.values())
    handles = {}
    for pool, w in waiting.items():  # all bands first, so that no band covers another pool's line
        if w.shape[1] > 1:
            q = w.quantile([0.05, 0.95], axis=1).T * factor
            left.fill_between(year.reindex(w.index).to_numpy(), q[0.05], q[0.95], color=POOL_COLOURS[pool],
                              alpha=0.12, linewidth=0)
    for pool, w in waiting.items():
        (handles[pool],) = left.plot(year.reindex(w.index).to_numpy(), w.mean(axis=1) * factor,
                                     color=POOL_COLOURS[pool], linewidth=1.8)
    left.set_title(t["waiting_band"] if banded else t["waiting"], loc="left")
    left.set_ylabel(ylabel)
    if waiting:
        left.set_ylim(0, None)
        left.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=7, steps=[1, 2, 5, 10]))
        left.yaxis.set_major_formatter(TickFormatter(language))
        left.grid(axis="y", color="#dddddd", linewidth=0.6)
    else:
        left.text(0.5, 0.5, t["no_data"], ha="center", va="center", transform=left.transAxes, color="#777777")
    year_axis(left, *xlim)
    # right: share of places in use, 1 = full
    right.axhline(1.0, color="#333333", linewidth=1.0, linestyle="--")
    right.text(xlim[1], 1.0, f" {t['full']}", ha="left", va="center", fontsize=9, color="#333333", clip_on=False)
    for pool, u in used.items():
        (line,) = right.plot(year.reindex(u.index).to_numpy(), u.to_numpy(), color=POOL_COLOURS[pool], linewidth=1.8)
        handles.setdefault(pool, line)
    cycle = _pool_series(queues, *CYCLE)
    if not cycle.empty and (cycle["value"] - 1.0).abs().max() > 1e-9:  # only when the cycle moves the places
        c = cycle.groupby(["replicate", "step"])["value"].mean().groupby(level="step").mean()
        (line,) = right.plot(year.reindex(c.index).to_numpy(), c.to_numpy(), color="#777777", linewidth=1.2,
                             linestyle=":")
        right.legend([line], [t["cycle"]], loc="lower right", frameon=False, fontsize=8.5)
    right.set_title(t["used"], loc="left")
    right.set_ylabel(t["share"])
    right.set_ylim(0, 1.2)
    right.yaxis.set_major_formatter(TickFormatter(language))
    right.grid(axis="y", color="#dddddd", linewidth=0.6)
    if not used:
        right.text(0.5, 0.5, t["no_data"], ha="center", va="center", transform=right.transAxes, color="#777777")
    if unlimited:
        names = ", ".join(t["pools"][p] for p in unlimited)
        right.text(0.01, 0.98, t["unlimited"].format(pools=names), transform=right.transAxes, ha="left",
                   va="top", fontsize=8.5, color="#555555")
    year_axis(right, *xlim)
    order = [p for p in POOLS if p in handles]
    if order:
        key.legend([handles[p] for p in order], [t["pools"][p] for p in order], loc="center", ncols=len(order),
                   frameon=False, fontsize=9)
    _header(fig, manifest, language, t["queues"])
    return fig


def fig_institutions(ledger: pd.DataFrame, institutions: pd.DataFrame, manifest: dict, language: str):
    """Left: annual spending by agency and tax revenue; right: effective cooperation by county over time."""
    t = TEXT[language]
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.2), layout="constrained")
    ax = axes[0]
    d = ledger.assign(cal=np.floor(ledger["year"] - 1e-9).astype(int))
    steps = d[d["replicate"] == d["replicate"].min()].groupby("cal")["year"].nunique()
    d = d[d["cal"].isin(steps[steps >= 0.95 * steps.max()].index)]  # whole calendar years only
    spend = d[d["item"] != "tax_revenue"].groupby(["replicate", "cal", "agency"], observed=True)["nok"].sum()
    spend = spend.groupby(["cal", "agency"], observed=True).mean().unstack("agency").fillna(0.0) / 1e9
    tax = -d[d["item"] == "tax_revenue"].groupby(["replicate", "cal"])["nok"].sum().groupby("cal").mean() / 1e9
    bottom = np.zeros(len(spend))
    for agency in [a for a in AGENCY_COLOURS if a in spend.columns]:
        ax.bar(spend.index, spend[agency], bottom=bottom, color=AGENCY_COLOURS[agency], width=0.75,
               label=t["agencies"][agency])
        bottom += spend[agency].to_numpy()
    ax.set_title(t["costs"], loc="left")
    ax.set_xlabel(t["year"])
    ax.yaxis.set_major_formatter(TickFormatter(language))
    ax.legend(frameon=False, fontsize=9, loc="upper left", ncols=2)
    ax.text(0.99, 0.98, f"{t['tax']}: {number(float(tax.mean()), 0, language)} {t['bn_per_year']}",
            transform=ax.transAxes, ha="right", va="top", fontsize=8.5, color="#555555")
    ax.set_ylim(0, bottom.max() * 1.25 if len(bottom) else 1)
    ax = axes[1]
    if institutions.empty:
        ax.text(0.5, 0.5, t["no_data"], ha="center", va="center", transform=ax.transAxes)
    else:
        by_county = institutions.groupby(["county", "year"], observed=True)["value"].mean()
        for _, series in by_county.groupby(level="county", observed=True):
            ax.plot(series.index.get_level_values("year"), series.to_numpy(), color="#999999", linewidth=0.7,
                    alpha=0.8)
        national = institutions.groupby("year")["value"].mean()
        ax.plot(national.index, national.to_numpy(), color="#0072B2", linewidth=2.2, label=t["national"])
        ax.legend(frameon=False, fontsize=9, loc="lower left")
        year_axis(ax, float(institutions["year"].min()), float(institutions["year"].max()))
    ax.set_ylim(0, 1)
    ax.set_title(t["cooperation"], loc="left")
    ax.set_xlabel(t["year"])
    _header(fig, manifest, language, t["institutions"])
    return fig


# the figures, and the files each is drawn from (in drawing order)
FIGURES = ("stocks_stacked", "indicators_fan", "flows", "institutions", "queues")
SOURCES = {"stocks_stacked": ("stocks.parquet",), "indicators_fan": ("indicator_series.parquet",),
           "flows": ("flows.parquet",), "institutions": ("ledger.parquet", "institutions.parquet"),
           "queues": ("institutions.parquet",)}
# two groups of about equal drawing time, for two processes (the fan chart alone is a third of the work)
GROUPS = (("indicators_fan", "flows"), ("stocks_stacked", "institutions", "queues"))


def _draw(run_dir: Path, names: tuple[str, ...], manifest: dict, language: str, fmt: str) -> list[Path]:
    """Read what the named figures need, then draw and write each one."""
    data = {}
    if "stocks_stacked" in names:
        data["stocks"] = read_stocks(run_dir)
    if "indicators_fan" in names:
        data["series"] = read_series(run_dir)
    if "flows" in names:
        data["flows"] = read_flows(run_dir)
    if "institutions" in names:
        data["ledger"], data["institutions"] = read_ledger(run_dir), read_institutions(run_dir)
    if "queues" in names:
        data["queues"] = read_queues(run_dir)
    draw = {"stocks_stacked": lambda: fig_stocks(data["stocks"], manifest, language),
            "indicators_fan": lambda: fig_fan(data["series"], manifest, language, youth_max_age(run_dir)),
            "flows": lambda: fig_flows(data["flows"], manifest, language),
            "institutions": lambda: fig_institutions(data["ledger"], data["institutions"], manifest, language),
            "queues": lambda: fig_queues(data["queues"], manifest, language)}
    written = []
    with plt.rc_context(RC):
        for name in names:
            written.append(save_figure(draw[name](), run_dir / FIGURES_DIR / f"{name}.{fmt}", fmt))
    return written


def _draw_in_child(conn, run_dir: Path, names: tuple[str, ...], manifest: dict, language: str, fmt: str) -> None:
    """A forked process's share of the figures: sends back the paths written, or the error in one line."""
    try:
        conn.send(("ok", [str(p) for p in _draw(run_dir, names, manifest, language, fmt)]))
    except BaseException as err:  # noqa: BLE001 -- every failure goes back to the parent, which raises it
        conn.send(("error", f"{type(err).__name__}: {err}"))
    finally:
        conn.close()


def parallel_drawing_available() -> bool:
    """Figures can be drawn in two processes: a forked child shares what the parent has loaded, so it starts at
    once (Linux; elsewhere fork is unsafe or missing and the figures are drawn one after the other)."""
    return sys.platform.startswith("linux") and (os.cpu_count() or 1) >= 2


def _idle_cores(window: float = 0.1) -> float:
    """Cores idle over the next ``window`` seconds, machine-wide (Linux /proc/stat)."""
    def sample() -> tuple[int, int]:
        with open("/proc/stat", encoding="ascii") as f:
            ticks = [int(x) for x in f.readline().split()[1:]]
        return sum(ticks), ticks[3] + ticks[4]  # all, idle + iowait

    total0, idle0 = sample()
    time.sleep(window)
    total1, idle1 = sample()
    return (os.cpu_count() or 1) * (idle1 - idle0) / max(total1 - total0, 1)


def drawing_processes() -> int:
    """2 when a second process finds a core to itself (measured over a tenth of a second), else 1: on a busy
    machine two processes draw no faster than one, and forking costs."""
    if not parallel_drawing_available():
        return 1
    try:
        return 2 if _idle_cores() >= 1.5 else 1
    except (OSError, ValueError, IndexError):
        return 1


def make_figures(run_dir: Path | str, language: str | None = None, fmt: str | None = None,
                 processes: int = 1) -> list[Path]:
    """Draw the run's figures into ``run_dir/figures/`` and return the paths written.

    ``processes=2`` draws them in two processes (where :func:`parallel_drawing_available`): about half the
    time on two idle cores, the same files."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise FileNotFoundError(f"run directory {run_dir} not found")
    manifest = read_manifest(run_dir)
    language = language or manifest.get("language") or "en"
    fmt = (fmt or manifest.get("figure_format") or "png").lower()
    check_language_and_format(language, fmt)
    # every file first, so a missing one leaves no partial set of new figures behind
    for name in FIGURES:
        for source in SOURCES[name]:
            _need(run_dir / source)
    if processes < 2 or not parallel_drawing_available():
        return _draw(run_dir, FIGURES, manifest, language, fmt)
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_draw_in_child, args=(send, run_dir, GROUPS[0], manifest, language, fmt),
                        name="figures", daemon=True)
    child.start()
    send.close()
    try:
        mine = _draw(run_dir, GROUPS[1], manifest, language, fmt)
        status, payload = receive.recv() if receive.poll(timeout=None) else ("error", "no answer")
    except EOFError:
        status, payload = "error", "the drawing process ended without an answer"
    finally:
        receive.close()
        child.join()
    if status != "ok":
        raise RuntimeError(f"drawing {', '.join(GROUPS[0])}: {payload}")
    theirs = {Path(p).stem: Path(p) for p in payload}
    ours = {p.stem: p for p in mine}
    return [theirs.get(name) or ours[name] for name in FIGURES]
