"""An independent reference for the benchmark: the 2024 numbers as an analyst would compute them in pandas.

One script, written from the form (assets/reference/forms/questions.json and form_<year>.json), SSB's registers in
assets/reference/*.csv and the rules the pipeline documents (money in any Norwegian notation,
labels in any case, "Begge disse gruppene" = both groups, resubmissions: same county +
municipality + normalised title, the latest completion time wins, ties to the later sheet row;
responses without a project section (q13–q35) set aside; one competence-building report per
county, the latest). It imports nothing from ``friskliv_pipeline`` and runs none of its SQL, so a
test comparing its numbers with the pipeline's marts compares two implementations, and the
benchmark times the pipeline against work an analyst would really do.

It computes the 2024 rows of mart_national_summary, mart_attainment, mart_attainment_by_county,
mart_target_groups, mart_collaboration, mart_lead_service, mart_competence_building and
mart_county_summary (CSV files in OUT/marts/) and draws figures 1–5 of the report (OUT/figures/*.png).

Left out on purpose (the work the pipeline adds): no data-quality checks or findings, no
cleaning_issues log, no warehouse or run history, no report, no mart_trends (it needs several
years). Simplified: a cell holding a JSON list (Power Automate), a multi-part lead-service answer,
a county written only by one part of SSB's multi-language name in an unusual order, or a q14
naming several municipalities ("Voss herad og Vaksdal kommune": no number here; the pipeline
takes the first) is read less carefully than the pipeline does. Only the last occurs in the
benchmark's exports, and no mart uses the municipality number. The workbook is read with
calamine (pandas 4's default engine, the pipeline's reader too); openpyxl gives the same frame.

    python benchmarks/reference_pandas.py --export X.xlsx --out-dir DIR [--year 2024]
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path

import pandas as pd

REFERENCE = Path(__file__).resolve().parent.parent / "assets" / "reference"
META = {"response_id": ("ID",), "completion_time": ("Completion time", "Fullføringstidspunkt")}
ENGINE = "calamine"  # pandas 4's default reader; engine="openpyxl" reads the same cells, ~5× slower
NOTHING = {"-", "–", "—", "0", "ingen", "nei"}
YES_NO = {"ja": True, "yes": True, "j": True, "y": True, "true": True, "1": True,
          "nei": False, "no": False, "n": False, "false": False, "0": False}
ANSWERS = {"ja": "Ja", "delvis": "Delvis", "nei": "Nei", "ikke aktuelt": "Ikke aktuelt", "ikkeaktuelt": "Ikke aktuelt",
           "ikke relevant": "Ikke aktuelt"}
COLLAB_PARTNERS = ["frisklivssentral", "health_station", "other_municipal", "user_org", "volunteer_org", "private",
                   "specialist"]
CATEGORY_LABELS = {  # figure 5's short labels, as the mart names the categories
    "course_leader_hdir": "Helsedirektoratets kurslederkurs regionalt",
    "course_leader_other": "Andre anbefalte kurslederkurs",
    "method_courses": "Kurs i kunnskapsbasert metodikk for endring og mestring",
    "health_communication": "Kurs i helsekommunikasjon og helsepedagogikk",
    "user_involvement": "Kurs/fagdager i brukermedvirkning",
    "external_courses": "Deltakelse på kurs/fagdager i regi av andre aktører",
    "other_measures": "Andre kompetansebyggende tiltak"}


# --- text keys -------------------------------------------------------------------------------------

def header_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    return " ".join(text.split()).rstrip(" .:?")


def clean(s: pd.Series) -> pd.Series:
    """Cells as trimmed text, whitespace runs folded, empty → NA (whole-number floats without '.0')."""
    s = s.astype("string").str.replace(r"^(\d+)\.0$", r"\1", regex=True).str.normalize("NFC")
    s = s.str.replace(r"[\s\u00a0\u2009\u202f]+", " ", regex=True).str.strip()
    return s.mask(s == "")


def key(s: pd.Series) -> pd.Series:
    """Comparable names: casefolded, punctuation to single spaces."""
    s = s.astype("string").fillna("").str.normalize("NFKC").str.casefold()
    return s.str.replace(r"[^\w]+", " ", regex=True).str.strip()


def compact(s: pd.Series) -> pd.Series:
    return key(s).str.replace(" ", "", regex=False)


def place(s: pd.Series) -> pd.Series:
    return key(s).str.translate(str.maketrans("áčđŋšŧž", "acdnstz"))


# --- money -----------------------------------------------------------------------------------------

def parse_nok(s: pd.Series) -> pd.Series:
    """'150 000', 'kr 38.000,-', '41 000 kr', 'NOK 1,250,000', '1 250 000,50' → whole kroner (half up)."""
    t = s.astype("string").str.strip()
    negative = t.str.match(r"^[-−]").fillna(False)
    t = t.str.replace(r"^[-−]\s*", "", regex=True)
    for _ in range(2):
        t = t.str.replace(r"[,.]\s*[-–]+$", "", regex=True).str.strip()
        t = t.str.replace(r"^(?:kr\.?|nok)\s*|\s*(?:kr\.?|nok|kroner)$", "", regex=True, case=False).str.strip()
    t = t.str.replace(r"[\s\u00a0\u202f\u2009']+", " ", regex=True).str.strip()
    bad_spaces = t.str.contains(" ", regex=False) & ~t.str.fullmatch(r"\d{1,3}(?: \d{3})+(?:[,.]\d{1,2})?")
    t = t.mask(bad_spaces.fillna(False)).str.replace(" ", "", regex=False)
    t = t.mask(t.str.len() > 15)
    number = pd.Series(pd.NA, index=s.index, dtype="string")
    for pattern, normal in ((r"\d+", t), (r"\d+\.\d{1,2}", t),
                            (r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", t.str.replace(".", "").str.replace(",", ".")),
                            (r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?", t.str.replace(",", "")),
                            (r"\d+,\d{1,2}", t.str.replace(",", "."))):
        number = number.fillna(normal.where(t.str.fullmatch(pattern).fillna(False)))
    value = (pd.to_numeric(number) + 0.5) // 1  # øre rounded half up
    return value.where(~negative, -value).astype("Int64")


MONEY_IN_TEXT = (r"(?:kr\.?|nok)\s*\d[\d \u00a0.]*(?:,\d{1,2})?(?:,-)?"
                 r"|\d[\d \u00a0.]*?(?:,\d{1,2})?(?:,-)?\s*(?:kr\.?|nok|kroner)\b"
                 r"|(?<![\w.,])\d{1,3}(?:[ \u00a0.]\d{3})+(?:,\d{1,2})?(?:,-)?(?![\w.,]\d)"
                 r"|(?<![\w.,])\d{5,}(?:,\d{1,2})?(?:,-)?(?![\w.,]?\d)")


def amount_in_text(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """q11 'what and amount': (description, amount) — the amount when the text holds exactly one."""
    whole = parse_nok(s)
    nothing = s.str.casefold().isin(NOTHING).fillna(False)
    found = s.str.findall(MONEY_IN_TEXT, flags=2).explode().dropna()  # flags=2: re.IGNORECASE
    amounts = parse_nok(found.astype("string")).dropna()
    one = amounts.groupby(level=0).agg(["count", "first"])
    from_text = one.loc[one["count"] == 1, "first"].reindex(s.index).astype("Int64")
    amount = whole.fillna(from_text).mask(nothing, pd.NA)
    amount = amount.mask(nothing & (s == "0"), 0).astype("Int64")
    description = s.mask(whole.notna() | nothing)
    return description, amount


# --- reading and cleaning --------------------------------------------------------------------------

def read_export(path: Path, form: dict) -> pd.DataFrame:
    """The sheet with question ids as columns (headers matched on normalised text), cells as clean text."""
    sheet = pd.read_excel(path, dtype=object, engine=ENGINE).dropna(how="all")
    by_key = {header_key(c): c for c in sheet.columns}
    out = pd.DataFrame(index=sheet.index)
    out["source_row"] = sheet.index + 2
    for name, headers in META.items():
        column = next(by_key[header_key(h)] for h in headers if header_key(h) in by_key)
        out[name] = sheet[column]
    out["response_id"] = clean(out["response_id"])
    out["completion_time"] = pd.to_datetime(out["completion_time"]).dt.floor("s")
    for q in form["questions"]:
        column = by_key.get(header_key(q["header"]))
        out[q["id"]] = clean(sheet[column]) if column is not None else pd.Series(pd.NA, index=sheet.index,
                                                                                 dtype="string")
    return out.reset_index(drop=True)


def county_index(counties: pd.DataFrame) -> dict[str, str]:
    """Key → county: the short name and each unambiguous part of SSB's official name ("Romsa" → Troms)."""
    parts = counties.assign(part=counties["county_official"].fillna("").str.split(r"\s*[-–—]\s*")).explode("part")
    parts = parts.assign(k=place(parts["part"]))
    parts = parts[(parts["k"] != "")].drop_duplicates(["k", "county"])
    parts = parts[~parts["k"].duplicated(keep=False)]
    return dict(zip(parts["k"], parts["county"])) | dict(zip(place(counties["county"]), counties["county"]))


