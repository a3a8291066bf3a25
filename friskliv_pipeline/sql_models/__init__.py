"""A small dbt-like runner for ``dbt_like_sql/models``: Jinja2 SQL, refs, partition replace.

Why not dbt itself: the models are a dozen SELECTs over tables the Python layer already writes,
partitioned by grant year; a hundred lines of runner keep one dependency tree, one warehouse URL
and Dagster in charge of scheduling, while the models stay in dbt's shape (one file per table,
``ref()`` for inputs, a YAML per model documenting every column and its data tests).
"""

from friskliv_pipeline.sql_models.project import MODELS_DIR, Model, SqlProject, SqlModelError, load_project
from friskliv_pipeline.sql_models.render import render

# The runner (``friskliv_pipeline.sql_models.materialize``: materialize, run_models) needs
# SQLAlchemy and is imported from its module where models are run; reading the project, which
# is what the code location does, does not.
__all__ = ["MODELS_DIR", "Model", "SqlModelError", "SqlProject", "load_project", "render"]
