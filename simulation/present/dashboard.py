"""The presenters' dashboard: Mesa's SolaraViz around a live CrossSectorModel, on localhost.

    python -m simulation.dashboard            # then open http://localhost:8765

The sidebar holds Mesa's controls (reset, play/pause, step) and the model's choices: cooperation
strength for all counties or one, funding rules, economy, sample size and label language. A new
choice takes effect when the model is rebuilt with **Reset** (Mesa's usual way). The main area shows
persons by state over time (the run figure of ``simulation.present.figures.run``), the queue for a measure place
with the mean wait, the fiscal ledger so far by agency, and the current numbers as text.

It reads the live model (``simulation.runs.live``), never the reverse. Colours, labels and figure
style are those of ``simulation.present.style`` and ``simulation.present.labels``, so the dashboard and
the printed figures look alike. The server is started by the command ``simulation.dashboard``.
"""
from __future__ import annotations

import io
import math
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import solara

with warnings.catch_warnings():  # Solara's hook linter flags a hook in Mesa's own ComponentsView: not ours to fix
    warnings.filterwarnings("ignore", message=".*found despite early return", category=UserWarning)
    from mesa.visualization import Slider, SolaraViz
    from mesa.visualization.utils import update_counter

from simulation.core.config import calendar_start
from simulation.present import style
from simulation.present.figures import run as plots
from simulation.present.labels import AGENCY_LABELS, STATE_LABELS
from simulation.runs.live import ALL_COUNTIES, SCALE_RANGE, LiveModel, county_names, options

DEFAULTS = {"cooperation": 0.5, "county": ALL_COUNTIES, "funding": "current_rules", "economy": "steady",
            "scale": 1000, "language": "en"}
DPI = 80  # live figures: small PNGs render fast enough to follow play

TEXT = {
    "en": {
        "title": "Cross-sector client flows: NAV, county authority and school",
        "cooperation": "Cooperation (0–1)",
        "county": "Cooperation applies to",
        "all": "all counties",
        "funding": "Funding rules",
        "economy": "Economy",
        "scale": "Persons per agent",
        "language": "Language / Språk",
        "queue": "Queueing for a measure place (persons)",
        "wait": "Mean wait for a measure place (weeks)",
        "ledger": "Spending so far by agency (NOK billion)",
        "tax": "tax revenue so far",
        "net": "net public cost",
        "numbers": "Now",
        "stocks": "Persons by state (one replicate)",
        "sample": "One simulated person represents {scale} persons; replicate 0 of seed {seed}",
        "year": "Year",
        "date": "Date",
        "persons_in_scope": "Persons 16–66",
        "persons": "persons",
        "weeks": "weeks",
        "bn": "NOK bn",
        "effective": "Effective cooperation (mean of counties)",
        "not_yet": "press Step to simulate the first {days} days",
    },
    "nb": {
        "title": "Brukerløp på tvers av sektorer: NAV, fylkeskommunen og skolen",
        "cooperation": "Samarbeid (0–1)",
        "county": "Samarbeidet gjelder",
        "all": "alle fylker",
        "funding": "Finansieringsregler",
        "economy": "Økonomi",
        "scale": "Personer per agent",
        "language": "Language / Språk",
        "queue": "I kø til tiltaksplass (personer)",
        "wait": "Gjennomsnittlig ventetid på tiltaksplass (uker)",
        "ledger": "Utgifter så langt etter etat (mrd. kroner)",
        "tax": "skatteinntekter så langt",
        "net": "netto offentlige utgifter",
        "numbers": "Nå",
        "stocks": "Personer etter tilstand (ett replikat)",
        "sample": "Én simulert person representerer {scale} personer; replikat 0 med frø {seed}",
        "year": "År",
        "date": "Dato",
        "persons_in_scope": "Personer 16–66 år",
        "persons": "personer",
        "weeks": "uker",
        "bn": "mrd. kr",
        "effective": "Effektivt samarbeid (snitt av fylkene)",
        "not_yet": "trykk Step for å simulere de første {days} dagene",
    },
}


def _county_choices(language: str) -> list[str]:
    return [TEXT[language]["all"], *county_names()]


