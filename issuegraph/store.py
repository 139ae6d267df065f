"""The store: the only module that speaks SQL.

One SQLite file (default ``.issuegraph/issuegraph.db``, or ``$ISSUEGRAPH_DB``) holds what the
crawler fetched, with each object's raw JSON so later stages can re-derive anything, the crawl
cursors that make nightly runs incremental and killed runs resumable, and the cluster runs.

Writes are grouped by the caller in ``with store.transaction():`` blocks (one per fetched page),
so a crawl killed at any moment leaves either all of a page, with its cursor, or none of it.
Upserts are keyed on GitHub's own identities, so a page written twice is written once.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import DiskFullError, StoreCorruptError, StoreError, StoreLockedError
from .models import ClusterRecord, Comment, Issue, IssueRef, TimelineEvent

DEFAULT_DB = Path(".issuegraph") / "issuegraph.db"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS repos (
    full_name          TEXT PRIMARY KEY,
    raw                TEXT,
    crawl_since        TEXT,     -- incremental cursor: items updated at/after this were not yet seen
    last_crawled_at    TEXT,     -- end of the last successful crawl
    last_crawl_requests INTEGER,
    last_crawl_points   INTEGER
);
CREATE TABLE IF NOT EXISTS crawl_progress (
    repo        TEXT NOT NULL,
    stream      TEXT NOT NULL,   -- e.g. 'issues', 'pull_requests', 'overflow'
    cursor      TEXT,            -- opaque page cursor to resume from
    state       TEXT NOT NULL DEFAULT '{}',  -- JSON: whatever else the stream needs to resume
    PRIMARY KEY (repo, stream)
);
CREATE TABLE IF NOT EXISTS crawl_runs (
    id          INTEGER PRIMARY KEY,
    repo        TEXT NOT NULL,
    mode        TEXT NOT NULL,   -- full | incremental | walk
    since       TEXT,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    status      TEXT NOT NULL,   -- running | done | interrupted | failed
    requests    INTEGER NOT NULL DEFAULT 0,
    points      INTEGER NOT NULL DEFAULT 0,
    items       INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS issues (
    repo          TEXT NOT NULL,
    number        INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    state         TEXT NOT NULL,
    state_reason  TEXT,
    author        TEXT,
    labels        TEXT NOT NULL,   -- JSON array
    created_at    TEXT,
    updated_at    TEXT,
    closed_at     TEXT,
    merged_at     TEXT,
    merged        INTEGER,
    reactions     TEXT NOT NULL,   -- JSON object
    comment_count INTEGER NOT NULL,
    url           TEXT,
    node_id       TEXT,
    crawled       INTEGER NOT NULL,
    raw           TEXT NOT NULL,
    PRIMARY KEY (repo, number)
);
CREATE TABLE IF NOT EXISTS comments (
    repo        TEXT NOT NULL,
    number      INTEGER NOT NULL,
    id          INTEGER NOT NULL,
    author      TEXT,
    body        TEXT NOT NULL,
    created_at  TEXT,
    updated_at  TEXT,
    reactions   TEXT NOT NULL,
    url         TEXT,
    node_id     TEXT,
    raw         TEXT NOT NULL,
    PRIMARY KEY (repo, id)
);
CREATE INDEX IF NOT EXISTS comments_by_issue ON comments (repo, number);
CREATE TABLE IF NOT EXISTS timeline_events (
    repo          TEXT NOT NULL,
    number        INTEGER NOT NULL,
    key           TEXT NOT NULL,
    event         TEXT NOT NULL,
    actor         TEXT,
    created_at    TEXT,
    other_repo    TEXT,
    other_number  INTEGER,
    will_close    INTEGER,
    state_reason  TEXT,
    commit_id     TEXT,
    rename_from   TEXT,
    rename_to     TEXT,
    raw           TEXT NOT NULL,
    PRIMARY KEY (repo, number, key)
);
CREATE INDEX IF NOT EXISTS timeline_by_other ON timeline_events (other_repo, other_number);
CREATE TABLE IF NOT EXISTS cluster_runs (
    id            INTEGER PRIMARY KEY,
    repo          TEXT NOT NULL,
    rules_version TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    issue_count   INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS clusters (
    run_id     INTEGER NOT NULL REFERENCES cluster_runs(id) ON DELETE CASCADE,
    id         TEXT NOT NULL,
    repo       TEXT NOT NULL,
    canonical  TEXT NOT NULL,
    members    TEXT NOT NULL,   -- JSON array of owner/repo#N
    signature  TEXT,
    hints      TEXT NOT NULL,   -- JSON object
    details    TEXT NOT NULL,   -- JSON object
    PRIMARY KEY (run_id, id)
);
CREATE TABLE IF NOT EXISTS report_facts (
    repo        TEXT NOT NULL,
    number      INTEGER NOT NULL,
    updated_at  TEXT,            -- the issue's updated_at when the facts were read (new comment → new value)
    version     TEXT NOT NULL,   -- which extractors read them
    facts       TEXT NOT NULL,   -- JSON: environment and error records, derived from stored text
    PRIMARY KEY (repo, number)
);
CREATE TABLE IF NOT EXISTS http_cache (
    url   TEXT PRIMARY KEY,      -- path + query, never a token
    etag  TEXT NOT NULL,
    body  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS issue_fetches (
    repo        TEXT NOT NULL,
    number      INTEGER NOT NULL,
    fetched_at  TEXT NOT NULL,   -- when the walk last fetched this issue in full
    status      TEXT NOT NULL,   -- ok | not_found | forbidden | error …
    PRIMARY KEY (repo, number)
);
"""


