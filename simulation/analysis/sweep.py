"""Sweep aggregation: one combined table and paired differences per multirun.

A multirun (``python -m simulation -m economy=steady,recession cooperation=weak,strong``) writes
one run directory per job under ``hydra.sweep.dir``. :func:`aggregate` reads the complete jobs
and writes into the sweep directory:

``sweep_indicators.parquet``
    one row per job x indicator: the job's own summary (mean, 90 % CI of the mean).
``sweep_differences.parquet``
    every job against the reference job, per indicator: the mean over replicates of
    ``value_job[r] - value_ref[r]`` with a 90 % CI. All jobs share ``run.seed``, so replicate r of
    every job meets the same random numbers (common random numbers) and the differences are
    paired replicate by replicate (``paired=True``). Jobs run on another seed than the reference
    get an unpaired (Welch) interval instead (``paired=False``).
``sweep_summary.csv``
    the headline indicators, rows = indicator, columns = jobs, cells ``mean [lo, hi]``.
``sweep_differences.png``
    forest plot of the headline differences against the reference, drawn by
    :mod:`simulation.present.figures.sweep` when :func:`aggregate` is given its ``draw`` (the command
    and the Hydra callback do; redraw it with ``python -m simulation.plots SWEEP_DIR --lang nb --format svg``).
``sweep_missing.txt``
    jobs that failed, are missing or incomplete: one line each with the reason, then the command
    that re-runs the job into its directory (only when there are any).
``sweep_manifest.json``
    jobs found, complete, failed and missing, the re-run commands, the reference and the files
    written (written last).

A missing or failed job never stops the aggregation: the other jobs are aggregated and the
missing ones are named. A job that raised during a multirun left ``job_failed.txt`` in its
directory (see :mod:`simulation.app`) and is named as failed with that reason; a killed job left
no complete ``manifest.json`` and is named as incomplete.

The reference job is job 0 unless ``reference`` names another one: either ``key=value`` pairs
separated by commas (``"economy=steady,cooperation=weak"``; the job whose overrides contain all
the pairs, in any order), a job number (``"2"``) or a job directory's name. Re-aggregate a
finished or partly failed sweep with::

    python -m simulation.sweep SWEEP_DIR [--reference "economy=steady,cooperation=weak"]

``simulation.app.SweepAggregator`` is the Hydra callback (``hydra.callbacks`` in ``configs/config.yaml``)
that runs the aggregation at the end of every multirun; it ends the multirun with exit status 1
when a job failed or is missing.
"""
from __future__ import annotations

import re
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.runs import outputs as out
from simulation.runs.atomic import remove_leftovers
from simulation.runs.indicators import CI_LEVEL, HEADLINE, summarise_values, t_quantile
from simulation.runs.rundir import DIRECTORY_KEYS

INDICATORS_FILE = "sweep_indicators.parquet"
DIFFERENCES_FILE = "sweep_differences.parquet"
SUMMARY_FILE = "sweep_summary.csv"
# the differences figure: sweep_differences.<png|svg|pdf> (simulation.present.figures.sweep)
FIGURE_STEM = "sweep_differences"
FIGURE_FORMATS = ("png", "svg", "pdf")
MISSING_FILE = "sweep_missing.txt"
MANIFEST_FILE = "sweep_manifest.json"
FAILED_FILE = out.FAILED_FILE  # in a job directory: the job raised (first line: the reason; then the traceback)
DEFAULT_SUBDIR = "${hydra.job.num}_${hydra.job.override_dirname}"  # hydra.sweep.subdir in configs/config.yaml

UNIT_LABELS = {"share": "%", "persons": "persons", "weeks": "weeks", "NOK bn/yr": "NOK bn/yr"}  # in the printed summary


class SweepError(Exception):
    """A sweep that cannot be aggregated; the message is one line."""


