"""The warehouse resource: a run's connections are closed when the run ends."""

from __future__ import annotations

import sqlalchemy as sa
from dagster import asset, materialize

from friskliv_pipeline.defs import resources
from friskliv_pipeline.defs.partitions import grant_year_partitions
from friskliv_pipeline.defs.resources import FrisklivResource


def test_teardown_disposes_the_engine_the_run_used(tmp_path):
    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    engines, closed = [], []

    @asset(partitions_def=grant_year_partitions)
    def reads_the_warehouse(friskliv: FrisklivResource) -> None:
        engine = friskliv.warehouse().engine
        sa.event.listen(engine.pool, "close", lambda *_: closed.append(engine))
        with engine.connect() as conn:
            assert conn.execute(sa.text("select 1")).scalar_one() == 1
        engines.append(engine)  # the connection is back in the pool, still open

    result = materialize([reads_the_warehouse], partition_key="2024",
                         resources={"friskliv": FrisklivResource(data_dir=str(tmp_path), warehouse_url=url)})
    assert result.success
    [engine] = engines
    assert closed == [engine], "the pooled connection must be closed at teardown"
    assert url not in resources._WAREHOUSES  # the next run makes a fresh engine
    assert (tmp_path / "locks" / "grant_year_2024.lock").exists()  # the run held the grant year's lock