_ISSUE_COLUMNS = ("repo", "number", "kind", "title", "body", "state", "state_reason", "author", "labels",
                  "created_at", "updated_at", "closed_at", "merged_at", "merged", "reactions",
                  "comment_count", "url", "node_id", "crawled", "raw")


def default_db_path() -> Path:
    env = os.environ.get("ISSUEGRAPH_DB")
    return Path(env) if env else DEFAULT_DB


def _read_only_message(path: Path | str) -> str:
    return f"{path} is read-only (file or folder permissions); reading works, to update it copy it somewhere writable and pass that --db"


def _translate(exc: sqlite3.Error, path: Path | str) -> StoreError:
    """Map sqlite's many failure strings onto the errors a user can act on."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return StoreLockedError(f"the database {path} is locked by another issuegraph process; wait for it to finish")
    if "disk is full" in text or "database or disk is full" in text:
        return DiskFullError(f"the disk holding {path} is full; free some space and rerun (nothing committed is lost)")
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return StoreCorruptError(
            f"{path} is not a usable issuegraph database ({exc}); move it aside and crawl again"
        )
    if "readonly" in text or "read-only" in text:
        return StoreError(_read_only_message(path))
    if "unable to open" in text:
        return StoreError(f"cannot open {path} ({exc}); check the path and its permissions")
    return StoreError(f"database error in {path}: {exc}")


def _check_db_path(path: Path) -> None:
    """Fail with one line before SQLite does with a vaguer one: a folder, or a parent that is a file."""
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a database file; pass a file path to --db (e.g. {path / 'issuegraph.db'})")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the folder for {path} ({exc.strerror}); pass another --db path") from None


def _is_readonly_failure(exc: sqlite3.Error, path: Path | str) -> bool:
    text = str(exc).lower()
    return ("readonly" in text or "unable to open" in text) and str(path) != ":memory:" and Path(path).is_file()


def _check_version(db: sqlite3.Connection, path: str) -> None:
    row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    if row is None:
        db.execute("INSERT INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
    elif int(row["value"]) > SCHEMA_VERSION:
        raise StoreError(f"{path} was written by a newer issuegraph (schema {row['value']}); upgrade issuegraph")


def _valid_utf8(params: Iterable[Any]) -> tuple[Any, ...]:
    """SQLite stores UTF-8, and Python strings may hold lone surrogates (JSON's ``"\\udcff"``
    decodes to one; GitHub serves what people paste). They become U+FFFD instead of an
    ``UnicodeEncodeError`` mid-crawl; surrogate *pairs* written as escapes are joined first."""
    out = []
    for p in params:
        if isinstance(p, str):
            try:
                p.encode("utf-8")
            except UnicodeEncodeError:
                p = p.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        out.append(p)
    return tuple(out)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _loads_small(text: str) -> Any:
    """``json.loads`` for the small columns (labels, reactions), which are often empty: ``[]`` and
    ``{}`` skip the decoder (loading every issue of a big repository decodes two per issue)."""
    if text == "[]":
        return []
    if text == "{}":
        return {}
    return json.loads(text)


class Store:
    """A handle on one SQLite store. Use as a context manager or call ``close()``."""

    def __init__(self, path: Path | str = ":memory:") -> None:
        self.path = path
        self.readonly = False
        if str(path) != ":memory:":
            _check_db_path(Path(path))
        try:
            self.db = self._connect(str(path))
        except sqlite3.Error as exc:
            if not _is_readonly_failure(exc, path):
                raise _translate(exc, path) from None
            # A store we may read but not write (an archived copy, a CI artifact, another user's
            # file): reading commands work; the first write says why it cannot.
            self.db = self._connect_readonly(Path(path), exc)
            self.readonly = True
        self._depth = 0

    @staticmethod
    def _connect(path: str) -> sqlite3.Connection:
        db = sqlite3.connect(path, timeout=5.0, isolation_level=None)
        try:
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.executescript(_SCHEMA)
            _check_version(db, path)
        except BaseException:
            db.close()
            raise
        return db

    @staticmethod
    def _connect_readonly(path: Path, first: sqlite3.Error) -> sqlite3.Connection:
        """``mode=ro``; if the folder is read-only too, a WAL store cannot make its ``-shm`` file,
        so it is opened ``immutable`` (nobody can be writing it through that folder either)."""
        last: sqlite3.Error = first
        for flags in ("mode=ro", "mode=ro&immutable=1"):
            try:
                db = sqlite3.connect(f"{path.resolve().as_uri()}?{flags}", uri=True, timeout=5.0, isolation_level=None)
            except sqlite3.Error as exc:
                last = exc
                continue
            try:
                db.row_factory = sqlite3.Row
                db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
                _check_version(db, str(path))
                return db
            except sqlite3.Error as exc:
                db.close()
                last = exc
        raise _translate(last, path) from None

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()


    def require_writable(self) -> None:
        """Raise before spending requests on data that could not be saved."""
        if self.readonly:
            raise StoreError(_read_only_message(self.path))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all. Nested blocks join the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise _translate(exc, self.path) from None
        self._depth = 1
        try:
            yield
        except sqlite3.Error as exc:
            self._rollback()
            raise _translate(exc, self.path) from None
        except BaseException:
            self._rollback()
            raise
        else:
            try:
                self.db.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback()
                raise _translate(exc, self.path) from None
        finally:
            self._depth = 0

    def _rollback(self) -> None:
        """Roll back if SQLite has not already (it does so itself on SQLITE_FULL and friends)."""
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")

    def _exec(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Cursor:
        try:
            return self.db.execute(sql, _valid_utf8(params))
        except sqlite3.Error as exc:
            raise _translate(exc, self.path) from None

    def _many(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        try:
            self.db.executemany(sql, (_valid_utf8(row) for row in rows))
        except sqlite3.Error as exc:
            raise _translate(exc, self.path) from None

    # -- saving ----------------------------------------------------------------------------
    def save_issues(self, issues: Iterable[Issue]) -> None:
        """Upsert issues. A stub (``crawled=False``) never overwrites a crawled row."""
        rows = [
            (
                i.repo, i.number, i.kind, i.title, i.body, i.state, i.state_reason, i.author,
                _dumps(list(i.labels)), i.created_at, i.updated_at, i.closed_at, i.merged_at,
                None if i.merged is None else int(i.merged), _dumps(i.reactions), i.comment_count,
                i.url, i.node_id, int(i.crawled), _dumps(i.raw),
            )
            for i in issues
        ]
        self._many(
            """INSERT INTO issues VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
               ON CONFLICT(repo, number) DO UPDATE SET
                 kind=excluded.kind, title=excluded.title, body=excluded.body, state=excluded.state,
                 state_reason=excluded.state_reason, author=excluded.author, labels=excluded.labels,
                 created_at=excluded.created_at, updated_at=excluded.updated_at,
                 closed_at=excluded.closed_at, merged_at=excluded.merged_at, merged=excluded.merged,
                 reactions=excluded.reactions, comment_count=excluded.comment_count, url=excluded.url,
                 node_id=excluded.node_id, crawled=excluded.crawled, raw=excluded.raw
               WHERE excluded.crawled = 1 OR issues.crawled = 0""",
            rows,
        )

    def save_comments(self, comments: Iterable[Comment]) -> None:
        self._many(
            """INSERT INTO comments VALUES (?,?,?,?,?,?,?,?,?,?,?)
               ON CONFLICT(repo, id) DO UPDATE SET
                 number=excluded.number, author=excluded.author, body=excluded.body,
                 created_at=excluded.created_at, updated_at=excluded.updated_at,
                 reactions=excluded.reactions, url=excluded.url, node_id=excluded.node_id,
                 raw=excluded.raw""",
            [
                (c.repo, c.number, c.id, c.author, c.body, c.created_at, c.updated_at,
                 _dumps(c.reactions), c.url, c.node_id, _dumps(c.raw))
                for c in comments
            ],
        )

    def delete_comments_not_in(self, repo: str, number: int, keep_ids: Iterable[int]) -> None:
        """Drop comments deleted on GitHub; called only when an issue's full comment list was read."""
        keep = sorted(set(keep_ids))
        marks = ",".join("?" * len(keep))
        sql = f"DELETE FROM comments WHERE repo=? AND number=? AND id NOT IN ({marks})" if keep else \
            "DELETE FROM comments WHERE repo=? AND number=?"
        self._exec(sql, (repo, number, *keep))

    def save_timeline_events(self, events: Iterable[TimelineEvent]) -> None:
        self._many(
            """INSERT INTO timeline_events VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)
               ON CONFLICT(repo, number, key) DO UPDATE SET
                 event=excluded.event, actor=excluded.actor, created_at=excluded.created_at,
                 other_repo=excluded.other_repo, other_number=excluded.other_number,
                 will_close=excluded.will_close, state_reason=excluded.state_reason,
                 commit_id=excluded.commit_id, rename_from=excluded.rename_from,
                 rename_to=excluded.rename_to, raw=excluded.raw""",
            [
                (e.repo, e.number, e.key, e.event, e.actor, e.created_at,
                 e.other.repo if e.other else None, e.other.number if e.other else None,
                 None if e.will_close is None else int(e.will_close), e.state_reason, e.commit_id,
                 e.rename_from, e.rename_to, _dumps(e.raw))
                for e in events
            ],
        )

    # -- loading ---------------------------------------------------------------------------
    @staticmethod
    def _issue(row: sqlite3.Row, with_raw: bool = True) -> Issue:
        return Issue(
            repo=row["repo"], number=row["number"], kind=row["kind"], title=row["title"],
            body=row["body"], state=row["state"], state_reason=row["state_reason"],
            author=row["author"], labels=tuple(_loads_small(row["labels"])),
            created_at=row["created_at"], updated_at=row["updated_at"], closed_at=row["closed_at"],
            merged_at=row["merged_at"], merged=None if row["merged"] is None else bool(row["merged"]),
            reactions=_loads_small(row["reactions"]), comment_count=row["comment_count"],
            url=row["url"], node_id=row["node_id"], crawled=bool(row["crawled"]),
            raw=json.loads(row["raw"]) if with_raw else {},
        )

    @staticmethod
    def _comment(row: sqlite3.Row) -> Comment:
        return Comment(
            repo=row["repo"], number=row["number"], id=row["id"], author=row["author"],
            body=row["body"], created_at=row["created_at"], updated_at=row["updated_at"],
            reactions=json.loads(row["reactions"]), url=row["url"], node_id=row["node_id"],
            raw=json.loads(row["raw"]),
        )

    @staticmethod
    def _event(row: sqlite3.Row) -> TimelineEvent:
        other = IssueRef(row["other_repo"], row["other_number"]) if row["other_repo"] else None
        return TimelineEvent(
            repo=row["repo"], number=row["number"], key=row["key"], event=row["event"],
            actor=row["actor"], created_at=row["created_at"], other=other,
            will_close=None if row["will_close"] is None else bool(row["will_close"]),
            state_reason=row["state_reason"], commit_id=row["commit_id"],
            rename_from=row["rename_from"], rename_to=row["rename_to"], raw=json.loads(row["raw"]),
        )

    def load_issue(self, repo: str, number: int) -> Issue | None:
        row = self._exec("SELECT * FROM issues WHERE repo=? AND number=?", (repo, number)).fetchone()
        return self._issue(row) if row else None

    def load_issues(self, repo: str | None = None, *, crawled_only: bool = True, with_raw: bool = True) -> list[Issue]:
        """Issues and PRs ordered by (repo, number); stubs seen only as references are left out
        unless ``crawled_only`` is False. ``with_raw=False`` leaves ``raw`` empty and
        neither reads nor decodes it: the reports need none of it, and it is most of a row."""
        where, params = [], []
        if repo:
            where.append("repo=?")
            params.append(repo)
        if crawled_only:
            where.append("crawled=1")
        cols = "*" if with_raw else ", ".join(c for c in _ISSUE_COLUMNS if c != "raw") + ", '{}' AS raw"
        sql = f"SELECT {cols} FROM issues" + (" WHERE " + " AND ".join(where) if where else "")
        return [self._issue(r, with_raw) for r in self._exec(sql + " ORDER BY repo, number", params)]

    def load_comments(self, repo: str | None = None, number: int | None = None) -> list[Comment]:
        where, params = [], []
        if repo:
            where.append("repo=?")
            params.append(repo)
        if number is not None:
            where.append("number=?")
            params.append(number)
        sql = "SELECT * FROM comments" + (" WHERE " + " AND ".join(where) if where else "")
        return [self._comment(r) for r in self._exec(sql + " ORDER BY repo, number, created_at, id", params)]

    def load_timeline_events(self, repo: str | None = None, number: int | None = None) -> list[TimelineEvent]:
        where, params = [], []
        if repo:
            where.append("repo=?")
            params.append(repo)
        if number is not None:
            where.append("number=?")
            params.append(number)
        sql = "SELECT * FROM timeline_events" + (" WHERE " + " AND ".join(where) if where else "")
        return [self._event(r) for r in self._exec(sql + " ORDER BY repo, number, created_at, key", params)]

    def load_events_pointing_at(self, ref: IssueRef) -> list[TimelineEvent]:
        rows = self._exec(
            "SELECT * FROM timeline_events WHERE other_repo=? AND other_number=? ORDER BY repo, number, key",
            (ref.repo, ref.number),
        )
        return [self._event(r) for r in rows]

    def load_issue_numbers(self, repo: str, *, updated_since: str | None = None, after: int | None = None) -> list[int]:
        """Numbers of crawled issues/PRs in ``repo`` updated at/after ``updated_since`` (ISO text
        compares in time order), above ``after``, ascending: the REST crawl's timeline queue."""
        sql = "SELECT number FROM issues WHERE repo=? AND crawled=1"
        params: list[Any] = [repo]
        if updated_since:
            sql += " AND updated_at >= ?"
            params.append(updated_since)
        if after is not None:
            sql += " AND number > ?"
            params.append(after)
        return [r["number"] for r in self._exec(sql + " ORDER BY number", params)]

    def repos(self) -> list[str]:
        """Repositories with at least one crawled issue, or a crawl record."""
        rows = self._exec(
            "SELECT full_name AS r FROM repos UNION SELECT DISTINCT repo AS r FROM issues WHERE crawled=1 ORDER BY r"
        )
        return [r["r"] for r in rows]

    # -- crawl cursors ---------------------------------------------------------------------
    def get_repo_cursor(self, repo: str) -> str | None:
        row = self._exec("SELECT crawl_since FROM repos WHERE full_name=?", (repo,)).fetchone()
        return row["crawl_since"] if row else None

    def save_repo(self, repo: str, raw: dict[str, Any] | None = None) -> None:
        self._exec(
            """INSERT INTO repos(full_name, raw) VALUES (?, ?)
               ON CONFLICT(full_name) DO UPDATE SET raw=COALESCE(excluded.raw, repos.raw)""",
            (repo, _dumps(raw) if raw is not None else None),
        )

    def finish_repo_crawl(self, repo: str, *, since: str | None, finished_at: str, requests: int, points: int) -> None:
        """Record a successful crawl: the next run asks only for what changed at/after ``since``."""
        self.save_repo(repo)
        self._exec(
            """UPDATE repos SET crawl_since=?, last_crawled_at=?, last_crawl_requests=?, last_crawl_points=?
               WHERE full_name=?""",
            (since, finished_at, requests, points, repo),
        )

    def get_progress(self, repo: str, stream: str) -> tuple[str | None, dict[str, Any]] | None:
        row = self._exec("SELECT cursor, state FROM crawl_progress WHERE repo=? AND stream=?", (repo, stream)).fetchone()
        return (row["cursor"], json.loads(row["state"])) if row else None

    def set_progress(self, repo: str, stream: str, cursor: str | None, state: dict[str, Any] | None = None) -> None:
        self._exec(
            """INSERT INTO crawl_progress(repo, stream, cursor, state) VALUES (?,?,?,?)
               ON CONFLICT(repo, stream) DO UPDATE SET cursor=excluded.cursor, state=excluded.state""",
            (repo, stream, cursor, _dumps(state or {})),
        )

    def clear_progress(self, repo: str) -> None:
        self._exec("DELETE FROM crawl_progress WHERE repo=?", (repo,))

    def start_run(self, repo: str, mode: str, since: str | None, started_at: str) -> int:
        cur = self._exec(
            "INSERT INTO crawl_runs(repo, mode, since, started_at, status) VALUES (?,?,?,?, 'running')",
            (repo, mode, since, started_at),
        )
        return int(cur.lastrowid or 0)

    def update_run(self, run_id: int, **fields: Any) -> None:
        allowed = {"finished_at", "status", "requests", "points", "items"}
        bad = set(fields) - allowed
        if bad:
            raise ValueError(f"unknown crawl_runs fields: {sorted(bad)}")
        sets = ", ".join(f"{k}=?" for k in fields)
        self._exec(f"UPDATE crawl_runs SET {sets} WHERE id=?", (*fields.values(), run_id))

    def load_runs(self, repo: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM crawl_runs" + (" WHERE repo=?" if repo else "") + " ORDER BY id"
        return [dict(r) for r in self._exec(sql, (repo,) if repo else ())]

    # -- single-issue fetches (the walk) ---------------------------------------------------
    def save_fetches(self, statuses: dict[IssueRef, str], fetched_at: str) -> None:
        """Record that these issues were just fetched one by one, with the outcome of each."""
        self._many(
            """INSERT INTO issue_fetches(repo, number, fetched_at, status) VALUES (?,?,?,?)
               ON CONFLICT(repo, number) DO UPDATE SET fetched_at=excluded.fetched_at, status=excluded.status""",
            [(r.repo, r.number, fetched_at, st) for r, st in sorted(statuses.items())],
        )

    def load_fetched_at(self, ref: IssueRef) -> tuple[str, str] | None:
        """(when, status) of the newest fetch of ``ref``: by the walk, or by a finished crawl of its
        repository (whichever is later; a crawl's status is 'ok' for issues it stored)."""
        row = self._exec("SELECT fetched_at, status FROM issue_fetches WHERE repo=? AND number=?",
                         (ref.repo, ref.number)).fetchone()
        walked = (row["fetched_at"], row["status"]) if row else None
        crawl = self._exec(
            """SELECT r.last_crawled_at AS at FROM repos r JOIN issues i ON i.repo = r.full_name
               WHERE r.full_name=? AND i.number=? AND i.crawled=1 AND r.last_crawled_at IS NOT NULL""",
            (ref.repo, ref.number),
        ).fetchone()
        crawled = (crawl["at"], "ok") if crawl else None
        candidates = [c for c in (walked, crawled) if c]
        return max(candidates) if candidates else None

    # -- conditional-request cache (REST ETags) ---------------------------------------------
    def get_cached(self, url: str) -> tuple[str, str] | None:
        row = self._exec("SELECT etag, body FROM http_cache WHERE url=?", (url,)).fetchone()
        return (row["etag"], row["body"]) if row else None

    def put_cached(self, url: str, etag: str, body: str) -> None:
        self._exec(
            "INSERT INTO http_cache(url, etag, body) VALUES (?,?,?) ON CONFLICT(url) DO UPDATE SET etag=excluded.etag, body=excluded.body",
            (url, etag, body),
        )

    # -- clusters --------------------------------------------------------------------------
    def save_cluster_run(self, repo: str, rules_version: str, created_at: str, issue_count: int,
                         clusters: Iterable[ClusterRecord]) -> int:
        """Store one clustering of ``repo`` as the current one; older runs are kept for comparison
        (the reports' "new since last run" reads the previous run)."""
        with self.transaction():
            cur = self._exec(
                "INSERT INTO cluster_runs(repo, rules_version, created_at, issue_count) VALUES (?,?,?,?)",
                (repo, rules_version, created_at, issue_count),
            )
            run_id = int(cur.lastrowid or 0)
            self._many(
                "INSERT INTO clusters VALUES (?,?,?,?,?,?,?,?)",
                [
                    (run_id, c.id, c.repo, c.canonical, _dumps(list(c.members)), c.signature,
                     _dumps(c.hints), _dumps(c.details))
                    for c in clusters
                ],
            )
            # keep the two newest runs per repo: current and previous
            self._exec(
                """DELETE FROM clusters WHERE run_id IN (SELECT id FROM cluster_runs WHERE repo=? AND id NOT IN
                   (SELECT id FROM cluster_runs WHERE repo=? ORDER BY id DESC LIMIT 2))""",
                (repo, repo),
            )
            self._exec(
                """DELETE FROM cluster_runs WHERE repo=? AND id NOT IN
                   (SELECT id FROM cluster_runs WHERE repo=? ORDER BY id DESC LIMIT 2)""",
                (repo, repo),
            )
        return run_id

    def cluster_runs(self, repo: str) -> list[dict[str, Any]]:
        """Runs for ``repo``, newest first."""
        return [dict(r) for r in self._exec("SELECT * FROM cluster_runs WHERE repo=? ORDER BY id DESC", (repo,))]

    def load_clusters(self, repo: str, run_id: int | None = None) -> list[ClusterRecord]:
        """Clusters of the newest run for ``repo`` (or of ``run_id``), ordered by id."""
        if run_id is None:
            runs = self.cluster_runs(repo)
            if not runs:
                return []
            run_id = runs[0]["id"]
        rows = self._exec("SELECT * FROM clusters WHERE run_id=? ORDER BY id", (run_id,))
        return [
            ClusterRecord(
                id=r["id"], repo=r["repo"], canonical=r["canonical"], members=tuple(json.loads(r["members"])),
                signature=r["signature"], hints=json.loads(r["hints"]), details=json.loads(r["details"]),
            )
            for r in rows
        ]

    # -- derived report facts (a cache: recomputable from the stored text at any time) ------------
    def load_report_facts(self, repo: str, version: str) -> dict[int, tuple[str | None, Any]]:
        """Facts read from ``repo``'s issues by extractors of ``version``: number → (updated_at, facts)."""
        rows = self._exec("SELECT number, updated_at, facts FROM report_facts WHERE repo=? AND version=?",
                          (repo, version))
        return {r["number"]: (r["updated_at"], json.loads(r["facts"])) for r in rows}

    def save_report_facts(self, repo: str, version: str, rows: Iterable[tuple[int, str | None, Any]]) -> None:
        with self.transaction():
            self._many(
                """INSERT INTO report_facts(repo, number, updated_at, version, facts) VALUES (?,?,?,?,?)
                   ON CONFLICT(repo, number) DO UPDATE SET updated_at=excluded.updated_at,
                     version=excluded.version, facts=excluded.facts""",
                [(repo, n, u, version, _dumps(f)) for n, u, f in rows],
            )

    # -- stats -----------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """What the store holds, in the shape ``issuegraph stats --json`` prints."""
        by_repo: dict[str, Any] = {}
        for repo in self.repos():
            by_repo[repo] = self._repo_stats(repo)
        totals_timeline: dict[str, int] = {}
        for r in self._exec("SELECT event, COUNT(*) AS n FROM timeline_events GROUP BY event ORDER BY event"):
            totals_timeline[r["event"]] = r["n"]

        def count(sql: str) -> int:
            return int(self._exec(sql).fetchone()[0])

        return {
            "repos": len(by_repo),
            "issues": count("SELECT COUNT(*) FROM issues WHERE crawled=1 AND kind='issue'"),
            "pull_requests": count("SELECT COUNT(*) FROM issues WHERE crawled=1 AND kind='pull_request'"),
            "comments": count("SELECT COUNT(*) FROM comments"),
            "timeline": totals_timeline,
            "referenced_only": count("SELECT COUNT(*) FROM issues WHERE crawled=0"),
            "by_repo": by_repo,
        }

    def _repo_stats(self, repo: str) -> dict[str, Any]:
        def count(sql: str) -> int:
            return int(self._exec(sql, (repo,)).fetchone()[0])

        timeline = {
            r["event"]: r["n"]
            for r in self._exec(
                "SELECT event, COUNT(*) AS n FROM timeline_events WHERE repo=? GROUP BY event ORDER BY event", (repo,)
            )
        }
        row = self._exec(
            "SELECT last_crawled_at, last_crawl_requests, last_crawl_points FROM repos WHERE full_name=?", (repo,)
        ).fetchone()
        return {
            "issues": count("SELECT COUNT(*) FROM issues WHERE repo=? AND crawled=1 AND kind='issue'"),
            "pull_requests": count("SELECT COUNT(*) FROM issues WHERE repo=? AND crawled=1 AND kind='pull_request'"),
            "comments": count("SELECT COUNT(*) FROM comments WHERE repo=?"),
            "timeline": timeline,
            "last_crawled_at": row["last_crawled_at"] if row else None,
            "last_crawl_requests": row["last_crawl_requests"] if row else None,
            "last_crawl_points": row["last_crawl_points"] if row else None,
        }


def open_store(path: Path | str | None = None) -> Store:
    """Open (creating if needed) the store at ``path``, ``$ISSUEGRAPH_DB`` or the default."""
    return Store(path if path is not None else default_db_path())
