"""The business cycle: historical replays, the regime-switching economy and their validation."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import simulation
from simulation import ConfigError, load_config
from simulation.core.economy import (
    bump,
    cycle_intensity,
    is_stochastic,
    recession_share,
    regime_intensity,
    regime_recessions,
    regime_rng,
    replay_intensity,
    replay_rate,
    step_years,
)
from simulation.core.params import build_params
from simulation.core.population import selected_counties
from simulation.runs.montecarlo import steps_for

STEP_DAYS = 7
BURN_STEPS = 52  # one year of burn-in
REPORT_STEPS = 52 * 8


def econ(option: str, *overrides: str):
    """The validated economy config of one option (a long run, so every episode fits)."""
    return simulation.validate(load_config([f"economy={option}", "run.years=8", *overrides])).economy


def intensity_of(e, seed: int = 0, replicate: int = 0, step_days: int = STEP_DAYS,
                 report_steps: int = REPORT_STEPS) -> tuple[np.ndarray, np.ndarray]:
    n_burn = BURN_STEPS * STEP_DAYS // step_days
    n = n_burn + report_steps * STEP_DAYS // step_days
    return (step_years(n, n_burn, step_days),
            cycle_intensity(e, n, n_burn, step_days, seed=seed, replicate=replicate))


# ---------------------------------------------------------------------------------------------
# the existing kinds


def test_recession_is_still_the_whole_sine_squared_bump():
    """economy=recession gives bit for bit the intensity it gave before replays were added."""
    e = econ("recession")
    years, got = intensity_of(e)
    x = (years - e.recession.start_year) / e.recession.length_years
    old = np.where((x >= 0.0) & (x < 1.0), np.sin(np.pi * np.clip(x, 0.0, 1.0)) ** 2, 0.0)
    assert np.array_equal(got, old)
    assert np.array_equal(intensity_of(econ("steady"))[1], np.zeros_like(got))
    assert not is_stochastic(e) and not is_stochastic(econ("replay_2008_2010"))


@pytest.mark.parametrize("option", ["steady", "recession", "regime_switching"])
def test_stylised_intensity_stays_in_0_1_and_the_burn_in_is_normal(option):
    e = econ(option)
    for replicate in range(5 if option == "regime_switching" else 1):
        years, i = intensity_of(e, seed=11, replicate=replicate)
        assert np.all(np.isfinite(i)) and i.min() >= 0.0 and i.max() <= 1.0
        assert np.all(i[years < 0.0] == 0.0)


REPLAYS = ["replay_2008_2010", "replay_2015_2017", "replay_2020_2021"]


def replay_intensity_of(e) -> tuple[np.ndarray, np.ndarray]:
    """(calendar years, intensity) of a replay over its burn-in and reported steps."""
    n_burn, n = BURN_STEPS, BURN_STEPS + REPORT_STEPS
    first = float(e.replay.first_year)
    years = first + step_years(n, n_burn, STEP_DAYS)
    return years, cycle_intensity(e, n, n_burn, STEP_DAYS, start_year=first)


@pytest.mark.parametrize("option", REPLAYS)
def test_replay_intensity_is_points_above_normal_and_the_burn_in_settles_at_the_episode_start(option):
    """A replay's intensity is NAV's published rate minus the normal rate (signed: a boom is negative); the
    burn-in runs at the episode's first rate, so reporting starts from that episode's own conditions."""
    e = econ(option)
    rp = e.replay
    years, i = replay_intensity_of(e)
    rates = np.array([p[1] for p in rp.path])
    assert np.all(np.isfinite(i))
    assert i.min() >= rates.min() - rp.baseline_rate - 1e-12 and i.max() <= rates.max() - rp.baseline_rate + 1e-12
    burn = years < rp.path[0][0]
    assert burn.any() and np.all(i[burn] == rates[0] - rp.baseline_rate)


@pytest.mark.parametrize("option, peak_window", [
    # NAV's seasonally adjusted rate stayed at 2.7-2.8 % from mid-2009 to early 2011; its highest point is
    # February 2011 (2.76 %)
    ("replay_2008_2010", (2009.5, 2011.25)),
    ("replay_2020_2021", (2020.17, 2020.42)),  # spring (March-May) 2020
])
def test_replay_peaks_where_the_published_path_peaks(option, peak_window):
    e = econ(option)
    rp = e.replay
    years, i = replay_intensity_of(e)
    dates = np.array([p[0] for p in rp.path])
    path_peak = dates[np.argmax([p[1] for p in rp.path])]
    assert abs(years[np.argmax(i)] - path_peak) <= STEP_DAYS / 365.25  # the nearest step to the published peak
    assert peak_window[0] <= path_peak < peak_window[1]


def test_replay_interpolates_the_rate_linearly_and_holds_its_ends():
    rp = econ("replay_2008_2010").replay
    (d0, r0), (d1, r1) = rp.path[4], rp.path[5]
    mid = np.array([(d0 + d1) / 2])
    assert replay_rate(rp, mid)[0] == pytest.approx((r0 + r1) / 2)
    assert replay_intensity(rp, mid)[0] == pytest.approx((r0 + r1) / 2 - rp.baseline_rate)
    assert replay_rate(rp, np.array([rp.path[0][0] - 1.0]))[0] == rp.path[0][1]  # the first rate before
    assert replay_rate(rp, np.array([rp.path[-1][0] + 1.0]))[0] == rp.path[-1][1]  # the last rate after


@pytest.mark.parametrize("option", REPLAYS)
def test_a_replay_never_jumps(option):
    """Between steps the intensity moves no more than between two neighbouring published points."""
    e = econ(option)
    _, i = replay_intensity_of(e)
    rates = np.array([p[1] for p in e.replay.path])
    assert np.abs(np.diff(i)).max() <= np.abs(np.diff(rates)).max() + 1e-12


# ---------------------------------------------------------------------------------------------
# regime switching


def test_regime_path_is_fixed_by_seed_and_replicate():
    e = econ("regime_switching")
    assert is_stochastic(e)
    _, a = intensity_of(e, seed=5, replicate=2)
    _, b = intensity_of(e, seed=5, replicate=2)
    assert np.array_equal(a, b)
    paths = [intensity_of(e, seed=5, replicate=r)[1] for r in range(4)] + [intensity_of(e, seed=6, replicate=2)[1]]
    for k in range(len(paths)):
        for m in range(k):
            assert not np.array_equal(paths[k], paths[m])
    # common random numbers: the path depends on (seed, replicate) only, not on the scenario
    other = simulation.validate(load_config(["economy=regime_switching", "run.years=8", "cooperation=strong",
                                             "scenario=before_reforms"])).economy
    assert np.array_equal(intensity_of(other, seed=5, replicate=2)[1], a)


def test_regime_recessions_are_the_same_in_continuous_time_for_any_step_or_horizon():
    rs = econ("regime_switching").regime_switching
    short = regime_recessions(rs, 20.0, regime_rng(3, 1))
    long = regime_recessions(rs, 80.0, regime_rng(3, 1))
    assert long[: len(short)] == short and len(long) > len(short)
    lo, hi = rs.depth_draw
    assert all(lo <= r.depth <= hi and r.end > r.start >= 0.0 for r in long)


def test_regime_ramps_are_smooth():
    """Daily steps: no jump larger than the raised-cosine ramp's steepest slope allows."""
    e = econ("regime_switching")
    rs = e.regime_switching
    max_slope = math.pi / 2 / rs.ramp_years  # d/du sin^2(pi u / 2) <= pi / 2, u = t / ramp_years
    for replicate in range(5):
        years, i = intensity_of(e, seed=1, replicate=replicate, step_days=1, report_steps=52 * 40)
        assert i.max() > 0.0  # 40 years hold several recessions
        assert np.abs(np.diff(i)).max() <= max_slope / 365.25 + 1e-12