def model_params(language: str = "en", current: dict | None = None) -> dict:
    """Mesa's ``model_params``: one control per keyword of :class:`LiveModel`, showing ``current`` values."""
    t, v = TEXT[language], {**DEFAULTS, **(current or {})}
    county = v["county"] if v["county"] in county_names() else t["all"]
    return {
        "cooperation": Slider(t["cooperation"], value=float(v["cooperation"]), min=0.0, max=1.0, step=0.05),
        "county": {"type": "Select", "value": county, "values": _county_choices(language), "label": t["county"]},
        "funding": {"type": "Select", "value": v["funding"], "values": options("funding"), "label": t["funding"]},
        "economy": {"type": "Select", "value": v["economy"], "values": options("economy"), "label": t["economy"]},
        "scale": Slider(t["scale"], value=int(v["scale"]), min=SCALE_RANGE[0], max=SCALE_RANGE[1], step=100),
        "language": {"type": "Select", "value": language, "values": ["en", "nb"], "label": t["language"]},
    }


class DashboardModel(LiveModel):
    """The live model as the dashboard builds it: the county choice arrives as its label."""

    def __init__(self, cooperation: float = DEFAULTS["cooperation"], county: str = DEFAULTS["county"],
                 funding: str = DEFAULTS["funding"], economy: str = DEFAULTS["economy"],
                 scale: float = DEFAULTS["scale"], language: str = DEFAULTS["language"]) -> None:
        if county in (TEXT["en"]["all"], TEXT["nb"]["all"]):
            county = ALL_COUNTIES
        super().__init__(cooperation=cooperation, county=county, funding=funding, economy=economy, scale=scale,
                         language=language)


# ------------------------------------------------------------------------------------------ figures


def _png(fig) -> bytes:
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", pad_inches=0.1)
    finally:
        plt.close(fig)
    return buf.getvalue()


def _manifest(model: LiveModel) -> dict:
    """The fields of a run's manifest that the figure headers of ``simulation.present.figures.run`` print."""
    c = model.choices
    where = "" if c["county"] == ALL_COUNTIES else f" ({c['county']})"
    return {"scenario": model.cfg.scenario.name, "economy": model.cfg.economy.name,
            "cooperation": f"{c['cooperation']:g}{where}", "replicates": 1, "scale": model.cfg.population.scale}


def stocks_png(model: LiveModel) -> bytes:
    """Persons by state so far, stacked: the run figure ``stocks_stacked`` of ``simulation.present.figures.run``."""
    with plt.rc_context(style.RC):
        manifest = _manifest(model)
        fig = plots.fig_stocks(model.stocks_frame(), manifest, model.language)
        fig.set_size_inches(9.5, 5.2)  # the run figure is 13 in wide: shrink it so its labels stay legible in a panel
        # one replicate, not a mean of replicates: say so in the header
        t, lang = TEXT[model.language], model.language
        scale = style.number(float(manifest["scale"]), 0, lang)
        fig.suptitle(f"{t['stocks']}\n" + plots.TEXT[lang]["title"].format(**manifest), fontsize=13)
        fig.supxlabel(t["sample"].format(scale=scale, seed=model.cfg.run.seed), fontsize=8.5, color="#555555")
        _horizon(model, *fig.axes[:2])
        return _png(fig)


def queue_png(model: LiveModel) -> bytes:
    """The measure queue (NAV units, DataCollector) and the mean wait of those admitted, per period."""
    t, lang = TEXT[model.language], model.language
    q = model.queue_frame()
    with plt.rc_context(style.RC):
        fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(6.4, 4.6), sharex=True, layout="constrained")
        colour_q, colour_w = style.STATE_COLOURS["work_measure"], style.STATE_COLOURS["jobseeker"]
        if len(q):
            ax1.step(q["year"], q["queue"], where="post", color=colour_q, linewidth=1.8)
            ax1.fill_between(q["year"], 0, q["queue"], step="post", color=colour_q, alpha=0.25, linewidth=0)
            ax2.plot(q["year"], q["mean_wait_weeks"], color=colour_w, marker="o", markersize=2.5, linewidth=1.4)
        ax1.set_title(t["queue"], loc="left")
        ax2.set_title(t["wait"], loc="left")
        ax2.set_xlabel(t["year"])
        _horizon(model, ax2)
        for ax in (ax1, ax2):
            ax.set_ylim(bottom=0)
            ax.yaxis.set_major_formatter(style.TickFormatter(lang))
            ax.grid(axis="y", color="#DDDDDD", linewidth=0.6)
        return _png(fig)