def one_line(err: BaseException, limit: int = 300) -> str:
    """'TypeName: first line of the message', at most ``limit`` characters."""
    lines = str(err).strip().splitlines()
    text = f"{type(err).__name__}: {lines[0].strip()}" if lines else type(err).__name__
    return text if len(text) <= limit else text[:limit - 1] + "…"


@dataclass
class Job:
    """One job directory of a sweep (or one the sweep should have written)."""

    name: str  # subdirectory name, or '#<num> <overrides>' for an absent job
    num: int | None
    path: Path | None
    overrides: list[str] = field(default_factory=list)
    status: str = "complete"  # or why it is missing: 'failed: <reason>', 'no manifest.json', 'incomplete (...)',
    # 'directory absent'
    manifest: dict | None = None
    indicators: pd.DataFrame | None = None
    by_replicate: pd.DataFrame | None = None
    label: str = ""

    @property
    def complete(self) -> bool:
        return self.status == "complete"

    @property
    def failed(self) -> bool:
        return self.status.startswith("failed")

    @property
    def pairs(self) -> dict[str, str]:
        return override_pairs(self.overrides)

    def describe(self) -> str:
        return f"{self.name} ({self.status})"


# ------------------------------------------------------------------------------------ overrides


def _split_top_level(text: str) -> list[str]:
    """Split at commas outside brackets and quotes: 'a=1,b=[x,y]' -> ['a=1', 'b=[x,y]']."""
    parts, depth, quote, cur = [], 0, "", []
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "[({":
            depth += 1
        elif ch in "])}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def override_pairs(overrides: list[str]) -> dict[str, str]:
    """{key: value} of Hydra override strings; '+'/'++' prefixes are dropped, deletions ignored, and so
    are the keys that only say what to do with the directory (``output.overwrite``)."""
    pairs: dict[str, str] = {}
    for o in overrides:
        if "=" not in o or o.startswith("~"):
            continue
        key, value = o.split("=", 1)
        key = key.strip().lstrip("+")
        if key in DIRECTORY_KEYS:
            continue
        pairs[key] = value.strip()
    return pairs


def parse_reference(text: str) -> dict[str, str]:
    """'economy=steady,cooperation=weak' -> {'economy': 'steady', 'cooperation': 'weak'}.

    A piece without '=' continues the previous value (an unbracketed list), so
    'population.only_counties=[Ostfold,Oslo]' also works.
    """
    pieces: list[str] = []
    for p in _split_top_level(text):
        if "=" not in p and pieces:
            pieces[-1] += "," + p
        else:
            pieces.append(p)
    bad = [p for p in pieces if "=" not in p]
    if bad or not pieces:
        raise SweepError(f"reference {text!r}: expected key=value pairs separated by commas, "
                         f"a job number or a job directory name")
    return override_pairs(pieces)


def _same(a: str, b: str) -> bool:
    return a.strip().strip("'\"").lower() == b.strip().strip("'\"").lower()


def expected_jobs(sweep_dir: Path) -> list[list[str]] | None:
    """The override lists of the jobs the sweep launched, in job order, from ``multirun.yaml``.

    The basic sweeper runs the cartesian product of the sweeper's ``params`` and the command
    line's overrides; this repeats its expansion. None when the file is absent, the sweeper is
    another one, or anything cannot be read.
    """
    path = sweep_dir / "multirun.yaml"
    if not path.is_file():
        return None
    try:
        from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
        from hydra.core.override_parser.overrides_parser import OverridesParser
        from omegaconf import OmegaConf

        cfg = OmegaConf.load(path)
        sweeper = cfg.hydra.sweeper
        if not str(sweeper.get("_target_", "")).endswith("BasicSweeper"):
            return None
        params = [f"{k}={v}" for k, v in (sweeper.get("params") or {}).items()]
        task = list(cfg.hydra.overrides.task)
        parsed = OverridesParser.create().parse_overrides(params + task)
        return [list(job) for job in BasicSweeper.split_arguments(parsed, None)[0]]
    except Exception:  # noqa: BLE001 -- a sweep we cannot expand is aggregated from its directories alone
        return None


