"""Write the bundled sample, ``issuegraph/sample/dataset.json``, in ghsim's dataset format.

    uv run python scripts/sample_dataset.py            # rewrite the dataset
    uv run python scripts/record_sample.py             # then re-record the demo's cassette from it

The sample is a small, realistic tracker written by us for the offline demo and the tests: an agent
CLI (``acme/agent-cli``) shipped as a Bun binary and an npm package, with a Python hook runner, a Go
network proxy, a Rust sandbox helper and a JetBrains plugin, plus a few issues in a second
repository (``acme/agent-sdk-python``) that point back at it. The error strings and stack-trace
shapes are the real ones people paste (error strings are facts); every sentence of prose is ours.

What it exercises, on purpose:

* the seed pair (anthropics/claude-code#45035 and #45264): the "out of extra usage" 400 pasted from
  a Bun build and from a Node build, both also carrying the background auth error;
* that auth error again in many unrelated issues with different real errors (noise, not a bug);
* duplicate families in other runtimes: Python traceback, Go panic, Java/Kotlin with ``Caused by``,
  Rust panic (old and new message format), npm ``ENOTEMPTY`` (npm 9 and npm 10 wording, Linux and
  macOS errno), API 529 overloaded;
* look-alikes that must stay apart: another ``invalid_request_error`` 400 with the same frames, a
  UTF-8 decode error next to the cp1252 one, a Go nil dereference in another function, a Java NPE
  on another receiver;
* explicit evidence: a ``marked_as_duplicate`` event, "Duplicate of #N" comments, merged PRs that
  fix a family ("Fixes #N"), an open PR, a closed-unmerged PR, cross-references including ones from
  the second repository.

Cross-referenced timeline events are derived from the prose (code blocks skipped), as GitHub
records them; everything else is written out below. Output is deterministic.
"""

from __future__ import annotations

import json
import random
import re
import uuid
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "issuegraph" / "sample" / "dataset.json"
REPO = "acme/agent-cli"
SDK = "acme/agent-sdk-python"

_rng = random.Random(20251101)
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def req_id() -> str:
    return "req_011CU" + "".join(_rng.choice(_B58) for _ in range(15))


def feedback_id() -> str:
    return str(uuid.UUID(int=_rng.getrandbits(128), version=4))


# -- error strings (facts; per-report values vary) -------------------------------------------------

BUN = "/$bunfs/root/claude"
NODE = "file:///usr/local/lib/node_modules/@anthropic-ai/claude-code/cli.js"
AUTH_MSG = ('Error: Could not resolve authentication method. Expected either apiKey or authToken to be set. '
            'Or for one of the "X-Api-Key" or "Authorization" headers to be explicitly omitted')


def auth_bun() -> str:
    return (f"{AUTH_MSG}\n    at validateHeaders ({BUN}:527:935)\n    at buildHeaders ({BUN}:527:8438)\n"
            f"    at async buildRequest ({BUN}:527:7504)\n    at async makeRequest ({BUN}:527:3332)\n"
            "    at processTicksAndRejections (native:7:39)")


def auth_node() -> str:
    return (f"{AUTH_MSG}\n    at uy.validateHeaders ({NODE}:357:930)\n    at uy.buildHeaders ({NODE}:357:8412)\n"
            "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)\n"
            f"    at async uy.buildRequest ({NODE}:357:7470)\n    at async uy.makeRequest ({NODE}:357:3309)\n"
            f"    at async OtA.model ({NODE}:3354:18888)\n    at async OtA ({NODE}:2692:39781)")


def api_error(status: int, etype: str, message: str, rid: str | None = "new") -> str:
    body = {"type": "error", "error": {"type": etype, "message": message}}
    body["request_id"] = req_id() if rid == "new" else rid  # type: ignore[assignment]
    return f"Error: {status} " + json.dumps(body, separators=(",", ":"), ensure_ascii=False)


EXTRA_USAGE = "You're out of extra usage. Add more at claude.ai/settings/usage and keep going."


def extra_usage_bun() -> str:
    return (api_error(400, "invalid_request_error", EXTRA_USAGE) + f"\n    at generate ({BUN}:382:26098)\n"
            f"    at makeRequest ({BUN}:527:5356)\n    at processTicksAndRejections (native:7:39)")


def extra_usage_node(line: int = 349, col: int = 1043) -> str:
    return (api_error(400, "invalid_request_error", EXTRA_USAGE) + f"\n    at uy.generate ({NODE}:{line}:{col})\n"
            f"    at uy.makeRequest ({NODE}:357:5330)\n"
            "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)")


def too_long_bun(tokens: int) -> str:
    return (api_error(400, "invalid_request_error", f"prompt is too long: {tokens} tokens > 200000 maximum")
            + f"\n    at generate ({BUN}:382:26098)\n    at makeRequest ({BUN}:527:5356)\n"
            "    at processTicksAndRejections (native:7:39)")


def too_long_node(tokens: int) -> str:
    return (api_error(400, "invalid_request_error", f"prompt is too long: {tokens} tokens > 200000 maximum")
            + f"\n    at uy.generate ({NODE}:349:1043)\n    at uy.makeRequest ({NODE}:357:5330)\n"
            "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)")


def overloaded(frames: str) -> str:
    return api_error(529, "overloaded_error", "Overloaded", rid=None) + frames


NPM_PERMS = ("WiA: Insufficient permissions for global npm install.\n"
             f"    at Iv1 ({NODE}:1862:998)\n"
             "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)\n"
             f"    at async yKA ({NODE}:1872:43)\n    at async {NODE}:2809:32485")


