"""The who-pays-who-gains figure, drawn from the policy analysis' files only (``policy_summary.csv``,
``policy_by_year.parquet``, ``policy_manifest.json``): per job, the change in each agency's present net cost
against the reference (the wrong-pocket picture), and the cumulative net saving year by year with the year in
which the total turns positive."""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
import pandas as pd

from simulation.analysis.policy import BY_YEAR_FILE, FIGURE_STEM, MANIFEST_FILE, SUMMARY_FILE, TOTAL
from simulation.present.labels import AGENCY_LABELS
from simulation.present.style import AGENCY_COLOURS, RC, TickFormatter, check_language_and_format, number, save_figure

TEXT = {
    "en": {
        "title": "{job}",
        "against": "against {ref}",
        "year": "year (saving accumulated to the end of the year)",
        "net": "Change in present net cost, NOK bn\n(+ the agency pays more, − it saves)",
        "cum": "Cumulative net saving of the public purse,\npresent value, NOK bn",
        "total": "Total",
        "break_even": "turns positive {year}",
        "never": "does not turn positive within the run",
        "note": "Job minus reference, mean over replicates with 90 % interval, paired by replicate; {rate}.",
    },
    "nb": {
        "title": "{job}",
        "against": "mot {ref}",
        "year": "år (innsparing akkumulert til utgangen av året)",
        "net": "Endring i nåverdi av netto utgifter, mrd. kr\n(+ etaten betaler mer, − den sparer)",
        "cum": "Akkumulert netto innsparing for det offentlige,\nnåverdi, mrd. kr",
        "total": "Totalt",
        "break_even": "blir positiv {year}",
        "never": "blir ikke positiv i løpet av kjøringen",
        "note": "Jobb minus referanse, gjennomsnitt over replikater med 90 % intervall, parvis per replikat; {rate}.",
    },
}


def _rate_text(manifest: dict, language: str) -> str:
    sched = manifest.get("discount_schedule") or [[0, 0.04]]
    r = number(100 * float(sched[0][1]), 1 if (100 * float(sched[0][1])) % 1 else 0, language)
    return (f"realrente {r} %" if language == "nb" else f"real discount rate {r} %")


def draw_who_pays(summary: pd.DataFrame, by_year: pd.DataFrame, manifest: dict, language: str = "en"):
    """One row per job: bars of each agency's change in present net cost, and the cumulative saving by year."""
    check_language_and_format(language, "png")
    t = TEXT[language]
    names = AGENCY_LABELS[language]
    jobs = list(dict.fromkeys(summary["job"]))
    with plt.rc_context(RC):
        fig, axes = plt.subplots(len(jobs), 2, figsize=(12, 3.6 * len(jobs) + 0.6), squeeze=False,
                                 gridspec_kw={"width_ratios": [1, 1.25]})
        for row, job in zip(axes, jobs):
            s = summary[summary["job"] == job]
            order = [a for a in ("nav", "county", "municipality", "state", TOTAL) if a in set(s["agency"])]
            s = s.set_index("agency").loc[order]
            ax = row[0]
            y = np.arange(len(order))
            colours = [AGENCY_COLOURS.get(a, "#555555") for a in order]
            m = s["net_cost_pv"].to_numpy(float)
            lo, hi = s["net_cost_pv_ci90_low"].to_numpy(float), s["net_cost_pv_ci90_high"].to_numpy(float)
            ax.barh(y, m, color=colours, alpha=0.85)
            err = np.vstack([m - np.where(np.isfinite(lo), lo, m), np.where(np.isfinite(hi), hi, m) - m])
            ax.errorbar(m, y, xerr=err, fmt="none", ecolor="#222222", capsize=3, lw=1.2)
            ax.axvline(0, color="#444444", lw=1)
            ax.set_yticks(y, [names.get(a, t["total"]) for a in order])
            ax.set_ylim(len(order) - 0.5, -0.5)
            ax.set_xlabel(t["net"], fontsize=9)
            ax.xaxis.set_major_formatter(TickFormatter(language))
            label = s["label"].iloc[0]
            ref = s["reference_label"].iloc[0]
            ax.set_title(t["title"].format(job=label), loc="left", fontweight="bold", fontsize=10)
            ax2 = row[1]
            d = by_year[by_year["job"] == job]
            for agency in order:
                g = d[d["agency"] == agency].sort_values("year")
                x = g["year"].to_numpy(int)  # the saving accumulated by the end of the year
                if agency == TOTAL:
                    ax2.fill_between(x, g["cumulative_saving_pv_ci90_low"], g["cumulative_saving_pv_ci90_high"],
                                     color="#333333", alpha=0.15, lw=0)
                    ax2.plot(x, g["cumulative_saving_pv"], color="#111111", lw=2.4, marker="o", ms=4,
                             label=t["total"])
                else:
                    ax2.plot(x, g["cumulative_saving_pv"], color=AGENCY_COLOURS.get(agency, "#777777"), lw=1.4,
                             label=names.get(agency, agency))
            ax2.axhline(0, color="#444444", lw=1)
            be = (manifest.get("break_even", {}).get(job) or {}).get("break_even_year")
            if be is not None:
                ax2.axvline(be, color="#009E73", ls="--", lw=1.2)
                ax2.set_title(f"{t['against'].format(ref=ref)} · {t['total']}: {t['break_even'].format(year=be)}",
                              loc="left", fontsize=10)
            else:
                ax2.set_title(f"{t['against'].format(ref=ref)} · {t['total']}: {t['never']}", loc="left", fontsize=10)
            ax2.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
            ax2.set_xlabel(t["year"], fontsize=9)
            ax2.set_ylabel(t["cum"], fontsize=9)
            ax2.yaxis.set_major_formatter(TickFormatter(language))
            ax2.legend(fontsize=8, frameon=False, loc="best")
        fig.text(0.01, 0.005, t["note"].format(rate=_rate_text(manifest, language)), fontsize=8.5, color="#333333")
        fig.tight_layout(rect=(0, 0.02, 1, 1))
    return fig


def draw_policy(out_dir: Path | str, language: str = "en", fmt: str = "png") -> list[Path]:
    """Draw ``policy_who_pays.<fmt>`` from the files of a policy analysis; returns the paths written."""
    out_dir = Path(out_dir)
    check_language_and_format(language, fmt)
    summary = pd.read_csv(out_dir / SUMMARY_FILE)
    if summary.empty:
        return []
    by_year = pd.read_parquet(out_dir / BY_YEAR_FILE)
    manifest = json.loads((out_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    path = out_dir / f"{FIGURE_STEM}.{fmt}"
    with plt.rc_context(RC):
        save_figure(draw_who_pays(summary, by_year, manifest, language), path, fmt)
    return [path]
