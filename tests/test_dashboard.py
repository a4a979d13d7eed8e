"""The presenters' dashboard: the live model agrees with a batch run, and the page works in a real browser.

The browser test starts ``python -m simulation.dashboard`` on a free localhost port and drives the
system's Chromium (Debian package ``chromium``; ``.ci/run`` installs it when absent) with Playwright.
It is skipped only when no Chromium executable exists.
"""
from __future__ import annotations

import datetime
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from simulation import ConfigError
from simulation.api import load_config
from simulation.core.config import validate
from simulation.runs.ledger import item_costs
from simulation.runs.live import LiveModel, live_config, options
from simulation.runs.montecarlo import simulate
from tests.conftest import SMALL

# the small test config, minus what a live run sets itself
LIVE_EXTRA = [o for o in SMALL if not o.startswith(("run.replicates", "population.scale", "run.progress"))]
REPO = Path(__file__).resolve().parent.parent


def _live(**kw) -> LiveModel:
    return LiveModel(scale=2000, extra=LIVE_EXTRA, **kw)


def _run_to_end(model: LiveModel) -> None:
    while model.running:
        model.step()


# ------------------------------------------------------------------------------------- live model


def test_live_model_moves_exactly_as_replicate_0_of_a_batch_run():
    model = _live(cooperation=0.8)
    _run_to_end(model)
    cfg = validate(load_config(["run.replicates=1", *LIVE_EXTRA, "population.scale=2000",
                                "cooperation.strength=0.8", "run.progress=false"]))
    batch = simulate(cfg, progress=False)
    np.testing.assert_array_equal(model.stocks, batch.stocks[0])
    np.testing.assert_array_equal(model.flows, batch.flows[0])
    np.testing.assert_array_equal(model.events[:, :batch.events.shape[2]], batch.events[0])
    # the ledger so far is the priced sum of the batch run's bookings
    batch_nok = item_costs(batch.bookings, cfg.funding, cfg.run.step_days, cfg.population.scale)[0, 1:].sum(axis=0)
    np.testing.assert_allclose(model.ledger_frame()["nok"].to_numpy(), batch_nok, rtol=1e-12)


def test_a_step_is_one_institutional_period_and_the_frames_grow_with_it():
    model = _live()
    assert model.reported_steps == 0 and model.steps == 0  # the burn-in is not a presenter's step
    assert model.summary()["cost_nav_bn"] == 0.0 and model.queue_frame().empty
    model.step()
    model.step()
    assert model.steps == 2
    assert model.reported_steps == 2 * model.period
    stocks = model.stocks_frame()
    assert stocks["step"].max() == model.reported_steps
    in_scope = stocks[(stocks["step"] == model.reported_steps) & ~stocks["state"].isin(["pre_entry", "aged_out"])]
    assert in_scope["count_scaled"].sum() == pytest.approx(model.summary()["persons"])
    assert stocks.groupby("step")["count_scaled"].sum().nunique() == 1  # nobody created or lost
    queue = model.queue_frame()
    assert list(queue["step"]) == [0, model.period]
    assert (queue["queue"] >= 0).all() and (queue["admissions"] >= 0).all()
    s = model.summary()
    assert s["cost_nav_bn"] > 0 and s["tax_revenue_bn"] > 0
    assert model.date == datetime.date(model.cfg.population.start_year, 1, 1) + datetime.timedelta(
        days=2 * model.period * model.dt)


def test_mean_wait_over_the_run_is_the_batch_indicator():
    from simulation import run

    model = _live()
    _run_to_end(model)
    res = run(validate(load_config(["run.replicates=1", *LIVE_EXTRA, "population.scale=2000", "run.progress=false"])),
              progress=False)
    expected = float(res.per_replicate["mean_wait_weeks_for_measure"][1][0])
    assert model.mean_wait_weeks() == pytest.approx(expected, rel=1e-12, nan_ok=True)


def test_cooperation_of_one_county_leaves_the_others_at_the_preset():
    cfg = live_config(0.9, "Troms")
    assert cfg.cooperation.by_county == {"Troms": 0.9}
    assert cfg.cooperation.strength == validate(load_config([])).cooperation.strength
    assert live_config(0.9).cooperation.strength == 0.9 and live_config(0.9).cooperation.by_county == {}