def _hydra_quote(text: str) -> str:
    """A Hydra override value that keeps ',', '=', brackets and spaces literal."""
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return '"' + text.replace('"', '\\"') + '"'


def _absent_subdir(sweep_dir: Path, job: Job) -> str:
    """The directory name Hydra would have given a job that never started (``<num>`` when unknown)."""
    fallback = str(job.num)
    try:
        from hydra._internal.config_loader_impl import get_overrides_dirname
        from hydra.core.override_parser.overrides_parser import OverridesParser
        from omegaconf import OmegaConf

        cfg = OmegaConf.load(sweep_dir / "multirun.yaml")
        if OmegaConf.to_container(cfg.hydra.sweep, resolve=False).get("subdir") != DEFAULT_SUBDIR:
            return fallback
        od = cfg.hydra.job.config.override_dirname
        parsed = OverridesParser.create().parse_overrides(job.overrides)
        return f"{job.num}_" + get_overrides_dirname(parsed, list(od.exclude_keys), od.item_sep, od.kv_sep)
    except Exception:  # noqa: BLE001 -- any directory starting with the job number is found by find_jobs
        return fallback


def rerun_command(job: Job, sweep_dir: Path) -> str:
    """The shell command that re-runs one job of the sweep, as a single run, into its directory.

    Then ``python -m simulation.sweep SWEEP_DIR`` aggregates the sweep with it. A job whose directory
    exists is re-run with ``output.overwrite=true``: its earlier attempt is removed whole before the
    re-run starts (:mod:`simulation.runs.launch`), so the job counts as complete only once the
    re-run has finished.
    """
    target = job.path if job.path is not None else Path(sweep_dir) / _absent_subdir(Path(sweep_dir), job)
    overrides = [o for o in job.overrides if o.lstrip("+").split("=", 1)[0] not in DIRECTORY_KEYS]
    replace = ["output.overwrite=true"] if job.path is not None else []  # the directory holds the failed attempt
    args = ["python", "-m", "simulation", *overrides, *replace, f"hydra.run.dir={_hydra_quote(str(target))}"]
    return " ".join(shlex.quote(a) for a in args)


# ---------------------------------------------------------------------------------------- reading


def _job_number(name: str) -> int | None:
    m = re.match(r"(\d+)(_|$)", name)
    return int(m.group(1)) if m else None


def _hydra_overrides(path: Path) -> list[str]:
    """The overrides Hydra saved when the job started (``.hydra/overrides.yaml``); [] when unreadable."""
    try:
        from omegaconf import OmegaConf

        return [str(o) for o in OmegaConf.load(path / ".hydra" / "overrides.yaml")]
    except Exception:  # noqa: BLE001 -- absent or damaged: the caller falls back on other sources
        return []


def _failure_reason(path: Path) -> str | None:
    """The first line of the job's ``job_failed.txt``; None when the job did not fail."""
    try:
        text = (path / FAILED_FILE).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    except OSError as err:
        return f"reason unreadable ({type(err).__name__})"
    return (text.strip().splitlines() or ["reason not recorded"])[0].strip()


INDICATOR_COLUMNS = ("indicator", "unit", "mean", "ci90_low", "ci90_high", "n_valid")
REPLICATE_COLUMNS = ("indicator", "unit", "replicate", "value")


def _is_job_dir(path: Path) -> bool:
    """A directory a job of this program wrote: Hydra's record of the job, a manifest or a failure marker."""
    return any((path / name).exists() for name in (".hydra", out.MANIFEST, FAILED_FILE))


