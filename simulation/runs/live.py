"""The live model behind the dashboard: one replicate of a CrossSectorModel, built from a few presenter
choices, stepped one institutional period at a time, with its state so far as small DataFrames.

The dashboard (``simulation.present.dashboard``) rebuilds a :class:`LiveModel` whenever a control changes;
Mesa's SolaraViz creates it from keyword arguments, so every choice is a keyword. The model is an
ordinary :class:`~simulation.institutions.model.CrossSectorModel`: the config is composed and validated as for the
command line and the model sets the replicate up as every run does, so a live run of replicate 0 moves
exactly as replicate 0 of ``python -m simulation`` with the same config. The burn-in is simulated when
the model is built; the presenter starts at the reported period.
"""
from __future__ import annotations

import datetime
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import open_dict

from simulation.core import schema
from simulation.core.config import ConfigError, SimConfig, calendar_start, validate
from simulation.core.population import selected_counties
from simulation.core.states import IN_SCOPE, N_STATES, STATE_NAMES, group_layout
from simulation.institutions.agencies import NAVCountyUnit
from simulation.institutions.model import CrossSectorModel
from simulation.runs.compose import CONFIG_DIR, load_config
from simulation.runs.ledger import AGENCIES, item_costs, items

ALL_COUNTIES = "all"  # the county choice that sets the strength of every county
SCALE_RANGE = (200, 5000)  # real persons per simulated person the dashboard offers: small samples, fast steps
_compose_lock = threading.Lock()  # Hydra's compose API keeps global state: one composition at a time


def options(group: str) -> list[str]:
    """The options of a config group (``economy`` -> ['recession', 'regime_switching', ...]), from ``configs/``."""
    folder = Path(CONFIG_DIR) / group
    names = sorted(p.stem for p in folder.glob("*.yaml"))
    if not names:
        raise FileNotFoundError(f"no options for config group {group!r} in {folder}")
    return names


@lru_cache(maxsize=1)
def county_names() -> tuple[str, ...]:
    """All counties of the default config, in config order."""
    return tuple(selected_counties(live_config()))


def live_config(cooperation: float | None = None, county: str = ALL_COUNTIES, funding: str | None = None,
                economy: str | None = None, scale: float | None = None, language: str = "en",
                extra: Iterable[str] = ()) -> SimConfig:
    """The validated config of a live run: one replicate, no progress bar, the presenter's choices.

    ``cooperation`` is the strength (0..1) of every county, or of ``county`` alone when one is named;
    ``funding`` and ``economy`` are options of those config groups; ``scale`` is ``population.scale``.
    ``extra`` takes further command-line style overrides. A bad value raises ``ConfigError`` naming the key.
    """
    for group, value in (("funding", funding), ("economy", economy)):
        if value is not None and value not in options(group):
            raise ConfigError(f"config error: {group}={value!r}: unknown option (options: {', '.join(options(group))})")
    overrides = ["run.replicates=1", "run.progress=false", "output.figures=false", f"output.language={language}"]
    if funding is not None:
        overrides.append(f"funding={funding}")
    if economy is not None:
        overrides.append(f"economy={economy}")
    if scale is not None:
        overrides.append(f"population.scale={float(scale)}")
    if cooperation is not None and county == ALL_COUNTIES:
        overrides.append(f"cooperation.strength={float(cooperation)}")
    overrides.extend(extra)
    with _compose_lock:
        cfg = load_config(overrides)
    if cooperation is not None and county != ALL_COUNTIES:
        with open_dict(cfg):  # county names need not be ASCII here: validate() canonicalises them
            cfg.cooperation.by_county[county] = float(cooperation)
    return validate(cfg)


