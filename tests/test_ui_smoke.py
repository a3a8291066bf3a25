"""UI smoke test (issue 6): the Dagster webserver on loopback serves every asset, the lineage edges
and the grant-year partitions over GraphQL, and Chromium renders the asset graph."""

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

from tests.conftest import ROOT, artifacts_dir, chromium_page

pytestmark = pytest.mark.slow
QUERY = "{ assetNodes { assetKey { path } dependencyKeys { path } partitionKeys groupName } }"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def webserver(tmp_path_factory):
    home = tmp_path_factory.mktemp("dagster_home")
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    port = _free_port()
    env = dict(os.environ, DAGSTER_HOME=str(home))
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


def _graphql(url: str) -> dict:
    request = urllib.request.Request(f"{url}/graphql", data=json.dumps({"query": QUERY}).encode(),
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
    assert {n["groupName"] for n in served.values()} >= {"reference", "raw", "clean", "marts", "publish"}


def test_chromium_renders_the_asset_graph(webserver):
    with chromium_page(1600, 1000) as page:
        page.goto(f"{webserver}/locations/friskliv_pipeline.definitions/asset-groups/marts",
                  wait_until="networkidle", timeout=90_000)
        skip = page.get_by_role("button", name="Skip")  # Dagster's first-visit newsletter dialog
        if skip.count():
            skip.click()
        page.get_by_text("mart_county_summary").first.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(artifacts_dir() / "asset_graph.png"))
    assert (artifacts_dir() / "asset_graph.png").stat().st_size > 20_000
