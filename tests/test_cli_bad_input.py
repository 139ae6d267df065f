"""Bad input on every command that takes it: one ``error:`` line, the documented exit code, no
traceback, never the token. Offline: stores are built in memory or on tmp_path, no GitHub."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from issuegraph.cli import app
from issuegraph.models import Issue
from issuegraph.store import Store

from .conftest import TOKEN

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.stdout, result.stderr


def one_line_error(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    assert TOKEN not in stderr
    lines = [ln for ln in stderr.strip().splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, stderr
    return lines[0]


def small_store(path: Path) -> Path:
    with Store(path) as store, store.transaction():
        store.save_repo("acme/widgets")
        store.save_issues([Issue(repo="acme/widgets", number=1, kind="issue", title="t", body="b", state="open",
                                 state_reason=None, author="a", labels=(), created_at=None, updated_at=None,
                                 closed_at=None)])
    return path


# every command that opens a store, with the arguments it needs besides --db
STORE_COMMANDS = {
    "crawl": ["crawl", "acme/widgets", "--token", TOKEN, "--api-url", "http://127.0.0.1:9"],
    "stats": ["stats"],
    "export": ["export", "--format", "json", "--out", "-"],
    "walk": ["walk", "acme/widgets#1", "--token", TOKEN, "--api-url", "http://127.0.0.1:9"],
    "cluster": ["cluster"],
    "clusters": ["clusters"],
    "similar": ["similar", "acme/widgets#1"],
}


def _folder(tmp: Path) -> Path:
    (tmp / "store.db").mkdir()
    return tmp / "store.db"


def _random_bytes(tmp: Path) -> Path:
    (tmp / "store.db").write_bytes(os.urandom(8192))
    return tmp / "store.db"


def _truncated(tmp: Path) -> Path:
    real = small_store(tmp / "real.db")
    data = real.read_bytes()
    (tmp / "store.db").write_bytes(data[: len(data) // 2] if len(data) > 8192 else data[:3000])
    return tmp / "store.db"


def _under_a_file(tmp: Path) -> Path:
    (tmp / "file").write_text("x")
    return tmp / "file" / "store.db"


BAD_STORES = {
    "a folder": (_folder, "is a folder, not a database file"),
    "random bytes": (_random_bytes, "is not a usable issuegraph database"),
    "truncated": (_truncated, "is not a usable issuegraph database"),
    "parent is a file": (_under_a_file, "cannot create the folder"),
}


@pytest.mark.parametrize("command", list(STORE_COMMANDS), ids=list(STORE_COMMANDS))
@pytest.mark.parametrize("case", list(BAD_STORES), ids=list(BAD_STORES))
def test_an_unusable_store_is_one_line_and_exit_5_for_every_command(tmp_path: Path, command: str, case: str) -> None:
    make, expected = BAD_STORES[case]
    db = make(tmp_path)
    code, _, stderr = run(*STORE_COMMANDS[command], "--db", str(db))
    line = one_line_error(stderr)
    if case == "parent is a file" and command != "crawl" and command != "walk":
        # reading commands stop earlier: there is no store at that path
        assert code == 2 and "no store at" in line
        return
    assert code == 5 and expected in line, line


def test_a_locked_store_is_one_line_and_exit_5(tmp_path: Path) -> None:
    db = small_store(tmp_path / "s.db")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO meta VALUES ('held', 'by another process')")
    try:
        code, _, stderr = run("cluster", "--db", str(db))
        assert code == 5 and "is locked by another" in one_line_error(stderr)
        # readers still read
        code, stdout, stderr = run("stats", "--db", str(db), "--json")
        assert code == 0, stderr
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files anyway")
def test_a_read_only_store_can_be_read_and_refuses_writes_in_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    db = small_store(folder / "s.db")
    db.chmod(0o444)
    folder.chmod(0o555)
    try:
        code, stdout, stderr = run("stats", "--db", str(db), "--json")
        assert code == 0 and '"issues": 1' in stdout, stderr
        code, _, stderr = run("cluster", "--db", str(db))
        assert code == 5 and "is read-only" in one_line_error(stderr)
    finally:
        folder.chmod(0o755)


def test_a_read_only_store_opens_for_reading_and_says_so_on_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same as above for root (CI containers): simulate SQLite refusing the writable open."""
    import issuegraph.store as store_module

    db = small_store(tmp_path / "s.db")

    def refuse(path: str) -> sqlite3.Connection:
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(store_module.Store, "_connect", staticmethod(refuse))
    with Store(db) as store:
        assert store.readonly and store.load_issue("acme/widgets", 1) is not None
        with pytest.raises(store_module.StoreError, match="is read-only"):
            store.require_writable()
    code, _, stderr = run("walk", "acme/widgets#1", "--token", TOKEN, "--api-url", "http://127.0.0.1:9",
                          "--db", str(db))
    assert code == 5 and "is read-only" in one_line_error(stderr)  # before any request


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        pytest.param(["crawl", "https://github.com/acme/widgets"], "pass the repository as OWNER/REPO: acme/widgets",
                     id="crawl-repo-url"),
        pytest.param(["crawl", "acme"], "is not OWNER/REPO", id="crawl-no-slash"),
        pytest.param(["crawl", "acme/widgets/x"], "is not OWNER/REPO", id="crawl-three-parts"),
        pytest.param(["crawl", "acme/widgets", "--api-url", "javascript:alert(1)"], "is not an API URL",
                     id="crawl-javascript-api-url"),
        pytest.param(["walk", "https://gitlab.com/acme/widgets/issues/1"], "is not on github.com", id="walk-not-github"),
        pytest.param(["walk", "https://github.com/acme/widgets/pulls"], "is not an issue or pull request page",
                     id="walk-pulls-list"),
        pytest.param(["walk", "https://github.com/acme/widgets/wiki"], "is not an issue or pull request page",
                     id="walk-wiki"),
        pytest.param(["walk", "https://github.com/acme/widgets/commit/0a1b2c"], "is not an issue or pull request page",
                     id="walk-commit"),
        pytest.param(["walk", "javascript:alert(1)"], "is not an issue or pull request", id="walk-javascript"),
        pytest.param(["export", "--format", "xml", "--out", "-"], "unknown format", id="export-format"),
        pytest.param(["export", "--format", "json", "--out", "-", "--around", "https://github.com/acme/widgets/wiki"],
                     "is not an issue or pull request page", id="export-around-wiki"),
        pytest.param(["similar", "javascript:alert(1)"], "is not an issue or pull request", id="similar-javascript"),
    ],
)
def test_malformed_input_is_one_line_and_exit_2(tmp_path: Path, argv: list[str], expected: str) -> None:
    db = small_store(tmp_path / "s.db")
    code, _, stderr = run(*argv, "--db", str(db), "--token", TOKEN) if argv[0] in ("crawl", "walk") else run(
        *argv, "--db", str(db))
    assert code == 2 and expected in one_line_error(stderr)


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["export", "--format", "json", "--out", "-", "--repo", "acme/nope"], id="export"),
        pytest.param(["cluster", "--repo", "acme/nope"], id="cluster"),
        pytest.param(["clusters", "--repo", "acme/nope"], id="clusters"),
    ],
)
def test_a_repo_filter_naming_a_repository_not_in_the_store_is_an_error_not_an_empty_result(
        tmp_path: Path, argv: list[str]) -> None:
    db = small_store(tmp_path / "s.db")
    code, stdout, stderr = run(*argv, "--db", str(db))
    assert code == 2 and "holds no crawl of acme/nope (it holds: acme/widgets)" in one_line_error(stderr)
    with Store(db) as store:
        assert store.cluster_runs("acme/nope") == []  # nothing was recorded for it


