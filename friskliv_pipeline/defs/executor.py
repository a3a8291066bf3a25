"""The executor: in-process by default, multiprocess when a run's config asks for it.

The data is small: one process per step would cost seconds of imports each. Dagster's own
``multi_or_in_process_executor`` defaults to multiprocess; this is the same executor with the
default turned around. Switch per run with::

    execution:
      config:
        multiprocess:
          max_concurrent: 2
"""

from dagster import ExecutorDefinition, Field, multi_or_in_process_executor

in_process_by_default_executor = ExecutorDefinition(
    name="in_process_by_default",
    config_schema=Field(multi_or_in_process_executor.config_schema.config_type, default_value={"in_process": {}},
                        is_required=False),
    requirements=multi_or_in_process_executor.get_requirements,
    executor_creation_fn=multi_or_in_process_executor.executor_creation_fn,
    description="In-process unless the run config selects multiprocess.",
)
