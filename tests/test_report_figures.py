"""The report's figures as report.pdf prints them: drawn by the real draw_all from the 2023 and 2024
demo runs and read back from the SVG the report embeds (at 100 % of the text block's width). Every
text is at least 7 pt on paper, neighbouring bar labels never touch, figure 4 prints the mart's share
of projects with each goal, and every colour comes from the palette declared in figures.py."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import sqlalchemy as sa

from friskliv_pipeline.report.data import load_report_data
from friskliv_pipeline.report.figures import ANSWER_COLOURS, MAIN, MUTED, PALETTE, PAPER, draw_all, heat_colour_map

pytestmark = pytest.mark.slow
YEARS = (2023, 2024)
TEXT_BLOCK_PT = 493.2  # report.pdf's text block: A4 less two 18 mm margins, the width each SVG is printed at
MIN_PRINTED_PT = 7
NS = "{http://www.w3.org/2000/svg}"
USER_UNITS = {"px": 1.0, "": 1.0, "pt": 4 / 3}  # CSS units in user units of the SVG


@pytest.fixture(scope="module")
def drawn(tmp_path_factory, demo_run):
    """The session's demo run of both years, then draw_all on each year's report data."""
    tmp = tmp_path_factory.mktemp("figures")
    run = demo_run
    engine = sa.create_engine(run["url"])
    figures = {year: {f.key: ET.parse(f.svg).getroot()
                      for f in draw_all(load_report_data(engine, year), tmp / "drawn" / str(year))}
               for year in YEARS}
    yield {"figures": figures, "engine": engine}
    engine.dispose()


def _points(length: str) -> float:
    """An SVG length as matplotlib writes the width and height ("493.228346pt")."""
    return float(re.fullmatch(r"([\d.]+)pt", length).group(1))


def _font_size(text: ET.Element) -> float:
    """The font size of a <text> in the SVG's user units, as matplotlib writes it (style or attribute)."""
    style = text.get("style", "")
    match = (re.search(r"font-size:\s*([\d.]+)(px|pt)?", style)
             or re.search(r"font:(?:\s+[a-z-]+)*\s+([\d.]+)(px|pt)", style))
    if match:
        return float(match.group(1)) * USER_UNITS[match.group(2) or ""]
    match = re.fullmatch(r"([\d.]+)(px|pt)?", text.get("font-size", ""))
    assert match, f"no font size on <text> {''.join(text.itertext())!r}: {style!r}"
    return float(match.group(1)) * USER_UNITS[match.group(2) or ""]


def _baseline(text: ET.Element) -> float:
    match = re.search(r"translate\(\s*[-\d.]+[\s,]+([-\d.]+)\s*\)", text.get("transform", ""))
    return float(match.group(1)) if match else float(text.get("y"))


def _texts(svg: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in svg.iter(f"{NS}text")]


def _colours(element: ET.Element, props=("fill", "stroke")) -> set[str]:
    """Every fill and stroke colour (#rrggbb, lower case) in an element and its descendants."""
    found = set()
    for node in element.iter():
        for prop in props:
            values = re.findall(rf"(?:^|;)\s*{prop}:\s*(#[0-9a-fA-F]{{6}})", node.get("style", ""))
            values += [node.get(prop)] if (node.get(prop) or "").startswith("#") else []
            found |= {v.lower() for v in values}
    return found


@pytest.mark.parametrize("year", YEARS)
def test_every_figure_is_drawn_at_the_text_block_width_and_at_most_200_mm_tall(drawn, year):
    """Drawn at the width it is printed at, a figure's sizes are its printed sizes (scale 1)."""
    for key, svg in drawn["figures"][year].items():
        width_pt, height_pt = (_points(svg.get(side)) for side in ("width", "height"))
        assert width_pt == pytest.approx(TEXT_BLOCK_PT, abs=0.1), key
        assert height_pt / 72 * 25.4 <= 200, key