def test_walk_without_a_token_says_how_to_give_one(tmp_path: Path) -> None:
    code, _, stderr = run("walk", "acme/widgets#1", "--db", str(tmp_path / "s.db"), "--api-url", "http://127.0.0.1:9")
    line = one_line_error(stderr)
    assert code == 2 and "needs a token" in line and "--token" in line
    assert "going on over REST" not in stderr


@pytest.mark.parametrize("command", ["crawl", "walk"])
def test_a_usage_error_never_echoes_the_token(tmp_path: Path, command: str) -> None:
    """``--api-url $UNSET --token T`` shifts T into an argument slot; click would quote it."""
    target = "acme/widgets" if command == "crawl" else "acme/widgets#1"
    code, stdout, stderr = run(command, target, "--api-url", "--token", TOKEN, "--db", str(tmp_path / "s.db"))
    assert code == 2 and TOKEN not in stdout + stderr and "***" in stderr
    code, stdout, stderr = run(command, target, TOKEN, env={"GITHUB_TOKEN": TOKEN})
    assert code == 2 and TOKEN not in stdout + stderr


def test_walk_has_max_wait_like_crawl() -> None:
    result = runner.invoke(app, ["walk", "--help"])
    assert "--max-wait" in result.stdout


def test_no_traceback_when_a_reader_races_a_writer(tmp_path: Path) -> None:
    """stats while another connection writes (WAL): readers never block, never crash."""
    db = small_store(tmp_path / "s.db")
    stop = threading.Event()

    def writer() -> None:
        conn = sqlite3.connect(db, isolation_level=None)
        while not stop.is_set():
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('tick', 'x')")
            conn.execute("COMMIT")
        conn.close()

    t = threading.Thread(target=writer)
    t.start()
    try:
        for _ in range(5):
            code, _, stderr = run("stats", "--db", str(db), "--json")
            assert code == 0, stderr
    finally:
        stop.set()
        t.join()
