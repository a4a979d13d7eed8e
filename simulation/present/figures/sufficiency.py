"""The replicate-sufficiency figure: interval half-width against replicates, drawn from a report
directory's files (``python -m simulation.sufficiency``)."""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from simulation.analysis.sufficiency import FIGURE_FILE, HALFWIDTHS_FILE, MANIFEST_FILE, NEEDED_FILE, ci_half_width
from simulation.present.labels import DIFF_UNIT_LABELS, headline_label
from simulation.present.style import RC, save_figure


def draw_figure(report_dir: Path | str) -> Path:
    """Half-width against replicates (log-log), level and paired difference, with the 1/sqrt(R) law and the target.

    Reads ``halfwidths.csv``, ``replicates_needed.csv`` and ``manifest.json`` only."""
    report_dir = Path(report_dir)
    hw = pd.read_csv(report_dir / HALFWIDTHS_FILE)
    need = pd.read_csv(report_dir / NEEDED_FILE)
    manifest = json.loads((report_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    names = list(dict.fromkeys(hw["indicator"]))
    default_r = int(manifest.get("default_replicates", 20))
    colours = {"level": "#0072B2", "paired_difference": "#D55E00"}  # Okabe-Ito
    labels = {"level": "level (one scenario)", "paired_difference": "paired difference (B − A)"}
    ncols = 4
    nrows = -(-len(names) // ncols)
    with plt.rc_context({**RC, "font.size": 9.5}):
        fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.0 * nrows + 1.2), squeeze=False,
                                 layout="constrained")
        for ax, name in zip(axes.flat, names):
            d = hw[hw["indicator"] == name]
            unit = d["unit"].iloc[0]
            k = 100.0 if unit == "share" else 1.0
            for kind, g in d.groupby("kind", sort=False):
                g = g[np.isfinite(g["half_width"]) & (g["half_width"] > 0)]
                if g.empty:
                    continue
                ax.plot(g["replicates"], g["half_width"] * k, "o-", color=colours[kind], ms=4, lw=1.4)
                # the law drawn on to the default replicate count, where that lies beyond R_max
                rr = np.unique(np.geomspace(2, max(int(g["replicates"].max()), default_r), 40).round().astype(int))
                ax.plot(rr, [ci_half_width(g["sd_all"].iloc[0], r) * k for r in rr], "--", color=colours[kind], lw=1,
                        alpha=0.8)
            t = need[(need["indicator"] == name) & (need["kind"] == "level")]["target_half_width"]
            if len(t) and np.isfinite(t.iloc[0]) and t.iloc[0] > 0:
                ax.axhline(t.iloc[0] * k, color="#444444", ls=":", lw=1)
            ax.axvline(default_r, color="#999999", lw=0.8)
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.set_title(headline_label(name), loc="left", fontsize=9.5, fontweight="bold")
            ax.set_ylabel(f"± {DIFF_UNIT_LABELS.get(unit, unit)}", fontsize=8.5)
            plain = matplotlib.ticker.FuncFormatter(lambda x, _: f"{x:g}")
            ax.xaxis.set_major_formatter(plain)
            ax.yaxis.set_major_formatter(plain)
            # label the minor ticks 2 and 5 of each decade (a short log axis has too few decades for majors alone)
            ax.yaxis.set_minor_formatter(matplotlib.ticker.FuncFormatter(
                lambda y, _: f"{y:g}" if f"{y:.0e}"[0] in "25" else ""))
        for ax in axes.flat[len(names):]:
            ax.axis("off")
        handles = [Line2D([], [], color=c, marker="o", lw=1.4, ms=4, label=labels[k]) for k, c in colours.items()
                   if k in set(hw["kind"])]
        handles += [Line2D([], [], color="#555555", ls="--", lw=1, label="1/√R law (t · sd of all replicates / √R)"),
                    Line2D([], [], color="#444444", ls=":", lw=1, label="target half-width"),
                    Line2D([], [], color="#999999", lw=0.8, label="default replicates")]
        fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False, bbox_to_anchor=(0.5, -0.03))
        cmp = manifest.get("compare")
        fig.suptitle("90 % interval half-width of the mean against the number of replicates"
                     + (f"; difference = ({cmp[1]}) − ({cmp[0]})" if cmp else ""), x=0.01, ha="left",
                     fontsize=12, fontweight="bold")
        return save_figure(fig, report_dir / FIGURE_FILE, "png", dpi=130, pad_inches=0.2)
