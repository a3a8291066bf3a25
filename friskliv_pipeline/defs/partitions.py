"""The one partitioning of the pipeline: a grant year (tilskuddsår).

A yearly time window starting with 2023's grant: a new grant year appears as a partition by
itself once it has ended (2025 on 1 January 2026), without a code change. The current year is
left out on purpose: its money is still being spent.
"""

from dagster import TimeWindowPartitionsDefinition

FIRST_GRANT_YEAR = "2023"

grant_year_partitions = TimeWindowPartitionsDefinition(
    start=FIRST_GRANT_YEAR, cron_schedule="0 0 1 1 *", fmt="%Y", timezone="Europe/Oslo",
)


def grant_year_of(partition_key: str) -> int:
    return int(partition_key)
