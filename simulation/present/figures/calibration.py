"""The calibration figure: each target's tolerance band, the target and the simulated mean with its
90 % interval, drawn from a report directory's ``fit_report.csv`` (``python -m simulation.calibration``)."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from simulation.analysis.calibration import UNITS
from simulation.present.style import save_figure


def plot_fit_report(report_dir: Path | str, fmt: str = "png") -> Path:
    """Draw fit_report.<fmt> from fit_report.csv only (the plots layer reads files): per target the
    tolerance band, the target and the simulated mean with its 90 % interval; shares and persons apart."""
    report_dir = Path(report_dir)
    df = pd.read_csv(report_dir / "fit_report.csv")
    meas = df[df["role"] != "not_measurable"]
    panels = [(u, meas[meas["unit"] == u]) for u in UNITS if (meas["unit"] == u).any()]
    heights = [max(1.5, 0.45 * len(d) + 0.8) for _, d in panels]
    fig, axes = plt.subplots(len(panels), 1, figsize=(8.5, sum(heights) + 1.2),
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    for ax, (unit, d) in zip(axes[:, 0], panels):
        k = 100.0 if unit == "share" else 1e-3
        y = np.arange(len(d))[::-1]
        for yi, (_, r) in zip(y, d.iterrows()):
            ax.add_patch(plt.Rectangle(((r["value"] - r["tolerance"]) * k, yi - 0.3), 2 * r["tolerance"] * k, 0.6,
                                       color="#A2C8EC", alpha=0.6, lw=0))
            ax.plot([r["value"] * k] * 2, [yi - 0.3, yi + 0.3], color="#0072B2", lw=2)
            colour = "#009E73" if r["within_tolerance"] == "yes" else "#D55E00"
            marker = "o" if r["role"] == "fitted" else "D"
            if np.isfinite(r["simulated_mean"]):
                err = None
                if np.isfinite(r["ci90_low"]):
                    err = [[(r["simulated_mean"] - r["ci90_low"]) * k], [(r["ci90_high"] - r["simulated_mean"]) * k]]
                ax.errorbar(r["simulated_mean"] * k, yi, xerr=err, fmt=marker, color=colour, capsize=3, ms=6)
        ax.set_yticks(y, [f"{t}{'' if r == 'fitted' else ' (checked)'}" for t, r in zip(d["target"], d["role"])],
                      fontsize=8)
        ax.set_ylim(-0.7, len(d) - 0.3)
        ax.set_xlabel("per cent" if unit == "share" else "thousand persons")
        ax.grid(axis="x", color="#DDDDDD", lw=0.6)
        ax.set_axisbelow(True)
        for s in ("top", "right"):
            ax.spines[s].set_visible(False)
    handles = [Patch(color="#A2C8EC", alpha=0.6, label="target ± tolerance"),
               Line2D([], [], color="#0072B2", lw=2, label="target"),
               Line2D([], [], marker="o", ls="", color="#009E73", label="simulated, within tolerance (90 % CI)"),
               Line2D([], [], marker="o", ls="", color="#D55E00", label="simulated, outside tolerance")]
    axes[0, 0].legend(handles=handles, fontsize=7, loc="lower right", frameon=False)
    nm = df[df["role"] == "not_measurable"]["target"].tolist()
    title = "Calibration: targets against the calibrated model"
    fig.suptitle(title, fontsize=11, x=0.02, ha="left")
    if nm:
        fig.text(0.02, 0.005, "Not measurable in the model (see fit_report.csv): " + ", ".join(nm), fontsize=7,
                 wrap=True)
    fig.tight_layout(rect=(0, 0.03, 1, 0.97))
    return save_figure(fig, report_dir / f"fit_report.{fmt}", fmt)
