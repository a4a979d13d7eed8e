"""Exploratory modelling: policies across many futures, scenario discovery and a robustness ranking.

A **design** (``configs/explore/default.yaml``) names the *uncertainties* (ranges of values no source pins down:
the business-cycle path, cooperation effect sizes and dynamics, unsourced rates and prices), the *policies*
(levers: each a list of config overrides), the *criteria* by which a policy fails, and the *robustness*
objectives. This module

1. samples the futures: a Latin hypercube over the uncertainties with the EMA Workbench's ``LHSSampler``
   (seeded, so the design is reproducible), and crosses every future with every policy
   (:func:`sample_futures`, :func:`experiments`);
2. writes the job list that the design sweeper (``hydra_plugins/simulation_design_sweeper``) runs through
   Hydra's multirun and launchers, one ordinary run directory per experiment (:func:`write_design`,
   :func:`launch_command`; the command layer starts it);
3. reads every run's files back (:func:`read_outcomes`): present values per agency and gains
   (:mod:`simulation.analysis.policy`) and indicators, each policy's difference from the reference policy in
   the same future paired by replicate (one seed: common random numbers);
4. **scenario discovery** (:func:`discover`): for each criterion and policy, PRIM (``ema_workbench.analysis.prim``)
   finds the box of uncertainty values in which the policy fails, with its coverage (share of all failures
   inside the box) and density (share of futures in the box that fail); CART (``ema_workbench.analysis.cart``)
   gives the tree's leaves as a second view, and extra-trees feature scores rank the uncertainties;
5. **robustness** (:func:`regret_table`): for each objective, regret = shortfall from the best policy of the
   same future; policies ranked by their largest regret (minimax regret), with the share of futures in which each
   is best.

Every file is written atomically; ``explore_manifest.json`` (last) names the design, the command that ran the
runs, each experiment's run directory and status, and the files. Figures are drawn by the command layer's ``draw``
from these files (:mod:`simulation.present.figures.explore`).
"""
from __future__ import annotations

import json
import operator
import shlex
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from simulation.analysis import policy as pol
from simulation.analysis.parameter_space import Parameter, parse_space
from simulation.analysis.sweep import FAILED_FILE, one_line
from simulation.core.config import ConfigError
from simulation.runs import outputs as out
from simulation.runs.compose import CONFIG_DIR
from simulation.runs.indicators import summarise_values

# the EMA Workbench warns on import that an optional parallel back-end (ipyparallel) is absent: we do not use it
warnings.filterwarnings("ignore", message="ipyparallel not installed", category=UserWarning)

DEFAULT_DESIGN = CONFIG_DIR / "explore" / "default.yaml"
SWEEPER = "hydra_plugins.simulation_design_sweeper.design_sweeper.DesignSweeper"
RUNS_DIR = "runs"
JOBS_FILE = "design_jobs.json"
FUTURES_FILE = "futures.csv"
EXPERIMENTS_FILE = "experiments.csv"
OUTCOMES_FILE = "outcomes.parquet"
FAILURES_FILE = "failures.csv"
PRIM_BOXES_FILE = "prim_boxes.csv"
PRIM_TRAJECTORY_FILE = "prim_trajectory.csv"
CART_FILE = "cart_boxes.csv"
FEATURES_FILE = "feature_scores.csv"
REGRET_FILE = "regret.csv"
REGRET_BY_FUTURE_FILE = "regret_by_future.csv"
MANIFEST_FILE = "explore_manifest.json"
DESIGN_COPY = "design.yaml"
OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
AGENCY_OUTCOMES = [f"net_cost_pv_{a}" for a in pol.AGENCIES]
BASE_OUTCOMES = ["net_public_cost_pv", *AGENCY_OUTCOMES, "person_years_in_work", "completed_vgo", "neet_years_youth"]


# ---------------------------------------------------------------------------------------------- design


@dataclass(frozen=True)
class PrimSettings:
    threshold: float = 0.8
    peel_alpha: float = 0.05
    mass_min: float = 0.05
    qp_max: float | None = 0.05


@dataclass(frozen=True)
class Settings:
    futures: int = 40
    seed: int = 20241125
    scale: float = 1000.0
    replicates: int = 2
    years: float = 5.0
    burn_in_years: float = 2.0
    step_days: int = 14
    base_overrides: tuple[str, ...] = ()
    launcher: tuple[str, ...] = ()
    reference_policy: str = "status_quo"
    discount_rate: float | None = None
    prim: PrimSettings = field(default_factory=PrimSettings)
    indicators: tuple[str, ...] = ()


