"""One error printed in the forms programs really print it must meet in a key (its ``key`` or one of
its ``alt_keys``); different errors printed alike must not. Each row is one printing convention,
with real-shaped lines."""

from __future__ import annotations

import pytest

from issuegraph.graph.signatures import error_kind, extract_error_records


def _keys(text: str) -> set[str]:
    return {k for r in extract_error_records(text) for k in r.all_keys}


SAME_ERROR = [
    pytest.param(
        "FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - JavaScript heap out of memory",
        "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
        id="v8-oom-gc-phase-varies",
    ),
    pytest.param(
        "FATAL ERROR: CALL_AND_RETRY_LAST Allocation failed - JavaScript heap out of memory",
        "FATAL ERROR: MarkCompactCollector: young object promotion failed Allocation failed - JavaScript heap out of memory",
        id="v8-oom-allocation-site-varies",
    ),
    pytest.param(
        '{"type":"error","error":{"type":"invalid_request_error","message":"messages.4:             `tool_use` ids were '
        'found without `tool_result` blocks immediately after:     toolu_01LqHj43fmheAteL2PTXoCyL. Each `tool_use` block '
        'must have a corresponding            `tool_result` block in the next     message."},"request_id":"req_011CTgUwMrehF5d4zVc6KQTr"}',
        'API Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"messages.91: `tool_use` ids were '
        'found without `tool_result` blocks immediately after: toolu_01A5DxkSd7aUNL9X4Y3mMz3b. Each `tool_use` block must have '
        'a corresponding `tool_result` block in the next message."}}',
        id="api-error-body-printed-bare-and-after-its-status",
    ),
    pytest.param(
        "ERROR: Could not install packages due to an EnvironmentError: [WinError 5] Access is denied: "
        "'c:\\\\programdata\\\\anaconda3\\\\lib\\\\site-packages\\\\pip\\\\_internal\\\\basecommand.py'",
        "ERROR: Could not install packages due to an OSError: [WinError 5] Access is denied: "
        "'c:\\\\python311\\\\lib\\\\site-packages\\\\pip-22.3.dist-info\\\\entry_points.txt'",
        id="installed-distribution-refused-on-any-of-its-files",
    ),
    pytest.param(
        "PermissionError: [Errno 13] Permission denied: '/usr/lib/python3/dist-packages/PyYAML-5.3.1.egg-info'",
        "PermissionError: [Errno 13] Permission denied: '/usr/lib/python3/dist-packages/yaml/__init__.py'",
        id="debian-dist-packages-metadata-and-package-folder",
    ),
    pytest.param(
        "`'DBeaver new version release checker' has encountered a problem. java.lang.NullPointerException`",
        "DBeaver new version release checker has encountered a problem.",
        id="eclipse-job-dialog-quoted-and-bare",
    ),
    pytest.param(
        "'Building workspace' has encountered a problem.",
        'An internal error occurred during: "Building workspace".\njava.lang.NullPointerException',
        id="eclipse-job-dialog-title-and-detail",
    ),
    pytest.param(
        'E1016 15:56:01.123456    2583 summary.go:92] Failed to get system container stats for "/system.slice/kubelet.service": '
        'failed to get cgroup stats for "/system.slice/kubelet.service": unknown container "/system.slice/kubelet.service"',
        'summary.go:92] Failed to get system container stats for "/system.slice/kubelet.service": failed to get cgroup '
        'stats for "/system.slice/kubelet.service": unknown container "/system.slice/kubelet.service"',
        id="klog-line-with-and-without-its-header",
    ),
    pytest.param(
        "[endgame-1.4.0/fazm6elPRf6VY7AIXkHWHQ] ElasticsearchStatusException[Elasticsearch exception "
        "[type=resource_already_exists_exception, reason=index [endgame-1.4.0/fazm6elPRf6VY7AIXkHWHQ] already exists]]",
        "    [endgame-1.4.0/gdv7pdcTRnmxTbureltqzA] org.elasticsearch.ElasticsearchStatusException: Elasticsearch exception "
        "[type=resource_already_exists_exception, reason=index [endgame-1.4.0/gdv7pdcTRnmxTbureltqzA] already exists]",
        id="exception-printed-as-type-bracket-message",
    ),
    pytest.param(
        "Zed failed to open a window: NoSupportedDeviceFound",
        'the following error is thrown: `error opening [PathLikeWithPosition { path_like: "/path/to/file", row: None, '
        'column: None }]: NoSupportedDeviceFound`.',
        id="error-variant-name-under-different-context",
    ),
    pytest.param(
        "Error refreshing state: state data in S3 does not have the expected content.",
        "Error loading state: state data in S3 does not have the expected content.",
        id="go-wrapped-error-context-varies-by-command",
    ),
]

