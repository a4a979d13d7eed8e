"""The sensitivity figure: Morris tornado, a heat map per indicator and Sobol indices, drawn from a
report directory's files (``python -m simulation.sensitivity``)."""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from simulation.analysis.sensitivity import FIGURE_FILE, MANIFEST_FILE, MORRIS_FILE, SOBOL_FILE, importance
from simulation.present.labels import headline_label
from simulation.present.style import RC, save_figure

CATEGORY_COLOURS = {"cooperation.effects": "#0072B2", "cooperation.dynamics": "#56B4E9", "rates": "#E69F00",
                    "null": "#999999"}  # Okabe-Ito
CATEGORY_LABELS = {"cooperation.effects": "cooperation effect size", "cooperation.dynamics": "cooperation dynamics",
                   "rates": "rate / duration / share", "null": "null control"}


def _category(key: str, null: str | None) -> str:
    if key == null:
        return "null"
    for c in ("cooperation.effects", "cooperation.dynamics"):
        if key.startswith(c):
            return c
    return "rates"


def _short_key(key: str) -> str:
    return key.removeprefix("rates.").removeprefix("cooperation.")


def draw_figure(report_dir: Path | str, top: int = 20) -> Path:
    """Tornado of the Morris importance, a heat map of mu*/max per indicator, and the Sobol ST/S1 bars.

    Reads ``morris.csv``, ``sobol.csv`` and ``manifest.json`` of the report directory only."""
    report_dir = Path(report_dir)
    morris = pd.read_csv(report_dir / MORRIS_FILE)
    sobol = pd.read_csv(report_dir / SOBOL_FILE)
    manifest = json.loads((report_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    st = manifest["settings"]
    null = st.get("null_control")
    conf = round(100 * st["conf_level"])
    score = importance(morris)
    shown = list(score.index[:top])
    if null is not None and null not in shown:
        shown.append(null)
    inds = list(dict.fromkeys(morris["indicator"]))
    heat = morris.pivot(index="parameter", columns="indicator", values="mu_star_normalised").reindex(index=shown,
                                                                                                   columns=inds)
    sel = [p for p in manifest.get("selected_for_sobol") or list(dict.fromkeys(sobol["parameter"]))]
    palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000", "#999999"]
    with plt.rc_context({**RC, "font.size": 10}):
        fig = plt.figure(figsize=(17, 0.28 * len(shown) + 0.42 * len(inds) + 6.5), layout="constrained")
        gs = fig.add_gridspec(2, 2, width_ratios=[1, 1.7], height_ratios=[0.28 * len(shown) + 1.5,
                                                                           0.42 * len(inds) + 2.5])
        ax = fig.add_subplot(gs[0, 0])
        y = np.arange(len(shown))
        cols = [CATEGORY_COLOURS[_category(p, null)] for p in shown]
        vals = score.reindex(shown).to_numpy()
        ax.barh(y, vals, color=cols)
        ax.set_yticks(y, [_short_key(p) for p in shown], fontsize=9)
        ax.set_ylim(len(shown) - 0.5, -0.5)
        right = max(0.05, float(np.nanmax(vals)) * 1.3)
        ax.set_xlim(0, right)
        ax.set_xlabel("importance: mu* / max mu*, mean over the indicators")
        ax.set_title(f"Morris screening ({st['morris']['trajectories']} trajectories)", loc="left", fontweight="bold")
        for yi, p, v in zip(y, shown, vals):
            if p in sel:
                ax.text(v + 0.01 * right, yi, "→ Sobol", va="center", ha="left", fontsize=8, color="#333333")
        ax.legend(handles=[Patch(color=CATEGORY_COLOURS[c], label=CATEGORY_LABELS[c]) for c in CATEGORY_COLOURS],
                  loc="lower right", frameon=False, fontsize=8.5)
        hx = fig.add_subplot(gs[0, 1])
        im = hx.imshow(heat.to_numpy(dtype=float), aspect="auto", cmap="Blues", vmin=0, vmax=1)
        hx.set_yticks(y, [])
        hx.set_xticks(range(len(inds)), [headline_label(i) for i in inds], rotation=40, ha="right", fontsize=8.5)
        hx.set_title("mu* / max mu* of each indicator", loc="left", fontweight="bold")
        fig.colorbar(im, ax=hx, fraction=0.025, pad=0.01)
        # Sobol: one row per indicator, grouped bars of ST (with CI) and S1 markers per selected parameter
        sx = fig.add_subplot(gs[1, :])
        width = 0.8 / max(1, len(sel))
        for i, p in enumerate(sel):
            d = sobol[sobol["parameter"] == p].set_index("indicator").reindex(inds)
            yy = np.arange(len(inds)) + (i - (len(sel) - 1) / 2) * width
            c = "#999999" if p == null else palette[i % len(palette)]
            sx.barh(yy, d["ST"].to_numpy(), height=width * 0.9, color=c, alpha=0.85,
                    xerr=d["ST_conf"].to_numpy(), error_kw={"elinewidth": 0.9, "ecolor": "#333333"},
                    label=_short_key(p) + (" (null control)" if p == null else ""))
            sx.plot(d["S1"].to_numpy(), yy, "|", color="#000000", ms=6, mew=1.5)
        sx.set_yticks(range(len(inds)), [headline_label(i) for i in inds], fontsize=9)
        sx.set_ylim(len(inds) - 0.5, -0.5)
        sx.axvline(0, color="#444444", lw=0.8)
        lo = float(np.nanmin(sobol["ST_low"])) if sobol["ST_low"].notna().any() else 0.0
        hi = float(np.nanmax(sobol["ST_high"])) if sobol["ST_high"].notna().any() else 1.0
        sx.set_xlim(max(-0.5, min(-0.05, lo)), min(2.0, max(1.05, hi)))  # estimates can leave [0, 1] at small N
        sx.set_xlabel(f"Sobol total index ST (bars, {conf} % bootstrap interval); first-order S1 (black ticks)")
        sx.set_title(f"Sobol indices of the selected parameters (N = {st['sobol']['base_samples']})", loc="left",
                     fontweight="bold")
        sx.legend(loc="lower right", frameon=False, fontsize=9)
        sx.grid(axis="x", color="#DDDDDD", lw=0.8)
        sx.set_axisbelow(True)
        over = ", ".join(st.get("base_overrides") or []) or "default scenario"
        fig.suptitle(f"Sensitivity of the headline indicators to the assumption parameters ({over}; "
                     f"1:{st['scale']:g} sample, {st['replicates']} replicates per design point, "
                     f"{st['years']:g} years)",
                     x=0.01, ha="left", fontsize=12.5, fontweight="bold")
        return save_figure(fig, report_dir / FIGURE_FILE, "png", dpi=130, pad_inches=0.2)
