"""Sweep aggregation on one small real multirun: combined tables, paired differences, missing jobs, CLI."""
from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf
from scipy import stats

from simulation.analysis import sweep
from simulation.app import SweepAggregator
from simulation.present.figures import sweep as sweep_figures
from simulation.runs.indicators import CI_LEVEL, HEADLINE

REPLICATES = 4
SWEEP = ["economy=steady,recession", "cooperation=weak,strong", f"run.replicates={REPLICATES}", "population.scale=1500",
         "run.years=3", "run.burn_in_years=1", "output.figures=false", "run.progress=false", "output.headline=false"]
FIGURE_FILE = "sweep_differences.png"
AGGREGATED = (sweep.INDICATORS_FILE, sweep.DIFFERENCES_FILE, sweep.SUMMARY_FILE, FIGURE_FILE, sweep.MANIFEST_FILE)


@pytest.fixture(scope="module")
def multirun(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """One real 2 x 2 sweep; the Hydra callback aggregates it at the end."""
    sweep_dir = tmp_path_factory.mktemp("sweep") / "multirun"
    proc = subprocess.run([sys.executable, "-m", "simulation", "-m", *SWEEP, f"hydra.sweep.dir={sweep_dir}"],
                          check=False, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return sweep_dir, proc


@pytest.fixture(scope="module")
def sweep_dir(multirun) -> Path:
    return multirun[0]


def _copy(sweep_dir: Path, tmp_path: Path) -> Path:
    """A copy of the sweep without the aggregated files, to break or re-aggregate freely."""
    dst = tmp_path / "copy"
    shutil.copytree(sweep_dir, dst, ignore=shutil.ignore_patterns("sweep_*"))
    return dst


def _job_dirs(sweep_dir: Path) -> list[Path]:
    return sorted((p for p in sweep_dir.iterdir() if p.is_dir() and re.match(r"\d+_", p.name)),
                  key=lambda p: int(p.name.split("_")[0]))


def _by_replicate(job_dir: Path) -> pd.DataFrame:
    df = pd.read_parquet(job_dir / "indicators_by_replicate.parquet")
    df["indicator"] = df["indicator"].astype(str)
    return df.pivot(index="replicate", columns="indicator", values="value")


def _welch_width(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    if va + vb == 0:
        return 0.0
    df = (va + vb) ** 2 / (va ** 2 / (a.size - 1) + vb ** 2 / (b.size - 1))
    return 2 * stats.t.ppf(0.5 + CI_LEVEL / 2, df) * np.sqrt(va + vb)


# ------------------------------------------------------------------------------- the callback's output


def test_callback_aggregated_the_sweep(multirun):
    sweep_dir, proc = multirun
    jobs = _job_dirs(sweep_dir)
    assert len(jobs) == 4
    for j in jobs:
        assert json.loads((j / "manifest.json").read_text())["complete"] is True
    for name in AGGREGATED:
        assert (sweep_dir / name).is_file(), name
    assert not (sweep_dir / sweep.MISSING_FILE).exists()
    assert not list(sweep_dir.glob(".*.tmp")), "temporary files left behind"
    assert (sweep_dir / FIGURE_FILE).read_bytes().startswith(b"\x89PNG")
    assert "sweep: 4 complete jobs" in proc.stdout and str(sweep_dir / sweep.SUMMARY_FILE) in proc.stdout
    man = json.loads((sweep_dir / sweep.MANIFEST_FILE).read_text())
    assert man["jobs_expected"] == 4 and len(man["complete"]) == 4 and man["missing"] == []
    assert man["reference"] == jobs[0].name and man["paired"] is True


def test_indicator_table_repeats_each_jobs_summary(sweep_dir):
    table = pd.read_parquet(sweep_dir / sweep.INDICATORS_FILE)
    for col in ("job", "label", "overrides", "scenario", "economy", "cooperation", "indicator", "unit", "mean",
                "ci90_low", "ci90_high", "n_replicates"):
        assert col in table.columns, col
    jobs = _job_dirs(sweep_dir)
    own = pd.read_parquet(jobs[2] / "indicators.parquet")
    assert len(table) == 4 * len(own)
    mine = table[table["job"] == jobs[2].name].set_index("indicator")
    assert mine["label"].iloc[0] == "economy=recession, cooperation=weak"
    assert set(mine["economy"]) == {"recession"} and set(mine["cooperation"]) == {"weak"}
    assert (mine["n_replicates"] == REPLICATES).all()
    np.testing.assert_allclose(mine.loc[own["indicator"].astype(str), "mean"], own["mean"])


def test_differences_pair_every_other_job_with_the_reference(sweep_dir):
    diffs = pd.read_parquet(sweep_dir / sweep.DIFFERENCES_FILE)
    jobs = _job_dirs(sweep_dir)
    n_ind = pd.read_parquet(jobs[0] / "indicators_by_replicate.parquet")["indicator"].nunique()
    assert len(diffs) == 3 * n_ind
    assert set(diffs["job"]) == {j.name for j in jobs[1:]}  # the reference's self-difference is not listed
    assert (diffs["reference_job"] == jobs[0].name).all()
    assert diffs["paired"].all()
    valid = diffs[np.isfinite(diffs["mean_difference"])]
    assert (valid["n_pairs"] <= REPLICATES).all() and (valid["n_pairs"] == REPLICATES).mean() > 0.8
    # one value by hand: the mean of the replicate-by-replicate differences
    ref, job = _by_replicate(jobs[0]), _by_replicate(jobs[3])
    name = "employment_rate_final_year"
    row = diffs[(diffs["job"] == jobs[3].name) & (diffs["indicator"] == name)].iloc[0]
    assert row["mean_difference"] == pytest.approx(float((job[name] - ref[name]).mean()))
    assert row["ci90_low"] < row["mean_difference"] < row["ci90_high"]
    assert row["excludes_zero"] == (row["ci90_low"] > 0 or row["ci90_high"] < 0)


def test_paired_intervals_are_narrower_than_unpaired(sweep_dir):
    diffs = pd.read_parquet(sweep_dir / sweep.DIFFERENCES_FILE)
    jobs = _job_dirs(sweep_dir)
    ref = _by_replicate(jobs[0])
    narrower = total = 0
    for j in jobs[1:]:
        vals = _by_replicate(j)
        for _, r in diffs[diffs["job"] == j.name].iterrows():
            welch = _welch_width(vals[r["indicator"]].to_numpy(float), ref[r["indicator"]].to_numpy(float))
            paired = r["ci90_high"] - r["ci90_low"]
            if np.isfinite(welch) and welch > 0 and np.isfinite(paired):
                total += 1
                narrower += paired < welch
    assert total >= 30
    assert narrower / total > 0.6, f"paired narrower in only {narrower} of {total}"


def test_recession_raises_unemployment(sweep_dir):
    diffs = pd.read_parquet(sweep_dir / sweep.DIFFERENCES_FILE)
    row = diffs[(diffs["label"] == "economy=recession, cooperation=weak")
                & (diffs["indicator"] == "unemployment_rate_final_year")].iloc[0]
    assert row["mean_difference"] > 0 and row["ci90_low"] > 0 and row["excludes_zero"]


def test_summary_csv_is_headline_by_job(sweep_dir):
    table = pd.read_csv(sweep_dir / sweep.SUMMARY_FILE)
    assert list(table["indicator"]) == [h for h in HEADLINE if h in set(table["indicator"])]
    assert "unemployment_rate_final_year" in set(table["indicator"])
    labels = ["economy=steady, cooperation=weak", "economy=steady, cooperation=strong",
              "economy=recession, cooperation=weak", "economy=recession, cooperation=strong"]
    assert list(table.columns) == ["indicator", "unit", *labels]
    cell = table.set_index("indicator").loc["unemployment_rate_final_year", labels[0]]
    assert re.fullmatch(r"\d+\.\d \[\d+\.\d, \d+\.\d\]", cell), cell


# --------------------------------------------------------------------------------- re-aggregation


def test_missing_jobs_are_named_and_the_rest_aggregated(sweep_dir, tmp_path, capsys):
    copy = _copy(sweep_dir, tmp_path)
    jobs = _job_dirs(copy)
    killed, absent = jobs[1], jobs[3]
    for f in ("manifest.json", "indicators.parquet", "indicators_by_replicate.parquet"):
        (killed / f).unlink()
    shutil.rmtree(absent)  # launched (multirun.yaml lists it) but never started

    result = sweep.aggregate(copy, draw=sweep_figures.draw_aggregated)
    assert len(result["missing_jobs"]) == 2
    assert killed.name in result["missing_jobs"][0] and "no manifest.json" in result["missing_jobs"][0]
    assert result["missing_jobs"][1].startswith("#3 ") and "directory absent" in result["missing_jobs"][1]
    assert "cooperation=strong" in result["missing_jobs"][1]
    assert result["complete_jobs"] == [jobs[0].name, jobs[2].name]
    warning = capsys.readouterr().err.strip().splitlines()
    assert len(warning) == 1 and warning[0].startswith("warning: 2 of 4 jobs missing")
    missing_txt = (copy / sweep.MISSING_FILE).read_text()
    assert killed.name in missing_txt and "#3 " in missing_txt
    # each missing job comes with the command that re-runs it into the directory Hydra gave (or would give) it
    reruns = [line.removeprefix("    re-run: ") for line in missing_txt.splitlines() if line.startswith("    re-run: ")]
    assert len(reruns) == 2 and missing_txt.endswith(f"python -m simulation.sweep {copy}\n")
    for job, command in zip((killed, absent), reruns):
        args = shlex.split(command)
        assert args[:3] == ["python", "-m", "simulation"]
        assert args[-1] == f'hydra.run.dir="{job}"'  # the absent job's name rebuilt from multirun.yaml
        # a job whose directory exists is re-run with output.overwrite=true (its earlier attempt is replaced whole)
        assert ("output.overwrite=true" in args) == (job == killed)
        assert set(args[3:-1]) - {"output.overwrite=true"} == set(
            json.loads((sweep_dir / job.name / "manifest.json").read_text())["overrides"])
    assert set(pd.read_parquet(copy / sweep.INDICATORS_FILE)["job"]) == {jobs[0].name, jobs[2].name}
    assert set(pd.read_parquet(copy / sweep.DIFFERENCES_FILE)["job"]) == {jobs[2].name}
    man = json.loads((copy / sweep.MANIFEST_FILE).read_text())
    assert len(man["missing"]) == 2 and sweep.MISSING_FILE in man["files"]
    assert man["failed"] == {} and list(man["rerun"].values()) == reruns


def test_failed_job_is_named_with_its_reason(sweep_dir, tmp_path):
    """job_failed.txt (written by a job that raised in a multirun) wins over a manifest an earlier attempt left."""
    copy = _copy(sweep_dir, tmp_path)
    jobs = _job_dirs(copy)
    (jobs[1] / sweep.FAILED_FILE).write_text("MemoryError: out of memory in replicate 3\n\nTraceback ...\n")
    (jobs[2] / "manifest.json").unlink()
    (jobs[2] / sweep.FAILED_FILE).write_text("")
    result = sweep.aggregate(copy)
    assert result["complete_jobs"] == [jobs[0].name, jobs[3].name]
    assert result["failed_jobs"] == [jobs[1].name, jobs[2].name]
    assert result["missing_jobs"] == [f"{jobs[1].name} (failed: MemoryError: out of memory in replicate 3)",
                                      f"{jobs[2].name} (failed: reason not recorded)"]
    man = json.loads((copy / sweep.MANIFEST_FILE).read_text())
    assert man["failed"] == {jobs[1].name: "MemoryError: out of memory in replicate 3",
                             jobs[2].name: "reason not recorded"}
    assert "cooperation=strong" in man["rerun"][jobs[1].name] and "economy=steady" in man["rerun"][jobs[1].name]
    assert (copy / sweep.MISSING_FILE).read_text().startswith(result["missing_jobs"][0] + "\n    re-run: python -m ")


def test_callback_exits_1_when_a_job_failed(sweep_dir, tmp_path, capsys):
    copy = _copy(sweep_dir, tmp_path)
    jobs = _job_dirs(copy)
    (jobs[3] / sweep.FAILED_FILE).write_text("RuntimeError: boom\n")
    cfg = OmegaConf.create({"hydra": {"sweep": {"dir": str(copy)}}})
    with pytest.raises(SystemExit) as exit_info:
        SweepAggregator(figure=False).on_multirun_end(cfg)
    assert exit_info.value.code == 1
    captured = capsys.readouterr()
    assert "sweep: 3 complete jobs, 1 missing" in captured.out and (copy / sweep.INDICATORS_FILE).is_file()
    err = captured.err.strip().splitlines()
    assert err[0].startswith("warning: 1 of 4 jobs missing") and "(failed: RuntimeError: boom)" in err[0]
    assert err[-1] == (f"error: 1 job of the sweep failed or is missing (named above; re-run commands in "
                       f"{copy / sweep.MISSING_FILE}); exit status 1")
    # every job failed: nothing to aggregate, the jobs are named in the error line
    for j in jobs:
        (j / sweep.FAILED_FILE).write_text("RuntimeError: boom\n")
    with pytest.raises(SystemExit) as exit_info:
        SweepAggregator(figure=False).on_multirun_end(cfg)
    assert exit_info.value.code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("sweep aggregation failed: SweepError: no complete job")
    assert err[-1].startswith("error: 4 jobs of the sweep failed or are missing (") and err[-1].count("failed: ") == 4


def test_incomplete_manifest_counts_as_missing(sweep_dir, tmp_path):
    copy = _copy(sweep_dir, tmp_path)
    job = _job_dirs(copy)[2]
    m = json.loads((job / "manifest.json").read_text())
    m["complete"] = False
    (job / "manifest.json").write_text(json.dumps(m))
    result = sweep.aggregate(copy)
    assert result["missing_jobs"] == [f"{job.name} (incomplete (manifest complete: false))"]
    assert not (copy / FIGURE_FILE).exists()


def test_reference_by_overrides(sweep_dir, tmp_path):
    copy = _copy(sweep_dir, tmp_path)
    jobs = _job_dirs(copy)
    result = sweep.aggregate(copy, reference="cooperation=weak, economy=recession")
    assert result["reference"] == jobs[2].name
    diffs = pd.read_parquet(copy / sweep.DIFFERENCES_FILE)
    assert jobs[2].name not in set(diffs["job"]) and len(set(diffs["job"])) == 3
    assert sweep.aggregate(copy, reference="3")["reference"] == jobs[3].name
    with pytest.raises(sweep.SweepError, match="matches 2 jobs"):
        sweep.aggregate(copy, reference="economy=steady")
    with pytest.raises(sweep.SweepError, match="matches no job"):
        sweep.aggregate(copy, reference="economy=boom")


def test_other_seed_is_not_paired(sweep_dir, tmp_path):
    copy = _copy(sweep_dir, tmp_path)
    jobs = _job_dirs(copy)
    m = json.loads((jobs[1] / "manifest.json").read_text())
    m["seed"] = m["seed"] + 1
    (jobs[1] / "manifest.json").write_text(json.dumps(m))
    result = sweep.aggregate(copy)
    assert result["paired"] is False
    diffs = pd.read_parquet(copy / sweep.DIFFERENCES_FILE)
    unpaired = diffs[~diffs["paired"]]
    assert set(unpaired["job"]) == {jobs[1].name} and (unpaired["n_pairs"] == 0).all()
    r = unpaired[unpaired["indicator"] == "employment_rate_final_year"].iloc[0]
    welch = _welch_width(_by_replicate(jobs[1])[r["indicator"]].to_numpy(float),
                         _by_replicate(jobs[0])[r["indicator"]].to_numpy(float))
    assert r["ci90_high"] - r["ci90_low"] == pytest.approx(welch)


def test_callback_never_raises(tmp_path, capsys):
    cfg = OmegaConf.create({"hydra": {"sweep": {"dir": str(tmp_path / "nowhere")}}})
    SweepAggregator().on_multirun_end(cfg)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("sweep aggregation failed") and "not found" in err[0]


# ---------------------------------------------------------------------------------- command line


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simulation.sweep", *map(str, args)], check=False,
                          capture_output=True, text=True, timeout=120)


def test_cli_reaggregates(sweep_dir, tmp_path):
    copy = _copy(sweep_dir, tmp_path)
    proc = _cli(copy, "--reference", "economy=steady,cooperation=strong")
    assert proc.returncode == 0, proc.stderr
    assert "reference economy=steady, cooperation=strong" in proc.stdout
    for name in AGGREGATED:
        assert (copy / name).is_file(), name
    assert json.loads((copy / sweep.MANIFEST_FILE).read_text())["reference"] == _job_dirs(copy)[1].name


def test_cli_errors_are_one_line(sweep_dir, tmp_path):
    empty = tmp_path / "empty"
    (empty / "0_economy=steady").mkdir(parents=True)
    for args, words in (((tmp_path / "nowhere",), "not found"), ((empty,), "no complete job"),
                        ((sweep_dir, "--reference", "economy=boom"), "matches no job")):
        proc = _cli(*args)
        assert proc.returncode == 2, args
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:") and words in lines[0], proc.stderr


# ------------------------------------------------------------------------------------------ figures

RUN_FIGURES = ("stocks_stacked", "indicators_fan", "flows", "institutions", "queues")


def test_plot_command_redraws_every_figure_of_a_sweep(sweep_dir, tmp_path):
    copy = tmp_path / "full"  # the aggregated sweep with two of its jobs (drawing all four takes long)
    shutil.copytree(sweep_dir, copy, ignore=lambda d, names: [n for n in names if re.match(r"[23]_", n)])
    proc = subprocess.run([sys.executable, "-m", "simulation.plots", str(copy), "--lang", "nb", "--format", "pdf"],
                          check=False, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    written = [Path(line) for line in proc.stdout.split()]
    assert sweep_figures.figure_path(copy, "pdf") in written
    for job in _job_dirs(copy):
        assert sorted(p.name for p in written if p.parent == job / "figures") == sorted(f"{n}.pdf" for n in RUN_FIGURES)
    assert len(written) == len(RUN_FIGURES) * len(_job_dirs(copy)) + 1
    for p in written:
        assert p.read_bytes().startswith(b"%PDF"), p


@pytest.mark.parametrize("language, words", [
    ("en", ("Difference from the reference", "Registered fully unemployed", "percentage points", "16–24")),
    ("nb", ("Forskjell fra referansen", "Registrerte helt ledige", "prosentpoeng", "16–24 år", "replikater"))])
def test_the_differences_figure_speaks_the_language(sweep_dir, language, words):
    import matplotlib.pyplot as plt

    from simulation.present.style import PALETTE

    jobs, _ = sweep.find_jobs(sweep_dir)
    varying = sweep.label_jobs(jobs)
    ref = next(j for j in jobs if j.num == 0)
    fig = sweep_figures.draw_differences(pd.read_parquet(sweep_dir / sweep.DIFFERENCES_FILE), jobs, ref, varying,
                                         language)
    try:
        texts = " ".join(t.get_text() for t in fig.findobj(match=lambda a: hasattr(a, "get_text")))
        # the jobs' colours are the shared colour-blind-safe palette of simulation.present.figures.run
        colours = {line.get_color().upper() for ax in fig.axes for line in ax.get_lines() if line.get_xydata().size
                   and line.get_color().upper() not in ("#444444", "#555555")}
    finally:
        plt.close(fig)
    for w in words:
        assert w in texts, w
    assert colours and colours <= set(PALETTE)


def test_differences_figure_in_every_format(sweep_dir, tmp_path):
    jobs, _ = sweep.find_jobs(sweep_dir)
    varying = sweep.label_jobs(jobs)
    diffs = pd.read_parquet(sweep_dir / sweep.DIFFERENCES_FILE)
    for fmt, magic in (("svg", b"<svg"), ("pdf", b"%PDF")):
        path = sweep_figures.differences_figure(diffs, jobs, jobs[0], varying, sweep_figures.figure_path(tmp_path, fmt),
                                                "nb", fmt)
        assert path == tmp_path / f"sweep_differences.{fmt}" and magic in path.read_bytes()[:2000]
    assert not list(tmp_path.glob("*.tmp"))
    with pytest.raises(ValueError, match="format must be one of png, svg, pdf"):
        sweep_figures.differences_figure(diffs, jobs, jobs[0], varying, tmp_path / "x.eps", "en", "eps")
    copy = tmp_path / "copy"
    shutil.copytree(sweep_dir, copy)
    for fmt in ("svg", "pdf"):
        shutil.copy(sweep_figures.figure_path(tmp_path, fmt), sweep_figures.figure_path(copy, fmt))
    sweep.aggregate(copy)
    assert not [f for f in ("png", "svg", "pdf") if sweep_figures.figure_path(copy, f).exists()]  # no stale figure left
