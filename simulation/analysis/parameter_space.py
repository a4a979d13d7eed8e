"""Named, bounded model parameters for calibration and sensitivity analysis.

A parameter space is a YAML list of entries ``{key: rates.jobseeker.job_finding, low: 1.5, high: 4.0,
note: "..."}``: ``key`` is a dotted config key as typed on the command line, ``low``/``high`` its
bounds. Both the calibration and the sensitivity analysis read their spaces through this module, so
a point in a space always becomes a config the same way: as command-line style overrides.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from omegaconf import OmegaConf

from simulation.core.config import ConfigError


@dataclass(frozen=True)
class Parameter:
    """One free parameter: a dotted config key with bounds and a note saying why it is free."""

    key: str
    low: float
    high: float
    note: str = ""


def parse_space(entries: object, where: str) -> list[Parameter]:
    """Parameters from a parsed YAML list; a bad entry raises ConfigError naming it."""
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"{where}: a parameter space is a non-empty list of {{key, low, high, note}}")
    out: list[Parameter] = []
    for n, e in enumerate(entries):
        if not isinstance(e, dict) or "key" not in e:
            raise ConfigError(f"{where}[{n}]={e!r}: needs key, low and high")
        key = str(e["key"])
        try:
            low, high = float(e["low"]), float(e["high"])
        except (KeyError, TypeError, ValueError):
            raise ConfigError(f"{where}.{key}: low and high must be numbers, "
                              f"got {e.get('low')!r}, {e.get('high')!r}") from None
        if not (np.isfinite(low) and np.isfinite(high) and low < high):
            raise ConfigError(f"{where}.{key}: bounds [{low}, {high}] must be finite with low < high")
        out.append(Parameter(key, low, high, str(e.get("note", ""))))
    keys = [p.key for p in out]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise ConfigError(f"{where}: key {dup[0]} is listed twice")
    return out


def load_space(path: Path | str, section: str | None = None) -> list[Parameter]:
    """Read a parameter space from a YAML file (optionally from one top-level section of it)."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read parameter space ({exc.__class__.__name__})") from None
    where = str(path)
    if section is not None:
        if not isinstance(data, dict) or section not in data:
            raise ConfigError(f"{path}: no section {section!r}")
        data, where = data[section], f"{path}:{section}"
    return parse_space(data, where)


def overrides(space: Sequence[Parameter], values: Iterable[float]) -> list[str]:
    """Command-line style overrides that set each parameter to its value (``["rates.x.y=1.25", ...]``)."""
    vals = list(values)
    if len(vals) != len(space):
        raise ValueError(f"{len(vals)} values for {len(space)} parameters")
    return [f"{p.key}={float(v)!r}" for p, v in zip(space, vals)]


def check_keys(space: Sequence[Parameter], cfg) -> None:
    """Every key must exist in the composed config (a misspelt key would otherwise be silently ignored)."""
    for p in space:
        if OmegaConf.select(cfg, p.key, default=None) is None:
            raise ConfigError(f"{p.key}: not a key of the composed config")


def bounds(space: Sequence[Parameter]) -> np.ndarray:
    """The bounds as an array [k, 2] (for SALib problems and optimisers)."""
    return np.array([[p.low, p.high] for p in space], dtype=np.float64)
