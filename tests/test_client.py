"""GitHubClient's waits and error mapping, through a scripted transport (answers ghsim cannot
give: a 429 without Retry-After, a host without GraphQL)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from issuegraph.crawler.client import GitHubClient, GraphQLUnavailable, resolve_api_url, resolve_token
from issuegraph.errors import AuthError, RateLimitError, UsageError

from .conftest import TOKEN, FakeSleep

DATE = "Mon, 01 Jan 2024 00:00:00 GMT"  # epoch 1704067200
OK = (200, {"Date": DATE, "X-RateLimit-Remaining": "4999", "X-RateLimit-Resource": "graphql"},
      json.dumps({"data": {"rateLimit": {"cost": 1, "remaining": 4999}}}))


def scripted(answers: list[tuple[int, dict[str, str], str]], fake: FakeSleep, **kw: Any) -> tuple[GitHubClient, list[str]]:
    client = GitHubClient(TOKEN, sleep=fake, clock=fake.clock, **kw)
    sent: list[str] = []

    def request_json(verb: str, url: str, **_: Any) -> tuple[int, dict[str, str], str]:
        sent.append(f"{verb} {url}")
        return answers.pop(0)

    client._requester.requestJson = request_json  # type: ignore[method-assign]
    return client, sent


@pytest.mark.parametrize(
    "refusal, wait",
    [
        ((429, {"Date": DATE}, '{"message": "You have exceeded a secondary rate limit."}'), 60),
        ((429, {"Date": DATE, "Retry-After": "7"}, '{"message": "slow down"}'), 7),
        ((403, {"Date": DATE, "Retry-After": "3"}, '{"message": "You have exceeded a secondary rate limit."}'), 3),
        ((200, {"Date": DATE, "X-RateLimit-Reset": str(1704067200 + 600)},
          '{"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded"}]}'), 601),
        ((403, {"Date": DATE, "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(1704067200 + 120)},
          '{"message": "API rate limit exceeded for user ID 1."}'), 121),
    ],
    ids=["429-no-retry-after", "429-retry-after", "403-secondary", "graphql-200-rate-limited", "403-primary"],
)
def test_rate_limit_answers_are_waited_out_and_retried(refusal: tuple[int, dict[str, str], str], wait: float) -> None:
    fake = FakeSleep()
    client, sent = scripted([refusal, OK], fake)
    data, errors = client.graphql("query { rateLimit { cost remaining } }")
    assert errors == [] and data is not None
    assert fake.slept == pytest.approx(wait) and len(sent) == 2


def test_a_wait_beyond_max_wait_raises_with_the_reset_time() -> None:
    fake = FakeSleep()
    refusal = (200, {"Date": DATE, "X-RateLimit-Reset": str(1704067200 + 3600)},
               '{"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded"}]}')
    client, _ = scripted([refusal], fake, max_wait=60)
    with pytest.raises(RateLimitError, match="resets at 2024-01-01 01:00 UTC") as info:
        client.graphql("query { rateLimit { cost } }")
    assert info.value.reset_at == 1704067200 + 3600 and fake.slept == 0


def test_graphql_partial_data_is_kept_with_its_errors() -> None:
    body = {"data": {"a": {"x": 1}, "b": None}, "errors": [{"type": "NOT_FOUND", "path": ["b"], "message": "gone"}]}
    client, _ = scripted([(200, {"Date": DATE}, json.dumps(body))], FakeSleep())
    data, errors = client.graphql("query { a b }")
    assert data == {"a": {"x": 1}, "b": None} and errors[0]["type"] == "NOT_FOUND"


def test_a_host_without_graphql_says_so_so_the_crawler_can_use_rest() -> None:
    client, _ = scripted([(404, {"Date": DATE}, '{"message": "Not Found"}')], FakeSleep())
    with pytest.raises(GraphQLUnavailable):
        client.graphql("query { viewer { login } }")


def test_a_rejected_token_never_appears_in_the_message() -> None:
    client, _ = scripted([(401, {"Date": DATE}, '{"message": "Bad credentials"}')], FakeSleep())
    with pytest.raises(AuthError) as info:
        client.rest_get("/repos/acme/widgets/issues")
    assert TOKEN not in str(info.value) and "bad or expired" in str(info.value)


def test_budget_is_read_from_every_response() -> None:
    headers = {"Date": DATE, "X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "42",
               "X-RateLimit-Reset": "1704070800", "X-RateLimit-Resource": "core", "ETag": 'W/"abc"',
               "Link": '<https://api.github.com/repositories/1/issues?page=2>; rel="next", <https://x/last>; rel="last"'}
    client, _ = scripted([(200, headers, "[]")], FakeSleep())
    resp = client.rest_get("/repos/acme/widgets/issues")
    assert (resp.etag, resp.next_url) == ('W/"abc"', "https://api.github.com/repositories/1/issues?page=2")
    assert client.budgets["core"].remaining == 42 and client.requests == 1


@pytest.mark.parametrize(
    "flag, env, expected",
    [
        ("t-flag", {"GITHUB_TOKEN": "t-env"}, "t-flag"),
        (None, {"GITHUB_TOKEN": "t-env", "GH_TOKEN": "t-gh"}, "t-env"),
        (None, {"GH_TOKEN": "t-gh"}, "t-gh"),
        (None, {}, None),
    ],
    ids=["flag-wins", "github-token", "gh-token", "none"],
)
def test_token_comes_from_flag_then_github_token_then_gh_token(
    flag: str | None, env: dict[str, str], expected: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert resolve_token(flag) == expected


@pytest.mark.parametrize(
    "url, graphql",
    [
        (None, "https://api.github.com/graphql"),
        ("https://ghe.example.com/api/v3/", "https://ghe.example.com/api/graphql"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/graphql"),
    ],
    ids=["github.com", "enterprise", "loopback"],
)
def test_graphql_url_is_derived_from_the_api_root_as_pygithub_does(url: str | None, graphql: str) -> None:
    assert GitHubClient(TOKEN, url).graphql_url == graphql


def test_an_api_url_that_is_not_http_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        resolve_api_url("github.com")
