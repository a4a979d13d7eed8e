"""The Python API under misuse (issue 11, item 5): a config changed after validation, values of the
wrong type, an empty output directory, and the thread count one run leaves behind.

Every misuse raises ``ConfigError`` with one line naming the key (never a numpy, OmegaConf or
KeyError traceback, never a silent run), before any replicate is simulated.
"""
from __future__ import annotations

import copy
import math
import re
from pathlib import Path

import numba
import numpy as np
import pytest

from simulation import ConfigError, load_config, run, validate, write_outputs

from .helpers import TINY, snapshot


@pytest.fixture(scope="module")
def base():
    return validate(load_config(TINY))


MISUSE = {
    "strength above 1": (lambda c: setattr(c.cooperation, "strength", 5), "cooperation.strength=5.0: must be <= 1.0"),
    "NaN rate": (lambda c: setattr(c.rates.school, "dropout_rate", math.nan),
                 "rates.school.dropout_rate=nan: must be a finite number"),
    "negative replicates": (lambda c: setattr(c.run, "replicates", -1), "run.replicates=-1: must be >= 1"),
    "negative seed": (lambda c: setattr(c.run, "seed", -5), "run.seed=-5: must be >= 0"),
    "unknown county": (lambda c: c.cooperation.by_county.update(Atlantis=0.3),
                       "cooperation.by_county.Atlantis=0.3: unknown county"),
    "a set": (lambda c: setattr(c.population, "only_counties", {"Oslo"}),
              "population.only_counties={'Oslo'}: must be a list"),
    "None": (lambda c: setattr(c.run, "seed", None), "run.seed=None: must be set"),
    "text for a number": (lambda c: setattr(c.run, "replicates", "three"), "run.replicates='three': "),
    "a county twice": (lambda c: c.cooperation.by_county.update(Oslo=0.1, oslo=0.9), "both name Oslo"),
    "youth age between bands": (lambda c: setattr(c.indicators, "youth_max_age", 20),
                                "indicators.youth_max_age=20: must be one of 18, 21, 24, 29"),
    "an object": (lambda c: setattr(c.run, "seed", object()), "run.seed=<object"),
}


@pytest.mark.parametrize("name", list(MISUSE))
def test_a_config_changed_after_validation_is_checked_again(base, name, monkeypatch):
    change, expected = MISUSE[name]
    cfg = copy.deepcopy(base)
    change(cfg)
    from simulation.runs import montecarlo

    monkeypatch.setattr(montecarlo, "_simulate", lambda *a, **k: pytest.fail("simulated a bad config"))
    with pytest.raises(ConfigError) as info:
        run(cfg)
    message = str(info.value)
    assert "\n" not in message and message.startswith("config error: ") and expected in message, message


def test_numpy_scalars_and_paths_are_taken_as_plain_values(base):
    """What a user would expect: np.float64(0.3) is 0.3, np.int64(7) is 7, an array is a list."""
    cfg = copy.deepcopy(base)
    cfg.cooperation.strength = np.float64(0.3)
    cfg.run.seed = np.int64(7)
    cfg.indicators.followup_months = np.array([6, 12])
    cfg.output.figure_format = Path("png")
    checked = validate(cfg)
    assert checked.cooperation.strength == 0.3 and type(checked.run.seed) is int and checked.run.seed == 7
    assert checked.indicators.followup_months == [6, 12] and checked.output.figure_format == "png"


@pytest.mark.parametrize("given", ["configs/config.yaml", Path("configs/config.yaml"), None, 5, [1, 2]])
def test_run_needs_a_config(given):
    with pytest.raises(ConfigError, match=r"^config error: expected a config \(load_config\(\[\.\.\.\]\), a SimConfig "
                                          r"or a dict\), got "):
        run(given)


def test_validating_again_changes_nothing(base):
    assert validate(copy.deepcopy(base)) == base


@pytest.fixture(scope="module")
def results():
    return run(load_config(TINY))


def test_write_outputs_refuses_an_empty_directory_name(results, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"^config error: write_outputs: directory='': empty; give a directory$"):
        write_outputs(results, "")
    assert list(tmp_path.iterdir()) == []


def test_write_outputs_never_mixes_with_other_files(results, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "headline.csv").write_text("mine\n")
    before = snapshot(mine)
    with pytest.raises(ConfigError, match="holds headline.csv, which this program did not write"):
        write_outputs(results, mine, overwrite=True)
    assert snapshot(mine) == before
    with pytest.raises(ConfigError, match=r"expected the Results of run\(\.\.\.\), got NoneType"):
        write_outputs(None, tmp_path / "x")  # type: ignore[arg-type]


def test_write_outputs_replaces_an_earlier_run_only_when_asked(results, tmp_path):
    target = tmp_path / "run"
    files = write_outputs(results, target)
    before = snapshot(target)
    with pytest.raises(ConfigError, match="holds a finished run .* add output.overwrite=true to replace it"):
        write_outputs(results, target)
    assert snapshot(target) == before
    assert write_outputs(results, target, overwrite=True) == files


def test_the_thread_count_of_one_run_does_not_leak_into_the_next(base):
    """run.threads=1, then a run with run.threads=0 in the same process: the second runs on the
    process's own setting (all cores unless the caller chose fewer), not on the first run's one."""
    before = numba.get_num_threads()
    one = copy.deepcopy(base)
    one.run.threads = 1
    assert run(one).raw.threads == 1
    assert numba.get_num_threads() == before
    default = copy.deepcopy(base)
    default.run.threads = 0
    assert run(default).raw.threads == before
    numba.set_num_threads(1)  # a caller's own choice is what run.threads=0 uses, and it is kept
    try:
        assert run(default).raw.threads == 1 and numba.get_num_threads() == 1
    finally:
        numba.set_num_threads(before)


@pytest.mark.parametrize("overrides, expected", [
    (["economy=recessio"], "economy='recessio': unknown option"),
    (["run.replicate=3"], "run.replicate: unknown key (did you mean 'replicates'?)"),
    (["run.seed=[1"], "run.seed=[1: cannot parse"),
    ("economy=recession", "load_config: give a list of overrides as text"),
    ([3], "load_config: give a list of overrides as text"),
])
def test_load_config_says_what_hydra_cannot_compose_in_one_line(overrides, expected):
    with pytest.raises(ConfigError) as info:
        load_config(overrides)
    assert "\n" not in str(info.value) and str(info.value).startswith("config error: ") and expected in str(info.value)


@pytest.mark.parametrize("change, expected", [
    (lambda c: setattr(c, "run", None), "run=None: must be set"),
    (lambda c: setattr(c, "counties", {}), "counties={}: at least one county is needed"),
    (lambda c: setattr(c.population, "scale", 0), "population.scale=0.0: must be >= 1.0"),
])
def test_whole_sections_replaced_by_hand(base, change, expected):
    cfg = copy.deepcopy(base)
    change(cfg)
    with pytest.raises(ConfigError, match=re.escape(expected)):
        validate(cfg)
