# The two commands of the README. Both create .venv and install the project first.
.PHONY: demo test ui
demo:  ## run the main job on the bundled demo data (grant years 2023 and 2024)
	bash scripts/demo.sh
test:  ## run the test suite (PostgreSQL tests included when a server answers)
	bash scripts/test.sh
ui:    ## open the Dagster UI on the code location of workspace.yaml
	bash scripts/bootstrap.sh
	mkdir -p data/dagster_home
	DAGSTER_HOME=$${DAGSTER_HOME:-$$PWD/data/dagster_home} .venv/bin/dagster dev -w workspace.yaml -h 127.0.0.1
