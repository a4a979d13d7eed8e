"""Figures drawn from output files only: a run's, a sweep's, and those of the analyses."""