def test_bad_choices_give_one_line_errors_naming_the_key():
    with pytest.raises(ConfigError, match=r"^config error: economy='boom': unknown option \(options: .*steady"):
        live_config(economy="boom")
    with pytest.raises(ConfigError, match=r"cooperation\.by_county"):
        live_config(0.5, "Atlantis")
    with pytest.raises(ConfigError, match=r"population\.scale"):
        live_config(scale=0.5)
    assert "steady" in options("economy") and "current_rules" in options("funding")


# ---------------------------------------------------------------------------------------- browser

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_server(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            pytest.fail(f"dashboard server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"dashboard server did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def dashboard(tmp_path):
    """The dashboard served by ``python -m simulation.dashboard`` on a free port (warmed up before it answers)."""
    port = _free_port()
    log = tmp_path / "server.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "simulation.dashboard", "--port", str(port)], cwd=REPO,
                                stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        # the first ever start compiles the kernel (about 30 s; cached on disk after)
        _wait_for_server(f"http://localhost:{port}/", proc, log, timeout=240)
        yield f"http://localhost:{port}/", log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _number(text: str, label: str) -> float:
    m = re.search(rf"^{re.escape(label)}: (-?[\d,.]+)", text, flags=re.MULTILINE)
    assert m, f"{label!r} not in the dashboard's numbers:\n{text}"
    return float(m.group(1).replace(",", ""))


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium executable (Debian: apt-get install -y chromium; "
                                             ".ci/run installs it)")
def test_dashboard_in_a_headless_browser(dashboard, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    url, log = dashboard
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.goto(url, timeout=60_000)
            numbers = page.locator(".live-numbers")
            expect(numbers).to_contain_text("Effective cooperation", timeout=60_000)
            start = numbers.inner_text()
            stocks_src = page.locator(".stocks-plot").get_attribute("src")
            assert _number(start, "NAV") == 0.0 and "press Step" in start  # nothing spent before the first step

            # move the cooperation slider from 0.50 to 0.80 with the keyboard, rebuild, step
            slider = page.locator(".v-input", has_text="Cooperation").get_by_role("slider")
            slider.focus()
            for _ in range(6):
                page.keyboard.press("ArrowRight")
            expect(slider).to_have_attribute("aria-valuenow", "0.8")
            page.get_by_role("button", name="Reset").click()
            page.get_by_role("button", name="Step").click()
            expect(numbers).not_to_contain_text("press Step", timeout=30_000)
            expect(page.get_by_text("Step: 1")).to_be_visible()
            stepped = numbers.inner_text()
            assert _number(stepped, "Effective cooperation (mean of counties)") > \
                _number(start, "Effective cooperation (mean of counties)") + 0.15
            assert _number(stepped, "NAV") > 0 and _number(stepped, "tax revenue so far") > 0
            assert stepped.splitlines()[0] != start.splitlines()[0]  # the date moved on
            assert page.locator(".stocks-plot").get_attribute("src") != stocks_src  # the figure was redrawn

            # a second step changes the printed numbers again
            page.get_by_role("button", name="Step").click()
            expect(page.get_by_text("Step: 2")).to_be_visible()
            expect(numbers).not_to_have_text(stepped)
            assert _number(numbers.inner_text(), "NAV") > _number(stepped, "NAV")

            # Norwegian labels after choosing nb and rebuilding
            page.locator(".v-input", has_text="Language").click()
            page.get_by_role("option", name="nb").click()
            page.get_by_role("button", name="Reset").click()
            expect(numbers).to_contain_text("Effektivt samarbeid", timeout=30_000)
            expect(page.get_by_text("Samarbeid (0–1)")).to_be_visible()

            shot = tmp_path / "dashboard.png"
            page.screenshot(path=str(shot), full_page=True)
            print(f"dashboard screenshot: {shot}")
        finally:
            browser.close()
    server_errors = [line for line in log.read_text().splitlines() if "Traceback" in line or "raised exception" in line]
    assert not problems, "\n".join(problems)
    assert not server_errors, log.read_text()[-3000:]
