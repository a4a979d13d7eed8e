"""Calibration by the simulated method of moments: fit the free parameters to the published targets.

The targets (``configs/targets/domain.yaml``) are docs/domain.md's figures, each mapped to a model quantity
with the same definition and given a tolerance. The free parameters and the run settings are in
``configs/calibration/norway.yaml`` (the default; ``domain.yaml`` fits the white paper's figures alone,
``cycle_2008.yaml`` the business cycle). The objective is the weighted squared distance

    Q(theta) = sum_i ((m_i(theta) - target_i) / tolerance_i)^2

between the simulated moments m_i (means over Monte Carlo replicates) and the targets, so a target's
weight is 1/tolerance^2. Every evaluation uses the same seed (common random numbers): a person meets the
same draw for the same decision at every parameter value, so Q changes only through the parameters and is
smooth up to the small steps of whole persons changing state. It is minimised with
``scipy.optimize.least_squares`` (dogbox: a trust region that treats a parameter at its bound as fixed,
so a parameter the targets push to a bound gets there in one step, where trust-region reflective crawls)
on the residual vector in the unit cube of the bounds, with forward-difference Jacobians whose absolute
step (``diff_step``) is well above those steps.

Uncertainty of the fitted parameters: the SMM sandwich
``V = (G'G)^-1 G' S G (G'G)^-1`` with G the Jacobian of the residuals at the optimum and S the Monte Carlo
covariance of the residuals (replicate covariance / replicates). It is the spread of the estimate over
seeds; a refit on another seed moves the parameters by about this much. We use the sandwich, not refits on
independent seeds, because it costs no extra runs on a shared machine, and the refit check is done once
by hand (README). Beside it the report gives ``se_tolerance`` = sqrt(diag((G'G)^-1)): how far a
parameter may move while the fit stays within its tolerances (the targets' own uncertainty).

    python -m simulation.calibration                       # fit, write the preset and the report
    python -m simulation.calibration --start center --no-preset --out /tmp/cal   # a refit from another start

Outputs (atomic): ``configs/calibrated/<preset>.yaml`` (the preset that ``configs/config.yaml`` uses by
default) and ``outputs/calibration/<timestamp>/`` with ``fit_report.csv``, ``parameters.csv``,
``evaluations.csv``, ``calibration.json`` and ``fit_report.png`` (drawn from fit_report.csv).
"""
from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import optimize, stats

from simulation.analysis.parameter_space import Parameter, bounds, check_keys, parse_space
from simulation.core.config import ConfigError
from simulation.runs.atomic import atomic_write
from simulation.runs.outputs import write_json

REPO = Path(__file__).resolve().parents[2]  # the repository: simulation/analysis/ -> ../..
DEFAULT_SETTINGS = REPO / "configs" / "calibration" / "norway.yaml"  # the whole set: the default preset norway_2019
PRESET_DIR = REPO / "configs" / "calibrated"
REPORT_DIR = Path("outputs") / "calibration"
ROLES = ("fitted", "validation", "checked", "path", "not_measurable", "not_found")
COMPARED = ("fitted", "validation", "checked")  # roles compared with a model quantity in every evaluation
UNITS = ("share", "persons")
CI_LEVEL = 0.90
FAILED_RESIDUAL = 10.0  # residual of a moment no replicate could compute (no cases): far outside tolerance


# ---------------------------------------------------------------------------------------------- targets

@dataclass(frozen=True)
class Target:
    """One published figure, the model quantity it maps to and how close the model must come."""

    name: str
    value: float
    unit: str
    role: str
    source: str
    definition: str
    quantity: str | None = None
    tolerance: float | None = None
    domain_row: str = ""
    reason: str = ""  # why a not_measurable target cannot be measured

    @property
    def measurable(self) -> bool:
        return self.role in COMPARED


