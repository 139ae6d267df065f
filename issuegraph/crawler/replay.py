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

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import vcr
from vcr.errors import CannotOverwriteExistingCassetteException

from ..errors import NetworkError, UsageError

RECORDED_API = "https://api.github.com"
MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "body")
SECRET_HEADERS = ["authorization", "cookie", "set-cookie", "x-github-token"]
_LOOPBACK = re.compile(r"http://(?:127\.0\.0\.1|localhost):\d+(?:/api/v3)?")


def _swap(text: str, live: str | None = None) -> str:
    if live:
        text = text.replace(live + "/api/graphql", RECORDED_API + "/graphql").replace(live, RECORDED_API)
    return _LOOPBACK.sub(RECORDED_API, text)


def rewrite_request(request: Any, live: str | None = None) -> Any:
    """vcrpy ``before_record_request``: loopback (ghsim) or ``live`` URLs become api.github.com;
    ghsim's own control calls (``/_ghsim/…``) are never recorded."""
    if "/_ghsim/" in request.uri:
        return None
    request.uri = _swap(request.uri, live)
    return request


def rewrite_response(response: dict[str, Any], live: str | None = None) -> dict[str, Any]:
    """vcrpy ``before_record_response``: the same rewrite in ``Link`` headers and bodies (with the
    ``Content-Length`` kept true), and no cookie or credential header kept."""
    headers = response.get("headers") or {}
    body = response.get("body") or {}
    data = body.get("string")
    if isinstance(data, bytes) and data:
        new = _swap(data.decode("utf-8"), live).encode("utf-8")
        if new != data:
            body["string"] = new
            for name in list(headers):
                if name.lower() == "content-length":
                    headers[name] = [str(len(new))]
    elif isinstance(data, str):
        body["string"] = _swap(data, live)
    for name in list(headers):
        if name.lower() in SECRET_HEADERS:
            del headers[name]
        elif name.lower() == "link":
            headers[name] = [_swap(v, live) for v in headers[name]]
    return response


def vcr_options() -> dict[str, Any]:
    """What tests (pytest-recording's ``vcr_config``) and the demo share: match and filter rules."""
    return {"filter_headers": list(SECRET_HEADERS), "match_on": list(MATCH_ON),
            "before_record_request": rewrite_request, "before_record_response": rewrite_response}


@contextmanager
def record_cassette(path: Path | str, live_api_url: str) -> Iterator[None]:
    """Record everything sent inside the block to ``path`` (overwritten), as if sent to api.github.com."""
    live = live_api_url.rstrip("/").removesuffix("/api/v3")
    recorder = vcr.VCR(
        record_mode="all", match_on=MATCH_ON, filter_headers=SECRET_HEADERS, decode_compressed_response=True,
        before_record_request=lambda r: rewrite_request(r, live),
        before_record_response=lambda r: rewrite_response(r, live),
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
    player = vcr.VCR(record_mode="none", match_on=MATCH_ON, filter_headers=SECRET_HEADERS)
    try:
        with player.use_cassette(str(target), allow_playback_repeats=False):
            yield
    except CannotOverwriteExistingCassetteException as exc:
        request = getattr(exc, "failed_request", None)
        what = f"{request.method} {request.uri}" if request is not None else "a request"
        raise NetworkError(f"the recording {target.name} has no answer for {what}; "
                           "re-record it with scripts/record_sample.py") from None
