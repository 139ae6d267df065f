"""GitHub connection: the only module that imports PyGithub.

Stage: network I/O. Input: a token and an API root. Output: plain JSON (dicts), plus counters
(requests, GraphQL points) and the rate-limit budget read from every response.

Why our own layer on top of PyGithub's requester:
- ``Requester.graphql_query`` raises on any ``errors`` key and drops the partial ``data``; a
  cross-reference from a deleted or private source would cost us a whole page. We post the query
  with ``requestJson`` and keep both.
- PyGithub does not retry a 429 without ``Retry-After``, and never sees GraphQL ``RATE_LIMITED``
  answers (they arrive as HTTP 200). Waiting is ours, with an injectable sleeper so tests never
  sleep, and a callback so the CLI can show a countdown.
- Waits are computed against the server's own ``Date`` header (reset − now-on-the-server), so a
  skewed local clock does not matter and recorded responses replay the same wait.

PyGithub objects never leave this module (their lazy loading makes hidden requests).
"""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from github import Auth, Github

from ..errors import AuthError, GitHubError, NetworkError, NotFoundError, RateLimitError, UsageError

log = logging.getLogger("issuegraph.crawler")

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_MAX_WAIT = 3900.0  # an hour and a bit: a nightly job waits out one reset, not two
SECONDARY_WAIT = 60.0  # GitHub: "wait at least one minute" when no Retry-After is given
MAX_SECONDARY_RETRIES = 6
MAX_SERVER_RETRIES = 4

# Wait callback: (seconds_left, reason). Called about once a second while we wait.
WaitCallback = Callable[[float, str], None]


class GraphQLUnavailable(GitHubError):
    """The host has no usable GraphQL endpoint (404, or GraphQL needs a token we do not have)."""


class ServerBusy(GitHubError):
    """502/503/504 or a read timeout on GraphQL: the query was too heavy; ask for a smaller page."""


@dataclass
class Budget:
    """One rate-limit bucket as the last response described it."""

    resource: str
    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None  # epoch seconds
    server_now: float | None = None  # the server's Date when this was read
    read_at: float = 0.0  # our monotonic clock when this was read


@dataclass
class RestResponse:
    status: int  # 200 or 304
    data: Any
    etag: str | None
    next_url: str | None
    headers: dict[str, str] = field(default_factory=dict, repr=False)


def resolve_token(token: str | None) -> str | None:
    """``--token``, then ``GITHUB_TOKEN``, then ``GH_TOKEN`` (as other GitHub tools do)."""
    for value in (token, os.environ.get("GITHUB_TOKEN"), os.environ.get("GH_TOKEN")):
        if value and value.strip():
            return value.strip()
    return None


def resolve_api_url(api_url: str | None) -> str:
    """``--api-url``, then ``GITHUB_API_URL``, then https://api.github.com; validated."""
    url = (api_url or os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL).strip().rstrip("/")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"'{url}' is not an API URL (for example https://api.github.com or https://HOST/api/v3)")
    return url


def _next_link(link: str | None) -> str | None:
    if not link:
        return None
    for part in link.split(","):
        section = part.split(";")
        if len(section) >= 2 and 'rel="next"' in section[1]:
            return section[0].strip().strip("<>")
    return None


