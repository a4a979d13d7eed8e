"""The sweep's figure: a forest plot of every job's paired difference from the reference job, per
headline indicator, drawn from the sweep directory's files (``sweep_differences.parquet``, the jobs'
manifests); and the redrawing of every figure of a sweep for the plot command."""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from simulation.analysis.sweep import (
    DIFFERENCES_FILE,
    FIGURE_STEM,
    MANIFEST_FILE,
    Job,
    SweepError,
    find_jobs,
    label_jobs,
    short_label,
)
from simulation.present.figures import run as run_figures
from simulation.present.labels import DIFF_UNIT_LABELS, DIFF_UNIT_LABELS_NB, headline_label, youth_label
from simulation.present.style import (
    PALETTE,
    RC,
    TickFormatter,
    check_language_and_format,
    number,
    save_figure,
    signed,
)
from simulation.runs.indicators import CI_LEVEL, HEADLINE
from simulation.runs.outputs import youth_max_age

FIGURE_TEXT = {
    "en": {
        "title": "Difference from the reference: {ref}   ({keys})",
        "note": "Job minus reference, mean over replicates with {level} % confidence interval; {how}; "
                "{reps} replicates, one simulated person = {scale} persons.",
        "paired": "paired by replicate (common random numbers)",
        "mixed": "paired where the seed is shared, otherwise Welch (squares)",
        "job": "job",
        "no_data": "no data",
        "excludes": "interval excludes 0",
        "includes": "interval includes 0",
        "unpaired": "unpaired (Welch)",
        "units": DIFF_UNIT_LABELS,
    },
    "nb": {
        "title": "Forskjell fra referansen: {ref}   ({keys})",
        "note": "Jobb minus referanse, gjennomsnitt over replikater med {level} % konfidensintervall; {how}; "
                "{reps} replikater, én simulert person = {scale} personer.",
        "paired": "parvis per replikat (felles tilfeldige tall)",
        "mixed": "parvis der frøet er felles, ellers Welch (kvadrater)",
        "job": "jobb",
        "no_data": "ingen data",
        "excludes": "intervallet utelukker 0",
        "includes": "intervallet omfatter 0",
        "unpaired": "ikke parvis (Welch)",
        "units": DIFF_UNIT_LABELS_NB,
    },
}

def figure_path(sweep_dir: Path, fmt: str = "png") -> Path:
    """Where the differences figure goes in this format (``sweep_differences.<fmt>``)."""
    return Path(sweep_dir) / f"{FIGURE_STEM}.{fmt}"


def differences_figure(diffs: pd.DataFrame, jobs: list[Job], ref: Job, varying: list[str], path: Path,
                       language: str = "en", fmt: str = "png") -> Path:
    """Draw the forest plot (:func:`draw_differences`) and write it to ``path`` atomically; returns ``path``.

    ``language`` is ``en`` or ``nb``, ``fmt`` png, svg or pdf (as for the run figures).
    """
    check_language_and_format(language, fmt)
    with plt.rc_context(RC):  # the style's svg/pdf font settings apply when saving
        save_figure(draw_differences(diffs, jobs, ref, varying, language), path, fmt, pad_inches=0.2)
    return path


