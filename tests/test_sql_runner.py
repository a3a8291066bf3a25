"""The SQL runner: refs → dependency order, clear errors, one-transaction partition replace.

Small throwaway model projects in tmp_path; the database ones run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import textwrap
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest
import sqlalchemy as sa

from friskliv_pipeline.core.contract import TABLES, conform
from friskliv_pipeline.sql_models import SqlModelError, load_project, render
from friskliv_pipeline.sql_models.materialize import materialize, run_models
from friskliv_pipeline.warehouse.database import Warehouse

GOOD_SCHEMA = """
version: 2
models:
  - name: {name}
    description: Projects per county.
    columns:
      - name: grant_year
        data_type: int
        description: Grant year
      - name: county
        data_type: text
        description: County
      - name: n_projects
        data_type: int
        description: Projects
        meta: {{lineage: [projects.response_id]}}
"""
PER_COUNTY = """
with projects as (
    select * from {{ ref('projects') }}
    where grant_year = {{ grant_year }}
),
final as (
    select grant_year, county, count(*) as n_projects
    from projects
    group by grant_year, county
)
select * from final
"""


def write_project(path, models: dict[str, str], schema: str | None = None):
    """models: name → SQL; schema: the YAML (default: each model with grant_year only)."""
    path.mkdir(parents=True, exist_ok=True)
    for name, sql in models.items():
        (path / f"{name}.sql").write_text(textwrap.dedent(sql), encoding="utf-8")
    if schema is None:
        entries = "".join(f"  - name: {n}\n    description: {n}\n    columns:\n"
                          f"      - {{name: grant_year, data_type: int, description: y}}\n" for n in models)
        schema = f"version: 2\nmodels:\n{entries}"
    (path / "schema.yml").write_text(textwrap.dedent(schema), encoding="utf-8")
    return path


def projects_frame(year: int, counties: list[str]) -> pd.DataFrame:
    rows = [{"grant_year": year, "response_id": f"{year}-{i}", "county": c} for i, c in enumerate(counties)]
    return conform(pd.DataFrame(rows, columns=TABLES["projects"].column_names), "projects")


def read(engine, table) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(sa.text(f"select * from {table} order by grant_year, county"), conn)


# --- loading: refs, order, errors ---------------------------------------------------------

def test_dependency_order_comes_from_the_refs(tmp_path):
    select_from = "select grant_year from {{{{ ref('{}') }}}} where grant_year = {{{{ grant_year }}}}"
    project = load_project(write_project(tmp_path, {
        "a_top": select_from.format("m_middle"),  # alphabetically first, but last in data order
        "m_middle": select_from.format("z_base") + " union all " + select_from.format("projects"),
        "z_base": select_from.format("projects"),
    }))
    assert list(project.models) == ["z_base", "m_middle", "a_top"]
    assert project.models["m_middle"].refs == ("z_base", "projects")
    assert project.models["a_top"].refs == ("m_middle",)


def test_unknown_ref_fails_naming_the_file_and_the_ref(tmp_path):
    write_project(tmp_path, {"mart_x": "select grant_year from {{ ref('projcts') }}"})
    with pytest.raises(SqlModelError) as error:
        load_project(tmp_path)
    message = str(error.value)
    assert "mart_x.sql" in message and "ref('projcts') names no model and no contract table" in message
    assert "What to do" in message


def test_cycle_fails_naming_the_cycle(tmp_path):
    write_project(tmp_path, {
        "mart_a": "select grant_year from {{ ref('mart_b') }}",
        "mart_b": "select grant_year from {{ ref('mart_c') }}",
        "mart_c": "select grant_year from {{ ref('mart_a') }}",
    })
    with pytest.raises(SqlModelError, match=r"dependency cycle among SQL models: mart_\w → mart_\w → mart_\w → mart_\w"):
        load_project(tmp_path)


def test_every_model_must_be_documented(tmp_path):
    write_project(tmp_path, {"mart_a": "select 1 as grant_year"}, schema="version: 2\nmodels: []\n")
    with pytest.raises(SqlModelError, match=r"no entry for model\(s\) \['mart_a'\]"):
        load_project(tmp_path)


def test_lineage_must_name_a_column_of_a_ref(tmp_path):
    schema = GOOD_SCHEMA.format(name="mart_per_county").replace("projects.response_id", "projects.no_such_column")
    write_project(tmp_path, {"mart_per_county": PER_COUNTY}, schema)
    with pytest.raises(SqlModelError, match="lineage 'projects.no_such_column'"):
        load_project(tmp_path)


def test_unknown_data_type_fails_and_the_type_names_are_the_warehouses(tmp_path):
    from friskliv_pipeline.core.contract import TYPES
    from friskliv_pipeline.warehouse.database import SQL_TYPES

    assert set(TYPES) == set(SQL_TYPES)  # load_project checks against TYPES so it need not import SQLAlchemy
    schema = GOOD_SCHEMA.format(name="mart_per_county").replace("data_type: text", "data_type: varchar")
    write_project(tmp_path, {"mart_per_county": PER_COUNTY}, schema)
    with pytest.raises(SqlModelError, match="data_type 'varchar' is not one of"):
        load_project(tmp_path)


def test_column_lineage_is_read_from_the_sql_and_declared_for_count_star(tmp_path):
    project = load_project(write_project(tmp_path, {"mart_per_county": PER_COUNTY},
                                         GOOD_SCHEMA.format(name="mart_per_county")))
    lineage = project.column_lineage(project.models["mart_per_county"])
    assert lineage == {"grant_year": [("projects", "grant_year")], "county": [("projects", "county")],
                       "n_projects": [("projects", "response_id")]}


# --- materializing ------------------------------------------------------------------------

@pytest.fixture
def per_county(tmp_path, warehouse_url):
    """A warehouse with projects of 2023 and 2024, and a one-model project over it."""
    warehouse = Warehouse(warehouse_url)
    warehouse.replace_partition("projects", 2023, projects_frame(2023, ["Oslo", "Viken"]))
    warehouse.replace_partition("projects", 2024, projects_frame(2024, ["Oslo", "Oslo", "Akershus"]))
    project = load_project(write_project(tmp_path / "models", {"mart_per_county": PER_COUNTY},
                                         GOOD_SCHEMA.format(name="mart_per_county")))
    yield warehouse.engine, project
    warehouse.engine.dispose()


def test_table_is_created_from_the_yaml_types(per_county):
    engine, project = per_county
    assert run_models(engine, project, 2024) == {"mart_per_county": 2}
    columns = {c["name"]: c for c in sa.inspect(engine).get_columns("mart_per_county")}
    assert list(columns) == ["grant_year", "county", "n_projects"]
    assert isinstance(columns["n_projects"]["type"], sa.BigInteger)
    assert isinstance(columns["county"]["type"], sa.Text)
    assert columns["grant_year"]["nullable"] is False


def test_partition_replace_is_idempotent_and_leaves_other_years(per_county):
    engine, project = per_county
    model = project.models["mart_per_county"]
    materialize(engine, model, 2023)
    materialize(engine, model, 2024)
    first = read(engine, "mart_per_county")
    assert first.to_dict("records") == [
        {"grant_year": 2023, "county": "Oslo", "n_projects": 1}, {"grant_year": 2023, "county": "Viken", "n_projects": 1},
        {"grant_year": 2024, "county": "Akershus", "n_projects": 1}, {"grant_year": 2024, "county": "Oslo", "n_projects": 2}]
    assert materialize(engine, model, 2024) == 2
    pd.testing.assert_frame_equal(first, read(engine, "mart_per_county"))


BROKEN = {  # failure → (SQL, the error expected); the first two fail after the DELETE, inside the transaction
    "rows of another grant year": ("select grant_year - 1 as grant_year, county, count(*) as n_projects "
                                   "from {{ ref('projects') }} where grant_year = {{ grant_year }} "
                                   "group by grant_year, county", SqlModelError),
    "NOT NULL violation": ("select cast(null as integer) as grant_year, county, count(*) as n_projects "
                           "from {{ ref('projects') }} where grant_year = {{ grant_year }} group by county",
                           sa.exc.IntegrityError),
    "unknown table": ("select grant_year, county, n_projects from no_such_table", sa.exc.DBAPIError),
}


@pytest.mark.parametrize("failure", list(BROKEN))
def test_a_failing_model_leaves_the_previous_rows(per_county, failure):
    engine, project = per_county
    good = project.models["mart_per_county"]
    materialize(engine, good, 2023)
    materialize(engine, good, 2024)
    before = read(engine, "mart_per_county")
    sql, expected_error = BROKEN[failure]
    broken = good.__class__(**{**good.__dict__, "template": sql})
    with pytest.raises(expected_error) as error:
        materialize(engine, broken, 2024)
    if failure == "rows of another grant year":
        assert "2 of 2 rows are not of grant year 2024; nothing was written" in str(error.value)
    pd.testing.assert_frame_equal(before, read(engine, "mart_per_county"))


def test_select_and_yaml_columns_must_agree(per_county):
    engine, project = per_county
    good = project.models["mart_per_county"]
    drifted = good.__class__(**{**good.__dict__, "template": PER_COUNTY.replace("as n_projects", "as n")})
    with pytest.raises(SqlModelError, match=r"missing \['n_projects'\], undocumented \['n'\]"):
        materialize(engine, drifted, 2024)


def test_a_table_of_an_older_shape_is_rebuilt_with_every_year_it_held(per_county):
    """A mart an older version built (other columns) is created anew; every grant year it held is
    materialized again from the published tables, so upgrading loses no year."""
    engine, project = per_county
    with engine.begin() as conn:
        conn.execute(sa.text("create table mart_per_county (grant_year bigint not null, county text)"))
        conn.execute(sa.text("insert into mart_per_county values (2023, 'Oslo'), (2023, 'Viken'), (2024, 'Oslo')"))
    assert materialize(engine, project.models["mart_per_county"], 2024) == 2
    rebuilt = read(engine, "mart_per_county").sort_values(["grant_year", "county"]).reset_index(drop=True)
    assert list(rebuilt.columns) == ["grant_year", "county", "n_projects"]
    assert rebuilt.values.tolist() == [[2023, "Oslo", 1], [2023, "Viken", 1], [2024, "Akershus", 1], [2024, "Oslo", 2]]


COUNT_SCHEMA = """
version: 2
models:
  - name: {name}
    description: Projects read.
    {config}
    columns:
      - {{name: grant_year, data_type: int, description: Grant year}}
      - {{name: n_projects, data_type: int, description: Projects read, meta: {{lineage: [projects.response_id]}}}}
