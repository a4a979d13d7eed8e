"""A report to hand over: one self-contained HTML file from a run, a sweep or an exploration directory.

The page has seven sections, always in this order and always present (a section that does not apply to the kind
of directory says so and how to get it): the question, the scenarios, headline results with intervals, who pays
and who gains, robustness, the assumptions that matter most, and provenance. It reads files only (the tables a
run, a sweep aggregation, the policy analysis and an exploration wrote); the tables are built with
``great_tables`` and the figures are embedded as base64 PNG (or inline SVG), so the file needs no network.
The command layer (``python -m simulation.report``) makes sure the policy and sweep tables exist first.
"""
from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from simulation.present.labels import AGENCY_LABELS, headline_label, youth_label
from simulation.runs.indicators import HEADLINE
from simulation.runs.outputs import youth_max_age

SECTIONS = ("question", "scenarios", "results", "who-pays", "robustness", "assumptions", "provenance")
CONFIG_DIR = Path(__file__).resolve().parent.parent.parent / "configs"

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Simulation report", "kind_run": "one run", "kind_sweep": "a sweep",
        "kind_exploration": "an exploration",
        "question": "The question", "scenarios": "Scenarios", "results": "Headline results",
        "who-pays": "Who pays, who gains", "robustness": "Robustness", "assumptions": "Assumptions that matter most",
        "provenance": "Provenance",
        "run_question": "What happens under the rules '{scenario}', the economy '{economy}' and cooperation "
                        "'{cooperation}'?",
        "sweep_question": "How do these scenarios differ from the reference '{ref}'?",
        "indicator": "Indicator", "unit": "Unit", "mean_ci": "Mean [90 % CI]", "difference": "Difference from {ref}",
        "job": "Job", "setting": "Setting", "value": "Value", "agency": "Agency", "spending": "Spending",
        "benefits": "Benefits paid", "tax_revenue": "Tax revenue", "net_cost": "Net cost", "verdict": "Verdict",
        "total": "Total", "results_note": "Mean over replicates with the 90 % confidence interval of the mean "
                                          "(shares in per cent).",
        "diff_note": "Job minus reference, paired replicate by replicate (common random numbers); 90 % interval.",
        "pv_note": "Present values in NOK billion at a {rate}, discounted to the start of the reported period "
                   "({source}). Tax revenue is the state's; net cost = spending + benefits − tax revenue.",
        "levels_title": "Present value of each agency's spending, benefits and tax revenue over the run",
        "who_title": "Change against the reference '{ref}' (job minus reference), NOK bn, 90 % CI",
        "gain": "Gain", "nok_per_unit": "NOK per unit of gain [90 % CI]", "gain_difference": "Gain (present value)",
        "cpg_title": "Cost per unit of gain: change in present net public cost over the present-value gain",
        "break_even": "The total (all agencies) turns positive in {year}", "no_break_even":
            "The total (all agencies) does not turn positive within the run",
        "pays": "pays more", "saves": "saves", "unclear": "no clear change",
        "not_robust": "Robustness needs many futures: this is {kind}. Run an exploration "
                      "(python -m simulation.explore) to see under which futures a policy pays.",
        "no_sensitivity": "No sensitivity analysis was given (python -m simulation.report DIR --sensitivity "
                          "REPORT_DIR, after python -m simulation.sensitivity). The values marked 'assumption' "
                          "in configs/ have no source; docs/domain.md lists them.",
        "sens_title": "Morris screening: parameters with the largest normalised mu* over the indicators",
        "parameter": "Parameter", "mu_star": "Largest normalised mu*", "indicators": "Indicator where largest",
        "feat_title": "Which uncertainties explain the failures (extra-trees feature scores, mean over criteria "
                      "and policies)",
        "uncertainty": "Uncertainty", "score": "Score", "range": "Range", "note": "Note", "policy": "Policy",
        "overrides": "Overrides", "criterion": "Criterion", "rule": "PRIM box (failing futures)",
        "coverage": "Coverage", "density": "Density", "failures": "Failing futures",
        "regret_title": "Regret against the best policy of each future (rank 1: the smallest largest regret)",
        "objective": "Objective", "max_regret": "Largest regret", "mean_regret": "Mean regret",
        "share_best": "Best in (share of futures)", "rank": "Rank",
        "explore_results": "Mean over futures of each policy's change against '{ref}' (paired by replicate within "
                           "each future); in brackets the 10th and 90th percentile over the futures",
        "explore_who": "Mean over futures of the change in each agency's present net cost against '{ref}', NOK bn "
                       "[10th, 90th percentile over futures]",
        "seed": "Seed", "replicates": "Replicates", "scale": "Population scale", "years": "Reported years",
        "git": "Git revision", "versions": "Versions", "command": "Command to reproduce", "created": "Created",
        "runs": "Runs behind it", "all_fail": "fails in every future", "no_fail": "fails in no future",
        "no_restriction": "no significant restriction (failures spread over the futures)",
    },
    "nb": {
        "title": "Simuleringsrapport", "kind_run": "én kjøring", "kind_sweep": "et sveip",
        "kind_exploration": "en utforsking",
        "question": "Spørsmålet", "scenarios": "Scenarioer", "results": "Hovedresultater",
        "who-pays": "Hvem betaler, hvem sparer", "robustness": "Robusthet",
        "assumptions": "Forutsetningene som betyr mest", "provenance": "Opphav",
        "run_question": "Hva skjer med reglene '{scenario}', økonomien '{economy}' og samarbeidet '{cooperation}'?",
        "sweep_question": "Hvordan skiller disse scenarioene seg fra referansen '{ref}'?",
        "indicator": "Indikator", "unit": "Enhet", "mean_ci": "Gjennomsnitt [90 % KI]",
        "difference": "Forskjell fra {ref}", "job": "Jobb", "setting": "Innstilling", "value": "Verdi",
        "agency": "Etat", "spending": "Utgifter", "benefits": "Stønader", "tax_revenue": "Skatteinntekter",
        "net_cost": "Netto utgifter", "verdict": "Vurdering", "total": "Totalt",
        "results_note": "Gjennomsnitt over replikater med 90 % konfidensintervall for gjennomsnittet (andeler i "
                        "prosent).",
        "diff_note": "Jobb minus referanse, parvis per replikat (felles tilfeldige tall); 90 % intervall.",
        "pv_note": "Nåverdier i milliarder kroner med {rate}, neddiskontert til starten av rapportperioden "
                   "({source}). Skatteinntektene er statens; netto = utgifter + stønader − skatteinntekter.",
        "levels_title": "Nåverdi av hver etats utgifter, stønader og skatteinntekter over kjøringen",
        "who_title": "Endring mot referansen '{ref}' (jobb minus referanse), mrd. kr, 90 % KI",
        "gain": "Gevinst", "nok_per_unit": "Kroner per enhet gevinst [90 % KI]",
        "gain_difference": "Gevinst (nåverdi)",
        "cpg_title": "Kostnad per enhet gevinst: endring i nåverdi av netto offentlige utgifter delt på gevinsten",
        "break_even": "Totalen (alle etater) blir positiv i {year}",
        "no_break_even": "Totalen (alle etater) blir ikke positiv i løpet av kjøringen",
        "pays": "betaler mer", "saves": "sparer", "unclear": "ingen klar endring",
        "not_robust": "Robusthet krever mange framtider: dette er {kind}. Kjør en utforsking "
                      "(python -m simulation.explore) for å se i hvilke framtider et tiltak lønner seg.",
        "no_sensitivity": "Ingen sensitivitetsanalyse ble oppgitt (python -m simulation.report DIR --sensitivity "
                          "RAPPORTMAPPE, etter python -m simulation.sensitivity). Verdiene merket 'assumption' i "
                          "configs/ har ingen kilde; docs/domain.md lister dem.",
        "sens_title": "Morris-screening: parametrene med størst normalisert mu* over indikatorene",
        "parameter": "Parameter", "mu_star": "Største normaliserte mu*", "indicators": "Indikator der størst",
        "feat_title": "Hvilke usikkerheter forklarer feilene (extra trees, gjennomsnitt over kriterier og tiltak)",
        "uncertainty": "Usikkerhet", "score": "Poeng", "range": "Spenn", "note": "Merknad", "policy": "Tiltak",
        "overrides": "Overstyringer", "criterion": "Kriterium", "rule": "PRIM-boks (framtider som feiler)",
        "coverage": "Dekning", "density": "Tetthet", "failures": "Framtider som feiler",
        "regret_title": "Anger mot det beste tiltaket i hver framtid (rang 1: minst største anger)",
        "objective": "Mål", "max_regret": "Største anger", "mean_regret": "Gjennomsnittlig anger",
        "share_best": "Best i (andel av framtider)", "rank": "Rang",
        "explore_results": "Gjennomsnitt over framtider av hvert tiltaks endring mot '{ref}' (parvis per replikat i "
                           "hver framtid); i klammer 10. og 90. persentil over framtidene",
        "explore_who": "Gjennomsnitt over framtider av endringen i hver etats nåverdi av netto utgifter mot '{ref}', "
                       "mrd. kr [10., 90. persentil over framtider]",
        "seed": "Frø", "replicates": "Replikater", "scale": "Befolkningsskala", "years": "Rapporterte år",
        "git": "Git-revisjon", "versions": "Versjoner", "command": "Kommando for å gjenskape", "created": "Laget",
        "runs": "Kjøringer bak", "all_fail": "feiler i alle framtider", "no_fail": "feiler i ingen framtid",
        "no_restriction": "ingen signifikant avgrensning (feilene er spredt over framtidene)",
    },
}
UNIT_SHOWN = {"en": {"share": "%", "persons": "persons", "weeks": "weeks", "NOK bn/yr": "NOK bn/yr"},
              "nb": {"share": "%", "persons": "personer", "weeks": "uker", "NOK bn/yr": "mrd. kr/år"}}
