"""UI smoke test (issues 6, 15): the Dagster webserver on loopback serves every asset, the lineage
edges and the grant-year partitions over GraphQL, column lineage from a mart back to the form's
questions, code references on a mart and a check, and Chromium renders the asset graph."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import DEMO_LANDING, ROOT, artifacts_dir, chromium_page

pytestmark = pytest.mark.slow
QUERY = "{ assetNodes { assetKey { path } dependencyKeys { path } partitionKeys groupName } }"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def webserver(tmp_path_factory):
    # an empty DAGSTER_HOME: `friskliv run` writes the project's dagster.yaml into it, as `make demo` does
    # before `make ui` (friskliv_pipeline/operations/instance.py)
    home = tmp_path_factory.mktemp("dagster_home")
    port = _free_port()
    env = dict(os.environ, DAGSTER_HOME=str(home), PYTHONPATH=str(ROOT))
    # one grant year run first, so the checks have evaluations (their metadata is what the UI shows)
    data = tmp_path_factory.mktemp("data")
    run_env = dict(env, FRISKLIV_LANDING_DIR=str(DEMO_LANDING), FRISKLIV_DATA_DIR=str(data),
                   FRISKLIV_PSEUDONYM_KEY="k")
    run_env.pop("FRISKLIV_WAREHOUSE_URL", None)
    subprocess.run([str(Path(sys.executable).parent / "friskliv"), "run", "--year", "2024"], cwd=ROOT, env=run_env,
                   check=True, capture_output=True, timeout=900)
    proc = subprocess.Popen([str(Path(sys.executable).parent / "dagster-webserver"), "-w", "workspace.yaml",
                             "-h", "127.0.0.1", "-p", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            nodes = _graphql(url)["data"]["assetNodes"]
            if nodes:
                break
        except (OSError, KeyError, TypeError, ValueError):
            pass
        if proc.poll() is not None:
            pytest.fail(f"dagster-webserver exited: {proc.stderr.read().decode()[-2000:]}")
        time.sleep(1)
    else:
        proc.terminate()
        pytest.fail("dagster-webserver did not serve the code location within 120 s")
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def _graphql(url: str, query: str = QUERY) -> dict:
    request = urllib.request.Request(f"{url}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_every_asset_edge_and_partition_is_served(webserver):
    from friskliv_pipeline.definitions import defs

    graph = defs.resolve_asset_graph()
    served = {"/".join(n["assetKey"]["path"]): n for n in _graphql(webserver)["data"]["assetNodes"]}
    expected = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert expected <= set(served)
    for key in graph.get_all_asset_keys():
        node = served[key.to_user_string()]
        assert {"/".join(d["path"]) for d in node["dependencyKeys"]} == \
            {k.to_user_string() for k in graph.get(key).parent_keys}, key
        assert {"2023", "2024"} <= set(node["partitionKeys"]), key
    # lineage an analyst follows from the form to a figure
    # write, audit, publish: the staged table comes from the staged raw export, the published one from it
    assert "staging/raw_responses" in {"/".join(d["path"]) for d in served["staging/projects"]["dependencyKeys"]}
    assert {"/".join(d["path"]) for d in served["projects"]["dependencyKeys"]} == {"staging/projects"}
    assert "projects" in {"/".join(d["path"]) for d in served["mart_national_summary"]["dependencyKeys"]}
    assert "mart_attainment" in {"/".join(d["path"]) for d in served["figur_4_maloppnaelse"]["dependencyKeys"]}
    assert {n["groupName"] for n in served.values()} >= {"reference", "raw", "clean", "marts", "report"}


def test_each_check_shows_every_table_its_suite_reads(webserver):
    """A check's upstream tables in the UI are what its suite's builder declares with @reads."""
    from friskliv_pipeline.checks.registry import declared_inputs
    from friskliv_pipeline.warehouse.staging import table_key

    query = ('{ assetNodes { assetKey { path } assetChecksOrError { ... on AssetChecks { checks { name '
             'additionalAssetKeys { path } } } } } }')
    served = {}
    for node in _graphql(webserver, query)["data"]["assetNodes"]:
        for check in (node["assetChecksOrError"] or {}).get("checks", []):
            served[("/".join(node["assetKey"]["path"]), check["name"])] = {
                "/".join(k["path"]) for k in check["additionalAssetKeys"]}
    for suite, inputs in declared_inputs().items():
        checks = {frozenset(deps) for (asset, _), deps in served.items() if asset == table_key(suite).to_user_string()}
        assert checks == {frozenset(table_key(t).to_user_string() for t in inputs.depends_on)}, suite
    assert served[("staging/projects", "q01_county_required")] == {
        "counties", "municipalities", "staging/cleaning_issues", "staging/project_attainment",
        "staging/project_municipalities", "staging/raw_responses", "staging/superseded_responses",
        "staging/set_aside_responses"}


METADATA = """
  metadataEntries {
    label
    ... on TableColumnLineageMetadataEntry { lineage { columnName columnDeps { assetKey { path } columnName } } }
    ... on CodeReferencesMetadataEntry { codeReferences { ... on LocalFileCodeReference { filePath lineNumber label } } }
  }"""


def _column_lineage(url: str) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """(asset, column) → its upstream (asset, column)s, from every asset's definition metadata."""
    nodes = _graphql(url, "{ assetNodes { assetKey { path } %s } }" % METADATA)["data"]["assetNodes"]
    lineage = {}
    for node in nodes:
        asset = "/".join(node["assetKey"]["path"])
        for entry in node["metadataEntries"]:
            for column in entry.get("lineage") or []:
                lineage[(asset, column["columnName"])] = {("/".join(d["assetKey"]["path"]), d["columnName"])
                                                          for d in column["columnDeps"]}
    return lineage


