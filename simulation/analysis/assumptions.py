"""Which config values are assumptions: an inventory of the default config, and the Morris space to screen them.

Every value in ``configs/`` carries its ground as a YAML comment: a source (``# ... (SSB 12971)``), the word
"assumption", or nothing yet. Values can also be *fitted*: the calibration settings (``configs/calibration/*.yaml``)
list their free parameters (``key:``) and the shares that take up the difference (``balance:``), and a calibrated
preset (``configs/calibrated/<preset>.yaml``, or a fitted cycle preset) holds the fitted values. The issue this module
serves asks that no parameter among the ten most influential on the headline indicators remains an unsourced,
unfitted assumption; it needs (1) every value the default run composes, with its status, (2) a Morris space over
the scalar numeric assumptions, and (3) a page (``docs/assumptions.md``) that joins the two with a screening's result.

**The inventory** (:func:`inventory`) reads ``config.yaml``'s ``defaults:`` list, so it scans exactly the files the
default run composes, in Hydra's order (later files override earlier ones). PyYAML drops comments and ruamel.yaml
is not installed, so a line scanner (:func:`scan`) reads each file: it tracks indentation to build dotted keys
(under the file's ``# @package`` or its group), reads one-line and multi-line flow collections, block lists and
block scalars, and keeps three kinds of comment for every key: its own (on its line, plus comment lines aligned
under it), the comment block above the run of sibling keys it belongs to, and those of its parents. Every file is
then loaded with PyYAML too and the scanned values must equal the loaded ones: a scanner mistake is an error, not
a wrong row. Statuses, in this order:

``fitted``
    a free parameter or balance share of a calibration settings file, or any key of a calibrated preset file;
``assumption``
    the nearest comment that says anything (own, then the block above, then the parents') contains "assumption",
    or claims a fit ("fitted", "calibrated later") that no calibration settings file backs;
``sourced``
    that comment cites something: a URL, SSB, NAV, Udir, OECD, Fafo, a ``[Key]`` citation, a law or §, a table
    number, a white paper (Meld. St., NOU), or says "derived";
``unknown``
    no comment says either: "no comment" (not even the file's header), or "comment cites no source". These need a
    label.

A flow mapping on one line (``destinations: {work: 0.45, jobseeker: 0.5}  # assumption``) is one row; where a
calibration fits some of its members, ``fitted_part`` names them and the row is fitted only if all are.

**The Morris space** (:func:`screening_plan`, :func:`morris_space`) covers the scalar numeric values in effect of
every labelled class (fitted, sourced, assumption, and fits the selected preset does not apply), with the same
relative ranges for all: rates, durations and multipliers from half to 1.5 times their value, shares (a 0..1 field
of the schema) their value +- 0.25 within [0.01, 0.99], all within the range the schema allows. Screening all of
them is what makes the top-ten check a test: a space of assumptions alone would have assumptions as its top ten by
construction. Values the screening cannot move are listed with the reason (a whole number in the model, a member
of a set of shares that sum to 1, 0 with no scale, not read in a steady economy, ...).
"""
from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from simulation.core.config import ConfigError

STATUSES = ("fitted", "sourced", "assumption", "unknown")
# a key a calibration settings file fits, but whose fitted value the composed config does not apply
UNAPPLIED = "fitted, not applied"
OK_STATUSES = ("fitted", "sourced")  # the top-ten check passes for these only
# Sections of config.yaml that say how a run is made and written, not what the model assumes.
PRIMARY_SETTINGS = ("defaults", "hydra", "run", "output")
# Config groups whose selected file holds fitted values (a calibrated preset), whatever the option is called.
PRESET_GROUPS = ("calibrated",)
COLUMNS = ["key", "value", "file", "line", "comment", "status", "basis", "scalar", "kind", "fitted_by",
           "fit_applied", "fitted_part", "overridden_by", "group"]

_ASSUMPTION = re.compile(r"assum", re.IGNORECASE)  # "assumption", "assumed", "Assumptions."
_CLAIM = re.compile(r"\bcalibrated later\b|\bfitted\b|\bfits it\b|\bcalibrated by\b", re.IGNORECASE)
_CITATION = re.compile("|".join([
    r"https?://", r"\b[\w-]+\.(?:no|org|com|int|eu)/",                   # a URL, with or without the scheme
    r"\b(?:SSB|Udir|OECD|Fafo|KOSTRA|NOU|Eurostat|Utdanningsdirektoratet|Statistics Norway)\b",
    # NAV as a source ("(NAV)", "NAV: ...", "NAV's counts", "NAV 2021"), not as the actor ("NAV buys ...")
    r"\(NAV\b|\bNAV(?:'s)?(?=\s*(?:[:()]|\d{4}\b|statistics|counts|figures|data|exit|inflow|register))",
    r"\[[A-Z][A-Za-z0-9-]+\]",                                            # a [Key] citation (docs/domain.md)
    r"\w+(?:loven|lova)\b", r"\bforskrift", r"§",                         # a law or regulation
    r"\b[Tt]ab(?:le|ell|\.)?\s*\d{3,}", r"\bMeld\. St\.", r"\bProp\. \d",  # a table, a white paper, a bill
    r"\bderived\b",
]))


class ScanError(ConfigError):
    """A config file the line scanner cannot read, or reads differently from YAML; names file and line."""


# ------------------------------------------------------------------------------------------ scanner


@dataclass
class Entry:
    """One scanned row: a leaf key, or a flow mapping / list / block list as a whole."""

    path: tuple[str, ...]          # keys inside the file (no package prefix)
    key: str                       # dotted, as a Hydra override names it (package prefix included)
    value_text: str
    value: Any
    line: int                      # 1-based line of the key
    kind: str                      # number, flag, text, null, mapping, list
    chain: list[tuple[str, str]]   # (comment, where) from the nearest out: own, block above, parents'
    header: str                    # the file's header comment


@dataclass
class _Node:
    path: tuple[str, ...]
    indent: int
    inline: str
    above: str


