"""A failed or killed job of a multirun leaves the other jobs' results intact, and the aggregation
names it: a job that raises is recorded (``job_failed.txt``) and the launcher goes on; a job whose
process is killed leaves an incomplete directory that ``python -m simulation.sweep`` names."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from simulation.analysis import sweep

REPO = Path(__file__).resolve().parents[1]
TINY = ["population.scale=2000", "run.years=1", "run.burn_in_years=0", "run.threads=1", "output.figures=false",
        "run.progress=false", "output.headline=false"]
BY_NUMBER = "hydra.sweep.subdir=${hydra.job.num}"  # job directories 0, 1, 2: known before the sweep starts
JOBLIB = ["hydra/launcher=joblib"]
NO_FIGURE = "+hydra.callbacks.sweep_aggregator.figure=false"


INJECT = REPO / "tests" / "faults" / "inject"  # sitecustomize.py: SIMULATION_FAULT=ACTION@WHERE (tests only)


def _simulation(*args: str, timeout: float = 120, fault: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if fault:
        env.update(SIMULATION_FAULT=fault, PYTHONPATH=os.pathsep.join(filter(None, [str(INJECT),
                                                                                  env.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, "-m", "simulation", *args], cwd=REPO, check=False, capture_output=True,
                          text=True, timeout=timeout, env=env)


def _complete(job_dir: Path) -> bool:
    try:
        return json.loads((job_dir / "manifest.json").read_text())["complete"] is True
    except (OSError, ValueError, KeyError):
        return False


def _snapshot(job_dir: Path) -> dict[str, str]:
    """Every file of a job directory (the Hydra logs included) with its checksum."""
    return {str(p.relative_to(job_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(job_dir.rglob("*")) if p.is_file()}


def _rerun(command: str) -> subprocess.CompletedProcess:
    """Run a re-run command as written in sweep_missing.txt, with this interpreter."""
    args = shlex.split(command)
    assert args[:3] == ["python", "-m", "simulation"], command
    return _simulation(*args[3:])


# -------------------------------------------------------------------------- a job that raises


@pytest.mark.parametrize("launcher", ["basic", "joblib", "submitit_local"])
def test_failed_job_does_not_stop_the_sweep(tmp_path, launcher):
    """Job 1 of 3 cannot write its tables (the disk is full when it writes stocks.parquet, injected
    in every process of the launcher): the later job still runs, the callback aggregates jobs 0 and 2,
    names job 1 with its reason, and the multirun exits 1. Then job 1 is re-run into its directory
    with the command the aggregation wrote, and the sweep re-aggregated."""
    sweep_dir = tmp_path / "multirun"
    extra = {"basic": [], "joblib": [*JOBLIB, "hydra.launcher.n_jobs=2"],
             "submitit_local": ["hydra/launcher=submitit_local"]}[launcher]
    t0 = time.perf_counter()
    proc = _simulation("-m", *extra, "run.replicates=2,3,4", *TINY, f"hydra.sweep.dir={sweep_dir}", BY_NUMBER,
                       NO_FIGURE, fault="enospc@write:/1/stocks.parquet")
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert time.perf_counter() - t0 < 60
    # the failing job: one log line naming it, a marker with the reason and the traceback, no manifest
    logged = [line for line in (sweep_dir / "1" / "app.log").read_text().splitlines() if "failed:" in line]
    assert len(logged) == 1 and "job #1 (" in logged[0] and "run.replicates=3" in logged[0], proc.stdout
    assert "No space left on device" in logged[0]
    failed = (sweep_dir / "1" / sweep.FAILED_FILE).read_text()
    assert failed.startswith("OSError: [Errno 28] ") and "Traceback (most recent call last)" in failed
    assert not [p for p in (sweep_dir / "1").iterdir() if p.name.endswith(".tmp")], "a temporary file was left"
    assert not _complete(sweep_dir / "1")  # its manifest, if any, says complete: false
    assert "Traceback" not in proc.stderr  # the job was recorded, not re-raised by Hydra's sweeper
    # the other jobs, the later one included, ran to completion and were aggregated
    assert _complete(sweep_dir / "0") and _complete(sweep_dir / "2")
    assert set(pd.read_parquet(sweep_dir / sweep.INDICATORS_FILE)["job"]) == {"0", "2"}
    assert set(pd.read_parquet(sweep_dir / sweep.DIFFERENCES_FILE)["job"]) == {"2"}
    assert "sweep: 2 complete jobs, 1 missing" in proc.stdout
    man = json.loads((sweep_dir / sweep.MANIFEST_FILE).read_text())
    assert man["complete"] == ["0", "2"] and man["failed"]["1"].startswith("OSError: [Errno 28] ")
    assert man["missing"] == [f"1 (failed: {man['failed']['1']})"]
    missing = (sweep_dir / sweep.MISSING_FILE).read_text()
    assert missing.startswith("1 (failed: OSError: [Errno 28] ")
    err = proc.stderr.strip().splitlines()
    assert err[-1].startswith("error: 1 job of the sweep failed or is missing") and err[-1].endswith("exit status 1")
    if launcher != "basic":
        return
    # re-run just the failed job into its directory with the command the aggregation wrote (the disk has
    # room again), then re-aggregate; the command replaces the failed attempt (output.overwrite=true)
    command = man["rerun"]["1"]
    assert f"    re-run: {command}\n" in missing and "run.replicates=3" in command
    assert "output.overwrite=true" in command
    rerun = _rerun(command)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert _complete(sweep_dir / "1") and not (sweep_dir / "1" / sweep.FAILED_FILE).exists()
    cli = subprocess.run([sys.executable, "-m", "simulation.sweep", str(sweep_dir), "--no-figure"], cwd=REPO,
                         check=False, capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0 and "sweep: 3 complete jobs;" in cli.stdout, cli.stderr
    assert not (sweep_dir / sweep.MISSING_FILE).exists()
    assert json.loads((sweep_dir / sweep.MANIFEST_FILE).read_text())["failed"] == {}


def test_exception_inside_the_simulation_in_process(tmp_path, monkeypatch, capsys):
    """The simulation itself raises in the middle job (patched in-process, basic launcher): the
    later job runs, the failure is named with its reason, and the multirun ends with exit status 1."""
    from hydra.core.global_hydra import GlobalHydra

    from simulation import app

    real_run = app.run

    def run(sim_cfg):
        if sim_cfg.run.replicates == 3:
            raise RuntimeError("replicate 2 diverged\nsecond line of the message")
        return real_run(sim_cfg)

    sweep_dir = tmp_path / "multirun"
    monkeypatch.setattr(app, "run", run)
    monkeypatch.setattr(sys, "argv", ["simulation", "-m", "run.replicates=2,3,4", *TINY,
                                      f"hydra.sweep.dir={sweep_dir}", BY_NUMBER, NO_FIGURE])
    try:
        with pytest.raises(SystemExit) as exit_info:
            app.main()
    finally:
        GlobalHydra.instance().clear()
    assert exit_info.value.code == 1
    assert _complete(sweep_dir / "0") and _complete(sweep_dir / "2")
    assert (sweep_dir / "1" / sweep.FAILED_FILE).read_text().splitlines()[0] == "RuntimeError: replicate 2 diverged"
    man = json.loads((sweep_dir / sweep.MANIFEST_FILE).read_text())
    assert man["failed"] == {"1": "RuntimeError: replicate 2 diverged"} and man["complete"] == ["0", "2"]
    err = capsys.readouterr().err
    assert "1 (failed: RuntimeError: replicate 2 diverged)" in err


def test_single_run_fault_is_one_line(tmp_path):
    """Outside a multirun a file-system fault stops the run: one line naming the file and the run
    directory, exit status 1, no failure marker, no complete manifest, no temporary file."""
    run_dir = tmp_path / "run"
    proc = _simulation("run.replicates=2", *TINY, f"hydra.run.dir={run_dir}", fault="enospc@write:stocks.parquet")
    assert proc.returncode == 1
    assert proc.stderr.strip() == (f"error: {run_dir / 'stocks.parquet'}: the disk is full ({run_dir} left "
                                   "incomplete)"), proc.stderr
    assert not (run_dir / sweep.FAILED_FILE).exists() and not _complete(run_dir)
    assert not [p for p in run_dir.iterdir() if p.name.endswith(".tmp")]


# ------------------------------------------------------------------------ a job that is killed


def _session_pids(sid: int) -> list[int]:
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if os.getsid(int(d.name)) == sid:
                    pids.append(int(d.name))
            except OSError:
                pass
    return pids


def _pid_writing(path: Path, sid: int) -> int | None:
    """The process of session ``sid`` that holds ``path`` open (the job's Hydra log: the process running it)."""
    for pid in _session_pids(sid):
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(fd) == str(path):
                    return pid
            except OSError:
                pass
    return None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the job's worker process through /proc")
def test_killed_job_leaves_the_other_jobs_intact(tmp_path):
    """Three jobs on the joblib launcher (worker processes); job 2 has far more replicates. Once
    jobs 0 and 1 are complete, job 2's worker is killed with SIGKILL. The multirun fails, jobs 0
    and 1 are untouched, and ``python -m simulation.sweep`` aggregates them and names job 2."""
    sweep_dir = tmp_path / "multirun"
    fast, slow = [sweep_dir / "0", sweep_dir / "1"], sweep_dir / "2"
    out, err = (tmp_path / "stdout.txt").open("w"), (tmp_path / "stderr.txt").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "simulation", "-m", *JOBLIB, "hydra.launcher.n_jobs=3",
                             "run.replicates=2,3,1000", *TINY, f"hydra.sweep.dir={sweep_dir}", BY_NUMBER],
                            cwd=REPO, stdout=out, stderr=err, start_new_session=True)
    try:
        deadline, victim = time.monotonic() + 300, None  # generous: a cold Numba cache compiles first
        while time.monotonic() < deadline and proc.poll() is None:
            broken = [d / sweep.FAILED_FILE for d in fast if (d / sweep.FAILED_FILE).is_file()]
            if broken:  # the simulation itself fails (not what this test is about): say why at once
                pytest.fail(f"job {broken[0].parent.name} failed: {broken[0].read_text()[-3000:]}")
            if all(_complete(d) for d in fast) and (slow / "app.log").is_file():
                victim = _pid_writing(slow / "app.log", proc.pid)
                if victim is not None:
                    break
            time.sleep(0.1)
        assert victim is not None and victim != proc.pid, \
            f"job 2 never ran beside complete jobs 0 and 1 (exit {proc.poll()}): " \
            f"{(tmp_path / 'stderr.txt').read_text()}"
        assert not _complete(slow), "job 2 finished before it could be killed"
        before = {d.name: _snapshot(d) for d in fast}
        os.kill(victim, signal.SIGKILL)
        rc = proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for pid in _session_pids(proc.pid):  # a worker the launcher left behind (this test started them all)
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        out.close()
        err.close()
    stderr = (tmp_path / "stderr.txt").read_text()
    assert rc != 0 and "TerminatedWorkerError" in stderr, stderr[-3000:]
    assert not _complete(slow)
    assert {d.name: _snapshot(d) for d in fast} == before, "a finished job's directory changed"

    cli = subprocess.run([sys.executable, "-m", "simulation.sweep", str(sweep_dir), "--no-figure"], cwd=REPO,
                         check=False, capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    assert "sweep: 2 complete jobs, 1 missing" in cli.stdout
    warning = cli.stderr.strip().splitlines()
    assert len(warning) == 1 and warning[0].startswith("warning: 1 of 3 jobs missing") and "2 (" in warning[0]
    man = json.loads((sweep_dir / sweep.MANIFEST_FILE).read_text())
    assert man["complete"] == ["0", "1"] and man["failed"] == {}
    assert len(man["missing"]) == 1 and re.fullmatch(r"2 \((no manifest\.json|incomplete .*)\)", man["missing"][0])
    assert "run.replicates=1000" in man["rerun"]["2"]
    assert (sweep_dir / sweep.MISSING_FILE).read_text().startswith(man["missing"][0] + "\n")
    assert set(pd.read_parquet(sweep_dir / sweep.INDICATORS_FILE)["job"]) == {"0", "1"}
    assert {d.name: _snapshot(d) for d in fast} == before, "the aggregation changed a job's directory"
