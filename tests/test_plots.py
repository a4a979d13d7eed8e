"""Figures are drawn from a real (small) run directory's files only."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simulation import plots as plot_command
from simulation.present.figures import run as plots
from simulation.present.style import save_figure

FIGURES = ("stocks_stacked", "indicators_fan", "flows", "institutions", "queues")
MAGIC = {"png": b"\x89PNG\r\n\x1a\n", "pdf": b"%PDF"}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("plotrun")
    subprocess.run([sys.executable, "-m", "simulation", "run.replicates=3", "run.years=2", "population.scale=1000",
                    "output.figures=false", f"hydra.run.dir={tmp}"], check=True, capture_output=True)
    return tmp


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simulation.plots", *args], check=False, capture_output=True,
                          text=True)


def _check_written(paths: list[Path], run_dir: Path, fmt: str) -> None:
    assert [p.name for p in paths] == [f"{name}.{fmt}" for name in FIGURES]
    for p in paths:
        assert p.parent == run_dir / "figures"
        data = p.read_bytes()
        assert len(data) > 1000, p
        if fmt in MAGIC:
            assert data.startswith(MAGIC[fmt]), p
        else:
            assert b"<svg" in data[:2000], p
    assert not [p for p in (run_dir / "figures").iterdir() if p.name.endswith(".tmp")], "temporary files left behind"


def test_png_from_manifest_defaults(run_dir):
    paths = plots.make_figures(run_dir)
    _check_written(paths, run_dir, "png")


def test_svg_in_norwegian(run_dir):
    paths = plots.make_figures(str(run_dir), language="nb", fmt="svg")
    _check_written(paths, run_dir, "svg")


def test_norwegian_labels_are_used(run_dir):
    import matplotlib.pyplot as plt

    manifest = plots.read_manifest(run_dir)
    fig = plots.fig_flows(plots.read_flows(run_dir), manifest, "nb")
    texts = " ".join(t.get_text() for t in fig.findobj(match=lambda a: hasattr(a, "get_text")))
    plt.close(fig)
    assert "Arbeidssøker" in texts and "Fra" in texts and "samarbeid" in texts
    fig = plots.fig_fan(plots.read_series(run_dir), manifest, "nb")
    titles = {ax.get_title(loc="left") for ax in fig.axes}
    plt.close(fig)
    assert "Langtidsledige" in titles and "I NAV-tiltak" in titles


def _texts(fig) -> str:
    return " ".join(a.get_text() for a in fig.findobj(match=lambda a: hasattr(a, "get_text")))


@pytest.mark.parametrize("language, words", [
    ("en", ("Persons waiting", "Share of places in use", "weighted equally", "full", "Measures", "Assessment",
            "Upper secondary for adults", "Apprenticeships")),
    ("nb", ("venter", "Andel av plassene i bruk", "likt vektet", "fullt", "Tiltak", "Kartlegging",
            "Videregående for voksne", "Læreplass")),
])
def test_queues_figure_from_the_run(run_dir, language, words):
    import matplotlib.pyplot as plt

    queues = plots.read_queues(run_dir)
    assert set(queues["variable"]) >= {v for _, q, u in plots.POOLS.values() for v in (q, u)}
    fig = plots.fig_queues(queues, plots.read_manifest(run_dir), language)
    texts = _texts(fig)
    waiting, used = fig.axes[0], fig.axes[1]
    full = [ln for ln in used.get_lines() if ln.get_linestyle() == "--"]
    plt.close(fig)
    for word in words:
        assert word in texts, word
    assert len(waiting.get_lines()) == len(plots.POOLS)  # one line per pool, all limited by default
    assert used.get_ylim() == pytest.approx((0.0, 1.2))
    assert len(full) == 1 and list(full[0].get_ydata()) == [1.0, 1.0]


def test_queues_figure_without_a_pool(run_dir, tmp_path):
    import matplotlib.pyplot as plt
    import pandas as pd

    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy, ignore=shutil.ignore_patterns("figures"))
    table = pd.read_parquet(copy / "institutions.parquet")
    table = table[~table["variable"].astype(str).str.startswith("apprenticeship")]
    table.to_parquet(copy / "institutions.parquet", index=False)
    paths = plots.make_figures(copy, language="nb")
    _check_written(paths, copy, "png")
    fig = plots.fig_queues(plots.read_queues(copy), plots.read_manifest(copy), "nb")
    texts = _texts(fig)
    n_lines = len(fig.axes[0].get_lines())
    plt.close(fig)
    assert "Læreplass" not in texts and "Tiltak" in texts
    assert n_lines == len(plots.POOLS) - 1
    # a pool without a limit (share in use NaN, nobody waiting) is left out and named as not limited
    table = table.copy()
    assessment = table["variable"].astype(str).isin(["assessment_used", "assessment_queue"])
    table.loc[assessment, "value"] = float("nan")
    table.loc[table["variable"].astype(str) == "assessment_queue", "value"] = 0.0
    table.to_parquet(copy / "institutions.parquet", index=False)
    fig = plots.fig_queues(plots.read_queues(copy), plots.read_manifest(copy), "en")
    texts = _texts(fig)
    n_lines = len(fig.axes[0].get_lines())
    plt.close(fig)
    assert n_lines == len(plots.POOLS) - 2
    assert "not limited: Assessment" in texts


def test_queues_figure_with_an_empty_institutions_table(run_dir, tmp_path):
    import matplotlib.pyplot as plt

    empty = plots.read_queues(run_dir).iloc[0:0]
    for language, word in (("en", "no data"), ("nb", "ingen data")):
        fig = plots.fig_queues(empty, plots.read_manifest(run_dir), language)
        texts = _texts(fig)
        plt.close(fig)
        assert texts.count(word) == 2
    path = save_figure(plots.fig_queues(empty, plots.read_manifest(run_dir), "en"), tmp_path / "q.svg", "svg")
    assert b"<svg" in path.read_bytes()[:2000]


def test_annual_flows_are_per_year_and_replicate(run_dir):
    manifest = plots.read_manifest(run_dir)
    flows = plots.read_flows(run_dir)
    annual, years = plots.annual_flows(flows, manifest)
    assert years == pytest.approx(manifest["steps"] * manifest["step_days"] / 365.25)
    total = flows["count_scaled"].sum() / manifest["replicates"] / years
    assert annual.sum() == pytest.approx(total)
    assert annual.is_monotonic_decreasing


def test_cli_writes_pdf(run_dir):
    r = _cli(str(run_dir), "--format", "pdf", "--lang", "en")
    assert r.returncode == 0, r.stderr
    paths = [Path(line) for line in r.stdout.split()]
    _check_written(paths, run_dir, "pdf")


def test_cli_missing_run_dir(tmp_path):
    r = _cli(str(tmp_path / "no_such_run"))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert "no_such_run" in r.stderr


def test_cli_bad_argument(run_dir):
    r = _cli(str(run_dir), "--lang", "de")
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_missing_table_names_the_file(run_dir, tmp_path):
    shutil.copy(run_dir / "manifest.json", tmp_path / "manifest.json")
    with pytest.raises(FileNotFoundError, match="stocks.parquet"):
        plots.make_figures(tmp_path)
    r = _cli(str(tmp_path))  # the command checks the manifest's files first and names the first one missing
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert re.search(r"/\w+\.parquet: listed in manifest\.json but missing$", r.stderr.strip()), r.stderr


def test_every_state_has_a_colour_and_a_place():
    from simulation.core.states import STATE_NAMES
    from simulation.present.labels import INDICATOR_LABELS, STATE_LABELS
    from simulation.present.style import LANGUAGES, STATE_COLOURS

    assert set(STATE_COLOURS) == set(STATE_NAMES)
    assert len(set(STATE_COLOURS.values())) == len(STATE_NAMES)
    assert set(plots.STACK_ORDER) | set(plots.OUT_OF_SCOPE) == set(STATE_NAMES)
    assert set(plots.FLOW_ORDER) == set(STATE_NAMES)
    for lang in LANGUAGES:
        assert set(STATE_LABELS[lang]) >= set(STATE_NAMES)
        assert set(INDICATOR_LABELS[lang]) == set(INDICATOR_LABELS["en"])


def test_cli_on_a_sweep_that_was_not_aggregated(tmp_path):
    (tmp_path / "multirun.yaml").write_text("hydra: {}\n")
    assert plot_command.is_sweep_dir(tmp_path)
    r = _cli(str(tmp_path))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "sweep_manifest.json" in lines[0] and "python -m simulation.sweep" in lines[0]


def test_a_run_directory_is_not_a_sweep(run_dir):
    assert not plot_command.is_sweep_dir(run_dir)


def test_two_processes_draw_the_same_files(run_dir, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    for d in (one, two):
        shutil.copytree(run_dir, d, ignore=shutil.ignore_patterns("figures"))
    a = plots.make_figures(one, processes=1)
    b = plots.make_figures(two, processes=2)
    assert [p.name for p in a] == [p.name for p in b] == [f"{name}.png" for name in FIGURES]
    for p, q in zip(a, b):
        assert p.read_bytes() == q.read_bytes(), p.name


def test_an_error_in_the_drawing_process_is_raised(run_dir, tmp_path):
    copy = tmp_path / "broken"
    shutil.copytree(run_dir, copy, ignore=shutil.ignore_patterns("figures"))
    (copy / "indicator_series.parquet").write_bytes(b"not parquet")  # the fan chart is drawn by the child
    with pytest.raises(Exception, match="indicators_fan|parquet|Parquet"):
        plots.make_figures(copy, processes=2)
