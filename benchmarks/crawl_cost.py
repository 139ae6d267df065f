"""Crawl cost on a generated repository, measured by ghsim (requests and GraphQL points it served).

    uv run python benchmarks/crawl_cost.py                 # 10,000 issues, seed 1
    uv run python benchmarks/crawl_cost.py --issues 2000 --naive-sample 500

Prints, side by side: issuegraph's full crawl, a second crawl with nothing changed, and a naive
PyGithub loop (get_issues → get_comments + get_timeline per issue). Checks the full crawl is
complete (store counts == dataset counts) and that a crawl killed with SIGKILL resumes to the
store a clean crawl gives. Needs ../shared/ghsim beside the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from issuegraph.crawler.client import GitHubClient  # noqa: E402
from issuegraph.crawler.crawl import crawl_repo  # noqa: E402
from issuegraph.store import Store  # noqa: E402

REPO = "acme/widgets"
TOKEN = "benchmark-token"


class Ghsim:
    def __init__(self, ghsim_dir: Path, data: Path, *args: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "ghsim", "--data", str(data), "--port", "0", *args],
                                     cwd=ghsim_dir, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().split()[-1]

    def _call(self, path: str, method: str = "GET") -> Any:
        req = urllib.request.Request(self.url + path, method=method, data=b"" if method == "POST" else None)
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    def stats(self) -> dict[str, Any]:
        return self._call("/_ghsim/stats")

    def reset(self) -> None:
        self._call("/_ghsim/reset?rate_limit=1", "POST")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait()


def dataset_counts(path: Path) -> dict[str, Any]:
    issues = json.loads(path.read_text())["repos"][0]["issues"]
    timeline: dict[str, int] = {}
    for i in issues:
        for e in i["events"]:
            timeline[e["event"]] = timeline.get(e["event"], 0) + 1
    return {"issues": sum(not i["is_pull_request"] for i in issues),
            "pull_requests": sum(bool(i["is_pull_request"]) for i in issues),
            "comments": sum(len(i["comments"]) for i in issues), "timeline": dict(sorted(timeline.items()))}


def measured(sim: Ghsim) -> tuple[int, int]:
    s = sim.stats()
    return int(s["total_requests"]), int(s["graphql"]["cost_charged"])


def naive_pygithub(url: str, sample: int | None) -> tuple[int, int]:
    """What a first script does: list issues, then per issue its comments and its timeline."""
    from github import Auth, Github

    g = Github(base_url=url, auth=Auth.Token(TOKEN), per_page=100, lazy=True, retry=None,
               seconds_between_requests=None, seconds_between_writes=None)
    seen = 0
    for issue in g.get_repo(REPO).get_issues(state="all"):
        list(issue.get_comments())
        list(issue.get_timeline())
        seen += 1
        if sample and seen >= sample:
            break
    return seen, 0


def tables(db: str) -> dict[str, list[tuple[Any, ...]]]:
    con = sqlite3.connect(db)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall() for t in ("issues", "comments", "timeline_events")}
    finally:
        con.close()


def kill_and_resume(url: str, clean_db: str, work: Path) -> str:
    db = str(work / "killed.db")
    cmd = [sys.executable, "-m", "issuegraph.cli", "crawl", REPO, "--db", db, "--api-url", url, "--token", TOKEN]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    killed_at = 0
    while proc.poll() is None:
        time.sleep(0.2)
        try:
            con = sqlite3.connect(db, timeout=0.1)
            killed_at = con.execute("SELECT COUNT(*) FROM issues").fetchone()[0]
            con.close()
        except sqlite3.Error:
            continue
        if killed_at >= 2000:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    same = tables(db) == tables(clean_db)
    return f"killed with SIGKILL after {killed_at} issues were saved; rerun → store {'==' if same else '!='} clean crawl"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--issues", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ghsim", type=Path, default=ROOT.parent / "shared" / "ghsim")
    ap.add_argument("--naive-sample", type=int, default=None,
                    help="stop the naive loop after N issues and extrapolate (default: all)")
    ap.add_argument("--no-kill-check", action="store_true")
    a = ap.parse_args()
    if not (a.ghsim / "gen_dataset.py").exists():
        print(f"needs ghsim at {a.ghsim}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="issuegraph-bench-"))
    data = work / "dataset.json"
    subprocess.run([sys.executable, str(a.ghsim / "gen_dataset.py"), "--issues", str(a.issues), "--seed", str(a.seed),
                    "--out", str(data)], check=True, capture_output=True)
    expected = dataset_counts(data)
    n = a.issues
    # budgets high enough for the naive loop: we count requests here, rate limits are tested elsewhere
    sim = Ghsim(a.ghsim, data, "--no-synth-events", "--rate-limit", "1000000", "--graphql-rate-limit", "1000000")
    rows: list[tuple[str, int, int, float]] = []
    try:
        db = str(work / "clean.db")
        sim.reset()
        t0 = time.monotonic()
        with Store(db) as store:
            crawl_repo(GitHubClient(TOKEN, sim.url), store, REPO)
            got = store.stats()["by_repo"][REPO]
        full_s = time.monotonic() - t0
        req, pts = measured(sim)
        rows.append(("issuegraph crawl (full)", req, pts, full_s))
        complete = {k: got[k] for k in expected} == expected

        sim.reset()
        t0 = time.monotonic()
        with Store(db) as store:
            crawl_repo(GitHubClient(TOKEN, sim.url), store, REPO)
        req2, pts2 = measured(sim)
        rows.append(("issuegraph crawl (nothing changed)", req2, pts2, time.monotonic() - t0))

        sim.reset()
        t0 = time.monotonic()
        seen, _ = naive_pygithub(sim.url, a.naive_sample)
        req3, _ = measured(sim)
        scale = n / seen if seen else 1
        label = "naive PyGithub loop" + (f" (sampled {seen}, extrapolated)" if scale != 1 else "")
        rows.append((label, round(req3 * scale), 0, (time.monotonic() - t0) * scale))

        kill = "" if a.no_kill_check else kill_and_resume(sim.url, db, work)
    finally:
        sim.stop()

    print(f"ghsim repository: {n} issues+PRs ({expected['issues']} issues, {expected['pull_requests']} PRs), "
          f"{expected['comments']} comments, timeline {expected['timeline']}")
    print(f"{'crawler':45} {'requests':>9} {'points':>7} {'req/issue':>10} {'seconds':>8}")
    for name, r, p, s in rows:
        print(f"{name:45} {r:>9} {p:>7} {r / n:>10.4f} {s:>8.1f}")
    print(f"full crawl complete (store counts == dataset counts): {'yes' if complete else 'NO'}")
    print(f"goal full ≤ 0.025 req/issue: {'met' if req / n <= 0.025 else 'MISSED'}; "
          f"goal rerun ≤ 5 requests: {'met' if req2 <= 5 else 'MISSED'}")
    if kill:
        print(kill)
    return 0 if complete and req / n <= 0.025 and req2 <= 5 and (not kill or "==" in kill) else 1


if __name__ == "__main__":
    sys.exit(main())