def ledger_png(model: LiveModel) -> bytes:
    """The fiscal ledger so far: spending by agency (NOK billion since the start of reporting) and tax revenue."""
    t, lang = TEXT[model.language], model.language
    agencies = AGENCY_LABELS[lang]
    s = model.summary()
    names = [a for a in style.AGENCY_COLOURS]
    values = [s[f"cost_{a}_bn"] for a in names]
    with plt.rc_context(style.RC):
        fig, ax = plt.subplots(figsize=(6.4, 3.6), layout="constrained")
        y = np.arange(len(names))
        ax.barh(y, values, color=[style.AGENCY_COLOURS[a] for a in names], height=0.65)
        ax.set_yticks(y, [agencies[a] for a in names])
        ax.invert_yaxis()
        for yi, v in zip(y, values):
            ax.text(v, yi, f"  {style.number(v, 1, lang)}", va="center", fontsize=9)
        ax.set_xlim(0, max(values) * 1.25 if max(values) > 0 else 1.0)
        ax.xaxis.set_major_formatter(style.TickFormatter(lang))
        ax.set_title(t["ledger"], loc="left")
        net = sum(values) - s["tax_revenue_bn"]
        ax.text(0.99, 0.02, f"{t['tax']}: {style.number(round(s['tax_revenue_bn'], 1) + 0.0, 1, lang)} · "
                            f"{t['net']}: {style.number(round(net, 1) + 0.0, 1, lang)} {t['bn']}",
                transform=ax.transAxes, ha="right", va="bottom", fontsize=8.5, color="#555555")
        return _png(fig)


def _horizon(model: LiveModel, *axes) -> None:
    """The whole reported period on the x axis, so the curves grow across a fixed frame as the model steps."""
    start = float(calendar_start(model.cfg))
    for ax in axes:
        ax.set_xlim(start, start + model.cfg.run.years)


def numbers_text(model: LiveModel) -> str:
    """The current numbers as lines of text (what the browser test reads)."""
    t, lang = TEXT[model.language], model.language
    s = model.summary()

    def n(x: float, d: int = 0) -> str:
        return style.number(round(x, d) + 0.0, d, lang) if math.isfinite(x) else "–"  # + 0.0: never "-0"


    lines = [f"{t['date']}: {model.date.isoformat()}", f"{t['persons_in_scope']}: {n(s['persons'])}"]
    lines += [f"{STATE_LABELS[lang][k]}: {n(s[k])}" for k in ("work", "jobseeker", "work_measure", "ot_followed")]
    lines += [f"{t['queue']}: {n(s['queue'])}", f"{t['wait']}: {n(s['mean_wait_weeks'], 1)}",
              f"{t['effective']}: {n(s['cooperation'], 2)}"]
    lines += [f"{AGENCY_LABELS[lang][a]}: {n(s[f'cost_{a}_bn'], 2)} {t['bn']}" for a in style.AGENCY_COLOURS]
    lines.append(f"{t['tax']}: {n(s['tax_revenue_bn'], 2)} {t['bn']}")
    if model.reported_steps == 0:
        lines.append(f"({t['not_yet'].format(days=model.period * model.dt)})")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------- Solara components


@solara.component
def StocksPlot(model: LiveModel):
    update_counter.get()
    solara.Image(stocks_png(model), width="100%", classes=["stocks-plot"])


@solara.component
def QueuePlot(model: LiveModel):
    update_counter.get()
    solara.Image(queue_png(model), width="100%", classes=["queue-plot"])


@solara.component
def LedgerPlot(model: LiveModel):
    update_counter.get()
    solara.Image(ledger_png(model), width="100%", classes=["ledger-plot"])


@solara.component
def Numbers(model: LiveModel):
    update_counter.get()
    with solara.Card(TEXT[model.language]["numbers"]):
        solara.Preformatted(numbers_text(model), class_="live-numbers")


@solara.component
def Page():
    """One dashboard per browser session; Reset rebuilds the model from the sidebar's choices."""
    first = solara.use_memo(lambda: DashboardModel(**DEFAULTS), [])
    model = solara.use_reactive(first)
    current = model.value
    lang = current.language
    SolaraViz(model, components=[StocksPlot, Numbers, QueuePlot, LedgerPlot],
              model_params=model_params(lang, {**current.choices}), name=TEXT[lang]["title"])


def warm_up() -> None:
    """Compile the kernel (or load it from the disk cache) and compose a config once, before serving."""
    DashboardModel(**DEFAULTS).step()
