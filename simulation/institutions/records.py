"""What the institutions do each period, fast: their cooperation multipliers and their records.

:class:`CooperationEffects` gives what ``params.cooperation_multipliers`` gives, with the work that
does not depend on the strengths done once per replicate: the model asks for the multipliers every
four weeks of simulated time, some 4 000 times in a default run. The arithmetic per value is the
same (``math.exp`` of the same products, in the same order), so the values are identical bit for bit.

:class:`InstitutionRecorder` records the institutions' variables every reported period, as Mesa's
``DataCollector`` with ``agenttype_reporters`` did, into lists of numbers instead of one tuple per
agent and period, and builds the tidy table in a few array operations. It offers the collector's
``collect(model)`` and ``get_agenttype_vars_dataframe(agent_type)``, so the dashboard's live model
reads it as before.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from simulation.core import schema
from simulation.core.config import SimConfig
from simulation.core.states import N_STATES, State


class CooperationEffects:
    """The cooperation effects on each state's hazards, ``[county, state, entry]``, for given strengths.

    Equal, value for value, to ``params.cooperation_multipliers(cfg, entries, strengths)``: each value is
    ``rules.cooperation_multiplier`` (exp(effect x (strength - reference))) written out as ``math.exp`` of the
    same product, so the per-strength work is a list of exponentials."""

    def __init__(self, cfg: SimConfig, entries: dict) -> None:
        co = cfg.cooperation
        effects = co.effects
        self.reference = co.reference_strength
        self.education_path = effects.education_path
        self.start_wait = effects.start_wait
        a_entries = entries[int(State.ASSESSMENT)]
        edu_share = sum(en.rate[0] for en in a_entries if en.cooperation == "education_path")
        a_total = sum(en.rate[0] for en in a_entries)
        self.share = edu_share / a_total if a_total > 0 else 0.0
        self.coefficients: list[float] = []  # distinct sign x effect of the plain cooperation effects
        states, slots, columns = [], [], []
        for s, es in entries.items():
            for k, en in enumerate(es):
                if not en.cooperation:
                    continue
                if en.cooperation == "education_path":
                    col = -2
                elif en.cooperation == "assessment_other":
                    col = -1
                else:
                    coef = en.sign * getattr(effects, en.cooperation)
                    if coef not in self.coefficients:
                        self.coefficients.append(coef)
                    col = self.coefficients.index(coef)
                states.append(s)
                slots.append(k)
                columns.append(col)
        n_plain = len(self.coefficients)
        self._s = np.array(states, dtype=np.int64)
        self._k = np.array(slots, dtype=np.int64)
        self._col = np.array([c if c >= 0 else n_plain + 2 + c for c in columns], dtype=np.int64)

    def multipliers(self, strengths: np.ndarray) -> np.ndarray:
        mult = np.ones((len(strengths), N_STATES, schema.KMAX))
        if self._s.size == 0:
            return mult
        share = self.share
        rows = []
        for strength in strengths:
            delta = strength - self.reference
            m_edu = math.exp(self.education_path * delta)
            m_wait = math.exp(self.start_wait * delta)
            norm = share * m_edu + (1.0 - share)
            rows.append([math.exp(coef * delta) for coef in self.coefficients] + [m_edu / norm * m_wait, m_wait / norm])
        mult[:, self._s, self._k] = np.array(rows, dtype=np.float64)[:, self._col]
        return mult


class InstitutionRecorder:
    """Each institution type's variables at every ``collect``: a drop-in for Mesa's ``DataCollector`` with
    ``agenttype_reporters`` (a mapping agent type -> {variable: attribute name})."""

    def __init__(self, agenttype_reporters: dict[type, dict[str, str]]) -> None:
        self.agenttype_reporters = {t: dict(r) for t, r in agenttype_reporters.items()}
        self._steps: list[int] = []  # the model's ``steps`` at each collect (Mesa's "Step")
        self._agents: dict[type, list] = {}
        self._rows: dict[type, list[list[float]]] = {t: [] for t in self.agenttype_reporters}

    def collect(self, model) -> None:
        """Record every variable of every agent of each registered type (values in variable, then agent order)."""
        self._steps.append(model.steps)
        for agent_type, reporters in self.agenttype_reporters.items():
            agents = self._agents.get(agent_type)
            if agents is None:
                agents = self._agents[agent_type] = list(model.agents_by_type[agent_type]) \
                    if agent_type in model.agent_types else []
            self._rows[agent_type].append([getattr(a, attr) for attr in reporters.values() for a in agents])

    def values(self, agent_type: type) -> np.ndarray:
        """float64[collects, variables, agents]."""
        agents = self._agents.get(agent_type, [])
        rows = self._rows[agent_type]
        return np.array(rows, dtype=np.float64).reshape(len(rows), len(self.agenttype_reporters[agent_type]),
                                                        len(agents))

    def agents(self, agent_type: type) -> list:
        return self._agents.get(agent_type, [])

    def get_agenttype_vars_dataframe(self, agent_type: type) -> pd.DataFrame:
        """One row per (collect, agent), one column per variable, indexed by ("Step", "AgentID") as Mesa's."""
        agents = self.agents(agent_type)
        names = list(self.agenttype_reporters[agent_type])
        if not self._rows[agent_type] or not agents:
            return pd.DataFrame(columns=names)
        vals = self.values(agent_type)
        n_collect = vals.shape[0]
        index = pd.MultiIndex.from_arrays([np.repeat(np.asarray(self._steps[-n_collect:]), len(agents)),
                                           np.tile([a.unique_id for a in agents], n_collect)],
                                          names=["Step", "AgentID"])
        return pd.DataFrame(vals.transpose(0, 2, 1).reshape(-1, len(names)), index=index, columns=names)

    def tidy(self, reported_steps: list[int], types: tuple[type, ...]) -> dict[str, np.ndarray | pd.Categorical] | None:
        """The records as columns step, county, institution, variable, value (None when nothing was recorded):
        types in the order given, then variables, collects and agents (the row order of ``institutions.parquet``).
        Labels are categoricals with their categories sorted, as ``astype("category")`` makes them."""
        steps, counties, institutions, variables, values = [], [], [], [], []
        for agent_type in types:
            agents = self.agents(agent_type)
            if not self._rows.get(agent_type) or not agents:
                continue
            vals = self.values(agent_type)  # [collect, variable, agent]
            n_collect, n_var, n_agents = vals.shape
            if len(reported_steps) != n_collect:
                raise ValueError(f"{n_collect} records of {agent_type.__name__}, {len(reported_steps)} reported steps")
            per_var = n_collect * n_agents
            steps.append(np.tile(np.repeat(np.asarray(reported_steps, dtype=np.int64), n_agents), n_var))
            counties.append(([a.county_name for a in agents], n_collect * n_var))
            institutions.append(([agent_type.__name__], n_var * per_var))
            variables.append((list(self.agenttype_reporters[agent_type]), per_var))
            values.append(vals.transpose(1, 0, 2).ravel())
        if not steps:
            return None
        return {"step": np.concatenate(steps), "county": _categorical(counties, tile=True),
                "institution": _categorical(institutions, tile=False),
                "variable": _categorical(variables, tile=False), "value": np.concatenate(values)}


def _categorical(parts: list[tuple[list[str], int]], tile: bool) -> pd.Categorical:
    """A categorical of sorted categories from blocks of labels: each block's labels tiled ``n`` times
    (``tile``), or each label repeated ``n`` times."""
    categories = sorted({label for labels, _ in parts for label in labels})
    code = {label: i for i, label in enumerate(categories)}
    blocks = []
    for labels, n in parts:
        codes = np.array([code[label] for label in labels], dtype=np.int32)
        blocks.append(np.tile(codes, n) if tile else np.repeat(codes, n))
    return pd.Categorical.from_codes(np.concatenate(blocks), categories=pd.Index(categories, dtype=object))
