"""The report's figures with matplotlib: Norwegian labels, one colour-blind-safe palette for all of
them, PNG at 200 dpi and SVG (the SVG is what report.html and report.pdf embed, so print stays vector).

Every figure is drawn exactly as wide as report.pdf's text block, where it is embedded at 100 % of
the width, so it prints at scale 1 and FONT_PT is the printed size of every text in it. Bar charts
get one row pitch per figure, from their tallest wrapped label, so labels never touch their
neighbours; the layout is constrained, so nothing is cut. A figure carries no title of its own: the
report gives it one caption ("Figur N: …", numbered in document order) and a source line, so the
title is never printed twice.

Each figure is declared once, by ``@figure(...)`` on the function that draws it (the way ``@reads``
declares a check's inputs): its file and asset key, its title, what it shows, the marts it reads,
its source line's n, the note under it and when it is left out. ``FIGURES`` holds the declarations
in document order, which numbers them; defs/report.py makes an asset of each and report/document.py
places each with its number, source and note."""

from __future__ import annotations

import functools
import json
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from friskliv_pipeline.core.bokmal import grouped
from friskliv_pipeline.report.data import ReportData
from friskliv_pipeline.report.labels import answer_columns

if TYPE_CHECKING:
    import pandas as pd

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


SOURCE = "Kilde: fylkeskommunenes rapportering til Helsedirektoratet (Forms) for {years}"


@dataclass(frozen=True)
class FigureSpec:
    """One figure as ``@figure`` declares it."""

    key: str  # its files' stem and its asset key: "figur_1_prosjekter_per_fylke"
    title: str  # its caption after "Figur N: "; {year} and {previous_year} are filled in
    about: str  # what it shows, in English: its asset's description
    reads: tuple[str, ...]  # the marts it draws from: its asset's inputs
    n: Callable[[ReportData], str]  # its source line's n: "n = 115 prosjekter"
    note: str | Callable[[dict[str, int]], str] = ""  # under the caption; a callable gets the figures' numbers
    dropped: str = ""  # when drawing returns None, why (the asset's note): "" for a figure always drawn
    both_years: bool = False  # it compares with the previous year: its source names both grant years
    render: Callable[[ReportData, Path], "Figure | None"] | None = None  # draws and saves it

    def caption(self, data: ReportData) -> str:
        return self.title.format(year=data.grant_year, previous_year=previous_year(data))

    def source(self, data: ReportData) -> str:
        """ "Kilde: … for tilskuddsåret 2024", or both years for a comparison."""
        previous = previous_year(data)
        if self.both_years and previous is not None:
            return SOURCE.format(years=f"tilskuddsårene {previous} og {data.grant_year}")
        return SOURCE.format(years=f"tilskuddsåret {data.grant_year}")

    def note_text(self, numbers: dict[str, int]) -> str:
        return self.note(numbers) if callable(self.note) else self.note


FIGURES: dict[str, FigureSpec] = {}  # key → declaration, in document order


def figure(key: str, *, title: str, about: str, reads: tuple[str, ...], n: Callable[[ReportData], str],
           note: str | Callable[[dict[str, int]], str] = "", dropped: str = "", both_years: bool = False):
    """Declare a figure on the function that draws it (``draw(data) -> matplotlib figure``, or None
    to leave it out): the decorated function draws and saves it, ``(data, out_dir) -> Figure | None``."""
    def register(draw: Callable):
        @functools.wraps(draw)
        def drawn(data: ReportData, out_dir: Path) -> Figure | None:
            fig = draw(data)
            return None if fig is None else _save(fig, out_dir, key, FIGURES[key].caption(data))

        if key in FIGURES:
            raise ValueError(f"figure {key} is declared twice")
        FIGURES[key] = FigureSpec(key, title, about, tuple(reads), n, note, dropped, both_years, drawn)
        return drawn

    return register


def previous_year(data: ReportData) -> int | None:
    """The grant year mart_trends compares with, None without one."""
    previous = data.marts["mart_trends"]["previous_grant_year"].dropna()
    return None if previous.empty else int(previous.iloc[0])


def _n_projects(data: ReportData) -> str:
    """The n of a figure of all the year's projects."""
    return f"n = {data.metrics.get('n_projects')} prosjekter"


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
    import pandas as pd

    return "–" if pd.isna(value) else f"{int(value)} %"


