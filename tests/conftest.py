"""Cassettes: recorded against ghsim on loopback, replayed as if from https://api.github.com.

Replay is the default (pytest-recording's record mode ``none``): no network, no ``../shared``.
To record again (needs ``../shared/ghsim`` beside the repository):

    uv run pytest --record-mode=rewrite

The ``github`` fixture then starts ghsim on a free port for each dataset a test asks for, and
the hooks below rewrite ``http://127.0.0.1:PORT`` to ``https://api.github.com`` in URLs, ``Link``
headers and bodies before anything is written, so replays use the default API URL. The token is
filtered out; ghsim's control calls (``/_ghsim/…``) are never recorded.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from issuegraph.crawler.replay import RECORDED_API as API
from issuegraph.crawler.replay import vcr_options

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
GHSIM_DIR = ROOT.parent / "shared" / "ghsim"
TOKEN = "test-token-not-a-secret"


@pytest.fixture(autouse=True)
def _no_ambient_github(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never pick up a developer's token, API URL or store from the environment."""
    for name in ("GITHUB_TOKEN", "GH_TOKEN", "GITHUB_API_URL", "ISSUEGRAPH_DB"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    # shared with the offline demo: every GraphQL query is a POST to /graphql, so the body is
    # matched too; loopback URLs become api.github.com; credentials are filtered
    return vcr_options()


@pytest.fixture
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    return str(ROOT / "cassettes" / request.module.__name__.rsplit(".", 1)[-1])


class Ghsim:
    """A ghsim process serving one of ``tests/data``'s datasets (or any JSON file)."""

    def __init__(self, data: Path, args: tuple[str, ...]) -> None:
        if not (GHSIM_DIR / "ghsim").is_dir():
            pytest.skip("recording needs ../shared/ghsim beside the repository")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ghsim", "--data", str(data), "--port", "0", *args],
            cwd=GHSIM_DIR, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening "):
            self.stop()
            raise RuntimeError(f"ghsim did not start: {line!r}")
        self.url = line.split(" ", 1)[1]

    def control(self, path: str, method: str = "GET") -> Any:
        req = urllib.request.Request(self.url + path, method=method, data=b"" if method == "POST" else None)
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def refill(self) -> None:
        self.control("/_ghsim/reset?rate_limit=1", "POST")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@dataclass
class GitHubSide:
    """What a cassette test talks to: ghsim when recording, the cassette (api.github.com) otherwise."""

    recording: bool
    servers: list[Ghsim] = field(default_factory=list)

    def serve(self, dataset: str, *args: str) -> str:
        """The API URL to crawl ``tests/data/<dataset>`` from."""
        if not self.recording:
            return API
        server = Ghsim(DATA / dataset, args)
        self.servers.append(server)
        return server.url

    def refill(self) -> None:
        """Refill ghsim's rate-limit buckets (what an hour's wait does on GitHub)."""
        for s in self.servers if self.recording else []:
            s.refill()


@pytest.fixture
def github(record_mode: str) -> Iterator[GitHubSide]:
    side = GitHubSide(recording=record_mode not in ("none", None))
    yield side
    for s in side.servers:
        s.stop()


@dataclass
class FakeSleep:
    """Records waits instead of sleeping; doubles as the client's monotonic clock."""

    slept: float = 0.0
    calls: int = 0

    def __call__(self, seconds: float) -> None:
        self.slept += seconds
        self.calls += 1

    def clock(self) -> float:
        return self.slept


@pytest.fixture
def fake_sleep() -> FakeSleep:
    return FakeSleep()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/ from the current output (review the diff before committing)")
