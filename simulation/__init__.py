"""Agent-based simulation of cross-sector client flows in Norway (school, NAV, adult education, work).

Public API (loaded on first use, so that ``import simulation.core...`` stays light):
    load_config(overrides) -> DictConfig     compose the Hydra config as the CLI would
    run(cfg) -> Results                      simulate all replicates and summarise (no files written)
    write_outputs(results, directory)        the run directory's tables, figures and manifest
    format_headline(results) -> str          the headline table as text
    validate(cfg) -> SimConfig               check a config; ConfigError names the key and value

Layers, lowest first: ``core`` (states, rules, kernel), ``institutions`` (Mesa agents, the model),
``runs`` (replicates, indicators, outputs), ``analysis`` (sweeps, calibration, sensitivity),
``present`` (labels, figures, dashboard). Each command a user types is a module at the top:
``python -m simulation`` and ``python -m simulation.<command>``.
"""
from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["load_config", "run", "write_outputs", "format_headline", "Results", "validate", "ConfigError", "SimConfig"]


def __getattr__(name: str):
    if name in __all__:
        from simulation import api

        return getattr(api, name)
    raise AttributeError(f"module 'simulation' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