@figure("figur_1_prosjekter_per_fylke", title="Antall prosjekter per fylke, {year}",
        about="Figur 1: projects per county, sorted", reads=("mart_county_summary",),
        n=lambda d: f"n = {d.metrics.get('n_projects')} prosjekter i {d.metrics.get('n_counties')} fylker")
def figure_1(data: ReportData):
    from matplotlib.ticker import MaxNLocator

    counties = data.marts["mart_county_summary"].sort_values(["n_projects", "county"], ascending=[False, True])
    fig, ax = _barh(counties["county"].tolist(), counties["n_projects"])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Antall prosjekter")
    return fig


@figure("figur_2_malgrupper", title="Målgrupper for prosjektene, {year}",
        about="Figur 2: target groups (q15), share of projects", reads=("mart_target_groups",),
        n=_n_projects,
        # q15's "Begge disse gruppene" sets both groups it stands for, and both groups ticked set it
        # (cleaning.answers.multi_choice's implies; cleaning.responses' target_both)
        note=("Et prosjekt telles under «Begge disse gruppene» når det alternativet er krysset av, eller når begge "
              "de to første gruppene er krysset av. Et slikt prosjekt telles også i søylen for hver av de to første "
              "gruppene. Et prosjekt kan ha flere målgrupper, så andelene summerer seg ikke til 100 %."))
def figure_2(data: ReportData):
    groups = data.marts["mart_target_groups"]
    groups = groups[groups["question_id"] == "q15"]
    labels = [_wrap(re.sub(r",?\s*spesifiser:?\s*$", "", label)) for label in groups["label"]]  # "Annet, spesifiser:"
    fig, ax = _barh(labels, groups["pct_of_projects"], _percent)
    ax.set_xlabel("Andel av prosjektene (%)")
    return fig


def mostly_zero(values) -> bool:
    """More than half of the categories at 0: a chart of empty rows says less than a sentence would,
    so the figure is left out and the text carries the numbers."""
    import pandas as pd

    values = pd.Series(values).fillna(0)
    return bool((values == 0).sum() * 2 > len(values))


@figure("figur_3_samarbeid", title="Involverte tjenester og aktører i samarbeidsprosjekter, {year}",
        about="Figur 3: collaboration partners (q21) among collaborative projects", reads=("mart_collaboration",),
        n=lambda d: f"n = {d.metrics.get('n_collaborative')} samarbeidsprosjekter",
        dropped="more than half of the partners at 0 %: the text carries the numbers (mostly_zero)")
def figure_3(data: ReportData):
    partners = data.marts["mart_collaboration"]
    partners = partners[partners["partner"] != "none"]
    if mostly_zero(partners["pct_of_collaborative"]):
        return None
    fig, ax = _barh([_wrap(x) for x in partners["label"]], partners["pct_of_collaborative"], _percent)
    ax.set_xlabel("Andel av samarbeidsprosjektene (%)")
    return fig


@figure("figur_4_maloppnaelse",
        title="Fylkeskommunenes vurdering av om prosjektene har nådd hvert av målene, {year}",
        about="Figur 4: the twelve attainment criteria (q24–q35), Ja/Delvis/Nei/Ikke aktuelt",
        reads=("mart_attainment",),
        n=_n_projects,
        note=("Søylene viser svarene Ja, Delvis og Nei som andeler av alle prosjektene. Tallet ved enden av søylen er "
              "andelen som hadde målet (Ja + Delvis + Nei). «Ikke aktuelt» betyr at prosjektet ikke hadde målet, og "
              "er ikke tegnet."))
def figure_4(data: ReportData):
    """One bar per criterion: Ja, Delvis and Nei stacked, each as a share of all projects, so the bar
    ends at the share of projects that had the goal; that share is printed at its end, exactly
    mart_attainment's pct_with_goal. "Ikke aktuelt" (the project did not have the goal) is left out:
    the white space up to 100 % is those projects (and any that did not answer)."""
    import pandas as pd

    attainment = data.marts["mart_attainment"].sort_values("criterion_no")
    labels = [_wrap(f"{no}. {c}") for no, c in zip(attainment["criterion_no"], attainment["criterion"])]
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
    return fig


# At most this many ticks on figure 5's kroner axis: "200 000" is ~4 characters of FONT_PT wider than
# "20", and the axis beside figure 5's long labels is only ~60 % of the text block.
KRONER_TICKS = 4


@figure("figur_5_kompetansebygging", title="Tilskudd brukt til kompetansebygging, etter tiltak, {year}",
        about="Figur 5: competence-building money by category (q05–q11)", reads=("mart_competence_building",),
        n=lambda d: f"n = {d.metrics.get('n_counties_competence_used')} fylkeskommuner som brukte midler")
