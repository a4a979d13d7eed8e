"""``python -m simulation.plots DIR``: redraw every figure of a finished run or sweep directory from its
files (the figures: :mod:`simulation.present.figures`).

    python -m simulation.plots RUN_DIR [--lang en|nb] [--format png|svg|pdf]
    python -m simulation.plots SWEEP_DIR [--lang en|nb] [--format png|svg|pdf]   # every job + the sweep figure
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulation.analysis.sweep import SweepError
from simulation.cli import guard
from simulation.present.figures import run as run_figures
from simulation.present.figures import sweep as sweep_figures
from simulation.present.style import FORMATS, LANGUAGES
from simulation.runs.atomic import remove_leftovers
from simulation.runs.outputs import FIGURES_DIR, check_complete


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line instead of usage + message
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def is_sweep_dir(path: Path) -> bool:
    """A multirun's directory (aggregated: ``sweep_manifest.json``; or Hydra's ``multirun.yaml``), not a run's."""
    return not (path / "manifest.json").is_file() and any((path / f).is_file()
                                                          for f in ("sweep_manifest.json", "multirun.yaml"))


def main(argv: list[str] | None = None) -> int:
    """The presenters' plot command: redraw all figures of a finished run or sweep directory."""
    parser = _Parser(prog="python -m simulation.plots",
                     description="Redraw all figures of a finished run directory, or of a sweep directory "
                                 "(every job's figures and the sweep's differences figure).")
    parser.add_argument("run_dir", type=Path, metavar="DIR",
                        help="a run directory (holds manifest.json) or a sweep directory (holds sweep_manifest.json)")
    parser.add_argument("--lang", choices=LANGUAGES, default=None,
                        help="label language (default: as the run was configured, output.language)")
    parser.add_argument("--format", dest="fmt", choices=FORMATS, default="png", help="file format (default png)")
    args = parser.parse_args(argv)
    return guard(parser.prog, lambda writing: _draw(parser.prog, args, writing))


def _draw(prog: str, args, writing) -> int:
    try:
        if not args.run_dir.is_dir():
            raise FileNotFoundError(f"{'not a directory' if args.run_dir.exists() else 'not found'}: {args.run_dir}")
        if is_sweep_dir(args.run_dir):
            try:
                writing(args.run_dir)
                paths = sweep_figures.make_figures(args.run_dir, language=args.lang, fmt=args.fmt)
            except SweepError as e:
                raise ValueError(str(e)) from None
        else:
            check_complete(args.run_dir)  # a killed, failed or damaged run is not drawn as if it were finished
            writing(args.run_dir / FIGURES_DIR)
            remove_leftovers(args.run_dir / FIGURES_DIR)
            paths = run_figures.make_figures(args.run_dir, language=args.lang, fmt=args.fmt)
    except (FileNotFoundError, ValueError) as e:  # ManifestError is a ValueError
        print(f"{prog}: error: {e}", file=sys.stderr)
        return 2
    for p in paths:
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