"""


def test_a_ref_reads_only_the_grant_years_the_model_declares(per_county, tmp_path):
    """A ref reads the partition's grant year, and with ``earlier_grant_years: n`` the n before it:
    never more, even when the SQL does not filter (and that number is the model's Dagster mapping)."""
    from friskliv_pipeline.defs.marts import grant_years_mapping

    engine, _ = per_county
    Warehouse(engine.url.render_as_string(hide_password=False)).replace_partition(
        "projects", 2022, projects_frame(2022, ["Oslo"] * 4))
    unfiltered = "select {{ grant_year }} as grant_year, count(*) as n_projects from {{ ref('projects') }}"
    counts = {}
    for name, config, expected in (("this_year", "", 3), ("two_years", "meta: {earlier_grant_years: 1}", 2 + 3)):
        model = load_project(write_project(tmp_path / name, {name: unfiltered},
                                           COUNT_SCHEMA.format(name=name, config=config))).models[name]
        materialize(engine, model, 2024)
        with engine.connect() as conn:
            counts[name] = (conn.execute(sa.text(f"select n_projects from {name}")).scalars().all(), expected)
        mapping = grant_years_mapping(model)
        assert (mapping.start_offset, mapping.end_offset) == (-1, 0) if config else mapping is None
    assert counts == {"this_year": ([3], 3), "two_years": ([5], 5)}


@pytest.mark.parametrize("config", ["meta: {earlier_grant_years: -1}", "meta: {earlier_grant_years: many}",
                                    "earlier_grant_years: 1"])
def test_a_config_the_runner_cannot_honour_is_refused(tmp_path, config):
    models = write_project(tmp_path / "models", {"m": "select {{ grant_year }} as grant_year, 1 as n_projects"},
                           COUNT_SCHEMA.format(name="m", config=config))
    with pytest.raises(SqlModelError, match=r"schema\.yml: model m: .*What to do: ") as refused:
        load_project(models)
    assert "earlier_grant_years" in str(refused.value)


def test_pct_rounds_half_up_with_integer_arithmetic_on_both_engines(warehouse_url):
    """The report prints 12.5 % as 13 %: half-up, not the banker's rounding of Python's round()."""
    cases = [(1, 8), (3, 8), (5, 8), (13, 115), (101, 108), (29, 108), (1, 3), (2, 3), (0, 7), (7, 7), (1, 0)]
    engine = sa.create_engine(warehouse_url)
    # SUM over a BIGINT column is NUMERIC on PostgreSQL: the macro must still divide as integers.
    with engine.begin() as conn:
        conn.execute(sa.text("create table pct_cases (n bigint, d bigint)"))
        conn.execute(sa.text("insert into pct_cases values (:n, :d)"), [{"n": n, "d": d} for n, d in cases])
        for n, d in cases:
            sql = render(f"select {{{{ pct('sum(n)', 'sum(d)') }}}} from pct_cases where n = {n} and d = {d}", 2024)
            expected = None if d == 0 else int((Decimal(100 * n) / d).quantize(Decimal(1), ROUND_HALF_UP))
            assert conn.execute(sa.text(sql)).scalar_one() == expected, (n, d)
    engine.dispose()
    assert "round" not in render("{{ pct('n', 'd') }}", 2024).lower()
