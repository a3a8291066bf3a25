"""Resources: where the pipeline reads and writes, and the warehouse I/O manager.

Every location defaults to the environment (``FRISKLIV_*``, see docs/data-engineers.md) resolved when a run
starts, and can be overridden per run in the launchpad.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from dagster import (
    ConfigurableIOManager, ConfigurableResource, DagsterInvariantViolationError, InitResourceContext, InputContext,
    OutputContext,
)
from pydantic import Field

from friskliv_pipeline.operations.memory import release_memory
from friskliv_pipeline.operations.locks import grant_year_lock
from friskliv_pipeline.core.settings import Settings, default_warehouse_url

if TYPE_CHECKING:
    import pandas as pd

    from friskliv_pipeline.warehouse.database import Warehouse


class FrisklivResource(ConfigurableResource):
    """Landing, reference and data folders and the warehouse URL (empty = from the environment)."""

    landing_dir: Optional[str] = Field(default=None, description="FRISKLIV_LANDING_DIR: <landing>/<year>/ holds the exports")
    reference_dir: Optional[str] = Field(default=None, description="FRISKLIV_REFERENCE_DIR: reference tables and form schemas")
    data_dir: Optional[str] = Field(default=None, description="FRISKLIV_DATA_DIR: warehouse file, archive, reports, validation")
    warehouse_url: Optional[str] = Field(default=None, description="FRISKLIV_WAREHOUSE_URL: any SQLAlchemy URL")

    def settings(self) -> Settings:
        env = Settings.from_env()
        data_dir = Path(self.data_dir) if self.data_dir else env.data_dir
        url = self.warehouse_url or (env.warehouse_url if not self.data_dir else default_warehouse_url(data_dir))
        return Settings(
            landing_dir=Path(self.landing_dir) if self.landing_dir else env.landing_dir,
            reference_dir=Path(self.reference_dir) if self.reference_dir else env.reference_dir,
            data_dir=data_dir,
            warehouse_url=url,
        )

    def warehouse(self) -> Warehouse:
        return _warehouse(self.settings().warehouse_url)

    @contextlib.contextmanager
    def yield_for_execution(self, context: InitResourceContext):
        """Hold the grant year's lock for the whole run (the in-process executor inits this once);
        at teardown, close the warehouse connections the run opened."""
        try:
            run = context.run
        except DagsterInvariantViolationError:  # initialised outside a run (sensor, schedule, test context)
            run = None
        partition = run.tags.get("dagster/partition") if run is not None else None
        try:
            if partition is None:
                yield self
                return
            log = context.log.info if context.log else None
            with grant_year_lock(self.settings().data_dir, partition, on_wait=log):
                upgraded = self.warehouse().upgrade()  # a warehouse an older version built: new columns first
                if upgraded and log:
                    log("warehouse upgraded: " + "; ".join(upgraded))
                yield self
        finally:
            dispose_warehouses()


_WAREHOUSES: dict[str, Warehouse] = {}


def _warehouse(url: str) -> Warehouse:
    """One engine per URL per process: engines pool connections and are costly to create."""
    from friskliv_pipeline.warehouse.database import Warehouse

    if url not in _WAREHOUSES:
        _WAREHOUSES[url] = Warehouse(url)
    return _WAREHOUSES[url]


def dispose_warehouses() -> None:
    """Close every pooled connection of the engines this process created, and forget them: a run's
    connections do not outlive it (on PostgreSQL each is a server process), and a later run makes
    a fresh engine."""
    while _WAREHOUSES:
        _, warehouse = _WAREHOUSES.popitem()
        warehouse.dispose()  # only an engine that was made: disposing must not create one


def _table_of(key_path: list[str]) -> str:
    """Asset ``staging/<table>`` is warehouse table ``staging_<table>``; asset ``<table>`` is ``<table>``."""
    return "_".join(key_path)


class WarehouseIOManager(ConfigurableIOManager):
    """Stores each asset's DataFrame as the warehouse table of the same name, one grant year at a time."""

    friskliv: FrisklivResource

    def handle_output(self, context: OutputContext, obj: pd.DataFrame) -> None:
        table = _table_of(context.asset_key.path)
        rows = self.friskliv.warehouse().replace_partition(table, int(context.partition_key), obj)
        release_memory()
        context.add_output_metadata({"dagster/partition_row_count": rows, "dagster/table_name": table})

    def load_input(self, context: InputContext) -> pd.DataFrame:
        table = _table_of(context.asset_key.path)
        release_memory()
        return self.friskliv.warehouse().read(table, int(context.asset_partition_key))
