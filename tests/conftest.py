"""Shared helpers: small configs that run in a second or two once the kernel is compiled."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from simulation import load_config, validate
from simulation.core.config import SimConfig

SMALL = ["run.replicates=2", "run.years=2", "run.burn_in_years=0.5", "population.scale=2000", "run.progress=false",
         "output.figures=false"]


def small_config(*overrides: str) -> SimConfig:
    """A validated config for about 2 000 simulated persons (later overrides win)."""
    return validate(load_config([*SMALL, *overrides]))


@pytest.fixture(scope="session")
def small():
    return small_config


def paired_change(a, b, name: str) -> tuple[float, float]:
    """Mean and 90 % half-width of the replicate-by-replicate change b - a of an indicator
    (two runs on the same seed: common random numbers make the difference paired)."""
    d = b.per_replicate[name][1] - a.per_replicate[name][1]
    return float(d.mean()), float(stats.t.ppf(0.95, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size))


def pytest_addoption(parser):
    parser.addoption("--person-rule", default=None, metavar="FIELD=VALUE",
                     help="change one kernel parameter (simulation.core.kernel.KernelParams field) for the "
                          "person-level engine only, e.g. ot_end_days=7670 (OT follows up to 21, not 22): the "
                          "equivalence tests must then fail")


@pytest.fixture
def person_rule(request):
    """Apply ``--person-rule FIELD=VALUE`` to the person-level engine during the test (no change without it)."""
    from simulation.analysis.equivalence import person_rule as rule

    spec = request.config.getoption("--person-rule")
    if not spec:
        yield None
        return
    field, _, value = spec.partition("=")
    with rule(field.strip(), value):
        yield spec


@pytest.fixture(scope="session")
def tiny_exploration(tmp_path_factory):
    """``python -m simulation.explore`` on 4 futures x 3 policies at a tiny scale (through Hydra's multirun): the
    exploration directory and the finished process. Policy ``no_op`` changes only the figure language, which no
    rule reads."""
    import subprocess
    import sys
    from pathlib import Path

    import yaml

    from simulation.analysis import explore as ex

    root = tmp_path_factory.mktemp("tiny_exploration")
    data = yaml.safe_load(ex.DEFAULT_DESIGN.read_text())
    data["settings"].update(futures=4, scale=20000, replicates=2, years=3, burn_in_years=0.5, step_days=28)
    data["policies"] = {"status_quo": [], "no_op": ["output.language=nb"],
                        "strong_cooperation": ["cooperation.strength=0.9"]}
    design = root / "tiny.yaml"
    design.write_text(yaml.safe_dump(data))
    out_dir = root / "explore"
    proc = subprocess.run([sys.executable, "-m", "simulation.explore", "--design", str(design), "--out", str(out_dir),
                           "--no-progress"], capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent,
                          timeout=600)
    return out_dir, proc
