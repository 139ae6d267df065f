"""Re-record the offline demo's crawl (``issuegraph/sample/crawl.yaml``) from the sample dataset.

    uv run python scripts/sample_dataset.py      # after editing the sample
    uv run python scripts/record_sample.py [--ghsim ../shared/ghsim]

Serves ``issuegraph/sample/dataset.json`` with ghsim on loopback, crawls every sample repository
with the real crawler exactly as ``issuegraph demo`` will (GraphQL, full crawl), and records the
traffic with hosts rewritten to api.github.com and credentials filtered (``crawler/replay.py``).
Then replays the new cassette once into a fresh store to check it is complete.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from issuegraph.crawler.client import GitHubClient  # noqa: E402
from issuegraph.crawler.crawl import crawl_repo  # noqa: E402
from issuegraph.crawler.replay import record_cassette  # noqa: E402
from issuegraph.pipeline import SAMPLE_REPOS, run_demo, sample_cassette, sample_dataset  # noqa: E402
from issuegraph.store import Store  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ghsim", type=Path, default=ROOT.parent / "shared" / "ghsim", help="ghsim folder")
    ap.add_argument("--out", type=Path, default=sample_cassette())
    args = ap.parse_args()
    if not (args.ghsim / "ghsim").is_dir():
        sys.exit(f"ghsim not found at {args.ghsim} (pass --ghsim)")
    proc = subprocess.Popen([sys.executable, "-u", "-m", "ghsim", "--data", str(sample_dataset()), "--port", "0"],
                            cwd=args.ghsim, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip() if proc.stdout else ""
        if not line.startswith("listening "):
            sys.exit(f"ghsim did not start: {line or (proc.stderr.read() if proc.stderr else '')}")
        api = line.split()[1]
        with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "record.db") as store:
            with record_cassette(args.out, api):
                client = GitHubClient("recording", api, max_wait=0)
                for repo in SAMPLE_REPOS:
                    r = crawl_repo(client, store, repo, full=True)
                    print(f"recorded {repo}: {r.items} items, {r.requests} requests, {r.points} points ({r.api})")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "check.db") as store:
        s = run_demo(store, Path(tmp) / "docs", cassette=args.out)
        print(f"replay check: {s.issues_after} issues, {s.clusters} clusters; wrote {args.out} "
              f"({args.out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
