"""Hydra's composition of ``configs/`` (the command line's own), below the checks that explain its errors."""
from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig

CONFIG_DIR = Path(__file__).resolve().parent.parent.parent / "configs"


def compose_config(overrides: list[str], config_name: str = "config") -> DictConfig:
    """Hydra's composition itself; raises Hydra's own (several-line) errors."""
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base=None, job_name="simulation"):
        return compose(config_name, overrides=overrides)


def config_groups(config_dir: Path = CONFIG_DIR) -> dict[str, list[str]]:
    """Config groups and their options, from the config directory."""
    return {d.name: sorted(p.stem for p in d.glob("*.yaml")) for d in sorted(config_dir.iterdir()) if d.is_dir()}
