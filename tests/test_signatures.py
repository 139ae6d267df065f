"""Error records are read from real pasted traces of every runtime and normalised to one identity."""

from __future__ import annotations

from pathlib import Path

import pytest

from issuegraph.graph.signatures import (
    extract_error_records,
    issue_signatures,
    match_frame,
    normalize_message,
)

FIXTURES = Path(__file__).parent / "fixtures"

NODE_TRACE = """```
TypeError: Cannot read properties of undefined (reading 'map')
    at renderList (file:///Users/alice/app/node_modules/ink/build/render.js:120:17)
    at async uy.makeRequest (file:///usr/local/lib/node_modules/@anthropic-ai/claude-code/cli.js:357:3309)
    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)
```"""

BUN_TRACE = """Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 216327 tokens > 200000 maximum"},"request_id":"req_011CTHk1mwGUHsoh8MJuB6fJ"}
    at generate (/$bunfs/root/claude:382:26098)
    at makeRequest (/$bunfs/root/claude:527:5356)
    at processTicksAndRejections (native:7:39)"""

BROWSER_TRACE = """Uncaught TypeError: e.target is null
    onClick@https://example.com/static/js/main.8f3a2c.js:2:10423
    dispatch@https://example.com/static/js/vendor.js:1:5511"""

PYTHON_TRACE = """Traceback (most recent call last):
  File "/usr/local/bin/pip", line 7, in <module>
    from pip import main
ImportError: cannot import name 'main'"""

CLEO_TRACE = """  KeyError

  'format'

  at ~/.local/share/pipx/venvs/poetry/lib/python3.12/site-packages/poetry/core/masonry/utils/module.py:79 in __init__
       75│             self._package_includes.append(
"""

JAVA_TRACE = """org.jkiss.dbeaver.DBException: Error saving settings
\tat org.jkiss.dbeaver.tasks.ui.sql.SQLToolTaskWizardPageSettings.saveSettings(SQLToolTaskWizardPageSettings.java:188)
\tat org.eclipse.jface.wizard.WizardDialog.nextPressed(WizardDialog.java:830)
Caused by: java.lang.NullPointerException: Cannot invoke "Object.toString()" because "value" is null
\tat org.jkiss.dbeaver.model.impl.AbstractObjectCache.getObject(AbstractObjectCache.java:71)
\tat java.base/java.util.HashMap.get(HashMap.java:556)"""

GO_TRACE = """panic: can't use ElementIterator on null value

goroutine 1 [running]:
github.com/zclconf/go-cty/cty.Value.ElementIterator(0x230d340, 0xc000448808, 0x0, 0x0, 0x1cdeea0, 0x1)
\t/opt/teamcity-agent/work/9e329aa031982669/pkg/mod/github.com/zclconf/go-cty@v1.1.0/cty/value_ops.go:922 +0xd5
github.com/hashicorp/terraform/command/jsonplan.marshalPlannedValues(0xc0003f6a00)
\t/opt/teamcity-agent/work/pkg/command/jsonplan/values.go:86 +0x1b5"""

GOROUTINE_DUMP = """panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0xb48812]

goroutine 344 [running]:
github.com/hashicorp/terraform/internal/plans.(*Plan).CanApply(0x0)
\t/home/runner/work/terraform/terraform/internal/plans/plan.go:100 +0x1c
github.com/hashicorp/terraform/internal/backend/local.(*Local).opPlan(0xc000a9c000, {0x3b3a3e8, 0xc0001a2c80})
\t/home/runner/work/terraform/terraform/internal/backend/local/backend_plan.go:183 +0x9e5"""

RUST_PANIC = """thread 'main' panicked at 'called `Option::unwrap()` on a `None` value': crates/gpui/src/text_layout.rs:553
   0: backtrace::backtrace::trace
   3: std::panicking::rust_panic_with_hook
   9: gpui::text_layout::LineLayout::layout::h0123456789abcdef"""

