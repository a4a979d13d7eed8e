"""Where a command may write: a run never mixes with what was in its directory.

A run directory (``hydra.run.dir``, or the directory given to ``write_outputs``) must be absent,
empty, or an earlier run of this program; an earlier run is replaced *whole*, and only when the
user asks for it (``output.overwrite=true``). A directory that holds anything this program does
not write (a user's notes, another tool's files) is never written into. The same holds for a
sweep directory (``hydra.sweep.dir``) and its job directories.

Everything here is decided before anything is written: :func:`check_target` looks at the path
itself (a file in the way, a name too long, a folder that cannot be written), :func:`inspect`
says what a directory holds, and :func:`prepare` refuses or clears it. Errors are
:class:`OutputDirError`, a :class:`~simulation.core.config.ConfigError` whose message is one line
naming the key (or option) and the path.
"""
from __future__ import annotations

import errno
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from simulation.core.config import ConfigError
from simulation.runs.atomic import is_leftover
from simulation.runs.outputs import FAILED_FILE, FIGURE_FORMATS, FIGURES_DIR, MANIFEST, RUN_FIGURES, TABLES

HYDRA_DIR = ".hydra"
HYDRA_FILES = ("config.yaml", "hydra.yaml", "overrides.yaml")
RUN_LOG = "app.log"  # Hydra's job log: <job name>.log, and the job is simulation/app.py
RUN_FILES = frozenset((*TABLES, MANIFEST, FAILED_FILE, RUN_LOG))
FIGURE_FILES = frozenset(f"{n}.{f}" for n in RUN_FIGURES for f in FIGURE_FORMATS)
SWEEP_FILES = frozenset(("multirun.yaml", "sweep_indicators.parquet", "sweep_differences.parquet", "sweep_summary.csv",
                         "sweep_missing.txt", "sweep_manifest.json",
                         *(f"sweep_differences.{f}" for f in FIGURE_FORMATS)))
SWEEP_DIRS = frozenset((".submitit",))  # the submitit launchers' job files
RUN_MARKERS = frozenset((HYDRA_DIR, MANIFEST, FAILED_FILE))  # a run writes one of these before anything else
DIRECTORY_KEYS = ("output.overwrite",)  # overrides that say what to do with the directory, not what to simulate


class OutputDirError(ConfigError):
    """A directory that a command must not or cannot write into; the message is one line."""


@dataclass
class DirState:
    """What a directory holds, as far as this program is concerned."""

    path: Path
    kind: str  # 'absent', 'empty', 'run', 'sweep' or 'foreign'
    foreign: list[str] = field(default_factory=list)  # entries this program does not write (relative paths)
    complete: bool = False  # a run: its manifest says complete; a sweep: one of its jobs is complete
    described: str = ""  # e.g. "scenario baseline, economy steady, created 2026-12-01T14:54:19"
    entries: list[Path] = field(default_factory=list)  # what replacing the directory removes


# ------------------------------------------------------------------------------------ the path itself


def _name_max(existing: Path) -> tuple[int, int]:
    try:
        return os.pathconf(existing, "PC_NAME_MAX"), os.pathconf(existing, "PC_PATH_MAX")
    except (OSError, ValueError):
        return 255, 4096


def check_target(path: Path | str, key: str) -> Path:
    """The path of a directory a command will write into, checked before anything is written.

    Refused (one line naming ``key``): an empty path, a path that is a file, a path below a file,
    a folder name or path too long for the file system, and a place that cannot be written
    (read-only file system, no permission). Returns the path.
    """
    text = str(path)
    if not text.strip():
        raise OutputDirError(f"{key}={text!r}: empty; give a directory")
    path = Path(text)
    existing = path
    for part in path.parts:  # before anything looks the path up: the lookup itself fails on such a name
        if len(os.fsencode(part)) > 255:
            raise OutputDirError(f"{key}={_short(text)}: a folder name is too long ({len(os.fsencode(part))} bytes; "
                                 f"file systems allow 255)")
    while not _exists(existing) and existing != existing.parent:
        if existing.is_symlink():  # a dangling link: writing would follow it somewhere else
            raise OutputDirError(f"{key}={path}: {existing} is a broken symbolic link")
        existing = existing.parent
    if not _exists(existing):
        existing = Path.cwd()
    name_max, path_max = _name_max(existing if existing.is_dir() else existing.parent)
    for part in path.parts:
        if len(os.fsencode(part)) > name_max:
            raise OutputDirError(f"{key}={_short(text)}: a folder name is too long ({len(os.fsencode(part))} bytes; "
                                 f"the file system allows {name_max})")
    if len(os.fsencode(str(path.absolute()))) >= path_max:
        raise OutputDirError(f"{key}={_short(text)}: the path is too long (the file system allows {path_max} bytes)")
    if existing.exists() and not existing.is_dir():
        where = "is a file" if existing == path else f"is below {existing}, which is a file"
        raise OutputDirError(f"{key}={path}: {where}, not a directory")
    for above in path.absolute().parents:
        if _is_run_dir(above):
            raise OutputDirError(f"{key}={path}: is inside the run directory {above}; a run's directory holds only "
                                 "what that run wrote (choose a directory outside it)")
    if not os.access(existing, os.W_OK | os.X_OK):
        why = "read-only file system" if _read_only_fs(existing) else "no permission to write"
        raise OutputDirError(f"{key}={path}: cannot write in {existing} ({why})")
    return path


