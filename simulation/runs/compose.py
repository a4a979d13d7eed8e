"""Compose a config from ``configs/`` the way the command line does, with its errors in one line."""
from __future__ import annotations

from collections.abc import Iterable

from omegaconf import DictConfig

from simulation.runs.hydra_compose import CONFIG_DIR, compose_config, config_groups

__all__ = ["CONFIG_DIR", "compose_config", "config_groups", "load_config"]


def load_config(overrides: Iterable[str] = (), config_name: str = "config") -> DictConfig:
    """The composed config for these command-line style overrides (``["economy=recession", "run.seed=3"]``).

    An override Hydra cannot use (a misspelt key, an unknown option, a value it cannot parse)
    raises :class:`~simulation.core.config.ConfigError` with the one line the command line gives."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from simulation.core.config import ConfigError

    given = overrides
    overrides = [] if isinstance(given, (str, bytes)) else list(given)
    if isinstance(given, (str, bytes)) or not all(isinstance(o, str) for o in overrides):
        raise ConfigError(f"config error: load_config: give a list of overrides as text, e.g. "
                          f"[\"economy=recession\"], not {given!r}")
    try:
        return compose_config(overrides, config_name)
    except (HydraException, OmegaConfBaseException) as err:
        from simulation.runs.overrides import check_overrides

        message = check_overrides(overrides) if config_name == "config" else None
        first = next((ln.strip() for ln in str(err).splitlines() if ln.strip()), type(err).__name__)
        raise ConfigError(message or f"config error: {first}") from None
