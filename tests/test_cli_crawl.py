"""``issuegraph crawl`` and ``stats`` as a user meets them: one line per failure, an exit code,
never a traceback, never the token."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from issuegraph import store as store_module
from issuegraph.cli import app

from .conftest import TOKEN, GitHubSide

runner = CliRunner()


def crawl(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["crawl", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def one_line_error(stderr: str) -> str:
    lines = [ln for ln in stderr.strip().splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    assert TOKEN not in stderr
    return lines[0]


@pytest.mark.vcr
def test_crawl_then_stats_json_has_the_documented_shape(github: GitHubSide, tmp_path: Path) -> None:
    api = github.serve("small.json")
    db = str(tmp_path / "s.db")
    code, stdout, stderr = crawl("acme/widgets", "--db", db, "--api-url", api, "--token", TOKEN)
    assert code == 0, stderr
    assert "crawled acme/widgets (full, GraphQL): 7 issues and pull requests saved" in stdout
    assert "crawl acme/widgets:" in stderr  # not a terminal: plain progress lines
    result = runner.invoke(app, ["stats", "--db", db, "--json"])
    data = json.loads(result.stdout)
    assert {k: data[k] for k in ("repos", "issues", "pull_requests", "comments")} == {
        "repos": 1, "issues": 5, "pull_requests": 2, "comments": 4}
    assert data["timeline"]["cross-referenced"] == 3
    repo = data["by_repo"]["acme/widgets"]
    assert repo["issues"] == 5 and repo["last_crawled_at"] and repo["last_crawl_requests"] == 2
    assert repo["last_crawl_points"] == 2


@pytest.mark.vcr
def test_without_a_token_it_warns_once_and_goes_on_over_rest(github: GitHubSide, tmp_path: Path) -> None:
    api = github.serve("small.json")
    code, stdout, stderr = crawl("acme/widgets", "--db", str(tmp_path / "s.db"), "--api-url", api)
    assert code == 0, stderr
    assert stderr.count("60 requests an hour") == 1
    assert "REST" in stdout


@pytest.mark.vcr
def test_an_unknown_repository_is_one_line_and_exit_3(github: GitHubSide, tmp_path: Path) -> None:
    api = github.serve("small.json")
    code, _, stderr = crawl("acme/nothing", "--db", str(tmp_path / "s.db"), "--api-url", api, "--token", TOKEN)
    assert code == 3
    assert "acme/nothing not found, or private and the token cannot see it" in one_line_error(stderr)


@pytest.mark.vcr
def test_a_rejected_token_is_one_line_and_exit_4(github: GitHubSide, tmp_path: Path) -> None:
    api = github.serve("small.json", "--valid-tokens", "the-only-good-one")
    code, _, stderr = crawl("acme/widgets", "--db", str(tmp_path / "s.db"), "--api-url", api, "--token", TOKEN)
    assert code == 4
    assert "rejected the token (bad or expired): make a new one" in one_line_error(stderr)


@pytest.mark.vcr
def test_a_rate_limit_reset_beyond_max_wait_exits_75(github: GitHubSide, tmp_path: Path) -> None:
    api = github.serve("small.json", "--graphql-rate-limit", "1")
    db = str(tmp_path / "s.db")
    code, _, stderr = crawl("acme/widgets", "--db", db, "--api-url", api, "--token", TOKEN, "--max-wait", "5")
    assert code == 75
    assert "longer than --max-wait 5s; everything fetched is saved, rerun then to resume" in one_line_error(stderr)


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["not-a-repo"], 2, "'not-a-repo' is not OWNER/REPO"),
        (["acme/widgets/extra"], 2, "is not OWNER/REPO"),
        (["acme/widgets", "--api-url", "ftp://example.com"], 2, "is not an API URL"),
    ],
    ids=["no-slash", "two-slashes", "bad-api-url"],
)
def test_bad_input_is_one_line_before_any_request(tmp_path: Path, args: list[str], code: int, message: str) -> None:
    got, _, stderr = crawl(*args, "--db", str(tmp_path / "s.db"), "--token", TOKEN)
    assert got == code and message in one_line_error(stderr)


def test_network_down_is_one_line_and_exit_69(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "sleep", lambda s: None)
    code, _, stderr = crawl("acme/widgets", "--db", str(tmp_path / "s.db"), "--api-url", "http://127.0.0.1:1",
                            "--token", TOKEN)
    assert code == 69
    assert "cannot reach 127.0.0.1 (connection refused)" in one_line_error(stderr)


def test_a_corrupt_database_is_one_line_and_exit_5(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    db.write_bytes(b"definitely not sqlite " * 200)
    code, _, stderr = crawl("acme/widgets", "--db", str(db), "--token", TOKEN)
    assert code == 5 and "is not a usable issuegraph database" in one_line_error(stderr)


def test_a_locked_database_is_one_line_and_exit_5(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "s.db"
    store_module.Store(db).close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    real_connect = sqlite3.connect
    monkeypatch.setattr(store_module.sqlite3, "connect", lambda *a, **kw: real_connect(*a, **{**kw, "timeout": 0.05}))
    try:
        code, _, stderr = crawl("acme/widgets", "--db", str(db), "--token", TOKEN)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 5 and "is locked by another issuegraph process" in one_line_error(stderr)


@pytest.mark.vcr
def test_a_full_disk_is_one_line_and_exit_5(github: GitHubSide, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    api = github.serve("overflow.json")
    real_init = store_module.Store.__init__

    def tiny(self: store_module.Store, path: object = ":memory:") -> None:
        real_init(self, path)  # type: ignore[arg-type]
        count = self.db.execute("PRAGMA page_count").fetchone()[0]
        self.db.execute(f"PRAGMA max_page_count={count + 2}")  # SQLite's own SQLITE_FULL

    monkeypatch.setattr(store_module.Store, "__init__", tiny)
    code, _, stderr = crawl("acme/busy", "--db", str(tmp_path / "s.db"), "--api-url", api, "--token", TOKEN)
    assert code == 5 and "is full; free some space and rerun" in one_line_error(stderr)


def test_stats_without_a_store_says_what_to_do(tmp_path: Path) -> None:
    result = runner.invoke(app, ["stats", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 2 and "run `issuegraph crawl OWNER/REPO` first" in result.stderr