def multi_flags(s: pd.Series, question: dict, prefix: str) -> pd.DataFrame:
    """A multi-choice answer → one boolean column per option; unknown text ticks 'Annet'."""
    labels = {}
    for option in question["options"]:
        labels[option["label"]] = option["key"]
        if option.get("other"):
            labels[option["label"].split(",")[0]] = option["key"]
    index = dict(zip(key(pd.Series(list(labels))), labels.values()))
    other = next((o["key"] for o in question["options"] if o.get("other")), None)
    dummies = s.fillna("").str.get_dummies(sep=";").astype(bool)
    column_keys = key(pd.Series(dummies.columns, dtype="string"))
    flags = pd.DataFrame(False, index=s.index, columns=[o["key"] for o in question["options"]])
    for column, k in zip(dummies.columns, column_keys):
        target = index.get(k, other if k else None)
        if target is not None:
            flags[target] |= dummies[column]
    for option in question["options"]:
        for implied in option.get("implies", ()):
            flags[implied] |= flags[option["key"]]
    return flags.add_prefix(prefix + "_")


def clean_responses(raw: pd.DataFrame, form: dict, counties: pd.DataFrame) -> pd.DataFrame:
    q = {x["id"]: x for x in form["questions"]}
    df = raw[["source_row", "response_id", "completion_time"]].copy()
    df["county_reported"] = raw["q01"]
    k = place(raw["q01"]).str.replace(r"^(?:fylkeskommune|fylke) | (?:fylkeskommune|fylke)$", "", regex=True)
    df["county"] = k.map(county_index(counties)).astype("string")
    for qid, column in {"q02": "competence_already_reported", "q03": "competence_used",
                        "q17": "diagnosis_independent", "q18": "diagnosis_specific", "q20": "intercommunal",
                        "q37": "project_report_delivered"}.items():
        df[column] = raw[qid].str.casefold().str.rstrip(".!").map(YES_NO).astype("boolean")
    df["competence_not_used_reason"] = raw["q04"]
    df["project_title"], df["municipality_reported"] = raw["q13"], raw["q14"]
    for x in form["questions"]:
        if x["kind"] == "money" and x.get("category"):
            df[x["category"] + "_nok"] = parse_nok(raw[x["id"]])
    df["other_measures_text"], df["other_measures_nok"] = amount_in_text(raw["q11"])
    df["competence_total_nok"] = parse_nok(raw["q12"])
    df["grant_amount_nok"] = parse_nok(raw["q23"])
    df = df.join(multi_flags(raw["q15"], q["q15"], "target")).join(multi_flags(raw["q16"], q["q16"], "user"))
    df = df.join(multi_flags(raw["q21"], q["q21"], "collab"))
    df["target_both"] = df["target_risk"] & df["target_chronic"]
    df["is_collaborative"] = df[[f"collab_{p}" for p in COLLAB_PARTNERS]].any(axis=1)
    lead_keys = dict(zip(key(pd.Series([o["label"] for o in q["q22"]["options"]])), q["q22"]["options"]))
    lead_keys |= {key(pd.Series([o["label"].split(",")[0]]))[0]: o for o in q["q22"]["options"] if o.get("other")}
    lead = key(raw["q22"].str.rstrip(";"))
    led = lead.map({k: o["key"] for k, o in lead_keys.items()})
    df["lead_service"] = led.where(led.notna() | (lead == ""), "other")  # unknown text is 'Annet'
    for x in form["questions"]:
        if x["kind"] == "attainment":
            answer = raw[x["id"]].str.casefold().str.rstrip(".!;").str.replace(r"\s+", " ", regex=True)
            df[f"attainment_{x['criterion_no']:02d}"] = answer.map(ANSWERS)
    df["has_project"] = raw[[f"q{i:02d}" for i in range(13, 36)]].notna().any(axis=1)
    return df


