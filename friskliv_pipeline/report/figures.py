"""The report's figures with matplotlib: Norwegian labels, a colour-blind-safe palette (Okabe–Ito),
PNG at 200 dpi and SVG (the SVG is what report.html and report.pdf embed, so print stays vector).
Long labels are wrapped and the layout is constrained, so nothing is cut. A figure carries no title
of its own: the report gives it one caption ("Figur N: …", numbered in document order) and a
source line, so the title is never printed twice."""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from friskliv_pipeline.report.data import ReportData

# Okabe & Ito (2008), distinguishable with every common colour-vision deficiency.
OKABE_ITO = {"blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "vermillion": "#D55E00",
             "sky": "#56B4E9", "yellow": "#F0E442", "purple": "#CC79A7", "grey": "#999999"}
ANSWER_COLOURS = {"Ja": OKABE_ITO["blue"], "Delvis": OKABE_ITO["sky"], "Nei": OKABE_ITO["vermillion"],
                  "Ikke aktuelt": OKABE_ITO["grey"]}
DPI = 200
RC_PARAMS = {"font.family": "DejaVu Sans", "font.size": 9, "svg.fonttype": "none", "svg.hashsalt": "friskliv",
             "axes.spines.top": False, "axes.spines.right": False}
_PYPLOT = None


def _pyplot():
    """matplotlib.pyplot (Agg backend, the report's rcParams), imported when the first figure is
    drawn: the import costs 1–2 s that loading the code location should not pay."""
    global _PYPLOT
    if _PYPLOT is None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        plt.rcParams.update(RC_PARAMS)
        _PYPLOT = plt
    return _PYPLOT


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    png: Path
    svg: Path


def _wrap(label: str, width: int = 45) -> str:
    return "\n".join(textwrap.wrap(str(label), width)) or str(label)


def _save(fig, out_dir: Path, key: str, title: str) -> Figure:
    out_dir.mkdir(parents=True, exist_ok=True)
    png, svg = out_dir / f"{key}.png", out_dir / f"{key}.svg"
    fig.savefig(png, dpi=DPI, metadata={"Software": None})  # lays the figure out (constrained) and rasters it
    fig.set_layout_engine("none")  # the SVG is written from that same layout: it is not solved a second time
    fig.savefig(svg, metadata={"Date": None})
    _pyplot().close(fig)
    return Figure(key, title, png, svg)


def _barh(ax, labels, values, colour, annotate: str = "{:d}"):
    y = range(len(labels))
    ax.barh(list(y), values, color=colour)
    ax.set_yticks(list(y), labels)
    ax.invert_yaxis()
    for i, v in enumerate(values):
        ax.annotate(annotate.format(int(v)), (v, i), xytext=(3, 0), textcoords="offset points", va="center")
    ax.margins(x=0.12)


def figure_1(data: ReportData, out_dir: Path) -> Figure:
    counties = data.marts["mart_county_summary"].sort_values(["n_projects", "county"], ascending=[False, True])
    fig, ax = _pyplot().subplots(figsize=(7, 0.32 * len(counties) + 1.2), layout="constrained")
    _barh(ax, counties["county"], counties["n_projects"], OKABE_ITO["blue"])
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Antall prosjekter")
    title = f"Antall prosjekter per fylke, {data.grant_year}"
    return _save(fig, out_dir, "figur_1_prosjekter_per_fylke", title)


def figure_2(data: ReportData, out_dir: Path) -> Figure:
    groups = data.marts["mart_target_groups"]
    groups = groups[groups["question_id"] == "q15"]
    fig, ax = _pyplot().subplots(figsize=(7.5, 2.8), layout="constrained")
    labels = [_wrap(re.sub(r",?\s*spesifiser:?\s*$", "", label)) for label in groups["label"]]  # "Annet, spesifiser:"
    _barh(ax, labels, groups["pct_of_projects"], OKABE_ITO["green"], "{:d} %")
    ax.set_xlabel("Andel av prosjektene (%)")
    title = f"Målgrupper for prosjektene, {data.grant_year}"
    return _save(fig, out_dir, "figur_2_malgrupper", title)


def figure_3(data: ReportData, out_dir: Path) -> Figure:
    partners = data.marts["mart_collaboration"]
    partners = partners[partners["partner"] != "none"]
    fig, ax = _pyplot().subplots(figsize=(7, 3), layout="constrained")
    _barh(ax, [_wrap(x, 35) for x in partners["label"]], partners["pct_of_collaborative"], OKABE_ITO["orange"],
          "{:d} %")
    ax.set_xlabel("Andel av samarbeidsprosjektene (%)")
    title = f"Involverte tjenester og aktører i samarbeidsprosjekter, {data.grant_year}"
    return _save(fig, out_dir, "figur_3_samarbeid", title)