def draw_differences(diffs: pd.DataFrame, jobs: list[Job], ref: Job, varying: list[str], language: str = "en"):
    """Forest plot: one panel per headline indicator, jobs on the y axis, differences with 90 % CIs.

    Colours, fonts and number style are those of ``simulation.present.style`` (Okabe-Ito colours, safe for
    colour-blind readers); labels in ``language`` (``en`` or ``nb``). Returns the matplotlib Figure.
    """
    check_language_and_format(language, "png")
    t = FIGURE_TEXT[language]
    names = [h for h in HEADLINE if h in set(diffs["indicator"])]
    others = [j for j in jobs if j.complete and j is not ref]
    youth = youth_label(next((a for a in (youth_max_age(j.path) for j in jobs if j.path is not None) if a), None),
                        language)
    ncols = 4 if len(names) > 6 else min(3, max(1, len(names)))
    nrows = -(-len(names) // ncols)
    panel_h = 0.42 * len(others) + 1.3
    key_name = " · ".join(varying) if varying else t["job"]
    first_key = varying[0] if varying else None
    groups = list(dict.fromkeys(j.pairs.get(first_key, "") for j in others)) if first_key else [""]
    colour = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(groups)}
    ys = {j.name: i for i, j in enumerate(others)}
    ylabels = [short_label(j, varying) for j in others]
    with plt.rc_context({**RC, "font.size": 11, "axes.titlesize": 12}):
        fig, axes = plt.subplots(nrows, ncols, figsize=(4.3 * ncols + 1.5, panel_h * nrows + 1.6), sharey=True,
                                 squeeze=False)
        for ax, name in zip(axes.flat, names):
            d = diffs[diffs["indicator"] == name]
            unit = d["unit"].iloc[0]
            k = 100.0 if unit == "share" else 1.0
            ax.axvline(0, color="#444444", lw=1, zorder=1)
            any_data = False
            for _, r in d.iterrows():
                y = ys[r["job"]]
                m, lo, hi = r["mean_difference"] * k, r["ci90_low"] * k, r["ci90_high"] * k
                if not np.isfinite(m):
                    ax.text(0, y, t["no_data"], ha="center", va="center", fontsize=9, color="#777777")
                    continue
                any_data = True
                c = colour[next(j for j in others if j.name == r["job"]).pairs.get(first_key, "")] if first_key \
                    else PALETTE[0]
                if np.isfinite(lo):
                    ax.plot([lo, hi], [y, y], color=c, lw=2.2, solid_capstyle="butt", zorder=2)
                ax.plot(m, y, marker="o" if r["paired"] else "s", ms=7.5, zorder=3, color=c,
                        markerfacecolor=c if r["excludes_zero"] else "white", markeredgewidth=1.8)
                ax.annotate(signed(m, unit, language), (m, y), xytext=(0, 6), textcoords="offset points",
                            ha="center", va="bottom", fontsize=9, color=c)
            ax.set_title(headline_label(name, youth, language), loc="left", fontweight="bold")
            ax.set_xlabel(t["units"].get(unit, unit), fontsize=10, color="#444444")
            ax.grid(axis="x", color="#DDDDDD", lw=0.8)
            ax.set_axisbelow(True)
            if any_data:
                lo_all = np.nanmin(np.r_[d["ci90_low"], d["mean_difference"], 0.0]) * k
                hi_all = np.nanmax(np.r_[d["ci90_high"], d["mean_difference"], 0.0]) * k
                pad = 0.08 * (hi_all - lo_all) if hi_all > lo_all else 1.0
                ax.set_xlim(lo_all - pad, hi_all + pad)
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(nbins=5))
            ax.xaxis.set_major_formatter(TickFormatter(language))
        for ax in axes.flat[len(names):]:
            ax.axis("off")
        for ax in axes[:, 0]:
            ax.set_yticks(range(len(others)), ylabels)
            ax.set_ylim(len(others) - 0.5, -0.5)
        reps = sorted({int(j.manifest.get("replicates", 0)) for j in others + [ref]})
        paired_all = bool(diffs["paired"].all())
        fig.suptitle(t["title"].format(ref=short_label(ref, varying), keys=key_name), fontsize=15, fontweight="bold",
                     x=0.01, ha="left")
        scale = ref.manifest.get("scale")
        note = t["note"].format(level=number(100 * CI_LEVEL, 0, language), how=t["paired" if paired_all else "mixed"],
                                reps="/".join(map(str, reps)),
                                scale=number(float(scale), 0 if float(scale).is_integer() else 2, language)) \
            if scale is not None else ""
        fig.text(0.01, 1 - 0.5 / (panel_h * nrows + 1.6), note, fontsize=10.5, color="#333333", ha="left", va="top")
        handles = [Line2D([], [], color=colour[g], marker="o", lw=2.2, ms=7.5, label=f"{first_key}={g}")
                   for g in groups if first_key and len(groups) > 1]
        handles += [Line2D([], [], color="#555555", marker="o", lw=0, ms=7.5, label=t["excludes"]),
                    Line2D([], [], color="#555555", marker="o", lw=0, ms=7.5, markerfacecolor="white",
                           markeredgewidth=1.8, label=t["includes"])]
        if not paired_all:
            handles.append(Line2D([], [], color="#555555", marker="s", lw=0, ms=7.5, label=t["unpaired"]))
        spare = list(axes.flat[len(names):])
        if spare:
            spare[0].legend(handles=handles, loc="center left", frameon=False, fontsize=11)
        else:
            fig.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False, fontsize=11,
                       bbox_to_anchor=(0.5, -0.02))
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.65 / (panel_h * nrows + 1.6)))
    return fig