def errors_json(entries: list[tuple[str, str]]) -> str:
    return json.dumps([{"error": e, "timestamp": t} for e, t in entries], ensure_ascii=False)


def bug_report(description: str, platform: str, terminal: str, version: str,
               errors: list[tuple[str, str]]) -> str:
    """The shape the CLI's built-in bug command files."""
    return (f"## Bug Description\n{description}\n\n## Environment Info\n- Platform: {platform}\n"
            f"- Terminal: {terminal}\n- Version: {version}\n- Feedback ID: {feedback_id()}\n\n"
            f"## Errors\n\n```json\n{errors_json(errors)}\n```\n")


def fenced(text: str, lang: str = "") -> str:
    return f"```{lang}\n{text}\n```"


def py_cp1252(user: str, pyver: str, pydir: str, byte: str, pos: int, runner_line: int = 74) -> str:
    site = rf"C:\Users\{user}\AppData\Local\Programs\Python\{pydir}\Lib"
    return (
        "Traceback (most recent call last):\n"
        f'  File "{site}\\site-packages\\agent_hooks\\runner.py", line {runner_line}, in main\n'
        "    payload = load_transcript(args.transcript)\n"
        "              ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        f'  File "{site}\\site-packages\\agent_hooks\\transcript.py", line 31, in load_transcript\n'
        "    text = path.read_text()\n"
        "           ^^^^^^^^^^^^^^^^\n"
        f'  File "{site}\\pathlib.py", line {1027 if pyver < "3.13" else 548}, in read_text\n'
        "    return f.read()\n"
        "           ^^^^^^^^\n"
        f'  File "{site}\\encodings\\cp1252.py", line 23, in decode\n'
        "    return codecs.charmap_decode(input,self.errors,decoding_table)[0]\n"
        "           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        f"UnicodeDecodeError: 'charmap' codec can't decode byte {byte} in position {pos}: "
        "character maps to <undefined>"
    )


def go_netproxy(goroutine: int, addr: str, pc: str, conn: str, line: int = 142) -> str:
    root = "/home/runner/work/agent-cli/agent-cli/sandbox/netproxy"
    return (
        "panic: runtime error: invalid memory address or nil pointer dereference\n"
        f"[signal SIGSEGV: segmentation violation code=0x1 addr={addr} pc={pc}]\n\n"
        f"goroutine {goroutine} [running]:\n"
        f"github.com/acme/agent-cli/sandbox/netproxy.(*Conn).forward({conn}, {{0x0, 0x0}})\n"
        f"\t{root}/conn.go:{line} +0x4e\n"
        "github.com/acme/agent-cli/sandbox/netproxy.(*Server).serve.func2()\n"
        f"\t{root}/server.go:96 +0x65\n"
        "created by github.com/acme/agent-cli/sandbox/netproxy.(*Server).serve in goroutine 1\n"
        f"\t{root}/server.go:94 +0x1d5"
    )


def java_diff_npe(line: int) -> str:
    return (
        'java.lang.NullPointerException: Cannot invoke "com.intellij.openapi.editor.Editor.getDocument()" '
        'because "editor" is null\n'
        f"\tat com.acme.agent.jetbrains.diff.DiffPresenter.show(DiffPresenter.kt:{line})\n"
        "\tat com.acme.agent.jetbrains.diff.DiffPresenter.access$show(DiffPresenter.kt:31)\n"
        "\tat com.acme.agent.jetbrains.diff.DiffPresenter$open$1.invokeSuspend(DiffPresenter.kt:57)\n"
        "\tat kotlin.coroutines.jvm.internal.BaseContinuationImpl.resumeWith(ContinuationImpl.kt:33)\n"
        "\tat kotlinx.coroutines.DispatchedTask.run(DispatchedTask.kt:108)\n"
        "\tat com.intellij.openapi.application.impl.DispatchedRunnable.run(DispatchedRunnable.kt:44)\n"
        "\tat java.desktop/java.awt.event.InvocationEvent.dispatch(InvocationEvent.java:318)"
    )


def npm_enotempty(prefix: str, root: str, tmp: str, errno: int, log: str) -> str:
    pkg = f"{root}/@anthropic-ai/claude-code"
    dest = f"{root}/@anthropic-ai/.claude-code-{tmp}"
    lines = [
        "code ENOTEMPTY", "syscall rename", f"path {pkg}", f"dest {dest}", f"errno {errno}",
        f"ENOTEMPTY: directory not empty, rename '{pkg}' -> '{dest}'",
        "A complete log of this run can be found in: " + log,
    ]
    return "\n".join(f"{prefix} {x}" for x in lines)


# -- the tracker ---------------------------------------------------------------------------------

def issue(number: int, title: str, author: str, created: str, body: str, *, state: str = "open",
          reason: str | None = None, closed: str | None = None, labels: tuple[str, ...] = ("bug",),
          reactions: dict[str, int] | None = None, comments: list[dict] | None = None,
          events: list[dict] | None = None, **extra: object) -> dict:
    d = {
        "number": number, "title": title, "body": body, "state": state, "state_reason": reason,
        "labels": list(labels), "author": author, "created_at": created, "closed_at": closed,
        "reactions": reactions or {}, "comments": comments or [], "events": events or [],
    }
    d.update(extra)
    return d


def comment(author: str, created: str, body: str, reactions: dict[str, int] | None = None) -> dict:
    return {"author": author, "created_at": created, "body": body, "reactions": reactions or {}}


