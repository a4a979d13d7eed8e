"""Figures of an exploration, drawn from its files only (``prim_boxes.csv``, ``prim_trajectory.csv``,
``outcomes.parquet``, ``regret_by_future.csv``, ``explore_manifest.json``):

* ``prim_<criterion>_<policy>.png``: PRIM's peeling trajectory (coverage against density, the chosen box ringed)
  and the chosen box's limits on each uncertainty, against the uncertainty's range;
* ``tradeoff.png``: each policy's change in present net public cost against its change in person-years in work,
  one point per future, against the reference policy;
* ``regret.png``: each policy's regret over the futures, per robustness objective.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from simulation.analysis.explore import (
    MANIFEST_FILE,
    OUTCOMES_FILE,
    PRIM_BOXES_FILE,
    PRIM_TRAJECTORY_FILE,
    REGRET_BY_FUTURE_FILE,
)
from simulation.present.style import PALETTE, RC, TickFormatter, check_language_and_format, save_figure

TEXT = {
    "en": {
        "prim_title": "Where does '{policy}' fail '{criterion}'?",
        "traj": "PRIM peeling trajectory", "coverage": "coverage (share of failures in the box)",
        "density": "density (share failing inside the box)", "chosen": "chosen box",
        "box": "box: coverage {cov:.2f}, density {den:.2f}, {k} of {n} futures fail ({fail} failures in all)",
        "range": "share of the uncertainty's range", "res_dim": "restricted dimensions",
        "tradeoff": "Trade-off against '{ref}': each point one future",
        "dcost": "change in present net public cost, NOK bn (− saves)",
        "dwork": "change in person-years in work", "mean": "mean over futures",
        "regret": "Regret: how far each policy falls short of the best policy of the same future",
        "regret_y": "regret", "none": "no significant restriction:\nthe failures are spread over the futures",
    },
    "nb": {
        "prim_title": "Når feiler '{policy}' kriteriet '{criterion}'?",
        "traj": "PRIM: skrelleforløp", "coverage": "dekning (andel av feilene i boksen)",
        "density": "tetthet (andel som feiler i boksen)", "chosen": "valgt boks",
        "box": "boks: dekning {cov:.2f}, tetthet {den:.2f}, {k} av {n} framtider feiler ({fail} feil i alt)",
        "range": "andel av usikkerhetens spenn", "res_dim": "avgrensede dimensjoner",
        "tradeoff": "Avveining mot '{ref}': hvert punkt én framtid",
        "dcost": "endring i nåverdi av netto offentlige utgifter, mrd. kr (− sparer)",
        "dwork": "endring i personår i arbeid", "mean": "gjennomsnitt over framtider",
        "regret": "Anger: hvor langt hvert tiltak ligger etter det beste tiltaket i samme framtid",
        "regret_y": "anger", "none": "ingen signifikant avgrensning:\nfeilene er spredt over framtidene",
    },
}


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)


def prim_figure_name(criterion: str, policy: str, fmt: str = "png") -> str:
    return f"prim_{_slug(criterion)}_{_slug(policy)}.{fmt}"


def draw_prim(boxes: pd.DataFrame, traj: pd.DataFrame, criterion: str, policy: str, language: str = "en"):
    t = TEXT[language]
    b = boxes[(boxes["criterion"] == criterion) & (boxes["policy"] == policy)]
    tr = traj[(traj["criterion"] == criterion) & (traj["policy"] == policy)]
    first = b.iloc[0]
    restricted = b[b["restricted"].astype(str).str.lower() == "true"]
    with plt.rc_context(RC):
        fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 0.45 * max(len(restricted), 3) + 3.2),
                                     gridspec_kw={"width_ratios": [1, 1.3]})
        sc = a1.scatter(tr["coverage"], tr["density"], c=tr["res_dim"], cmap="viridis", s=22)
        chosen = tr[tr["chosen"].astype(str).str.lower() == "true"]
        a1.scatter(chosen["coverage"], chosen["density"], s=160, facecolors="none", edgecolors="#D55E00", lw=2,
                   label=t["chosen"])
        a1.set_xlabel(t["coverage"])
        a1.set_ylabel(t["density"])
        a1.set_xlim(0, 1.02)
        a1.set_ylim(0, 1.02)
        a1.set_title(t["traj"], loc="left", fontsize=10)
        a1.legend(frameon=False, fontsize=8, loc="lower left")
        fig.colorbar(sc, ax=a1, label=t["res_dim"])
        rows = restricted if len(restricted) else b.head(0)
        y = np.arange(len(rows))
        for i, (_, r) in enumerate(rows.iterrows()):
            span = r["range_high"] - r["range_low"]
            lo = (r["low"] - r["range_low"]) / span if span > 0 else 0.0
            hi = (r["high"] - r["range_low"]) / span if span > 0 else 1.0
            a2.barh(i, 1.0, color="#E5E5E5", left=0.0)
            a2.barh(i, hi - lo, left=lo, color="#0072B2", alpha=0.85)
            a2.text(lo, i + 0.32, f"{r['low']:.3g}", ha="left", va="center", fontsize=8)
            a2.text(hi, i + 0.32, f"{r['high']:.3g}", ha="right", va="center", fontsize=8)
        if not len(rows):
            a2.text(0.5, 0.5, t["none"], ha="center", va="center", fontsize=10, color="#555555",
                    transform=a2.transAxes)
        a2.set_yticks(y, list(rows["uncertainty"]))
        a2.set_ylim(len(rows) - 0.5 if len(rows) else 0.5, -0.7)
        a2.set_xlim(0, 1)
        a2.set_xlabel(t["range"])
        a2.set_title(t["box"].format(cov=first["coverage"], den=first["density"], k=int(first["k"]),
                                     n=int(first["n"]), fail=int(first["failures"])), loc="left", fontsize=9)
        fig.suptitle(t["prim_title"].format(policy=policy, criterion=criterion), x=0.01, ha="left",
                     fontweight="bold")
        fig.tight_layout()
    return fig


def draw_tradeoff(outcomes: pd.DataFrame, manifest: dict, language: str = "en"):
    t = TEXT[language]
    ref = manifest["settings"]["reference_policy"]
    ok = outcomes[(outcomes["status"] == "complete") & (outcomes["policy"] != ref)]
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=(8, 5.5))
        for i, (policy, g) in enumerate(ok.groupby("policy", sort=False)):
            c = PALETTE[i % len(PALETTE)]
            ax.scatter(g["net_public_cost_pv_vs_reference"], g["person_years_in_work_vs_reference"], s=18, alpha=0.6,
                       color=c, label=policy)
            ax.scatter([g["net_public_cost_pv_vs_reference"].mean()], [g["person_years_in_work_vs_reference"].mean()],
                       s=150, marker="X", color=c, edgecolors="black", lw=1)
        ax.scatter([], [], s=100, marker="X", color="#999999", edgecolors="black", label=t["mean"])
        ax.axvline(0, color="#444444", lw=1)
        ax.axhline(0, color="#444444", lw=1)
        ax.set_xlabel(t["dcost"])
        ax.set_ylabel(t["dwork"])
        ax.xaxis.set_major_formatter(TickFormatter(language))
        ax.yaxis.set_major_formatter(TickFormatter(language))
        ax.set_title(t["tradeoff"].format(ref=ref), loc="left", fontweight="bold")
        ax.legend(frameon=False, fontsize=8)
        fig.tight_layout()
    return fig


def draw_regret(regret: pd.DataFrame, language: str = "en"):
    t = TEXT[language]
    objectives = list(dict.fromkeys(regret["objective"]))
    with plt.rc_context(RC):
        fig, axes = plt.subplots(1, len(objectives), figsize=(5.5 * len(objectives), 4.2), squeeze=False)
        for ax, obj in zip(axes[0], objectives):
            g = regret[regret["objective"] == obj]
            pols = list(dict.fromkeys(g["policy"]))
            data = [g.loc[g["policy"] == p, "regret"].to_numpy(float) for p in pols]
            ax.boxplot(data, vert=False, widths=0.5)
            ax.set_yticks(range(1, len(pols) + 1), pols)
            ax.set_xlabel(f"{t['regret_y']}: {obj}")
            ax.xaxis.set_major_formatter(TickFormatter(language))
        fig.suptitle(t["regret"], x=0.01, ha="left", fontweight="bold", fontsize=10)
        fig.tight_layout()
    return fig


def draw_exploration(out_dir: Path | str, language: str = "en", fmt: str = "png") -> list[Path]:
    """Every figure of an analysed exploration directory; returns the paths written."""
    out_dir = Path(out_dir)
    check_language_and_format(language, fmt)
    manifest = json.loads((out_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    written = []
    boxes = pd.read_csv(out_dir / PRIM_BOXES_FILE)
    traj = pd.read_csv(out_dir / PRIM_TRAJECTORY_FILE)
    for p in out_dir.glob(f"prim_*.{fmt}"):
        p.unlink()
    for (crit, policy), g in boxes.groupby(["criterion", "policy"], sort=False):
        if isinstance(g["note"].iloc[0], str) and g["note"].iloc[0]:
            continue
        path = out_dir / prim_figure_name(crit, policy, fmt)
        with plt.rc_context(RC):
            save_figure(draw_prim(boxes, traj, crit, policy, language), path, fmt)
        written.append(path)
    outcomes = pd.read_parquet(out_dir / OUTCOMES_FILE)
    if (outcomes["status"] == "complete").any():
        path = out_dir / f"tradeoff.{fmt}"
        with plt.rc_context(RC):
            save_figure(draw_tradeoff(outcomes, manifest, language), path, fmt)
        written.append(path)
    regret = pd.read_csv(out_dir / REGRET_BY_FUTURE_FILE)
    if len(regret):
        path = out_dir / f"regret.{fmt}"
        with plt.rc_context(RC):
            save_figure(draw_regret(regret, language), path, fmt)
        written.append(path)
    return written