@dataclass(frozen=True)
class Criterion:
    name: str
    outcome: str
    op: str
    threshold: float
    note: str = ""

    def fails(self, values: np.ndarray) -> np.ndarray:
        return OPS[self.op](np.asarray(values, dtype=float), self.threshold)

    @property
    def text(self) -> str:
        return f"{self.outcome} {self.op} {self.threshold:g}"


@dataclass(frozen=True)
class Objective:
    outcome: str
    sense: str  # "min" or "max"


@dataclass(frozen=True)
class Design:
    question: str
    settings: Settings
    uncertainties: tuple[Parameter, ...]
    policies: dict[str, tuple[str, ...]]
    criteria: tuple[Criterion, ...]
    robustness: tuple[Objective, ...]
    path: str = ""


def _bad(key: str, value: Any, why: str) -> ConfigError:
    return ConfigError(f"explore error: {key}={value!r}: {why}")


def _number(data: dict, key: str, lo: float, hi: float, integer: bool = False, prefix: str = "settings.") -> float:
    v = data[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not np.isfinite(v) or not lo <= v <= hi:
        raise _bad(prefix + key, v, f"must be a number in [{lo:g}, {hi:g}]")
    if integer and not float(v).is_integer():
        raise _bad(prefix + key, v, "must be a whole number")
    return int(v) if integer else float(v)


def _strings(value: Any, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise _bad(key, value, "must be a list of strings")
    return tuple(value)


def parse_settings(data: Any) -> Settings:
    """Settings from the design's ``settings`` mapping; a bad value raises a one-line ConfigError."""
    import difflib

    if not isinstance(data, dict):
        raise _bad("settings", data, "must be a mapping")
    defaults = asdict(Settings())
    for k, v in data.items():
        if k not in defaults:
            near = difflib.get_close_matches(str(k), list(defaults), n=1)
            raise _bad(f"settings.{k}", v, "unknown setting" + (f" (did you mean '{near[0]}'?)" if near else ""))
    d = {**defaults, **data}
    prim = {**defaults["prim"], **(data.get("prim") or {})}
    for k in prim:
        if k not in defaults["prim"]:
            raise _bad(f"settings.prim.{k}", prim[k], "unknown setting")
    rate = d["discount_rate"]
    if rate is not None:
        rate = _number(d, "discount_rate", 0.0, 0.99)
    return Settings(
        futures=_number(d, "futures", 2, 100000, integer=True), seed=_number(d, "seed", 0, 2**32 - 1, integer=True),
        scale=_number(d, "scale", 1, 1e7), replicates=_number(d, "replicates", 1, 10000, integer=True),
        years=_number(d, "years", 0.1, 60), burn_in_years=_number(d, "burn_in_years", 0, 20),
        step_days=_number(d, "step_days", 1, 31, integer=True),
        base_overrides=_strings(d["base_overrides"], "settings.base_overrides"),
        launcher=_strings(d["launcher"], "settings.launcher"),
        reference_policy=str(d["reference_policy"]), discount_rate=rate,
        prim=PrimSettings(threshold=_number(prim, "threshold", 0.01, 1, prefix="settings.prim."),
                          peel_alpha=_number(prim, "peel_alpha", 0.001, 0.5, prefix="settings.prim."),
                          mass_min=_number(prim, "mass_min", 0.0, 0.5, prefix="settings.prim."),
                          qp_max=None if prim["qp_max"] is None
                          else _number(prim, "qp_max", 0.0, 1.0, prefix="settings.prim.")),
        indicators=_strings(d["indicators"], "settings.indicators"),
    )


def parse_criteria(data: Any) -> tuple[Criterion, ...]:
    if not isinstance(data, list) or not data:
        raise _bad("criteria", data, "must be a non-empty list of {name, outcome, fails_if}")
    out_ = []
    for i, c in enumerate(data):
        if not isinstance(c, dict) or not {"name", "outcome", "fails_if"} <= set(c):
            raise _bad(f"criteria[{i}]", c, "needs name, outcome and fails_if (e.g. '>= 0')")
        parts = str(c["fails_if"]).split()
        if len(parts) != 2 or parts[0] not in OPS:
            raise _bad(f"criteria[{i}].fails_if", c["fails_if"],
                       f"must be '<op> <number>' with op one of {', '.join(OPS)}")
        try:
            thr = float(parts[1])
        except ValueError:
            raise _bad(f"criteria[{i}].fails_if", c["fails_if"], "the threshold must be a number") from None
        out_.append(Criterion(str(c["name"]), str(c["outcome"]), parts[0], thr, str(c.get("note", ""))))
    if len({c.name for c in out_}) < len(out_):
        raise _bad("criteria", [c.name for c in out_], "two criteria have the same name")
    return tuple(out_)


def parse_design(data: Any, where: str = "design") -> Design:
    """The whole design (see ``configs/explore/default.yaml``); every error is one line naming the key."""
    if not isinstance(data, dict):
        raise ConfigError(f"explore error: {where}: must be a mapping")
    unknown = sorted(set(data) - {"question", "settings", "uncertainties", "policies", "criteria", "robustness"})
    if unknown:
        raise ConfigError(f"explore error: {where}: unknown section {unknown[0]!r}")
    settings = parse_settings(data.get("settings") or {})
    space = tuple(parse_space(data.get("uncertainties"), f"{where}:uncertainties"))
    pols = data.get("policies")
    if not isinstance(pols, dict) or len(pols) < 2:
        raise _bad("policies", pols, "must map at least two policy names to lists of overrides")
    policies = {str(k): _strings(v, f"policies.{k}") for k, v in pols.items()}
    if settings.reference_policy not in policies:
        raise _bad("settings.reference_policy", settings.reference_policy,
                   f"must be one of the policies ({', '.join(policies)})")
    robust = []
    for i, o in enumerate(data.get("robustness") or []):
        if not isinstance(o, dict) or o.get("sense") not in ("min", "max") or not isinstance(o.get("outcome"), str):
            raise _bad(f"robustness[{i}]", o, "needs outcome and sense (min or max)")
        robust.append(Objective(o["outcome"], o["sense"]))
    return Design(question=str(data.get("question", "")).strip(), settings=settings, uncertainties=space,
                  policies=policies, criteria=parse_criteria(data.get("criteria")), robustness=tuple(robust),
                  path=where)


def apply_changes(data: dict, changes: Sequence[str]) -> dict:
    """``settings.futures=100``-style changes (command line) merged into the design's mapping."""
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    if not changes:
        return data
    for c in changes:
        if "=" not in c or not c.split("=", 1)[0].startswith("settings."):
            raise ConfigError(f"explore error: {c!r}: expected settings.KEY=VALUE")
    try:
        merged = OmegaConf.merge(OmegaConf.create({"settings": data.get("settings") or {}}),
                                 OmegaConf.from_dotlist(list(changes)))
    except OmegaConfBaseException as exc:
        raise ConfigError(f"explore error: {' '.join(str(exc).split()[:12])}") from None
    return {**data, "settings": OmegaConf.to_container(merged["settings"])}


def load_design(path: Path | str = DEFAULT_DESIGN, changes: Sequence[str] = ()) -> Design:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"explore error: {path}: cannot read ({exc.__class__.__name__})") from None
    return parse_design(apply_changes(data if isinstance(data, dict) else {}, changes), str(path))


def run_overrides(s: Settings) -> list[str]:
    """The overrides every run of the exploration gets first (run size, seed, quiet, one Numba thread)."""
    return [f"population.scale={s.scale!r}", f"run.replicates={s.replicates}", f"run.years={s.years!r}",
            f"run.burn_in_years={s.burn_in_years!r}", f"run.step_days={s.step_days}", f"run.seed={s.seed}",
            "run.threads=1", "run.progress=false", "output.figures=false", "output.headline=false",
            *s.base_overrides]


def check_design(design: Design) -> None:
    """Compose and validate the corners of the design with every policy: bad keys or values fail here, in one line."""
    from omegaconf import OmegaConf

    from simulation.analysis.parameter_space import check_keys
    from simulation.core.config import validate
    from simulation.runs.compose import load_config
    from simulation.runs.overrides import check_overrides

    base = run_overrides(design.settings)
    for name, overrides in design.policies.items():
        error = check_overrides([*base, *overrides])
        if error:
            raise ConfigError(f"explore error: policy {name}: {error}")
        cfg = load_config([*base, *overrides])
        if name == design.settings.reference_policy:
            check_keys(design.uncertainties, cfg)
        for corner in ("low", "high"):
            point = [f"{p.key}={getattr(p, corner)!r}" for p in design.uncertainties]
            try:
                validate(OmegaConf.merge(cfg, OmegaConf.from_dotlist(point)))
            except ConfigError as err:
                raise ConfigError(f"explore error: policy {name} with every uncertainty at its {corner} bound: {err}"
                                  ) from None


def sample_futures(design: Design) -> pd.DataFrame:
    """A Latin hypercube of ``settings.futures`` futures over the uncertainties (EMA Workbench's LHSSampler).

    The sampler draws from NumPy's global generator; it is seeded with ``settings.seed`` and the global state is
    restored afterwards, so the same design gives the same futures."""
    from ema_workbench import RealParameter
    from ema_workbench.em_framework.samplers import LHSSampler, sample_parameters

    params = [RealParameter(p.key, p.low, p.high) for p in design.uncertainties]
    state = np.random.get_state()
    try:
        np.random.seed(design.settings.seed)
        points = list(sample_parameters(params, design.settings.futures, LHSSampler()))
    finally:
        np.random.set_state(state)
    df = pd.DataFrame([{p.key: float(pt[p.key]) for p in design.uncertainties} for pt in points])
    df.insert(0, "future", np.arange(len(df)))
    return df


def experiments(design: Design, futures: pd.DataFrame) -> pd.DataFrame:
    """Every future crossed with every policy: one row (and one job, numbered ``job``) each, future-major."""
    rows = []
    keys = [p.key for p in design.uncertainties]
    for _, f in futures.iterrows():
        for policy, overrides in design.policies.items():
            point = [f"{k}={float(f[k])!r}" for k in keys]
            rows.append({"job": len(rows), "future": int(f["future"]), "policy": policy,
                         "overrides": [*overrides, *point]})
    return pd.DataFrame(rows)


def write_design(out_dir: Path, design: Design, futures: pd.DataFrame, exps: pd.DataFrame,
                 only: Sequence[int] | None = None) -> Path:
    """futures.csv, experiments.csv, the design as run (design.yaml) and the sweeper's job list; returns the latter."""
    out_dir.mkdir(parents=True, exist_ok=True)
    out.write_text(futures.to_csv(index=False), out_dir / FUTURES_FILE)
    flat = exps.assign(overrides=exps["overrides"].map(" ".join))
    out.write_text(flat.to_csv(index=False), out_dir / EXPERIMENTS_FILE)
    jobs = [{"num": int(r["job"]), "overrides": list(r["overrides"])} for _, r in exps.iterrows()
            if only is None or int(r["job"]) in set(only)]
    out.write_json({"jobs": jobs}, out_dir / JOBS_FILE)
    return out_dir / JOBS_FILE


def launch_command(out_dir: Path, design: Design, python: str = sys.executable) -> list[str]:
    """The multirun that runs the design's jobs (``python -m simulation -m ...`` with the design sweeper)."""
    return [python, "-m", "simulation", "-m", f"hydra.sweeper._target_={SWEEPER}",
            f"+hydra.sweeper.design={out_dir / JOBS_FILE}", f"hydra.sweep.dir={out_dir / RUNS_DIR}",
            "hydra.sweep.subdir=${hydra.job.num}", "~hydra.callbacks.sweep_aggregator",
            *design.settings.launcher, *run_overrides(design.settings)]


def shell(cmd: Sequence[str]) -> str:
    return " ".join(shlex.quote(c) for c in cmd)


def json_jobs(out_dir: Path) -> list[dict]:
    """The job list the sweeper runs (``design_jobs.json``)."""
    return json.loads((Path(out_dir) / JOBS_FILE).read_text(encoding="utf-8"))["jobs"]


def futures_from(out_dir: Path) -> pd.DataFrame:
    """The futures an exploration directory was run with."""
    return pd.read_csv(Path(out_dir) / FUTURES_FILE)


def record_runs(out_dir: Path, runs_command: str, seconds: float, command: str, design_source: Path | str) -> None:
    """Note in the manifest how the runs were made (kept by :func:`analyse`)."""
    path = Path(out_dir) / MANIFEST_FILE
    data = {}
    if path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
    data.update(runs_command=runs_command, runs_seconds=round(seconds, 1), command=command,
                design_source=data.get("design_source") or str(design_source))
    out.write_json(data, path)


# --------------------------------------------------------------------------------------------- outcomes


def job_status(run_dir: Path) -> str:
    """'complete', 'failed: <reason>', 'no manifest.json', 'incomplete' or 'directory absent'."""
    if not run_dir.is_dir():
        return "directory absent"
    if (run_dir / FAILED_FILE).is_file():
        lines = (run_dir / FAILED_FILE).read_text(encoding="utf-8", errors="replace").strip().splitlines()
        return f"failed: {lines[0] if lines else 'reason not recorded'}"
    if not (run_dir / out.MANIFEST).is_file():
        return "no manifest.json"
    try:
        return "complete" if out.read_manifest(run_dir).get("complete") is True else "incomplete"
    except (OSError, ValueError):
        return "incomplete"


def _replicate_values(run_dir: Path, settings: pol.PolicySettings, indicators: Sequence[str]) -> dict[str, np.ndarray]:
    """Per-replicate outcomes of one run: present net costs, gains (amounts) and indicators."""
    t = pol.read_run(run_dir, settings)
    vals = {"net_public_cost_pv": t.money[(pol.TOTAL, "net_cost", "present_value")]}
    for a in pol.AGENCIES:
        vals[f"net_cost_pv_{a}"] = t.money[(a, "net_cost", "present_value")]
    for g in pol.GAINS:
        vals[g] = t.gains[(g, "amount")]
    if indicators:
        ind = pd.read_parquet(run_dir / "indicators_by_replicate.parquet")
        ind["indicator"] = ind["indicator"].astype(str)
        for name in indicators:
            v = ind[ind["indicator"] == name].sort_values("replicate")["value"].to_numpy(float)
            vals[name] = v if v.size else np.full(len(t.replicates), np.nan)
    return vals


def read_outcomes(out_dir: Path, design: Design, exps: pd.DataFrame) -> pd.DataFrame:
    """One row per experiment: status, the mean over replicates of every outcome, and for each outcome its paired
    difference from the reference policy in the same future (``<outcome>_vs_reference``, with a 90 % CI)."""
    settings = pol.load_settings(discount_rate=design.settings.discount_rate)
    runs = out_dir / RUNS_DIR
    per_rep: dict[int, dict[str, np.ndarray]] = {}
    rows = []
    for _, e in exps.iterrows():
        run_dir = runs / str(int(e["job"]))
        status = job_status(run_dir)
        row = {"job": int(e["job"]), "future": int(e["future"]), "policy": e["policy"], "status": status,
               "run_dir": str(run_dir)}
        if status == "complete":
            try:
                per_rep[int(e["job"])] = _replicate_values(run_dir, settings, design.settings.indicators)
            except (pol.PolicyError, OSError, ValueError, KeyError) as err:
                row["status"] = f"unreadable: {one_line(err)}"
        rows.append(row)
    df = pd.DataFrame(rows)
    names = [*BASE_OUTCOMES, *design.settings.indicators]
    ref_policy = design.settings.reference_policy
    ref_job = {int(r["future"]): int(r["job"]) for _, r in df[df["policy"] == ref_policy].iterrows()}
    cols: dict[str, list[float]] = {c: [] for n in names
                                    for c in (n, f"{n}_vs_reference", f"{n}_vs_reference_ci90_low",
                                              f"{n}_vs_reference_ci90_high")}
    for _, r in df.iterrows():
        vals = per_rep.get(int(r["job"]))
        ref = per_rep.get(ref_job.get(int(r["future"]), -1))
        for n in names:
            cols[n].append(float(np.nanmean(vals[n])) if vals is not None and np.isfinite(vals[n]).any() else np.nan)
            if vals is not None and ref is not None:
                s = summarise_values(vals[n][:len(ref[n])] - ref[n][:len(vals[n])])
                d = (s["mean"], s["ci90_low"], s["ci90_high"])
            else:
                d = (np.nan, np.nan, np.nan)
            for suffix, v in zip(("", "_ci90_low", "_ci90_high"), d):
                cols[f"{n}_vs_reference{suffix}"].append(v)
    return pd.concat([df, pd.DataFrame(cols)], axis=1)


# --------------------------------------------------------------------------------------- discovery


def failure_table(outcomes: pd.DataFrame, design: Design, futures: pd.DataFrame) -> pd.DataFrame:
    """One row per criterion x policy x future: the outcome and whether the policy fails (complete runs only)."""
    rows = []
    ok = outcomes[outcomes["status"] == "complete"]
    for c in design.criteria:
        if c.outcome not in ok.columns:
            raise ConfigError(f"explore error: criterion {c.name}: outcome {c.outcome!r} unknown "
                              f"(outcomes: {', '.join(x for x in ok.columns if x.endswith('_vs_reference'))})")
        for policy in design.policies:
            if c.outcome.endswith("_vs_reference") and policy == design.settings.reference_policy:
                continue
            sub = ok[ok["policy"] == policy]
            for _, r in sub.iterrows():
                v = r[c.outcome]
                if not np.isfinite(v):
                    continue
                rows.append({"criterion": c.name, "policy": policy, "future": int(r["future"]), "value": float(v),
                             "fails": bool(c.fails(np.array([v]))[0])})
    return pd.DataFrame(rows, columns=["criterion", "policy", "future", "value", "fails"])


@dataclass
class BoxResult:
    """The PRIM box chosen for one criterion and policy."""

    limits: pd.DataFrame  # uncertainty, low, high, restricted, qp
    stats: dict[str, float]  # coverage, density, mass, n, k (failures in the box), res_dim, box id
    trajectory: pd.DataFrame  # id, coverage, density, mass, res_dim, n, k


def _dimension_qp(qp: dict, unc: str) -> float:
    """A restricted dimension's quasi-p-value: that of its more significant limit (NaN when none is given)."""
    vals = [float(v) for v in np.atleast_1d(qp.get(unc, [])) if v is not None and np.isfinite(v) and v >= 0]
    return min(vals) if vals else np.nan


def prim_box(x: pd.DataFrame, y: np.ndarray, prim_settings: PrimSettings) -> BoxResult:
    """PRIM (EMA Workbench) on futures ``x`` with failures ``y``.

    The box is the one of the peeling trajectory with the largest coverage among those whose density reaches the
    threshold (else the densest). Then, as the EMA Workbench's tutorials advise, restrictions that are not
    significant are dropped one at a time, the least significant first, while a restricted dimension's
    quasi-p-value exceeds ``qp_max``: with a few dozen futures PRIM otherwise shaves slivers off many dimensions.
    Each dropped restriction adds a box to the trajectory; the last one is the box reported."""
    from ema_workbench.analysis import prim
    from ema_workbench.analysis.scenario_discovery_util import _determine_restricted_dims

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = prim.Prim(x.reset_index(drop=True), np.asarray(y, dtype=bool), threshold=prim_settings.threshold,
                      peel_alpha=prim_settings.peel_alpha, mass_min=prim_settings.mass_min)
        box = p.find_box()
        traj = box.peeling_trajectory.reset_index(drop=True)
        ok = traj.index[traj["density"] >= prim_settings.threshold]
        i = int(traj.loc[ok, "coverage"].idxmax()) if len(ok) else int(traj["density"].idxmax())
        box.select(i)
        init = box.box_lims[0]
        peeled = len(traj)
        while prim_settings.qp_max is not None:
            dims = list(_determine_restricted_dims(box.box_lims[i], init))
            qps = {u: _dimension_qp(box.qp[i], u) for u in dims}
            weak = [u for u in dims if not qps[u] <= prim_settings.qp_max]
            if not weak:
                break
            worst = max(weak, key=lambda u: qps[u] if np.isfinite(qps[u]) else np.inf)
            box.drop_restriction(worst, i=i)
            i = len(box.box_lims) - 1
    traj = box.peeling_trajectory.reset_index(drop=True)
    lims = box.box_lims[i]
    rows = []
    for unc in x.columns:
        lo, hi = float(lims.loc[0, unc]), float(lims.loc[1, unc])
        lo0, hi0 = float(init.loc[0, unc]), float(init.loc[1, unc])
        restricted = bool(lo > lo0 or hi < hi0)
        rows.append({"uncertainty": unc, "low": lo, "high": hi, "range_low": lo0, "range_high": hi0,
                     "restricted": restricted, "qp": _dimension_qp(box.qp[i], unc) if restricted else np.nan})
    r = traj.loc[i]
    stats_out = {"box_id": int(i), "coverage": float(r["coverage"]), "density": float(r["density"]),
                 "mass": float(r["mass"]), "n": int(r["n"]), "k": int(r["k"]), "res_dim": int(r["res_dim"])}
    trajectory = traj[["id", "coverage", "density", "mass", "res_dim", "n", "k"]].assign(
        chosen=traj.index == i, step=np.where(traj.index < peeled, "peel", "drop restriction"))
    return BoxResult(pd.DataFrame(rows), stats_out, trajectory)


def cart_boxes(x: pd.DataFrame, y: np.ndarray, mass_min: float) -> pd.DataFrame:
    """The leaves of a CART tree (EMA Workbench) as boxes: per leaf its limits, coverage, density and mass."""
    from ema_workbench.analysis import cart

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # sklearn needs a leaf of at least one future: mass_min x futures >= 1
        c = cart.CART(x.reset_index(drop=True), np.asarray(y, dtype=bool),
                      mass_min=max(mass_min, 0.05, 1.0 / len(x) + 1e-9))
        c.build_tree()
    rows = []
    for leaf, (lims, st) in enumerate(zip(c.boxes, c.stats)):
        for unc in x.columns:
            rows.append({"leaf": leaf, "uncertainty": unc, "low": float(lims.loc[0, unc]),
                         "high": float(lims.loc[1, unc]), "coverage": float(st.get("coverage", np.nan)),
                         "density": float(st.get("density", np.nan)), "mass": float(st.get("mass", np.nan))})
    return pd.DataFrame(rows)


def feature_scores(x: pd.DataFrame, y: np.ndarray, seed: int) -> pd.Series:
    """How much each uncertainty explains the failures (extra trees, EMA Workbench's feature scoring)."""
    from ema_workbench.analysis import feature_scoring

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores, _ = feature_scoring.get_ex_feature_scores(x.reset_index(drop=True), np.asarray(y, dtype=int),
                                                              random_state=seed)
    return scores.iloc[:, 0]


def discover(failures: pd.DataFrame, futures: pd.DataFrame, design: Design) -> dict[str, pd.DataFrame]:
    """PRIM boxes, trajectories, CART leaves and feature scores for every criterion x policy with both outcomes."""
    keys = [p.key for p in design.uncertainties]
    boxes, trajs, carts, feats = [], [], [], []
    for (crit, policy), g in failures.groupby(["criterion", "policy"], sort=False):
        x = futures.set_index("future").loc[g["future"], keys]
        y = g["fails"].to_numpy(bool)
        base = {"criterion": crit, "policy": policy, "futures": int(len(y)), "failures": int(y.sum())}
        if y.all() or not y.any():
            boxes.append({**base, "uncertainty": "", "note": "fails in every future" if y.all() else
                          "fails in no future"})
            continue
        b = prim_box(x, y, design.settings.prim)
        for _, r in b.limits.iterrows():
            boxes.append({**base, **r.to_dict(), **b.stats, "note": ""})
        trajs.append(b.trajectory.assign(criterion=crit, policy=policy))
        carts.append(cart_boxes(x, y, design.settings.prim.mass_min).assign(criterion=crit, policy=policy))
        fs = feature_scores(x, y, design.settings.seed)
        feats.append(pd.DataFrame({"criterion": crit, "policy": policy, "uncertainty": fs.index, "score": fs.values}))
    cols_box = ["criterion", "policy", "futures", "failures", "uncertainty", "low", "high", "range_low", "range_high",
                "restricted", "qp", "box_id", "coverage", "density", "mass", "n", "k", "res_dim", "note"]
    return {
        PRIM_BOXES_FILE: pd.DataFrame(boxes).reindex(columns=cols_box),
        PRIM_TRAJECTORY_FILE: pd.concat(trajs, ignore_index=True) if trajs else pd.DataFrame(
            columns=["id", "coverage", "density", "mass", "res_dim", "n", "k", "chosen", "step", "criterion",
                     "policy"]),
        CART_FILE: pd.concat(carts, ignore_index=True) if carts else pd.DataFrame(
            columns=["leaf", "uncertainty", "low", "high", "coverage", "density", "mass", "criterion", "policy"]),
        FEATURES_FILE: pd.concat(feats, ignore_index=True) if feats else pd.DataFrame(
            columns=["criterion", "policy", "uncertainty", "score"]),
    }


# -------------------------------------------------------------------------------------------- robustness


def regret_table(outcomes: pd.DataFrame, design: Design) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per objective and policy: max, mean and 90th-percentile regret over the futures in which every policy
    ran, the share of futures in which the policy is best (ties shared), its mean outcome, and its rank by max
    regret (1 = most robust, minimax regret). Also the regret of every policy in every future."""
    ok = outcomes[outcomes["status"] == "complete"]
    rows, per_future = [], []
    for obj in design.robustness:
        if obj.outcome not in ok.columns:
            raise ConfigError(f"explore error: robustness outcome {obj.outcome!r} unknown")
        wide = ok.pivot(index="future", columns="policy", values=obj.outcome).dropna()
        if wide.empty:
            continue
        best = wide.min(axis=1) if obj.sense == "min" else wide.max(axis=1)
        regret = (wide.sub(best, axis=0)).abs()
        is_best = regret.eq(0)
        share = is_best.div(is_best.sum(axis=1), axis=0).mean()
        for policy in wide.columns:
            rows.append({"objective": obj.outcome, "sense": obj.sense, "policy": policy, "futures": len(wide),
                         "max_regret": float(regret[policy].max()), "mean_regret": float(regret[policy].mean()),
                         "p90_regret": float(regret[policy].quantile(0.9)), "share_best": float(share[policy]),
                         "mean_outcome": float(wide[policy].mean())})
        long = regret.reset_index().melt(id_vars="future", var_name="policy", value_name="regret")
        per_future.append(long.assign(objective=obj.outcome))
    table = pd.DataFrame(rows)
    if len(table):
        table["rank_minimax_regret"] = table.groupby("objective")["max_regret"].rank(method="min").astype(int)
    return table, (pd.concat(per_future, ignore_index=True) if per_future else pd.DataFrame(
        columns=["future", "policy", "regret", "objective"]))


# ---------------------------------------------------------------------------------------------- analysis


def analyse(out_dir: Path | str, draw: Callable[[Path], list[Path]] | None = None,
            command: str | None = None) -> dict[str, Any]:
    """Read the runs of an exploration directory and write the discovery and robustness tables (and figures)."""
    out_dir = Path(out_dir)
    if not (out_dir / DESIGN_COPY).is_file():
        raise ConfigError(f"explore error: {out_dir}: no {DESIGN_COPY} (not an exploration directory)")
    design = load_design(out_dir / DESIGN_COPY)
    futures = pd.read_csv(out_dir / FUTURES_FILE)
    exps = experiments(design, futures)
    outcomes = read_outcomes(out_dir, design, exps)
    failures = failure_table(outcomes, design, futures)
    tables = discover(failures, futures, design)
    regret, regret_future = regret_table(outcomes, design)
    files: dict[str, Path] = {}
    out.write_parquet(outcomes, out_dir / OUTCOMES_FILE)
    files[OUTCOMES_FILE] = out_dir / OUTCOMES_FILE
    for name, df in {FAILURES_FILE: failures, **tables, REGRET_FILE: regret,
                     REGRET_BY_FUTURE_FILE: regret_future}.items():
        out.write_text(df.to_csv(index=False), out_dir / name)
        files[name] = out_dir / name
    missing = outcomes[outcomes["status"] != "complete"]
    previous = {}
    if (out_dir / MANIFEST_FILE).is_file():
        try:
            previous = json.loads((out_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            previous = {}
    manifest = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "question": design.question,
        "design": str(out_dir / DESIGN_COPY),
        "design_source": previous.get("design_source", design.path),
        "settings": asdict(design.settings),
        "uncertainties": [asdict(p) for p in design.uncertainties],
        "policies": {k: list(v) for k, v in design.policies.items()},
        "criteria": [asdict(c) | {"text": c.text} for c in design.criteria],
        "robustness": [asdict(o) for o in design.robustness],
        "runs_command": previous.get("runs_command"),
        "command": command or previous.get("command"),
        "runs_seconds": previous.get("runs_seconds"),
        "experiments": int(len(outcomes)),
        "complete": int((outcomes["status"] == "complete").sum()),
        "missing": {str(int(r["job"])): r["status"] for _, r in missing.iterrows()},
        "run_dirs": {str(int(r["job"])): r["run_dir"] for _, r in outcomes.iterrows()},
        "git_revision": out.git_revision(Path(__file__).resolve().parent),
        "versions": {**out.versions(), **_versions("ema-workbench", "scikit-learn")},
        "files": sorted([*files, MANIFEST_FILE, DESIGN_COPY, FUTURES_FILE, EXPERIMENTS_FILE, JOBS_FILE]),
    }
    out.write_json(manifest, out_dir / MANIFEST_FILE)
    if draw is not None:
        for p in draw(out_dir):
            files[p.name] = p
        manifest["files"] = sorted([*manifest["files"], *(p.name for p in files.values() if p.suffix != ".csv"
                                                            and p.name not in manifest["files"])])
        out.write_json(manifest, out_dir / MANIFEST_FILE)
    files[MANIFEST_FILE] = out_dir / MANIFEST_FILE
    return {"out_dir": out_dir, "design": design, "outcomes": outcomes, "failures": failures, "regret": regret,
            "boxes": tables[PRIM_BOXES_FILE], "files": files, "missing": manifest["missing"]}


def _versions(*pkgs: str) -> dict[str, str]:
    from importlib import metadata

    res = {}
    for p in pkgs:
        try:
            res[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            res[p] = "not installed"
    return res


def summary_text(result: dict[str, Any]) -> str:
    """What the command prints: runs, the PRIM boxes and the robustness ranking."""
    design: Design = result["design"]
    outcomes = result["outcomes"]
    lines = [f"question: {design.question}" if design.question else "",
             f"{int((outcomes['status'] == 'complete').sum())} of {len(outcomes)} runs complete "
             f"({design.settings.futures} futures x {len(design.policies)} policies)"]
    boxes = result["boxes"]
    for c in design.criteria:
        lines.append(f"\nscenario discovery: {c.name} ({c.text})")
        for policy, g in boxes[boxes["criterion"] == c.name].groupby("policy", sort=False):
            first = g.iloc[0]
            if first["note"]:
                lines.append(f"  {policy}: {first['note']} ({first['failures']} of {first['futures']})")
                continue
            restricted = g[g["restricted"].astype(bool)]
            rule = " and ".join(f"{r['uncertainty']} in [{r['low']:.3g}, {r['high']:.3g}]"
                                for _, r in restricted.iterrows()) or "(no significant restriction: the failures are " \
                "spread over the futures)"
            lines.append(f"  {policy}: fails in {first['failures']} of {first['futures']} futures; PRIM box "
                         f"{rule}: coverage {first['coverage']:.2f}, density {first['density']:.2f}")
    reg = result["regret"]
    if len(reg):
        lines.append("\nrobustness (regret against the best policy of each future; rank 1 = smallest maximum regret)")
        for obj, g in reg.groupby("objective", sort=False):
            lines.append(f"  {obj} ({g['sense'].iloc[0]}):")
            for _, r in g.sort_values("rank_minimax_regret").iterrows():
                lines.append(f"    {r['rank_minimax_regret']}. {r['policy']:<24} max regret {r['max_regret']:.4g}, "
                             f"mean {r['mean_regret']:.4g}, best in {100 * r['share_best']:.0f} % of futures")
    lines.append("")
    lines += [f"  {p}" for p in result["files"].values()]
    return "\n".join(x for x in lines if x is not None)
