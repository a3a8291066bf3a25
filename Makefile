# The two commands of the README (demo, test); both create .venv and install from requirements.lock first.
.PHONY: demo test ui lock
demo:  ## run the main job on the bundled demo data (grant years 2023 and 2024)
	bash scripts/demo.sh
test:  ## run the test suite on every core (pytest-xdist; PostgreSQL tests included when a server answers)
	bash scripts/test.sh
ui:    ## open the Dagster UI (webserver and daemon) on this dg project: `dg dev`
	bash scripts/bootstrap.sh
	export DAGSTER_HOME="$${DAGSTER_HOME:-$$PWD/data/dagster_home}" && .venv/bin/friskliv instance && \
		.venv/bin/dg dev --host 127.0.0.1
lock:  ## regenerate requirements.lock after a change of pyproject.toml's dependencies (keeps other pins)
	bash scripts/bootstrap.sh
	.venv/bin/uv pip compile pyproject.toml --extra dev --extra postgres --universal --python-version 3.11 \
		-o requirements.lock
