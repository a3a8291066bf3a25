"""friskliv-pipeline: Microsoft Forms grant reports → validated tables, indicators and a report.

The Norwegian Directorate of Health's grant for municipal healthy-life, learning and coping
services is reported back by the county councils through a Forms questionnaire. This package
turns one export per grant year into warehouse tables (see ``docs/data_contract.md``).
"""

__version__ = "0.1.0"