RUST_PANIC_NEW = """Panic: panicked at turbopack/crates/turbo-tasks-fs/src/glob.rs:180:25:
not yet implemented: glob char sequences are not implemented yet
   1: <unknown>
   2: _napi_register_module_v1"""

DOTNET_TRACE = """System.InvalidOperationException: Sequence contains no elements
   at System.Linq.ThrowHelper.ThrowNoElementsException()
   at Contoso.Billing.InvoiceService.Close(Invoice invoice) in C:\\src\\Billing\\InvoiceService.cs:line 42"""

GO_LOG = ('May 11 19:25:35 node kubelet[2583]: E0511 19:25:35.523245    2583 summary.go:92] Failed to get system '
          'container stats for "/system.slice/kubelet.service": failed to get cgroup stats')


@pytest.mark.parametrize(
    ("text", "runtime", "key", "top_frames"),
    [
        pytest.param(NODE_TRACE, "node", "typeerror: cannot read properties of undefined (reading 'map')",
                     ("ink/render.js:renderList", "makeRequest"), id="node-v8-receiver-and-bundle-trimmed"),
        pytest.param(BUN_TRACE, "bun", "400: prompt is too long: <n> tokens > <n> maximum",
                     ("generate", "makeRequest"), id="bun-api-error-body-parsed"),
        pytest.param(BROWSER_TRACE, "browser", "typeerror: e.target is null", ("onClick", "vendor.js:dispatch"), id="browser-firefox-frames"),
        pytest.param(PYTHON_TRACE, "python", "importerror: cannot import name 'main'", ("pip:<module>",),
                     id="python-traceback-innermost-first"),
        pytest.param(CLEO_TRACE, "python", "keyerror: 'format'", ("poetry.core.masonry.utils.module:__init__",),
                     id="python-poetry-cleo-exception"),
        pytest.param(JAVA_TRACE, "java", "dbexception: error saving settings",
                     ("org.jkiss.dbeaver.tasks.ui.sql:SQLToolTaskWizardPageSettings.saveSettings",
                      "org.eclipse.jface.wizard:WizardDialog.nextPressed"), id="java-outer-exception"),
        pytest.param(GO_TRACE, "go", "panic: can't use elementiterator on null value",
                     ("github.com/zclconf/go-cty:cty.Value.ElementIterator",
                      "github.com/hashicorp/terraform/command:jsonplan.marshalPlannedValues"), id="go-panic"),
        pytest.param(GOROUTINE_DUMP, "go", "panic: runtime error: invalid memory address or nil pointer dereference",
                     ("github.com/hashicorp/terraform/internal:plans.(*Plan).CanApply",
                      "github.com/hashicorp/terraform/internal/backend:local.(*Local).opPlan"),
                     id="go-goroutine-dump-after-signal-line"),
        pytest.param(RUST_PANIC, "rust", "panic: called `option::unwrap()` on a `none` value @ gpui/src/text_layout.rs",
                     ("gpui::text_layout::LineLayout::layout",), id="rust-panic-old-style-hash-stripped"),
        pytest.param(RUST_PANIC_NEW, "rust",
                     "panic: not yet implemented: glob char sequences are not implemented yet @ turbo-tasks-fs/src/glob.rs",
                     (), id="rust-panic-message-on-next-line"),
        pytest.param(DOTNET_TRACE, "dotnet", "invalidoperationexception: sequence contains no elements",
                     ("Contoso.Billing:InvoiceService.Close",), id="dotnet-runtime-frames-ignored"),
        pytest.param(GO_LOG, "go", 'klog summary.go: failed to get system container stats for "/system.slice/kubelet.service": '
                     "failed to get cgroup stats", (), id="kubernetes-klog-line"),
        pytest.param(GO_LOG[GO_LOG.index("summary.go"):], "go", 'klog summary.go: failed to get system container stats for '
                     '"/system.slice/kubelet.service": failed to get cgroup stats', (), id="klog-line-pasted-without-header"),
    ],
)
def test_each_runtime_trace_yields_its_error_record(text: str, runtime: str, key: str, top_frames: tuple[str, ...]) -> None:
    rec = extract_error_records(text)[0]
    assert (rec.runtime, rec.key, rec.top_frames) == (runtime, key, top_frames)
    assert rec.raw.splitlines()[0].strip() in text


