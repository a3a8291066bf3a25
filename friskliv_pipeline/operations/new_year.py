"""``friskliv new-year YEAR``: prepare the reference files of a new grant year from the previous
year's, so a data engineer edits what really changed instead of copying files by hand.

It writes, under the reference folder:

- ``forms/form_<YEAR>.json``: the previous year's, the years moved on (the grant year, the dates
  the form was open, any year in a header the previous year changed); nothing else changed;
- the year's rows of ``counties.csv`` and ``municipalities.csv``: from SSB's lists in ``ssb/``
  when they hold the year, else the previous year's rows (with a warning: SSB's copy for the year
  should be added, see SOURCES.md);
- the year's rows of ``allocations.csv`` and ``grant_totals.csv``, copied from the previous year
  and marked ``illustrative: …``, so the allocation rules report *not evaluated* and nothing is
  published as official until the year's tilskuddsbrev is loaded;
- ``regelverk/<YEAR>.md``: a front matter that borrows the previous year's text (``text_of_year``),
  so the editions say whose regelverk they print until the year's own is put in;
- ``commentary/<YEAR>/``: a folder for the analyst's text (only ``publication.yml`` in it).

It never overwrites: a year that has a form or reference rows is refused (except the year's rows of
``counties.csv`` written by hand, which it keeps), and it writes nothing until every file is built. With ``--export FILE``
it also compares the year's export with the new form: the headers the form does not know and
the questions the export lacks.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from friskliv_pipeline.core.errors import FrisklivError
from friskliv_pipeline.core.reference import REFERENCE_FILES, register_name

COPIED = "illustrative: copied from {previous} by friskliv new-year; replace with the {year} tilskuddsbrev"


@dataclass
class NewYear:
    year: int
    previous: int
    written: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    export_lines: list[str] = field(default_factory=list)


def _rows(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _write_rows(path: Path, header: list[str], rows: list[dict], key) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(sorted(rows, key=key))


def _moved_on(text: str, previous: int) -> str:
    """A year of the previous form moved on by one: the grant year and the year after it."""
    return re.sub(r"\b(19|20)\d{2}\b", lambda m: str(int(m.group(0)) + 1)
                  if int(m.group(0)) in (previous, previous + 1) else m.group(0), text)


def _form(reference_dir: Path, year: int, previous: int) -> dict:
    data = json.loads((reference_dir / "forms" / f"form_{previous}.json").read_text(encoding="utf-8"))
    data["grant_year"] = year
    collection = data.get("collection") or {}
    for key in ("opened", "closed"):
        if key in collection:
            day = dt.date.fromisoformat(collection[key])
            collection[key] = day.replace(year=day.year + 1).isoformat()
    data["questions"] = json.loads(_moved_on(json.dumps(data.get("questions") or {}, ensure_ascii=False), previous))
    if "title" in data:
        data["title"] = _moved_on(data["title"], previous)
    return data


def _ssb_year(reference_dir: Path, name: str, year: int) -> dict[str, str]:
    path = reference_dir / "ssb" / name
    if not path.exists():
        return {}
    _, rows = _rows(path)
    return {r["code"]: r["name"] for r in rows if int(r["year"]) == year}


def _register(reference_dir: Path, table: str, ssb_file: str, label: str, year: int, previous: int,
              result: NewYear) -> tuple[list[dict], dict[str, str]]:
    """The previous year's rows of ``table`` and SSB's list for ``year`` (empty, with a warning, when
    SSB's file has no such year: the caller then copies the previous year's rows)."""
    _, rows = _rows(reference_dir / REFERENCE_FILES[table])
    before = [r for r in rows if int(r["grant_year"]) == previous]
    ssb = _ssb_year(reference_dir, ssb_file, year)
    if not ssb:
        result.warnings.append(f"SSB's {label} list (ssb/{ssb_file}) has no {year}: the {previous} {table} are "
                               f"copied; add SSB's {year} list (see SOURCES.md)")
    return before, ssb


def _counties(reference_dir: Path, year: int, previous: int, result: NewYear) -> list[dict]:
    _, rows = _rows(reference_dir / REFERENCE_FILES["counties"])
    given = [r for r in rows if int(r["grant_year"]) == year]
    if given:  # written by hand, as the error below asks when SSB's list has new county numbers
        return given
    before, ssb = _register(reference_dir, "counties", "klass104_counties.csv", "county", year, previous, result)
    if not ssb:
        return [{**r, "grant_year": str(year)} for r in before]
    basis = {r["county_no"]: r["county_2023"] for r in before}
    missing = sorted(set(ssb) - set(basis))
    if missing:
        raise FrisklivError(f"SSB's {year} county list has county numbers {missing} that {previous} did not have. "
                            f"What to do: write the {year} rows of counties.csv by hand (county_2023 says which "
                            "2023 county each belongs to), then run friskliv new-year again: it keeps them and "
                            "writes the other files")
    return [{"grant_year": str(year), "county_no": no, "county": official.split(" - ")[0],
             "county_2023": basis[no], "county_official": official} for no, official in ssb.items()]


def _municipalities(reference_dir: Path, year: int, previous: int, counties: list[dict], result: NewYear) -> list[dict]:
    before, ssb = _register(reference_dir, "municipalities", "klass131_municipalities.csv", "municipality", year,
                            previous, result)
    if not ssb:
        return [{**r, "grant_year": str(year)} for r in before]
    county_of = {c["county_no"]: c["county"] for c in counties}
    kept = [{**r, "grant_year": str(year)} for r in before if r["kind"] == "bydel"]  # Oslo's bydeler: not in KLASS 131
    return kept + [{"grant_year": str(year), "municipality_no": no, "municipality": register_name(name),
                    "county_no": no[:2], "county": county_of.get(no[:2], ""), "kind": "kommune",
                    "parent_municipality_no": ""} for no, name in ssb.items()]


def _copied(reference_dir: Path, table: str, year: int, previous: int, counties: list[dict]) -> list[dict]:
    _, rows = _rows(reference_dir / REFERENCE_FILES[table])
    before = [r for r in rows if int(r["grant_year"]) == previous]
    source = COPIED.format(previous=previous, year=year)
    if table == "allocations":  # one row per county of the new year: the previous amount where the county was there
        amounts = {r["county"]: r["allocation_nok"] for r in before}
        return [{"grant_year": str(year), "county": c["county"], "allocation_nok": amounts.get(c["county"], "0"),
                 "source": source} for c in counties]
    return [{**r, "grant_year": str(year), "source": source} for r in before]


def _regelverk(reference_dir: Path, year: int, previous: int) -> str:
    """A file that borrows the previous year's text and says so (``text_of_year``): until the
    analyst puts the year's own regelverk in, the editions print whose text it is."""
    from friskliv_pipeline.report import regelverk

    text_year = regelverk.load(reference_dir, previous).text_year
    return (f"---\ngrant_year: {year}\ntext_of_year: {text_year}\n"
            f"edition: Regelverket for {text_year}; regelverket for {year} er ikke lagt inn (friskliv new-year)\n"
            f"source: >-\n  Regelverket for tilskuddsåret {year} er ikke lagt inn; rapporten gjengir regelverket for "
            f"{text_year}\n  og sier det. Legg inn Helsedirektoratets regelverk for {year} i denne filen (front matter "
            f"med\n  title, grant_year, edition og source, uten text_of_year; se docs/analysts.md).\n---\n")


