"""The business cycle as multipliers on job finding, layoffs and apprenticeship contracts per step.

The young (under 25) and the low-educated (no completed VGO) feel the cycle more: their
multipliers move by the cycle's effect times the sensitivities in the economy config.
"""
from __future__ import annotations

import numpy as np

from simulation.config import EconomyConfig, EconomyKind
from simulation.rules import DAYS_PER_YEAR
from simulation.states import AGE_BAND_EDGES, N_EDUCATION, N_RATE_BANDS, Education

MIN_JOB_MULTIPLIER = 0.02  # job finding never falls to zero, whatever the depth


def is_stochastic(econ: EconomyConfig) -> bool:
    """Whether the economy's path is drawn per replicate (then the kernel's parameters are too)."""
    return False


def cycle_intensity(econ: EconomyConfig, n_steps: int, burn_steps: int, step_days: int, seed: int = 0,
                    replicate: int = 0) -> np.ndarray:
    """0 (normal) .. 1 (trough) for every global step; the burn-in is normal times.

    ``seed`` and ``replicate`` key the draws of a stochastic economy (common random numbers)."""
    t = np.arange(n_steps, dtype=np.float64)
    years = (t - burn_steps + 0.5) * step_days / DAYS_PER_YEAR
    if econ.kind is EconomyKind.steady:
        return np.zeros(n_steps)
    r = econ.recession
    x = (years - r.start_year) / r.length_years
    inside = (x >= 0.0) & (x < 1.0)
    return np.where(inside, np.sin(np.pi * np.clip(x, 0.0, 1.0)) ** 2, 0.0)


def sensitivity(econ: EconomyConfig) -> np.ndarray:
    """How strongly each (rate band, education) cell feels the cycle, relative to an adult with VGO."""
    sens = np.ones((N_RATE_BANDS, N_EDUCATION))
    youth_bands = [b for b in range(N_RATE_BANDS) if AGE_BAND_EDGES[b + 1] <= 25]
    sens[youth_bands, :] *= econ.youth_sensitivity
    sens[:, : int(Education.VGO)] *= econ.low_education_sensitivity
    return sens


def cycle_multipliers(econ: EconomyConfig, intensity: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(job finding [steps, band, edu], layoffs [steps, band, edu], apprenticeship contracts [steps])."""
    sens = sensitivity(econ)[None, :, :]
    i = intensity[:, None, None]
    r = econ.recession
    job = np.maximum(1.0 - r.depth * i * sens, MIN_JOB_MULTIPLIER)
    layoff = 1.0 + r.layoff_rise * i * sens
    apprenticeship = 1.0 - r.apprenticeship_fall * intensity
    return np.ascontiguousarray(job), np.ascontiguousarray(layoff), np.ascontiguousarray(apprenticeship)