def _figure_defaults(ref: Job, language: str | None, fmt: str | None) -> tuple[str, str]:
    """Language and format: as asked, else as the reference job's run (output.language, output.figure_format)."""
    manifest = ref.manifest or {}
    return (language or manifest.get("language") or "en",
            (fmt or manifest.get("figure_format") or "png").lower())


def _load(sweep_dir: Path, reference: str) -> tuple[pd.DataFrame, list[Job], Job, list[str]]:
    """The differences table, the jobs (labelled), the reference job and the keys that vary, from the files."""
    diffs = pd.read_parquet(sweep_dir / DIFFERENCES_FILE)
    for col in ("job", "indicator", "unit"):
        diffs[col] = diffs[col].astype(str)
    jobs, _ = find_jobs(sweep_dir)
    varying = label_jobs(jobs)
    refs = [j for j in jobs if j.name == reference and j.complete]
    if not refs:
        raise SweepError(f"reference job {reference!r} of {sweep_dir} is missing or incomplete")
    diffs = diffs[diffs["job"].isin({j.name for j in jobs if j.complete})]  # a job removed since aggregation
    return diffs, jobs, refs[0], varying


def draw_aggregated(sweep_dir: Path | str, reference: str, language: str | None = None,
                    fmt: str | None = None) -> list[Path]:
    """The differences figure of a sweep whose tables were just written (the aggregation's ``draw``);
    in the reference run's language and format unless given. Returns the paths written."""
    sweep_dir = Path(sweep_dir)
    diffs, jobs, ref, varying = _load(sweep_dir, reference)
    language, fmt = _figure_defaults(ref, language, fmt)
    if diffs.empty:
        return []
    return [differences_figure(diffs, jobs, ref, varying, figure_path(sweep_dir, fmt), language, fmt)]


def make_figures(sweep_dir: Path | str, language: str | None = None, fmt: str | None = None) -> list[Path]:
    """Redraw every figure of an aggregated sweep from its files: each complete job's run figures
    (``<job>/figures/``, see :func:`simulation.present.figures.run.make_figures`) and the differences figure.

    Reads ``sweep_manifest.json`` (the reference), ``sweep_differences.parquet`` and the job
    directories; raises :class:`SweepError` (one line) when the sweep has not been aggregated.
    """
    sweep_dir = Path(sweep_dir)
    for name in (MANIFEST_FILE, DIFFERENCES_FILE):
        if not (sweep_dir / name).is_file():
            raise SweepError(f"{name} not found in sweep directory {sweep_dir} "
                             f"(aggregate it first: python -m simulation.sweep {sweep_dir})")
    try:
        manifest = json.loads((sweep_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise SweepError(f"{sweep_dir / MANIFEST_FILE}: damaged, not valid JSON ({str(err).splitlines()[0]}); "
                         f"aggregate again: python -m simulation.sweep {sweep_dir}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("reference"), str):
        raise SweepError(f"{sweep_dir / MANIFEST_FILE}: not a sweep manifest of this program (no reference job); "
                         f"aggregate again: python -m simulation.sweep {sweep_dir}")
    try:
        diffs, jobs, ref, varying = _load(sweep_dir, manifest["reference"])
    except (KeyError, OSError, ValueError) as err:
        raise SweepError(f"{sweep_dir / DIFFERENCES_FILE}: unreadable or not a table of this program "
                         f"({type(err).__name__}); aggregate again: python -m simulation.sweep {sweep_dir}") from None
    language, fmt = _figure_defaults(ref, language, fmt)
    written = [p for j in jobs if j.complete for p in run_figures.make_figures(j.path, language=language, fmt=fmt)]
    if len(diffs):
        written.append(differences_figure(diffs, jobs, ref, varying, figure_path(sweep_dir, fmt), language, fmt))
    return written
