"""Bad config values give a one-line error naming the key and the value, and no traceback.

Requirement (issue): "A value out of range (a negative rate, a share above 1, an unknown county,
a replicate count of 0, a misspelt key) exits non-zero with one line naming the key and the
value, no traceback." and "20 kinds of bad config value each give a one-line error naming the key."

Two levels:
1. fast, every case: the command-line check (``simulation.runs.overrides.check_overrides``) or, when
   that passes, ``validate(load_config(overrides))`` must produce the one-line ``ConfigError``;
2. end to end through ``python -m simulation`` for a representative subset.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from simulation import ConfigError, load_config, validate
from simulation.runs.overrides import check_overrides


@dataclass(frozen=True)
class Bad:
    """One kind of bad input: the overrides, the key the error must name and the value's text."""

    id: str
    overrides: tuple[str, ...]
    key: str
    value: str | tuple[str, ...] | None  # None: no value to name (unknown key); tuple: any of these


CASES = [
    # ranges of plain numbers
    Bad("negative_rate", ("rates.jobseeker.job_finding=-1",), "rates.jobseeker.job_finding", "-1"),
    Bad("share_above_one", ("rates.school.start_share=1.5",), "rates.school.start_share", "1.5"),
    Bad("nan_rate", ("rates.work.layoff_rate=nan",), "rates.work.layoff_rate", "nan"),
    Bad("inf_rate", ("rates.work.layoff_rate=inf",), "rates.work.layoff_rate", "inf"),
    Bad("negative_multiplier", ("cooperation.effects.dropout=-1",), "cooperation.effects.dropout", "-1"),
    Bad("cooperation_strength_above_one", ("cooperation.strength=1.2",), "cooperation.strength", "1.2"),
    Bad("int_above_max", ("rates.ot.max_age=40",), "rates.ot.max_age", "40"),
    Bad("county_share_above_one", ("counties.Oslo.immigrant_share=2",), "counties.Oslo.immigrant_share", "2"),
    Bad("scale_below_one", ("population.scale=0.5",), "population.scale", "0.5"),
    # run.*
    Bad("replicates_zero", ("run.replicates=0",), "run.replicates", "0"),
    Bad("replicates_too_many", ("run.replicates=100001",), "run.replicates", "100001"),
    Bad("negative_seed", ("run.seed=-1",), "run.seed", "-1"),
    Bad("step_days_zero", ("run.step_days=0",), "run.step_days", "0"),
    Bad("step_days_above_31", ("run.step_days=40",), "run.step_days", "40"),
    Bad("years_zero", ("run.years=0",), "run.years", "0"),
    Bad("negative_burn_in", ("run.burn_in_years=-1",), "run.burn_in_years", "-1"),
    Bad("burn_in_too_many_steps", ("run.burn_in_years=20", "run.step_days=1"), "run.burn_in_years", "20"),
    # unknown counties
    Bad("unknown_county_only_counties", ("population.only_counties=[Osloo]",), "population.only_counties", "Osloo"),
    Bad("only_counties_bare_string", ("population.only_counties=Osloo",), "population.only_counties", "Osloo"),
    Bad("unknown_county_by_county_append", ("+cooperation.by_county.Atlantis=0.5",),
        "cooperation.by_county.Atlantis", "0.5"),
    Bad("unknown_county_by_county_plain", ("cooperation.by_county.Atlantis=0.5",),
        "cooperation.by_county.Atlantis", "0.5"),
    Bad("by_county_strength_above_one", ("+cooperation.by_county.Oslo=1.5",), "cooperation.by_county.Oslo", "1.5"),
    # misspelt keys, groups and group options
    Bad("misspelt_key", ("run.replicat=5",), "run.replicat", None),
    Bad("misspelt_nested_key", ("rates.jobseeker.job_findin=2",), "rates.jobseeker.job_findin", None),
    Bad("misspelt_key_appended", ("+run.replicat=5",), "run.replicat", None),
    Bad("misspelt_group_option", ("economy=recesion",), "economy", "recesion"),
    Bad("misspelt_group_option_in_sweep", ("-m", "economy=steady,recesion"), "economy", "recesion"),
    Bad("unknown_group", ("economi=steady",), "economi", None),
    # wrong types
    Bad("string_for_int", ("run.replicates=abc",), "run.replicates", "abc"),
    Bad("float_for_int", ("run.replicates=1.5",), "run.replicates", "1.5"),
    Bad("null_for_int", ("run.replicates=null",), "run.replicates", ("null", "None")),
    Bad("bool_nonsense", ("scenario.youth_guarantee=maybe",), "scenario.youth_guarantee", "maybe"),
    Bad("enum_unknown", ("scenario.dagpenger_while_studying=never",), "scenario.dagpenger_while_studying", "never"),
    Bad("list_for_string", ("output.figure_format=[png]",), "output.figure_format", "png"),
    Bad("unparsable_value", ("run.replicates=[1,2",), "run.replicates", "[1,2"),
    # distributions and keyed dicts
    Bad("destinations_not_summing_to_one", ("rates.work_measure.destinations.work=0.6",),
        "rates.work_measure.destinations", "0.6"),
    Bad("destination_negative_share",
        ("rates.work_measure.destinations.work=-0.05", "rates.work_measure.destinations.jobseeker=1.0"),
        "rates.work_measure.destinations.work", "-0.05"),
    Bad("destination_unknown_state_append", ("+rates.work_measure.destinations.nowhere=0.0",),
        "rates.work_measure.destinations.nowhere", "0.0"),
    Bad("destination_unknown_state_dict",
        ("rates.work_measure.destinations={work: 0.45, jobseeker: 0.5, nowhere: 0.05}",),
        "rates.work_measure.destinations", "nowhere"),
    Bad("education_shares_not_summing_to_one", ("population.education_by_age.16_18.primary=0.5",),
        "population.education_by_age.16_18", "0.5"),
    Bad("age_group_missing", ("~population.persons_by_age.16_19",), "population.persons_by_age", "20_24"),
    Bad("age_group_malformed", ("+population.persons_by_age.67plus=10",), "population.persons_by_age.67plus", "10"),
    Bad("age_band_unknown", ("+rates.job_finding.by_age.15_17=1.0",), "rates.job_finding.by_age.15_17", "1.0"),
    # fields that depend on each other, and enumerated strings
    Bad("recession_after_run_end", ("economy=recession", "economy.recession.start_year=50", "run.years=10"),
        "economy.recession.start_year", "50"),
    Bad("figure_format_gif", ("output.figure_format=gif",), "output.figure_format", "gif"),
    Bad("language_de", ("output.language=de",), "output.language", "de"),
    Bad("followup_months_zero", ("indicators.followup_months=[0,12]",), "indicators.followup_months", "0"),
]

