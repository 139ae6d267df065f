"""End to end through the real crawler against ghsim (the local GitHub simulator in ../shared):
crawl → graph has exactly the dataset's edges; walk crosses repositories and writes the report.
Skipped when ../shared/ghsim is absent (CI without the shared folder)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from issuegraph.cli import app
from issuegraph.crawler.client import GitHubClient
from issuegraph.crawler.crawl import crawl_repo
from issuegraph.graph.build import build_graph
from issuegraph.store import Store

from .test_build import DATASET, EXPECTED_EDGES
from .test_walk import WALK_DATA

GHSIM = Path(__file__).resolve().parents[1].parent / "shared" / "ghsim"
pytestmark = pytest.mark.skipif(not (GHSIM / "ghsim").is_dir(), reason="../shared/ghsim is not present")


@pytest.fixture
def ghsim(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    data: dict[str, Any] = request.param
    path = tmp_path / "data.json"
    path.write_text(json.dumps(data))
    proc = subprocess.Popen([sys.executable, "-m", "ghsim", "--data", str(path), "--port", "0"], cwd=GHSIM,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("listening "), line
        yield line.split()[1]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def stats(base: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{base}/_ghsim/stats") as resp:
        return json.loads(resp.read())


@pytest.mark.parametrize("ghsim", [DATASET], indirect=True, ids=["graph-dataset"])
def test_crawled_graph_has_exactly_the_dataset_edges(ghsim: str) -> None:
    store = Store()
    client = GitHubClient("test-token", ghsim, on_notice=lambda _m: None)
    for repo in ("acme/widgets", "acme/gadgets"):
        crawl_repo(client, store, repo)
    graph = build_graph(store)
    assert set(graph.edges(keys=True)) == set(EXPECTED_EDGES)


@pytest.mark.parametrize("ghsim", [WALK_DATA], indirect=True, ids=["walk-dataset"])
def test_walk_crosses_repositories_and_writes_the_report(ghsim: str, tmp_path: Path) -> None:
    report = tmp_path / "report.md"
    args = ["walk", "https://github.com/cc/app/issues/1#issuecomment-1", "--depth", "2", "--db",
            str(tmp_path / "w.db"), "--api-url", ghsim, "--token", "test-token", "--report", str(report)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "walked cc/app#1: 5 issues and pull requests up to depth 2" in result.output
    assert "secret/repo#4: not found" in result.output  # a source ghsim only knows as a stub
    requests = stats(ghsim)["total_requests"]
    assert requests <= 4  # one batched query per level (+ at most one overflow page)
    text = report.read_text().replace("\u2060", "")  # the reports' invisible reference breakers
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    assert [t.info for t in tokens if t.type == "fence"] == ["mermaid"]
    assert "sdk/core\\#7" in text and "sdk/core#35;8" in text  # reached the other repository, depth 2
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0 and stats(ghsim)["total_requests"] - requests <= 1  # only the failure is retried
