"""The analyst's commentary: per grant year, Markdown files in
``<reference_dir>/commentary/<year>/<slot>.md`` rendered in place in the public report.

What the form cannot say lives here: the "Kommentar" paragraphs, the conclusions, the background
of the scheme and figures from other sources (e.g. KOSTRA shares). A sentence that quotes the
year's data is a claim, and a claim is two claims: the number and the word around it ("få",
"de fleste", "i all hovedsak"). So a file states such a sentence only together with the
condition that makes its words true::

    {% claim mart_attainment.1.pct_with_goal < 30 %}
    Få prosjekter har hatt som mål å etablere en kommunal frisklivssentral
    ({{ mart_attainment.1.pct_with_goal }} %).
    {% endclaim %}

A claim whose condition does not hold stops the run before anything is published, naming the
file, the line, the condition and the values it saw; so last year's sentences can never be
published with this year's numbers. Where the year's data decide between two wordings,
``{% if <condition> %} … {% elif … %} … {% else %} … {% endif %}`` chooses one. A value may be
quoted (``{{ name }}``) only inside such a block; ``{{ year }}`` anywhere.

The names a file can quote or test (``values``): every metric of mart_national_summary
(``n_projects``), a mart row's value (``mart_attainment.1.pct_with_goal``), a free-text theme's
count (``theme.q36.omorganisering``; ``answers.q36`` is every answer to q36), and what the checks
found (``check.<rule>.evaluated`` is 1 or 0, ``check.<rule>.records`` the records it listed).
An unknown name, a malformed block, or a file whose name is not a slot of the report fails the
run the same way.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup, escape

from friskliv_pipeline.core.errors import FrisklivError
from friskliv_pipeline.report.conditions import ConditionError, evaluate, names_in
from friskliv_pipeline.report.data import ReportData
from friskliv_pipeline.report.language import number

# The places in the document that take commentary, in document order.
SLOTS = {
    "bakgrunn": "1 Bakgrunn: the scheme, its goals and the strategies it serves",
    "4.1": "after 4.1 Antall prosjekter",
    "4.2": "Kommentar to 4.2 Målgrupper",
    "4.3": "Kommentar to 4.3 Samarbeid",
    "4.4": "Kommentar to 4.4 Måloppnåelse (e.g. KOSTRA shares)",
    "4.4.1": "after the summary of the reasons for partial attainment",
    "4.5": "Kommentar to 4.5 Kompetansebygging",
    "oppsummering": "the conclusions at the end of Oppsummering",
}
PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
BLOCK = re.compile(r"^\s*\{%-?\s*(claim|if|elif|else|endclaim|endif)\b(.*?)-?%\}\s*$")
FREE_NAMES = ("year",)  # names a file may quote outside a claim: they state no finding
# mart → the column that names a row, for "mart.key.column" names
ROW_KEYS = {"mart_attainment": "criterion_no", "mart_county_summary": "county",
            "mart_competence_building": "category", "mart_collaboration": "partner",
            "mart_lead_service": "lead_service", "mart_target_groups": "target_group"}


class CommentaryError(FrisklivError):
    def __init__(self, file: Path, line: int | None, message: str, hint: str):
        self.file, self.line = file, line
        where = f"file {file}" + (f", line {line}" if line else "")
        super().__init__(f"{where}: {message}. What to do: {hint}")


@dataclass(frozen=True)
class Value:
    text: str
    source: str
    unit: str = ""  # "kr" after amounts in kroner, outside the traced number
    number: float | int | None = None  # what a condition compares


def _value(value, source: str, unit: str = "") -> Value:
    numeric = None if value is None or value != value else value  # NaN is missing
    return Value(number(value), source, unit, numeric)


def values(data: ReportData, summaries: dict | None = None) -> dict[str, Value]:
    """Every name a commentary file may quote or test, with its formatted value and its data-source."""
    out = {"year": Value(str(data.grant_year), "grant_year", number=data.grant_year)}
    for metric, value in data.metrics.items():
        out[metric] = _value(value, f"mart_national_summary:{metric}", "kr" if metric.endswith("_nok") else "")
    for mart, key in ROW_KEYS.items():
        frame = data.marts.get(mart)
        if frame is None or key not in frame:
            continue
        for row in frame.to_dict("records"):
            for column, value in row.items():
                if column in ("grant_year", key) or isinstance(value, str) or value is None:
                    continue
                out[f"{mart}.{row[key]}.{column}"] = _value(value, f"{mart}:{row[key]}:{column}",
                                                            "kr" if column.endswith("_nok") else "")
    for qid, summary in (summaries or {}).items():
        out[f"answers.{qid}"] = _value(summary.n_received, f"free_text:{qid}")
        for theme_id in summary.theme_ids:
            out[f"theme.{qid}.{theme_id}"] = _value(summary.count_of(theme_id), f"free_text:{qid}:{theme_id}")
    checks = data.check_results
    if checks is not None and len(checks):
        for rule, rows in checks.groupby("check_name"):
            evaluated = int((rows["status"] != "not_evaluated").all())
            out[f"check.{rule}.evaluated"] = Value(str(evaluated), f"audit_check_results:{rule}:evaluated",
                                                   number=evaluated)
            records = int(rows["n_records"].fillna(0).sum())
            out[f"check.{rule}.records"] = _value(records, f"audit_check_results:{rule}:n_records")
    return out


@dataclass(frozen=True)
class Commentary:
    slot: str
    file: Path
    html: Markup


def markdown_html(text: str) -> str:
    """Markdown as HTML; HTML inside the text is shown as text, never passed through. A range such
    as "(2024–2027)" is kept on one line (language.ranges_together)."""
    from markdown_it import MarkdownIt
    from markupsafe import Markup

    from friskliv_pipeline.report.language import ranges_together

    return str(ranges_together(Markup(MarkdownIt("commonmark", {"html": False, "typographer": False}).render(text))))


def _unknown(path: Path, line_no: int, name: str, known: dict) -> CommentaryError:
    close = difflib.get_close_matches(name, list(known), n=5, cutoff=0.6) or sorted(known)[:5]
    return CommentaryError(path, line_no, f"unknown name {{{{ {name} }}}}",
                           f"use a metric of mart_national_summary, mart.key.column, theme.<question>.<theme id> or "
                           f"check.<rule>.evaluated, e.g. {', '.join(close)}")


def _holds(path: Path, line_no: int, condition: str, known: dict[str, Value], year: int) -> bool:
    try:
        for name in names_in(condition):
            if name not in known:
                raise _unknown(path, line_no, name, known)
        return evaluate(condition, lambda n: known[n].number)
    except ConditionError as error:
        raise CommentaryError(path, line_no, f"the condition «{condition}» cannot be judged for {year}: {error}",
                              "write the condition with names and numbers, e.g. pct_collaborative >= 80") from None


def _seen(condition: str, known: dict[str, Value]) -> str:
    return ", ".join(f"{n} = {known[n].text}" for n in dict.fromkeys(names_in(condition)))


@dataclass(frozen=True)
class Line:
    """One line of a commentary file: text, or a block tag (``keyword`` and ``condition``)."""

    no: int
    text: str
    depth: int  # blocks open around it: 0 is a sentence bound to no condition
    keyword: str | None = None
    condition: str = ""


def lines(path: Path, text: str) -> Iterator[Line]:
    """The file's lines with the blocks around each, its structure checked (tags alone on their line,
    a condition where one is needed, every block closed by a tag of its kind). The one parser of
    the block syntax: ``select`` judges its conditions, and the test that every sentence stating a
    fact is bound reads ``depth``."""
    open_blocks: list[tuple[str, int]] = []  # (kind, line) of the blocks open
    for no, line in enumerate(text.splitlines(), start=1):
        tag = BLOCK.match(line)
        if tag is None:
            if "{%" in line:
                raise CommentaryError(path, no, "a block tag must stand alone on its line",
                                      "write {% claim <condition> %}, {% if … %}, {% elif … %}, {% else %}, "
                                      "{% endif %} and {% endclaim %} each on a line of its own")
            yield Line(no, line, len(open_blocks))
            continue
        keyword, condition = tag.group(1), tag.group(2).strip()
        if keyword in ("claim", "if", "elif") and not condition:
            raise CommentaryError(path, no, f"{{% {keyword} %}} without a condition",
                                  f"write {{% {keyword} <condition> %}}, e.g. pct_collaborative >= 80")
        if keyword in ("elif", "else") and (not open_blocks or open_blocks[-1][0] != "if"):
            raise CommentaryError(path, no, f"{{% {keyword} %}} outside an {{% if %}}",
                                  "open the block with {% if <condition> %}")
        if keyword in ("endclaim", "endif"):
            wanted = "claim" if keyword == "endclaim" else "if"
            if not open_blocks or open_blocks[-1][0] != wanted:
                raise CommentaryError(path, no, f"{{% {keyword} %}} closes no {{% {wanted} %}}",
                                      "close each block with the tag of its kind")
            open_blocks.pop()
        yield Line(no, line, len(open_blocks), keyword, condition)
        if keyword in ("claim", "if"):
            open_blocks.append((keyword, no))
    if open_blocks:
        kind, no = open_blocks[-1]
        raise CommentaryError(path, no, f"{{% {kind} %}} is never closed", f"add {{% end{kind} %}}")


@dataclass(frozen=True)
class FailedClaim:
    """A claim whose condition does not hold for the year: where it is, its condition, what it saw."""

    file: Path
    line: int
    condition: str
    seen: str

    def text(self) -> str:
        return f"{self.file}:{self.line}: «{self.condition}» ({self.seen})"


class ClaimsFailed(FrisklivError):
    """Every claim of the year's commentary that does not hold, in one message."""

    def __init__(self, year: int, claims: list[FailedClaim], draft: Path | None = None):
        self.year, self.claims, self.draft = year, claims, draft
        shown = f"; the draft with each of them marked in place: {draft}" if draft else ""
        super().__init__(
            f"{len(claims)} claim(s) of the commentary do not hold for {year}, so the final public edition was not "
            f"written{shown}: " + "; ".join(c.text() for c in claims) + ". What to do: rewrite each sentence and its "
            f"condition for this year's numbers, or remove it (`friskliv preview --year {year} --watch` shows the "
            "page as you write), then run the year again")


