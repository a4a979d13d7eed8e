"""The Python API: compose a config like the CLI does, and run it without going through Hydra's app."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from simulation.config import SimConfig, validate

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"


def load_config(overrides: Iterable[str] = (), config_name: str = "config") -> DictConfig:
    """The composed config for these command-line style overrides (``["economy=recession", "run.seed=3"]``)."""
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base=None, job_name="simulation"):
        return compose(config_name, overrides=list(overrides))


def as_sim_config(cfg: DictConfig | SimConfig | dict) -> SimConfig:
    """A validated SimConfig from whatever the caller holds."""
    return cfg if isinstance(cfg, SimConfig) else validate(cfg)
