"""Dagster definitions, one module per layer in data order: reference, raw, clean, checks, published, marts, report,
plus automation (schedule, sensors, automation conditions) and freshness (the report's deadline).

``friskliv_pipeline/definitions.py`` loads every Dagster object these modules define at module
level (its ``ComponentTree``, as a ``dg`` project's ``load_from_defs_folder`` does): a new asset, check, schedule or sensor
needs no registration, only a module-level name here.

The code location (``friskliv_pipeline.definitions``) is loaded by the Dagster UI, the daemon's
sensors and schedules and every run, and most of them never touch a DataFrame. So these modules
import only Dagster and light modules at the top (the data contract, the SQL model project, the
suites' rules, the export reader's file names); pandas, SQLAlchemy, openpyxl, matplotlib, GX and
WeasyPrint are imported only when data is processed: the processing modules (cleaning, forms
readers, warehouse, SQL runner, report) are imported inside the asset, check and I/O manager
functions that use them, and the light modules import those libraries inside their functions.
For the same reason asset functions do not annotate their DataFrames (Dagster resolves those
annotations at load; unannotated, the values are ``Any``). tests/test_cli_and_project.py checks
that loading the code location imports none of these libraries.
"""
