"""The institutions' fast per-period work gives exactly what the one-purpose kernel functions and Mesa's
DataCollector give: counts (caseloads, places in use, queues), the refilled table of exit probabilities,
the cooperation multipliers and the institutions' records (simulation.core.counts,
simulation.institutions.records)."""
from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulation.core import kernel as K
from simulation.core import schema
from simulation.core.params import cooperation_multipliers, hazard_entries
from simulation.core.states import State
from simulation.institutions.model import INSTITUTION_TYPES, CrossSectorModel
from simulation.institutions.records import CooperationEffects
from tests.conftest import small_config


def _check_every_period(model: CrossSectorModel) -> dict:
    """Wrap the model's decisions: before each, its counts must equal the kernel's functions' counts;
    after each, its table must equal a full refill (except at a step where the business cycle moves:
    the kernel refills the whole table itself there before using it)."""
    decide = model._decide
    record = model._record_use
    seen = {"decisions": 0, "records": 0, "tables": 0, "cycle_moves": 0, "from_tallies": 0}
    n_c = len(model.counties)

    def reference():
        caseload, ot = np.zeros(n_c, dtype=np.int64), np.zeros(n_c, dtype=np.int64)
        use, queue = np.zeros((schema.N_POOLS, n_c)), np.zeros((schema.N_POOLS, n_c), dtype=np.int64)
        K.caseload_by_county(model.people, caseload)
        K.count_in_state_by_county(model.people, int(State.OT_FOLLOWED), ot)
        K.pool_use_by_county(model.people, model.params, use, queue)
        return caseload, ot, use, queue

    def check_counts():
        seen["from_tallies"] += model._tallied and not model._counted
        counts = model._count()
        caseload, ot, use, queue = reference()
        assert np.array_equal(counts.caseload, caseload), f"caseload at step {model.t}"
        assert np.array_equal(counts.ot, ot), f"OT caseload at step {model.t}"
        assert np.array_equal(counts.queue, queue), f"queues at step {model.t}"
        mine = counts.pool_use(model.people, model.params, np.zeros_like(use))
        assert np.array_equal(mine, use), f"pool use at step {model.t}: {np.abs(mine - use).max()}"

    def checked_decide():
        check_counts()
        seen["decisions"] += 1
        decide()
        if not model.params.cycle_changes[model.t]:
            full = model.table.copy()
            K.fill_table(model.params, full, model.t)
            assert np.array_equal(model.table, full), f"table at step {model.t}"
            seen["tables"] += 1
        else:
            seen["cycle_moves"] += 1

    def checked_record():
        model._counted = False  # count again from the tallies (or the pass) and compare
        check_counts()
        seen["records"] += 1
        record()

    model._decide = checked_decide
    model._record_use = checked_record
    return seen


@pytest.mark.parametrize("overrides", [
    [],  # steady economy, whole-number scale: pool use from the integer tallies
    ["economy=recession", "run.years=3", "population.scale=1999.5"],  # moving cycle, fractional scale
    ["cooperation=strong", "funding.measure_budget_bn_per_year=2", "+cooperation.by_county.Oslo=0.1"],
])
def test_counts_and_table_equal_the_kernels_every_period(overrides):
    cfg = small_config("run.burn_in_years=1", *overrides)
    model = CrossSectorModel(cfg, 1)
    seen = _check_every_period(model)
    model.run()
    assert seen["decisions"] >= model.total // model.period and seen["records"] == len(model._reported_steps) > 0
    assert seen["tables"] + seen["cycle_moves"] == seen["decisions"] and seen["tables"] > seen["decisions"] / 3
    assert seen["from_tallies"] > 0


def test_counts_with_the_person_engine():
    cfg = small_config("run.engine=agents", "population.scale=20000", "run.years=0.5", "run.burn_in_years=0.25")
    model = CrossSectorModel(cfg, 0)
    seen = _check_every_period(model)
    model.run()
    # the person engine has no kernel tallies: everything is counted by the pass
    assert seen["decisions"] > 0 and seen["records"] > 0 and seen["from_tallies"] == 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strengths=st.lists(st.floats(0.0, 1.0), min_size=15, max_size=15),
       effect=st.floats(0.0, 3.0), reference=st.floats(0.0, 1.0))
def test_cooperation_effects_equal_params_multipliers(strengths, effect, reference):
    cfg = small_config(f"cooperation.effects.education_path={effect:.6f}",
                       f"cooperation.reference_strength={reference:.6f}",
                       f"cooperation.effects.dropout={effect / 2:.6f}")
    entries = hazard_entries(cfg)
    s = np.array(strengths)
    assert np.array_equal(CooperationEffects(cfg, entries).multipliers(s), cooperation_multipliers(cfg, entries, s))


def _mesa_table(model: CrossSectorModel, collector: mesa.DataCollector, replicate: int) -> pd.DataFrame:
    """The institutions table as it was built from Mesa's DataCollector (before the recorder replaced it)."""
    frames = []
    for agent_type in INSTITUTION_TYPES:
        df = collector.get_agenttype_vars_dataframe(agent_type)
        if df.empty:
            continue
        df = df.reset_index()
        df["county"] = df["AgentID"].map({a.unique_id: a.county_name for a in model.agents_by_type[agent_type]})
        collect_index = df["Step"].rank(method="dense").astype(int) - 1
        df["step"] = np.asarray(model._reported_steps)[collect_index]
        long = df.melt(id_vars=["step", "county"], value_vars=[c for c in df.columns if c not in
                                                                ("Step", "AgentID", "step", "county")],
                       var_name="variable", value_name="value")
        long["institution"] = agent_type.__name__
        frames.append(long)
    out = pd.concat(frames, ignore_index=True)
    out["replicate"] = replicate
    out["value"] = out["value"].astype(np.float64)
    return out[["replicate", "step", "county", "institution", "variable", "value"]]


def test_the_recorder_records_what_mesas_datacollector_did():
    cfg = small_config("run.burn_in_years=1", "economy=recession", "run.years=3")
    model = CrossSectorModel(cfg, 0)
    mesa_collector = mesa.DataCollector(agenttype_reporters=model.datacollector.agenttype_reporters)
    collect = model.datacollector.collect

    def both(m):
        collect(m)
        mesa_collector.collect(m)

    model.datacollector.collect = both
    model.run()
    mine = model.institutions_table(0)
    ref = _mesa_table(model, mesa_collector, 0)
    assert len(mine) == len(ref) > 0
    for col in ("county", "institution", "variable"):
        assert mine[col].astype(str).tolist() == ref[col].astype(str).tolist()
        assert list(mine[col].cat.categories) == sorted(ref[col].unique())
    for col in ("replicate", "step"):
        assert np.array_equal(mine[col].to_numpy(), ref[col].to_numpy())
    assert np.array_equal(mine["value"].to_numpy(), ref["value"].to_numpy(), equal_nan=True)
    # the live dashboard reads the recorder as it read the DataCollector
    pd.testing.assert_series_equal(
        model.datacollector.get_agenttype_vars_dataframe(INSTITUTION_TYPES[0])["queue"].groupby(level="Step").sum(),
        mesa_collector.get_agenttype_vars_dataframe(INSTITUTION_TYPES[0])["queue"].groupby(level="Step").sum(),
        check_dtype=False)
