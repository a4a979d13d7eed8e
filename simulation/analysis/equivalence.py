"""Do the kernel and the person-level engine agree in distribution? Two-sample tests per quantity.

Both engines run the same config with *different* seeds (independent samples of replicates).
For every quantity (the mean stock of each state over the run, the total flow between two states,
every indicator) a Welch t-test compares the two engines' means; Holm's correction keeps the
family-wise error rate at ``alpha`` over all quantities. Flows too rare to test with any power are
left out (``MIN_FLOW``), so the correction is not spent on them.

    python -m simulation.equivalence population.scale=2500 run.years=1.5 --replicates 16

With the same seed the two engines give identical tables (every draw is keyed by person and
step); ``identical`` checks that, which is the sharper test when it applies.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import pandas as pd
from scipy import stats

from simulation.core.config import ConfigError, SimConfig
from simulation.core.schema import KernelParams
from simulation.core.states import STATE_NAMES
from simulation.institutions import persons
from simulation.runs.indicators import per_replicate
from simulation.runs.montecarlo import SimResult, simulate

DEFAULTS = ["population.scale=2500", "run.years=2", "run.burn_in_years=0", "run.progress=false",
            "output.figures=false"]  # about 1 900 persons: the person-level engine takes ~2 s a replicate
POWER = 0.8  # the detectable difference reported per quantity is found with this probability
MIN_FLOW = 5.0  # flows with fewer moves than this per replicate on average are not compared (no power)


def quantities(res: SimResult, cfg: SimConfig) -> dict[str, np.ndarray]:
    """One value per replicate for each compared quantity."""
    out: dict[str, np.ndarray] = {}
    national = res.stocks[:, :, :, 0].astype(np.float64)  # [R, T+1, S]
    for s, name in enumerate(STATE_NAMES):
        out[f"stock:{name}"] = national[:, 1:, s].mean(axis=1)
    flows = res.flows[:, 1:, :, :].sum(axis=1).astype(np.float64)  # [R, S, S]
    for a, na in enumerate(STATE_NAMES):
        for b, nb in enumerate(STATE_NAMES):
            if a != b:
                out[f"flow:{na}->{nb}"] = flows[:, a, b]
    for name, (_, values) in per_replicate(res, cfg).items():
        out[f"indicator:{name}"] = values
    return out


def _pvalue(x: np.ndarray, y: np.ndarray) -> float:
    """Welch t-test of the means (two constants: p = 1 if equal, 0 if not)."""
    if np.ptp(x) == 0 and np.ptp(y) == 0:
        return 1.0 if x[0] == y[0] else 0.0
    return float(stats.ttest_ind(x, y, equal_var=False).pvalue)


def compare(a: dict[str, np.ndarray], b: dict[str, np.ndarray], alpha: float = 0.01) -> pd.DataFrame:
    """A test per quantity with Holm's correction; ``reject`` marks quantities whose means differ."""
    rows = []
    for name, x in a.items():
        y = b[name]
        x, y = x[np.isfinite(x)], y[np.isfinite(y)]
        if x.size < 3 or y.size < 3:
            continue
        if name.startswith("flow:") and max(x.mean(), y.mean()) < MIN_FLOW:
            continue
        rows.append({"quantity": name, "mean_a": x.mean(), "mean_b": y.mean(), "sd_a": x.std(ddof=1),
                     "sd_b": y.std(ddof=1), "n_a": x.size, "n_b": y.size, "p": _pvalue(x, y)})
    df = pd.DataFrame(rows)
    if df.empty:
        raise ValueError("no quantity to compare: too few replicates or nothing happened")
    df["p_holm"] = _holm(df["p"].to_numpy())
    df["reject"] = df["p_holm"] < alpha
    # the difference of means this comparison finds with probability POWER at the per-test level
    # Holm starts from (alpha / number of tests), in a normal approximation
    se = np.sqrt(df["sd_a"] ** 2 / df["n_a"] + df["sd_b"] ** 2 / df["n_b"])
    z = stats.norm.ppf(1 - alpha / (2 * len(df))) + stats.norm.ppf(POWER)
    df["detectable_difference"] = z * se
    return df.sort_values("p").reset_index(drop=True)


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values (valid under any dependence between the tests)."""
    m = p.size
    order = np.argsort(p)
    adj = np.empty(m)
    running = 0.0
    for rank, k in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[k]))
        adj[k] = running
    return adj


@contextlib.contextmanager
def person_rule(field: str, value: str) -> Iterator[None]:
    """Within the block, the person-level engine runs with one kernel parameter changed (the kernel does
    not): a deliberate one-rule difference, to show that the comparison notices it."""
    if field not in KernelParams._fields:
        raise ConfigError(f"config error: person rule {field}={value!r}: not a field of kernel.KernelParams")
    original = persons.reference_params

    def changed(params: KernelParams) -> KernelParams:
        old = getattr(params, field)
        if isinstance(old, (bool, np.bool_)):
            new = value.strip().lower() in ("1", "true", "yes", "on")
        elif isinstance(old, (int, float, np.integer, np.floating)):
            new = type(old)(float(value))
        else:
            raise ConfigError(f"config error: person rule {field}={value!r}: only scalar fields can be changed")
        return original(params)._replace(**{field: new})

    persons.reference_params = changed
    try:
        yield
    finally:
        persons.reference_params = original


def identical(a: SimResult, b: SimResult) -> list[str]:
    """Names of the tables that differ between two runs (empty: bit-identical)."""
    return [f for f in ("stocks", "flows", "events") if not np.array_equal(getattr(a, f), getattr(b, f))]


def run_both(cfg: SimConfig, seed_offset: int = 1) -> tuple[SimResult, SimResult]:
    """The kernel on the config's seed and the person-level engine on seed + offset."""
    kernel = simulate(cfg_with(cfg, engine="kernel"), progress=False)
    agents = simulate(cfg_with(cfg, engine="agents", seed=cfg.run.seed + seed_offset), progress=False)
    return kernel, agents


def cfg_with(cfg: SimConfig, **run_fields) -> SimConfig:
    """A copy of the config with some ``run`` fields changed."""
    from dataclasses import replace

    return replace(cfg, run=replace(cfg.run, **run_fields))