def load_targets(path: Path | str) -> list[Target]:
    """The targets file, validated: each target has a source, a definition, a role and (if measurable) a
    model quantity and a positive tolerance; a bad entry raises ConfigError naming it."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read targets ({exc.__class__.__name__})") from None
    entries = data.get("targets") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{path}: needs a non-empty list 'targets'")
    out: list[Target] = []
    for n, e in enumerate(entries):
        if not isinstance(e, dict) or not e.get("name"):
            raise ConfigError(f"{path}: targets[{n}]: needs a name")
        name = str(e["name"])
        where = f"{path}: {name}"
        required = (("publisher", "role", "unit") if e.get("role") == "not_found"
                    else ("source", "definition", "role", "unit"))
        for key in required:
            if not str(e.get(key) or "").strip():
                raise ConfigError(f"{where}.{key}: missing")
        role, unit = str(e["role"]), str(e["unit"])
        if role not in ROLES:
            raise ConfigError(f"{where}.role={role!r}: must be one of {', '.join(ROLES)}")
        if unit not in UNITS:
            raise ConfigError(f"{where}.unit={unit!r}: must be one of {', '.join(UNITS)}")
        if role == "not_found":
            if not str(e.get("not_found") or "").strip():
                raise ConfigError(f"{where}.not_found: say what was searched for and what turned up instead")
            out.append(Target(name, float("nan"), unit, role, str(e.get("source") or e["publisher"]),
                              str(e.get("definition") or ""), reason=str(e["not_found"])))
            continue
        try:
            value = float(e["value"])
        except (KeyError, TypeError, ValueError):
            raise ConfigError(f"{where}.value={e.get('value')!r}: must be a number") from None
        if unit == "share" and not 0.0 <= value <= 1.0:
            raise ConfigError(f"{where}.value={value!r}: a share must lie in [0, 1]")
        quantity, tol = e.get("quantity"), e.get("tolerance")
        if role == "path":
            out.append(Target(name, value, unit, role, str(e["source"]), str(e["definition"]),
                              reason=str(e.get("note", ""))))
            continue
        if role == "not_measurable":
            if not str(e.get("reason") or "").strip():
                raise ConfigError(f"{where}.reason: a not_measurable target must say why")
            out.append(Target(name, value, unit, role, str(e["source"]), str(e["definition"]),
                              domain_row=str(e.get("domain_row", "")), reason=str(e["reason"])))
            continue
        if not quantity:
            raise ConfigError(f"{where}.quantity: missing (the model quantity it maps to)")
        try:
            tol = float(tol)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}.tolerance={tol!r}: must be a positive number") from None
        if not (np.isfinite(tol) and tol > 0):
            raise ConfigError(f"{where}.tolerance={tol!r}: must be a positive number")
        out.append(Target(name, value, unit, role, str(e["source"]), str(e["definition"]), str(quantity), tol,
                          str(e.get("domain_row", "")), str(e.get("reason", ""))))
    names = [t.name for t in out]
    dup = sorted({x for x in names if names.count(x) > 1})
    if dup:
        raise ConfigError(f"{path}: target {dup[0]} is listed twice")
    if not any(t.role == "fitted" for t in out):
        raise ConfigError(f"{path}: no target has role fitted")
    return out


# ---------------------------------------------------------------------------------------------- moments

def _immigrant_share_of_measure_participants(results) -> np.ndarray:
    """Immigrant share among persons in work-oriented measures and AMO courses, final year, per replicate."""
    from simulation.core.states import State
    from simulation.runs.indicators import final_year_steps

    raw = results.raw
    fy = final_year_steps(raw)
    cols = [int(State.WORK_MEASURE), int(State.AMO_COURSE)]
    stock = raw.stocks[:, fy][:, :, cols, :].sum(axis=2).mean(axis=1).astype(np.float64)  # [R, groups]
    yes = raw.groups.index(("immigrant", "yes"))
    out = np.full(stock.shape[0], np.nan)
    np.divide(stock[:, yes], stock[:, 0], out=out, where=stock[:, 0] > 0)
    return out


def _training_measures_total(results) -> np.ndarray:
    p = results.per_replicate
    return sum(p[n][1] for n in ("in_amo_course_final_year", "in_nav_bought_adult_vgo_final_year",
                                 "in_nav_bought_tertiary_final_year"))


# Moments that are not indicators of simulation/indicators.py, computed here from the same results.
MOMENTS: dict[str, Callable] = {
    "immigrant_share_of_measure_participants": _immigrant_share_of_measure_participants,
    "nav_training_measures_total": _training_measures_total,
}


def year_moment(results, quantity: str) -> np.ndarray:
    """``name@2009``: a public quantity in one calendar year of the run; ``name@2009-2008``: its change between
    two years (per replicate; the change of a rate is in its own unit, e.g. a share)."""
    from simulation.runs.public import in_year

    name, _, years = quantity.partition("@")
    a, _, b = years.partition("-")
    try:
        value = in_year(results.raw, results.config, name, int(a))
        return value - in_year(results.raw, results.config, name, int(b)) if b else value
    except ValueError as exc:
        raise ConfigError(f"quantity {quantity!r}: {exc}") from None


def moment_values(results, quantity: str) -> np.ndarray:
    """A model quantity, one value per replicate: an indicator, a moment of MOMENTS, or a public quantity in
    a calendar year (``name@2009``, ``name@2009-2008``)."""
    if "@" in quantity:
        return np.asarray(year_moment(results, quantity), dtype=np.float64)
    if quantity in MOMENTS:
        return np.asarray(MOMENTS[quantity](results), dtype=np.float64)
    if quantity in results.per_replicate:
        return np.asarray(results.per_replicate[quantity][1], dtype=np.float64)
    raise ConfigError(f"quantity {quantity!r}: neither an indicator nor a calibration moment "
                      f"({', '.join(sorted(MOMENTS))})")


# ---------------------------------------------------------------------------------------------- settings

@dataclass(frozen=True)
class FreeParameter:
    """A parameter of the space, and the destination share that absorbs its changes (if any)."""

    param: Parameter
    balance: str | None = None


@dataclass
class Settings:
    """What a calibration fits and how: parameters, targets, run overrides, optimiser, preset name."""

    parameters: list[FreeParameter]
    targets: list[Target]
    overrides: list[str]
    max_evaluations: int = 100
    method: str = "dogbox"  # scipy's least_squares method: dogbox (active bounds) or trf
    diff_step: float = 0.05
    xtol: float = 0.002
    ftol: float = 0.001
    restart_tol: float = 0.01  # restart least_squares from the best point until it gains less than this (relative)
    workers: int = 1  # processes that evaluate a Jacobian's points side by side (each runs the kernel on 1 thread)
    preset: str = "domain_2020"
    extends: str = ""  # an option of the preset's own config group that the preset starts from (its defaults list)
    source: str = ""
    targets_path: str = ""

    @property
    def space(self) -> list[Parameter]:
        return [f.param for f in self.parameters]

    @property
    def fitted(self) -> list[Target]:
        return [t for t in self.targets if t.role == "fitted"]


def load_settings(path: Path | str = DEFAULT_SETTINGS, targets: Path | str | None = None) -> Settings:
    """Read a calibration settings file (and its targets); bad entries raise ConfigError naming the key."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read calibration settings ({exc.__class__.__name__})") from None
    if not isinstance(data, dict) or "parameters" not in data:
        raise ConfigError(f"{path}: needs 'parameters' (a parameter space) and 'settings'")
    space = parse_space(data["parameters"], f"{path}:parameters")
    free = []
    for p, e in zip(space, data["parameters"]):
        bal = e.get("balance")
        if bal is not None and p.key.rsplit(".", 1)[0] != str(bal).rsplit(".", 1)[0]:
            raise ConfigError(f"{path}:parameters.{p.key}.balance={bal!r}: must be a share of the same set")
        free.append(FreeParameter(p, None if bal is None else str(bal)))
    s = data.get("settings") or {}
    if not isinstance(s, dict):
        raise ConfigError(f"{path}:settings: must be a mapping")
    opt = s.get("optimiser") or {}
    if opt.get("method", "least_squares") != "least_squares":
        raise ConfigError(f"{path}:settings.optimiser.method={opt.get('method')!r}: only least_squares is supported")
    if opt.get("variant", "dogbox") not in ("dogbox", "trf"):
        raise ConfigError(f"{path}:settings.optimiser.variant={opt.get('variant')!r}: must be dogbox or trf")
    tpath = Path(targets) if targets is not None else REPO / str(s.get("targets", "configs/targets/domain.yaml"))
    out = Settings(free, load_targets(tpath), [str(o) for o in (s.get("overrides") or [])],
                   source=str(path), targets_path=str(tpath))
    for key, conv, lo in (("max_evaluations", int, 1), ("diff_step", float, 1e-6), ("xtol", float, 0.0),
                          ("ftol", float, 0.0), ("restart_tol", float, 0.0), ("workers", int, 1)):
        if key in opt:
            try:
                v = conv(opt[key])
            except (TypeError, ValueError):
                raise ConfigError(f"{path}:settings.optimiser.{key}={opt[key]!r}: must be a number") from None
            if not v >= lo:
                raise ConfigError(f"{path}:settings.optimiser.{key}={v!r}: must be at least {lo}")
            setattr(out, key, v)
    out.method = str(opt.get("variant", "dogbox"))
    if "preset" in s:
        out.preset = str(s["preset"])
        if not out.preset.replace("_", "").isalnum():
            raise ConfigError(f"{path}:settings.preset={out.preset!r}: use letters, digits and _ only")
    if "extends" in s:
        out.extends = str(s["extends"])
        if not out.extends.replace("_", "").isalnum():
            raise ConfigError(f"{path}:settings.extends={out.extends!r}: use letters, digits and _ only")
    return out