def split_projects(responses: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    """(projects, n superseded, n set aside): resubmissions collapse to the latest completion time."""
    candidates = responses[responses["has_project"]].assign(
        _title=lambda d: compact(d["project_title"]), _muni=lambda d: compact(d["municipality_reported"]),
        _county=lambda d: compact(d["county"].fillna(d["county_reported"])))
    ordered = candidates.sort_values(["completion_time", "source_row"], na_position="first", kind="stable")
    keyed = ordered[ordered["_title"] != ""]
    latest = keyed.groupby(["_county", "_muni", "_title"], sort=False).tail(1).index
    keep = (candidates["_title"] == "") | candidates.index.isin(latest)
    projects = candidates[keep].drop(columns=["_title", "_muni", "_county"]).sort_values("source_row")
    return projects, int((~keep).sum()), int((~responses["has_project"]).sum())


def competence(responses: pd.DataFrame) -> pd.DataFrame:
    """One competence-building report per county: the latest of the responses that answered the section."""
    values = ["competence_used", "competence_not_used_reason"] + [c for c in responses if c.endswith("_nok")
                                                                   and c != "grant_amount_nok"] + ["other_measures_text"]
    reports = responses[(responses["competence_already_reported"] == False)  # noqa: E712
                        | responses[values].notna().any(axis=1)]
    reports = reports.sort_values(["completion_time", "source_row"], na_position="first", kind="stable")
    group = reports["county"].fillna(reports["county_reported"]).fillna("")
    return reports.groupby(group, sort=True).tail(1)


def match_municipalities(projects: pd.DataFrame, register: pd.DataFrame) -> pd.Series:
    """Municipality number of q14 within the project's county ('Bærum kommune.', ' røros - rosse ')."""
    names = register.assign(part=register["municipality"].str.split(r"\s+-\s+")).explode("part")
    keys = pd.concat([names.assign(k=place(names["municipality"])), names.assign(k=place(names["part"]))])
    keys = keys.drop_duplicates(["county", "k", "municipality_no"])
    keys = keys[~keys.duplicated(["county", "k"], keep=False)][["county", "k", "municipality_no"]]
    reported = place(projects["municipality_reported"]).str.replace(r" (?:kommune|bydel)$", "", regex=True)
    found = pd.DataFrame({"county": projects["county"].astype(object), "k": reported.astype(object)})
    return found.merge(keys, on=["county", "k"], how="left")["municipality_no"].set_axis(projects.index)


# --- marts -----------------------------------------------------------------------------------------

def pct(n, d):
    """round_half_up(100 n / d) on counts; NA when d is 0."""
    n = pd.Series(n, dtype="Int64")
    d = pd.Series(d, index=n.index, dtype="Int64") if isinstance(d, int) else pd.Series(d, dtype="Int64")
    return ((200 * n + d) // (2 * d)).mask(d == 0).astype("Int64")


def pct1(n: int, d: int):
    return (200 * n + d) // (2 * d) if d else None


def option_counts(projects: pd.DataFrame, question: dict, prefix: str, skip=()) -> pd.DataFrame:
    options = [o for o in question["options"] if o["key"] not in skip]
    return pd.DataFrame({"question_id": question["id"], "key": [o["key"] for o in options],
                         "label": [o["label"] for o in options],
                         "n_projects": [int(projects[f"{prefix}_{o['key']}"].sum()) for o in options]})


def marts(projects: pd.DataFrame, comp: pd.DataFrame, form: dict, counties: pd.DataFrame,
          allocations: pd.DataFrame, year: int) -> dict[str, pd.DataFrame]:
    q = {x["id"]: x for x in form["questions"]}
    n = len(projects)
    groups = pd.concat([option_counts(projects, q["q15"], "target"), option_counts(projects, q["q16"], "user"),
                        pd.DataFrame({"question_id": ["q17", "q18"], "key": ["diagnosis_independent", "diagnosis_specific"],
                                      "label": [q[i].get("label") or q[i]["header"] for i in ("q17", "q18")],
                                      "n_projects": [int(projects["diagnosis_independent"].eq(True).sum()),
                                                     int(projects["diagnosis_specific"].eq(True).sum())]})],
                       ignore_index=True).rename(columns={"key": "target_group"})
    groups = groups.assign(sort_order=range(1, len(groups) + 1), n_total_projects=n,
                           pct_of_projects=pct(groups["n_projects"], n))
    collaborative = projects[projects["is_collaborative"]]
    collab = option_counts(collaborative, q["q21"], "collab", skip={"none"}).drop(columns="question_id")
    collab = collab.rename(columns={"key": "partner"}).assign(sort_order=lambda d: range(1, len(d) + 1),
                                                              n_collaborative=len(collaborative), n_all_projects=n)
    collab["pct_of_collaborative"] = pct(collab["n_projects"], len(collaborative))
    collab["pct_of_all_projects"] = pct(collab["n_projects"], n)
    led = projects["lead_service"].value_counts()
    lead = pd.DataFrame({"lead_service": [o["key"] for o in q["q22"]["options"]],
                         "label": [o["label"] for o in q["q22"]["options"]]})
    lead = lead.assign(sort_order=range(1, len(lead) + 1), n_total_projects=n,
                       n_projects=lead["lead_service"].map(led).fillna(0).astype(int))
    lead["pct_of_projects"] = pct(lead["n_projects"], n)

    categories = [(x["category"], x["id"]) for x in form["questions"] if x.get("category")]
    spent = pd.DataFrame({"category": [c for c, _ in categories], "question_id": [i for _, i in categories],
                          "label": [CATEGORY_LABELS[c] for c, _ in categories]})
    spent["sort_order"] = range(1, len(spent) + 1)
    spent["n_counties"] = [int((comp[f"{c}_nok"] > 0).sum()) for c in spent["category"]]
    spent["amount_nok"] = [int(comp[f"{c}_nok"].sum()) for c in spent["category"]]

    criteria = [x for x in form["questions"] if x["kind"] == "attainment"]
    long = projects.melt(id_vars=["county"], value_vars=[f"attainment_{x['criterion_no']:02d}" for x in criteria],
                         var_name="column", value_name="answer")
    long["criterion_no"] = long["column"].str[-2:].astype(int)
    answers = projects[[f"attainment_{x['criterion_no']:02d}" for x in criteria]]
    goals_per_project = answers.isin(["Ja", "Delvis", "Nei"]).sum(axis=1)  # a goal: answered Ja, Delvis or Nei
    counts = pd.crosstab([long["county"].fillna("\0"), long["criterion_no"]], long["answer"].fillna("unanswered"))
    counts = counts.reindex(columns=["Ja", "Delvis", "Nei", "Ikke aktuelt", "unanswered"], fill_value=0)
    counts.columns = ["n_ja", "n_delvis", "n_nei", "n_ikke_aktuelt", "n_unanswered"]
    by_county = counts.reset_index().rename(columns={"row_0": "county"})
    by_county["county"] = by_county["county"].replace("\0", None)

    def attainment_shares(frame):
        frame["criterion"] = frame["criterion_no"].map({x["criterion_no"]: x.get("label") or x["header"] for x in criteria})
        frame["n_projects"] = frame[["n_ja", "n_delvis", "n_nei", "n_ikke_aktuelt", "n_unanswered"]].sum(axis=1)
        frame["n_with_goal"] = frame["n_ja"] + frame["n_delvis"] + frame["n_nei"]
        frame["pct_with_goal"] = pct(frame["n_with_goal"], frame["n_projects"])
        frame["pct_ja_of_goal"] = pct(frame["n_ja"], frame["n_with_goal"])
        return frame

    by_county = attainment_shares(by_county)
    national = attainment_shares(by_county.groupby("criterion_no", as_index=False)[
        ["n_ja", "n_delvis", "n_nei", "n_ikke_aktuelt", "n_unanswered"]].sum())

    per_county = projects.groupby("county").agg(
        n_projects=("response_id", "size"), n_intercommunal=("intercommunal", lambda s: int(s.eq(True).sum())),
        granted_nok=("grant_amount_nok", "sum"), n_grant_amount_missing=("grant_amount_nok", lambda s: int(s.isna().sum())))
    summary = counties[["county_no", "county"]].merge(per_county, on="county", how="left")
    summary = summary.merge(comp[["county", "competence_total_nok"]].rename(columns={"competence_total_nok": "competence_nok"}),
                            on="county", how="left").merge(allocations[["county", "allocation_nok", "source"]], on="county",
                                                           how="left").rename(columns={"source": "allocation_source"})
    for column in ("n_projects", "n_intercommunal", "granted_nok", "n_grant_amount_missing", "competence_nok"):
        summary[column] = summary[column].fillna(0).astype("int64")
    summary["unspent_nok"] = summary["allocation_nok"] - summary["granted_nok"] - summary["competence_nok"]

    counted = summary.loc[summary["n_projects"] > 0, "n_projects"]
    n_counties = int(projects["county"].nunique())
    ncollab = len(collaborative)
    tg = groups.set_index(["question_id", "target_group"])["pct_of_projects"]
    co = collab.set_index("partner")
    le = lead.set_index("lead_service")["pct_of_projects"]
    n_user_or_volunteer = int((collaborative["collab_user_org"] | collaborative["collab_volunteer_org"]).sum())
    metrics = {
        "n_counties": n_counties, "n_projects": n,
        "min_projects_per_county": int(counted.min()) if n_counties else None,
        "max_projects_per_county": int(counted.max()) if n_counties else None,
        "avg_projects_per_county": (2 * n + n_counties) // (2 * n_counties) if n_counties else None,
        "n_intercommunal": int(projects["intercommunal"].eq(True).sum()),
        "pct_intercommunal": pct1(int(projects["intercommunal"].eq(True).sum()), n),
        "pct_target_both": tg[("q15", "both")], "pct_target_other": tg[("q15", "other")],
        "pct_diagnosis_independent": tg[("q17", "diagnosis_independent")],
        "pct_diagnosis_specific": tg[("q18", "diagnosis_specific")],
        "n_collaborative": ncollab, "pct_collaborative": pct1(ncollab, n),
        "n_not_collaborative": int(projects["collab_none"].sum()),
        "pct_not_collaborative": pct1(int(projects["collab_none"].sum()), n),
        "n_collab_frisklivssentral": co.loc["frisklivssentral", "n_projects"],
        "pct_collab_frisklivssentral": co.loc["frisklivssentral", "pct_of_collaborative"],
        "pct_collab_other_municipal": co.loc["other_municipal", "pct_of_collaborative"],
        "pct_collab_user_or_volunteer_org": pct1(n_user_or_volunteer, ncollab),
        **{f"pct_lead_{k}": le[k] for k in ("frisklivssentral", "physio_ergo", "mental_health", "gp", "other")},
        "n_counties_competence_used": int(comp["competence_used"].eq(True).sum()),
        "n_counties_competence_not_used": int(comp["competence_used"].eq(False).sum()),
        "competence_total_nok": int(comp["competence_total_nok"].sum()),
        "n_report_not_delivered": int(projects["project_report_delivered"].eq(False).sum()),
        "pct_report_not_delivered": pct1(int(projects["project_report_delivered"].eq(False).sum()), n),
        "n_projects_all_goals": int(goals_per_project.eq(len(criteria)).sum()),
        "n_projects_no_goal": int(goals_per_project.eq(0).sum()),
    }
    national_summary = pd.DataFrame({"metric": list(metrics), "value": pd.array(
        [None if pd.isna(v) else int(v) for v in metrics.values()], dtype="Int64")})
    out = {"mart_national_summary": national_summary, "mart_attainment": national,
           "mart_attainment_by_county": by_county, "mart_target_groups": groups, "mart_collaboration": collab,
           "mart_lead_service": lead, "mart_competence_building": spent, "mart_county_summary": summary}
    return {name: frame.assign(grant_year=year) for name, frame in out.items()}


# --- figures 1–5 -----------------------------------------------------------------------------------

def draw_figures(m: dict[str, pd.DataFrame], out_dir: Path) -> list[Path]:
    import textwrap

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 9, "axes.spines.top": False, "axes.spines.right": False})
    out_dir.mkdir(parents=True, exist_ok=True)
    wrap = lambda text, width=45: "\n".join(textwrap.wrap(str(text), width))  # noqa: E731

    def barh(name, labels, values, colour, xlabel, fmt="{:d}", size=(7.5, 3)):
        fig, ax = plt.subplots(figsize=size, layout="constrained")
        values = [int(v) for v in pd.Series(values).fillna(0)]
        ax.barh(range(len(values)), values, color=colour)
        ax.set_yticks(range(len(values)), labels)
        ax.invert_yaxis()
        for i, v in enumerate(values):
            ax.annotate(fmt.format(v).replace(",", " "), (v, i), xytext=(3, 0), textcoords="offset points", va="center")
        ax.margins(x=0.12)
        ax.set_xlabel(xlabel)
        return save(fig, name)

    def save(fig, name):
        path = out_dir / f"{name}.png"
        fig.savefig(path, dpi=200)
        plt.close(fig)
        return path

    counties = m["mart_county_summary"].sort_values(["n_projects", "county"], ascending=[False, True])
    groups = m["mart_target_groups"].query("question_id == 'q15'")
    paths = [
        barh("figur_1_prosjekter_per_fylke", counties["county"], counties["n_projects"], "#0072B2",
             "Antall prosjekter", size=(7, 0.32 * len(counties) + 1.2)),
        barh("figur_2_malgrupper", [wrap(x.removesuffix(", spesifiser:")) for x in groups["label"]],
             groups["pct_of_projects"], "#009E73", "Andel av prosjektene (%)", "{:d} %", (7.5, 2.8)),
        barh("figur_3_samarbeid", [wrap(x, 35) for x in m["mart_collaboration"]["label"]],
             m["mart_collaboration"]["pct_of_collaborative"], "#E69F00", "Andel av samarbeidsprosjektene (%)", "{:d} %"),
    ]
    attainment = m["mart_attainment"].sort_values("criterion_no")
    fig, ax = plt.subplots(figsize=(8, 5.6), layout="constrained")
    labels = [wrap(f"{no}. {c}", 42) for no, c in zip(attainment["criterion_no"], attainment["criterion"])]
    left = pd.Series(0.0, index=attainment.index)
    for answer, column, colour in (("Ja", "n_ja", "#0072B2"), ("Delvis", "n_delvis", "#56B4E9"),
                                   ("Nei", "n_nei", "#D55E00"), ("Ikke aktuelt", "n_ikke_aktuelt", "#999999")):
        share = (100 * attainment[column] / attainment["n_projects"].where(attainment["n_projects"] > 0)).fillna(0)
        ax.barh(labels, share, left=left, color=colour, label=answer)
        left = left + share
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("Andel av prosjektene (%)")
    ax.legend(ncols=4, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    paths.append(save(fig, "figur_4_maloppnaelse"))
    spent = m["mart_competence_building"]
    paths.append(barh("figur_5_kompetansebygging", [wrap(x, 50) for x in spent["label"]], spent["amount_nok"],
                      "#CC79A7", "Kroner", "{:,d} kr", (8, 3.4)))
    return paths


def load_form(year: int) -> dict:
    """The year's questions: the questionnaire with the year filled in and the year's own changes."""
    base = json.loads((REFERENCE / "forms" / "questions.json").read_text(encoding="utf-8"))
    changes = json.loads((REFERENCE / "forms" / f"form_{year}.json").read_text(encoding="utf-8")).get("questions") or {}
    questions = []
    for q in base["questions"]:
        if q["id"] in changes and changes[q["id"]] is None:
            continue
        q = {**q, **(changes.get(q["id"]) or {})}
        q["header"] = q["header"].replace("{report_year}", str(year + 1)).replace("{year}", str(year))
        questions.append(q)
    return {"questions": questions}


def run(export: Path, out_dir: Path, year: int = 2024) -> dict:
    form = load_form(year)
    text = {"county_no": "string", "municipality_no": "string"}
    counties = pd.read_csv(REFERENCE / "counties.csv", dtype=text).query("grant_year == @year")
    register = pd.read_csv(REFERENCE / "municipalities.csv", dtype=text).query("grant_year == @year")
    allocations = pd.read_csv(REFERENCE / "allocations.csv").query("grant_year == @year")
    raw = read_export(export, form)
    responses = clean_responses(raw, form, counties)
    projects, n_superseded, n_set_aside = split_projects(responses)
    projects["municipality_no"] = match_municipalities(projects, register)
    comp = competence(responses)
    tables = marts(projects, comp, form, counties, allocations, year)
    (out_dir / "marts").mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(out_dir / "marts" / f"{name}.csv", index=False)
    figures = draw_figures(tables, out_dir / "figures")
    return {"responses": len(raw), "projects": len(projects), "superseded": n_superseded, "set_aside": n_set_aside,
            "municipalities_matched": int(projects["municipality_no"].notna().sum()),
            "competence_reports": len(comp), "marts": len(tables), "figures": len(figures)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--export", required=True)
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--year", type=int, default=2024)
    args = parser.parse_args(argv)
    counts = run(Path(args.export), Path(args.out_dir), args.year)
    print("reference: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
