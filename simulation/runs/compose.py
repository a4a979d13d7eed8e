"""Compose a config from ``configs/`` the way the command line does (Hydra's compose API)."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from omegaconf import DictConfig

CONFIG_DIR = Path(__file__).resolve().parent.parent.parent / "configs"


def load_config(overrides: Iterable[str] = (), config_name: str = "config") -> DictConfig:
    """The composed config for these command-line style overrides (``["economy=recession", "run.seed=3"]``)."""
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base=None, job_name="simulation"):
        return compose(config_name, overrides=list(overrides))


def config_groups(config_dir: Path = CONFIG_DIR) -> dict[str, list[str]]:
    """Config groups and their options, from the config directory."""
    return {d.name: sorted(p.stem for p in d.glob("*.yaml")) for d in sorted(config_dir.iterdir()) if d.is_dir()}
