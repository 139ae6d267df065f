"""End to end against a live ghsim (skipped when ../shared/ghsim is not beside the repository):
a generated repository crawled through the CLI matches the dataset exactly, and a crawl killed
with SIGKILL resumes to the store a clean crawl gives."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from issuegraph.cli import app

from .conftest import GHSIM_DIR, ROOT, TOKEN, Ghsim

pytestmark = pytest.mark.skipif(not (GHSIM_DIR / "gen_dataset.py").exists(), reason="needs ../shared/ghsim")
REPO = "acme/widgets"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ghsim") / "gen.json"
    subprocess.run([sys.executable, str(GHSIM_DIR / "gen_dataset.py"), "--issues", "300", "--seed", "7", "--out", str(out)],
                   check=True, capture_output=True)
    return out


@pytest.fixture
def server(dataset: Path) -> Iterator[Ghsim]:
    s = Ghsim(dataset, ("--no-synth-events", "--latency-ms", "40"))
    yield s
    s.stop()


def expected_counts(dataset: Path) -> dict[str, Any]:
    issues = json.loads(dataset.read_text())["repos"][0]["issues"]
    timeline: dict[str, int] = {}
    for i in issues:
        for e in i["events"]:
            timeline[e["event"]] = timeline.get(e["event"], 0) + 1
    return {"repos": 1, "issues": sum(not i["is_pull_request"] for i in issues),
            "pull_requests": sum(bool(i["is_pull_request"]) for i in issues),
            "comments": sum(len(i["comments"]) for i in issues), "timeline": timeline}


def test_a_crawled_ghsim_repository_matches_the_dataset_exactly(dataset: Path, server: Ghsim, tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    runner = CliRunner()
    result = runner.invoke(app, ["crawl", REPO, "--db", db, "--api-url", server.url, "--token", TOKEN])
    assert result.exit_code == 0, result.stderr
    stats = json.loads(runner.invoke(app, ["stats", "--db", db, "--json"]).stdout)
    assert {k: stats[k] for k in ("repos", "issues", "pull_requests", "comments", "timeline")} == expected_counts(dataset)
    assert stats["referenced_only"] == 0

    # spot checks, whole rows against the dataset
    issues = {i["number"]: i for i in json.loads(dataset.read_text())["repos"][0]["issues"]}
    con = sqlite3.connect(db)
    for number in (1, 57, 150, 299):
        want = issues[number]
        row = con.execute("SELECT title, body, state, labels, author, created_at, kind, comment_count FROM issues "
                          "WHERE repo=? AND number=?", (REPO, number)).fetchone()
        assert row == (want["title"], want["body"], want["state"], json.dumps(sorted(want["labels"]), separators=(",", ":")),
                       want["author"], want["created_at"], "pull_request" if want["is_pull_request"] else "issue",
                       len(want["comments"]))
        bodies = [r[0] for r in con.execute("SELECT body FROM comments WHERE repo=? AND number=? ORDER BY created_at, id",
                                            (REPO, number))]
        assert bodies == [c["body"] for c in want["comments"]]
    ghsim_stats = server.control("/_ghsim/stats")
    assert set(ghsim_stats["by_route"]) == {"POST /graphql"}  # GraphQL only, no per-issue REST
    assert ghsim_stats["total_requests"] <= 300 * 0.025 + 2


def _tables(db: str) -> dict[str, list[tuple[Any, ...]]]:
    con = sqlite3.connect(db)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall()
                for t in ("issues", "comments", "timeline_events")}
    finally:
        con.close()


def _crawl_cmd(api: str, db: str) -> list[str]:
    return [sys.executable, "-m", "issuegraph.cli", "crawl", REPO, "--db", db, "--api-url", api, "--token", TOKEN]


def test_a_crawl_killed_with_sigkill_resumes_to_the_same_store(server: Ghsim, tmp_path: Path) -> None:
    clean, killed = str(tmp_path / "clean.db"), str(tmp_path / "killed.db")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(_crawl_cmd(server.url, clean), check=True, capture_output=True, env=env)

    proc = subprocess.Popen(_crawl_cmd(server.url, killed), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:  # kill it once a page or two are in
            time.sleep(0.05)
            if Path(killed).exists():
                try:
                    con = sqlite3.connect(killed, timeout=0.1)
                    n = con.execute("SELECT COUNT(*) FROM issues").fetchone()[0]
                    con.close()
                except sqlite3.Error:
                    continue
                if n >= 49:
                    break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    partial = _tables(killed)
    assert 0 < len(partial["issues"]) < len(_tables(clean)["issues"]), "the crawl finished before it was killed"
    done = subprocess.run(_crawl_cmd(server.url, killed), check=True, capture_output=True, text=True, env=env)
    assert "resumed" in done.stdout
    assert _tables(killed) == _tables(clean)