def figure_5(data: ReportData):
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    money = data.marts["mart_competence_building"]
    fig, ax = _barh([_wrap(x) for x in money["label"]], money["amount_nok"].fillna(0), lambda v: f"{_number(v)} kr")
    ax.xaxis.set_major_locator(MaxNLocator(nbins=KRONER_TICKS, steps=[1, 2, 2.5, 5, 10]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _number(v)))
    ax.set_xlabel("Kroner")
    return fig


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


@figure("figur_6_mal_per_fylke",
        title="Andel av fylkets prosjekter som hadde hvert av de tolv målene, per fylke, {year}",
        about="Heat map: share of each county's projects that had each of the twelve goals (n per county)",
        reads=("mart_attainment_by_county",),
        n=lambda d: f"{_n_projects(d)}; n per fylke står ved fylkesnavnet",
        note=lambda numbers: ("Figuren viser hvor stor andel av fylkets prosjekter som hadde målet (svart Ja, Delvis "
                              "eller Nei), ikke om målet ble nådd. Nummeret er målets nummer i tabell 2"
                              + (f" og figur {numbers['figur_4_maloppnaelse']}."
                                 if "figur_4_maloppnaelse" in numbers else ".")))
def heatmap(data: ReportData):
    import pandas as pd

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
    return fig


# The headline shares figure 7 compares (and section 4.8 quotes), in this order; their names are
# mart_national_summary's metric labels (its YAML's meta: labels_nb; report.labels.metric_label).
TREND_METRICS = ("pct_intercommunal", "pct_target_both", "pct_diagnosis_independent", "pct_collaborative",
                 "pct_lead_frisklivssentral")


def trend_rows(data: ReportData) -> pd.DataFrame:
    """The national rows of mart_trends that figure 7 draws, indexed by metric in TREND_METRICS'
    order; empty when there is no previous year to compare with."""
    trends = data.marts["mart_trends"]
    national = trends[(trends["scope"] == "national") & trends["metric"].isin(list(TREND_METRICS))
                      & trends["previous_value"].notna()]
    return national.set_index("metric").loc[[m for m in TREND_METRICS if m in set(national["metric"])]]


def _trend_n(data: ReportData) -> str:
    import pandas as pd

    trends = data.marts["mart_trends"]
    row = trends[(trends["scope"] == "national") & (trends["metric"] == "n_projects")]
    if row.empty or pd.isna(row["previous_value"].iloc[0]):
        return ""
    r = row.iloc[0]
    return (f"n = {int(r['previous_value'])} prosjekter i {int(r['previous_grant_year'])} og "
            f"{int(r['value'])} i {data.grant_year}")


@figure("figur_7_endring", title="Endring fra {previous_year} til {year}, andel av prosjektene",
        about="Change from the previous grant year on the common 2023 county basis", reads=("mart_trends",),
        n=_trend_n, dropped="no earlier grant year to compare with", both_years=True)
def trend(data: ReportData):
    from friskliv_pipeline.report.labels import metric_label

    national = trend_rows(data)
    if national.empty:
        return None
    previous = int(national["previous_grant_year"].iloc[0])
    pitch = 2 * BAR_PT + ROW_GAP_PT  # two bars a metric
    fig, ax = _subplots(len(national) * pitch, legend=True)
    y = range(len(national))
    bar = BAR_PT / pitch
    for offset, column, colour, year in ((-bar / 2, "previous_value", MUTED, previous),
                                         (bar / 2, "value", MAIN, data.grant_year)):
        ax.barh([i + offset for i in y], national[column], height=bar, color=colour, label=str(year))
        for i, v in enumerate(national[column]):
            _value_label(ax, _percent(v), v, i + offset)
    ax.set_yticks(list(y), [_wrap(metric_label(m)) for m in national.index])
    ax.set_ylim(len(national) - 0.5, -0.5)
    ax.set_xlim(0, 100)
    ax.set_xlabel("Andel av prosjektene (%)")
    ax.legend(ncols=2, loc="lower left", bbox_to_anchor=(0, 1.0), borderaxespad=0.2)
    return fig


INDEX = "figures.json"


def draw_all(data: ReportData, out_dir: Path) -> list[Figure]:
    """Draw every figure and write figures.json (key, title, files) for the HTML report to embed."""
    drawn = [spec.render(data, out_dir) for spec in FIGURES.values()]
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