def _read_table(path: Path, columns: tuple[str, ...]) -> pd.DataFrame | str:
    """The table, or why it cannot be used (absent, unreadable, another schema)."""
    try:
        df = pd.read_parquet(path)
    except FileNotFoundError:
        return f"{path.name} absent"
    except Exception as err:  # noqa: BLE001 -- a damaged file makes the job missing, not the sweep
        return f"{path.name} unreadable ({type(err).__name__})"
    lacking = [c for c in columns if c not in df.columns]
    if lacking:
        return f"{path.name} has no column {lacking[0]!r} (not a table of this program)"
    for col in ("indicator", "unit"):
        df[col] = df[col].astype(str)
    return df


def _read_job(path: Path) -> Job:
    job = Job(name=path.name, num=_job_number(path.name), path=path)
    reason = _failure_reason(path)
    if reason is not None:  # the job raised; a manifest left by an earlier attempt does not count
        job.status = f"failed: {reason}"
        job.overrides = _hydra_overrides(path)
        return job
    if not (path / out.MANIFEST).is_file():
        job.status = "no manifest.json"
        job.overrides = _hydra_overrides(path)
        return job
    try:
        job.manifest = out.read_manifest(path)
    except out.ManifestError as err:
        job.status = f"unreadable manifest.json ({str(err).rsplit(': ', 1)[-1]})"
        job.overrides = _hydra_overrides(path)
        return job
    listed = job.manifest.get("overrides", [])
    job.overrides = [str(o) for o in listed] if isinstance(listed, list) else _hydra_overrides(path)
    if job.manifest.get("complete") is not True:
        job.status = "incomplete (manifest complete: false)"
        return job
    if not isinstance(job.manifest.get("replicates"), int) or isinstance(job.manifest.get("replicates"), bool):
        job.status = "manifest.json has no replicate count (not a manifest of this program)"
        return job
    try:
        out.check_complete(path)
    except out.ManifestError as err:
        job.status = f"damaged: {str(err).removeprefix(str(path) + '/')}"
        return job
    for attr, fname, columns in (("indicators", "indicators.parquet", INDICATOR_COLUMNS),
                                 ("by_replicate", "indicators_by_replicate.parquet", REPLICATE_COLUMNS)):
        df = _read_table(path / fname, columns)
        if isinstance(df, str):
            job.status = df
            return job
        setattr(job, attr, df)
    return job


def find_jobs(sweep_dir: Path) -> tuple[list[Job], int | None]:
    """Every job directory of the sweep plus the expected jobs whose directory is absent.

    A job directory is a subdirectory that a job of this program wrote (it holds Hydra's
    ``.hydra/``, a ``manifest.json`` or a ``job_failed.txt``); any other folder is not a job, even
    when its name starts with a number (see :func:`foreign_dirs`). Returns the jobs in job order and
    the number of jobs the sweep launched (None when unknown).
    """
    jobs = [_read_job(p) for p in sorted(sweep_dir.iterdir())
            if p.is_dir() and not p.name.startswith(".") and _is_job_dir(p)]
    expected = expected_jobs(sweep_dir)
    if expected is not None:
        by_num = {j.num: j for j in jobs if j.num is not None}
        for num, overrides in enumerate(expected):
            if num in by_num:
                if not by_num[num].overrides:  # no manifest: take the overrides the sweep gave the job
                    by_num[num].overrides = overrides
                continue
            want = override_pairs(overrides)
            if any(j.num is None and j.pairs and all(k in want and _same(v, want[k]) for k, v in j.pairs.items())
                   and len(j.pairs) == len(want) for j in jobs):
                continue
            jobs.append(Job(name=f"#{num} {' '.join(overrides)}", num=num, path=None, overrides=overrides,
                            status="directory absent"))
    for j in jobs:  # no manifest, no .hydra/overrides.yaml and nothing expected: read them off the directory name
        if not j.overrides and j.path is not None and "_" in j.name:
            j.overrides = _split_top_level(j.name.split("_", 1)[1])
    jobs.sort(key=lambda j: (j.num is None, j.num if j.num is not None else 0, j.name))
    return jobs, (len(expected) if expected is not None else None)


