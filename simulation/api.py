"""The Python API: compose a config like the CLI does, run it, and write a run directory.

``run(load_config(["economy=recession"]))`` returns the same results as
``python -m simulation economy=recession`` without going through Hydra's app. This module only
joins the layers: the simulation (``simulation.runs``) and the figures (``simulation.present``).
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from simulation.core.config import ConfigError, SimConfig, validate
from simulation.present.text import format_headline as _format_headline
from simulation.runs import outputs as out
from simulation.runs.atomic import remove_leftovers
from simulation.runs.compose import CONFIG_DIR, load_config
from simulation.runs.results import Results, as_sim_config, run
from simulation.runs.rundir import OutputDirError, prepare

__all__ = ["load_config", "run", "write_outputs", "format_headline", "Results", "validate", "ConfigError",
           "SimConfig", "as_sim_config", "CONFIG_DIR"]


def format_headline(results: Results) -> str:
    """The headline table as text: shares in per cent, persons rounded, with 90 % intervals."""
    return _format_headline(results.headline())


def write_outputs(results: Results, directory: Path | str, overrides: Iterable[str] = (),
                  overwrite: bool | None = None, figures: bool | None = None) -> dict[str, int]:
    """Write the run directory: tables, headline, figures (``output.figures`` unless ``figures`` says), and
    the manifest last. Returns file sizes.

    ``directory`` must be absent, empty, or hold an earlier run of this program; an earlier run is
    replaced whole when ``overwrite`` is true (default: the config's ``output.overwrite``).
    Anything else in it (a user's files) is never mixed with the run: :class:`ConfigError`, and
    nothing is written.
    """
    if not isinstance(results, Results):
        raise ConfigError(f"config error: write_outputs: expected the Results of run(...), got "
                          f"{type(results).__name__}")
    if overwrite is None:
        overwrite = results.config.output.overwrite
    try:
        prepare(directory, "directory", overwrite=bool(overwrite), kind="run")
    except OutputDirError as err:
        raise OutputDirError(f"config error: write_outputs: {err}") from None
    return write_run_dir(results, directory, overrides, figures=figures)


def write_run_dir(results: Results, directory: Path | str, overrides: Iterable[str] = (),
                  figures: bool | None = None) -> dict[str, int]:
    """Write the tables, figures (``output.figures`` unless ``figures`` says) and manifest into a directory
    already checked (:func:`write_outputs` checks it; the Hydra app's job directory is checked before Hydra
    starts)."""
    import time

    directory = Path(directory)
    overrides = list(overrides)
    remove_leftovers(directory)
    written = out.write_tables(results, directory, overrides)
    cfg = results.config
    if cfg.output.figures if figures is None else figures:
        t1 = time.perf_counter()
        from simulation.present.figures.run import drawing_processes, make_figures

        written += make_figures(directory, language=cfg.output.language, fmt=cfg.output.figure_format,
                                processes=drawing_processes())
        results.raw.timings["figures_s"] = time.perf_counter() - t1
    return out.finish(results, directory, overrides, written)
