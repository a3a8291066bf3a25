"""report.html: the report's sections 4–5 filled from the marts, self-contained (images and CSS
inline) so it can be e-mailed. Jinja2 autoescapes every value: free text from the export is
shown, never interpreted. Every number is wrapped in ``<span data-source="mart:key:column">``
so a test (and a curious auditor) can trace it to its table."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from friskliv_pipeline.report.data import ReportData
from friskliv_pipeline.report.figures import Figure

MAX_LISTED = 12
# Findings listed one by one in the report; the rest are counted per rule. All of them stay in
# audit_findings and tables.xlsx: a report that grows with the data would take WeasyPrint minutes
# to lay out and nobody reads page 400 of a findings table.
MAX_FINDINGS_LISTED = 100


def format_number(value) -> str:
    """Norwegian style: a space groups thousands ("874 037"); missing is a dash."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return "–"
    return f"{int(value):,}".replace(",", "\u00a0")


@dataclass
class Provenance:
    generated_at: str
    code_version: str
    run_id: str
    inputs: list[dict]


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("friskliv_pipeline.report", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["nok"] = format_number
    return env


def _distinct(series: pd.Series, limit: int = MAX_LISTED) -> list[str]:
    seen: list[str] = []
    for value in series.dropna():
        for part in str(value).split("; "):
            part = part.strip()
            if part and part not in seen:
                seen.append(part)
    return seen[:limit]


def _finding_rules(findings: pd.DataFrame) -> list[dict]:
    """Findings per rule, ERROR rules first, then the most frequent."""
    if findings.empty:
        return []
    counts = findings.groupby(["rule", "severity"]).size().reset_index(name="n")
    return counts.sort_values(["severity", "n", "rule"], ascending=[True, False, True]).to_dict("records")


def _figure_html(figures: dict[str, Figure], number: dict[str, int]):
    def figure(key: str) -> Markup:
        fig = figures.get(key)
        if fig is None:
            return Markup("")
        encoded = base64.b64encode(fig.png.read_bytes()).decode("ascii")
        return Markup('<figure><img alt="{t}" src="data:image/png;base64,{d}"><figcaption>{t}</figcaption></figure>'
                      ).format(t=fig.title, d=Markup(encoded))

    return figure


def render_html(data: ReportData, figures: list[Figure], provenance: Provenance) -> str:
    counties = data.marts["mart_county_summary"].dropna(subset=["county"])
    most = counties.loc[counties["n_projects"] == counties["n_projects"].max(), "county"].tolist()
    fewest = counties.loc[counties["n_projects"] == counties["n_projects"].min(), "county"].tolist()
    attainment = data.marts["mart_attainment"].sort_values("criterion_no")
    ranked = attainment.sort_values(["pct_with_goal", "criterion_no"], ascending=[False, True])
    trends = data.marts["mart_trends"]
    previous = trends["previous_grant_year"].dropna()
    context = {
        "year": data.grant_year,
        "metrics": data.metrics,
        "most": most, "fewest": fewest,
        "other_targets": _distinct(data.free_text["target_other_text"]),
        "other_leads": _distinct(data.free_text["lead_service_other_text"]),
        "comments": _distinct(data.free_text["attainment_comment"]),
        "attainment": attainment.to_dict("records"),
        "top_goals": ranked.head(3).to_dict("records"),
        "bottom_goals": ranked.tail(2).sort_values("pct_with_goal").to_dict("records"),
        "competence": data.marts["mart_competence_building"].to_dict("records"),
        "counties": counties.to_dict("records"),
        "n_findings": len(data.findings),
        "finding_rules": _finding_rules(data.findings),
        "findings_listed": data.findings.head(MAX_FINDINGS_LISTED).to_dict("records"),
        "has_trend": data.has_previous_year,
        "previous_year": int(previous.iloc[0]) if len(previous) else None,
        "provenance": provenance,
        "figure": _figure_html({f.key: f for f in figures}, {}),
    }
    return _environment().get_template("report.html.j2").render(**context)


def render_pdf(html: str, target: Path) -> Path:
    """The same HTML, printed by WeasyPrint (pure Python on Pango: æøå, tables and images)."""
    from weasyprint import HTML  # imported only when a PDF is written

    HTML(string=html).write_pdf(target)
    return target