def test_java_caused_by_is_its_own_record() -> None:
    keys = [r.key for r in extract_error_records(JAVA_TRACE)]
    assert keys[1] == 'nullpointerexception: cannot invoke "object.tostring()" because "value" is null'
    assert extract_error_records(JAVA_TRACE)[1].top_frames == ("org.jkiss.dbeaver.model.impl:AbstractObjectCache.getObject",)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        pytest.param("request_id req_011CZqnPEZAjj3ZzvZBnsDFr failed", "request_id <id> failed", id="base62-request-id"),
        pytest.param("tool toolu_01A5Dxb3CNzwApUcpwPoSY2C has no result", "tool <id> has no result", id="tool-use-id"),
        pytest.param("feedback 7b502d34-0f67-401d-9047-e0010c66adfa", "feedback <uuid>", id="uuid"),
        pytest.param("at 2026-04-08T05:51:00.556Z it broke", "at <date> it broke", id="timestamp"),
        pytest.param("EACCES: permission denied, open '/Users/alice/.claude.json'",
                     "eacces: permission denied, open '~/.claude.json'", id="home-directory"),
        pytest.param("report /var/folders/k6/ypbc0vx97rs2/T/next-panic-d5ab6d3d71768bf.log now",
                     "report <tmp> now", id="temp-name"),
        pytest.param("claude-code 2.0.32 crashed at 0x7ffe3b2c", "claude-code <ver> crashed at <hex>", id="version-and-hex"),
        pytest.param("image exceeds 5 MB maximum: 6278112 bytes > 5242880 bytes",
                     "image exceeds <n> mb maximum: <n> bytes > <n> bytes", id="numbers"),
        pytest.param("Add more at \n    claude.ai/settings/usage", "add more at claude.ai/settings/usage", id="soft-wrap"),
        pytest.param("KeyError: 'format'", "keyerror: 'format'", id="quoted-key-kept"),
    ],
)
def test_messages_are_parameterised(raw: str, normalized: str) -> None:
    assert normalize_message(raw) == normalized


@pytest.mark.parametrize(
    ("line", "function", "in_app"),
    [
        pytest.param("    at uy.validateHeaders (file:///usr/local/lib/node_modules/@anthropic-ai/claude-code/cli.js:357:930)",
                     "validateHeaders", True, id="receiver-trimmed"),
        pytest.param("    at validateHeaders (/$bunfs/root/claude:527:935)", "validateHeaders", True, id="bun-virtual-file"),
        pytest.param("    at async OtA (file:///usr/local/lib/node_modules/@anthropic-ai/claude-code/cli.js:2692:39781)",
                     "<min>", True, id="minified-name"),
        pytest.param("    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
                     "processTicksAndRejections", False, id="node-internal"),
        pytest.param("    at processTicksAndRejections (native:7:39)", "processTicksAndRejections", False, id="bun-native"),
        pytest.param('  File "/usr/lib/python3.10/runpy.py", line 196, in _run_module_as_main', "_run_module_as_main",
                     False, id="python-stdlib"),
        pytest.param("\tat java.base/java.util.HashMap.get(HashMap.java:556)", "HashMap.get", False, id="java-runtime"),
    ],
)
def test_frames_are_normalised(line: str, function: str, in_app: bool) -> None:
    frame = match_frame(line)
    assert frame is not None
    assert (frame.function, frame.in_app) == (function, in_app)


