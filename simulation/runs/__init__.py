"""Running scenarios: composing configs, Monte Carlo replicates, indicators, the fiscal ledger,
tidy output tables and the manifest, the live model behind the dashboard."""