# A representative subset through the real CLI: a misspelt key, a misspelt group option, a value
# out of range found only inside the Hydra job, bad types, an unknown county, a cross-field check
# and an override Hydra itself rejects while composing.
CLI_CASES = [
    "misspelt_key",
    "misspelt_group_option",
    "unknown_group",
    "replicates_zero",
    "negative_rate",
    "string_for_int",
    "unknown_county_only_counties",
    "unknown_county_by_county_plain",
    "recession_after_run_end",
]

# OmegaConf's internal error trailer: the dataclass behind a node is not something a user wrote.
_INTERNALS = re.compile(r"full_key:|reference_type=|object_type=")
# Hydra's log lines ("[2024-11-25 08:00:00,123][HYDRA] ...") and tqdm's progress bars.
_HYDRA_LOG = re.compile(r"^\[\d{4}-\d\d-\d\d [\d:,.]+\]\[[^\]]*\]")
_TQDM = re.compile(r"\d+%\|.*\||\d+(\.\d+)?(it|s)/(s|it)\b")

_BY_ID = {c.id: c for c in CASES}
assert len(_BY_ID) == len(CASES), "duplicate case ids"
assert len(CASES) >= 20


def _error_for(overrides: tuple[str, ...]) -> str:
    """The error the CLI path would print: the command-line check first, then validation."""
    message = check_overrides(list(overrides))
    if message is not None:
        return message
    try:
        validate(load_config([o for o in overrides if not o.startswith("-")]))
    except ConfigError as err:
        return str(err)
    except Exception as err:  # noqa: BLE001 - any other exception is the failure we report
        pytest.fail(f"overrides {list(overrides)} raised {type(err).__name__}, not ConfigError "
                    f"(and check_overrides returned None):\n{err}")
    pytest.fail(f"overrides {list(overrides)} were accepted: check_overrides returned None and validate passed")


