"""``python -m simulation.assumptions``: which config values are still assumptions, and do any of them matter?

Reads the files the default config composes and classifies every value as fitted, sourced, assumption or
unknown (the method: :mod:`simulation.analysis.assumptions`), then:

    python -m simulation.assumptions                          # docs/assumptions.md: the inventory (not screened yet)
    python -m simulation.assumptions --space SPACE.yaml       # a Morris space over the model's scalar numbers
    python -m simulation.sensitivity --space SPACE.yaml --out REPORT_DIR
    python -m simulation.assumptions --morris REPORT_DIR      # docs/assumptions.md with importance, top-ten check
    python -m simulation.assumptions --csv inventory.csv      # the inventory as a table as well

Exit status: 0 done, 2 bad input (a config the scanner cannot read, a report without ``morris.csv``), and with
``--check`` 1 when one of the ten most influential parameters is still an unsourced, unfitted value.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from simulation.analysis import assumptions as am
from simulation.analysis.sensitivity import DEFAULT_SPACE, load
from simulation.cli import OneLineParser, guard
from simulation.core.config import ConfigError
from simulation.runs.atomic import atomic_write
from simulation.runs.compose import CONFIG_DIR

DEFAULT_PAGE = CONFIG_DIR.parent / "docs" / "assumptions.md"


def _write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def _command(argv: list[str]) -> str:
    return " ".join(["python -m simulation.assumptions", *argv])


def write_space(path: Path, inv, command: str, when: str, config_dir: Path, choices: dict[str, str]) -> int:
    """The Morris space file; it is read back with the sensitivity analysis' own loader before it counts."""
    values = am.model_values(_compose(config_dir, choices))
    plan = am.screening_plan(inv, values)
    space = am.morris_space(inv, values)
    steady = am._plain(values.get("economy.kind")) == "steady"
    settings = am.space_settings(DEFAULT_SPACE, choices, steady)
    null = settings.get("null_control")
    if null is not None and null not in values:
        raise ConfigError(f"assumptions error: settings.null_control={null!r}: not a key of the default config")
    if null is not None and any(p["key"] == null for p in space):
        raise ConfigError(f"assumptions error: the null control {null} is itself an assumption to screen")
    if not space:
        raise ConfigError("assumptions error: --space: no assumption can be screened (nothing to write)")
    text = am.space_yaml(space, settings, plan, command, when)

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")
        load(tmp)  # the sensitivity analysis must accept it (schema, null control listed), or no file is left

    atomic_write(path, write)
    return len(space)


def _compose(config_dir: Path, choices: dict[str, str]):
    from hydra import compose, initialize_config_dir

    with initialize_config_dir(config_dir=str(config_dir.resolve()), version_base=None, job_name="assumptions"):
        return compose("config", overrides=[f"{g}={o}" for g, o in choices.items()])


def _output_path(option: str, path: Path, suffix: str) -> None:
    """An output file needs an existing directory and the right suffix: a one-line ConfigError otherwise."""
    if path.suffix.lower() != suffix:
        raise ConfigError(f"assumptions error: {option} {path}: expected a {suffix} file")
    if path.exists() and path.is_dir():
        raise ConfigError(f"assumptions error: {option} {path}: is a directory")
    if not path.parent.resolve().is_dir():
        raise ConfigError(f"assumptions error: {option} {path}: no directory {path.parent}")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = OneLineParser(prog="python -m simulation.assumptions",
                                     description="Inventory of the config's assumptions, a Morris space to rank them, "
                                                 "and docs/assumptions.md with their importance.")
    parser.add_argument("--space", type=Path, metavar="OUT.yaml",
                        help="write a Morris space over the config's scalar numbers, fitted, sourced and assumed "
                             "(for python -m simulation.sensitivity --space OUT.yaml)")
    parser.add_argument("--morris", type=Path, metavar="REPORT_DIR",
                        help="a finished sensitivity report (its morris.csv) to rank the assumptions by")
    parser.add_argument("--out", type=Path, default=DEFAULT_PAGE,
                        help="the page to write (default docs/assumptions.md)")
    parser.add_argument("--csv", type=Path, default=None, help="also write the inventory as CSV")
    parser.add_argument("--override", action="append", default=[], metavar="GROUP=OPTION",
                        help="choose a config group's option as on the model's command line (repeatable), e.g. "
                             "--override calibrated=norway_2019; also the base_overrides of the --space file")
    parser.add_argument("--config-dir", type=Path, default=CONFIG_DIR, help=argparse.SUPPRESS)
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if one of the ten most influential parameters is an assumption or unlabelled")
    args = parser.parse_args(argv)
    return guard(parser.prog, lambda writing: _run(args, argv))


def _run(args: argparse.Namespace, argv: list[str]) -> int:
    """The command's body: the inventory, the space and the page (exit 2 on bad input, 1 when --check fails)."""
    when = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    try:
        if not (args.config_dir / "config.yaml").is_file():
            raise ConfigError(f"assumptions error: --config-dir {args.config_dir}: no config.yaml there")
        for option, path, suffix in (("--space", args.space, ".yaml"), ("--out", args.out, ".md"),
                                     ("--csv", args.csv, ".csv")):
            if path is not None:
                _output_path(option, path, suffix)
        if args.morris is not None and not args.morris.is_dir():
            raise ConfigError(f"assumptions error: --morris {args.morris}: not a directory (a finished "
                              "python -m simulation.sensitivity report)")
        choices = am.parse_choices(args.override)
        inv = am.inventory(args.config_dir, choices)
        if args.space is not None:
            n = write_space(args.space, inv, _command(argv), when, args.config_dir, choices)
            print(f"Morris space: {n} parameters and the null control -> {args.space}")
            if args.morris is None:
                return 0
        screening = am.read_screening(args.morris) if args.morris is not None else None
        values = am.model_values(_compose(args.config_dir, choices))
        plan = am.screening_plan(inv, values)
        files = [str(f.path.resolve().relative_to(args.config_dir.resolve().parent))
                 for f in am.composed_files(args.config_dir, choices)]
        page = am.markdown(inv, plan, screening, _command(argv), when, files, choices)
        _write_text(args.out, page)
        if args.csv is not None:
            atomic_write(args.csv, lambda tmp: inv.to_csv(tmp, index=False))
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    eff = am.effective(inv)
    counts = ", ".join(f"{s} {int((eff['status'] == s).sum())}" for s in am.STATUSES)
    print(f"inventory: {len(eff)} values in effect ({counts}) -> {args.out}")
    if screening is not None:
        top = am.top_ten_check(inv, screening)
        bad = top[~top["ok"]]
        print("top ten: " + ("none is an unsourced, unfitted assumption" if bad.empty else
                             f"{len(bad)} still unsourced and unfitted: " + ", ".join(bad["parameter"])))
        if args.check and not bad.empty:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