def _split_comment(line: str) -> tuple[str, str, int]:
    """``(content, comment, column of '#')``: a '#' starts a comment outside quotes, after a space or at the start."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote and not (quote == '"' and line[i - 1] == "\\"):
                quote = ""
        elif ch in "\"'" and (i == 0 or line[i - 1] in " \t[{,:"):
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip(), line[i + 1:].strip(), i
    return line.rstrip(), "", -1


def _split_key(content: str) -> tuple[str, str] | None:
    """``key: rest`` -> (key, rest); None if the line is not a mapping entry."""
    s = content.strip()
    if s[:1] in "\"'":
        end = s.find(s[0], 1)
        if end < 0 or s[end + 1:end + 2] != ":" or s[end + 2:end + 3] not in ("", " "):
            return None
        return s[1:end], s[end + 2:].strip()
    m = re.match(r"([^\s:#\[\]{},][^:#]*?)\s*:(?:\s+|$)(.*)$", s)
    if not m:
        return None
    return m.group(1), m.group(2).strip()


def _balanced(text: str) -> bool:
    depth, quote = 0, ""
    for i, ch in enumerate(text):
        if quote:
            if ch == quote and not (quote == '"' and text[i - 1] == "\\"):
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
    return depth <= 0


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "flag"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    return "null" if value is None else "text"


def _load_value(text: str, where: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScanError(f"assumptions error: {where}: cannot read the value {text!r} "
                        f"({exc.__class__.__name__})") from None


def package_of(text: str, default: str) -> str:
    """The dotted prefix of a file's keys: its ``# @package`` header (``_global_`` = none) or ``default``."""
    for raw in text.splitlines():
        s = raw.strip()
        if not s:
            continue
        m = re.match(r"#\s*@package\s+(\S+)", s)
        if m:
            pkg = m.group(1)
            return "" if pkg == "_global_" else default if pkg in ("_group_", "_here_") else pkg
        if not s.startswith("#"):
            break
    return default


def scan(text: str, package: str = "", where: str = "<text>") -> list[Entry]:
    """Rows of one YAML file, with their comments; ``package`` prefixes every key (``"rates"`` -> ``rates.x``).

    Raises ScanError naming the line if a line cannot be read, or if a value differs from PyYAML's reading."""
    lines = text.splitlines()
    n = len(lines)
    prefix = (package + ".") if package else ""
    # the header: the first comment block of the file (without the @package line)
    i, header_lines = 0, []
    while i < n and lines[i].strip().startswith("#"):
        s = lines[i].strip()
        if not re.match(r"#\s*@package\b", s):
            header_lines.append(s.lstrip("#").strip())
        i += 1
    header = " ".join(t for t in header_lines if t)
    stack: list[_Node] = []
    runs: dict[int, str] = {}      # indent -> the comment block above the current run of keys at that indent
    pending: list[str] = []
    entries: list[Entry] = []

    def chain_of(inline: str, above: str) -> list[tuple[str, str]]:
        out = [(inline, "inline comment"), (above, "comment above")]
        for node in reversed(stack):
            name = ".".join(node.path)
            out += [(node.inline, f"comment on {name}"), (node.above, f"comment above {name}")]
        return out

    while i < n:
        raw = lines[i]
        s = raw.strip()
        if not s or s == "---":
            pending, i = [], i + 1
            runs.clear()
            continue
        if s.startswith("#"):
            pending.append(s.lstrip("#").strip())
            i += 1
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        content, comment, col = _split_comment(raw)
        at = f"{where}:{i + 1}"
        parsed = _split_key(content)
        if parsed is None:
            raise ScanError(f"assumptions error: {at}: cannot read {s!r} (expected 'key: value')")
        key, rest = parsed
        while stack and stack[-1].indent >= indent:
            stack.pop()
        for lvl in [k for k in runs if k > indent]:
            del runs[lvl]
        if pending:
            runs[indent] = " ".join(t for t in pending if t)
            pending = []
        above = runs.get(indent, "")
        path = (*stack[-1].path, key) if stack else (key,)
        comments = [comment] if comment else []
        first = i
        i += 1
        if rest[:1] in ("{", "["):                                  # a flow collection, maybe over several lines
            body = rest
            while not _balanced(body):
                if i >= n:
                    raise ScanError(f"assumptions error: {at}: unclosed {rest[0]!r}")
                c2, com2, _ = _split_comment(lines[i])
                body += " " + c2.strip()
                if com2:
                    comments.append(com2)
                i += 1
            value, value_text = _load_value(body, at), " ".join(body.split())
        elif rest[:1] in ("|", ">"):                                # a block scalar: the more indented lines
            block = [f"k: {rest}"]
            while i < n and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip(" ")) > indent):
                block.append(lines[i])
                i += 1
            value = (_load_value("\n".join(block) + "\n", at) or {}).get("k")
            value_text = " ".join(str(value).split())
        elif rest:
            value, value_text = _load_value(rest, at), rest
        else:                                                       # a parent, a block list, or null
            j = i
            while j < n and (not lines[j].strip() or lines[j].strip().startswith("#")):
                j += 1
            nxt = lines[j] if j < n else ""
            nxt_indent = len(nxt) - len(nxt.lstrip(" "))
            if j < n and nxt.strip().startswith("-") and nxt_indent >= indent:
                block = ["k:"]
                while i < n:
                    t = lines[i]
                    ti = len(t) - len(t.lstrip(" "))
                    if t.strip() and not t.strip().startswith("#") and not (
                            ti > indent or (ti == indent and t.strip().startswith("-"))):
                        break
                    block.append(t)
                    i += 1
                value = (_load_value("\n".join(block), at) or {}).get("k")
                value_text = yaml.safe_dump(value, default_flow_style=True, width=10**6).strip()
            elif j < n and nxt_indent > indent:
                i = _continuation(lines, i, col, comments) if comment else i
                stack.append(_Node(path, indent, " ".join(comments), above))
                continue
            else:
                value, value_text = None, ""
        if comment:
            i = _continuation(lines, i, col, comments)
        inline = " ".join(comments)
        entries.append(Entry(path, prefix + ".".join(path), value_text, value, first + 1, _kind(value),
                             chain_of(inline, above), header))
    _check_against_yaml(entries, text, where)
    return entries


def _continuation(lines: list[str], i: int, col: int, comments: list[str]) -> int:
    """Comment-only lines aligned with the key's own comment continue it; returns the next line to read."""
    while i < len(lines):
        s = lines[i].strip()
        c = len(lines[i]) - len(lines[i].lstrip(" "))
        if not s.startswith("#") or abs(c - col) > 2:
            break
        comments.append(s.lstrip("#").strip())
        i += 1
    return i


def _leaves(value: Any, path: tuple[str, ...]) -> dict[tuple[str, ...], Any]:
    if isinstance(value, dict) and value:
        out: dict[tuple[str, ...], Any] = {}
        for k, v in value.items():
            out.update(_leaves(v, (*path, str(k))))
        return out
    return {path: value}


