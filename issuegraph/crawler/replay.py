"""Recorded GitHub traffic, for the offline demo and its re-recording script.

Stage: network I/O (the crawler's transport seam). ``record_cassette`` wraps a live crawl (against
GitHub, an Enterprise host or ghsim) and writes every request and response to a vcrpy cassette with
the host rewritten to ``https://api.github.com`` and credentials removed; ``replay_cassette`` answers
the same crawl from that file and refuses any request it does not hold, so a replay never reaches
the network. The crawl code is unchanged either way: PyGithub's ``requests`` session is what vcrpy
patches.

Requests match on method, URL and body (GraphQL is one URL; the query and its cursor are the body).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import vcr
from vcr.errors import CannotOverwriteExistingCassetteException

from ..errors import NetworkError, UsageError

RECORDED_API = "https://api.github.com"
MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "body")
_SECRET_HEADERS = ["authorization", "cookie", "set-cookie", "x-github-token"]


def _rewriter(live_api_url: str) -> tuple[Any, Any]:
    live = live_api_url.rstrip("/")
    # ghsim serves github.com's layout and Enterprise's (/api/v3) from one process: rewrite either
    roots = sorted({live, live.removesuffix("/api/v3")}, key=len, reverse=True)

    def swap(text: str) -> str:
        for root in roots:
            text = text.replace(root + "/api/v3", RECORDED_API).replace(root + "/api/graphql", RECORDED_API + "/graphql")
            text = text.replace(root, RECORDED_API)
        return text

    def before_request(request: Any) -> Any:
        request.uri = swap(request.uri)
        return request

    def before_response(response: Any) -> Any:
        body = response.get("body", {}).get("string")
        if isinstance(body, bytes) and body:
            new = swap(body.decode("utf-8")).encode("utf-8")
            response["body"]["string"] = new
            headers = response.get("headers", {})
            for name in list(headers):
                if name.lower() == "content-length":
                    headers[name] = [str(len(new))]
        for name, values in list(response.get("headers", {}).items()):
            if name.lower() in _SECRET_HEADERS:
                del response["headers"][name]
            elif name.lower() == "link":
                response["headers"][name] = [swap(v) for v in values]
        return response

    return before_request, before_response


@contextmanager
def record_cassette(path: Path | str, live_api_url: str) -> Iterator[None]:
    """Record everything sent inside the block to ``path`` (overwritten), as if sent to api.github.com."""
    before_request, before_response = _rewriter(live_api_url)
    recorder = vcr.VCR(
        record_mode="all", match_on=MATCH_ON, filter_headers=_SECRET_HEADERS, decode_compressed_response=True,
        before_record_request=before_request, before_record_response=before_response,
    )
    target = Path(path)
    if target.exists():
        target.unlink()
    with recorder.use_cassette(str(target)):
        yield


@contextmanager
def replay_cassette(path: Path | str) -> Iterator[None]:
    """Answer every request inside the block from ``path``; anything not recorded is an error, never
    a network call. Point the client at ``RECORDED_API``."""
    target = Path(path)
    if not target.is_file():
        raise UsageError(f"no recording at {target}; reinstall issuegraph or re-record it (scripts/record_sample.py)")
    player = vcr.VCR(record_mode="none", match_on=MATCH_ON, filter_headers=_SECRET_HEADERS)
    try:
        with player.use_cassette(str(target), allow_playback_repeats=False):
            yield
    except CannotOverwriteExistingCassetteException as exc:
        request = getattr(exc, "failed_request", None)
        what = f"{request.method} {request.uri}" if request is not None else "a request"
        raise NetworkError(f"the recording {target.name} has no answer for {what}; "
                           "re-record it with scripts/record_sample.py") from None