DIFFERENT_ERRORS = [
    pytest.param(
        "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
        "FATAL ERROR: v8::ToLocalChecked Empty MaybeLocal.",
        id="v8-oom-vs-other-v8-abort",
    ),
    pytest.param(
        "OSError: [WinError 5] Access is denied: 'c:\\\\python38\\\\lib\\\\site-packages\\\\numpy\\\\core\\\\_multiarray_umath.pyd'",
        "OSError: [WinError 5] Access is denied: 'c:\\\\python38\\\\lib\\\\site-packages\\\\pip\\\\__init__.py'",
        id="different-installed-distributions-refused",
    ),
    pytest.param(
        "'Building workspace' has encountered a problem.",
        "'Refreshing workspace' has encountered a problem.",
        id="different-eclipse-jobs",
    ),
    pytest.param(
        "Error: failed to read config: NotFound",
        "Error: failed to open socket: NotFound",
        id="a-two-word-kind-is-too-generic-to-be-an-identity",
    ),
    pytest.param(
        "Error refreshing state: state data in S3 does not have the expected content.",
        "Error refreshing state: AccessDenied: Access Denied status code: 403, request id: 4D2A",
        id="go-wrapped-error-same-context-different-cause",
    ),
]


@pytest.mark.parametrize(("a", "b"), SAME_ERROR)
def test_one_error_in_two_printed_forms_shares_a_key(a: str, b: str) -> None:
    assert _keys(a) & _keys(b)


@pytest.mark.parametrize(("a", "b"), DIFFERENT_ERRORS)
def test_different_errors_printed_alike_share_no_key(a: str, b: str) -> None:
    """Head clauses (``~…``) may be shared: the clusterer compares what each prints after the head."""
    ka, kb = ({k for k in _keys(t) if not k.startswith("~")} for t in (a, b))
    assert ka and kb
    assert not ka & kb


@pytest.mark.parametrize(
    ("line", "key"),
    [
        pytest.param('{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).",'
                     '"status":"RESOURCE_EXHAUSTED"}}', "429: resource has been exhausted (e.g. check quota)",
                     id="status-read-from-the-body"),
        pytest.param('  {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
                     "overloaded_error: overloaded", id="no-status-the-type-names-it"),
    ],
)
def test_a_bare_api_error_body_is_an_error_record(line: str, key: str) -> None:
    assert [r.key for r in extract_error_records(line)] == [key]


@pytest.mark.parametrize(
    "line",
    [
        pytest.param('{"type":"message","error":null,"content":[{"type":"text","text":"could not"}]}', id="error-null"),
        pytest.param('{"error": {"details": []}}', id="no-message"),
    ],
)
def test_json_that_is_not_an_error_body_is_no_api_record(line: str) -> None:
    assert not [r for r in extract_error_records(line) if r.runtime == "api"]


@pytest.mark.parametrize("alias", ["EnvironmentError", "IOError", "WindowsError"])
def test_python_oserror_aliases_are_one_type(alias: str) -> None:
    (rec,) = extract_error_records(f"{alias}: [Errno 28] No space left on device")
    assert rec.key == "oserror: [errno_28] no space left on device"


def test_a_klog_info_line_without_its_header_is_no_error() -> None:
    assert extract_error_records("server.go:163] Version: v1.8.1 (starting kubelet)") == []


@pytest.mark.parametrize(
    ("line", "keys"),
    [
        pytest.param("RemoteTransportException[[node-1][127.0.0.1:9300][indices:data/write/bulk[s]]]; nested: "
                     "IOException[No space left on device];",
                     ["remotetransportexception: [node-<n>][<ver>:<n>][indices:data/write/bulk[s]]"], id="nested-brackets"),
        pytest.param("public static void main(String[] args) throws IOException[]", [], id="an-array-type-is-no-message"),
        pytest.param("caught SearchPhaseExecutionException[all shards failed", [], id="unclosed-is-no-print"),
    ],
)
def test_type_bracket_message_reads_to_the_matching_bracket(line: str, keys: list[str]) -> None:
    assert [r.key for r in extract_error_records(line) if r.runtime == "java"] == keys


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        pytest.param("Zed failed to open a window: NoSupportedDeviceFound", "NoSupportedDeviceFound", id="after-context"),
        pytest.param("SurfaceLostDuringPresent", "SurfaceLostDuringPresent", id="alone"),
        pytest.param("pod status: CrashLoopBackOff", "", id="a-state-that-names-no-failure-word"),
        pytest.param("Error: NotFound", "", id="two-words"),
        pytest.param("see the docs at DeviceSetupGuide", "", id="no-clause"),
    ],
)
def test_an_error_variant_name_is_read_from_the_end_of_a_message(line: str, kind: str) -> None:
    assert error_kind(line) == kind


def test_a_go_wrapper_over_another_wrapper_is_left_to_the_chain_rules() -> None:
    # the cause after "Error saving credentials:" is itself a wrapper; keyed on it, every credential
    # helper failure would share one key whatever the helper printed last
    line = ("Error saving credentials: error storing credentials - err: exit status 1, out: `A specified logon "
            "session does not exist. It may already have been terminated.`")
    assert not any(r.key.startswith("error: error storing credentials") for r in extract_error_records(line))