class GitHubClient:
    """A budget-aware GitHub connection. ``requests`` and ``points`` count what this client spent."""

    def __init__(
        self,
        token: str | None = None,
        api_url: str | None = None,
        *,
        max_wait: float = DEFAULT_MAX_WAIT,
        on_wait: WaitCallback | None = None,
        on_notice: Callable[[str], None] | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        timeout: int = 30,
    ) -> None:
        self.token = resolve_token(token)
        self.api_url = resolve_api_url(api_url)
        self.host = urllib.parse.urlsplit(self.api_url).hostname or self.api_url
        self.max_wait = max_wait
        self.on_wait = on_wait
        self.on_notice = on_notice or (lambda msg: log.warning("%s", msg))
        self.sleep = sleep or time.sleep
        self.clock = clock or time.monotonic
        self.requests = 0
        self.points = 0
        self.budgets: dict[str, Budget] = {}
        self.server_time: float | None = None  # the server's Date on the first response
        self._gh = Github(
            auth=Auth.Token(self.token) if self.token else None,
            base_url=self.api_url,
            per_page=100,
            lazy=True,
            retry=None,  # retries and waits are ours (see the module docstring)
            timeout=timeout,
            seconds_between_requests=None,
            seconds_between_writes=None,
        )
        self._requester = self._gh.requester
        if not self.token:
            self.on_notice(
                "no token (--token, GITHUB_TOKEN or GH_TOKEN): GitHub allows 60 requests an hour "
                "without one, and no GraphQL; going on over REST"
            )

    @property
    def authenticated(self) -> bool:
        return self.token is not None

    @property
    def graphql_url(self) -> str:
        """Derived as PyGithub does: https://api.github.com/graphql, https://HOST/api/graphql."""
        return str(self._requester.graphql_url)

    # -- public calls ----------------------------------------------------------------------
    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """:calls: ``POST /graphql``. Returns ``(data, errors)``, keeping partial data.

        Raises ``ServerBusy`` on 502/503/504/timeouts (the caller shrinks the page and retries),
        waits out ``RATE_LIMITED`` answers, and ``GraphQLUnavailable`` when there is no endpoint.
        """
        if not self.token:
            raise GraphQLUnavailable("GitHub's GraphQL API needs a token")
        body = {"query": query, "variables": variables or {}}
        secondary = 0
        while True:
            status, headers, payload = self._send("POST", self.graphql_url, input=body, graphql=True)
            if status == 200:
                data = payload.get("data") if isinstance(payload, dict) else None
                errors = list(payload.get("errors") or []) if isinstance(payload, dict) else []
                if any(e.get("type") == "RATE_LIMITED" for e in errors):
                    # primary points exhausted (HTTP 200 on GraphQL): wait for the reset, retry
                    self._wait_for_reset("graphql", headers, "GraphQL points exhausted")
                    continue
                if any(e.get("type") in ("SECONDARY_RATE_LIMITED", "ABUSE_DETECTED") for e in errors):
                    secondary += 1
                    self._wait_secondary(headers, secondary)
                    continue
                self._count_points(data)
                return data, errors
            if status in (403, 429):
                if self._is_primary_exhausted(headers, payload):
                    self._wait_for_reset("graphql", headers, "GraphQL points exhausted")
                    continue
                if self._is_secondary(status, headers, payload):
                    secondary += 1
                    self._wait_secondary(headers, secondary)
                    continue
            if status in (502, 503, 504):
                raise ServerBusy(f"GitHub answered {status} to a GraphQL query")
            if status == 404:
                raise GraphQLUnavailable(f"{self.host} has no GraphQL endpoint at {self.graphql_url}")
            self._raise_for_status(status, payload, what="GraphQL")

    def rest_get(self, path: str, params: dict[str, Any] | None = None, etag: str | None = None) -> RestResponse:
        """:calls: ``GET {path}`` (a path under the API root, or a ``Link`` URL GitHub gave us).

        With ``etag`` the request is conditional; a 304 comes back as ``status=304, data=None``
        (free when authenticated). 404 raises ``NotFoundError`` with a generic message the caller
        may replace with a better one.
        """
        headers = {"If-None-Match": etag} if etag else None
        secondary = 0
        server_errors = 0
        while True:
            status, resp_headers, payload = self._send("GET", path, parameters=params, headers=headers)
            if status in (200, 304):
                return RestResponse(
                    status=status,
                    data=payload if status == 200 else None,
                    etag=resp_headers.get("etag"),
                    next_url=_next_link(resp_headers.get("link")),
                    headers=resp_headers,
                )
            if status in (403, 429):
                resource = resp_headers.get("x-ratelimit-resource", "core")
                if self._is_primary_exhausted(resp_headers, payload):
                    self._wait_for_reset(resource, resp_headers, "REST requests exhausted")
                    continue
                if self._is_secondary(status, resp_headers, payload):
                    secondary += 1
                    self._wait_secondary(resp_headers, secondary)
                    continue
            if status in (500, 502, 503, 504) and server_errors < MAX_SERVER_RETRIES:
                server_errors += 1
                self._sleep_visibly(2.0**server_errors, f"GitHub answered {status}; retrying")
                continue
            self._raise_for_status(status, payload, what=path)

    # -- transport -------------------------------------------------------------------------
    def _send(self, verb: str, url: str, *, parameters: dict[str, Any] | None = None,
              headers: dict[str, str] | None = None, input: Any = None, graphql: bool = False) -> tuple[int, dict[str, str], Any]:
        self._wait_if_exhausted("graphql" if graphql else "core")
        attempts = 0
        while True:
            try:
                status, resp_headers, text = self._requester.requestJson(
                    verb, url, parameters=parameters, headers=headers, input=input
                )
                break
            except requests.exceptions.Timeout as exc:
                if graphql:
                    self.requests += 1
                    raise ServerBusy("a GraphQL query timed out") from exc
                reason = "timed out"
            except requests.exceptions.ConnectionError as exc:
                reason = "connection failed" if "refused" not in str(exc).lower() else "connection refused"
            attempts += 1
            if attempts > 2:
                raise NetworkError(
                    f"cannot reach {self.host} ({reason}); check the network, or --api-url / GITHUB_API_URL"
                ) from None
            self._sleep_visibly(2.0 * attempts, f"{self.host} {reason}; retrying")
        self.requests += 1
        resp_headers = {k.lower(): v for k, v in resp_headers.items()}
        self._read_budget(resp_headers)
        try:
            payload = json.loads(text) if text else None
        except ValueError:
            payload = {"message": text[:200]}
        return status, resp_headers, payload

    def _server_now(self, headers: dict[str, str]) -> float | None:
        date = headers.get("date")
        if not date:
            return None
        try:
            return parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError):
            return None

    def _read_budget(self, headers: dict[str, str]) -> None:
        now = self._server_now(headers)
        if now is not None and self.server_time is None:
            self.server_time = now
        if "x-ratelimit-remaining" not in headers:
            return
        resource = headers.get("x-ratelimit-resource", "core")
        try:
            self.budgets[resource] = Budget(
                resource=resource,
                limit=int(headers.get("x-ratelimit-limit", "0")),
                remaining=int(headers["x-ratelimit-remaining"]),
                reset=float(headers.get("x-ratelimit-reset", "0")),
                server_now=now,
                read_at=self.clock(),
            )
        except ValueError:
            pass

    def _count_points(self, data: dict[str, Any] | None) -> None:
        rl = (data or {}).get("rateLimit") if isinstance(data, dict) else None
        if isinstance(rl, dict):
            self.points += int(rl.get("cost") or 0)
            b = self.budgets.setdefault("graphql", Budget("graphql"))
            if rl.get("remaining") is not None:
                b.remaining = int(rl["remaining"])
        else:
            self.points += 1

    # -- rate limits -----------------------------------------------------------------------
    @staticmethod
    def _message(payload: Any) -> str:
        return str(payload.get("message", "")) if isinstance(payload, dict) else ""

    def _is_primary_exhausted(self, headers: dict[str, str], payload: Any) -> bool:
        return headers.get("x-ratelimit-remaining") == "0" and "secondary" not in self._message(payload).lower()

    def _is_secondary(self, status: int, headers: dict[str, str], payload: Any) -> bool:
        msg = self._message(payload).lower()
        return status == 429 or "retry-after" in headers or "secondary rate limit" in msg or "abuse" in msg

    def _wait_if_exhausted(self, resource: str) -> None:
        """Don't spend a request we know will be refused: wait before sending it."""
        b = self.budgets.get(resource)
        if b is None or b.remaining is None or b.remaining > 0 or not b.reset:
            return
        now = (b.server_now if b.server_now is not None else time.time()) + (self.clock() - b.read_at)
        if b.reset + 1 - now > 0:
            self._wait(b.reset + 1 - now, f"{resource} rate limit exhausted", b.reset)
        b.remaining = None

    def _wait_for_reset(self, resource: str, headers: dict[str, str], reason: str) -> None:
        reset = headers.get("x-ratelimit-reset")
        now = self._server_now(headers) or time.time()
        reset_at = float(reset) if reset else now + SECONDARY_WAIT
        self._wait(max(1.0, reset_at + 1 - now), reason, reset_at)
        self.budgets.pop(resource, None)

    def _wait_secondary(self, headers: dict[str, str], attempt: int) -> None:
        if attempt > MAX_SECONDARY_RETRIES:
            raise RateLimitError(
                "GitHub's secondary rate limit keeps refusing requests; wait a few minutes and rerun (progress is saved)"
            )
        retry_after = headers.get("retry-after")
        try:
            seconds = float(retry_after) if retry_after else SECONDARY_WAIT * 2 ** (attempt - 1)
        except ValueError:
            seconds = SECONDARY_WAIT
        self._wait(max(seconds, 1.0), "secondary rate limit", None)

    def _wait(self, seconds: float, reason: str, reset_at: float | None) -> None:
        if seconds > self.max_wait:
            when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(reset_at)) if reset_at else f"in {seconds:.0f}s"
            raise RateLimitError(
                f"{reason}: it resets at {when}, {seconds / 60:.0f} min away, longer than --max-wait "
                f"{self.max_wait:.0f}s; everything fetched is saved, rerun then to resume",
                reset_at=reset_at,
            )
        self._sleep_visibly(seconds, reason)

    def _sleep_visibly(self, seconds: float, reason: str) -> None:
        """Sleep in steps of at most a second, telling ``on_wait`` how long is left."""
        left = seconds
        while left > 0:
            if self.on_wait:
                self.on_wait(left, reason)
            step = min(1.0, left)
            self.sleep(step)
            left -= step
        if self.on_wait:
            self.on_wait(0.0, reason)

    # -- errors ----------------------------------------------------------------------------
    def _raise_for_status(self, status: int, payload: Any, *, what: str) -> None:
        msg = self._message(payload)
        if status == 401:
            raise AuthError(
                f"{self.host} rejected the token (bad or expired): make a new one "
                "(https://github.com/settings/tokens) and pass it with --token or GITHUB_TOKEN"
            )
        if status == 404:
            raise NotFoundError(f"{what} not found on {self.host}")
        if status in (403, 429):
            raise GitHubError(f"{self.host} refused {what} ({status}: {msg or 'forbidden'}); check the token's access")
        raise GitHubError(f"{self.host} answered {status} to {what}: {msg or 'no message'}; try again later")
