"""Agent-based simulation of cross-sector client flows in Norway (school, NAV, adult education, work).

Public API:
    load_config(overrides) -> DictConfig     compose the Hydra config as the CLI would
    run(cfg) -> Results                      simulate all replicates and summarise (no files written)
    write_outputs(results, directory)        the run directory's tables, figures and manifest
"""
from simulation import numba_cache

numba_cache.configure()  # before the compiled modules are imported: a cache per version of their sources

from simulation.api import Results, format_headline, load_config, run, write_outputs  # noqa: E402
from simulation.config import ConfigError, SimConfig, validate  # noqa: E402

__all__ = ["load_config", "run", "write_outputs", "format_headline", "Results", "validate", "ConfigError", "SimConfig"]
__version__ = "0.1.0"