def test_the_bug_template_errors_array_is_parsed_and_soft_wraps_joined() -> None:
    body = (FIXTURES / "seed_45035_bun.md").read_text()
    keys = issue_signatures("", body).keys
    assert keys[0] == "400: you're out of extra usage. add more at claude.ai/settings/usage and keep going"
    wrapped = ('API Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"You\'re out of extra usage. \n'
               '    Add more at claude.ai/settings/usage and keep going."},"request_id":"req_011CZrWR57q8xrTLGGGUAk3q"}')
    assert extract_error_records(wrapped)[0].key == keys[0]


def test_the_auth_error_has_one_signature_across_bun_and_node_builds() -> None:
    bun = issue_signatures("", (FIXTURES / "seed_45035_bun.md").read_text())
    node = issue_signatures("", (FIXTURES / "seed_45264_node.md").read_text())
    auth = [r.signature for r in bun.records if "authentication" in r.key]
    assert auth and auth[0] in {r.signature for r in node.records}
    assert auth[0].endswith("| validateHeaders | buildHeaders | buildRequest")


def test_a_proxy_wrapped_api_error_reads_the_inner_message() -> None:
    text = ("API Error: 400 {\"error\":{\"message\":\"Error code: 400 - {'code': 'invalid_request_error', 'message': "
            "'messages.4: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_01PhtXaGYuPQLCCemN1sqfSU'}\"}}")
    assert extract_error_records(text)[0].key == (
        "400: messages.<n>: `tool_use` ids were found without `tool_result` blocks immediately after: <id>")


# Known limits: desired vs actual, kept visible instead of hidden.
KNOWN_WRONG = [
    pytest.param("WiA: Insufficient permissions for global npm install.\n    at Iv1 (file:///x/cli.js:1862:998)",
                 "wia: insufficient permissions for global npm install", None,
                 id="minified-error-class-name-not-recognised"),
    pytest.param("Error-message says: Could not create temporary directory: Permission denied",
                 "error: could not create temporary directory: permission denied",
                 "failure: error-message says: could not create temporary directory: permission denied",
                 id="prose-error-read-as-weak-failure"),
]


@pytest.mark.parametrize(("text", "desired", "actual"), KNOWN_WRONG)
def test_known_wrong_extractions_stay_as_documented(text: str, desired: str, actual: str | None) -> None:
    recs = extract_error_records(text)
    got = recs[0].key if recs else None
    assert got != desired
    assert got == actual


# One API error printed in the shapes the CLI, proxies and people use must meet in one key.
@pytest.mark.parametrize(
    "text",
    [
        pytest.param('API Error (529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}) '
                     "· Retrying in 1 seconds… (attempt 1/10)", id="retry-line-json-body"),
        pytest.param("API Error: 529 Overloaded. This is a server-side issue, usually temporary — try again in a moment.",
                     id="status-and-prose"),
        pytest.param('API Error: 529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded. '
                     'https://docs.claude.com/en/api/errors"}}', id="json-with-help-link"),
        pytest.param("API Error 529 Overloaded", id="no-colon"),
    ],
)
def test_one_api_error_in_every_printed_shape_has_one_key(text: str) -> None:
    assert extract_error_records(text)[0].key == "529: overloaded"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        pytest.param("API Error: 400 - Invalid Request You're out of extra usage. Add more usage credits",
                     "400: you're out of extra usage", id="reason-phrase-dropped"),
        pytest.param('API Error: 400: type":"invalid_request_error","message":"You\'re out of extra usage. Add more"',
                     "400: you're out of extra usage. add more", id="json-cut-at-the-front"),
        pytest.param("API Error: 404 Not Found", "404: not found", id="reason-phrase-alone-kept"),
    ],
)
def test_api_error_messages_drop_what_only_restates_the_status(text: str, key: str) -> None:
    assert extract_error_records(text)[0].key == key