def _is_run_dir(path: Path) -> bool:
    """A directory a run of this program (or another Hydra job) wrote into."""
    return _exists(path / HYDRA_DIR / "config.yaml") or "files_bytes" in (_manifest(path) or {})


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # e.g. a name too long to look up: it does not exist (check_target says why)
        return False


def _read_only_fs(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


# --------------------------------------------------------------------------------- what a directory holds


def _run_entries(run_dir: Path, prefix: str = "") -> tuple[list[str], list[Path]]:
    """(foreign entries, our entries) of a run directory."""
    foreign, ours = [], []
    for p in sorted(run_dir.iterdir()):
        rel = f"{prefix}{p.name}"
        if p.is_symlink():
            foreign.append(rel)
        elif p.is_file() and (p.name in RUN_FILES or is_leftover(p.name)):
            ours.append(p)
        elif p.is_dir() and p.name == HYDRA_DIR:
            bad = [f"{rel}/{q.name}" for q in sorted(p.iterdir()) if not (q.is_file() and not q.is_symlink() and (
                q.name in HYDRA_FILES or is_leftover(q.name)))]
            (foreign.extend(bad) if bad else ours.append(p))
        elif p.is_dir() and p.name == FIGURES_DIR:
            bad = [f"{rel}/{q.name}" for q in sorted(p.iterdir()) if not (q.is_file() and not q.is_symlink() and (
                q.name in FIGURE_FILES or is_leftover(q.name)))]
            (foreign.extend(bad) if bad else ours.append(p))
        else:
            foreign.append(rel + ("/" if p.is_dir() else ""))
    return foreign, ours


def _foreign_in_run(run_dir: Path, prefix: str = "") -> tuple[list[str], list[Path]]:
    """Like :func:`_run_entries`, but a directory without any mark of a run (``.hydra/``, a manifest,
    a failure marker) is foreign as a whole, even when its files have the names a run gives them."""
    foreign, ours = _run_entries(run_dir, prefix)
    if ours and not {p.name for p in ours} & RUN_MARKERS:
        foreign, ours = sorted(f"{prefix}{p.name}" + ("/" if p.is_dir() else "") for p in run_dir.iterdir()), []
    return foreign, ours


def _manifest(run_dir: Path) -> dict | None:
    try:
        data = json.loads((run_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _describe(manifest: dict | None) -> str:
    if not manifest:
        return ""
    parts = [f"{k} {manifest[k]}" for k in ("scenario", "economy", "cooperation") if isinstance(manifest.get(k), str)]
    if isinstance(manifest.get("created"), str):
        parts.append(f"created {manifest['created']}")
    return ", ".join(parts)


def inspect(path: Path | str) -> DirState:
    """Classify a directory: absent, empty, an earlier run, an earlier sweep, or foreign."""
    path = Path(path)
    if not path.exists():
        return DirState(path, "absent")
    entries = sorted(path.iterdir())
    if not entries:
        return DirState(path, "empty")
    names = {p.name for p in entries}
    if names & {"multirun.yaml", "sweep_manifest.json"}:
        foreign, ours, complete = [], [], False
        for p in entries:
            if p.is_file() and not p.is_symlink() and (p.name in SWEEP_FILES or is_leftover(p.name)):
                ours.append(p)
            elif p.is_dir() and not p.is_symlink() and p.name in SWEEP_DIRS:
                ours.append(p)
            elif p.is_dir() and not p.is_symlink():
                bad, _ = _foreign_in_run(p, prefix=f"{p.name}/") if any(p.iterdir()) else ([], [])
                foreign += bad
                ours.append(p)
                complete = complete or (_manifest(p) or {}).get("complete") is True
            else:
                foreign.append(p.name)
        if foreign:
            return DirState(path, "foreign", foreign=foreign)
        return DirState(path, "sweep", complete=complete, entries=ours)
    foreign, ours = _foreign_in_run(path)
    if foreign:
        return DirState(path, "foreign", foreign=foreign)
    manifest = _manifest(path)
    return DirState(path, "run", complete=bool(manifest and manifest.get("complete") is True),
                    described=_describe(manifest), entries=ours)


def _foreign_message(key: str, state: DirState, what: str) -> str:
    names = state.foreign
    listed = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    return (f"{key}={state.path}: holds {listed}, which this program did not write; it writes only into an empty "
            f"directory or {what} (choose another directory, or move those files away)")


def prepare(path: Path | str, key: str, overwrite: bool, kind: str = "run") -> DirState:
    """Refuse or clear the directory a run (``kind='run'``) or sweep (``kind='sweep'``) will write into.

    Absent or empty: nothing to do. Foreign content: refused, whatever ``overwrite`` says. An
    earlier run or sweep of this program: refused unless ``overwrite``, then removed whole (its
    files only; the directory stays). Returns what the directory held.
    """
    path = check_target(path, key)
    state = inspect(path)
    what = "an earlier run of it" if kind == "run" else "an earlier sweep of it"
    if state.kind in ("absent", "empty"):
        try:
            path.mkdir(parents=True, exist_ok=True)  # now, so a place that cannot hold a folder is said here
        except OSError as err:
            raise OutputDirError(f"{key}={path}: cannot create it ({describe_os_error(err).rsplit(': ', 1)[-1]})") \
                from None
        return state
    if state.kind == "foreign" or state.kind != kind:
        if state.kind != "foreign":  # a sweep where a run goes, or the other way round
            state.foreign = [f"a{'n earlier sweep' if state.kind == 'sweep' else ' run'} ({path.name})"]
        raise OutputDirError(_foreign_message(key, state, what))
    if not overwrite:
        held = (f"a finished {kind}" if state.complete else f"an incomplete earlier {kind}") + (
            f" ({state.described})" if state.described else "")
        raise OutputDirError(f"{key}={path}: holds {held}; choose another directory, or add output.overwrite=true "
                             f"to replace it")
    clear(state)
    return state


def check_report_dir(path: Path | str, key: str) -> Path:
    """A report directory (``--out`` of calibration, sensitivity, sufficiency): checked like
    :func:`check_target`, and it must be absent or empty, so a report never mixes with other files."""
    path = check_target(path, key)
    if path.is_dir() and any(path.iterdir()):
        raise OutputDirError(f"{key}={path}: is not empty; a report goes into a new or empty directory")
    return path


def clear(state: DirState) -> None:
    """Remove an earlier run's or sweep's files (the entries :func:`inspect` found to be ours)."""
    for p in state.entries:
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink(missing_ok=True)


# ------------------------------------------------------------------------------------ one-line messages


_WRITE_ERRNOS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
                 errno.EROFS: "read-only file system", errno.EACCES: "permission denied",
                 errno.EPERM: "operation not permitted", errno.ENAMETOOLONG: "file name too long",
                 errno.ENOTDIR: "a path component is a file, not a directory",
                 errno.EISDIR: "a directory is in the way", errno.EEXIST: "a file is in the way",
                 errno.EIO: "input/output error", errno.ENOENT: "no such file or directory"}


def describe_os_error(err: OSError) -> str:
    """'PATH: the disk is full' -- one line for a file-system fault (the file's own name, not its temp name)."""
    lines = str(err).strip().splitlines()
    why = _WRITE_ERRNOS.get(err.errno or -1) or err.strerror or (lines[0] if lines else type(err).__name__)
    if err.filename is None:
        return f"file-system error: {why}"
    name = os.fsdecode(err.filename) if isinstance(err.filename, (str, bytes, os.PathLike)) else str(err.filename)
    where = re.sub(r"/\.([^/]+)\.[A-Za-z0-9_]{8}\.tmp$", r"/\1", name)
    return f"{where}: {why}"