DECIMALS = {"share": 1, "persons": 0, "weeks": 1, "NOK bn/yr": 2}
MONEY = ("spending", "benefits", "tax_revenue", "net_cost")
AGENCY_ORDER = ("nav", "county", "municipality", "state", "total")
GAIN_LABELS = {
    "en": {"person_years_in_work_gained": "Person-years in work", "completed_vgo_gained": "Completed upper secondary",
           "neet_years_youth_avoided": "NEET years of youth avoided"},
    "nb": {"person_years_in_work_gained": "Personår i arbeid", "completed_vgo_gained": "Fullført videregående",
           "neet_years_youth_avoided": "NEET-år for unge unngått"},
}


# --------------------------------------------------------------------------------------------- helpers


def detect_kind(directory: Path) -> str:
    """'exploration', 'sweep' or 'run'."""
    directory = Path(directory)
    if (directory / "explore_manifest.json").is_file():
        return "exploration"
    if (directory / "manifest.json").is_file():
        return "run"
    if (directory / "sweep_manifest.json").is_file() or (directory / "multirun.yaml").is_file() or any(
            (p / "manifest.json").is_file() for p in directory.iterdir() if p.is_dir()):
        return "sweep"
    raise FileNotFoundError(f"{directory}: neither a run, a sweep nor an exploration directory")


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _gt(df: pd.DataFrame, table_id: str, language: str, title: str | None = None, note: str | None = None):
    from great_tables import GT

    gt = GT(df, id=table_id, locale="nb" if language == "nb" else "en").sub_missing(missing_text="–")
    if title:
        gt = gt.tab_header(title=title)
    if note:
        gt = gt.tab_source_note(note)
    return gt