def foreign_dirs(sweep_dir: Path) -> list[str]:
    """Folders in a sweep directory that no job of this program wrote (left out of the aggregation)."""
    return [p.name for p in sorted(Path(sweep_dir).iterdir())
            if p.is_dir() and not p.name.startswith(".") and not _is_job_dir(p)]


def label_jobs(jobs: list[Job]) -> list[str]:
    """Give each job a label from the overrides that differ between jobs; returns those keys."""
    keys: list[str] = []
    for j in jobs:
        for k in j.pairs:
            if k not in keys:
                keys.append(k)
    varying = [k for k in keys if len({j.pairs.get(k, "").lower() for j in jobs}) > 1]
    for j in jobs:
        shown = [f"{k}={j.pairs[k]}" for k in varying if k in j.pairs]
        j.label = ", ".join(shown) or ", ".join(j.overrides) or j.name
    return varying


def resolve_reference(jobs: list[Job], reference: str | None) -> Job:
    """The reference job: job 0 (else the first complete job) or the one ``reference`` names."""
    complete = [j for j in jobs if j.complete]
    if reference is None or not str(reference).strip():
        zero = [j for j in complete if j.num == 0]
        return zero[0] if zero else complete[0]
    ref = str(reference).strip()
    if ref.isdigit():
        hits = [j for j in jobs if j.num == int(ref)]
    else:
        hits = [j for j in jobs if j.path is not None and j.name == ref]
        if not hits:
            want = parse_reference(ref)
            hits = [j for j in jobs if all(k in j.pairs and _same(j.pairs[k], v) for k, v in want.items())]
    labels = "; ".join(j.label for j in jobs)
    if not hits:
        raise SweepError(f"reference {ref!r} matches no job of the sweep (jobs: {labels})")
    if len(hits) > 1:
        raise SweepError(f"reference {ref!r} matches {len(hits)} jobs ({'; '.join(j.label for j in hits)}); "
                         f"give more key=value pairs")
    if not hits[0].complete:
        raise SweepError(f"reference job {hits[0].name} is missing ({hits[0].status}); choose another with --reference")
    return hits[0]


# -------------------------------------------------------------------------------------- statistics


def _excludes_zero(lo: float, hi: float) -> bool:
    return bool(np.isfinite(lo) and np.isfinite(hi) and (lo > 0 or hi < 0))