FAILED_OPEN, FAILED_CLOSE = "\u27e6claim-failed {index}\u27e7", "\u27e6/claim-failed\u27e7"  # ⟦…⟧ markers in the Markdown
FAILED_MARK = re.compile(r"<p>\u27e6claim-failed (\d+)\u27e7</p>|<p>\u27e6/claim-failed\u27e7</p>")


def select(path: Path, text: str, known: dict[str, Value], year: int,
           failed: list[FailedClaim] | None = None) -> str:
    """The file's Markdown with its blocks resolved: a claim's text kept (its condition must hold),
    an if's chosen branch kept. Every name is checked, in every branch. A claim that does not hold
    stops here, or (``failed`` given: the draft) is recorded there and kept between markers, so the
    draft shows it in place."""
    stack: list[dict] = []  # open blocks: kind, active, taken, failed
    kept: list[str] = []
    for line in lines(path, text):
        active = all(b["active"] for b in stack)
        if line.keyword is None:
            for name in PLACEHOLDER.findall(line.text):
                if name not in known:
                    raise _unknown(path, line.no, name, known)
                if name not in FREE_NAMES and not line.depth:
                    raise CommentaryError(path, line.no, f"{{{{ {name} }}}} is quoted outside a claim, so the "
                                          "words around it are not bound to the data",
                                          "put the sentence inside {% claim <condition that makes its words true> %} "
                                          "… {% endclaim %} (or {% if %} … {% else %} … {% endif %})")
            if active:
                kept.append(line.text)
        elif line.keyword in ("claim", "if"):
            holds = _holds(path, line.no, line.condition, known, year)
            failing = line.keyword == "claim" and active and not holds
            if failing and failed is None:
                raise CommentaryError(path, line.no,
                                      f"the claim's condition «{line.condition}» does not hold for {year} "
                                      f"({_seen(line.condition, known)})",
                                      "rewrite the sentence and its condition for this year's numbers, or remove it")
            if failing:
                failed.append(FailedClaim(path, line.no, line.condition, _seen(line.condition, known)))
                kept.extend(["", FAILED_OPEN.format(index=len(failed) - 1), ""])
            stack.append({"kind": line.keyword, "active": holds or failing, "taken": holds, "failed": failing})
        elif line.keyword in ("elif", "else"):
            block = stack[-1]
            holds = True if line.keyword == "else" else _holds(path, line.no, line.condition, known, year)
            block["active"] = not block["taken"] and holds
            block["taken"] = block["taken"] or block["active"]
        elif stack.pop().get("failed"):
            kept.extend(["", FAILED_CLOSE, ""])
    return "\n".join(kept)


