"""Analyses on top of runs: sweep aggregation, calibration, sensitivity analysis, replicate
sufficiency and the equivalence of the two engines. They compute and write tables; figures of
their results are drawn by ``simulation.present``."""
