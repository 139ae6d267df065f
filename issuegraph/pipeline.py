"""The whole job in one call: crawl (incremental) → cluster → report. ``run_nightly`` for a real
repository, ``run_demo`` for the bundled sample replayed from its recording.

Stage: orchestration only; each step is the library function its own command calls
(``crawl_repo``, ``update_clusters``, ``build_report_set`` + ``write_reports``), so ``nightly`` and
``demo`` do exactly what ``crawl``, ``cluster`` and ``report`` do one after the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from .crawler.client import GitHubClient
from .crawler.crawl import CrawlResult, ProgressCallback, crawl_repo
from .crawler.replay import RECORDED_API, replay_cassette
from .graph.cluster import BackgroundConfig
from .graph.cluster_load import update_clusters
from .reports.context import build_report_set
from .reports.write import WriteSummary, write_reports
from .store import Store

SAMPLE_REPO = "acme/agent-cli"
# The sample's versions of anthropics/claude-code#45035 (Bun) and #45264 (Node): the demo's headline
SEED_PAIR = ("acme/agent-cli#10", "acme/agent-cli#14")
# the second repository cross-references the first; crawling it gives those nodes their titles
SAMPLE_REPOS = ("acme/agent-cli", "acme/agent-sdk-python")
# A placeholder credential: the demo's requests are answered from the recording and never sent.
# With it the client takes the same GraphQL path as an authenticated live crawl.
DEMO_CREDENTIAL = "offline-demo"


def sample_cassette() -> Path:
    """The recorded crawl of the bundled sample, shipped inside the package."""
    return Path(str(resources.files("issuegraph.sample") / "crawl.yaml"))


def sample_dataset() -> Path:
    """The sample itself, in ghsim's dataset format (``scripts/sample_dataset.py`` writes it)."""
    return Path(str(resources.files("issuegraph.sample") / "dataset.json"))


@dataclass
class NightlySummary:
    repo: str
    crawls: list[CrawlResult]
    issues_before: int
    issues_after: int
    clusters: int  # of two or more reports
    new_clusters: list[str]
    grown_clusters: list[tuple[str, int, int]]  # id, before, after
    gone_clusters: list[str]
    write: WriteSummary
    out_dir: Path
    first_run: bool
    cluster_files: dict[str, str] = field(default_factory=dict)  # cluster id → path
    member_files: dict[str, str] = field(default_factory=dict)  # issue key → path of its cluster's page

    @property
    def new_issues(self) -> int:
        return self.issues_after - self.issues_before

    @property
    def requests(self) -> int:
        return sum(c.requests for c in self.crawls)

    @property
    def points(self) -> int:
        return sum(c.points for c in self.crawls)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _issue_count(store: Store, repo: str) -> int:
    return sum(1 for i in store.load_issues(repo) if i.kind == "issue")


def cluster_and_report(store: Store, repo: str, out_dir: Path, *, crawls: list[CrawlResult], issues_before: int,
                       readme: bool = False, config: BackgroundConfig | None = None,
                       created_at: str | None = None) -> NightlySummary:
    """Cluster ``repo`` (a new run in the store) and bring the archive in ``out_dir`` up to date."""
    update_clusters(store, repo, config or BackgroundConfig(), created_at or _now())
    reports = build_report_set(store, repo)
    written = write_reports(out_dir, reports, readme=readme)
    idx = reports.index
    return NightlySummary(
        repo=repo, crawls=crawls, issues_before=issues_before, issues_after=_issue_count(store, repo),
        clusters=len(idx.clusters),
        new_clusters=[c.cluster.id for c in idx.changes if c.kind == "new"] if idx.has_previous
        else [c.id for c in idx.clusters],
        grown_clusters=[(c.cluster.id, c.before, len(c.cluster.members)) for c in idx.changes if c.kind == "grown"],
        gone_clusters=[g.id for g in idx.gone], write=written, out_dir=out_dir, first_run=not idx.has_previous,
        cluster_files={c.id: str(out_dir / "clusters" / c.file_name) for c in idx.clusters},
        member_files={k: str(out_dir / "clusters" / f) for k, f in reports.member_files.items()},
    )


def run_nightly(client: GitHubClient, store: Store, repo: str, out_dir: Path, *, readme: bool = False,
                config: BackgroundConfig | None = None, progress: ProgressCallback | None = None) -> NightlySummary:
    """Incremental crawl of ``repo``, then cluster and report: the scheduled job."""
    before = _issue_count(store, repo)
    crawl = crawl_repo(client, store, repo, progress=progress)
    return cluster_and_report(store, repo, out_dir, crawls=[crawl], issues_before=before, readme=readme,
                              config=config)


def run_demo(store: Store, out_dir: Path, *, cassette: Path | None = None, readme: bool = True) -> NightlySummary:
    """The bundled sample end to end, offline: the recorded crawl is replayed through the same
    crawler code a live crawl uses, then clustered and reported."""
    before = _issue_count(store, SAMPLE_REPO)
    crawls = []
    with replay_cassette(cassette or sample_cassette()):
        client = GitHubClient(DEMO_CREDENTIAL, RECORDED_API, max_wait=0)
        for repo in SAMPLE_REPOS:
            # full: the recording holds a first crawl, so a store from an earlier demo asks the same
            crawls.append(crawl_repo(client, store, repo, full=True))
    return cluster_and_report(store, SAMPLE_REPO, out_dir, crawls=crawls, issues_before=before, readme=readme)