def _names_key(message: str, key: str) -> bool:
    """The message names the dotted key itself, not merely a longer key that starts with it."""
    return re.search(rf"(?<![\w.]){re.escape(key)}(?!\w)", message) is not None


def _check_message(message: str, case: Bad) -> None:
    text = message.strip()
    assert text, f"{case.id}: empty error message"
    assert "\n" not in text and "\r" not in text, f"{case.id}: error is not one line:\n{message}"
    assert text.startswith("config error:"), f"{case.id}: error does not start with 'config error:': {text}"
    assert _names_key(text, case.key), f"{case.id}: error does not name the key {case.key!r}: {text}"
    if case.value is not None:
        rest = text.replace(case.key, "", 1)
        values = case.value if isinstance(case.value, tuple) else (case.value,)
        assert any(v in rest for v in values), f"{case.id}: error does not name the value {values}: {text}"
    assert not _INTERNALS.search(text), \
        f"{case.id}: error leaks OmegaConf internals (full_key/reference_type/object_type): {text}"
    assert "Traceback" not in text


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_value_gives_one_line_error_naming_key(case: Bad) -> None:
    _check_message(_error_for(case.overrides), case)


def test_default_config_validates() -> None:
    assert check_overrides([]) is None
    validate(load_config([]))


@pytest.mark.parametrize("overrides", [
    ("economy=recession",),
    ("cooperation=strong", "+cooperation.by_county.Oslo=0.8"),
    ("population.only_counties=[Oslo,Troms]",),
    ("run.replicates=1", "run.step_days=31", "run.years=0.5"),
    ("-m", "economy=steady,recession", "scenario=before_reforms,youth_guarantee_off"),
], ids=["recession", "by_county", "only_counties", "edge_values", "sweep"])
def test_good_overrides_pass(overrides: tuple[str, ...]) -> None:
    """Controls: the checks do not reject valid input."""
    assert check_overrides(list(overrides)) is None
    plain = [o for o in overrides if not o.startswith("-")]
    if any("," in o and "[" not in o for o in plain):  # a sweep: validate each combination's first option
        plain = [o.split(",")[0] for o in plain]
    validate(load_config(plain))


def _stderr_lines(stderr: str) -> list[str]:
    lines = []
    for line in re.split(r"[\r\n]+", stderr):
        if not line.strip() or _HYDRA_LOG.match(line) or _TQDM.search(line):
            continue
        lines.append(line.strip())
    return lines


@pytest.mark.parametrize("case_id", CLI_CASES)
def test_cli_exits_nonzero_with_one_line(case_id: str, tmp_path: Path) -> None:
    case = _BY_ID[case_id]
    run_dir = tmp_path / "run"
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    cmd = [sys.executable, "-m", "simulation", *case.overrides, f"hydra.run.dir={run_dir}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    shown = f"command: {' '.join(cmd)}\nreturn code: {proc.returncode}\nstderr:\n{proc.stderr}\nstdout:\n{proc.stdout}"
    assert proc.returncode != 0, shown
    assert "Traceback" not in proc.stderr, shown
    lines = _stderr_lines(proc.stderr)
    assert len(lines) == 1, f"expected exactly one error line on stderr, got {len(lines)}\n{shown}"
    _check_message(lines[0], case)
    assert not list(tmp_path.rglob("stocks.parquet")), f"stocks.parquet was written\n{shown}"
