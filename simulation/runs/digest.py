"""A fingerprint of a run's result tables (``python -m simulation.digest RUN_DIR``).

Prints one SHA-256 per table (Parquet tables and ``headline.csv``) and one over all of them. The
digest is of the *content*: column names and values in row order, numbers as float64, labels as
text, so it does not change when a table is stored with a narrower integer type or as categories
instead of strings, but it does change when any value does. Two runs whose digests agree gave
bit-identical results. The manifest (timings, dates) and figures are left out.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np
import pandas as pd

TABLE_SUFFIXES = (".parquet", ".csv")


def frame_digest(df: pd.DataFrame) -> str:
    """SHA-256 of a table's column names and values (numbers as float64 bits, everything else as text)."""
    h = hashlib.sha256()
    for name in df.columns:
        col = df[name]
        h.update(str(name).encode())
        if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
            h.update(b"n")
            h.update(np.ascontiguousarray(col.to_numpy(dtype=np.float64, na_value=np.nan)).tobytes())
        else:
            h.update(b"s")
            h.update("\x1f".join("\x00" if pd.isna(v) else str(v) for v in col.astype(object)).encode())
    return h.hexdigest()


def table_digests(run_dir: Path | str) -> dict[str, str]:
    """Digest of every result table in a run directory (not in subfolders), by file name."""
    run_dir = Path(run_dir)
    out = {}
    for path in sorted(run_dir.iterdir()):
        if path.name.startswith(".") or path.suffix not in TABLE_SUFFIXES or not path.is_file():
            continue
        try:
            df = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
        except Exception as err:  # noqa: BLE001 -- Arrow's and pandas' errors for a damaged table are of many types
            first = str(err).strip().splitlines()[0][:160] if str(err).strip() else ""
            raise ValueError(f"{path}: cannot be read ({type(err).__name__}: {first})") from None
        out[path.name] = frame_digest(df)
    return out


def run_digest(digests: dict[str, str]) -> str:
    """One digest over all tables' digests."""
    h = hashlib.sha256()
    for name, d in sorted(digests.items()):
        h.update(f"{name}={d}\n".encode())
    return h.hexdigest()


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line instead of usage + message
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m simulation.digest", description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, help="a run directory (written by python -m simulation)")
    args = parser.parse_args(argv)
    if not args.run_dir.is_dir():
        print(f"digest: {args.run_dir}: not a directory", file=sys.stderr)
        return 2
    try:
        digests = table_digests(args.run_dir)
    except (ValueError, OSError) as err:
        print(f"digest: {err}", file=sys.stderr)
        return 2
    if not digests:
        print(f"digest: {args.run_dir}: no result tables (*.parquet, *.csv) in it", file=sys.stderr)
        return 2
    for name, d in digests.items():
        print(f"{d[:16]}  {name}")
    print(f"{run_digest(digests)[:16]}  (all tables)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