def test_each_check_has_a_status_per_grant_year_and_can_be_rerun_alone(webserver):
    """An auditor reads each year's status of a rule in the UI, not only the latest run's, and can
    re-run a table's checks without re-staging it (the fixture ran 2024 only)."""
    from friskliv_pipeline.checks.suites import suites

    query = ('{ assetNodes(assetKeys: [{path: ["staging", "projects"]}]) { assetChecksOrError { ... on AssetChecks '
             '{ checks { name canExecuteIndividually partitionDefinition { description } partitionStatuses { '
             '... on AssetCheckTimePartitionStatuses { ranges { startKey endKey status } } } } } } } }')
    [node] = _graphql(webserver, query)["data"]["assetNodes"]
    checks = {c["name"]: c for c in node["assetChecksOrError"]["checks"]}
    assert set(checks) == {rule.check_name for rule in suites()["projects"].rules}
    for check in checks.values():
        assert check["partitionDefinition"] is not None and check["canExecuteIndividually"] == "CAN_EXECUTE"
    statuses = {name: [(r["startKey"], r["endKey"], r["status"]) for r in c["partitionStatuses"]["ranges"]]
                for name, c in checks.items()}
    assert statuses["q01_county_required"] == [("2024", "2024", "SUCCEEDED")]
    assert ("2024", "2024", "FAILED") in statuses["q14_municipality_in_register"]  # WARN findings in the demo
    assert statuses["regelverk5_max_three_years"] == [] or all(s != "SUCCEEDED" for *_, s in
                                                               statuses["regelverk5_max_three_years"])  # not evaluated


def test_column_lineage_leads_from_a_mart_back_to_the_form_questions(webserver):
    """mart_attainment.pct_with_goal (figure 4) ← project_attainment ← staging/project_attainment ←
    staging/raw_responses.q24 … q35 (the export as read, before it was checked and published)."""
    lineage = _column_lineage(webserver)
    reached, todo = set(), [("mart_attainment", "pct_with_goal")]
    while todo:
        column = todo.pop()
        if column not in reached:
            reached.add(column)
            todo += lineage.get(column, ())
    raw = "staging/raw_responses"
    assert {("project_attainment", "answer"), ("staging/project_attainment", "answer")} <= reached
    assert {(raw, f"q{i}") for i in range(24, 36)} <= reached, sorted(reached)
    assert not {c for a, c in reached if a == raw and c in ("q13", "q23")}  # not other questions


def _code_references(entries: list[dict]) -> list[dict]:
    return [ref for e in entries for ref in e.get("codeReferences") or []]


def test_code_references_on_a_mart_and_a_check(webserver):
    [mart] = _graphql(webserver, '{ assetNodes(assetKeys: [{path: ["mart_attainment"]}]) { %s } }'
                      % METADATA)["data"]["assetNodes"]
    files = {Path(r["filePath"]).name for r in _code_references(mart["metadataEntries"])}
    assert {"mart_attainment.sql", "mart_attainment.yml"} <= files

    query = ('{ assetCheckExecutions(assetKey: {path: ["staging", "projects"]}, checkName: "q23_grant_required", '
             'limit: 1) '
             '{ evaluation { %s } } }' % METADATA)
    [execution] = _graphql(webserver, query)["data"]["assetCheckExecutions"]
    [reference] = _code_references(execution["evaluation"]["metadataEntries"])
    path = Path(reference["filePath"])
    assert path == ROOT / "expectations" / "projects.json"
    line = path.read_text(encoding="utf-8").splitlines()[reference["lineNumber"] - 1]
    assert '"rule": "q23.grant_required"' in line


def test_chromium_renders_the_asset_graph(webserver):
    """What an analyst sees on opening the lineage: the layers as Dagster groups, in data order from left
    to right, with nothing over them (no first-visit "Join the Dagster community" dialog: the instance
    has `nux: enabled: false`). The screenshot is docs/asset_graph.png, the README's picture."""
    groups = ("reference", "raw", "clean", "published", "marts", "report")
    with chromium_page(1600, 1000) as page:
        with page.expect_response(lambda r: "ShouldShowNux" in (r.request.post_data or ""), timeout=90_000) as nux:
            page.goto(f"{webserver}/asset-groups", wait_until="networkidle", timeout=90_000)
        graph = page.locator("svg").filter(has_text="published").first
        graph.get_by_text("published", exact=True).wait_for(timeout=60_000)
        page.wait_for_timeout(1500)  # the dialog, when enabled, opens once its query has answered
        page.screenshot(path=str(artifacts_dir() / "asset_graph.png"))
        assert page.get_by_role("dialog").count() == 0
        assert page.get_by_text("Join the Dagster community").count() == 0
        boxes = {}
        for name in groups:
            node = graph.get_by_text(name, exact=True).first
            box = node.bounding_box()
            assert box and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= 1600 \
                and box["y"] + box["height"] <= 1000, (name, box)
            # what is drawn at its centre is the group's box itself, not something over it
            on_top = node.evaluate("""el => {
                const r = el.getBoundingClientRect();
                const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
                return el.contains(hit) || hit.contains(el) ? "" : (hit ? hit.outerHTML.slice(0, 300) : "nothing");
            }""")
            assert on_top == "", f"{name} is covered by {on_top}"
            boxes[name] = box["x"]
        # the layers run downhill: each group lies right of every group it reads from
        assert max(boxes["reference"], boxes["raw"]) < boxes["clean"] < boxes["published"] < boxes["marts"] \
            < boxes["report"], boxes
        assert nux.value.json()["data"]["shouldShowNux"] is False  # the webserver's own answer: no dialog