@pytest.mark.parametrize("year", YEARS)
def test_every_text_is_at_least_7_pt_when_printed(drawn, year):
    """Each SVG is printed 493.2 pt wide: a text's printed size is its size scaled by that over the SVG's width."""
    for key, svg in drawn["figures"][year].items():
        width_pt = _points(svg.get("width"))
        user_unit_pt = width_pt / float(svg.get("viewBox").split()[2])
        texts = list(svg.iter(f"{NS}text"))
        assert len(texts) >= 8, key
        printed = {(round(_font_size(t) * user_unit_pt * TEXT_BLOCK_PT / width_pt, 2), "".join(t.itertext()))
                   for t in texts}
        too_small = sorted(p for p in printed if p[0] < MIN_PRINTED_PT)
        assert not too_small, (key, too_small[:5])


@pytest.mark.parametrize("year", YEARS)
def test_neighbouring_axis_labels_never_touch(drawn, year):
    """The wrapped labels of neighbouring rows (figure 4's criteria, the counties, …) keep at least
    half a line more between them than the lines within one label."""
    for key, svg in drawn["figures"][year].items():
        for axes in (g for g in svg.iter(f"{NS}g") if g.get("id", "").startswith("axes_")):
            labels = []
            for tick in (g for g in axes.iter(f"{NS}g") if g.get("id", "").startswith("ytick_")):
                lines = list(tick.iter(f"{NS}text"))
                if lines:
                    labels.append(([_baseline(t) for t in lines], max(_font_size(t) for t in lines)))
            labels.sort()
            for (above, size), (below, _) in zip(labels, labels[1:]):
                assert min(below) - max(above) >= 1.5 * size, (key, axes.get("id"), above, below)


@pytest.mark.parametrize("year", YEARS)
def test_figure_4_prints_each_criterions_share_with_the_goal_from_the_mart(drawn, year):
    with drawn["engine"].connect() as conn:
        shares = conn.execute(sa.text("SELECT pct_with_goal FROM mart_attainment WHERE grant_year = :y "
                                      "ORDER BY criterion_no"), {"y": year}).scalars().all()
    assert len(shares) == 12
    printed = [t for t in _texts(drawn["figures"][year]["figur_4_maloppnaelse"]) if re.fullmatch(r"\d+ %", t)]
    assert printed == [f"{int(share)} %" for share in shares]


SINGLE_SERIES = ("figur_1_prosjekter_per_fylke", "figur_2_malgrupper", "figur_3_samarbeid", "figur_5_kompetansebygging")


@pytest.mark.parametrize("year", YEARS)
def test_every_colour_comes_from_the_one_palette(drawn, year):
    """Every fill and stroke is a palette colour (the heat map's cells and scale: a step of its colour
    map); the bars of each single-series chart are MAIN, figure 4's the answer colours, the comparison's
    MUTED and MAIN, and the heat map's cells come from its colour map only."""
    from matplotlib.colors import to_hex

    heat = heat_colour_map()
    heat_steps = {to_hex(heat(i)) for i in range(heat.N)}
    palette = {c.lower() for c in PALETTE}
    expected_bars = {**{key: {MAIN} for key in SINGLE_SERIES}, "figur_4_maloppnaelse": set(ANSWER_COLOURS.values()),
                     "figur_6_mal_per_fylke": set(), "figur_7_endring": {MUTED, MAIN}}
    figures = drawn["figures"][year]
    no_earlier_year = {"figur_7_endring"} if year == 2023 else set()
    assert set(figures) == set(expected_bars) - no_earlier_year
    for key, svg in figures.items():
        stray = _colours(svg) - palette - heat_steps
        assert not stray, (key, stray)
        patches = [g for g in svg.iter(f"{NS}g") if re.fullmatch(r"patch_\d+", g.get("id", ""))]
        bars = set().union(*(_colours(p, ["fill"]) for p in patches)) - {PAPER.lower()}  # spines: stroke only
        assert bars == {c.lower() for c in expected_bars[key]}, key
    cells = [g for g in figures["figur_6_mal_per_fylke"].iter(f"{NS}g") if g.get("id", "").startswith("QuadMesh")]
    cell_fills = set().union(*(_colours(c, ["fill"]) for c in cells))
    assert len(cell_fills) >= 5 and cell_fills <= heat_steps