def test_regime_ramp_halves_make_the_recession_bump():
    u = np.linspace(0.0, 1.0, 101)
    rs = econ("regime_switching").regime_switching
    from simulation.core.economy import Recession
    one = [Recession(start=1.0, end=1.0 + rs.ramp_years, depth=1.0)]  # a recession exactly one ramp long
    years = 1.0 + u * 2 * rs.ramp_years
    assert np.allclose(regime_intensity(rs, one, years)[:-1], bump(u)[:-1])


def test_long_run_share_in_recession_matches_the_chain():
    """Share of time in recession -> m_R / (m_N + m_R).

    Each path starts in normal times, so over a finite horizon T its expected share is
    pi_R (1 - (1 - exp(-lam T)) / (lam T)), lam = 1/m_N + 1/m_R (the two-state chain's
    transition probability integrated over [0, T]). The paths are independent, so the mean of
    N path shares has standard error sd / sqrt(N); we allow 4 standard errors."""
    rs = econ("regime_switching").regime_switching
    m_n, m_r = rs.mean_years_normal, rs.mean_years_recession
    pi_r = m_r / (m_n + m_r)
    lam = 1.0 / m_n + 1.0 / m_r
    horizon, n_paths = 200.0, 400
    expected = pi_r * (1.0 - (1.0 - math.exp(-lam * horizon)) / (lam * horizon))
    assert abs(expected - pi_r) < 0.01 * pi_r  # the start in normal times hardly matters over 200 years
    shares, lengths = [], []
    for replicate in range(n_paths):
        recs = regime_recessions(rs, horizon, regime_rng(2024, replicate))
        shares.append(recession_share(recs, horizon))
        lengths += [r.end - r.start for r in recs if r.end < horizon]
    shares = np.array(shares)
    se = shares.std(ddof=1) / math.sqrt(n_paths)
    assert abs(shares.mean() - expected) < 4 * se, (shares.mean(), expected, se)
    assert se < 0.02 * pi_r  # the test is sharp: 4 SE is under 8 % of the share
    # recession lengths are exponential with mean m_R (sd = mean); completed ones are very slightly short
    assert abs(np.mean(lengths) - m_r) < 4 * m_r / math.sqrt(len(lengths))