def welch_interval(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Mean of a minus mean of b with a Welch (unequal variances) 90 % interval."""
    sa, sb = summarise_values(np.asarray(a, dtype=float)), summarise_values(np.asarray(b, dtype=float))
    diff = sa["mean"] - sb["mean"]
    row = {"mean": diff, "ci90_low": np.nan, "ci90_high": np.nan}
    if sa["n_valid"] >= 2 and sb["n_valid"] >= 2:
        va, vb = sa["sd"] ** 2 / sa["n_valid"], sb["sd"] ** 2 / sb["n_valid"]
        se = np.sqrt(va + vb)
        if se > 0:
            df = (va + vb) ** 2 / (va ** 2 / (sa["n_valid"] - 1) + vb ** 2 / (sb["n_valid"] - 1))
            half = t_quantile(0.5 + CI_LEVEL / 2, df) * se
        else:
            half = 0.0
        row.update(ci90_low=diff - half, ci90_high=diff + half)
    return row


def difference_rows(job: Job, ref: Job) -> list[dict[str, Any]]:
    """Per indicator: job minus reference, paired by replicate when both ran on the same seed."""
    paired = job.manifest.get("seed") == ref.manifest.get("seed")
    jw = job.by_replicate.pivot(index="replicate", columns="indicator", values="value")
    rw = ref.by_replicate.pivot(index="replicate", columns="indicator", values="value")
    units = dict(zip(ref.by_replicate["indicator"], ref.by_replicate["unit"]))
    order = list(dict.fromkeys(ref.by_replicate["indicator"]))
    rows = []
    for name in order:
        if name not in jw.columns:
            continue
        a, b = jw[name].to_numpy(float), rw[name].to_numpy(float)
        sa, sb = summarise_values(a), summarise_values(b)
        if paired:
            common = jw.index.intersection(rw.index)
            s = summarise_values((jw.loc[common, name] - rw.loc[common, name]).to_numpy(float))
            n_pairs = int(s["n_valid"])
        else:
            s = welch_interval(a, b)
            n_pairs = 0
        rows.append({
            "job_num": job.num, "job": job.name, "label": job.label,
            "reference_job": ref.name, "reference_label": ref.label,
            "scenario": job.manifest.get("scenario"), "economy": job.manifest.get("economy"),
            "cooperation": job.manifest.get("cooperation"),
            "indicator": name, "unit": units.get(name, ""),
            "mean_job": sa["mean"], "mean_reference": sb["mean"],
            "mean_difference": s["mean"], "ci90_low": s["ci90_low"], "ci90_high": s["ci90_high"],
            "n_pairs": n_pairs, "n_job": int(sa["n_valid"]), "n_reference": int(sb["n_valid"]),
            "paired": paired, "excludes_zero": _excludes_zero(s["ci90_low"], s["ci90_high"]),
        })
    return rows


def indicator_rows(job: Job) -> list[dict[str, Any]]:
    """The job's own summary (its indicators.parquet), one row per indicator."""
    m = job.manifest
    rows = []
    for _, r in job.indicators.iterrows():
        rows.append({
            "job_num": job.num, "job": job.name, "label": job.label, "overrides": ",".join(job.overrides),
            "scenario": m.get("scenario"), "economy": m.get("economy"), "cooperation": m.get("cooperation"),
            "seed": m.get("seed"), "indicator": r["indicator"], "unit": r["unit"],
            "mean": r["mean"], "ci90_low": r["ci90_low"], "ci90_high": r["ci90_high"],
            "n_replicates": int(m.get("replicates", 0)), "n_valid": int(r["n_valid"]),
        })
    return rows


# -------------------------------------------------------------------------------------- formatting


def _fmt(x: float, unit: str) -> str:
    if not np.isfinite(x):
        return "n/a"
    if unit == "share":
        return f"{100 * x:.1f}"
    if unit == "persons":
        return f"{x:,.0f}"
    return f"{x:.1f}"


def _cell(mean: float, lo: float, hi: float, unit: str) -> str:
    if not np.isfinite(mean):
        return "n/a (no cases)"
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return _fmt(mean, unit)
    return f"{_fmt(mean, unit)} [{_fmt(lo, unit)}, {_fmt(hi, unit)}]"


def short_label(job: Job, varying: list[str]) -> str:
    vals = [job.pairs[k] for k in varying if k in job.pairs]
    return " · ".join(vals) if vals else job.label


def summary_table(indicators: pd.DataFrame, jobs: list[Job]) -> pd.DataFrame:
    """Headline indicators x jobs, cells 'mean [lo, hi]' (shares in per cent)."""
    table = pd.DataFrame({"indicator": [h for h in HEADLINE if h in set(indicators["indicator"])]})
    units = dict(zip(indicators["indicator"], indicators["unit"]))
    table["unit"] = [UNIT_LABELS.get(units[h], units[h]) for h in table["indicator"]]
    for j in jobs:
        sub = indicators[indicators["job"] == j.name].set_index("indicator")
        table[j.label] = [_cell(*sub.loc[h, ["mean", "ci90_low", "ci90_high"]], units[h]) if h in sub.index else ""
                          for h in table["indicator"]]
    return table


def format_summary(table: pd.DataFrame, width: int = 140, names: dict[str, str] | None = None) -> str:
    """The summary table as text, split into blocks of job columns that fit ``width``.

    ``names`` gives shorter column headings (job label -> heading)."""
    head = ["indicator", "unit"]
    table = table.rename(columns=names or {})
    jobs = [c for c in table.columns if c not in head]
    w0 = max(len(s) for s in [*table["indicator"], "indicator"])
    w1 = max(len(s) for s in [*table["unit"], "unit"])
    widths = {c: max(len(c), *(len(s) for s in table[c])) for c in jobs}
    blocks, cur, used = [], [], w0 + w1 + 2
    for c in jobs:
        if cur and used + 2 + widths[c] > width:
            blocks.append(cur)
            cur, used = [], w0 + w1 + 2
        cur.append(c)
        used += 2 + widths[c]
    if cur:
        blocks.append(cur)
    lines = []
    for cols in blocks:
        if lines:
            lines.append("")
        lines.append(f"{'indicator':<{w0}}  {'unit':<{w1}}  " + "  ".join(f"{c:>{widths[c]}}" for c in cols))
        for _, r in table.iterrows():
            lines.append(f"{r['indicator']:<{w0}}  {r['unit']:<{w1}}  "
                         + "  ".join(f"{r[c]:>{widths[c]}}" for c in cols))
    return "\n".join(lines)



# ------------------------------------------------------------------------------------- aggregation


def aggregate(sweep_dir: Path | str, reference: str | None = None,
              draw: Callable[[Path, str], list[Path]] | None = None) -> dict:
    """Aggregate the complete jobs of a sweep directory; see the module docstring for the files.

    Returns a dict with ``sweep_dir``, ``jobs`` (name -> status), ``complete_jobs``,
    ``missing_jobs`` (one string per failed, missing or incomplete job, with the reason),
    ``failed_jobs`` (the names of the jobs that raised), ``reference``
    and ``reference_label``, ``paired``, ``files`` (name -> path) and ``summary_text``.
    Raises :class:`SweepError` (one-line message) when the directory does not exist, no job is
    complete or ``reference`` names no complete job.
    """
    sweep_dir = Path(sweep_dir)
    if not sweep_dir.is_dir():
        raise SweepError(f"sweep directory {sweep_dir} not found")
    if (sweep_dir / out.MANIFEST).is_file() and not (sweep_dir / "multirun.yaml").is_file():
        raise SweepError(f"{sweep_dir} is a run directory (it holds manifest.json), not a sweep directory")
    jobs, n_expected = find_jobs(sweep_dir)
    complete = [j for j in jobs if j.complete]
    missing = [j for j in jobs if not j.complete]
    if not complete:
        what = f"{len(jobs)} job director{'y' if len(jobs) == 1 else 'ies'}" if jobs else "no job directories"
        raise SweepError(f"no complete job in {sweep_dir} ({what}"
                         f"{'; ' + missing[0].describe() if missing else ''})")
    varying = label_jobs(jobs)
    ref = resolve_reference(jobs, reference)
    ignored = foreign_dirs(sweep_dir)
    if ignored:
        print(f"warning: left out {len(ignored)} folder{'s' if len(ignored) != 1 else ''} that no job of this program "
              f"wrote: {', '.join(ignored[:5])}{' ...' if len(ignored) > 5 else ''}", file=sys.stderr)
    if missing:
        print(f"warning: {len(missing)} of {len(jobs)} jobs missing or incomplete, aggregated the other "
              f"{len(complete)}: {'; '.join(j.describe() for j in missing)}", file=sys.stderr)

    indicators = pd.DataFrame([row for j in complete for row in indicator_rows(j)])
    diff_rows = [row for j in complete if j is not ref for row in difference_rows(j, ref)]
    diff_cols = ["job_num", "job", "label", "reference_job", "reference_label", "scenario", "economy", "cooperation",
                 "indicator", "unit", "mean_job", "mean_reference", "mean_difference", "ci90_low", "ci90_high",
                 "n_pairs", "n_job", "n_reference", "paired", "excludes_zero"]
    diffs = pd.DataFrame(diff_rows, columns=diff_cols)
    summary = summary_table(indicators, complete)

    # from here on the directory changes: first forget the earlier aggregation (its manifest, written
    # last, is what says the sweep files are current), so a write that fails leaves no stale manifest
    (sweep_dir / MANIFEST_FILE).unlink(missing_ok=True)
    remove_leftovers(sweep_dir)
    files: dict[str, Path] = {}
    out.write_parquet(indicators, sweep_dir / INDICATORS_FILE)
    files[INDICATORS_FILE] = sweep_dir / INDICATORS_FILE
    out.write_parquet(diffs, sweep_dir / DIFFERENCES_FILE)
    files[DIFFERENCES_FILE] = sweep_dir / DIFFERENCES_FILE
    out.write_text(summary.to_csv(index=False), sweep_dir / SUMMARY_FILE)
    files[SUMMARY_FILE] = sweep_dir / SUMMARY_FILE
    for fmt in FIGURE_FORMATS:  # no figure from an earlier aggregation
        (sweep_dir / f"{FIGURE_STEM}.{fmt}").unlink(missing_ok=True)
    if draw is not None and len(diffs):
        for path in draw(sweep_dir, ref.name):
            files[path.name] = path
    if missing:
        out.write_text("".join(f"{j.describe()}\n    re-run: {rerun_command(j, sweep_dir)}\n" for j in missing)
                       + f"then aggregate again: python -m simulation.sweep {shlex.quote(str(sweep_dir))}\n",
                       sweep_dir / MISSING_FILE)
        files[MISSING_FILE] = sweep_dir / MISSING_FILE
    else:
        (sweep_dir / MISSING_FILE).unlink(missing_ok=True)
    files[MANIFEST_FILE] = sweep_dir / MANIFEST_FILE
    paired = bool(diffs["paired"].all()) if len(diffs) else True
    manifest = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "sweep_dir": str(sweep_dir),
        "jobs_expected": n_expected,
        "jobs_found": [j.name for j in jobs if j.path is not None],
        "complete": [j.name for j in complete],
        "missing": [j.describe() for j in missing],
        "ignored_folders": ignored,
        "failed": {j.name: j.status.removeprefix("failed: ") for j in missing if j.failed},
        "rerun": {j.name: rerun_command(j, sweep_dir) for j in missing},
        "reference": ref.name,
        "reference_label": ref.label,
        "reference_requested": reference,
        "varying": varying,
        "paired": paired,
        "ci_level": CI_LEVEL,
        "files": sorted(files),
    }
    out.write_json(manifest, sweep_dir / MANIFEST_FILE)
    return {
        "sweep_dir": sweep_dir,
        "jobs": {j.name: j.status for j in jobs},
        "complete_jobs": [j.name for j in complete],
        "missing_jobs": [j.describe() for j in missing],
        "failed_jobs": [j.name for j in missing if j.failed],
        "reference": ref.name,
        "reference_label": ref.label,
        "paired": paired,
        "files": files,
        "summary_text": (f"jobs: {' · '.join(varying)}\n" if varying else "")
        + format_summary(summary, names={j.label: short_label(j, varying) for j in complete}),
    }


def report(result: dict) -> str:
    """What the callback and the command line print after an aggregation."""
    n, m = len(result["complete_jobs"]), len(result["missing_jobs"])
    lines = [f"\nsweep: {n} complete job{'s' if n != 1 else ''}"
             + (f", {m} missing" if m else "") + f"; reference {result['reference_label']}"
             + ("" if result["paired"] else " (some differences unpaired: other seed)"),
             "headline indicators, mean [90 % CI] (shares in per cent):", result["summary_text"], ""]
    lines += [f"  {p}" for p in result["files"].values()]
    return "\n".join(lines)


def not_complete(sweep_dir: Path) -> list[str]:
    """The failed, missing or incomplete jobs of a sweep that could not be aggregated; [] when unknown."""
    try:
        return [j.describe() for j in find_jobs(sweep_dir)[0] if not j.complete]
    except Exception:  # noqa: BLE001 -- e.g. no sweep directory at all: nothing to name
        return []
