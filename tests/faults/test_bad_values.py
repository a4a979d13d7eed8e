"""Values the config used to take silently, and runs too big for the machine (issue 11, items 4, 6, 7).

Each is refused in one line naming the key, with exit status 2, before anything is written.
"""
from __future__ import annotations

import pytest

from simulation import ConfigError, load_config, validate
from simulation.runs import memory

from .helpers import TINY, one_line


@pytest.mark.parametrize("age", [16, 20, 25, 66])
def test_youth_max_age_between_band_edges_is_refused(tmp_path, simulation_main, age):
    code, err = simulation_main(*TINY, f"indicators.youth_max_age={age}", f"hydra.run.dir={tmp_path / 'run'}")
    assert code == 2
    assert one_line(err) == (f"config error: indicators.youth_max_age={age}: must be one of 18, 21, 24, 29 (the ages "
                             "where the tallies' age bands end)")
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("age", [18, 21, 24, 29])
def test_youth_max_age_on_a_band_edge_is_taken(age):
    assert validate(load_config([*TINY, f"indicators.youth_max_age={age}"])).indicators.youth_max_age == age


@pytest.mark.parametrize("key", ["cooperation.by_county", "funding.measure_budget_by_county",
                                 "cooperation.dynamics.shock_rate_by_county",
                                 "cooperation.dynamics.trend_per_year_by_county"])
def test_two_names_of_one_county_are_refused(tmp_path, simulation_main, key):
    """'Oslo' and 'oslo' (or 'Trøndelag' and 'Trondelag') used to collapse, the last silently winning."""
    code, err = simulation_main(*TINY, f"+{key}.Oslo=0.1", f"+{key}.oslo=0.2", f"hydra.run.dir={tmp_path / 'r'}")
    assert code == 2
    line = one_line(err)
    assert line.startswith(f"config error: {key}=") and line.endswith("'Oslo' and 'oslo' both name Oslo; give each "
                                                                      "county once")
    with pytest.raises(ConfigError, match="both name Trøndelag"):
        validate(load_config([*TINY, f"+{key}.Trondelag=0.1", f"+{key}.trondelag=0.1"]))


def test_a_county_listed_twice_is_refused(simulation_main, tmp_path):
    code, err = simulation_main(*TINY, "population.only_counties=[Oslo,oslo]", f"hydra.run.dir={tmp_path / 'r'}")
    assert code == 2 and one_line(err).endswith("names Oslo twice")


def test_a_run_too_big_for_the_memory_is_refused_at_once(tmp_path, simulation_main):
    """The issue's probe: 100 000 replicates. Refused before anything is allocated, naming the keys."""
    code, err = simulation_main(*TINY, "run.replicates=100000", f"hydra.run.dir={tmp_path / 'run'}")
    assert code == 2
    line = one_line(err)
    assert line.startswith("config error: run.replicates=100000: the run needs about ")
    assert "lower run.replicates or run.years, raise run.step_days" in line
    assert not (tmp_path / "run").exists()


def test_the_memory_check_guards_the_python_api(monkeypatch):
    """run() refuses before allocating; the estimate grows with replicates and is near what runs need."""
    cfg = validate(load_config(TINY))
    small = memory.estimate_bytes(cfg)
    cfg.run.replicates = 50
    assert memory.estimate_bytes(cfg) > small
    monkeypatch.setattr(memory, "available_bytes", lambda: small // 2)
    from simulation import run

    with pytest.raises(ConfigError, match=r"run.replicates=50: the run needs about .* of memory"):
        run(cfg)
    # measured (docs/reliability.md): 5 and 40 replicates of 10 years at 1:20000 peaked at 0.53 and 1.57 GB
    for reps, measured in ((5, 529_112 * 1024), (40, 1_569_592 * 1024)):
        big = validate(load_config(["population.scale=20000", f"run.replicates={reps}", "run.years=10",
                                    "run.burn_in_years=0"]))
        assert measured * 0.9 < memory.estimate_bytes(big) < measured * 1.4