def pr(number: int, title: str, author: str, created: str, body: str, *, closes: list[int | str],
       merged: str | None, closed: str | None, comments: list[dict] | None = None) -> dict:
    d = issue(number, title, author, created, body, state="closed" if closed else "open",
              reason=None, closed=closed, labels=(), comments=comments, is_pull_request=True,
              merged_at=merged, closes=closes)
    if merged:
        d["merged_by"] = "maintainer-kim"
    return d


def closed_by(pr_number: int, at: str, actor: str = "maintainer-kim") -> dict:
    return {"event": "closed", "actor": actor, "created_at": at, "state_reason": "completed", "closer": pr_number}


def agent_cli() -> list[dict]:
    t = "2025-10-{:02d}T{}Z".format
    n = "2025-11-{:02d}T{}Z".format
    items: list[dict] = []
    add = items.append

    add(issue(1, "Respect XDG_CONFIG_HOME for the settings directory", "jonas-w", t(1, "08:12:40"),
              "Every other tool on my machine keeps its config under `$XDG_CONFIG_HOME`. The CLI always "
              "writes to `~/.claude`, which my dotfiles manager does not track.\n\nProposal: honour "
              "`XDG_CONFIG_HOME` when it is set and fall back to the current path otherwise.",
              labels=("enhancement",), reactions={"+1": 14, "heart": 2},
              comments=[comment("maintainer-kim", t(2, "09:00:00"),
                                "Reasonable. We need a migration story for existing installs first, so "
                                "this stays open for now.")]))
    add(issue(2, "Docs: hooks example still uses the removed `matcher` key", "lin-hu", t(2, "11:30:05"),
              "The hooks page shows a `matcher` field that the settings validator rejects since 2.0.20. "
              "Copying the example verbatim gives a validation error on start.",
              state="closed", reason="completed", closed=t(3, "16:02:11"), labels=("documentation",),
              comments=[comment("maintainer-kim", t(3, "16:01:50"), "Updated the page, thanks for spotting it.")]))
    add(issue(3, "Crash on first run: EACCES creating the todos directory", "priya-s", t(3, "07:45:00"),
              bug_report("Fresh install through the standalone binary. The very first start exits before "
                         "the prompt appears. My home directory is on a managed laptop where some folders "
                         "are owned by root.",
                         "darwin", "iTerm.app", "2.0.27",
                         [(auth_bun(), "2025-10-03T07:41:12.310Z"),
                          ("Error: EACCES: permission denied, mkdir '/Users/priya/.claude/todos'\n"
                           "    at mkdirSync (node:fs:1372:26)\n"
                           f"    at ensureDir ({BUN}:912:3141)\n"
                           f"    at initSession ({BUN}:1603:220)\n"
                           "    at processTicksAndRejections (native:7:39)", "2025-10-03T07:41:12.902Z")]),
              state="closed", reason="completed", closed=t(5, "10:00:00"),
              comments=[comment("priya-s", t(5, "09:58:00"),
                                "IT fixed the ownership of `~/.claude` and it starts now. Closing.")]))
    add(issue(4, "Global update fails with ENOTEMPTY on rename", "dmitri-k", t(4, "14:20:00"),
              "Running the self-update (or `npm i -g` by hand) stops halfway:\n\n"
              + fenced(npm_enotempty("npm ERR!", "/usr/lib/node_modules", "Xk2p9aQ1", -39,
                                     "/home/dmitri/.npm/_logs/2025-10-04T14_18_52_041Z-debug-0.log"))
              + "\n\nDeleting the hidden `.claude-code-*` folder by hand lets the next install succeed.\n\n"
              "### Environment\n- OS: Ubuntu 24.04\n- Node: 20.17.0, npm 10.8.2\n- Version: 2.0.27\n",
              labels=("bug", "area:install"), reactions={"+1": 9},
              comments=[comment("ola-n", t(6, "12:00:00"), "Same on Fedora 41 with Node 22. The stale "
                                "folder is left over from an update that was interrupted."),
                        comment("maintainer-kim", t(9, "08:30:00"),
                                "npm renames the old package aside before unpacking the new one; if a "
                                "previous run died, the aside folder is still there and the rename fails. "
                                "We can clean it up in the updater.")]))
    add(issue(5, "API Error 529 overloaded in the middle of a long edit", "sam-okafor", t(5, "18:03:00"),
              bug_report("A multi-file refactor stopped halfway with an overloaded error and did not retry.",
                         "linux", "gnome-terminal", "2.0.28",
                         [(auth_bun(), "2025-10-05T17:59:10.004Z"),
                          (overloaded(f"\n    at generate ({BUN}:382:26098)\n    at makeRequest ({BUN}:527:5356)\n"
                                      "    at processTicksAndRejections (native:7:39)"),
                           "2025-10-05T18:01:44.519Z")]),
              reactions={"+1": 6}))
    add(issue(6, "Stop hook crashes on Windows: 'charmap' codec can't decode byte", "marta-g", t(6, "09:10:00"),
              "The hook runner dies whenever the transcript contains a curly quote or an emoji.\n\n"
              + fenced(py_cp1252("marta", "3.12", "Python312", "0x9d", 4711), "pytb")
              + "\n\n### Environment\n- Platform: win32\n- Python: 3.12.6\n- Version: 2.0.28\n",
              state="closed", reason="completed", closed=n(4, "15:40:00"), labels=("bug", "area:hooks"),
              reactions={"+1": 11},
              comments=[comment("maintainer-kim", t(7, "10:00:00"),
                                "`read_text()` without an encoding uses the ANSI code page on Windows. "
                                "Transcripts are UTF-8, so this is on us.")],
              events=[closed_by(33, n(4, "15:40:00"))]))
    add(issue(7, "How do I pin a model for a single project?", "noor-a", t(7, "13:00:00"),
              "I want one repository to always use the smaller model without changing my global default. "
              "Is there a per-project setting?",
              state="closed", reason="completed", closed=t(8, "09:00:00"), labels=("question",),
              comments=[comment("lin-hu", t(7, "15:30:00"),
                                "Put `\"model\"` in `.claude/settings.json` at the project root; it wins "
                                "over the user file.")]))
    add(issue(8, "JetBrains plugin: NPE when opening a proposed diff", "tomas-r", t(8, "10:15:00"),
              "Clicking *View diff* on a suggested change throws and nothing opens.\n\n"
              + fenced(java_diff_npe(88), "java")
              + "\n\n**Environment**\n- Platform: darwin (macOS 15.0)\n- IDE: IntelliJ IDEA 2025.2.2\n"
                "- Version: 2.0.28\n",
              labels=("bug", "area:jetbrains"), reactions={"+1": 4}))
    add(issue(9, "Sandbox helper panics with 'Operation not permitted' on macOS 15", "yuki-t", t(9, "06:40:00"),
              "Turning on the sandbox makes every shell command fail. Running the helper directly:\n\n"
              + fenced("thread 'main' panicked at src/seatbelt/profile.rs:211:14:\n"
                       "called `Result::unwrap()` on an `Err` value: Os { code: 1, kind: PermissionDenied, "
                       "message: \"Operation not permitted\" }\n"
                       "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace")
              + "\n\n**Environment**\n- Platform: darwin (macOS 15.1)\n- Version: 2.0.29\n",
              labels=("bug", "area:sandbox"), reactions={"+1": 3}))
    add(issue(10, "[Bug] API Error: out of extra usage although my plan still has quota", "alex-m",
              t(10, "05:58:00"),
              bug_report("Every request fails with the extra-usage 400 even though the usage page shows most of "
                         "my weekly allowance left. Logging out and back in did not change anything.",
                         "darwin", "vscode", "2.0.32",
                         [(auth_bun(), "2025-10-10T05:51:00.556Z"), (auth_bun(), "2025-10-10T05:51:00.557Z"),
                          (extra_usage_bun(), "2025-10-10T05:52:19.501Z"),
                          (extra_usage_bun(), "2025-10-10T05:56:33.606Z")]),
              labels=("bug", "area:api"), reactions={"+1": 5, "eyes": 1},
              comments=[comment("maintainer-kim", t(10, "09:12:00"),
                                "Thanks. We can see the account flag flipping on our side; investigating "
                                "with the billing team.")]))
    add(issue(11, "Network proxy crashes with nil pointer dereference when a request is cancelled",
              "felix-b", t(11, "16:25:00"),
              "Pressing Esc while a web fetch is in flight kills the sandbox proxy, and every later fetch "
              "hangs until restart.\n\n"
              + fenced(go_netproxy(87, "0x30", "0x7c1b2e", "0xc0001a4000"))
              + "\n\n### Environment\n- OS: Debian 12 (arm64)\n- Version: 2.0.30\n",
              state="closed", reason="completed", closed=n(6, "11:05:00"), labels=("bug", "area:sandbox"),
              reactions={"+1": 2}, events=[closed_by(36, n(6, "11:05:00"))]))
    add(issue(12, "Requests time out after exactly ten minutes on a slow VPN", "ravi-p", t(12, "20:10:00"),
              bug_report("Long tool runs over the company VPN end with a timeout; short prompts work.",
                         "linux", "tmux", "2.0.30",
                         [(auth_node(), "2025-10-12T20:01:02.100Z"),
                          ("APIConnectionTimeoutError: Request timed out.\n"
                           f"    at uy.makeRequest ({NODE}:357:5702)\n"
                           "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)\n"
                           f"    at async OtA.model ({NODE}:3354:18888)", "2025-10-12T20:11:03.644Z")]),
              labels=("bug", "area:network")))
    add(issue(13, "ENOTEMPTY when updating on macOS (npm 10)", "chloe-d", t(13, "08:00:00"),
              "Looks like #4 but on a Mac with Homebrew's Node:\n\n"
              + fenced(npm_enotempty("npm error", "/opt/homebrew/lib/node_modules", "2DTsDk1V", -66,
                                     "/Users/chloe/.npm/_logs/2025-10-13T07_58_31_882Z-debug-0.log"))
              + "\n\n- Platform: darwin\n- Version: 2.0.29\n",
              labels=("bug", "area:install"), reactions={"+1": 3}))
    add(issue(14, "[Bug] Anthropic API Error: 400 out of extra usage with low session usage", "bea-l",
              t(14, "10:51:30"),
              bug_report("The terminal only shows the 400 below, while the usage screen says I have used 1% "
                         "of this session and under a fifth of the week.",
                         "darwin", "Apple_Terminal", "2.0.28",
                         [(auth_node(), "2025-10-14T10:51:07.164Z"), (auth_node(), "2025-10-14T10:51:07.165Z"),
                          (NPM_PERMS, "2025-10-14T10:51:26.259Z"),
                          (extra_usage_node(), "2025-10-14T10:52:40.918Z")]),
              labels=("bug", "area:api"),
              comments=[comment("lin-hu", t(15, "08:00:00"), "Seeing this too since this morning, also on a Mac.",
                                {"+1": 2})]))
    add(issue(15, "Setting to turn off telemetry from settings.json", "jonas-w", t(15, "12:00:00"),
              "There is an environment variable for it, but I would rather keep it in the settings file "
              "with everything else. @maintainer-kim is this something you would take a PR for?",
              labels=("enhancement",), reactions={"+1": 7}))
    add(issue(16, "529 Overloaded errors with no automatic retry", "hana-s", t(16, "14:44:00"),
              bug_report("Got several overloaded errors in a row during a busy afternoon; each one aborted the turn.",
                         "darwin", "ghostty", "2.0.30",
                         [(auth_node(), "2025-10-16T14:40:00.010Z"),
                          (overloaded(f"\n    at uy.generate ({NODE}:349:1043)\n    at uy.makeRequest ({NODE}:357:5330)\n"
                                      "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)"),
                           "2025-10-16T14:42:31.207Z")]),
              reactions={"+1": 2}))
    add(issue(17, "UnicodeDecodeError in agent_hooks on Windows 11", "wei-z", t(17, "03:30:00"),
              "My PostToolUse hook stopped working after the last update.\n\n"
              + fenced(py_cp1252("wei", "3.11", "Python311", "0x81", 12034))
              + "\n\n- OS: Windows 11 23H2\n- Python 3.11.9\n- Version: 2.0.30\n",
              state="closed", reason="duplicate", closed=t(17, "09:05:00"), labels=("bug", "duplicate"),
              comments=[comment("maintainer-kim", t(17, "09:04:00"), "Duplicate of #6")]))
    add(issue(18, "Proxy panic: invalid memory address in netproxy forward", "ines-c", t(18, "11:11:00"),
              "Happens a few times a day for me, always right after I interrupt a turn.\n\n"
              + fenced(go_netproxy(412, "0x30", "0x7c1c0e", "0xc000312a80"))
              + "\n\n- Platform: linux\n- Version: 2.0.31\n",
              state="closed", reason="completed", closed=n(6, "11:05:00"), labels=("bug", "area:sandbox"),
              events=[closed_by(36, n(6, "11:05:00"))]))
    add(issue(19, "400 prompt is too long after resuming a session", "alex-m", t(20, "07:20:00"),
              bug_report("Resuming yesterday's session fails straight away.",
                         "darwin", "vscode", "2.0.32",
                         [(auth_bun(), "2025-10-20T07:15:40.221Z"),
                          (too_long_bun(212434), "2025-10-20T07:16:02.870Z")]),
              labels=("bug", "area:context")))
    add(issue(20, "MCP server disconnects immediately: Connection closed", "omar-f", t(21, "09:00:00"),
              bug_report("A local stdio MCP server that works with other clients is dropped right after start.",
                         "linux", "alacritty", "2.0.31",
                         [(auth_node(), "2025-10-21T08:58:12.000Z"),
                          ("McpError: MCP error -32000: Connection closed\n"
                           f"    at Client._onclose ({NODE}:2211:14417)\n"
                           f"    at _transport.onclose ({NODE}:2211:13902)\n"
                           f"    at ChildProcess.<anonymous> ({NODE}:2214:2088)", "2025-10-21T08:58:14.512Z")]),
              labels=("bug", "area:mcp")))
    add(issue(21, "Diff viewer throws RuntimeException in Rider", "pavel-v", t(22, "15:00:00"),
              "Same action, different IDE. The log shows a wrapper exception:\n\n"
              + fenced("java.lang.RuntimeException: Failed to open diff for src/Program.cs\n"
                       "\tat com.acme.agent.jetbrains.diff.DiffService.open(DiffService.kt:64)\n"
                       "\tat com.acme.agent.jetbrains.actions.ViewDiffAction.actionPerformed(ViewDiffAction.kt:29)\n"
                       "\tat com.intellij.openapi.actionSystem.ex.ActionUtil.doPerformActionOrShowPopup(ActionUtil.kt:374)\n"
                       "Caused by: " + java_diff_npe(91) + "\n\t... 12 more", "java")
              + "\n\n- Platform: win32\n- IDE: Rider 2025.2.1\n- Version: 2.0.31\n",
              labels=("bug", "area:jetbrains")))
    add(issue(22, "seatbelt profile panic (PermissionDenied) after upgrading", "ken-o", t(23, "19:30:00"),
              "Older build of the helper, same failure:\n\n"
              + fenced("thread 'main' panicked at 'called `Result::unwrap()` on an `Err` value: Os { code: 1, "
                       "kind: PermissionDenied, message: \"Operation not permitted\" }', "
                       "src/seatbelt/profile.rs:204:14\n"
                       "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace")
              + "\n\n- Platform: darwin\n- Version: 2.0.26\n",
              labels=("bug", "area:sandbox")))
    add(issue(23, "Out of extra usage error on Linux even after adding credit", "gus-h", t(24, "21:05:00"),
              bug_report("Added credit an hour ago and the error is still there.",
                         "linux", "konsole", "2.0.35",
                         [(auth_bun(), "2025-10-24T20:59:03.480Z"),
                          (extra_usage_bun(), "2025-10-24T21:00:41.092Z")]),
              state="closed", reason="duplicate", closed=t(25, "08:00:00"), labels=("bug", "duplicate"),
              events=[{"event": "marked_as_duplicate", "actor": "maintainer-kim", "created_at": t(25, "07:59:00"),
                       "duplicate_of": 10}]))
    add(issue(24, "Hook settings file fails to load: 'utf-8' codec can't decode byte 0xff", "marta-g",
              t(25, "10:30:00"),
              "Not the transcript bug: this time it is the hooks config, which Notepad saved as UTF-16.\n\n"
              + fenced("Traceback (most recent call last):\n"
                       '  File "C:\\Users\\marta\\AppData\\Local\\Programs\\Python\\Python312\\Lib\\site-packages\\'
                       'agent_hooks\\runner.py", line 61, in main\n'
                       "    settings = load_settings(args.config)\n"
                       '  File "C:\\Users\\marta\\AppData\\Local\\Programs\\Python\\Python312\\Lib\\site-packages\\'
                       'agent_hooks\\config.py", line 18, in load_settings\n'
                       "    return json.loads(path.read_bytes().decode(\"utf-8\"))\n"
                       "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte")
              + "\n\n- Platform: win32\n- Version: 2.0.31\n",
              labels=("bug", "area:hooks")))
    add(issue(25, "File guard panics on a deleted directory", "felix-b", t(26, "08:45:00"),
              "Removing a folder while the agent watches it takes the helper down:\n\n"
              + fenced("panic: runtime error: invalid memory address or nil pointer dereference\n"
                       "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x6f2a10]\n\n"
                       "goroutine 23 [running]:\n"
                       "github.com/acme/agent-cli/sandbox/fsguard.(*Watcher).Add(0x0, {0xc0000b6040, 0x2a})\n"
                       "\t/home/runner/work/agent-cli/agent-cli/sandbox/fsguard/watch.go:57 +0x30\n"
                       "github.com/acme/agent-cli/sandbox/fsguard.(*Guard).Allow(0xc00009e0f0, {0xc0000b6040, 0x2a})\n"
                       "\t/home/runner/work/agent-cli/agent-cli/sandbox/fsguard/guard.go:120 +0x9c")
              + "\n\n- Platform: linux\n- Version: 2.0.31\n",
              labels=("bug", "area:sandbox")))
    add(issue(26, "npm ERR! ENOTEMPTY during auto-update (nvm)", "ola-n", t(27, "17:10:00"),
              "Auto-update failed again; this machine uses nvm.\n\n"
              + fenced(npm_enotempty("npm ERR!", "/home/ola/.nvm/versions/node/v22.11.0/lib/node_modules",
                                     "qW3rTy7u", -39,
                                     "/home/ola/.npm/_logs/2025-10-27T17_08_12_553Z-debug-0.log"))
              + "\n\n- Platform: linux\n- Version: 2.0.31\n",
              labels=("bug", "area:install"),
              comments=[comment("dmitri-k", t(28, "08:00:00"), "Same root cause as #4 I think.")]))
    add(issue(27, "Hook runner cannot read transcript (cp1252) with Python 3.13", "jo-b", t(28, "12:00:00"),
              fenced(py_cp1252("jo", "3.13", "Python313", "0x8f", 903, runner_line=76))
              + "\n\nHappens only on the Windows machine.\n\n- Platform: win32\n- Version: 2.0.31\n",
              state="closed", reason="completed", closed=n(5, "09:00:00"), labels=("bug", "area:hooks"),
              comments=[comment("jo-b", n(5, "08:59:00"), "Fixed for me by the latest release, thanks!")]))
    add(issue(28, "API Error 400: prompt is too long when attaching a large log", "hana-s", t(29, "16:16:00"),
              bug_report("Attaching a 3 MB log file makes the next request fail.",
                         "darwin", "ghostty", "2.0.31",
                         [(auth_node(), "2025-10-29T16:10:55.010Z"),
                          (too_long_node(236912), "2025-10-29T16:12:01.446Z")]),
              labels=("bug", "area:context")))
    add(issue(29, "EPERM when the updater replaces the Windows binary", "wei-z", t(30, "02:00:00"),
              bug_report("The update runs while another window still has the CLI open.",
                         "win32", "Windows Terminal", "2.0.31",
                         [(auth_bun(), "2025-10-30T01:57:40.118Z"),
                          ("Error: EPERM: operation not permitted, rename "
                           "'C:\\Users\\wei\\.local\\bin\\claude.exe' -> 'C:\\Users\\wei\\.local\\bin\\claude.exe.old'\n"
                           "    at renameSync (node:fs:1033:3)\n"
                           "    at replaceBinary (B:/~BUN/root/claude.exe:1710:882)\n"
                           "    at installUpdate (B:/~BUN/root/claude.exe:1712:1410)", "2025-10-30T01:58:02.664Z")]),
              labels=("bug", "area:install")))
    add(issue(30, "Spinner flickers in Windows Terminal", "wei-z", t(31, "09:00:00"),
              "The status spinner redraws the whole line and flickers badly at 144 Hz. Cosmetic only.",
              labels=("bug", "area:tui")))
    add(pr(31, "hooks: decode transcripts as UTF-8", "marta-g", n(1, "10:00:00"),
           "First attempt at #6: pass `encoding=\"utf-8\"` when reading the transcript.",
           closes=[], merged=None, closed=n(3, "12:00:00"),
           comments=[comment("maintainer-kim", n(3, "11:58:00"),
                             "Superseded by #33, which also handles invalid bytes. Thanks for starting this!")]))
    add(issue(32, "NPE in DiffPresenter after the editor tab was closed", "tomas-r", n(2, "13:30:00"),
              "Closing the file tab before the diff loads reproduces it every time.\n\n"
              + fenced(java_diff_npe(94), "java")
              + "\n\n- Platform: linux\n- IDE: IntelliJ IDEA 2025.2.3\n- Version: 2.0.32\n",
              labels=("bug", "area:jetbrains")))
    add(pr(33, "hooks: read transcripts as UTF-8 and replace undecodable bytes", "maintainer-kim", n(3, "14:00:00"),
           "Fixes #6\n\nTranscripts are always written as UTF-8. Read them that way on every platform and "
           "replace invalid sequences instead of crashing, so a single bad byte no longer stops the hook. "
           "This should also cover #27.",
           closes=[6], merged=n(4, "15:40:00"), closed=n(4, "15:40:00")))
    add(issue(34, "Extra usage 400 right after switching plans", "ivan-d", n(4, "18:20:00"),
              bug_report("Switched to the yearly plan this morning; since then only the extra-usage error.",
                         "win32", "Windows Terminal", "2.0.31",
                         [(extra_usage_node(349, 1043), "2025-11-04T18:17:30.051Z")]),
              labels=("bug", "area:api")))
    add(issue(35, "Overloaded (529) on every request for about an hour", "nils-e", n(5, "08:00:00"),
              bug_report("For roughly an hour every request came back overloaded, then it recovered by itself.",
                         "linux", "xterm", "2.0.32",
                         [(overloaded(f"\n    at generate ({BUN}:382:26098)\n    at makeRequest ({BUN}:527:5356)\n"
                                      "    at processTicksAndRejections (native:7:39)"),
                           "2025-11-05T07:30:12.000Z")]),
              state="closed", reason="not_planned", closed=n(5, "12:00:00"),
              comments=[comment("maintainer-kim", n(5, "11:59:00"),
                                "That window matches a capacity incident on the API side; nothing to change "
                                "in the CLI. Retries for 529 are tracked in #16.")]))
    add(pr(36, "netproxy: stop forwarding when the upstream connection is already closed", "felix-b",
           n(5, "16:00:00"),
           "Fixes #11\nFixes #18\n\n`forward` dereferenced the upstream connection after a cancelled "
           "request had already torn it down. Check for it and return early; adds a test that cancels "
           "mid-request.",
           closes=[11, 18], merged=n(6, "11:05:00"), closed=n(6, "11:05:00")))
    add(issue(37, "Could not resolve authentication method after logging out", "sam-okafor", n(7, "09:30:00"),
              bug_report("After `/logout` the next prompt fails with this and never offers to log in again.",
                         "linux", "gnome-terminal", "2.0.33",
                         [(auth_bun(), "2025-11-07T09:28:44.700Z")]),
              labels=("bug", "area:auth")))
    add(issue(38, "Where are transcripts stored?", "noor-a", n(8, "10:00:00"),
              "I would like to back up old sessions. Which folder holds them?",
              state="closed", reason="completed", closed=n(8, "12:00:00"), labels=("question",),
              comments=[comment("lin-hu", n(8, "11:00:00"),
                                "Under `~/.claude/projects/`, one JSONL file per session.")]))
    add(issue(39, "netproxy still crashes on cancel in 2.0.36", "ines-c", n(9, "20:00:00"),
              "The fix from #36 helps, but I still get this occasionally:\n\n"
              + fenced(go_netproxy(1290, "0x30", "0x7c2b4e", "0xc0004f6000", line=147))
              + "\n\n- Platform: linux\n- Version: 2.0.36\n",
              labels=("bug", "area:sandbox")))
    add(pr(40, "installer: remove a stale aside folder before retrying the rename", "ola-n", n(10, "09:00:00"),
           "Closes #4\n\nWhen npm's rename fails with ENOTEMPTY, delete the leftover `.claude-code-*` "
           "folder and retry once. Draft until I have tested it on macOS as well.",
           closes=[4], merged=None, closed=None))
    add(issue(41, "NullPointerException collecting file context in the JetBrains plugin", "pavel-v",
              n(11, "12:40:00"),
              "Not the diff problem: this happens when adding an open file to the context.\n\n"
              + fenced('java.lang.NullPointerException: Cannot invoke "com.intellij.openapi.vfs.VirtualFile.getPath()" '
                       'because "file" is null\n'
                       "\tat com.acme.agent.jetbrains.context.FileContext.collect(FileContext.kt:40)\n"
                       "\tat com.acme.agent.jetbrains.context.ContextPanel.addCurrent(ContextPanel.kt:77)\n"
                       "\tat com.intellij.openapi.actionSystem.ex.ActionUtil.doPerformActionOrShowPopup(ActionUtil.kt:374)",
                       "java")
              + "\n\n- Platform: win32\n- Version: 2.0.33\n",
              labels=("bug", "area:jetbrains")))
    add(issue(42, "Support proxy authentication through HTTPS_PROXY credentials", "ravi-p", n(12, "08:00:00"),
              "Our proxy needs basic auth in the URL (`https://user:pass@proxy:8080`). Requests go out "
              "without the header at the moment.",
              labels=("enhancement", "area:network")))
    add(issue(43, "TypeError reading the response after a tool call", "gus-h", n(13, "22:10:00"),
              bug_report("Happens after a tool returns an empty result.",
                         "linux", "konsole", "2.0.35",
                         [(auth_bun(), "2025-11-13T22:05:00.100Z"),
                          ("TypeError: undefined is not an object (evaluating 'H.content[0].text')\n"
                           f"    at renderToolResult ({BUN}:2048:1177)\n"
                           f"    at <anonymous> ({BUN}:2051:90)", "2025-11-13T22:06:12.442Z")]),
              labels=("bug", "area:tui")))
    add(issue(44, "ENOTEMPTY again when updating from 2.0.33", "lin-hu", n(14, "07:30:00"),
              fenced(npm_enotempty("npm error", "/usr/local/lib/node_modules", "aB9xK0pL", -39,
                                   "/root/.npm/_logs/2025-11-14T07_29_01_100Z-debug-0.log"))
              + "\n\nRunning inside a devcontainer.\n\n- Platform: linux\n- Version: 2.0.33\n",
              state="closed", reason="duplicate", closed=n(14, "10:00:00"), labels=("bug", "duplicate"),
              comments=[comment("maintainer-kim", n(14, "09:59:00"),
                                "Duplicate of #4\n\nThe updater fix is in #40.")]))
    add(issue(45, "Status line shows `main | | +2` when the branch has no upstream", "jonas-w", n(15, "11:00:00"),
              "With a local-only branch the status line prints an empty segment between two pipes. "
              "Expected just `main | +2`.",
              labels=("bug", "area:tui")))
    return items


