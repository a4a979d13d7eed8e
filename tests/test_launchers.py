"""The issue's sweep on the submitit launcher's local executor (the code path SLURM runs):
scenario=baseline,strong_cooperation x economy=steady,recession_2009 gives four job directories
and one combined table and figure with paired differences against the reference job."""
from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd

from simulation.analysis import sweep

SMALL = ["run.replicates=2", "population.scale=8000", "run.years=2", "run.burn_in_years=0.5", "output.figures=false",
         "run.progress=false", "output.headline=false"]


def test_submitit_local_sweep_of_scenarios_and_economies(tmp_path):
    sweep_dir = tmp_path / "multirun"
    proc = subprocess.run([sys.executable, "-m", "simulation", "-m", "hydra/launcher=submitit_local",
                           "scenario=baseline,strong_cooperation", "economy=steady,recession_2009", *SMALL,
                           f"hydra.sweep.dir={sweep_dir}"], check=False, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    jobs = sorted(p for p in sweep_dir.iterdir() if p.is_dir() and p.name[0].isdigit())
    assert len(jobs) == 4
    seen = set()
    for job in jobs:
        manifest = json.loads((job / "manifest.json").read_text())
        assert manifest["complete"] is True
        seen.add((manifest["scenario"], manifest["economy"], manifest["cooperation"]))
    assert seen == {(s, e, c) for s, c in (("baseline", "medium"), ("strong_cooperation", "strong"))
                    for e in ("steady", "recession_2009")}
    for name in (sweep.INDICATORS_FILE, sweep.DIFFERENCES_FILE, sweep.SUMMARY_FILE, f"{sweep.FIGURE_STEM}.png"):
        assert (sweep_dir / name).stat().st_size > 0, name
    diffs = pd.read_parquet(sweep_dir / sweep.DIFFERENCES_FILE)
    assert diffs["job"].nunique() == 3  # every other job paired with the reference (job 0)
    assert diffs["paired"].all()