class LiveModel(CrossSectorModel):
    """Replicate 0 of one scenario, stepped by the presenter (one step = one institutional period, 4 weeks).

    The constructor composes and validates the config, draws the population and simulates the
    burn-in. ``stocks``, ``flows`` and ``events`` hold the reported kernel steps so far (row 0 is
    the start of reporting), in the layout of one replicate of :class:`~simulation.runs.montecarlo.SimResult`.
    """

    def __init__(self, cooperation: float = 0.5, county: str = ALL_COUNTIES, funding: str = "current_rules",
                 economy: str = "steady", scale: float = 1000, language: str = "en", seed: int | None = None,
                 extra: Iterable[str] = ()) -> None:
        extra = [*extra, *([f"run.seed={int(seed)}"] if seed is not None else [])]
        cfg = live_config(cooperation, county, funding, economy, scale, language, extra)
        super().__init__(cfg, 0)
        self.groups = group_layout(self.counties)
        self.language = language
        self.choices = {"cooperation": float(cooperation), "county": county, "funding": funding, "economy": economy,
                        "scale": float(scale)}
        self.start()
        while self.t < self.burn:
            CrossSectorModel.step(self)  # the burn-in, not counted as a presenter's step
        self.running = self.t < self.total

    # ---------------------------------------------------------------------------------- state so far

    @property
    def reported_steps(self) -> int:
        """Kernel steps simulated since the start of reporting."""
        return max(0, self.t - self.burn)

    def year_of(self, step: np.ndarray | int) -> np.ndarray | float:
        """Calendar year (fractional) at the end of a reported kernel step."""
        return calendar_start(self.cfg) + np.asarray(step) * self.dt / 365.25

    @property
    def year(self) -> float:
        """The fractional calendar year reached (2024.0 at the start of reporting)."""
        return float(self.year_of(self.reported_steps))

    @property
    def date(self) -> datetime.date:
        """The calendar date reached: 1 January of the run's first year (``calendar_start``) plus the reported days."""
        return datetime.date(calendar_start(self.cfg), 1, 1) + datetime.timedelta(
            days=self.reported_steps * self.dt)

    def stocks_frame(self) -> pd.DataFrame:
        """National persons by state (scaled) at every reported step so far, in the columns of
        ``stocks.parquet`` that :func:`simulation.present.figures.run.fig_stocks` reads (replicate, step, year, state,
        count_scaled)."""
        n = self.reported_steps + 1
        counts = self.stocks[:n, :, 0].astype(np.float64) * self.cfg.population.scale
        step = np.repeat(np.arange(n), N_STATES)
        return pd.DataFrame({"replicate": 0, "step": step, "year": self.year_of(step),
                             "state": np.tile(STATE_NAMES, n), "count_scaled": counts.ravel()})

    def queue_frame(self) -> pd.DataFrame:
        """One row per institutional period so far: year at its start, persons queueing for a measure
        place (NAV units' ``queue`` from the DataCollector, scaled), admissions and mean wait (weeks) of
        those admitted in the period (kernel events ``measure_admissions`` and ``measure_wait_days``)."""
        df = self.datacollector.get_agenttype_vars_dataframe(NAVCountyUnit) if self._reported_steps else None
        if df is None or df.empty:
            return pd.DataFrame(columns=["step", "year", "queue", "admissions", "mean_wait_weeks"])
        queue = df["queue"].groupby(level="Step").sum().to_numpy()
        starts = np.asarray(self._reported_steps[:len(queue)])
        ends = np.r_[starts[1:], self.reported_steps]
        admit = np.array([self.events[a + 1:b + 1, schema.E_ADMIT].sum() for a, b in zip(starts, ends)],
                         dtype=np.float64)
        wait = np.array([self.events[a + 1:b + 1, schema.E_WAIT_DAYS].sum() for a, b in zip(starts, ends)],
                        dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_wait = np.where(admit > 0, wait / admit / 7.0, np.nan)
        return pd.DataFrame({"step": starts, "year": self.year_of(starts), "queue": queue,
                             "admissions": admit * self.cfg.population.scale, "mean_wait_weeks": mean_wait})

    def mean_wait_weeks(self) -> float:
        """Mean wait of everyone admitted to a measure since the start of reporting (NaN before the first)."""
        n = self.reported_steps + 1
        admit = float(self.events[1:n, schema.E_ADMIT].sum())
        return float(self.events[1:n, schema.E_WAIT_DAYS].sum()) / admit / 7.0 if admit > 0 else float("nan")

    def ledger_frame(self) -> pd.DataFrame:
        """The fiscal ledger so far: NOK per agency and item, summed over the reported steps, scaled
        (tax revenue is a negative cost to the state, as in ``ledger.parquet``)."""
        n = self.reported_steps + 1
        bookings = self.events[1:n, schema.E_BOOK:].reshape(1, n - 1, N_STATES, schema.N_PAYMENT_VARIANTS,
                                                            schema.N_BENEFITS)
        per_item = item_costs(bookings, self.cfg.funding, self.dt, self.cfg.population.scale)[0].sum(axis=0)
        names = items(self.cfg.funding)
        df = pd.DataFrame({"item": [i for i, _ in names], "agency": [a for _, a in names], "nok": per_item})
        df["agency"] = pd.Categorical(df["agency"], categories=AGENCIES)
        return df

    def summary(self) -> dict[str, float]:
        """The numbers the dashboard prints: persons now (scaled) in a few states, the measure queue,
        mean wait, and spending so far by agency and tax revenue (NOK billion)."""
        r = self.reported_steps
        now = self.stocks[r, :, 0].astype(np.float64) * self.cfg.population.scale
        ledger = self.ledger_frame()
        spend = ledger[ledger["item"] != "tax_revenue"].groupby("agency", observed=False)["nok"].sum() / 1e9
        out = {"year": self.year, "persons": float(now[list(IN_SCOPE)].sum())}
        for s in ("work", "jobseeker", "work_measure", "ot_followed"):
            out[s] = float(now[STATE_NAMES.index(s)])
        out["queue"] = float(sum(nav.queue for nav in self.nav_units)) if self._reported_steps else 0.0
        out["mean_wait_weeks"] = self.mean_wait_weeks()
        out["cooperation"] = float(np.mean([ag.strength for ag in self.agreements]))
        for agency in AGENCIES:
            out[f"cost_{agency}_bn"] = float(spend.get(agency, 0.0))
        out["tax_revenue_bn"] = float(-ledger.loc[ledger["item"] == "tax_revenue", "nok"].sum() / 1e9)
        return out
