"""The validation report's figures, drawn from its files only (``replays.csv``, ``drivers.csv``,
``stationarity_years.csv``): model against the published annual paths for each replay, in English and
Norwegian, and the steady economy's headline shares year by year."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from simulation.present.labels import VALIDATION_LABELS
from simulation.present.style import LANGUAGES, PALETTE, RC, save_figure

SERIES = ("registered_fully_unemployed_rate", "lfs_unemployment_rate", "lfs_unemployment_rate_16_24")


def draw_replay(report_dir: Path, episode: str, language: str, fmt: str = "png") -> Path:
    """Three panels (NAV registered, LFS total, LFS youth): the published annual values, the model's annual
    values with their 90 % interval, and (first panel) the path the replay was driven by."""
    report_dir = Path(report_dir)
    lab = VALIDATION_LABELS[language]
    table = pd.read_csv(report_dir / "replays.csv")
    table = table[table["episode"] == episode]
    drivers = pd.read_csv(report_dir / "drivers.csv")
    drivers = drivers[drivers["episode"] == episode]
    sample = str(table["sample"].iloc[0])
    with plt.rc_context(RC):
        fig, axes = plt.subplots(1, len(SERIES), figsize=(12.5, 3.8), sharex=True)
        for ax, quantity in zip(axes, SERIES):
            d = table[table["quantity"] == quantity].sort_values("year")
            x = d["year"].to_numpy() + 0.5  # an annual average sits mid-year
            if quantity == SERIES[0] and len(drivers):
                ax.plot(drivers["date"], drivers["rate"] * 100, color="#999999", lw=1, ls=":", label=lab["driver"])
            ax.fill_between(x, d["ci90_low"] * 100, d["ci90_high"] * 100, color=PALETTE[0], alpha=0.25, lw=0)
            ax.plot(x, d["model"] * 100, color=PALETTE[0], lw=2, marker="o", ms=4, label=lab["model"])
            pub = d[d["published"].notna()]
            ax.plot(pub["year"] + 0.5, pub["published"] * 100, ls="none", marker="s", ms=7, mfc="white",
                    mec="black", mew=1.5, label=lab["published"])
            ax.set_title(lab[quantity], fontsize=10)
            ax.set_ylabel(lab["share"])
            ax.set_ylim(bottom=0)
            years = d["year"].to_numpy()
            # ticks at 1 January, the year's label in the middle of its span (where its annual value sits), so a
            # dated point of the driver (March 2020) is read inside its year
            ax.set_xticks(list(years) + [years[-1] + 1], [""] * (len(years) + 1))
            ax.set_xticks(years + 0.5, [str(y) for y in years], minor=True)
            ax.tick_params(axis="x", which="minor", length=0)
        axes[0].legend(loc="upper left", fontsize=8, frameon=False)
        fig.suptitle(f"{lab['title'].format(episode=episode.removeprefix('replay_').replace('_', '–'))} "
                     f"— {lab[sample]}",
                     fontsize=11)
        fig.tight_layout()
        return save_figure(fig, report_dir / "figures" / f"{episode}_{language}.{fmt}", fmt)


def draw_stationarity(report_dir: Path, language: str, fmt: str = "png") -> Path:
    """The steady economy's headline shares in every reported year (mean and 90 % interval over replicates)."""
    report_dir = Path(report_dir)
    lab = VALIDATION_LABELS[language]
    d = pd.read_csv(report_dir / "stationarity_years.csv")
    names = list(dict.fromkeys(d["indicator"]))
    with plt.rc_context(RC):
        fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3.2))
        for ax, name in zip(np.atleast_1d(axes), names):
            s = d[d["indicator"] == name].sort_values("year")
            ax.fill_between(s["year"], s["ci90_low"] * 100, s["ci90_high"] * 100, color=PALETTE[2], alpha=0.25, lw=0)
            ax.plot(s["year"], s["mean"] * 100, color=PALETTE[2], lw=2)
            ax.set_title(lab[name], fontsize=10)
            ax.set_ylabel(lab["share_of_population"])
            ax.set_xlabel(lab["year"])
        fig.suptitle(lab["stationarity"].format(years=d["year"].nunique()), fontsize=11)
        fig.tight_layout()
        return save_figure(fig, report_dir / "figures" / f"stationarity_{language}.{fmt}", fmt)


def draw_all(report_dir: Path, fmt: str = "png") -> list[Path]:
    """Every figure of a validation report, in both languages."""
    report_dir = Path(report_dir)
    out = []
    episodes = list(dict.fromkeys(pd.read_csv(report_dir / "replays.csv")["episode"]))
    for language in LANGUAGES:
        out += [draw_replay(report_dir, e, language, fmt) for e in episodes]
        if (report_dir / "stationarity_years.csv").is_file():
            out.append(draw_stationarity(report_dir, language, fmt))
    return out