def agent_sdk() -> list[dict]:
    n = "2025-{}T{}Z".format
    return [
        issue(1, "BadRequestError: out of extra usage from the SDK as well", "alex-m", n("10-11", "07:00:00"),
              "Same account problem as acme/agent-cli#10, seen through the Python SDK:\n\n"
              + fenced("Traceback (most recent call last):\n"
                       '  File "/home/alex/proj/run.py", line 12, in <module>\n'
                       "    for message in query(prompt=\"hello\"):\n"
                       '  File "/home/alex/.venv/lib/python3.12/site-packages/agent_sdk/_internal/client.py", '
                       "line 141, in process_query\n"
                       "    raise BadRequestError(body)\n"
                       "agent_sdk.BadRequestError: Error code: 400 - {'type': 'error', 'error': {'type': "
                       "'invalid_request_error', 'message': \"" + EXTRA_USAGE + "\"}, 'request_id': '"
                       + req_id() + "'}")
              + "\n", labels=("bug",)),
        issue(2, "Hook transcripts fail to decode on Windows", "marta-g", n("10-07", "12:00:00"),
              "Tracking the SDK side of acme/agent-cli#6: the bundled hook runner has the same `read_text()` call.",
              state="closed", reason="completed", closed=n("11-05", "10:00:00"), labels=("bug",)),
        issue(3, "Type hints for streaming events", "noor-a", n("10-20", "09:00:00"),
              "The event classes are typed as `dict[str, Any]`; TypedDicts would help editors.",
              labels=("enhancement",)),
    ]