def figure_4(data: ReportData, out_dir: Path) -> Figure:
    attainment = data.marts["mart_attainment"].sort_values("criterion_no")
    fig, ax = _pyplot().subplots(figsize=(8, 5.6), layout="constrained")
    labels = [_wrap(f"{no}. {c}", 42) for no, c in zip(attainment["criterion_no"], attainment["criterion"])]
    left = pd.Series(0.0, index=attainment.index)
    for answer, column in (("Ja", "n_ja"), ("Delvis", "n_delvis"), ("Nei", "n_nei"), ("Ikke aktuelt", "n_ikke_aktuelt")):
        share = 100 * attainment[column] / attainment["n_projects"].where(attainment["n_projects"] > 0)
        ax.barh(labels, share, left=left, color=ANSWER_COLOURS[answer], label=answer)
        left = left + share.fillna(0)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("Andel av prosjektene (%)")
    ax.legend(ncols=4, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    title = f"Fylkeskommunenes vurdering av om prosjektene har nådd hvert av målene, {data.grant_year}"
    return _save(fig, out_dir, "figur_4_maloppnaelse", title)


def figure_5(data: ReportData, out_dir: Path) -> Figure:
    money = data.marts["mart_competence_building"]
    fig, ax = _pyplot().subplots(figsize=(8, 3.4), layout="constrained")
    _barh(ax, [_wrap(x, 50) for x in money["label"]], money["amount_nok"].fillna(0), OKABE_ITO["purple"],
          "{:,d} kr")
    for text in ax.texts:
        text.set_text(text.get_text().replace(",", " "))
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{int(v):,}".replace(",", " ")))
    ax.set_xlabel("Kroner")
    title = f"Tilskudd brukt til kompetansebygging, etter tiltak, {data.grant_year}"
    return _save(fig, out_dir, "figur_5_kompetansebygging", title)


def heatmap(data: ReportData, out_dir: Path) -> Figure:
    by_county = data.marts["mart_attainment_by_county"].dropna(subset=["county"])
    table = by_county.pivot(index="county", columns="criterion_no", values="pct_with_goal").sort_index()
    n_projects = by_county.groupby("county")["n_projects"].max()
    fig, ax = _pyplot().subplots(figsize=(8, 0.36 * len(table) + 1.6), layout="constrained")
    # pcolormesh, not imshow: cells drawn as vector shapes, so the PDF holds no bitmap
    image = ax.pcolormesh(range(len(table.columns) + 1), range(len(table) + 1), table.to_numpy(dtype=float),
                          cmap="cividis", vmin=0, vmax=100, edgecolors="white", linewidth=0.6)
    ax.invert_yaxis()
    ax.set_yticks([i + 0.5 for i in range(len(table))], [f"{c} (n = {int(n_projects[c])})" for c in table.index])
    ax.set_xticks([j + 0.5 for j in range(len(table.columns))], [str(c) for c in table.columns])
    ax.set_xlabel("Mål (nummeret i figur 4 og tabell 2)")
    for (i, j), v in pd.DataFrame(table.to_numpy()).stack().items():
        ax.text(j + 0.5, i + 0.5, f"{int(v)}", ha="center", va="center", fontsize=7, color="white" if v < 60 else "black")
    colorbar = fig.colorbar(image, ax=ax, label="Andel av prosjektene med målet (%)")
    colorbar.solids.set_rasterized(False)  # matplotlib rasterizes a long colour scale by default
    colorbar.solids.set_edgecolor("face")  # no hairline seams between the scale's vector steps
    title = f"Andel av fylkets prosjekter som hadde hvert av de tolv målene, per fylke, {data.grant_year}"
    return _save(fig, out_dir, "figur_6_mal_per_fylke", title)


TREND_METRICS = {"pct_intercommunal": "Interkommunale", "pct_target_both": "Begge målgrupper",
                 "pct_diagnosis_independent": "Diagnoseuavhengige", "pct_collaborative": "Samarbeidsprosjekter",
                 "pct_lead_frisklivssentral": "Ledet av frisklivssentral"}


def trend(data: ReportData, out_dir: Path) -> Figure | None:
    trends = data.marts["mart_trends"]
    national = trends[(trends["scope"] == "national") & trends["metric"].isin(list(TREND_METRICS))
                      & trends["previous_value"].notna()]
    if national.empty:
        return None
    national = national.set_index("metric").loc[[m for m in TREND_METRICS if m in set(national["metric"])]]
    previous_year = int(national["previous_grant_year"].iloc[0])
    fig, ax = _pyplot().subplots(figsize=(7.5, 3.2), layout="constrained")
    y = range(len(national))
    ax.barh([i - 0.2 for i in y], national["previous_value"], height=0.4, color=OKABE_ITO["grey"], label=str(previous_year))
    ax.barh([i + 0.2 for i in y], national["value"], height=0.4, color=OKABE_ITO["blue"], label=str(data.grant_year))
    ax.set_yticks(list(y), [TREND_METRICS[m] for m in national.index])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("Andel av prosjektene (%)")
    ax.legend(frameon=False, loc="lower right")
    title = f"Endring fra {previous_year} til {data.grant_year}, andel av prosjektene (felles fylkesgrunnlag)"
    return _save(fig, out_dir, "figur_7_endring", title)


INDEX = "figures.json"


def draw_all(data: ReportData, out_dir: Path) -> list[Figure]:
    """Draw every figure and write figures.json (key, title, files) for the HTML report to embed."""
    figures = [figure_1(data, out_dir), figure_2(data, out_dir), figure_3(data, out_dir), figure_4(data, out_dir),
               figure_5(data, out_dir), heatmap(data, out_dir)]
    comparison = trend(data, out_dir)
    figures += [comparison] if comparison else []
    stale = out_dir / "figur_7_endring.png"
    if comparison is None and stale.exists():  # a comparison from an earlier run must not linger
        stale.unlink()
        stale.with_suffix(".svg").unlink(missing_ok=True)
    index = [{"key": f.key, "title": f.title, "png": f.png.name, "svg": f.svg.name} for f in figures]
    (out_dir / INDEX).write_text(json.dumps(index, ensure_ascii=False, indent=2), encoding="utf-8")
    return figures


def read_index(out_dir: Path) -> list[Figure]:
    index = json.loads((out_dir / INDEX).read_text(encoding="utf-8"))
    return [Figure(f["key"], f["title"], out_dir / f["png"], out_dir / f["svg"]) for f in index]