CRASH_HANDLER_TRACE = """!!!!!!!!!!!!!!!!!!!!!!!!!!! TERRAFORM CRASH !!!!!!!!!!!!!!!!!!!!!!!!!!!!

runtime error: invalid memory address or nil pointer dereference
goroutine 76 [running]:
runtime/debug.Stack()
/usr/local/go/src/runtime/debug/stack.go:24 +0x65
github.com/hashicorp/terraform/internal/logging.PanicHandler()
/home/circleci/project/project/internal/logging/panic.go:55 +0x153
panic({0x23441a0, 0x406fc90})
/usr/local/go/src/runtime/panic.go:884 +0x212
github.com/hashicorp/terraform/internal/plans.(*Plan).CanApply(0x0?)
/home/circleci/project/project/internal/plans/plan.go:100 +0x18
github.com/hashicorp/terraform/internal/backend/local.(*Local).opPlan(0xc000c0c280, {0x2ccf8f8, 0xc00096fa80})
/home/circleci/project/project/internal/backend/local/backend_plan.go:183 +0x9e5"""

CI_LOG_TRACE = "\n".join(f"2023-10-04T18:57:12.99{n:05d}Z {line}" for n, line in enumerate("""value is marked, so must be unmarked first
goroutine 9191 [running]:
github.com/zclconf/go-cty/cty.Value.AsString({{{0x3902720?, 0xc000012c29?}}, {0x2e1de40?, 0xc0034f4030?}})
/home/runner/go/pkg/mod/github.com/zclconf/go-cty@v1.14.0/cty/value_ops.go:1385 +0x47""".splitlines()))


@pytest.mark.parametrize(
    ("text", "key", "top"),
    [
        pytest.param(CRASH_HANDLER_TRACE, "panic: runtime error: invalid memory address or nil pointer dereference",
                     ("github.com/hashicorp/terraform/internal:plans.(*Plan).CanApply",
                      "github.com/hashicorp/terraform/internal/backend:local.(*Local).opPlan"),
                     id="bare-message-above-goroutine-handler-and-stdlib-frames-skipped"),
        pytest.param(CI_LOG_TRACE, "panic: value is marked, so must be unmarked first",
                     ("github.com/zclconf/go-cty:cty.Value.AsString",), id="ci-log-timestamps-stripped"),
    ],
)
def test_go_panics_printed_by_crash_handlers_and_ci_logs(text: str, key: str, top: tuple[str, ...]) -> None:
    rec = extract_error_records(text)[0]
    assert (rec.key, rec.top_frames) == (key, top)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        pytest.param("npm error code ENOTEMPTY", "npm err!: enotempty", id="npm-10-prefix"),
        pytest.param("npm ERR! code ENOTEMPTY", "npm err!: enotempty", id="npm-old-prefix"),
        pytest.param("Error: Failed to install new version of claude: npm error code ENOTEMPTY", "npm err!: enotempty",
                     id="quoted-inside-another-message"),
    ],
)
def test_npm_error_codes_meet_in_one_key(text: str, key: str) -> None:
    assert extract_error_records(text)[0].key == key


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        pytest.param("ENOTEMPTY: directory not empty, rename '/home/u/.nvm/versions/node/v20.1.0/lib/node_modules/"
                     "@anthropic-ai/claude-code' -> '/home/u/.nvm/versions/node/v20.1.0/lib/node_modules/@anthropic-ai/"
                     ".claude-code-2DTsDk1V'",
                     "enotempty: directory not empty, rename '…/@anthropic-ai/claude-code' -> '…/@anthropic-ai/.claude-code-<tmp>'", id="nvm"),
        pytest.param("ENOTEMPTY: directory not empty, rename '/opt/homebrew/lib/node_modules/@anthropic-ai/claude-code' "
                     "-> '/opt/homebrew/lib/node_modules/@anthropic-ai/.claude-code-HEDLjQJg'",
                     "enotempty: directory not empty, rename '…/@anthropic-ai/claude-code' -> '…/@anthropic-ai/.claude-code-<tmp>'", id="homebrew"),
        pytest.param("EBUSY: resource busy or locked, open 'C:\\Users\\x\\.claude.json'",
                     "ebusy: resource busy or locked, open '~\\.claude.json'", id="windows-short-path-kept"),
    ],
)
def test_quoted_paths_keep_only_the_file_name(raw: str, normalized: str) -> None:
    assert normalize_message(raw) == normalized


