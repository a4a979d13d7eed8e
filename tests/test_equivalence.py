"""The person-level engine (each person a mesa.Agent, run.engine=agents) against the kernel.

Both step with the same rule functions, so with the same seed they must give identical tables;
with different seeds they must agree in distribution (two-sample tests per quantity, Holm's
correction), also when measure budgets and OT's capacity bind. The suite must have power: a
deliberate one-rule difference in the person engine is detected. To see the suite fail, run

    python -m pytest tests/test_equivalence.py --person-rule ot_end_days=7670
"""
from __future__ import annotations

import pytest

from simulation.analysis.equivalence import DEFAULTS, compare, identical, person_rule, quantities, run_both
from simulation.core.schema import EV
from simulation.institutions.persons import Person
from simulation.runs.montecarlo import simulate
from tests.conftest import small_config

ALPHA = 0.01  # family-wise error rate of the whole comparison
BINDING = ["funding.measure_budget_bn_per_year=3.5", "funding.ot_capacity_relative=0.9"]  # queues form, OT thins out
DISTRIBUTION = [*DEFAULTS, "run.replicates=16"]  # ~1 900 persons, 2 years, 16 replicates per engine


@pytest.mark.parametrize("overrides", [
    [],
    BINDING,
    ["economy=recession", "economy.recession.start_year=0.5", "cooperation=weak", "run.step_days=14"],
], ids=["default", "budgets_bind", "recession_weak_fortnightly"])
def test_the_same_seed_gives_identical_tables(overrides, person_rule):
    cfg = small_config("population.scale=5000", *overrides)
    kernel = simulate(cfg, progress=False)
    agents = simulate(small_config("population.scale=5000", *overrides, "run.engine=agents"), progress=False)
    assert identical(kernel, agents) == []


@pytest.fixture(scope="module")
def binding_samples():
    cfg = small_config(*DISTRIBUTION, *BINDING)
    return cfg, simulate(cfg, progress=False)


def test_the_engines_agree_in_distribution_with_capacities_binding(binding_samples, person_rule):
    cfg, kernel = binding_samples
    _, agents = run_both(cfg)
    assert kernel.events[:, 1:, EV["measure_admissions"]].sum() > 0
    assert kernel.events[:, 1:, EV["stock_waiting_for_measure"]].sum(axis=1).min() > 0, "budgets must bind"
    table = compare(quantities(kernel, cfg), quantities(agents, cfg), ALPHA)
    assert table["quantity"].nunique() > 80  # stocks, flows and indicators were all compared
    bad = table[table["reject"]]
    assert bad.empty, "the engines differ:\n" + bad.head(8).to_string()


def test_the_suite_detects_a_one_rule_difference(binding_samples):
    cfg, kernel = binding_samples
    with person_rule("youth_guarantee", "false"):  # the person engine drops the youth guarantee's deadline rule
        _, agents = run_both(cfg)
    table = compare(quantities(kernel, cfg), quantities(agents, cfg), ALPHA)
    rejected = set(table.loc[table["reject"], "quantity"])
    assert "indicator:youth_offer_within_deadline" in rejected, sorted(rejected)


def test_the_comparison_could_see_a_small_difference_in_employment(binding_samples):
    """Power at this size: a 3 % difference in the number employed, or of 10 points in the share of
    youth offered a place in time, would be found with 80 % probability."""
    cfg, kernel = binding_samples
    q = quantities(kernel, cfg)
    table = compare(q, q, ALPHA).set_index("quantity")
    assert table.loc["stock:work", "detectable_difference"] < 0.03 * table.loc["stock:work", "mean_a"]
    assert table.loc["indicator:youth_offer_within_deadline", "detectable_difference"] < 0.10


def test_each_person_is_a_mesa_agent_with_the_population_attributes():
    from simulation.institutions.model import CrossSectorModel

    cfg = small_config("population.scale=20000", "run.engine=agents")
    model = CrossSectorModel(cfg, 0)
    people = model.people
    persons = list(model.agents_by_type[Person])
    assert len(persons) == people.state.shape[0]
    p = persons[7]
    assert p.state == people.state[p.index] and p.county == people.county[p.index]
    p.education = 3
    assert people.education[p.index] == 3  # the attributes are the population's own slots
    assert 0 < p.age_years + 16 < 90 and p.state_name in repr(p)