# ---------------------------------------------------------------------------------------------- objective

@dataclass
class Evaluation:
    """One model run at a parameter point: per-replicate values of every measurable target's quantity."""

    theta: np.ndarray
    values: dict[str, np.ndarray]
    residuals: np.ndarray
    seconds: float

    @property
    def objective(self) -> float:
        return float(np.sum(self.residuals ** 2))


class BudgetExhausted(Exception):
    """The optimiser asked for more model runs than max_evaluations."""


@dataclass
class Objective:
    """Residuals (m - target)/tolerance of the fitted targets as a function of the free parameters.

    Parameters are passed in the unit cube of their bounds (u in [0, 1]^k); every run uses the settings'
    overrides, hence the same seed (common random numbers). Runs are cached by parameter point.
    """

    settings: Settings
    progress: bool = True
    base_values: dict[str, float] = field(default_factory=dict)
    evaluations: list[Evaluation] = field(default_factory=list)
    limit: int = 0  # runs allowed so far (0: max_evaluations); the fit keeps some for the final Jacobian
    _cache: dict[tuple, Evaluation] = field(default_factory=dict)
    _executor: object = None

    def __post_init__(self) -> None:
        from simulation.runs.compose import load_config

        cfg = load_config(self.settings.overrides)
        check_keys(self.settings.space, cfg)
        from omegaconf import OmegaConf

        for f in self.settings.parameters:
            if f.balance:
                for key in (f.param.key, f.balance):
                    v = OmegaConf.select(cfg, key, default=None)
                    if v is None:
                        raise ConfigError(f"{key}: not a key of the composed config")
                    self.base_values[key] = float(v)
        self.lo, self.hi = bounds(self.settings.space).T

    def theta(self, u: np.ndarray) -> np.ndarray:
        return self.lo + np.clip(u, 0.0, 1.0) * (self.hi - self.lo)

    def unit(self, theta: np.ndarray) -> np.ndarray:
        return (np.asarray(theta, dtype=np.float64) - self.lo) / (self.hi - self.lo)

    def overrides(self, theta: np.ndarray) -> list[str]:
        """The config overrides for a parameter point, destination shares balanced so they still sum to 1."""
        out, shift = [], {}
        for f, v in zip(self.settings.parameters, theta):
            out.append(f"{f.param.key}={float(v)!r}")
            if f.balance:
                shift[f.balance] = shift.get(f.balance, 0.0) + float(v) - self.base_values[f.param.key]
        for key, d in shift.items():
            rest = self.base_values[key] - d
            if rest < -1e-12:  # below zero by more than the rounding of the sums
                raise ConfigError(f"{key}={rest:.4g}: the balanced share would be negative; narrow the bounds of "
                                  "the shares it balances")
            out.append(f"{key}={max(rest, 0.0)!r}")
        return out

    def evaluate(self, theta: np.ndarray) -> Evaluation:
        """Run the model at theta (cached) and compute the residuals of the fitted targets."""
        return self.evaluate_many([theta])[0]

    def evaluate_many(self, thetas: Sequence[np.ndarray]) -> list[Evaluation]:
        """Run the model at several points (cached ones are not run again), side by side in ``workers``
        processes when there is more than one to run; returns their evaluations in order."""
        thetas = [np.asarray(th, dtype=np.float64) for th in thetas]
        todo: dict[tuple, np.ndarray] = {}
        for th in thetas:
            key = tuple(np.round(th, 12))
            if key not in self._cache and key not in todo:
                todo[key] = th
        if len(self.evaluations) + len(todo) > (self.limit or self.settings.max_evaluations):
            raise BudgetExhausted
        quantities = {t.name: t.quantity for t in self.settings.targets if t.measurable}
        jobs = [[*self.settings.overrides, *self.overrides(th)] for th in todo.values()]
        t0 = time.perf_counter()
        if self.settings.workers > 1 and len(jobs) > 1:
            outputs = list(self._pool().map(_evaluate_point, jobs, [quantities] * len(jobs)))
        else:
            outputs = [_evaluate_point(job, quantities) for job in jobs]
        seconds = (time.perf_counter() - t0) / max(1, len(jobs))
        for (key, th), values in zip(todo.items(), outputs):
            self._record(key, th, values, seconds)
        return [self._cache[tuple(np.round(th, 12))] for th in thetas]

    def _pool(self):
        if self._executor is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self._executor = ProcessPoolExecutor(self.settings.workers, mp_context=multiprocessing.get_context("spawn"))
        return self._executor

    def close(self) -> None:
        """Stop the worker processes (if any)."""
        if self._executor is not None:
            self._executor.shutdown()
            self._executor = None

    def _record(self, key: tuple, theta: np.ndarray, values: dict[str, np.ndarray], seconds: float) -> Evaluation:
        res = []
        for t in self.settings.fitted:
            m = np.nanmean(values[t.name]) if np.isfinite(values[t.name]).any() else np.nan
            res.append((m - t.value) / t.tolerance if np.isfinite(m) else FAILED_RESIDUAL)
        ev = Evaluation(theta, values, np.asarray(res), seconds)
        self._cache[key] = ev
        self.evaluations.append(ev)
        if self.progress:
            best = min(e.objective for e in self.evaluations)
            pts = " ".join(f"{v:.4g}" for v in theta)
            print(f"  run {len(self.evaluations):3d}/{self.settings.max_evaluations:<3d}  Q = {ev.objective:9.3f}"
                  f"  (best {best:8.3f})  {ev.seconds:4.1f} s  [{pts}]", flush=True)
        return ev

    def residuals(self, u: np.ndarray) -> np.ndarray:
        return self.evaluate(self.theta(u)).residuals