def _check_against_yaml(entries: list[Entry], text: str, where: str) -> None:
    """Every scanned value must equal PyYAML's, and every leaf PyYAML reads must be covered by a row."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise ScanError(f"assumptions error: {where}: not valid YAML ({' '.join(str(exc).split())[:200]})") from None
    loaded = _leaves(data, ()) if data else {}  # a file of comments only has no leaves
    covered: set[tuple[str, ...]] = set()
    for e in entries:
        node: Any = data
        for part in e.path:
            if not isinstance(node, dict) or part not in {str(k) for k in node}:
                raise ScanError(f"assumptions error: {where}:{e.line}: the scanner read key {'.'.join(e.path)!r}, "
                                "YAML does not")
            node = {str(k): v for k, v in node.items()}[part]
        if node != e.value:
            raise ScanError(f"assumptions error: {where}:{e.line}: {'.'.join(e.path)}: the scanner read "
                            f"{e.value!r}, YAML reads {node!r}")
        covered.update(p for p in loaded if p[:len(e.path)] == e.path)
    missing = sorted(set(loaded) - covered)
    if missing:
        raise ScanError(f"assumptions error: {where}: the scanner missed key {'.'.join(missing[0])!r}")


# -------------------------------------------------------------------------------------- the config


@dataclass(frozen=True)
class ConfigFile:
    """One file the default config composes, in Hydra's order."""

    group: str | None      # None: the primary config (config.yaml)
    option: str
    path: Path
    package: str
    preset: bool           # a file of fitted values (every key fitted)


def parse_choices(overrides: Sequence[str]) -> dict[str, str]:
    """``["calibrated=norway_2019", ...]`` -> ``{"calibrated": "norway_2019"}``: config group choices, as a Hydra
    override selects them; anything else is a one-line ConfigError naming the override."""
    out: dict[str, str] = {}
    for o in overrides:
        group, sep, option = str(o).partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][\w/]*", group) or not re.fullmatch(r"[\w.-]+", option):
            raise ConfigError(f"assumptions error: --override {o!r}: expected GROUP=OPTION "
                              "(e.g. calibrated=norway_2019)")
        if group in out:
            raise ConfigError(f"assumptions error: --override {o!r}: the group {group!r} is chosen twice")
        out[group] = option
    return out


def composed_files(config_dir: Path | str, choices: Mapping[str, str] | None = None) -> list[ConfigFile]:
    """The files ``config.yaml``'s ``defaults:`` list composes (``_self_`` where it stands), in order.

    ``choices`` replaces the option of a group (``{"calibrated": "norway_2019"}``, as ``calibrated=norway_2019`` on
    the command line would); a group the defaults list does not have, or an option without a file, is a ConfigError."""
    config_dir = Path(config_dir)
    choices = dict(choices or {})
    primary = config_dir / "config.yaml"
    try:
        data = yaml.safe_load(primary.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"assumptions error: {primary}: cannot read ({exc.__class__.__name__})") from None
    defaults = data.get("defaults")
    if not isinstance(defaults, list):
        raise ConfigError(f"assumptions error: {primary}: no 'defaults:' list")
    presets = {name for _, name in _calibrations(config_dir)[1]}
    out: list[ConfigFile] = []
    if "_self_" not in defaults:  # Hydra's default: the primary config first
        out.append(ConfigFile(None, "config", primary, "", False))
    for item in defaults:
        if item == "_self_":
            out.append(ConfigFile(None, "config", primary, "", False))
            continue
        if not isinstance(item, dict) or len(item) != 1:
            raise ConfigError(f"assumptions error: {primary}: defaults entry {item!r}: expected 'group: option'")
        (group, option), = item.items()
        group = str(group).split()[-1]  # "override hydra/launcher", "optional x"
        if option is None or group == "hydra" or group.startswith("hydra/"):
            continue
        chosen = group in choices
        option = choices.pop(group, option)
        path = config_dir / group / f"{option}.yaml"
        if not path.is_file():
            if chosen:
                known = sorted(p.stem for p in (config_dir / group).glob("*.yaml"))
                raise ConfigError(f"assumptions error: --override {group}={option}: no file {path} "
                                  f"(options: {', '.join(known)})")
            raise ConfigError(f"assumptions error: {primary}: defaults {group}: {option}: no file {path}")
        package = package_of(path.read_text(), group.replace("/", "."))
        preset = (group in PRESET_GROUPS and option != "none") or option in presets
        out.append(ConfigFile(group, str(option), path, package, preset))
    if choices:
        group = next(iter(choices))
        raise ConfigError(f"assumptions error: --override {group}={choices[group]}: {primary}'s defaults list has no "
                          f"group {group!r}")
    return out


def _calibrations(config_dir: Path) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """Keys fitted by the calibration settings files (key -> ['calibration/norway.yaml', ...]) and their presets."""
    fits: dict[str, list[str]] = {}
    presets: list[tuple[str, str]] = []
    for path in sorted((config_dir / "calibration").glob("*.yaml")):
        where = f"calibration/{path.name}"
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"assumptions error: {path}: cannot read ({exc.__class__.__name__})") from None
        for p in data.get("parameters") or []:
            if isinstance(p, dict) and "key" in p:
                fits.setdefault(str(p["key"]), []).append(where)
                if p.get("balance"):
                    fits.setdefault(str(p["balance"]), []).append(f"{where} (balance)")
        preset = (data.get("settings") or {}).get("preset")
        if preset:
            presets.append((where, str(preset)))
    for k in fits:
        fits[k] = list(dict.fromkeys(fits[k]))
    return fits, presets


def fitted_keys(config_dir: Path | str) -> dict[str, list[str]]:
    """Every key a calibration settings file fits (free parameter or balance), with the files that fit it."""
    return _calibrations(Path(config_dir))[0]


def _verdict(text: str, fitted: bool) -> str | None:
    if not text:
        return None
    if _ASSUMPTION.search(text):
        return "assumption"
    if _CLAIM.search(text) and not fitted:
        return "assumption"
    if _CITATION.search(text):
        return "sourced"
    return None


def classify(entry: Entry) -> tuple[str, str, str]:
    """``(status, basis, comment)`` from the comments alone (fits are decided before): the nearest comment that
    says assumption or cites a source decides; the file header only for a key without any comment."""
    for text, where in entry.chain:
        v = _verdict(text, False)
        if v is not None:
            claim = v == "assumption" and not _ASSUMPTION.search(text)
            basis = where + (": says fitted or calibrated later, but no calibration settings file fits it"
                             if claim else "")
            return v, basis, text
    said = [t for t, _ in entry.chain if t]
    if said:
        return "unknown", "comment cites no source", said[0]
    v = _verdict(entry.header, False)
    if v is not None:
        return v, "file header", entry.header
    return "unknown", "no comment", ""