def _refuse_existing(reference_dir: Path, year: int) -> None:
    if (reference_dir / "forms" / f"form_{year}.json").exists():
        raise FrisklivError(f"file {reference_dir / 'forms' / f'form_{year}.json'}: grant year {year} has a form "
                            "already. What to do: edit that year's files; new-year never overwrites a year")
    for table, name in REFERENCE_FILES.items():
        if table == "counties":  # may have been written by hand for the year: _counties keeps them
            continue
        _, rows = _rows(reference_dir / name)
        if any(int(r["grant_year"]) == year for r in rows):
            raise FrisklivError(f"file {reference_dir / name}: grant year {year} has rows already. What to do: edit "
                                "them there; new-year never overwrites a year")


def compare_export(reference_dir: Path, year: int, export: Path) -> list[str]:
    """The export's headers the year's form does not know, and the questions the export lacks."""
    from friskliv_pipeline.core.errors import ExportError
    from friskliv_pipeline.forms.export_reader import read_export
    from friskliv_pipeline.forms.schema import load_form_schema, match_headers

    form = load_form_schema(reference_dir, year)
    headers = read_export(Path(export)).headers
    try:
        match = match_headers(headers, form, Path(export).name)
    except ExportError as error:
        return [f"  the export cannot be read as the {year} form: {error}"]
    lines = [f"  header the form does not know: {h!r}" for h in match.extra]
    lines += [f"  question the export lacks: {q} {form.question(q).header!r}" for q in match.missing_optional]
    lines += [f"  matched by similarity, check the wording: {q} {form.question(q).header!r} ← {h!r}"
              for q, h in match.fuzzy.items()]
    return lines or ["  every question has its column and every column its question"]


