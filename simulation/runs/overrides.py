"""Check command-line overrides against the config groups and the schema before Hydra composes."""
from __future__ import annotations

import dataclasses
import difflib
import types
import typing

from simulation.core.config import SimConfig
from simulation.runs.hydra_compose import compose_config, config_groups

# schema sections that the default config leaves out (the economy kinds' own blocks): a change to a key below
# them must be composed to be checked (tests/test_speed.py keeps this list complete)
ABSENT_FROM_DEFAULTS = ("economy.replay", "economy.regime_switching")
_HYDRA_FLAGS_WITH_VALUE = {"--config-path", "-cp", "--config-name", "-cn", "--config-dir", "-cd", "--cfg", "-c",
                           "--package", "-p", "--info", "-i", "--experimental-rerun"}


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""



def _schema_has(path: list[str]) -> tuple[bool, list[str]]:
    """Whether a dotted key exists in SimConfig (anything below a Dict field is allowed)."""
    ok, options, _ = _schema_lookup(path)
    return ok, options


def _schema_lookup(path: list[str]) -> tuple[bool, list[str], bool]:
    """(key exists, the options at the level where it does not, the key is a plain value: neither a section nor a
    mapping, nor below a mapping)."""
    tp: typing.Any = SimConfig
    below_dict = False
    for part in path:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if typing.get_origin(tp) is typing.Union and len(args) == 1:
            tp = args[0]  # Optional[X]: look inside X
        if dataclasses.is_dataclass(tp):
            hints = typing.get_type_hints(tp)
            if part not in hints:
                return False, list(hints), False
            tp = hints[part]
        elif typing.get_origin(tp) in (dict, dict):
            tp = typing.get_args(tp)[1]
            below_dict = True
        else:
            return False, [], False
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if typing.get_origin(tp) in (typing.Union, types.UnionType) and len(args) == 1:
        tp = args[0]  # X | None
    leaf = not (dataclasses.is_dataclass(tp) or typing.get_origin(tp) is dict or tp is dict)
    return True, [], leaf and not below_dict


def check_overrides(argv: list[str]) -> str | None:
    """None when the overrides look right; otherwise a one-line error naming key and value."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import OverrideType
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
    plain = True  # only plain changes of keys in the default config: composing cannot fail
    for o in overrides:
        key = o.key_or_group
        if key.startswith("hydra"):
            continue
        if o.is_delete():
            plain = False
            continue
        if key in groups:
            plain = False
            values = list(o.sweep_string_iterator()) if o.is_sweep_override() else [o.get_value_element_as_str()]
            for v in values:
                if v not in groups[key]:
                    return (f"config error: {key}={v!r}: unknown option; choose one of "
                            f"{', '.join(groups[key])}{_suggest(v, groups[key])}")
            continue
        ok, options, leaf = _schema_lookup(key.split("."))
        if not ok and not o.is_add():
            leaf = key.split(".")[-1]
            return f"config error: {key}: unknown key{_suggest(leaf, options)}"
        default = not any(key == p or key.startswith(p + ".") for p in ABSENT_FROM_DEFAULTS)
        plain = plain and ok and leaf and default and o.type == OverrideType.CHANGE
    # Composing costs a third of a second, so it is left to Hydra when it cannot fail: a plain change of a key
    # that the default config has composes (values are checked by validate() later)
    return None if plain else _check_composition(overrides)


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