# -- cross-references, as GitHub records them --------------------------------------------------

_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
_REF = re.compile(r"(?<![\w/#])(?:(?P<repo>[A-Za-z0-9-]+/[A-Za-z0-9._-]+))?#(?P<num>\d+)\b")


def add_cross_references(repos: dict[str, list[dict]]) -> None:
    """Every ``#N`` / ``owner/repo#N`` in prose (not code) leaves a cross-referenced event on the
    target, sourced from the mentioning issue at the time of the mention (body or comment)."""
    index = {(full, i["number"]): i for full, items in repos.items() for i in items}
    for full, items in repos.items():
        for src in items:
            texts = [(src["body"], src["created_at"])] + [(c["body"], c["created_at"]) for c in src["comments"]]
            seen: set[tuple[str, int]] = set()
            for text, when in texts:
                for m in _REF.finditer(_CODE.sub("", text)):
                    target = (m.group("repo") or full, int(m.group("num")))
                    tgt = index.get(target)
                    if tgt is None or tgt is src or target in seen:
                        continue
                    seen.add(target)
                    ev = {"event": "cross-referenced", "actor": src["author"], "created_at": when,
                          "source": {"repo": full, "number": src["number"]}}
                    if src.get("is_pull_request") and tgt["number"] in src.get("closes", []) and target[0] == full:
                        ev["will_close_target"] = True
                    tgt["events"].append(ev)