def new_year(reference_dir: Path, year: int, export: Path | None = None) -> NewYear:
    reference_dir = Path(reference_dir)
    forms = sorted(int(p.stem.removeprefix("form_")) for p in (reference_dir / "forms").glob("form_[0-9]*.json"))
    earlier = [y for y in forms if y < year]
    if not earlier:
        raise FrisklivError(f"no form of a year before {year} under {reference_dir / 'forms'}. What to do: new-year "
                            "starts from the previous year's files; write the first year's by hand")
    previous = earlier[-1]
    _refuse_existing(reference_dir, year)
    result = NewYear(year, previous)
    # everything is built before anything is written: a refusal leaves the reference folder as it was
    form = _form(reference_dir, year, previous)
    regelverk = reference_dir / "regelverk" / f"{year}.md"
    regelverk_text = None if regelverk.exists() else _regelverk(reference_dir, year, previous)
    counties = _counties(reference_dir, year, previous, result)
    _, county_rows = _rows(reference_dir / REFERENCE_FILES["counties"])
    by_hand = any(int(r["grant_year"]) == year for r in county_rows)
    tables = {"counties": [] if by_hand else counties,
              "municipalities": _municipalities(reference_dir, year, previous, counties, result),
              "allocations": _copied(reference_dir, "allocations", year, previous, counties),
              "grant_totals": _copied(reference_dir, "grant_totals", year, previous, counties)}
    form_path = reference_dir / "forms" / f"form_{year}.json"
    form_path.write_text(json.dumps(form, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    result.written.append(str(form_path))
    order = {"counties": ("grant_year", "county_no"), "municipalities": ("grant_year", "municipality_no"),
             "allocations": ("grant_year",), "grant_totals": ("grant_year",)}
    for table, new_rows in tables.items():
        if not new_rows and table == "counties":
            result.written.append(f"{reference_dir / REFERENCE_FILES[table]} (its {year} rows kept as written)")
            continue
        path = reference_dir / REFERENCE_FILES[table]
        header, rows = _rows(path)
        _write_rows(path, header, rows + new_rows,
                    key=lambda r, keys=order[table]: tuple(int(r[k]) if k == "grant_year" else r[k] for k in keys))
        result.written.append(f"{path} (+{len(new_rows)} rows for {year})")
    if regelverk_text is not None:
        regelverk.write_text(regelverk_text, encoding="utf-8")
        result.written.append(f"{regelverk} (borrows the previous year's regelverk text and says so: put the {year} regelverk in)")
    commentary = reference_dir / "commentary" / str(year)
    commentary.mkdir(parents=True, exist_ok=True)
    publication = commentary / "publication.yml"
    if not publication.exists():
        publication.write_text("# The date on the report's front page (without it: the day of the run), e.g.\n"
                               "# date: 2026-09-01\n", encoding="utf-8")
    result.written.append(f"{commentary}/ (write the analyst's commentary here; see docs/analysts.md)")
    if export is not None:
        result.export_lines = compare_export(reference_dir, year, export)
    return result
