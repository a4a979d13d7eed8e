"""Shared helpers: small configs that run in a second or two once the kernel is compiled."""
from __future__ import annotations

import pytest

from simulation import load_config, validate
from simulation.config import SimConfig

SMALL = ["run.replicates=2", "run.years=2", "run.burn_in_years=0.5", "population.scale=2000", "run.progress=false",
         "output.figures=false"]


def small_config(*overrides: str) -> SimConfig:
    """A validated config for about 2 000 simulated persons (later overrides win)."""
    return validate(load_config([*SMALL, *overrides]))


@pytest.fixture(scope="session")
def small():
    return small_config
