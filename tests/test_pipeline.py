"""The offline demo, the nightly command and the shipped examples, end to end through the CLI."""

from __future__ import annotations

import json
import re
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from issuegraph.cli import app
from issuegraph.pipeline import SEED_PAIR, sample_cassette, sample_dataset

from .conftest import Ghsim
from .reports.mdcheck import assert_well_formed, strip_wj

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def demo_docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "docs"
    run("demo", "--out", str(out))
    return out


def seed_report(docs: Path) -> tuple[Path, str]:
    for page in sorted((docs / "clusters").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        if "acme/agent-cli#10" in text.split("\n---\n")[0] or "canonical: acme/agent-cli#10" in text:
            return page, text
    raise AssertionError("no cluster page holds acme/agent-cli#10")


def test_demo_writes_the_archive_offline(demo_docs: Path) -> None:
    names = sorted(p.relative_to(demo_docs).as_posix() for p in demo_docs.rglob("*.md"))
    assert names[:1] == ["README.md"] and "index.md" in names and len(names) >= 5
    for name in names:
        assert_well_formed((demo_docs / name).read_text(encoding="utf-8"))


def test_demo_clusters_the_seed_pair_and_says_why(demo_docs: Path) -> None:
    page, text = seed_report(demo_docs)
    p = assert_well_formed(text)
    numbers = [int(k.rpartition("#")[2]) for k in SEED_PAIR]
    assert set(numbers) <= set(p.meta["members"])
    assert "out of extra usage" in p.meta["signature"]
    runtimes = [line for line in text.split("\n") if line.startswith("Representative trace (")]
    assert any("bun" in r for r in runtimes) and any("node" in r for r in runtimes)
    fences = [content for _, content in p.fences]
    assert any("/$bunfs/root/claude:382:26098" in f for f in fences)
    assert any("@anthropic-ai/claude-code/cli.js" in f and "uy.generate" in f for f in fences)
    why = strip_wj(text.split("## Why these are together")[1].split("\n## ")[0])
    assert "#10 (canonical)" in why and "#14" in why and "out of extra usage" in why
    noise = text.split("## Ignored background errors")[1].split("\n## ")[0]
    assert "could not resolve authentication method" in noise


def test_demo_look_alikes_stay_apart(demo_docs: Path) -> None:
    _, text = seed_report(demo_docs)
    members = assert_well_formed(text).meta["members"]
    assert 19 not in members and 28 not in members  # the other invalid_request_error (prompt too long)
    assert 37 not in members  # only the background auth error


def test_a_second_demo_run_changes_no_file(demo_docs: Path) -> None:
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in demo_docs.rglob("*.md")}
    output = run("demo", "--out", str(demo_docs))
    assert "0 written" in output
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in demo_docs.rglob("*.md")} == before


def test_the_sample_is_what_its_script_generates() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import sample_dataset as script  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    on_disk = json.loads(sample_dataset().read_text(encoding="utf-8"))
    assert script.build() == on_disk, "edit scripts/sample_dataset.py, rerun it, then scripts/record_sample.py"


def test_the_recording_holds_no_credential_and_no_local_host() -> None:
    text = sample_cassette().read_text(encoding="utf-8")
    assert "127.0.0.1" not in text and "offline-demo" not in text and "recording" not in text.lower().replace(
        "recorded", "")
    for interaction in yaml.safe_load(text)["interactions"]:
        assert interaction["request"]["uri"].startswith("https://api.github.com/")
        assert not {h.lower() for h in interaction["request"]["headers"]} & {"authorization", "cookie"}


# -- examples -----------------------------------------------------------------------------------

def _issuegraph_commands(script: str) -> list[list[str]]:
    out = []
    for line in script.replace("\\\n", " ").split("\n"):
        if "issuegraph " in line and not line.strip().startswith("#"):
            words = shlex.split(line[line.index("issuegraph "):])
            out.append(words[1:])
    return out


def test_the_nightly_workflow_parses_and_uses_real_commands_and_options() -> None:
    wf = yaml.safe_load((ROOT / "examples" / "nightly.yml").read_text(encoding="utf-8"))
    triggers = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` as true
    assert "schedule" in triggers and triggers["schedule"][0]["cron"]
    steps = wf["jobs"]["archive"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("actions/checkout@") for u in uses) and any(u.startswith("astral-sh/setup-uv@") for u in uses)
    assert any(u.startswith("actions/cache/restore@") for u in uses) and any(u.startswith("actions/cache/save@") for u in uses)
    commands = [c for s in steps for c in _issuegraph_commands(s.get("run", ""))]
    assert commands and commands[0][0] == "nightly"
    for words in commands:
        help_text = run(words[0], "--help")
        for opt in (w for w in words if w.startswith("--")):
            assert re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", help_text), f"{words[0]} has no {opt}"
    commit = next(s["run"] for s in steps if "git commit" in s.get("run", ""))
    assert "git diff --cached --quiet" in commit  # commit only when the archive changed


def test_the_mkdocs_snippet_parses_and_points_at_the_index() -> None:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: suffix)
    cfg = yaml.load((ROOT / "examples" / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)  # noqa: S506
    assert cfg["nav"][0]["Duplicate clusters"].endswith("index.md")
    assert any("pymdownx.superfences" in ext for ext in cfg["markdown_extensions"] if isinstance(ext, dict))


# -- nightly against the simulator (skipped without ../shared/ghsim) -------------------------------

@pytest.fixture()
def ghsim_api() -> Iterator[str]:
    server = Ghsim(sample_dataset(), ())  # skips without ../shared/ghsim
    try:
        yield server.url
    finally:
        server.stop()


def test_nightly_crawls_clusters_reports_and_a_rerun_is_quiet(ghsim_api: str, tmp_path: Path) -> None:
    args = ["nightly", "acme/agent-cli", "--db", str(tmp_path / "s.db"), "--out", str(tmp_path / "docs"),
            "--api-url", ghsim_api, "--token", "t"]
    first = run(*args)
    assert "clusters: 7; new: all (first run)" in first and "requests" in first
    second = run(*args)  # only the index changes: "first run" becomes "nothing new"
    assert "(+0 since the last run)" in second and "new: none; grown: none" in second
    assert "1 written, 7 unchanged" in second
    assert "Nothing new since the previous run." in (tmp_path / "docs" / "index.md").read_text()
    pages = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in (tmp_path / "docs").rglob("*.md")}
    third = run(*args)
    assert "0 written, 8 unchanged" in third
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in (tmp_path / "docs").rglob("*.md")} == pages


def test_the_readme_starts_with_the_demo_then_the_tests_and_its_commands_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", quick, re.S)
    assert blocks[0].split("#")[0].strip() == "uv run issuegraph demo"
    assert blocks[1].strip() == "uv run pytest"
    for block in re.findall(r"```sh\n(.*?)```", readme, re.S):
        for line in block.split("\n"):
            line = line.split("  #")[0].strip()
            if not line.startswith("uv run issuegraph "):
                continue
            words = shlex.split(line.split("&&")[0])[3:]
            help_text = run(words[0], "--help")
            for opt in (w for w in words if w.startswith("--")):
                assert re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", help_text), f"{words[0]} has no {opt}"