def test_stochastic_economy_rebuilds_the_kernel_cycle_per_replicate():
    cfg = simulation.validate(load_config(["economy=regime_switching", "run.years=30"]))
    counties, (burn, report) = selected_counties(cfg), steps_for(cfg)
    p0, p1, again = (build_params(cfg, counties, burn, report, replicate=r) for r in (0, 1, 1))
    cycles = ("job_cycle", "layoff_cycle", "temp_layoff_cycle")  # a fitted effect may be zero: any of them
    assert any(not np.array_equal(getattr(p0, k), getattr(p1, k)) for k in cycles)
    assert all(np.array_equal(getattr(again, k), getattr(p1, k)) for k in cycles)


# ---------------------------------------------------------------------------------------------
# validation


BAD = [
    (["economy=replay_2008_2010", "economy.replay.path=[[2008.5,1.7]]"], "economy.replay.path"),
    (["economy=replay_2008_2010", "economy.replay.path=[[2008.5,1.7],[2008.5,2.0]]"], "economy.replay.path[1]"),
    (["economy=replay_2008_2010", "economy.replay.path=[[2008,1.7],[2009,2.5],[2008.8,3]]"],
     "economy.replay.path[2]"),
    (["economy=replay_2008_2010", "economy.replay.path=[[2008,1.7],[2009,120]]"], "economy.replay.path[1]"),
    (["economy=replay_2008_2010", "economy.replay.path=[[2008,-1],[2009,2]]"], "economy.replay.path[0]"),
    (["economy=replay_2008_2010", "economy.replay.path=[[2008,1,2],[2009,2]]"], "economy.replay.path[0]"),
    (["economy=replay_2008_2010", "economy.replay.path=[[2008,1],[2009,high]]"], "economy.replay.path[1]"),
    (["economy=replay_2008_2010", "economy.replay.path=[[8,1.7],[9,2.5]]"], "economy.replay.path[0]"),
    (["economy=replay_2008_2010", "economy.replay.baseline_rate=150"], "economy.replay.baseline_rate"),
    (["economy=replay_2008_2010", "economy.replay.first_year=2030", "run.years=5"], "economy.replay.first_year"),
    (["economy=replay_2008_2010", "economy.replay.baseline_rate=null"], "economy.replay.baseline_rate"),
    (["economy=steady", "economy.kind=regime_switching"], "economy.regime_switching.mean_years_normal"),
    (["economy=regime_switching", "economy.regime_switching.depth_draw=[0.8,0.2]"],
     "economy.regime_switching.depth_draw"),
    (["economy=regime_switching", "economy.regime_switching.depth_draw=[0.5]"],
     "economy.regime_switching.depth_draw"),
    (["economy=regime_switching", "economy.regime_switching.mean_years_normal=0"],
     "economy.regime_switching.mean_years_normal"),
]


