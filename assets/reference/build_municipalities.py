"""Build the county and municipality reference tables for grant years 2023 and 2024.

Writes two CSV files next to this script:

* counties.csv        grant_year,county_no,county,county_2023,county_official
* municipalities.csv  grant_year,municipality_no,municipality,county_no,county,
                      kind,parent_municipality_no

Source: Statistics Norway's (SSB) classifications, as copied into ``ssb/`` (see SOURCES.md):

* ``ssb/klass131_municipalities.csv``: KLASS 131 (municipalities) at 31 December of each
  grant year: numbers and official names. A municipality's county is the first two digits of
  its number. SSB's county qualifier ("Herøy (Nordland)") is left out of the register's name,
  which has its own county column; the name matcher accepts it.
* ``ssb/klass104_counties.csv``: KLASS 104 (counties), 2024. ``county`` is the short
  Norwegian name, the first part of SSB's official name ("Troms - Romsa - Tromssa" → "Troms"),
  ``county_official`` SSB's full name. The SSB copy has no 2023 county list: empty there.
* Oslo's 15 city districts (bydeler) are listed in OSLO_BYDELER and added to both years as
  kind "bydel" with parent municipality 0301.

Usage:

    python assets/reference/build_municipalities.py [--from-ssb 11CF_2023.yaml 11CF_2024.yaml 53F_2024.yaml]

With ``--from-ssb`` the two ``ssb/*.csv`` files are first written again from SSB's own file
descriptions (statisticsnorway/kostra-kontrollprogram; needs PyYAML). Without it the
committed ``ssb/*.csv`` are the input. The output is deterministic (sorted, LF line endings).
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent
SSB_DIR = OUT_DIR / "ssb"
SSB_MUNICIPALITIES = SSB_DIR / "klass131_municipalities.csv"
SSB_COUNTIES = SSB_DIR / "klass104_counties.csv"
SSB_HEADER = ["year", "code", "name"]
UNSPECIFIED_CODES = {"9999", "99"}  # SSB's "Uoppgitt", not a place

# The 11 counties of 2020-2023 (number -> name).
COUNTIES_2023 = {
    "03": "Oslo",
    "11": "Rogaland",
    "15": "Møre og Romsdal",
    "18": "Nordland",
    "30": "Viken",
    "34": "Innlandet",
    "38": "Vestfold og Telemark",
    "42": "Agder",
    "46": "Vestland",
    "50": "Trøndelag",
    "54": "Troms og Finnmark",
}

# The 15 counties of 2024: number -> number of the 2023 county it came from.
COUNTY_2023_OF_2024 = {
    "31": "30", "32": "30", "33": "30", "03": "03", "34": "34", "39": "38", "40": "38", "42": "42",
    "11": "11", "46": "46", "15": "15", "50": "50", "18": "18", "55": "54", "56": "54",
}

# Oslo's city districts (bydeler), the same in 2023 and 2024.
OSLO_BYDELER = [
    ("030101", "Gamle Oslo"),
    ("030102", "Grünerløkka"),
    ("030103", "Sagene"),
    ("030104", "St. Hanshaugen"),
    ("030105", "Frogner"),
    ("030106", "Ullern"),
    ("030107", "Vestre Aker"),
    ("030108", "Nordre Aker"),
    ("030109", "Bjerke"),
    ("030110", "Grorud"),
    ("030111", "Stovner"),
    ("030112", "Alna"),
    ("030113", "Østensjø"),
    ("030114", "Nordstrand"),
    ("030115", "Søndre Nordstrand"),
]

EXPECTED_KOMMUNER = {2023: 356, 2024: 357}

COUNTY_HEADER = ["grant_year", "county_no", "county", "county_2023", "county_official"]
MUNICIPALITY_HEADER = [
    "grant_year",
    "municipality_no",
    "municipality",
    "county_no",
    "county",
    "kind",
    "parent_municipality_no",
]
_QUALIFIER = re.compile(r"\s*\([^)]*\)\s*$")


def ssb_code_list(path: Path, field: str) -> dict[str, str]:
    """code -> official name of the KLASS code list of ``field`` in one of SSB's file descriptions."""
    import yaml

    description = yaml.safe_load(path.read_text(encoding="utf-8"))
    (spec,) = [f for f in description["fields"] if f["name"] == field]
    return {c["code"]: c["value"] for c in spec["codeList"] if c["code"] not in UNSPECIFIED_CODES}