def test_figure_7_prints_both_years_values_from_the_mart(drawn):
    from friskliv_pipeline.report.figures import TREND_METRICS

    with drawn["engine"].connect() as conn:
        rows = conn.execute(sa.text("SELECT metric, previous_value, value FROM mart_trends WHERE grant_year = 2024 "
                                    "AND scope = 'national' AND criterion_no IS NULL")).all()
    values = {r.metric: r for r in rows if r.metric in TREND_METRICS}
    printed = [t for t in _texts(drawn["figures"][2024]["figur_7_endring"]) if re.fullmatch(r"\d+ %", t)]
    expected = [f"{int(getattr(values[m], c))} %" for c in ("previous_value", "value") for m in TREND_METRICS]
    assert printed == expected  # the previous year's bars, then this year's, top to bottom


def _text_width_pt(text: str) -> float:
    """The printed width of a tick label at FONT_PT in the figures' font (matplotlib's own text path)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    from friskliv_pipeline.report.figures import FONT_PT, RC_PARAMS

    return TextPath((0, 0), text, size=FONT_PT, prop=FontProperties(family=RC_PARAMS["font.family"])).get_extents().width


@pytest.mark.parametrize("year", YEARS)
def test_x_axis_tick_labels_keep_a_letter_or_more_apart(drawn, year):
    """Neighbouring tick labels of an x axis (figure 5's "200 000" and "400 000") are at least one
    FONT_PT apart on paper."""
    from friskliv_pipeline.report.figures import FONT_PT

    for key, svg in drawn["figures"][year].items():
        user_unit_pt = _points(svg.get("width")) / float(svg.get("viewBox").split()[2])
        for axes in (g for g in svg.iter(f"{NS}g") if g.get("id", "").startswith("axes_")):
            ticks = []
            for tick in (g for g in axes.iter(f"{NS}g") if g.get("id", "").startswith("xtick_")):
                for t in tick.iter(f"{NS}text"):
                    x = float(t.get("x") or re.search(r"translate\(\s*([-\d.]+)", t.get("transform", "")).group(1))
                    ticks.append((x * user_unit_pt, "".join(t.itertext())))
            ticks.sort()
            for (x1, a), (x2, b) in zip(ticks, ticks[1:]):
                gap = (x2 - x1) - (_text_width_pt(a) + _text_width_pt(b)) / 2
                assert gap >= FONT_PT, (key, a, b, round(gap, 1))


def test_a_chart_of_mostly_empty_rows_is_left_out(drawn, tmp_path):
    """Figure 3 is not drawn when more than half of its partners are at 0 % (the text carries the
    numbers), and a figure an earlier run drew does not linger; half or fewer at 0 and it is drawn."""
    import dataclasses

    from friskliv_pipeline.report.figures import figure_3

    data = load_report_data(drawn["engine"], 2024)
    partners = data.marts["mart_collaboration"].copy()
    real = partners["partner"] != "none"
    half = real.sum() // 2
    zero_most = partners.copy()
    zero_most.loc[zero_most[real].index[: half + 1], "pct_of_collaborative"] = 0
    zero_half = partners.copy()
    zero_half.loc[zero_half[real].index[:half], "pct_of_collaborative"] = 0
    assert figure_3(dataclasses.replace(data, marts={**data.marts, "mart_collaboration": zero_half}), tmp_path)
    assert figure_3(dataclasses.replace(data, marts={**data.marts, "mart_collaboration": zero_most}), tmp_path) is None
    (tmp_path / "figur_3_samarbeid.svg").write_text("<svg/>")  # as an earlier run left it
    drawn_now = draw_all(dataclasses.replace(data, marts={**data.marts, "mart_collaboration": zero_most}), tmp_path)
    assert "figur_3_samarbeid" not in {f.key for f in drawn_now}
    assert not (tmp_path / "figur_3_samarbeid.svg").exists()