def _ci_table(gt, triples: Sequence[tuple[str, str, str]], decimals: int | dict[str, int], sign: bool = False):
    """Format (mean, low, high) column triples as 'mean [low, high]' in one column (the low/high columns hidden)."""
    for mean, lo, hi in triples:
        d = decimals[mean] if isinstance(decimals, dict) else decimals
        gt = gt.fmt_number(columns=[mean, lo, hi], decimals=d, force_sign=sign)
        gt = gt.cols_merge(columns=[mean, lo, hi], pattern="{0}<< [{1}, {2}]>>")
    return gt


def _html(gt) -> str:
    return gt.as_raw_html()


def _figure(path: Path, alt: str) -> str:
    """An embedded figure: base64 PNG, or the SVG inline."""
    if not path.is_file():
        return ""
    if path.suffix == ".svg":
        svg = path.read_text(encoding="utf-8")
        svg = re.sub(r"^<\?xml[^>]*>\s*", "", svg)
        svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
        return f'<figure class="fig">{svg}<figcaption>{html.escape(alt)}</figcaption></figure>'
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<figure class="fig"><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'
            f'<figcaption>{html.escape(alt)}</figcaption></figure>')


def _p(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def _code(text: str) -> str:
    return f"<pre><code>{html.escape(text)}</code></pre>"


def _rate_text(policy_manifest: dict, language: str) -> tuple[str, str]:
    sched = policy_manifest.get("discount_schedule") or [[0, 0.04]]
    parts = [f"{100 * r:g} %" + (f" from year {y:g}" if language == "en" else f" fra år {y:g}") for y, r in sched]
    rate = ("real discount rate " if language == "en" else "realrente ") + ", ".join(parts)
    source = (policy_manifest.get("discount_source") or "").split(";")[0]
    return rate, source


def experiment_question(overrides: Sequence[str]) -> str | None:
    """The question of a named sweep: the leading comment of ``configs/experiment/<name>.yaml``."""
    for o in overrides:
        m = re.match(r"\+?experiment=(\S+)", str(o))
        if m:
            path = CONFIG_DIR / "experiment" / f"{m.group(1)}.yaml"
            if path.is_file():
                lines = []
                for line in path.read_text(encoding="utf-8").splitlines():
                    if line.startswith("# @package"):
                        continue
                    if not line.startswith("#"):
                        break
                    text = line.lstrip("#").strip()
                    if text.startswith("python -m"):
                        break
                    lines.append(text)
                return " ".join(lines).strip() or None
    return None


# ------------------------------------------------------------------------------------------ run section


def _headline_frame(ind: pd.DataFrame, language: str, youth: str) -> pd.DataFrame:
    ind = ind.set_index("indicator")
    rows = []
    for name in HEADLINE:
        if name not in ind.index:
            continue
        r = ind.loc[name]
        k = 100.0 if r["unit"] == "share" else 1.0
        rows.append({"indicator": headline_label(name, youth, language), "unit": UNIT_SHOWN[language].get(r["unit"],
                                                                                                            r["unit"]),
                     "mean": r["mean"] * k, "lo": r["ci90_low"] * k, "hi": r["ci90_high"] * k,
                     "_d": DECIMALS.get(r["unit"], 2)})
    return pd.DataFrame(rows)


def _format_ci_rows(df: pd.DataFrame, gt, cols: Sequence[tuple[str, str, str]], sign: bool = False):
    """Per-row decimals (a column mixes units): format row by row."""
    for d in sorted(df["_d"].unique()):
        rows = [int(i) for i in np.where(df["_d"] == d)[0]]
        for mean, lo, hi in cols:
            gt = gt.fmt_number(columns=[mean, lo, hi], rows=rows, decimals=int(d), force_sign=sign)
    for mean, lo, hi in cols:
        gt = gt.cols_merge(columns=[mean, lo, hi], pattern="{0}<< [{1}, {2}]>>")
    return gt.cols_hide("_d")


def _who_pays_levels(levels: pd.DataFrame, t: dict, language: str, table_id: str) -> str:
    lv = levels[(levels["basis"] == "present_value") & levels["measure"].isin(MONEY)]
    rows = []
    for agency in AGENCY_ORDER:
        g = lv[lv["agency"] == agency].set_index("measure")
        if g.empty:
            continue
        row = {"agency": AGENCY_LABELS[language].get(agency, t["total"])}
        for m in MONEY:
            row[m], row[f"{m}_lo"], row[f"{m}_hi"] = g.loc[m, ["mean", "ci90_low", "ci90_high"]]
        rows.append(row)
    df = pd.DataFrame(rows)
    gt = _gt(df, table_id, language, title=t["levels_title"])
    gt = _ci_table(gt, [(m, f"{m}_lo", f"{m}_hi") for m in MONEY], 3)
    gt = gt.cols_label(agency=t["agency"], **{m: t[m] for m in MONEY})
    return _html(gt)


def _who_pays_differences(summary: pd.DataFrame, cpg: pd.DataFrame, policy_manifest: dict, t: dict, language: str,
                          folder: Path) -> str:
    parts = []
    for n, (job, g) in enumerate(summary.groupby("job", sort=False)):
        g = g.set_index("agency").loc[[a for a in AGENCY_ORDER if a in set(g["agency"])]].reset_index()
        df = pd.DataFrame({"agency": [AGENCY_LABELS[language].get(a, t["total"]) for a in g["agency"]]})
        for m in MONEY:
            df[m], df[f"{m}_lo"], df[f"{m}_hi"] = g[f"{m}_pv"], g[f"{m}_pv_ci90_low"], g[f"{m}_pv_ci90_high"]
        df["verdict"] = [t["pays"] if v == "pays more" else t["saves"] if v == "saves" else t["unclear"]
                         for v in g["verdict"]]
        label, ref = g["label"].iloc[0], g["reference_label"].iloc[0]
        gt = _gt(df, f"who-pays-{n}", language, title=f"{label}", note=t["who_title"].format(ref=ref))
        gt = _ci_table(gt, [(m, f"{m}_lo", f"{m}_hi") for m in MONEY], 3, sign=True)
        gt = gt.cols_label(agency=t["agency"], verdict=t["verdict"], **{m: t[m] for m in MONEY})
        parts.append(_html(gt))
        be = (policy_manifest.get("break_even", {}).get(job) or {}).get("break_even_year")
        parts.append(_p(t["break_even"].format(year=be) if be is not None else t["no_break_even"]))
        c = cpg[cpg["job"] == job] if len(cpg) else cpg
        if len(c):
            cdf = pd.DataFrame({"gain": [GAIN_LABELS[language].get(x, x) for x in c["gain"]],
                                "gain_difference": c["gain_difference"].to_numpy(float),
                                "nok": c["nok_per_unit"].to_numpy(float), "lo": c["ci90_low"].to_numpy(float),
                                "hi": c["ci90_high"].to_numpy(float)})
            gt = _gt(cdf, f"cost-per-gain-{n}", language, title=t["cpg_title"])
            gt = gt.fmt_number(columns="gain_difference", decimals=0, force_sign=True)
            gt = _ci_table(gt, [("nok", "lo", "hi")], 0, sign=True)
            gt = gt.cols_label(gain=t["gain"], gain_difference=t["gain_difference"], nok=t["nok_per_unit"])
            parts.append(_html(gt))
    for ext in ("png", "svg"):
        fig = _figure(folder / f"policy_who_pays.{ext}", t["who-pays"])
        if fig:
            parts.append(fig)
            break
    return "".join(parts)


def _sensitivity_section(sensitivity: Path | None, t: dict, language: str) -> str:
    if sensitivity is None or not (Path(sensitivity) / "morris.csv").is_file():
        return _p(t["no_sensitivity"])
    morris = pd.read_csv(Path(sensitivity) / "morris.csv")
    col = "mu_star_normalised" if "mu_star_normalised" in morris.columns else "mu_star"
    best = morris.sort_values(col, ascending=False).groupby("parameter", sort=False).head(1).head(10)
    df = pd.DataFrame({"parameter": best["parameter"], "mu": best[col].to_numpy(float),
                       "indicator": best["indicator"]})
    gt = _gt(df, "sensitivity", language, title=t["sens_title"], note=str(sensitivity))
    gt = gt.fmt_number(columns="mu", decimals=2).cols_label(parameter=t["parameter"], mu=t["mu_star"],
                                                            indicator=t["indicators"])
    parts = [_html(gt)]
    fig = _figure(Path(sensitivity) / "sensitivity.png", t["assumptions"])
    if fig:
        parts.append(fig)
    return "".join(parts)


def _provenance(manifest: dict, command: str, t: dict, language: str, extra: dict[str, str] | None = None) -> str:
    versions = manifest.get("versions") or {}
    rows = [(t["created"], str(manifest.get("created", ""))), (t["seed"], str(manifest.get("seed", ""))),
            (t["replicates"], str(manifest.get("replicates", ""))), (t["scale"], str(manifest.get("scale", ""))),
            (t["years"], str(manifest.get("years", ""))), (t["git"], str(manifest.get("git_revision", ""))),
            (t["versions"], ", ".join(f"{k} {v}" for k, v in versions.items()))]
    rows += list((extra or {}).items())
    df = pd.DataFrame(rows, columns=["setting", "value"])
    gt = _gt(df, "provenance-table", language).cols_label(setting=t["setting"], value=t["value"])
    return _html(gt) + f"<h3>{html.escape(t['command'])}</h3>" + _code(command)


# -------------------------------------------------------------------------------------------- builders


def _run_sections(d: Path, t: dict, language: str, question: str | None, sensitivity: Path | None) -> dict[str, str]:
    m = _read_json(d / "manifest.json")
    youth = youth_label(youth_max_age(d), language)
    s: dict[str, str] = {}
    s["question"] = _p(question or t["run_question"].format(scenario=m.get("scenario"), economy=m.get("economy"),
                                                             cooperation=m.get("cooperation")))
    rows = [("scenario", m.get("scenario")), ("economy", m.get("economy")), ("cooperation", m.get("cooperation")),
            ("overrides", " ".join(m.get("overrides", [])) or "-"), ("counties", len(m.get("counties", [])))]
    df = pd.DataFrame([(k, str(v)) for k, v in rows], columns=["setting", "value"])
    s["scenarios"] = _html(_gt(df, "scenarios-table", language).cols_label(setting=t["setting"], value=t["value"]))
    ind = pd.read_parquet(d / "indicators.parquet")
    hf = _headline_frame(ind, language, youth)
    gt = _gt(hf, "results-table", language, note=t["results_note"])
    gt = _format_ci_rows(hf, gt, [("mean", "lo", "hi")]).cols_label(indicator=t["indicator"], unit=t["unit"],
                                                                   mean=t["mean_ci"])
    figs = "".join(_figure(d / "figures" / f"{name}.png", name) for name in ("indicators_fan", "stocks_stacked"))
    s["results"] = _html(gt) + figs
    pm = _read_json(d / "policy_manifest.json")
    if (d / "policy_levels.parquet").is_file():
        rate, source = _rate_text(pm, language)
        s["who-pays"] = _who_pays_levels(pd.read_parquet(d / "policy_levels.parquet"), t, language, "who-pays-levels") \
            + _p(t["pv_note"].format(rate=rate, source=source))
    else:
        s["who-pays"] = _p("python -m simulation.policy " + str(d))
    s["robustness"] = _p(t["not_robust"].format(kind=t["kind_run"]))
    s["assumptions"] = _sensitivity_section(sensitivity, t, language)
    cmd = " ".join(["python -m simulation", *m.get("overrides", []), f"hydra.run.dir={d}"])
    s["provenance"] = _provenance(m, cmd + f"\npython -m simulation.report {d}", t, language)
    return s


def _sweep_sections(d: Path, t: dict, language: str, question: str | None, sensitivity: Path | None
                    ) -> dict[str, str]:
    sm = _read_json(d / "sweep_manifest.json")
    pm = _read_json(d / "policy_manifest.json")
    multirun = yaml.safe_load((d / "multirun.yaml").read_text(encoding="utf-8")) if (d / "multirun.yaml").is_file() \
        else {}
    task = list(((multirun.get("hydra") or {}).get("overrides") or {}).get("task") or [])
    ind = pd.read_parquet(d / "sweep_indicators.parquet")
    for c in ("job", "indicator", "unit", "label"):
        ind[c] = ind[c].astype(str)
    ref_label = sm.get("reference_label", "")
    s: dict[str, str] = {}
    s["question"] = _p(question or experiment_question(task) or t["sweep_question"].format(ref=ref_label))
    jobs = ind.drop_duplicates("job")[["job_num", "label", "scenario", "economy", "cooperation", "n_replicates",
                                       "job"]]
    shown = jobs.drop(columns="job").astype(str)
    gt = _gt(shown, "scenarios-table", language).cols_label(job_num=t["job"], label="label",
                                                            n_replicates=t["replicates"])
    s["scenarios"] = _html(gt) + _p(f"{t['overrides']}: " + (" ".join(str(x) for x in task) or "-"))
    first_job = d / jobs["job"].iloc[0]
    youth = youth_label(youth_max_age(first_job), language)
    labels = list(dict.fromkeys(ind["label"]))
    wide = []
    for name in HEADLINE:
        g = ind[ind["indicator"] == name]
        if g.empty:
            continue
        unit = g["unit"].iloc[0]
        k = 100.0 if unit == "share" else 1.0
        row = {"indicator": headline_label(name, youth, language), "unit": UNIT_SHOWN[language].get(unit, unit),
               "_d": DECIMALS.get(unit, 2)}
        for i, lab in enumerate(labels):
            r = g[g["label"] == lab]
            row[f"m{i}"], row[f"l{i}"], row[f"h{i}"] = (r[["mean", "ci90_low", "ci90_high"]].iloc[0] * k
                                                         if len(r) else (np.nan, np.nan, np.nan))
        wide.append(row)
    wf = pd.DataFrame(wide)
    gt = _gt(wf, "results-table", language, note=t["results_note"])
    gt = _format_ci_rows(wf, gt, [(f"m{i}", f"l{i}", f"h{i}") for i in range(len(labels))])
    gt = gt.cols_label(indicator=t["indicator"], unit=t["unit"], **{f"m{i}": lab for i, lab in enumerate(labels)})
    parts = [_html(gt)]
    if (d / "sweep_differences.parquet").is_file():
        diffs = pd.read_parquet(d / "sweep_differences.parquet")
        for c in ("job", "indicator", "unit", "label"):
            diffs[c] = diffs[c].astype(str)
        dl = list(dict.fromkeys(diffs["label"]))
        rows = []
        for name in HEADLINE:
            g = diffs[diffs["indicator"] == name]
            if g.empty:
                continue
            unit = g["unit"].iloc[0]
            k = 100.0 if unit == "share" else 1.0
            row = {"indicator": headline_label(name, youth, language), "unit": UNIT_SHOWN[language].get(unit, unit)
                   if unit != "share" else ("pp" if language == "en" else "pp"), "_d": DECIMALS.get(unit, 2)}
            for i, lab in enumerate(dl):
                r = g[g["label"] == lab]
                row[f"m{i}"], row[f"l{i}"], row[f"h{i}"] = (r[["mean_difference", "ci90_low", "ci90_high"]].iloc[0]
                                                             * k if len(r) else (np.nan, np.nan, np.nan))
            rows.append(row)
        df = pd.DataFrame(rows)
        gt = _gt(df, "differences-table", language, title=t["difference"].format(ref=ref_label), note=t["diff_note"])
        gt = _format_ci_rows(df, gt, [(f"m{i}", f"l{i}", f"h{i}") for i in range(len(dl))], sign=True)
        gt = gt.cols_label(indicator=t["indicator"], unit=t["unit"], **{f"m{i}": lab for i, lab in enumerate(dl)})
        parts.append(_html(gt))
    for ext in ("png", "svg"):
        fig = _figure(d / f"sweep_differences.{ext}", t["results"])
        if fig:
            parts.append(fig)
            break
    s["results"] = "".join(parts)
    if (d / "policy_summary.csv").is_file():
        summary = pd.read_csv(d / "policy_summary.csv")
        cpg = pd.read_parquet(d / "policy_cost_per_gain.parquet") if (d / "policy_cost_per_gain.parquet").is_file() \
            else pd.DataFrame()
        rate, source = _rate_text(pm, language)
        s["who-pays"] = _p(t["pv_note"].format(rate=rate, source=source)) + _who_pays_differences(
            summary, cpg, pm, t, language, d)
    else:
        s["who-pays"] = _p("python -m simulation.policy " + str(d))
    s["robustness"] = _p(t["not_robust"].format(kind=t["kind_sweep"]))
    s["assumptions"] = _sensitivity_section(sensitivity, t, language)
    m = _read_json(first_job / "manifest.json")
    cmd = " ".join(["python -m simulation -m", *task, f"hydra.sweep.dir={d}"]) + \
        f"\npython -m simulation.policy {d}\npython -m simulation.report {d}"
    s["provenance"] = _provenance(m, cmd, t, language, {t["runs"]: "; ".join(str(d / j) for j in jobs["job"])})
    return s


def _pct(series: pd.Series) -> tuple[float, float, float]:
    v = series.dropna().to_numpy(float)
    if not v.size:
        return (np.nan, np.nan, np.nan)
    return float(v.mean()), float(np.quantile(v, 0.1)), float(np.quantile(v, 0.9))


def _exploration_sections(d: Path, t: dict, language: str, question: str | None, sensitivity: Path | None
                          ) -> dict[str, str]:
    m = _read_json(d / "explore_manifest.json")
    ref = m["settings"]["reference_policy"]
    s: dict[str, str] = {}
    s["question"] = _p(question or m.get("question") or "")
    pol = pd.DataFrame([(k, " ".join(v) or "-") for k, v in m["policies"].items()], columns=["policy", "overrides"])
    unc = pd.DataFrame([(u["key"], f"{u['low']:g} – {u['high']:g}", u.get("note", "")) for u in m["uncertainties"]],
                       columns=["uncertainty", "range", "note"])
    st = m["settings"]
    settings_df = pd.DataFrame([(k, str(st[k])) for k in ("futures", "replicates", "scale", "years", "burn_in_years",
                                                           "step_days", "base_overrides", "seed")],
                               columns=["setting", "value"])
    s["scenarios"] = (_html(_gt(pol, "policies-table", language).cols_label(policy=t["policy"],
                                                                             overrides=t["overrides"]))
                      + _html(_gt(unc, "uncertainties-table", language).cols_label(
                          uncertainty=t["uncertainty"], range=t["range"], note=t["note"]))
                      + _html(_gt(settings_df, "settings-table", language).cols_label(setting=t["setting"],
                                                                                       value=t["value"])))
    outcomes = pd.read_parquet(d / "outcomes.parquet")
    ok = outcomes[(outcomes["status"] == "complete") & (outcomes["policy"] != ref)]
    measures = [("net_public_cost_pv", 3), ("person_years_in_work", 0), ("completed_vgo", 0),
                ("neet_years_youth", 0)]
    names = {"en": {"net_public_cost_pv": "Net public cost, present value (NOK bn)",
                    "person_years_in_work": "Person-years in work", "completed_vgo": "Completed upper secondary",
                    "neet_years_youth": "NEET years of youth"},
             "nb": {"net_public_cost_pv": "Netto offentlige utgifter, nåverdi (mrd. kr)",
                    "person_years_in_work": "Personår i arbeid", "completed_vgo": "Fullført videregående",
                    "neet_years_youth": "NEET-år for unge"}}[language]
    rows = []
    for name, dec in measures:
        row = {"indicator": names[name], "_d": dec}
        for i, (_policy, g) in enumerate(ok.groupby("policy", sort=False)):
            row[f"m{i}"], row[f"l{i}"], row[f"h{i}"] = _pct(g[f"{name}_vs_reference"])
        rows.append(row)
    pols = list(dict.fromkeys(ok["policy"]))
    df = pd.DataFrame(rows)
    gt = _gt(df, "results-table", language, title=t["explore_results"].format(ref=ref))
    gt = _format_ci_rows(df, gt, [(f"m{i}", f"l{i}", f"h{i}") for i in range(len(pols))], sign=True)
    gt = gt.cols_label(indicator=t["indicator"], **{f"m{i}": p for i, p in enumerate(pols)})
    s["results"] = _html(gt) + _figure(d / "tradeoff.png", "trade-off")
    rows = []
    for agency in AGENCY_ORDER:
        col = "net_public_cost_pv_vs_reference" if agency == "total" else f"net_cost_pv_{agency}_vs_reference"
        row = {"agency": AGENCY_LABELS[language].get(agency, t["total"]), "_d": 3}
        for i, policy in enumerate(pols):
            row[f"m{i}"], row[f"l{i}"], row[f"h{i}"] = _pct(ok.loc[ok["policy"] == policy, col])
        rows.append(row)
    df = pd.DataFrame(rows)
    gt = _gt(df, "who-pays-explore", language, title=t["explore_who"].format(ref=ref))
    gt = _format_ci_rows(df, gt, [(f"m{i}", f"l{i}", f"h{i}") for i in range(len(pols))], sign=True)
    s["who-pays"] = _html(gt.cols_label(agency=t["agency"], **{f"m{i}": p for i, p in enumerate(pols)}))
    boxes = pd.read_csv(d / "prim_boxes.csv")
    rows = []
    for (crit, policy), g in boxes.groupby(["criterion", "policy"], sort=False):
        first = g.iloc[0]
        note = first["note"] if isinstance(first["note"], str) else ""
        if note:
            rule = t["all_fail"] if note.startswith("fails in every") else t["no_fail"]
            cov = den = np.nan
        else:
            r = g[g["restricted"].astype(str).str.lower() == "true"]
            rule = " & ".join(f"{x['uncertainty']} ∈ [{x['low']:.3g}, {x['high']:.3g}]" for _, x in r.iterrows()) \
                or t["no_restriction"]
            cov, den = float(first["coverage"]), float(first["density"])
        rows.append({"criterion": crit, "policy": policy, "failures": f"{int(first['failures'])} / "
                     f"{int(first['futures'])}", "rule": rule, "coverage": cov, "density": den})
    bdf = pd.DataFrame(rows)
    gt = _gt(bdf, "prim-table", language).fmt_number(columns=["coverage", "density"], decimals=2)
    gt = gt.cols_label(criterion=t["criterion"], policy=t["policy"], failures=t["failures"], rule=t["rule"],
                       coverage=t["coverage"], density=t["density"])
    reg = pd.read_csv(d / "regret.csv")
    rdf = reg[["objective", "policy", "rank_minimax_regret", "max_regret", "mean_regret", "share_best"]]
    rgt = _gt(rdf, "regret-table", language, title=t["regret_title"])
    rgt = rgt.fmt_number(columns=["max_regret", "mean_regret"], n_sigfig=3).fmt_percent(columns="share_best",
                                                                                           decimals=0)
    rgt = rgt.cols_label(objective=t["objective"], policy=t["policy"], rank_minimax_regret=t["rank"],
                         max_regret=t["max_regret"], mean_regret=t["mean_regret"], share_best=t["share_best"])
    crit_text = "; ".join(f"{c['name']}: {c['text']}" for c in m.get("criteria", []))
    figs = "".join(_figure(p, p.stem) for p in sorted(d.glob("prim_*.png")))
    s["robustness"] = _p(crit_text) + _html(gt) + figs + _html(rgt) + _figure(d / "regret.png", "regret")
    feats = pd.read_csv(d / "feature_scores.csv")
    parts = []
    if len(feats):
        fs = feats.groupby("uncertainty")["score"].mean().sort_values(ascending=False).reset_index()
        fgt = _gt(fs, "features-table", language, title=t["feat_title"]).fmt_number(columns="score", decimals=3)
        parts.append(_html(fgt.cols_label(uncertainty=t["uncertainty"], score=t["score"])))
    parts.append(_sensitivity_section(sensitivity, t, language))
    s["assumptions"] = "".join(parts)
    first_run = next(iter(m.get("run_dirs", {}).values()), None)
    rm = _read_json(Path(first_run) / "manifest.json") if first_run else {}
    rm = {**rm, "git_revision": m.get("git_revision"), "versions": m.get("versions"), "created": m.get("created"),
          "seed": st.get("seed")}
    cmd = (m.get("command") or f"python -m simulation.explore --analyse {d}") + \
        f"\n# the runs: {m.get('runs_command') or ''}\npython -m simulation.report {d}"
    s["provenance"] = _provenance(rm, cmd, t, language, {t["runs"]: f"{m.get('complete')} / {m.get('experiments')} "
                                                                      f"({d / 'runs'})"})
    return s


CSS = """
body { font-family: -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; margin: 0 auto; max-width: 1200px;
       padding: 1.5em 2em; color: #222; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #0072B2; padding-bottom: 0.2em;
  margin-top: 2em; } nav a { margin-right: 1em; color: #0072B2; }
.fig img { max-width: 100%; height: auto; } .fig svg { max-width: 100%; height: auto; }
figcaption { font-size: 0.85em; color: #555; } pre { background: #F4F4F4; padding: 0.8em; white-space: pre-wrap;
  word-break: break-all; font-size: 0.85em; } .meta { color: #555; }
"""


def build_report(directory: Path | str, language: str = "en", question: str | None = None,
                 sensitivity: Path | str | None = None) -> str:
    """The HTML page of a run, sweep or exploration directory (see the module docstring)."""
    d = Path(directory)
    if language not in TEXT:
        raise ValueError(f"language must be en or nb, not {language!r}")
    t = TEXT[language]
    kind = detect_kind(d)
    sens = Path(sensitivity) if sensitivity else None
    builder = {"run": _run_sections, "sweep": _sweep_sections, "exploration": _exploration_sections}[kind]
    sections = builder(d, t, language, question, sens)
    nav = "".join(f'<a href="#{k}">{html.escape(t[k])}</a>' for k in SECTIONS)
    body = "".join(f'<section id="{k}"><h2>{html.escape(t[k])}</h2>{sections[k]}</section>' for k in SECTIONS)
    return (f'<!DOCTYPE html>\n<html lang="{language}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(t['title'])}: {html.escape(d.name)}</title><style>{CSS}</style></head><body>"
            f"<h1>{html.escape(t['title'])}</h1><p class=\"meta\">{html.escape(t['kind_' + kind])} · "
            f"{html.escape(str(d))}</p><nav>{nav}</nav>{body}</body></html>\n")


def report_kind(directory: Path | str) -> str:
    return detect_kind(Path(directory))


def describe(result: dict[str, Any]) -> str:  # pragma: no cover - formatting helper for the command
    return f"report: {result['path']} ({result['kind']}, {result['bytes'] / 1e6:.1f} MB)"
