"""Check command-line overrides against the config groups and the schema before Hydra composes."""
from __future__ import annotations

import dataclasses
import difflib
import typing

from simulation.core.config import SimConfig
from simulation.runs.hydra_compose import compose_config, config_groups

_HYDRA_FLAGS_WITH_VALUE = {"--config-path", "-cp", "--config-name", "-cn", "--config-dir", "-cd", "--cfg", "-c",
                           "--package", "-p", "--info", "-i", "--experimental-rerun"}


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""



def _schema_has(path: list[str]) -> tuple[bool, list[str]]:
    """Whether a dotted key exists in SimConfig (anything below a Dict field is allowed)."""
    tp: typing.Any = SimConfig
    for part in path:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if typing.get_origin(tp) is typing.Union and len(args) == 1:
            tp = args[0]  # Optional[X]: look inside X
        if dataclasses.is_dataclass(tp):
            hints = typing.get_type_hints(tp)
            if part not in hints:
                return False, list(hints)
            tp = hints[part]
        elif typing.get_origin(tp) in (dict, dict):
            tp = typing.get_args(tp)[1]
        else:
            return False, []
    return True, []


def check_overrides(argv: list[str]) -> str | None:
    """None when the overrides look right; otherwise a one-line error naming key and value."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import OverrideParseException

    args, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a in _HYDRA_FLAGS_WITH_VALUE:
            skip = True
            continue
        if a.startswith("-"):
            continue
        args.append(a)
    parser = OverridesParser.create()
    overrides = []
    for a in args:
        try:
            overrides += parser.parse_overrides([a])
        except OverrideParseException as err:
            first = str(err).strip().splitlines()[0] if str(err).strip() else "cannot parse"
            return f"config error: {a}: cannot parse ({first})"
    groups = config_groups()
    for o in overrides:
        key = o.key_or_group
        if key.startswith("hydra") or o.is_delete():
            continue
        if key in groups:
            values = list(o.sweep_string_iterator()) if o.is_sweep_override() else [o.get_value_element_as_str()]
            for v in values:
                if v not in groups[key]:
                    return (f"config error: {key}={v!r}: unknown option; choose one of "
                            f"{', '.join(groups[key])}{_suggest(v, groups[key])}")
            continue
        ok, options = _schema_has(key.split("."))
        if not ok and not o.is_add():
            leaf = key.split(".")[-1]
            return f"config error: {key}: unknown key{_suggest(leaf, options)}"
    return _check_composition(overrides)


def _check_composition(overrides) -> str | None:
    """Compose the first combination of a sweep as Hydra will; say in one line what it rejects."""
    from hydra.errors import HydraException

    first = []
    for o in overrides:
        if o.key_or_group.startswith("hydra"):
            continue
        if o.is_sweep_override():
            value = next(iter(o.sweep_string_iterator()))
            first.append(f"{o.get_key_element()}={value}")
        else:
            first.append(o.input_line)
    try:
        compose_config(first)
    except HydraException as err:
        lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
        cause = err.__cause__
        why = lines[1] if len(lines) > 1 else (lines[0] if lines else "rejected")
        if cause is not None:
            why = str(cause).split("full_key:")[0].strip().splitlines()[0] + f"; {why}"
        culprit = next((o.input_line for o in overrides if f"'{o.key_or_group}'" in (lines[0] if lines else "")),
                       lines[0] if lines else "?")
        return f"config error: {culprit}: {why}"
    return None
