"""Counter-based random numbers: a draw is a pure function of (seed, replicate, person, step, decision).

This is what makes runs bit-identical for any thread count and gives common random numbers
across scenarios: the same person meets the same draw for the same decision at the same step.
The mixer is SplitMix64's finaliser (Steele, Lea & Flood 2014), applied twice.
"""
from __future__ import annotations

import numpy as np
from numba import njit

from simulation.core import numba_cache  # noqa: F401  (first: points Numba's cache at this version's directory)

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_STEP = np.uint64(0xD1B54A32D192ED03)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0  # 2**-53
N_DECISIONS = 16  # decision ids per (person, step); see kernel.D_*


@njit(cache=True, inline="always", _nrt=False)
def mix64(z: np.uint64) -> np.uint64:
    """SplitMix64 finaliser: a bijective avalanche of 64 bits."""
    z = np.uint64(z)
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always", _nrt=False)
def person_key(replicate_key: np.uint64, person: np.int64) -> np.uint64:
    """Key of one person within one replicate."""
    return mix64(np.uint64(replicate_key) ^ (np.uint64(person) * _GOLDEN))


@njit(cache=True, inline="always", _nrt=False)
def uniform(pkey: np.uint64, step: np.int64, decision: np.int64) -> float:
    """A uniform draw in [0, 1) for (person key, step, decision)."""
    counter = np.uint64(step * N_DECISIONS + decision) * _STEP
    return float(mix64(np.uint64(pkey) ^ counter) >> _S11) * _INV53


def _mix64_py(z: np.uint64) -> np.uint64:
    """mix64 in plain NumPy (for keys made outside compiled code)."""
    with np.errstate(over="ignore"):
        z = np.uint64(z)
        z = (z ^ (z >> _S30)) * _M1
        z = (z ^ (z >> _S27)) * _M2
        return np.uint64(z ^ (z >> _S31))


def replicate_key(seed: int, replicate: int) -> np.uint64:
    """Key of one replicate: mixes the master seed and the replicate number."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed & 0xFFFFFFFFFFFFFFFF) * _GOLDEN + np.uint64(replicate)
    return _mix64_py(_mix64_py(z))
