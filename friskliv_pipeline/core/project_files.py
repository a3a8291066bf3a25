"""Where the files the pipeline runs but never writes are found, installed or in a checkout.

The SQL models (``dbt_like_sql/``), the check suites with their re-performance queries and
``not_covered.yml`` (``expectations/``) and the instance settings (``deploy/dagster.yaml``) live in
the repository where a reader looks for them. The wheel ships the same files inside the package,
as ``friskliv_pipeline/_shipped/<folder>`` (pyproject.toml's ``[tool.setuptools] package-dir``
maps each folder there; no second copy is committed). This module is the one place that knows
both places: an installed wheel reads what it ships, a checkout (``pip install -e .``, or the
checkout on ``PYTHONPATH``) reads the checkout's folders, so an edit there takes effect at once.

What is not shipped is the reference folder (questionnaire, forms, commentary, themes, reference
rows): it is the analysts' and is mounted at ``FRISKLIV_REFERENCE_DIR`` (core/settings.py).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
SHIPPED_DIR = PACKAGE_DIR / "_shipped"
CHECKOUT_DIR = PACKAGE_DIR.parent  # the repository root, when the package is run from one

# The folders the wheel ships (each is also named in pyproject.toml's package-dir and package-data).
SHIPPED_FOLDERS = ("dbt_like_sql", "expectations", "deploy")


def installed() -> bool:
    """True when the package runs from an installed wheel (it carries its folders), False in a checkout."""
    return SHIPPED_DIR.is_dir()


def _folder(name: str) -> Path:
    return (SHIPPED_DIR if installed() else CHECKOUT_DIR) / name


SQL_PROJECT_DIR = _folder("dbt_like_sql")
EXPECTATIONS_DIR = _folder("expectations")
DEPLOY_DIR = _folder("deploy")