def _rel(path: Path, config_dir: Path) -> str:
    try:
        return str(path.resolve().relative_to(config_dir.resolve().parent))
    except ValueError:
        return str(path)


def inventory(config_dir: Path | str, choices: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per value the default config composes (see the module doc for the columns' meaning).

    Columns: key, value (text), file, line, comment, status, basis (what decided the status), scalar (a single
    number), kind, fitted_by, fit_applied (a selected preset sets it), fitted_part (fitted members of a flow mapping),
    overridden_by (a later file sets the same key: this row's value is not in effect), group."""
    config_dir = Path(config_dir)
    files = composed_files(config_dir, choices)
    fits = fitted_keys(config_dir)
    scanned: list[tuple[ConfigFile, Entry]] = []
    for f in files:
        text = f.path.read_text()
        for e in scan(text, f.package, _rel(f.path, config_dir)):
            if f.group is None and e.path[0] in PRIMARY_SETTINGS:
                continue
            if f.group is not None and len(e.path) == 1 and e.path[0] == "name" and f.package:
                continue  # the option's label (scenario.name, ...), not a value of the model
            scanned.append((f, e))
    order = {f: n for n, f in enumerate(files)}
    preset_keys = {e.key: _rel(f.path, config_dir) for f, e in scanned if f.preset}
    last: dict[str, ConfigFile] = {}
    for f, e in scanned:
        last[e.key] = f
    rows = []
    for f, e in scanned:
        rel = _rel(f.path, config_dir)
        later = last[e.key]
        overridden = _rel(later.path, config_dir) if order[later] > order[f] else ""
        by = list(fits.get(e.key, []))
        if f.preset:
            by.append(f"preset {rel}")
        elif e.key in preset_keys:
            by.append(f"preset {preset_keys[e.key]}")
        part: list[str] = []
        leaves: list[str] = []
        if e.kind == "mapping":
            leaves = [".".join(p) for p in _leaves(e.value, ())]
            part = [leaf for leaf in leaves if f"{e.key}.{leaf}" in fits or f"{e.key}.{leaf}" in preset_keys]
            if part and len(part) == len(leaves):
                by.append("every member")
        if by and (e.kind != "mapping" or not leaves or len(part) == len(leaves)):
            status, basis = "fitted", "; ".join(by)
            comment = next((t for t, _ in e.chain if t), "")
        else:
            status, basis, comment = classify(e)
        rows.append({"key": e.key, "value": e.value_text, "file": rel, "line": e.line, "comment": comment,
                     "status": status, "basis": basis, "scalar": e.kind == "number", "kind": e.kind,
                     "fitted_by": "; ".join(by), "fit_applied": e.key in preset_keys or bool(part and all(
                         f"{e.key}.{p}" in preset_keys for p in part)),
                     "fitted_part": ", ".join(part), "overridden_by": overridden, "group": f.group or "config"})
    return pd.DataFrame(rows, columns=COLUMNS)


def effective(inv: pd.DataFrame) -> pd.DataFrame:
    """The rows whose value is in effect in the default run (no later file sets the same key)."""
    return inv[inv["overridden_by"] == ""]


def status_of(inv: pd.DataFrame, key: str) -> str:
    """A key's status in the composed run: its own row, or the flow mapping it is a member of; 'not in the inventory'.

    A key some calibration fits but the selected preset does not set is :data:`UNAPPLIED`: the run uses the value as
    written, which is no fit."""
    eff = effective(inv)
    row = eff[eff["key"] == key]
    if not row.empty:
        status = str(row["status"].iloc[-1])
        return UNAPPLIED if status == "fitted" and not bool(row["fit_applied"].iloc[-1]) else status
    parts = key.split(".")
    for n in range(len(parts) - 1, 0, -1):
        row = eff[eff["key"] == ".".join(parts[:n])]
        if not row.empty:
            member = ".".join(parts[n:])
            fitted = [p.strip() for p in str(row["fitted_part"].iloc[-1]).split(",") if p.strip()]
            return "fitted" if member in fitted else str(row["status"].iloc[-1])
    return "not in the inventory"


# ------------------------------------------------------------------------------------ the Morris space


@dataclass(frozen=True)
class ModelValue:
    """A value of the validated config, with what the schema allows."""

    value: Any
    integer: bool = False
    low: float | None = None
    high: float | None = None


def model_values(cfg: Any) -> dict[str, ModelValue]:
    """Every leaf of the validated config (``simulation.core.config.validate``) by dotted key, with its schema range."""
    from simulation.core.config import validate

    out: dict[str, ModelValue] = {}

    def walk(obj: Any, key: str, meta: Mapping[str, Any] | None) -> None:
        if dataclasses.is_dataclass(obj):
            for f in dataclasses.fields(obj):
                walk(getattr(obj, f.name), f"{key}.{f.name}" if key else f.name, f.metadata)
        elif isinstance(obj, dict) and obj:
            for k, v in obj.items():
                walk(v, f"{key}.{k}", None)
        else:
            v = obj.value if isinstance(obj, enum.Enum) else obj
            meta = meta or {}
            out[key] = ModelValue(v, isinstance(v, int) and not isinstance(v, bool), meta.get("lo"), meta.get("hi"))

    walk(validate(cfg), "", None)
    return out


SHARE_WIDTH = 0.25            # a share: its value +- 0.25 ...
SHARE_LIMITS = (0.01, 0.99)   # ... within these
RELATIVE = (0.5, 1.5)         # a rate, duration or multiplier: half to 1.5 times its value
ZERO_SHARE_HIGH = 0.25        # a share at 0: [0, 0.25]
ZERO_RATE_HIGH = 0.2          # a rate per year at 0: [0, 0.2] (one in five a year)


def _is_share(key: str, mv: ModelValue | None) -> bool:
    if mv is not None and mv.low is not None:
        return mv.low == 0.0 and mv.high == 1.0
    leaf = key.rsplit(".", 1)[-1]
    return any(w in leaf for w in ("share", "compliance", "probability"))


# The classes the Morris space covers. Fitted and sourced values are screened too, with the same relative ranges:
# the top-ten check asks where the assumptions rank among *all* the model's numbers, which a space of assumptions
# alone could not answer (its top ten would be assumptions by construction). Unlabelled values are not screened:
# many are settings of the run or definitions (population.scale, indicators.youth_max_age); label them first.
SCREENED_CLASSES = ("fitted", "sourced", "assumption", UNAPPLIED)


def _class(r: Any) -> str:
    return UNAPPLIED if r.status == "fitted" and not r.fit_applied else str(r.status)


def _share_sibling(key: str, base_values: Mapping[str, Any]) -> bool:
    """A member of a set of shares that sum to 1 (``rates.assessment.destinations.education``): cannot move alone."""
    parent, depth = key.rsplit(".", 1)[0] + ".", key.count(".")
    sib = [_plain(v) for k, v in base_values.items() if k.startswith(parent) and k.count(".") == depth]
    nums = [v for v in sib if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return len(sib) > 1 and len(nums) == len(sib) and all(0 <= v <= 1 for v in nums) and abs(sum(nums) - 1) < 1e-6


def screening_plan(inv: pd.DataFrame, base_values: Mapping[str, Any],
                   classes: Sequence[str] = SCREENED_CLASSES) -> pd.DataFrame:
    """For every value in effect of the given classes: screened with bounds, or not with the reason.

    ``base_values`` maps dotted keys to the composed config's values (:func:`model_values` gives them with the
    schema's ranges, which then decide what a share is, clip the bounds and keep whole numbers out; plain values
    work too, and the key's name then says what a share is). Columns: key, value, low, high, screened, reason, note.
    """
    rows = []
    steady = _plain(base_values.get("economy.kind")) == "steady"
    for r in effective(inv).itertuples(index=False):
        cls = _class(r)
        if cls not in classes:
            continue
        mv = base_values.get(r.key)
        mv = mv if isinstance(mv, ModelValue) else (ModelValue(mv) if r.key in base_values else None)
        value = mv.value if mv is not None else yaml.safe_load(r.value) if r.scalar else None
        why = f"{cls} ({r.fitted_by})" if r.status == "fitted" else cls
        row = {"key": r.key, "value": r.value, "low": np.nan, "high": np.nan, "screened": False, "reason": "",
               "cls": cls, "note": f"{why}; {r.file}:{r.line}: {_short(r.comment, 100)}"}
        reason = ""
        if r.kind == "mapping" and r.value.strip() == "{}":
            reason = "an empty mapping (a hook for overrides): nothing to vary"
        elif r.kind == "mapping":
            reason = _mapping_reason(r.value)
        elif not r.scalar:
            reason = {"list": "a list, not a single number", "flag": "a switch (true/false)",
                      "text": "text, not a number"}.get(r.kind, "no value (null)")
        elif r.key.startswith("economy.") and steady:
            reason = "read by no rule in a steady economy (the default economy): screen it with economy=recession"
        elif mv is not None and mv.integer:
            reason = "a whole number in the model (an age, a count of days): Morris' grid steps between whole numbers"
        elif not isinstance(value, (int, float)) or isinstance(value, bool):
            reason = "not a number in the composed config"
        elif _share_sibling(r.key, base_values):
            reason = "a member of a set of shares that sum to 1: moving one alone would break the sum"
        if reason:
            rows.append({**row, "reason": reason})
            continue
        v, leaf = float(value), r.key.rsplit(".", 1)[-1]
        share = _is_share(r.key, mv)
        if v < 0:
            rows.append({**row, "reason": "a negative value: no rule for its bounds"})
            continue
        if v == 0:
            if share or "share" in leaf:
                low, high = 0.0, ZERO_SHARE_HIGH
            elif "rate" in leaf:
                low, high = 0.0, ZERO_RATE_HIGH
            else:
                rows.append({**row, "reason": "value 0: no scale for bounds (give it bounds by hand)"})
                continue
        elif share and v < 1:
            low, high = max(SHARE_LIMITS[0], v - SHARE_WIDTH), min(SHARE_LIMITS[1], v + SHARE_WIDTH)
        else:
            low, high = RELATIVE[0] * v, RELATIVE[1] * v
        if mv is not None:
            low = max(low, mv.low) if mv.low is not None else low
            high = min(high, mv.high) if mv.high is not None else high
        if not low < high:
            rows.append({**row, "reason": f"no room within the range the model allows ({mv.low}, {mv.high})"})
            continue
        rows.append({**row, "low": _round(low), "high": _round(high), "screened": True,
                     "note": f"default {v:g}; {row['note']}"})
    return pd.DataFrame(rows, columns=["key", "value", "low", "high", "screened", "reason", "cls", "note"])


def _mapping_reason(text: str) -> str:
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        value = None
    leaves = list(_leaves(value, ()).values()) if isinstance(value, dict) else []
    if leaves and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in leaves) \
            and abs(sum(leaves) - 1.0) < 1e-6:
        return "a set of shares that sum to 1: moving one alone would break the sum"
    return "a set of values (one per group), not a single number: screen its members by hand"


def _plain(v: Any) -> Any:
    return v.value if isinstance(v, ModelValue) else v


def _round(x: float) -> float:
    return float(f"{x:.6g}")


def _short(text: str, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[:n - 3].rstrip() + "..."


def morris_space(inv: pd.DataFrame, base_values: Mapping[str, Any]) -> list[dict]:
    """The Morris parameter space: ``{key, low, high, note}`` for each scalar numeric value of the screened classes
    (:data:`SCREENED_CLASSES`) that can be screened (:func:`screening_plan` gives the others with the reason)."""
    plan = screening_plan(inv, base_values)
    return [{"key": r.key, "low": r.low, "high": r.high, "note": r.note}
            for r in plan[plan["screened"]].itertuples(index=False)]


# The settings of the generated space (the rest come from configs/sensitivity/default.yaml): the composed config as
# it is (the chosen groups, e.g. calibrated=norway_2019, become base_overrides), every headline indicator, and a run
# small enough for ~100 parameters: 1:200 sample, 2 replicates, the calibration's burn-in of 5 years and 3 reported
# years (upper secondary completion within 5/6 years needs the starting cohorts followed 6 years). Morris only:
# Sobol is kept as cheap as the analysis allows (its top parameter and the null control, 16 base samples).
SPACE_SETTINGS = {"base_overrides": [], "scale": 200, "replicates": 2, "years": 3, "burn_in_years": 5, "workers": 2,
                  "null_control": "economy.recession.depth",
                  "morris": {"trajectories": 10, "levels": 4}, "sobol": {"top_k": 1, "base_samples": 16}}
NULL_BOUNDS = (0.0, 0.95)


def space_settings(default_space: Path | str, choices: Mapping[str, str] | None = None,
                   steady: bool = True) -> dict:
    """The settings block: :data:`SPACE_SETTINGS` over those of ``default_space`` (its seed, step, ...), with the
    headline indicators (:data:`simulation.runs.indicators.HEADLINE`), ``choices`` as base overrides, and no null
    control unless the economy is steady (only there is no rule reading ``economy.recession.depth``)."""
    from simulation.runs.indicators import HEADLINE

    try:
        data = yaml.safe_load(Path(default_space).read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"assumptions error: {default_space}: cannot read ({exc.__class__.__name__})") from None
    base = dict(data.get("settings") or {})
    out = {**base, **{k: v for k, v in SPACE_SETTINGS.items() if k not in ("morris", "sobol")}}
    out["base_overrides"] = [f"{g}={o}" for g, o in (choices or {}).items()]
    out["indicators"] = list(HEADLINE)
    if not steady:
        out["null_control"] = None
    for k in ("morris", "sobol"):
        out[k] = {**(base.get(k) or {}), **SPACE_SETTINGS[k]}
    return out


def _flow(value: Any) -> str:
    """One value as YAML on one line (a scalar without the document end marker PyYAML adds)."""
    text = yaml.safe_dump(value, default_flow_style=True, width=10**6, sort_keys=False).strip()
    return text[:-3].strip() if text.endswith("\n...") else text


def space_yaml(space: Sequence[dict], settings: Mapping[str, Any], plan: pd.DataFrame, command: str,
               when: str) -> str:
    """The space file, in the layout of ``configs/sensitivity/default.yaml``; the null control is appended."""
    null = settings.get("null_control")
    lines = [
        f"# Generated by `{command}` on {when}: do not edit by hand, regenerate.",
        "# Morris screening of every scalar numeric value in effect in the default config with base_overrides, of the",
        "# classes " + ", ".join(SCREENED_CLASSES) + " (the inventory of simulation/analysis/assumptions.py; each",
        "# note starts with the class), so that the assumptions are ranked among all the model's numbers.",
        "# Bounds, the same for every class: rates, durations and multipliers 0.5x-1.5x the value; shares (0..1 in the",
        "# schema) the value +- 0.25 within [0.01, 0.99]; clipped to the range the model allows. Not screened:",
    ]
    for r in plan[~plan["screened"]].itertuples(index=False):
        lines.append(f"#   {r.key} ({r.cls}): {r.reason}")
    over = "".join(f" --override {o}" for o in settings.get("base_overrides") or [])
    lines += ["# Run: python -m simulation.sensitivity --space THIS_FILE --out REPORT_DIR; then python -m "
              f"simulation.assumptions{over} --morris REPORT_DIR", "", "settings:"]
    for k, v in settings.items():
        if isinstance(v, dict):
            lines.append(f"  {k}:")
            lines += [f"    {k2}: {_flow(v2)}" for k2, v2 in v.items()]
        else:
            lines.append(f"  {k}: {_flow(v)}")
    lines += ["", "parameters:"]
    for p in space:
        lines.append(f"  - {{key: {p['key']}, low: {p['low']!r}, high: {p['high']!r}, note: {_quote(p['note'])}}}")
    if null is not None:
        lines.append("  # the null control: no rule reads it while economy=steady (cycle intensity 0 at every step), "
                     "so with common random numbers its mu* must come out 0")
        lines.append(f"  - {{key: {null}, low: {NULL_BOUNDS[0]!r}, high: {NULL_BOUNDS[1]!r}, note: "
                     f"{_quote('NULL CONTROL: read by no rule while economy=steady (set in configs/cycle/*.yaml)')}}}")
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


# ------------------------------------------------------------------------------------------- the page


@dataclass
class Screening:
    """A finished Morris screening: one importance score per parameter (:func:`sensitivity.importance`)."""

    report_dir: str
    created: str
    importance: pd.Series                 # parameter -> score, highest first, null control left out
    null_control: str | None = None
    indicators: list[str] = field(default_factory=list)
    null_importance: float | None = None  # the null control's score: it must be ~0 (else the design leaks noise)
    settings: dict = field(default_factory=dict)   # the report's settings (manifest.json), {} if none
    runs: int | None = None               # Morris design points
    seconds: float | None = None          # wall time of the Morris runs
    strongest: pd.DataFrame | None = None  # parameter -> indicator where its normalised mu* is largest, and that value


def ranks(screening: Screening) -> pd.DataFrame:
    """parameter, importance, rank (1 = most influential), null control left out."""
    s = screening.importance
    return pd.DataFrame({"parameter": s.index, "importance": s.to_numpy(), "rank": np.arange(1, len(s) + 1)})


def top_ten_check(inv: pd.DataFrame, screening: Screening, n: int = 10) -> pd.DataFrame:
    """The ``n`` most influential parameters with their status; ``ok`` is True only for a fitted value in effect or a
    sourced one (an assumption, an unlabelled value, a fit the preset does not apply, or a key not in the inventory
    fails)."""
    top = ranks(screening).head(n).copy()
    top["status"] = [status_of(inv, p) for p in top["parameter"]]
    top["ok"] = top["status"].isin(OK_STATUSES)
    return top


def check_passes(inv: pd.DataFrame, screening: Screening, n: int = 10) -> bool:
    """The issue's check: none of the ``n`` most influential parameters is an unsourced, unfitted value."""
    return bool(top_ten_check(inv, screening, n)["ok"].all())


def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def howto(choices: Mapping[str, str], report_dir: str | None) -> list[str]:
    """The commands that regenerate the page, as Markdown lines (exact for the given group choices and report)."""
    over = "".join(f" --override {g}={o}" for g, o in choices.items())
    report = report_dir or "REPORT_DIR"
    return ["## How to regenerate this page", "",
            "From the repository root (the Morris run takes about 15-20 minutes on 2 busy cores; its settings are "
            "in the space file's `settings:`, and can be changed on the sensitivity command line, e.g. "
            "`settings.morris.trajectories=20`):", "", "```sh",
            f"python -m simulation.assumptions{over} --space space.yaml   # the Morris space",
            f"NUMBA_NUM_THREADS=1 python -m simulation.sensitivity --space space.yaml --out {report}",
            f"python -m simulation.assumptions{over} --morris {report}   # this page; --check: exit 1 if it fails",
            "```", "",
            "Without `--morris` the page is written with the inventory only (nothing screened). `--csv FILE` also "
            "writes the whole inventory (every value, with its status and the comment that decided it).", ""]


def _strongest(screening: Screening | None, key: str) -> str:
    if screening is None or screening.strongest is None or key not in screening.strongest.index:
        return ""
    r = screening.strongest.loc[key]
    raw = ""
    if pd.notna(r.get("mu_star", np.nan)):
        conf = f" ± {r['mu_star_conf']:.3g}" if pd.notna(r.get("mu_star_conf", np.nan)) else ""
        raw = f"; mu* {r['mu_star']:.3g}{conf}"
    return f"{r['indicator']} ({r['mu_star_normalised']:.2f}{raw})"


def markdown(inv: pd.DataFrame, plan: pd.DataFrame, screening: Screening | None, command: str, when: str,
             files: Sequence[str], choices: Mapping[str, str] | None = None) -> str:
    """The page ``docs/assumptions.md``: how to regenerate it, the top-ten check, the counts, every remaining
    assumption by importance, the unlabelled values, and the fits the composed config does not apply."""
    choices = dict(choices or {})
    eff = effective(inv)
    composed = "the default config" + (" with " + ", ".join(f"`{g}={o}`" for g, o in choices.items())
                                       if choices else "")
    out = ["# Assumptions: the values without a source or a fit", "",
           f"*Generated by `{command}` on {when}. Do not edit by hand: change the configs' comments or the "
           "calibration settings and regenerate.*", ""]
    top = top_ten_check(inv, screening) if screening is not None else None
    if top is None:
        out += ["**Check not run:** no Morris screening was given (`--morris REPORT_DIR`).", ""]
    elif top["ok"].all():
        out += [f"**Check passed:** none of the {len(top)} most influential parameters on the headline indicators is "
                "an unsourced, unfitted assumption.", ""]
    else:
        bad = top[~top["ok"]]
        out += [f"**Check failed:** {len(bad)} of the {len(top)} most influential parameters on the headline "
                f"indicators {'is' if len(bad) == 1 else 'are'} still unsourced and unfitted: "
                + ", ".join(f"`{r.parameter}` (rank {r.rank}, importance {r.importance:.3f}, {r.status})"
                            for r in bad.itertuples()) + ".", ""]
    out += howto(choices, screening.report_dir if screening is not None else None)
    out += ["## What was screened", ""]
    if screening is not None:
        st = screening.settings or {}
        morris = st.get("morris") or {}
        size = (f"population.scale={st.get('scale')}, {st.get('replicates')} replicates, {st.get('years')} reported "
                f"years after a {st.get('burn_in_years')}-year burn-in, step {st.get('step_days')} days, seed "
                f"{st.get('seed')} at every point (common random numbers); {morris.get('trajectories')} trajectories "
                f"on {morris.get('levels')} levels" if st else "settings unknown (no manifest.json)")
        runs = f"{screening.runs} model runs" if screening.runs else "the model runs"
        took = f" in {screening.seconds / 60:.0f} minutes" if screening.seconds else ""
        base = ", ".join(f"`{o}`" for o in st.get("base_overrides") or []) or "none"
        out.append(f"The Morris report `{screening.report_dir}` (created {screening.created}): "
                   f"{len(screening.importance)} parameters besides the null control, {runs}{took}; {size}; base "
                   f"overrides {base}. Importance = mu* divided by the largest mu* of each headline indicator, "
                   f"averaged over the {len(screening.indicators)} indicators "
                   "(`simulation.analysis.sensitivity.importance`): 1 would be the top parameter of every indicator.")
        counts = pd.Series([status_of(inv, p) for p in screening.importance.index]).value_counts()
        order = ["fitted", UNAPPLIED, "sourced", "assumption", "unknown"]
        classes = counts.reindex([c for c in order if c in counts.index]
                                 + sorted(c for c in counts.index if c not in order))
        out.append("The screened parameters by class: " + ", ".join(f"{n} {c}" for c, n in classes.items()) + ".")
        if not set(classes.index) & set(OK_STATUSES):
            out.append("**Warning:** the space held no fitted or sourced parameter, so its top ten cannot but be "
                       "unsourced: the check below says nothing about where the assumptions rank among all the "
                       "model's numbers. Screen a space made by `--space` (every labelled class).")
        else:
            out.append("Generated spaces (`--space`) give every class the same relative ranges (rates, durations and "
                       "multipliers 0.5x-1.5x their value, shares +-0.25), so the ranking places the assumptions "
                       "among all the model's numbers.")
        if screening.null_control is not None:
            null = "not in the report" if screening.null_importance is None else f"{screening.null_importance:.3f}"
            out.append(f"The null control `{screening.null_control}` (read by no rule in this scenario) scores {null}; "
                       "a score clearly above 0 would mean the design leaks Monte Carlo noise into the ranking.")
        if screening.indicators:
            out.append("Headline indicators: " + ", ".join(f"`{i}`" for i in screening.indicators) + ".")
        if screening.settings and screening.settings.get("base_overrides") is not None:
            want = [f"{g}={o}" for g, o in choices.items()]
            if sorted(want) != sorted(screening.settings.get("base_overrides") or []):
                out.append(f"**Warning:** this page's inventory is of {composed}, but the screening ran with base "
                           f"overrides {base}: the classes below may not be those of the screened model.")
    else:
        out.append("Nothing yet: run the commands above.")
    out += ["", f"Inventory: the files {composed} composes (`configs/config.yaml`'s `defaults:`), in order: "
            + ", ".join(f"`{f}`" for f in files) + ". Class: **fitted** (a free parameter or balance share of "
            "`configs/calibration/*.yaml` whose fitted value the composed config applies, or a value of the selected "
            f"calibrated preset), **{UNAPPLIED}** (a calibration fits it, but the selected preset does not set it: the "
            "run uses the value as written), **assumption** (its comment says so, or claims a fit that no calibration "
            "backs), **sourced** (its comment cites a source), **unknown** (no comment says either: it needs a label). "
            "Rows overridden by a later file are left out below.", ""]

    out += ["## The ten most influential parameters", ""]
    if top is None:
        out += ["Not screened.", ""]
    else:
        where = dict(zip(eff["key"], eff["file"] + ":" + eff["line"].astype(str)))
        value = dict(zip(eff["key"], eff["value"]))
        out += ["| rank | parameter | value | where | importance | largest on (mu* / max; mu* ± conf.) | class "
                "| check |",
                "|---:|---|---|---|---:|---|---|---|"]
        out += [f"| {r.rank} | `{r.parameter}` | {_md(value.get(r.parameter, ''))} | {where.get(r.parameter, '')} | "
                f"{r.importance:.3f} | {_strongest(screening, r.parameter)} | {r.status} | "
                f"{'ok' if r.ok else '**fails**'} |" for r in top.itertuples()]
        out.append("")

    out += ["## Counts", "", "| class | values in effect | of them single numbers |", "|---|---:|---:|"]
    for st_ in STATUSES:
        d = eff[eff["status"] == st_]
        out.append(f"| {st_} | {len(d)} | {int(d['scalar'].sum())} |")
        if st_ == "fitted":
            d = d[~d["fit_applied"].astype(bool)]
            out.append(f"| (of them {UNAPPLIED}) | {len(d)} | {int(d['scalar'].sum())} |")
    out += [f"| all | {len(eff)} | {int(eff['scalar'].sum())} |", ""]

    table = _assumption_table(eff, plan, screening)
    out += ["## Every remaining assumption", "",
            f"Every value in effect classed assumption or {UNAPPLIED}, by importance; then those not screened, in file "
            "order, with the reason.", "",
            "| rank | key | value | where | class | importance | comment |", "|---:|---|---|---|---|---|---|"]
    for r in table.itertuples(index=False):
        out.append(f"| {r.rank} | `{r.key}` | {_md(_short(r.value, 60))} | {r.where} | {r.cls} | {_md(r.importance)} | "
                   f"{_md(_short(r.comment, 160))} |")
    out.append("")

    unknown = eff[eff["status"] == "unknown"]
    out += ["## Values without a label", "",
            "Neither a source nor the word assumption in any comment that applies to them (mostly rules of law and "
            "definitions): label them. They are not screened.", "",
            "| key | value | where | why | comment |", "|---|---|---|---|---|"]
    out += [f"| `{r.key}` | {_md(_short(r.value, 60))} | {r.file}:{r.line} | {r.basis} | "
            f"{_md(_short(r.comment, 120))} |" for r in unknown.itertuples(index=False)]
    out.append("")

    lost = inv[(inv["overridden_by"] != "") & inv["basis"].str.contains("preset ", regex=False)
               & inv["file"].str.contains("calibrated/", regex=False)]
    if not lost.empty:
        out += ["## Fitted values a later file overrides", "",
                "Values of the preset that a later file overrides (so the fitted value is **not** in effect):", "",
                "| key | preset value | overridden by |", "|---|---|---|"]
        out += [f"| `{r.key}` | {r.value} | {r.overridden_by} |" for r in lost.itertuples(index=False)]
        out.append("")
    return "\n".join(out)


def _assumption_table(eff: pd.DataFrame, plan: pd.DataFrame, screening: Screening | None) -> pd.DataFrame:
    rank = ranks(screening).set_index("parameter") if screening is not None else None
    reasons = dict(zip(plan["key"], plan["reason"]))
    rows = []
    todo = eff[(eff["status"] == "assumption") | ((eff["status"] == "fitted") & ~eff["fit_applied"].astype(bool))]
    for r in todo.itertuples(index=False):
        cls = "assumption" if r.status == "assumption" else UNAPPLIED
        if rank is not None and r.key in rank.index:
            score, n = float(rank.loc[r.key, "importance"]), int(rank.loc[r.key, "rank"])
            imp, rk = f"{score:.3f}", str(n)
        else:
            n, rk = 10**9, ""
            why = reasons.get(r.key, "")
            if screening is None:
                imp = "not screened" + (f" (cannot be: {why})" if why else "")
            else:
                imp = f"not screened: {why}" if why else "not screened: not in this report's space"
        rows.append({"rank": rk, "key": r.key, "value": r.value, "where": f"{r.file}:{r.line}", "cls": cls,
                     "importance": imp, "comment": r.comment, "_n": n, "_order": len(rows)})
    df = pd.DataFrame(rows, columns=["rank", "key", "value", "where", "cls", "importance", "comment", "_n", "_order"])
    return df.sort_values(["_n", "_order"], kind="stable").drop(columns=["_n", "_order"])


def read_screening(report_dir: Path | str) -> Screening:
    """The importance scores of a finished sensitivity report (its ``morris.csv``; ``manifest.json`` if present).

    A missing or unreadable table, missing columns, or a report whose manifest says it did not finish is a one-line
    ConfigError naming the file."""
    import json

    from simulation.analysis.sensitivity import MANIFEST_FILE, MORRIS_FILE, importance

    report_dir = Path(report_dir)
    path = report_dir / MORRIS_FILE
    if not path.is_file():
        raise ConfigError(f"assumptions error: --morris {report_dir}: no {MORRIS_FILE} there (a finished "
                          "python -m simulation.sensitivity report?)")
    try:
        morris = pd.read_csv(path)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ConfigError(f"assumptions error: {path}: cannot read a Morris table ({exc.__class__.__name__})") from None
    need = {"parameter", "indicator", "mu_star_normalised"}
    if not need <= set(morris.columns) or morris.empty:
        raise ConfigError(f"assumptions error: {path}: needs the columns {sorted(need)} and at least one row")
    if not pd.api.types.is_numeric_dtype(morris["mu_star_normalised"]):
        raise ConfigError(f"assumptions error: {path}: column mu_star_normalised is not numeric")
    created, null, meta = "", None, {}
    manifest = report_dir / MANIFEST_FILE
    if manifest.is_file():
        try:
            meta = json.loads(manifest.read_text())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"assumptions error: {manifest}: cannot read ({exc.__class__.__name__})") from None
        if not isinstance(meta, dict):
            raise ConfigError(f"assumptions error: {manifest}: not a JSON object")
        created = str(meta.get("created", ""))
        null = (meta.get("settings") or {}).get("null_control")
        if not meta.get("complete", True):
            raise ConfigError(f"assumptions error: {manifest}: the report is not complete "
                              "(the analysis did not finish)")
    if "null_control" in morris.columns:
        flagged = morris.loc[morris["null_control"].astype(str).str.lower() == "true", "parameter"].unique()
        null = str(flagged[0]) if len(flagged) else null
    score = importance(morris)
    null_score = float(score[null]) if null is not None and null in score.index else None
    if null is not None:
        score = score.drop(index=null, errors="ignore")
    m = morris.dropna(subset=["mu_star_normalised"])
    cols = ["parameter", "indicator", "mu_star_normalised", *[c for c in ("mu_star", "mu_star_conf") if c in m]]
    strongest = (m.loc[m.groupby("parameter")["mu_star_normalised"].idxmax(), cols].set_index("parameter")
                 if not m.empty else None)
    timings = meta.get("timings_s") or {}
    runs = (meta.get("runs") or {}).get("morris")
    listed = [i for i in (meta.get("settings") or {}).get("indicators") or [] if i in set(morris["indicator"])]
    indicators = listed or sorted(morris["indicator"].unique())
    return Screening(str(report_dir), created or "unknown", score, null, indicators,
                     null_score, dict(meta.get("settings") or {}), int(runs) if runs else None,
                     timings.get("morris_runs_s"), strongest)
