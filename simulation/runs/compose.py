"""Compose a config from ``configs/`` the way the command line does (Hydra's compose API)."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from omegaconf import DictConfig

CONFIG_DIR = Path(__file__).resolve().parent.parent.parent / "configs"


def compose_config(overrides: list[str], config_name: str = "config") -> DictConfig:
    """Hydra's composition itself; raises Hydra's own (several-line) errors."""
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base=None, job_name="simulation"):
        return compose(config_name, overrides=overrides)


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


def config_groups(config_dir: Path = CONFIG_DIR) -> dict[str, list[str]]:
    """Config groups and their options, from the config directory."""
    return {d.name: sorted(p.stem for p in d.glob("*.yaml")) for d in sorted(config_dir.iterdir()) if d.is_dir()}