@pytest.mark.parametrize("overrides, key", BAD, ids=[k + "|" + o[-1] for o, k in BAD])
def test_bad_economy_configs_give_one_line_errors_naming_the_key(overrides, key):
    with pytest.raises(ConfigError) as err:
        simulation.validate(load_config(overrides))
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith(f"config error: {key}="), msg


def test_replay_path_accepts_integers_on_the_command_line():
    e = econ("replay_2008_2010", "economy.replay.path=[[2008,2],[2009,3],[2010,2]]")
    assert e.replay.path == [[2008.0, 2.0], [2009.0, 3.0], [2010.0, 2.0]]


# ---------------------------------------------------------------------------------------------
# end to end


def test_youth_unemployment_rises_more_than_adults_in_the_2008_replay():
    """The LFS unemployment rate of 16-24-year-olds rises more from 2008 to 2009 than the total (SSB: +1.5 against
    +0.6 points). Per replicate (common random numbers within it), the youth-minus-total difference of the rises
    must be positive with a one-sided 99 % t margin from its spread over the replicates."""
    from simulation.runs import public

    res = simulation.run(load_config(["economy=replay_2008_2010", "run.replicates=16", "population.scale=100",
                                      "run.years=3", "run.burn_in_years=5", "run.progress=false"]))

    def rise(name: str) -> np.ndarray:  # reported years 2007, 2008, 2009: 2009 minus 2008
        return (public.quantities(res.raw, res.config, 2)[name][2]
                - public.quantities(res.raw, res.config, 1)[name][2])

    youth, everyone = rise("lfs_unemployment_rate_16_24"), rise("lfs_unemployment_rate")
    assert everyone.mean() > 0.0  # the replay raises unemployment at all
    diff = youth - everyone
    n = diff.size
    margin = stats.t.ppf(0.99, n - 1) * diff.std(ddof=1) / math.sqrt(n)
    assert diff.mean() > margin, (youth, everyone)


def test_more_people_take_up_education_in_a_recession():
    """docs/domain.md: more youth apply for education in downturns. Same recession and seed (CRN), with and
    without the education response: returns to school and county adult VGO starts rise."""
    from simulation.core.states import State
    from simulation.runs.montecarlo import simulate
    from tests.conftest import small_config

    size = ["economy=recession", "economy.recession.start_year=0.3", "economy.recession.length_years=2",
            "run.years=2.5", "run.replicates=6", "population.scale=1000"]
    into = [(s, int(State.SCHOOL)) for s in (State.OT_FOLLOWED, State.JOBSEEKER, State.INACTIVE, State.WORK)]
    into += [(s, int(State.ADULT_VGO)) for s in (State.JOBSEEKER, State.INACTIVE, State.WORK)]

    def starts(res):
        return sum(res.flows[:, 1:, int(a), b].sum(axis=1) for a, b in into).astype(float)

    flat = starts(simulate(small_config(*size, "economy.recession.education_uptake_rise=0"), progress=False))
    rise = starts(simulate(small_config(*size, "economy.recession.education_uptake_rise=0.3"), progress=False))
    d = rise - flat
    half = stats.t.ppf(0.95, d.size - 1) * d.std(ddof=1) / math.sqrt(d.size)
    assert d.mean() - half > 0, f"{d.mean():.1f} +- {half:.1f}"