def _evaluate_point(overrides: list[str], quantities: dict[str, str]) -> dict[str, np.ndarray]:
    """One model run (in this process or a worker): the per-replicate values of the quantities asked for."""
    from simulation.runs.compose import load_config
    from simulation.runs.results import run

    results = run(load_config(overrides), progress=False)
    return {name: moment_values(results, q) for name, q in quantities.items()}


# ---------------------------------------------------------------------------------------------- fit

@dataclass
class Fit:
    """The result of a calibration: best point, its evaluation, standard errors and the optimiser's message."""

    theta: np.ndarray
    best: Evaluation
    start: np.ndarray
    se_mc: np.ndarray
    se_tolerance: np.ndarray
    message: str
    evaluations: list[Evaluation]
    seconds: float


def start_point(objective: Objective, start: str, seed: int = 0) -> np.ndarray:
    """Where the optimiser starts: 'uncalibrated' (the values in configs without a preset), 'center' of the
    bounds, or 'random' (uniform in the bounds, from seed)."""
    space = objective.settings.space
    if start == "uncalibrated" or start.startswith("preset:"):
        from omegaconf import OmegaConf

        from simulation.runs.compose import load_config

        cfg = load_config(objective.settings.overrides)
        theta = np.array([float(OmegaConf.select(cfg, p.key)) for p in space])
        if start.startswith("preset:"):  # a warm start: the preset's values where it has the key
            name = start.split(":", 1)[1]
            path = PRESET_DIR / f"{name}.yaml"
            if not path.is_file():
                raise ConfigError(f"--start={start!r}: no preset {path}")
            preset = OmegaConf.load(path)
            theta = np.array([float(v) if (v := OmegaConf.select(preset, p.key)) is not None else t
                              for p, t in zip(space, theta)])
        return np.clip(theta, objective.lo, objective.hi)
    if start == "center":
        return objective.theta(np.full(len(space), 0.5))
    if start == "random":
        return objective.theta(np.random.default_rng(seed).uniform(0.1, 0.9, len(space)))
    raise ConfigError(f"--start={start!r}: must be uncalibrated, preset:NAME, center or random")