def write_ssb_copies(kvp_2023: Path, kvp_2024: Path, famvern_2024: Path) -> None:
    rows = [[str(year), code, name] for year, path in ((2023, kvp_2023), (2024, kvp_2024))
            for code, name in sorted(ssb_code_list(path, "KOMMNR_KVP_KOMM").items())]
    write_csv(SSB_MUNICIPALITIES, SSB_HEADER, rows)
    rows = [["2024", code, name] for code, name in sorted(ssb_code_list(famvern_2024, "FYLKE_NR").items())]
    write_csv(SSB_COUNTIES, SSB_HEADER, rows)


def read_ssb(path: Path) -> dict[int, dict[str, str]]:
    """year -> code -> official name, from one of the committed ``ssb/*.csv`` copies."""
    result: dict[int, dict[str, str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            result.setdefault(int(row["year"]), {})[row["code"]] = row["name"]
    return result


def register_name(official: str) -> str:
    """SSB's name without its county qualifier: "Herøy (Nordland)" → "Herøy"."""
    return _QUALIFIER.sub("", official)


def county_names(ssb_counties: dict[int, dict[str, str]]) -> dict[int, dict[str, str]]:
    names_2024 = {no: official.split(" - ")[0] for no, official in ssb_counties[2024].items()}
    if set(names_2024) != set(COUNTY_2023_OF_2024):
        raise SystemExit(f"2024 counties differ from the reform table: {sorted(set(names_2024) ^ set(COUNTY_2023_OF_2024))}")
    return {2023: dict(COUNTIES_2023), 2024: names_2024}


def county_rows(names: dict[int, dict[str, str]], official: dict[str, str]) -> list[list[str]]:
    rows = [["2023", no, name, name, ""] for no, name in names[2023].items()]
    rows += [["2024", no, name, COUNTIES_2023[COUNTY_2023_OF_2024[no]], official[no]] for no, name in names[2024].items()]
    return sorted(rows, key=lambda r: (r[0], r[1]))


def municipality_rows(year: int, kommuner: dict[str, str], counties: dict[str, str]) -> list[list[str]]:
    rows = [
        [str(year), number, register_name(name), number[:2], counties[number[:2]], "kommune", ""]
        for number, name in kommuner.items()
    ]
    rows += [
        [str(year), number, name, "03", counties["03"], "bydel", "0301"]
        for number, name in OSLO_BYDELER
    ]
    return rows


def check(year: int, kommuner: dict[str, str], counties: dict[str, str]) -> None:
    """Fail loudly if the table does not match the expected structure."""
    if len(kommuner) != EXPECTED_KOMMUNER[year]:
        raise SystemExit(f"{year}: {len(kommuner)} municipalities, expected {EXPECTED_KOMMUNER[year]}")
    for number in kommuner:
        if len(number) != 4 or number[:2] not in counties:
            raise SystemExit(f"{year}: municipality {number} has no county of {year}")
    empty = set(counties) - {number[:2] for number in kommuner}
    if empty:
        raise SystemExit(f"{year}: counties without municipalities: {sorted(empty)}")


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main(argv: list[str]) -> int:
    if len(argv) == 5 and argv[1] == "--from-ssb":
        write_ssb_copies(*(Path(a) for a in argv[2:]))
    elif len(argv) != 1:
        print(__doc__.split("Usage:")[1].split("With")[0].strip(), file=sys.stderr)
        return 2
    kommuner = read_ssb(SSB_MUNICIPALITIES)
    ssb_counties = read_ssb(SSB_COUNTIES)
    counties = county_names(ssb_counties)
    rows = []
    for year in (2023, 2024):
        check(year, kommuner[year], counties[year])
        rows += municipality_rows(year, kommuner[year], counties[year])
    rows.sort(key=lambda r: (r[0], r[1]))
    write_csv(OUT_DIR / "counties.csv", COUNTY_HEADER, county_rows(counties, ssb_counties[2024]))
    write_csv(OUT_DIR / "municipalities.csv", MUNICIPALITY_HEADER, rows)
    print(f"wrote {OUT_DIR / 'counties.csv'} and {OUT_DIR / 'municipalities.csv'} ({len(rows)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
