"""One grant year's raw_responses → every cleaned table, in data order.

This is the pure-pandas core the Dagster ``clean`` assets call; it touches no file or database,
so the pre-flight check and the tests run the very same rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from friskliv_pipeline.forms.schema import FormSchema

if TYPE_CHECKING:
    import pandas as pd

CLEAN_TABLES = (
    "responses", "projects", "superseded_responses", "set_aside_responses", "competence_building",
    "competence_building_conflicts", "project_municipalities", "project_target_groups", "project_user_groups",
    "project_collaborators", "project_attainment", "cleaning_issues",
)
# What a run stages (and then publishes): the export as read, and the tables cleaned from it.
STAGED_TABLES = ("raw_responses", *CLEAN_TABLES)


def clean_partition(raw: pd.DataFrame, form: FormSchema, counties: pd.DataFrame,
                    municipalities: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Apply the cleaning rules; ``counties`` and ``municipalities`` are that year's reference rows.

    Each rule is applied once per distinct answer and the tables are built column by column, so
    100 000 responses cost what their few thousand distinct answers cost.
    """
    # the rules (pandas) are imported here: the Dagster code location imports CLEAN_TABLES only
    from friskliv_pipeline.cleaning.competence import build_competence
    from friskliv_pipeline.cleaning.issues import IssueLog
    from friskliv_pipeline.cleaning.municipalities import MunicipalityRegister
    from friskliv_pipeline.cleaning.projects import bridge_multi, build_projects, project_attainment, split_responses
    from friskliv_pipeline.cleaning.responses import OTHER_ORDER_COMPLETION, type_responses

    grant_year = form.grant_year
    log = IssueLog(grant_year)
    county_numbers = dict(zip(counties["county"], counties["county_no"]))
    official = counties["county_official"] if "county_official" in counties else [None] * len(counties)
    responses = type_responses(raw, form, dict(zip(counties["county"], official)), log)
    kept, superseded, set_aside = split_responses(responses)
    responses = responses.drop(columns=[OTHER_ORDER_COMPLETION], errors="ignore")
    kept = kept.drop(columns=[OTHER_ORDER_COMPLETION], errors="ignore")
    projects, project_municipalities = build_projects(kept, MunicipalityRegister(municipalities), county_numbers, log)
    competence, conflicts = build_competence(responses, form, county_numbers, log)
    tables = {
        "responses": responses,
        "projects": projects,
        "superseded_responses": superseded,
        "set_aside_responses": set_aside,
        "competence_building": competence,
        "competence_building_conflicts": conflicts,
        "project_municipalities": project_municipalities,
        "project_target_groups": bridge_multi(projects, form, "q15", "target_group"),
        "project_user_groups": bridge_multi(projects, form, "q16", "user_group"),
        "project_collaborators": bridge_multi(projects, form, "q21", "partner"),
        "project_attainment": project_attainment(projects, form),
        "cleaning_issues": log.frame(),
    }
    assert len(responses) == len(raw)
    assert len(projects) + len(superseded) + len(set_aside) == len(raw), "row accounting broken"
    return tables
