"""The report's figures with matplotlib: Norwegian labels, one colour-blind-safe palette for all of
them, PNG at 200 dpi and SVG (the SVG is what report.html and report.pdf embed, so print stays vector).

Every figure is drawn exactly as wide as report.pdf's text block, where it is embedded at 100 % of
the width, so it prints at scale 1 and FONT_PT is the printed size of every text in it. Bar charts
get one row pitch per figure, from their tallest wrapped label, so labels never touch their
neighbours; the layout is constrained, so nothing is cut. A figure carries no title of its own: the
report gives it one caption ("Figur N: …", numbered in document order) and a source line, so the
title is never printed twice."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from friskliv_pipeline.core.bokmal import grouped
from friskliv_pipeline.report.data import ReportData
from friskliv_pipeline.report.labels import answer_columns

# The one palette of every figure. Hues from Okabe & Ito (2008), distinguishable with every common
# colour-vision deficiency.
MAIN = "#0072B2"  # blue: every single-series bar chart, this year in the comparison, the heat map's hue
MUTED = "#9AAAB7"  # grey-blue: the previous year in the comparison
# figure 4's answers by mart_attainment's count column (report.labels.answer_columns); it draws no "Ikke aktuelt"
ANSWER_COLOURS = {"n_ja": MAIN, "n_delvis": "#56B4E9", "n_nei": "#D55E00"}
HEAT_SCALE = ("#EEF4F9", MAIN, "#00283F")  # the heat map's sequential scale: light to dark through MAIN
INK, PAPER = "#1A1A1A", "#FFFFFF"  # text, axes and ticks (the report's text colour); background, cell borders
PALETTE = (MAIN, MUTED, *ANSWER_COLOURS.values(), *HEAT_SCALE, INK, PAPER)

WIDTH_IN = 174 / 25.4  # report.pdf's text block: A4 less two 18 mm margins (report.html.j2's @page)
FONT_PT = 8  # every text in every figure, as printed
LINE_PT = 1.2 * FONT_PT  # one line of a wrapped label (matplotlib's line spacing)
ROW_GAP_PT = 7  # free space between the labels of neighbouring bars
BAR_PT = 12  # the thickness of a bar
AXIS_PT = 42  # below and above the rows: the x axis, its label and the layout's padding
LEGEND_PT = 18  # a one-row legend above the axes
HEAT_ROW_PT = 18  # one county's row of the heat map's cells
DPI = 200
RC_PARAMS = {"font.family": "DejaVu Sans", "font.size": FONT_PT, "axes.labelsize": FONT_PT,
             "xtick.labelsize": FONT_PT, "ytick.labelsize": FONT_PT, "legend.fontsize": FONT_PT,
             "text.color": INK, "axes.labelcolor": INK, "axes.edgecolor": INK, "xtick.color": INK,
             "ytick.color": INK, "figure.facecolor": PAPER, "axes.facecolor": PAPER, "legend.frameon": False,
             "svg.fonttype": "none", "svg.hashsalt": "friskliv", "axes.spines.top": False,
             "axes.spines.right": False}
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


def heat_colour_map():
    """The heat map's colour map: HEAT_SCALE interpolated in 256 steps."""
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("friskliv_heat", HEAT_SCALE)


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    png: Path
    svg: Path


def _wrap(label: str, width: int = 48) -> str:
    return "\n".join(textwrap.wrap(str(label), width)) or str(label)


def _number(value) -> str:
    """An integer with a space between thousands, as the report writes numbers (a plain space: a
    figure's text never wraps)."""
    return grouped(value, " ")


def _row_pitch(labels) -> float:
    """Points per bar row: the tallest wrapped label and a gap, so neighbouring labels never touch."""
    return max((str(label).count("\n") + 1 for label in labels), default=1) * LINE_PT + ROW_GAP_PT


def _subplots(rows_pt: float, legend: bool = False):
    """A figure as wide as the text block and as tall as its rows plus the axis (and a legend above)."""
    height_pt = rows_pt + AXIS_PT + (LEGEND_PT if legend else 0)
    return _pyplot().subplots(figsize=(WIDTH_IN, height_pt / 72), layout="constrained")


