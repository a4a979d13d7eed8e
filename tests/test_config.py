"""Config behaviour beyond bad values: county names typed in ASCII, and a scale that leaves no one."""
from __future__ import annotations

import pytest

from simulation import ConfigError, load_config, validate


def test_county_names_can_be_typed_in_ascii():
    cfg = validate(load_config(["+cooperation.by_county.Trondelag=0.3", "+cooperation.by_county.more_og_romsdal=0.6",
                                "population.only_counties=[Ostfold,Oslo]"]))
    assert cfg.cooperation.by_county == {"Trøndelag": 0.3, "Møre og Romsdal": 0.6}
    assert cfg.population.only_counties == ["Østfold", "Oslo"]


def test_a_scale_that_leaves_no_simulated_person_is_refused():
    with pytest.raises(ConfigError, match="population.scale"):
        validate(load_config(["population.scale=1e7"]))