def unit_jacobian(objective: Objective, u0: np.ndarray) -> np.ndarray:
    """Forward-difference Jacobian of the residuals in the unit cube, with the absolute step diff_step
    (backwards near the upper bound). An absolute step, not scipy's relative one: a relative step shrinks
    near the lower bound until it is smaller than the jumps of the CRN objective. Reuses cached runs."""
    u0 = np.clip(np.asarray(u0, dtype=np.float64), 0.0, 1.0)
    h = objective.settings.diff_step
    points, steps = [u0], []
    for j in range(len(u0)):
        u = u0.copy()
        step = h if u0[j] + h <= 1.0 else -h
        u[j] += step
        points.append(u)
        steps.append(step)
    evals = objective.evaluate_many([objective.theta(u) for u in points])
    r0 = evals[0].residuals
    return np.column_stack([(ev.residuals - r0) / step for ev, step in zip(evals[1:], steps)])


def jacobian(objective: Objective, theta: np.ndarray) -> np.ndarray:
    """The Jacobian of the residuals in parameter units (see unit_jacobian)."""
    return unit_jacobian(objective, objective.unit(theta)) / (objective.hi - objective.lo)


def standard_errors(objective: Objective, best: Evaluation, jac: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SMM sandwich standard errors from the Monte Carlo covariance of the moments, and the tolerance-implied ones."""
    fitted = objective.settings.fitted
    reps = np.column_stack([best.values[t.name] / t.tolerance for t in fitted])  # [R, moments]
    ok = np.isfinite(reps).all(axis=1)
    n = int(ok.sum())
    S = np.cov(reps[ok], rowvar=False) / n if n >= 2 else np.full((len(fitted),) * 2, np.nan)
    bread = np.linalg.pinv(jac.T @ jac)
    v_mc = bread @ jac.T @ np.atleast_2d(S) @ jac @ bread
    se_mc, se_tol = np.sqrt(np.clip(np.diag(v_mc), 0, None)), np.sqrt(np.clip(np.diag(bread), 0, None))
    flat = np.linalg.norm(jac, axis=0) < 1e-12  # the moments did not move at all: the parameter is not identified here
    se_mc[flat] = se_tol[flat] = np.inf
    return se_mc, se_tol


def fit(settings: Settings, start: str = "uncalibrated", seed: int = 0, progress: bool = True) -> Fit:
    """Minimise the weighted squared distance between simulated moments and targets (see module docstring)."""
    t0 = time.perf_counter()
    obj = Objective(settings, progress=progress)
    theta0 = start_point(obj, start, seed)
    if progress:
        print(f"calibration: {len(settings.space)} parameters, {len(settings.fitted)} fitted targets, "
              f"at most {settings.max_evaluations} model runs; start = {start}", flush=True)
    # the budget is split: the last k runs are kept for the Jacobian at the best point (standard errors)
    k = len(settings.space)
    obj.limit = max(1, settings.max_evaluations - k)
    # least_squares stops when its trust region has shrunk below xtol, which on a CRN objective (flat between
    # the small steps of whole persons changing state) can happen early; restarting it from the best point with
    # a fresh trust region continues until a restart improves the objective by less than restart_tol (relative)
    messages: list[str] = []
    u, q_before = obj.unit(theta0), np.inf
    try:
        while True:
            res = optimize.least_squares(obj.residuals, u, jac=lambda x: unit_jacobian(obj, x),
                                         bounds=(0.0, 1.0), method=settings.method, x_scale=1.0, xtol=settings.xtol,
                                         ftol=settings.ftol, max_nfev=10 * settings.max_evaluations)
            messages.append(res.message)
            best = min(obj.evaluations, key=lambda e: e.objective)
            if q_before - best.objective <= settings.restart_tol * best.objective:
                break
            q_before, u = best.objective, obj.unit(best.theta)
            if progress:
                print(f"  restart from the best point (Q = {best.objective:.3f})", flush=True)
    except BudgetExhausted:
        messages.append(f"stopped after {obj.limit} model runs (max_evaluations less {k} for the final Jacobian); "
                        "best point kept")
    message = f"{len(messages)} least_squares pass(es); last: {messages[-1] if messages else 'none'}"
    best = min(obj.evaluations, key=lambda e: e.objective)
    obj.limit = obj.limit + k + 1
    try:
        jac = jacobian(obj, best.theta)
    finally:
        obj.close()
    se_mc, se_tol = standard_errors(obj, best, jac)
    return Fit(best.theta, best, theta0, se_mc, se_tol, str(message), list(obj.evaluations),
               time.perf_counter() - t0)


# ---------------------------------------------------------------------------------------------- report

BOUNDS = {"share": (0.0, 1.0), "persons": (0.0, np.inf)}


def _interval(values: np.ndarray, unit: str) -> tuple[float, float, float, int]:
    v = values[np.isfinite(values)]
    if v.size == 0:
        return np.nan, np.nan, np.nan, 0
    m = float(v.mean())
    if v.size < 2:
        return m, np.nan, np.nan, int(v.size)
    half = float(stats.t.ppf(0.5 + CI_LEVEL / 2, v.size - 1)) * float(v.std(ddof=1)) / np.sqrt(v.size)
    lo, hi = BOUNDS[unit]
    return m, max(m - half, lo), min(m + half, hi), int(v.size)


def fit_table(settings: Settings, best: Evaluation) -> pd.DataFrame:
    """One row per target: target, tolerance, simulated mean with its 90 % interval, within tolerance, status."""
    rows = []
    for t in settings.targets:
        row = {"target": t.name, "role": t.role, "unit": t.unit, "value": t.value, "tolerance": t.tolerance,
               "quantity": t.quantity, "simulated_mean": np.nan, "ci90_low": np.nan, "ci90_high": np.nan,
               "n_valid": 0, "deviation_in_tolerances": np.nan, "within_tolerance": "", "status": "", "note": ""}
        if not t.measurable:
            row.update(within_tolerance="n/a", status="not measurable", note=t.reason)
        else:
            m, lo, hi, n = _interval(best.values[t.name], t.unit)
            row.update(simulated_mean=m, ci90_low=lo, ci90_high=hi, n_valid=n)
            if np.isfinite(m):
                d = (m - t.value) / t.tolerance
                ok = abs(d) <= 1.0
                row.update(deviation_in_tolerances=d, within_tolerance="yes" if ok else "no",
                           status="met" if ok else "not met")
            else:
                row.update(within_tolerance="no", status="not met", note="no replicate had a case")
        row["source"] = t.source
        rows.append(row)
    return pd.DataFrame(rows)


def parameter_table(settings: Settings, f: Fit) -> pd.DataFrame:
    """One row per free parameter: bounds, start, fitted value, Monte Carlo and tolerance standard errors."""
    rows = []
    for j, fp in enumerate(settings.parameters):
        p = fp.param
        near = 0.01 * (p.high - p.low)  # within 1 % of the range: the bound, not the targets, decides
        at_bound = "low" if f.theta[j] - p.low <= near else "high" if p.high - f.theta[j] <= near else ""
        rows.append({"parameter": p.key, "low": p.low, "high": p.high, "start": f.start[j], "value": f.theta[j],
                     "se_mc": f.se_mc[j], "se_tolerance": f.se_tolerance[j], "at_bound": at_bound,
                     "balance": fp.balance or "", "note": p.note})
    return pd.DataFrame(rows)


def unmet_explanations(table: pd.DataFrame) -> dict[str, str]:
    """Why known targets are missed (filled into the report's note column when they are)."""
    return {
        "nav_training_measures_higher_education_dec2020":
            "higher education as a measure is open only to persons over 22 with reduced work ability and completed "
            "VGO (the rule), while the education-path share after assessment is common to all; the stock is capped "
            "by how many such persons pass through assessment",
        "immigrants_among_registered_unemployed_q4_2020":
            "the model's immigrants differ from natives only by multipliers on job finding and layoffs; the two "
            "immigrant targets pull these the same way, so the fit trades one against the other",
        "immigrants_among_measure_participants_q4_2020":
            "NAV prioritises immigrants from outside the EEA for measures ([MeldSt32-2021]), but the model moves "
            "job seekers into assessment and measures at the same rate whatever their background, so the immigrant "
            "share among participants follows (and stays a little below) their share among job seekers; a higher "
            "share needs an immigrant multiplier on the assessment rate, which the model does not have",
    }


def _relative(path: str | Path) -> str:
    """A path relative to the repository when it lies inside it (presets and reports name files portably)."""
    try:
        return str(Path(path).resolve().relative_to(REPO))
    except ValueError:
        return str(path)


def _yaml_key(key: str) -> str:
    """A mapping key as YAML reads it back unchanged: quoted where YAML would read something else (an age band
    such as 30_49 is the integer 3049 to YAML 1.1)."""
    return key if yaml.safe_load(key) == key else json.dumps(key)


def preset_text(settings: Settings, objective_overrides: list[str], report_dir: Path, f: Fit, when: str) -> str:
    """The preset as YAML: every fitted key with a comment naming the command, the date and the report."""
    pars = {fp.param.key: (j, fp) for j, fp in enumerate(settings.parameters)}
    lines = ["# @package _global_",
             f"# Calibrated parameters (preset {settings.preset}): written by `python -m simulation.calibration`, "
             f"{when}.",
             f"# Fit report: fit_report.csv in the run's report directory ({Path(report_dir).name}). "
             f"Targets: {_relative(settings.targets_path)}. "
             "Do not edit by hand;",
             "# recalibrate instead (README, Calibration). `calibrated=none` runs the model without this preset."]
    if settings.extends:  # the values not fitted come from the option the fit started from
        lines += ["defaults:", f"  - {settings.extends}", "  - _self_"]
    tree: dict = {}
    for o in objective_overrides:
        key, val = o.split("=", 1)
        if key in pars:
            j, fp = pars[key]
            comment = (f"calibrated by `python -m simulation.calibration`, {when}, see report; "
                       f"SE (Monte Carlo) {f.se_mc[j]:.3g}, bounds [{fp.param.low:g}, {fp.param.high:g}]")
        else:
            comment = f"balances the calibrated shares of its set (sum 1), {when}, see report"
        node = tree
        parts = key.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = (round(float(val), 6), comment)

    def emit(node: dict, indent: int) -> None:
        for k, v in node.items():
            if isinstance(v, dict):
                lines.append(" " * indent + f"{_yaml_key(k)}:")
                emit(v, indent + 2)
            else:
                lines.append(" " * indent + f"{_yaml_key(k)}: {v[0]!r}  # {v[1]}")

    emit(tree, 0)
    return "\n".join(lines) + "\n"


def write_outputs(settings: Settings, f: Fit, out_dir: Path, preset_dir: Path | None, start: str, seed: int,
                  draw: Callable[[Path], Path] | None = None) -> dict:
    """Write the report directory and (unless preset_dir is None) the preset; every file atomically.
    ``draw`` draws the fit figure from the report directory's files."""
    out_dir = Path(out_dir)
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    obj = Objective(settings, progress=False)
    # the preset holds 6 decimals; the balanced shares are computed from the rounded values, so a set of
    # destination shares still sums to 1 to within float error (config validation checks the sum)
    ovr = obj.overrides(np.round(f.theta, 6))
    table = fit_table(settings, f.best)
    why = unmet_explanations(table)
    miss = table["status"] == "not met"
    table.loc[miss, "note"] = [why.get(t, "outside its tolerance at the best fit") if not n else n
                               for t, n in zip(table.loc[miss, "target"], table.loc[miss, "note"])]
    params = parameter_table(settings, f)
    trace = pd.DataFrame([{"run": i + 1, "objective": e.objective, "seconds": e.seconds,
                           **{p.key: v for p, v in zip(settings.space, e.theta)}}
                          for i, e in enumerate(f.evaluations)])
    atomic_write(out_dir / "fit_report.csv", lambda tmp: table.to_csv(tmp, index=False))
    atomic_write(out_dir / "parameters.csv", lambda tmp: params.to_csv(tmp, index=False))
    atomic_write(out_dir / "evaluations.csv", lambda tmp: trace.to_csv(tmp, index=False))
    written = {"fit_report": str(out_dir / "fit_report.csv"), "parameters": str(out_dir / "parameters.csv"),
               "evaluations": str(out_dir / "evaluations.csv")}
    if draw is not None:
        written["figure"] = str(draw(out_dir))
    text = preset_text(settings, ovr, out_dir, f, when)
    atomic_write(out_dir / f"{settings.preset}.yaml", lambda tmp: tmp.write_text(text, encoding="utf-8"))
    if preset_dir is not None:
        atomic_write(Path(preset_dir) / f"{settings.preset}.yaml", lambda tmp: tmp.write_text(text, encoding="utf-8"))
        written["preset"] = str(Path(preset_dir) / f"{settings.preset}.yaml")
    meta = {"created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "settings": _relative(settings.source),
            "targets": _relative(settings.targets_path), "overrides": settings.overrides, "start": start,
            "start_seed": seed,
            "start_point": dict(zip([p.key for p in settings.space], map(float, f.start))),
            "fitted": dict(zip([p.key for p in settings.space], map(float, f.theta))),
            "preset_overrides": ovr, "objective": f.best.objective, "model_runs": len(f.evaluations),
            "optimiser": {"method": f"scipy.optimize.least_squares ({settings.method})",
                          "diff_step": settings.diff_step,
                          "xtol": settings.xtol, "ftol": settings.ftol, "restart_tol": settings.restart_tol,
                          "max_evaluations": settings.max_evaluations,
                          "message": f.message},
            "standard_errors": "se_mc: SMM sandwich with the replicate covariance of the moments; se_tolerance: "
                               "sqrt(diag((G'G)^-1)) with residuals in tolerances",
            "targets_met": int((table["status"] == "met").sum()),
            "targets_not_met": table.loc[table["status"] == "not met", "target"].tolist(),
            "targets_not_measurable": table.loc[table["status"] == "not measurable", "target"].tolist(),
            "seconds": f.seconds, "files": written}
    from simulation.runs.outputs import git_revision

    meta["git_revision"] = git_revision(REPO)
    write_json(meta, out_dir / "calibration.json")
    return meta


def format_report(settings: Settings, f: Fit, meta: dict) -> str:
    """The fit table and the parameters as text (printed at the end of a calibration)."""
    table = pd.read_csv(meta["files"]["fit_report"])
    params = pd.read_csv(meta["files"]["parameters"])

    def fmt(unit, x):
        if not np.isfinite(x):
            return "-"
        return f"{100 * x:.1f} %" if unit == "share" else f"{x:,.0f}"

    lines = [f"{'target':<48} {'target':>9} {'± tol':>8} {'simulated':>10} {'90 % CI':>21}  status"]
    for _, r in table.iterrows():
        ci = (f"[{fmt(r['unit'], r['ci90_low'])}, {fmt(r['unit'], r['ci90_high'])}]"
              if r["role"] != "not_measurable" else "")
        tol = fmt(r["unit"], r["tolerance"]) if np.isfinite(r["tolerance"]) else "-"
        lines.append(f"{r['target']:<48} {fmt(r['unit'], r['value']):>9} {tol:>8} "
                     f"{fmt(r['unit'], r['simulated_mean']):>10} {ci:>21}  {r['status']}"
                     + (" (checked)" if r["role"] == "checked" else ""))
    lines.append("")
    lines.append(f"{'parameter':<44} {'value':>9} {'se_mc':>9} {'se_tol':>9} {'start':>9}")
    for _, r in params.iterrows():
        lines.append(f"{r['parameter']:<44} {r['value']:>9.4g} {r['se_mc']:>9.2g} {r['se_tolerance']:>9.2g} "
                     f"{r['start']:>9.4g} {r['at_bound'] if isinstance(r['at_bound'], str) else ''}")
    lines.append(f"\nobjective {f.best.objective:.3f} after {len(f.evaluations)} model runs, {f.seconds:.0f} s; "
                 f"{f.message}")
    return "\n".join(lines)


def compare(report_a: Path | str, report_b: Path | str) -> pd.DataFrame:
    """Two calibrations' parameters side by side, their difference in units of each standard error (the larger
    of the two runs'). Used to check that a refit from another start lands within the reported uncertainty."""
    a = pd.read_csv(Path(report_a) / "parameters.csv").set_index("parameter")
    b = pd.read_csv(Path(report_b) / "parameters.csv").set_index("parameter")
    out = pd.DataFrame({"value_a": a["value"], "value_b": b["value"]}).dropna()
    out["difference"] = out["value_b"] - out["value_a"]
    for se in ("se_mc", "se_tolerance"):
        out[f"in_{se}"] = out["difference"].abs() / np.maximum(a[se], b[se]).reindex(out.index)
    return out.reset_index()
