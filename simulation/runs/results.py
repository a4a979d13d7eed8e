"""One scenario's results: simulate all replicates of a validated config and summarise them."""
from __future__ import annotations

import time
from dataclasses import dataclass

import pandas as pd
from omegaconf import DictConfig

from simulation.core.config import SimConfig, validate
from simulation.runs import indicators as ind
from simulation.runs.montecarlo import SimResult, simulate


def as_sim_config(cfg: DictConfig | SimConfig | dict) -> SimConfig:
    """A validated SimConfig from whatever the caller holds.

    A SimConfig is validated again: its fields can be changed after validation
    (``cfg.cooperation.strength = 5``), and a run must never start from a value the YAML would refuse."""
    return validate(cfg)


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