@pytest.mark.parametrize(
    ("line", "alt_keys"),
    [
        pytest.param("Error: Could not create temporary directory: Permission denied",
                     ("~could not create temporary directory",), id="head-before-os-detail"),
        pytest.param("[main 2019-03-01 10:00:01] UpdateService error: Could not create temporary directory: 权限被拒绝",
                     ("~could not create temporary directory",), id="logger-prefix-and-wrapper-left-out"),
        pytest.param("Error: EACCES: permission denied, mkdir '/usr/local/lib/node_modules/@scope/pkg'",
                     ("os:eacces mkdir pkg",), id="errno-code-call-and-file"),
        pytest.param("OSError: [WinError 5] 액세스가 거부되었습니다: 'C:\\\\Program Files\\\\Python37\\\\Lib\\\\entry_points.txt'",
                     ("os:winerror_5 entry_points.txt",), id="localised-windows-error-by-code-and-file"),
        pytest.param("Error: Permission denied", (), id="a-generic-phrase-is-no-head"),
        pytest.param("KeyError: 'format'", (), id="a-quoted-value-alone-is-no-head"),
        pytest.param("Error: env: no such file or directory", (), id="the-last-clause-is-detail-not-head"),
    ],
)
def test_one_error_in_other_forms_gets_alternative_keys(line: str, alt_keys: tuple[str, ...]) -> None:
    (rec,) = extract_error_records(line)
    assert rec.alt_keys == alt_keys


@pytest.mark.parametrize(
    ("line", "key"),
    [
        pytest.param("XF [McpError]: MCP error -32000: Connection closed", "mcperror: mcp error <n>: connection closed",
                     id="node-inspect-minified-class-with-name"),
        pytest.param("xmlrpc.client.Fault: <Fault -32500: 'application error'>",
                     "fault: <fault <n>: 'application error'>", id="module-qualified-bare-suffix-type"),
        pytest.param("Error: the build did not finish", "error: the build did not finish", id="bare-error-stays-prefixed"),
        pytest.param('after the upgrade "ImportError: cannot import name \'main\'"', "importerror: cannot import name 'main'",
                     id="the-sentence-closing-quote-is-not-the-message"),
        pytest.param('ValueError: bad "quote"', 'valueerror: bad "quote"', id="a-balanced-quote-stays"),
        pytest.param('it fails with "java.lang.OutOfMemoryError: Java heap space" or hangs under load',
                     "outofmemoryerror: java heap space", id="the-message-ends-at-its-closing-quote"),
    ],
)
def test_exception_syntaxes_name_their_type_and_end_at_their_text(line: str, key: str) -> None:
    assert [r.key for r in extract_error_records(line)] == [key]


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        pytest.param("the pod never starts, /run/flannel/subnet.env: no such file or directory", "subnet.env",
                     id="a-dot-inside-a-file-name-does-not-end-the-sentence"),
        pytest.param("it says raw mode is not supported on the current process.stdin, which Ink uses. Then it exits",
                     "process.stdin, which ink uses", id="a-dot-inside-a-property-does-not-end-the-sentence"),
    ],
)
def test_an_error_sentence_in_prose_is_read_whole(line: str, fragment: str) -> None:
    (rec,) = extract_error_records(line)
    assert fragment in rec.key and "then it exits" not in rec.key


def test_a_bare_level_word_before_a_message_does_not_split_its_head() -> None:
    (prose,) = extract_error_records("Error Raw mode is not supported on the current process.stdin, which Ink uses")
    (printed,) = extract_error_records("Error: Raw mode is not supported on the current process.stdin, which Ink uses")
    assert prose.key != printed.key
    assert prose.alt_keys == printed.alt_keys == ("~raw mode is not supported on the current process.stdin, which ink uses",)