def _save(fig, out_dir: Path, key: str, title: str) -> Figure:
    out_dir.mkdir(parents=True, exist_ok=True)
    png, svg = out_dir / f"{key}.png", out_dir / f"{key}.svg"
    fig.savefig(png, dpi=DPI, metadata={"Software": None})  # lays the figure out (constrained) and rasters it
    fig.set_layout_engine("none")  # the SVG is written from that same layout: it is not solved a second time
    fig.savefig(svg, metadata={"Date": None})
    _pyplot().close(fig)
    return Figure(key, title, png, svg)


def _value_label(ax, text: str, x: float, y: float) -> None:
    """A bar's value just past its end; outside the axes if need be (the layout makes room)."""
    ax.annotate(text, (x, y), xytext=(3, 0), textcoords="offset points", va="center", annotation_clip=False)


def _barh(labels: list[str], values, value_text: Callable[[float], str] = _number):
    """One series of horizontal bars in MAIN, top to bottom, each with its value at its end."""
    pitch = _row_pitch(labels)
    fig, ax = _subplots(len(labels) * pitch)
    y = list(range(len(labels)))
    ax.barh(y, values, height=BAR_PT / pitch, color=MAIN)
    ax.set_yticks(y, labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    for i, v in enumerate(values):
        _value_label(ax, value_text(v), v, i)
    ax.margins(x=0.08)
    return fig, ax


def _percent(value) -> str:
    return "–" if pd.isna(value) else f"{int(value)} %"


def figure_1(data: ReportData, out_dir: Path) -> Figure:
    from matplotlib.ticker import MaxNLocator

    counties = data.marts["mart_county_summary"].sort_values(["n_projects", "county"], ascending=[False, True])
    fig, ax = _barh(counties["county"].tolist(), counties["n_projects"])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Antall prosjekter")
    title = f"Antall prosjekter per fylke, {data.grant_year}"
    return _save(fig, out_dir, "figur_1_prosjekter_per_fylke", title)


def figure_2(data: ReportData, out_dir: Path) -> Figure:
    groups = data.marts["mart_target_groups"]
    groups = groups[groups["question_id"] == "q15"]
    labels = [_wrap(re.sub(r",?\s*spesifiser:?\s*$", "", label)) for label in groups["label"]]  # "Annet, spesifiser:"
    fig, ax = _barh(labels, groups["pct_of_projects"], _percent)
    ax.set_xlabel("Andel av prosjektene (%)")
    title = f"Målgrupper for prosjektene, {data.grant_year}"
    return _save(fig, out_dir, "figur_2_malgrupper", title)


def mostly_zero(values) -> bool:
    """More than half of the categories at 0: a chart of empty rows says less than a sentence would,
    so the figure is left out and the text carries the numbers."""
    values = pd.Series(values).fillna(0)
    return bool((values == 0).sum() * 2 > len(values))


def figure_3(data: ReportData, out_dir: Path) -> Figure | None:
    partners = data.marts["mart_collaboration"]
    partners = partners[partners["partner"] != "none"]
    if mostly_zero(partners["pct_of_collaborative"]):
        return None
    fig, ax = _barh([_wrap(x) for x in partners["label"]], partners["pct_of_collaborative"], _percent)
    ax.set_xlabel("Andel av samarbeidsprosjektene (%)")
    title = f"Involverte tjenester og aktører i samarbeidsprosjekter, {data.grant_year}"
    return _save(fig, out_dir, "figur_3_samarbeid", title)


def figure_4(data: ReportData, out_dir: Path) -> Figure:
    """One bar per criterion: Ja, Delvis and Nei stacked, each as a share of all projects, so the bar
    ends at the share of projects that had the goal; that share is printed at its end, exactly
    mart_attainment's pct_with_goal. "Ikke aktuelt" (the project did not have the goal) is left out:
    the white space up to 100 % is those projects (and any that did not answer)."""
    attainment = data.marts["mart_attainment"].sort_values("criterion_no")
    named = data.criterion_labels or {}
    labels = [_wrap(f"{no}. {named.get(int(no), c)}") for no, c in zip(attainment["criterion_no"], attainment["criterion"])]
    pitch = _row_pitch(labels)
    fig, ax = _subplots(len(labels) * pitch, legend=True)
    y = list(range(len(labels)))
    total = attainment["n_projects"].where(attainment["n_projects"] > 0)
    left = pd.Series(0.0, index=attainment.index)
    for column, answer in answer_columns():
        if column not in ANSWER_COLOURS:
            continue
        share = (100 * attainment[column] / total).fillna(0)
        ax.barh(y, share, left=left, height=BAR_PT / pitch, color=ANSWER_COLOURS[column], label=answer)
        left = left + share
    for i, (end, pct) in enumerate(zip(left, attainment["pct_with_goal"])):
        _value_label(ax, _percent(pct), end, i)
    ax.set_yticks(y, labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlim(0, 100)
    ax.set_xlabel("Andel av alle prosjektene (%)")
    ax.legend(ncols=3, loc="lower left", bbox_to_anchor=(0, 1.0), borderaxespad=0.2)
    title = f"Fylkeskommunenes vurdering av om prosjektene har nådd hvert av målene, {data.grant_year}"
    return _save(fig, out_dir, "figur_4_maloppnaelse", title)


# At most this many ticks on figure 5's kroner axis: "200 000" is ~4 characters of FONT_PT wider than
# "20", and the axis beside figure 5's long labels is only ~60 % of the text block.
KRONER_TICKS = 4


def figure_5(data: ReportData, out_dir: Path) -> Figure:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    money = data.marts["mart_competence_building"]
    fig, ax = _barh([_wrap(x) for x in money["label"]], money["amount_nok"].fillna(0), lambda v: f"{_number(v)} kr")
    ax.xaxis.set_major_locator(MaxNLocator(nbins=KRONER_TICKS, steps=[1, 2, 2.5, 5, 10]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _number(v)))
    ax.set_xlabel("Kroner")
    title = f"Tilskudd brukt til kompetansebygging, etter tiltak, {data.grant_year}"
    return _save(fig, out_dir, "figur_5_kompetansebygging", title)


def _luminance(colour) -> float:
    """Relative luminance (WCAG 2) of a matplotlib colour."""
    from matplotlib.colors import to_rgb

    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(colour)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _text_colour_on(colour) -> str:
    """INK or PAPER, whichever has the higher contrast ratio on that colour: a heat map cell's value."""
    cell = _luminance(colour) + 0.05
    return PAPER if (_luminance(PAPER) + 0.05) / cell > cell / (_luminance(INK) + 0.05) else INK


# Vector steps of the heat map's colour scale (~2 pt each, no visible banding). With the cells
# unclipped, the SVG went from 443 paths and 436 clip paths to 315 and none, and WeasyPrint draws
# it in 0.25 s instead of 0.32 s (CPU, median of 7).
SCALE_STEPS = 128


def _scale_of(image):
    """What the heat map's colour bar draws: the cells' colour map in SCALE_STEPS steps, each exactly
    one of its 256 colours, instead of all 256 (every step is a path WeasyPrint draws in the PDF)."""
    import numpy as np
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import ListedColormap

    cmap = image.get_cmap()
    steps = ListedColormap(cmap(np.linspace(0, 1, SCALE_STEPS)), name=f"{cmap.name}_{SCALE_STEPS}")
    return ScalarMappable(norm=image.norm, cmap=steps)


def heatmap(data: ReportData, out_dir: Path) -> Figure:
    by_county = data.marts["mart_attainment_by_county"].dropna(subset=["county"])
    table = by_county.pivot(index="county", columns="criterion_no", values="pct_with_goal").sort_index()
    n_projects = by_county.groupby("county")["n_projects"].max()
    fig, ax = _subplots(len(table) * HEAT_ROW_PT)
    colours = heat_colour_map()
    # pcolormesh, not imshow: cells drawn as vector shapes, so the PDF holds no bitmap
    image = ax.pcolormesh(range(len(table.columns) + 1), range(len(table) + 1), table.to_numpy(dtype=float),
                          cmap=colours, vmin=0, vmax=100, edgecolors=PAPER, linewidth=0.6)
    image.set_clip_on(False)  # the cells fill the axes exactly: no clip path on each of them in the SVG
    ax.invert_yaxis()
    ax.set_yticks([i + 0.5 for i in range(len(table))], [f"{c} (n = {int(n_projects[c])})" for c in table.index])
    ax.set_xticks([j + 0.5 for j in range(len(table.columns))], [str(c) for c in table.columns])
    ax.tick_params(length=0)
    ax.set_xlabel("Mål (nummeret i tabell 2)")  # the figures' numbers are the document's, not known here
    for (i, j), v in pd.DataFrame(table.to_numpy()).stack().items():
        ax.text(j + 0.5, i + 0.5, f"{int(v)}", ha="center", va="center", color=_text_colour_on(colours(v / 100)))
    colorbar = fig.colorbar(_scale_of(image), ax=ax, label="Andel av prosjektene med målet (%)", aspect=30)
    colorbar.solids.set_rasterized(False)  # matplotlib rasterizes a long colour scale by default
    colorbar.solids.set_edgecolor("face")  # no hairline seams between the scale's vector steps
    colorbar.solids.set_clip_on(False)
    title = f"Andel av fylkets prosjekter som hadde hvert av de tolv målene, per fylke, {data.grant_year}"
    return _save(fig, out_dir, "figur_6_mal_per_fylke", title)


# The headline shares figure 7 compares (and section 4.8 quotes), in this order; their names are
# mart_national_summary's metric labels (schema.yml, report.labels.metric_label).
TREND_METRICS = ("pct_intercommunal", "pct_target_both", "pct_diagnosis_independent", "pct_collaborative",
                 "pct_lead_frisklivssentral")


def trend_rows(data: ReportData) -> pd.DataFrame:
    """The national rows of mart_trends that figure 7 draws, indexed by metric in TREND_METRICS'
    order; empty when there is no previous year to compare with."""
    trends = data.marts["mart_trends"]
    national = trends[(trends["scope"] == "national") & trends["metric"].isin(list(TREND_METRICS))
                      & trends["previous_value"].notna()]
    return national.set_index("metric").loc[[m for m in TREND_METRICS if m in set(national["metric"])]]


def trend(data: ReportData, out_dir: Path) -> Figure | None:
    from friskliv_pipeline.report.labels import metric_label

    national = trend_rows(data)
    if national.empty:
        return None
    previous_year = int(national["previous_grant_year"].iloc[0])
    pitch = 2 * BAR_PT + ROW_GAP_PT  # two bars a metric
    fig, ax = _subplots(len(national) * pitch, legend=True)
    y = range(len(national))
    bar = BAR_PT / pitch
    for offset, column, colour, year in ((-bar / 2, "previous_value", MUTED, previous_year),
                                         (bar / 2, "value", MAIN, data.grant_year)):
        ax.barh([i + offset for i in y], national[column], height=bar, color=colour, label=str(year))
        for i, v in enumerate(national[column]):
            _value_label(ax, _percent(v), v, i + offset)
    ax.set_yticks(list(y), [_wrap(metric_label(m)) for m in national.index])
    ax.set_ylim(len(national) - 0.5, -0.5)
    ax.set_xlim(0, 100)
    ax.set_xlabel("Andel av prosjektene (%)")
    ax.legend(ncols=2, loc="lower left", bbox_to_anchor=(0, 1.0), borderaxespad=0.2)
    title = f"Endring fra {previous_year} til {data.grant_year}, andel av prosjektene"
    return _save(fig, out_dir, "figur_7_endring", title)


INDEX = "figures.json"


def draw_all(data: ReportData, out_dir: Path) -> list[Figure]:
    """Draw every figure and write figures.json (key, title, files) for the HTML report to embed."""
    drawn = [draw(data, out_dir) for draw in (figure_1, figure_2, figure_3, figure_4, figure_5, heatmap, trend)]
    figures = [f for f in drawn if f is not None]
    keep = {f.key for f in figures}
    for stale in out_dir.glob("figur_*.*"):  # a figure an earlier run drew and this one left out must not linger
        if stale.suffix in (".png", ".svg") and stale.stem not in keep:
            stale.unlink()
    index = [{"key": f.key, "title": f.title, "png": f.png.name, "svg": f.svg.name} for f in figures]
    (out_dir / INDEX).write_text(json.dumps(index, ensure_ascii=False, indent=2), encoding="utf-8")
    return figures


def read_index(out_dir: Path) -> list[Figure]:
    index = json.loads((out_dir / INDEX).read_text(encoding="utf-8"))
    return [Figure(f["key"], f["title"], out_dir / f["png"], out_dir / f["svg"]) for f in index]
