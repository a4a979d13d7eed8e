"""Results as text for the terminal: the headline table printed at the end of a run."""
from __future__ import annotations

import pandas as pd


def _formatter(unit: str):
    if unit == "share":
        return lambda x: f"{100 * x:.1f} %"
    if unit == "persons":
        return lambda x: f"{x:,.0f}"
    if unit == "NOK bn/yr":
        return lambda x: f"NOK {x:,.1f} bn/yr"
    return lambda x: f"{x:.1f}"


def format_headline(headline: pd.DataFrame) -> str:
    """The headline table as text: shares in per cent, persons rounded, with 90 % intervals."""
    rows = []
    for _, r in headline.iterrows():
        fmt = _formatter(r["unit"])
        val = fmt(r["mean"]) if pd.notna(r["mean"]) else "n/a (no cases)"
        ci = f"[{fmt(r['ci90_low'])}, {fmt(r['ci90_high'])}]" if pd.notna(r["ci90_low"]) else ""
        rows.append((r["indicator"], val, ci))
    w0 = max(len(a) for a, _, _ in rows)
    w1 = max(len(b) for _, b, _ in rows)
    lines = [f"{'indicator':<{w0}}  {'mean':>{w1}}  90 % CI of the mean"]
    lines += [f"{a:<{w0}}  {b:>{w1}}  {c}" for a, b, c in rows]
    return "\n".join(lines)