def build() -> dict:
    repos = {REPO: agent_cli(), SDK: agent_sdk()}
    add_cross_references(repos)
    for items in repos.values():
        for i in items:
            i["events"].sort(key=lambda e: (e.get("created_at") or "", e["event"]))
    labels = [
        {"name": "bug", "color": "d73a4a", "description": "Something isn't working"},
        {"name": "enhancement", "color": "a2eeef", "description": "New feature or request"},
        {"name": "question", "color": "d876e3", "description": "Further information is requested"},
        {"name": "documentation", "color": "0075ca", "description": "Improvements or additions to documentation"},
        {"name": "duplicate", "color": "cfd3d7", "description": "This issue or pull request already exists"},
    ] + [{"name": f"area:{a}", "color": "ededed", "description": f"Area: {a}"}
         for a in ("api", "auth", "context", "hooks", "install", "jetbrains", "mcp", "network", "sandbox", "tui")]
    return {"repos": [
        {"owner": "acme", "name": "agent-cli", "owner_type": "Organization",
         "description": "Sample tracker bundled with issuegraph: an agent CLI for the terminal and IDEs",
         "labels": labels, "issues": repos[REPO]},
        {"owner": "acme", "name": "agent-sdk-python", "owner_type": "Organization",
         "description": "Sample tracker bundled with issuegraph: the Python SDK", "labels": labels[:2],
         "issues": repos[SDK]},
    ]}


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(build(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
