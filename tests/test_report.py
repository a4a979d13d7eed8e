"""The HTML report (python -m simulation.report) of a run, a sweep and an exploration: one self-contained file
each that renders in headless Chromium without console errors, shows every section, and whose numbers equal those
in the Parquet and CSV files it was built from."""
from __future__ import annotations

import os
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from simulation.analysis import policy as pol
from simulation.api import load_config, run, write_outputs
from simulation.present.figures.run import make_figures
from simulation.present.report import SECTIONS
from simulation.report import main as report_main

BASE = ["population.scale=2000", "run.replicates=3", "run.years=2", "run.burn_in_years=0.5", "run.progress=false",
        "output.figures=false", "run.threads=1"]
JOBS = [("0_scenario=baseline", ["scenario=baseline"]),
        ("1_scenario=nav_buys_all_adult_vgo", ["scenario=nav_buys_all_adult_vgo"])]
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
SPACES = re.compile(r"[\s\u00a0\u2009\u202f]+")


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    root = tmp_path_factory.mktemp("report_sweep")
    for name, overrides in JOBS:
        write_outputs(run(load_config([*BASE, *overrides]), progress=False), root / name, overrides=overrides)
    make_figures(root / JOBS[0][0])  # the run report embeds the run's figures
    return root


def fmt(x: float, decimals: int, sign: bool = False, language: str = "en") -> str:
    """A number as great_tables writes it (thousands separators, a true minus sign)."""
    s = f"{abs(x):,.{decimals}f}"
    if language == "nb":
        s = s.replace(",", " ").replace(".", ",")
    nonzero = float(s.replace(" ", "").replace(",", ".") if language == "nb" else s.replace(",", "")) != 0
    return ("−" if x < 0 and nonzero else "+" if sign and x > 0 and nonzero else "") + s  # 0.00 gets no sign


def ci(mean: float, lo: float, hi: float, decimals: int, sign: bool = False, language: str = "en") -> str:
    f = lambda x: fmt(x, decimals, sign, language)  # noqa: E731
    return f"{f(mean)} [{f(lo)}, {f(hi)}]"


def _rows(page, table_id: str) -> list[str]:
    return [SPACES.sub(" ", r) for r in page.locator(f"#{table_id} tr").all_inner_texts()]


def _row(rows: list[str], label: str) -> str:
    hits = [r for r in rows if r.startswith(label)]
    assert hits, f"no row {label!r} in {rows}"
    return hits[0]


@pytest.fixture(scope="module")
def reports(sweep, tiny_exploration):
    out_dir, proc = tiny_exploration
    assert proc.returncode == 0, proc.stderr[-3000:]
    run_dir = sweep / JOBS[0][0]
    assert report_main([str(run_dir)]) == 0
    assert report_main([str(sweep)]) == 0
    assert report_main([str(out_dir), "--lang", "nb"]) == 0
    return {"run": run_dir / "report_en.html", "sweep": sweep / "report_en.html",
            "exploration": out_dir / "report_nb.html"}


def test_the_report_is_one_file_without_network(reports):
    for path in reports.values():
        text = path.read_text(encoding="utf-8")
        assert "data:image/png;base64," in text
        assert not re.search(r"(src|href)=\"https?://", text) and "@import" not in text
        assert all(f'id="{s}"' in text for s in SECTIONS)


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium executable (Debian: apt-get install -y chromium)")
def test_reports_render_in_chromium_with_every_section_and_the_files_numbers(reports, sweep, tiny_exploration):
    from playwright.sync_api import sync_playwright

    from tests.test_dashboard import CHROMIUM_ARGS

    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            pages = {}
            for kind, path in reports.items():
                page = browser.new_page(viewport={"width": 1300, "height": 900})
                page.on("console", lambda m, k=kind: problems.append(f"{k}: console {m.type}: {m.text}")
                        if m.type == "error" else None)
                page.on("pageerror", lambda e, k=kind: problems.append(f"{k}: page error: {e}"))
                page.goto(path.as_uri())
                for s in SECTIONS:
                    section = page.locator(f"section#{s}")
                    assert section.count() == 1, (kind, s)
                    assert len(section.inner_text().strip().splitlines()) >= 2, (kind, s)  # a heading and content
                assert page.locator("img").count() >= 1
                assert page.evaluate("Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
                pages[kind] = page

            # the run: headline table = indicators.parquet (shares in per cent, 1 decimal)
            ind = pd.read_parquet(sweep / JOBS[0][0] / "indicators.parquet").set_index("indicator")
            r = ind.loc["employment_rate_final_year"]
            row = _row(_rows(pages["run"], "results-table"), "In work, 16–66 (model: the work state)")
            assert ci(100 * r["mean"], 100 * r["ci90_low"], 100 * r["ci90_high"], 1) in row
            levels = pd.read_parquet(sweep / JOBS[0][0] / pol.LEVELS_FILE)
            nav = levels[(levels["agency"] == "nav") & (levels["measure"] == "net_cost")
                         & (levels["basis"] == "present_value")].iloc[0]
            assert ci(nav["mean"], nav["ci90_low"], nav["ci90_high"], 3) in _row(_rows(pages["run"], "who-pays-levels"),
                                                                                  "NAV")

            # the sweep: who pays (policy_summary.csv) and the paired differences (sweep_differences.parquet)
            summary = pd.read_csv(sweep / pol.SUMMARY_FILE).set_index("agency")
            rows = _rows(pages["sweep"], "who-pays-0")
            for agency, label in (("nav", "NAV"), ("county", "County authority")):
                s = summary.loc[agency]
                assert ci(s["net_cost_pv"], s["net_cost_pv_ci90_low"], s["net_cost_pv_ci90_high"], 3, sign=True) \
                    in _row(rows, label)
            diffs = pd.read_parquet(sweep / "sweep_differences.parquet")
            d = diffs[diffs["indicator"].astype(str) == "cost_nav"].iloc[0]
            assert ci(d["mean_difference"], d["ci90_low"], d["ci90_high"], 2, sign=True) in _row(
                _rows(pages["sweep"], "differences-table"), "Spending by NAV")

            # the exploration (Norwegian): mean and 10-90 % spread over futures of the net cost change
            # (outcomes.parquet)
            out_dir, _ = tiny_exploration
            outcomes = pd.read_parquet(out_dir / "outcomes.parquet")
            g = outcomes[outcomes["policy"] == "strong_cooperation"]["net_public_cost_pv_vs_reference"].to_numpy()
            expected = ci(g.mean(), np.quantile(g, 0.1), np.quantile(g, 0.9), 3, sign=True, language="nb")
            row = _row(_rows(pages["exploration"], "results-table"), "Netto offentlige utgifter")
            assert expected in row, (expected, row)
            regret = pd.read_csv(out_dir / "regret.csv")
            assert len(_rows(pages["exploration"], "regret-table")) >= len(regret) + 1
            shot = out_dir / "report_nb.png"
            pages["exploration"].screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert not problems, "\n".join(problems)


def test_a_directory_that_is_not_a_result_is_refused_in_one_line(tmp_path, capsys):
    assert report_main([str(tmp_path / "nowhere")]) == 2
    assert report_main([str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(line.startswith("report error") for line in err)
