"""The Python API: compose a config like the CLI does, run it, and write a run directory.

``run(load_config(["economy=recession"]))`` returns the same results as
``python -m simulation economy=recession`` without going through Hydra's app.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import pandas as pd
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from simulation import indicators as ind
from simulation import outputs as out
from simulation.config import SimConfig, validate
from simulation.ledger import ledger_table
from simulation.montecarlo import SimResult, simulate

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"


def load_config(overrides: Iterable[str] = (), config_name: str = "config") -> DictConfig:
    """The composed config for these command-line style overrides (``["economy=recession", "run.seed=3"]``)."""
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base=None, job_name="simulation"):
        return compose(config_name, overrides=list(overrides))


def as_sim_config(cfg: DictConfig | SimConfig | dict) -> SimConfig:
    """A validated SimConfig from whatever the caller holds."""
    return cfg if isinstance(cfg, SimConfig) else validate(cfg)


@dataclass
class Results:
    """One scenario's Monte Carlo results: raw tallies and indicator summaries."""

    config: SimConfig
    raw: SimResult
    per_replicate: dict
    series: dict
    indicators: pd.DataFrame

    def headline(self) -> pd.DataFrame:
        """The short table printed at the end of a run."""
        df = self.indicators.set_index("indicator")
        return df.loc[[h for h in ind.HEADLINE if h in df.index]].reset_index()


def run(cfg: DictConfig | SimConfig | dict, progress: bool | None = None) -> Results:
    """Simulate all replicates of a config and summarise them (writes no files)."""
    sim_cfg = as_sim_config(cfg)
    raw = simulate(sim_cfg, progress=progress)
    t0 = time.perf_counter()
    per_rep = ind.per_replicate(raw, sim_cfg)
    series = ind.series(raw, sim_cfg)
    table = ind.summary_table(per_rep, raw.scale)
    raw.timings["indicators_s"] = time.perf_counter() - t0
    return Results(sim_cfg, raw, per_rep, series, table)


def format_headline(results: Results) -> str:
    """The headline table as text: shares in per cent, persons rounded, with 90 % intervals."""
    rows = []
    for _, r in results.headline().iterrows():
        if r["unit"] == "share":
            fmt = lambda x: f"{100 * x:.1f} %"  # noqa: E731
        elif r["unit"] == "persons":
            fmt = lambda x: f"{x:,.0f}"  # noqa: E731
        elif r["unit"] == "NOK bn/yr":
            fmt = lambda x: f"NOK {x:,.1f} bn/yr"  # noqa: E731
        else:
            fmt = lambda x: f"{x:.1f}"  # noqa: E731
        val = fmt(r["mean"]) if pd.notna(r["mean"]) else "n/a (no cases)"
        ci = f"[{fmt(r['ci90_low'])}, {fmt(r['ci90_high'])}]" if pd.notna(r["ci90_low"]) else ""
        rows.append((r["indicator"], val, ci))
    w0 = max(len(a) for a, _, _ in rows)
    w1 = max(len(b) for _, b, _ in rows)
    lines = [f"{'indicator':<{w0}}  {'mean':>{w1}}  90 % CI of the mean"]
    lines += [f"{a:<{w0}}  {b:>{w1}}  {c}" for a, b, c in rows]
    return "\n".join(lines)


def write_outputs(results: Results, directory: Path | str, overrides: Iterable[str] = ()) -> dict[str, int]:
    """Write the run directory: tables, headline, figures, and the manifest last. Returns file sizes."""
    directory = Path(directory)
    t0 = time.perf_counter()
    raw = results.raw
    out.write_parquet(out.stocks_table(raw), directory / "stocks.parquet")
    out.write_parquet(out.flows_table(raw), directory / "flows.parquet")
    out.write_parquet(out.events_table(raw), directory / "events.parquet")
    out.write_parquet(out.series_table(raw, results.series), directory / "indicator_series.parquet")
    out.write_parquet(out.institutions_table(raw), directory / "institutions.parquet")
    out.write_parquet(ledger_table(raw.bookings, results.config.funding, raw.step_days, raw.scale, raw.start_year),
                      directory / "ledger.parquet")
    out.write_parquet(results.indicators, directory / "indicators.parquet")
    out.write_parquet(out.replicate_table(results.per_replicate), directory / "indicators_by_replicate.parquet")
    out.write_text(results.headline().to_csv(index=False), directory / "headline.csv")
    raw.timings["tables_s"] = time.perf_counter() - t0
    # the manifest is needed by the plots (labels, scale); it is rewritten with the final sizes below
    cfg = results.config
    out.write_manifest(out.manifest(cfg, raw, raw.timings, {}, list(overrides), complete=False), directory)
    if cfg.output.figures:
        from simulation.plots import make_figures

        t1 = time.perf_counter()
        make_figures(directory, language=cfg.output.language, fmt=cfg.output.figure_format)
        raw.timings["figures_s"] = time.perf_counter() - t1
    files = {str(p.relative_to(directory)): p.stat().st_size for p in sorted(directory.rglob("*"))
             if p.is_file() and not p.name.startswith(".") and ".hydra" not in p.parts
             and p.name != out.MANIFEST and p.suffix != ".log"}
    out.write_manifest(out.manifest(cfg, raw, raw.timings, files, list(overrides), complete=True), directory)
    return files
