"""Hydra plugin of the simulation package: the design sweeper (Hydra finds plugins only under ``hydra_plugins``)."""
