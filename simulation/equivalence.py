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

import argparse
import contextlib
import sys
import time
from collections.abc import Iterator

import numpy as np
import pandas as pd
from scipy import stats

from simulation import persons
from simulation.config import ConfigError, SimConfig
from simulation.kernel import KernelParams
from simulation.indicators import per_replicate
from simulation.montecarlo import SimResult, simulate
from simulation.states import STATE_NAMES

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulation.equivalence", description=__doc__.splitlines()[0])
    parser.add_argument("overrides", nargs="*", help="config overrides, as for python -m simulation")
    parser.add_argument("--replicates", type=int, default=16, help="replicates per engine (default 16)")
    parser.add_argument("--alpha", type=float, default=0.01, help="family-wise error rate (default 0.01)")
    parser.add_argument("--person-rule", default=None, metavar="FIELD=VALUE",
                        help="change one kernel parameter for the person-level engine only (e.g. ot_end_days=7670)")
    args = parser.parse_args(argv)
    from simulation.api import as_sim_config, load_config
    from simulation.cli_check import check_overrides

    if args.replicates < 3:
        print(f"config error: --replicates={args.replicates}: need at least 3 per engine", file=sys.stderr)
        return 2
    error = check_overrides(args.overrides)
    if error:
        print(error, file=sys.stderr)
        return 2
    try:
        cfg = as_sim_config(load_config([*DEFAULTS, *args.overrides, f"run.replicates={args.replicates}"]))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    rule = contextlib.nullcontext()
    if args.person_rule:
        field, _, value = args.person_rule.partition("=")
        rule = person_rule(field.strip(), value)
    try:
        with rule:
            kernel, agents = run_both(cfg)
    except (ConfigError, ValueError) as exc:
        print(str(exc) if str(exc).startswith("config error") else f"config error: --person-rule: {exc}",
              file=sys.stderr)
        return 2
    table = compare(quantities(kernel, cfg), quantities(agents, cfg), args.alpha)
    print(f"{len(table)} quantities, {args.replicates} replicates per engine, "
          f"{time.perf_counter() - t0:.0f} s")
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(table.head(10).to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    bad = table[table["reject"]]
    if bad.empty:
        print(f"the engines agree: no test rejects at a family-wise error rate of {args.alpha}")
        return 0
    print(f"the engines differ in {len(bad)} quantities (Holm, alpha {args.alpha})")
    return 1


if __name__ == "__main__":
    sys.exit(main())