def _mark_failed(html: str, failed: list[FailedClaim], year: int) -> str:
    """The draft's markers as a box around each failing claim, with its condition and the values seen."""
    def box(match: re.Match) -> str:
        if match.group(1) is None:
            return "</div>"
        claim = failed[int(match.group(1))]
        return (f'<div class="claim-failed" data-claim="{escape(claim.file.name)}:{claim.line}">'
                f'<p class="claim-condition">Påstanden holder ikke for {year} ({escape(claim.file.name)}, linje '
                f'{claim.line}): «{escape(claim.condition)}» – {escape(claim.seen)}</p>')

    return FAILED_MARK.sub(box, html)


def load(reference_dir: Path, data: ReportData, summaries: dict | None = None,
         failed: list[FailedClaim] | None = None) -> dict[str, Commentary]:
    """The grant year's commentary by slot, every claim judged and every placeholder filled. No folder:
    none. Claims that do not hold are all named in one ``ClaimsFailed``, or (``failed`` given: the
    analyst's draft) listed there and shown in place."""
    folder = Path(reference_dir) / "commentary" / str(data.grant_year)
    known = values(data, summaries)
    out: dict[str, Commentary] = {}
    failures: list[FailedClaim] = [] if failed is None else failed
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        slot = path.stem
        if slot not in SLOTS:
            raise CommentaryError(path, None, f"{path.name!r} is not a place in the report",
                                  f"rename it to one of {', '.join(s + '.md' for s in SLOTS)}")
        html = markdown_html(select(path, path.read_text(encoding="utf-8"), known, data.grant_year, failures))
        html = _mark_failed(html, failures, data.grant_year)

        def fill(match: re.Match) -> str:
            value = known[match.group(1)]
            unit = f"\u00a0{value.unit}" if value.unit else ""
            return f'<span class="n" data-source="{escape(value.source)}">{escape(value.text)}</span>{unit}'

        filled = PLACEHOLDER.sub(fill, html).replace("</span> %", "</span>\u00a0%")  # "22 %" never wraps
        if filled.strip():
            out[slot] = Commentary(slot, path, Markup(filled))
    if failures and failed is None:
        raise ClaimsFailed(data.grant_year, failures)
    return out
