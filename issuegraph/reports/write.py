"""Write an archive folder: ``write_reports(out_dir, report_set)``.

Stage: reports, step 3 of 3 (``context`` → ``markdown`` → write). Layout::

    OUT/index.md              clusters ranked by open reports and recency, "new since last run"
    OUT/README.md             the same page, for GitHub's folder view (``readme=True``)
    OUT/clusters/<id>.md      one page per cluster of two or more reports

A nightly job commits this folder, so writing must not churn:

* a file whose bytes would not change is not touched (mtime stays, git sees nothing);
* a changed file is written to a temporary file in the same folder and moved into place with
  ``os.replace``, so a reader or a killed run never sees half a file;
* a page under ``clusters/`` that belongs to no current cluster is *ours* only if its front matter
  says ``generator: issuegraph …``; ours are replaced by a short stub pointing to the clusters that
  now hold its reports (when the cluster merged or split), or removed (when its reports are now all
  on their own). Anything else in the folder is left alone.

File names come from cluster ids only (``context.cluster_file_name``) and are checked again here:
one path component, no separators, no leading dot.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import ReportError
from .context import ReportSet
from .markdown import render_cluster_report, render_index, render_moved_stub, render_readme

CLUSTER_DIR = "clusters"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}\.md$")


@dataclass
class WriteSummary:
    written: list[str] = field(default_factory=list)  # created or changed, relative paths
    unchanged: int = 0
    stubbed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.written or self.stubbed or self.removed)


def _check_name(name: str) -> str:
    if not _NAME.match(name) or name in (".md", "..md"):
        raise ReportError(f"refusing to write report file {name!r}: not a plain file name")
    return name


def write_if_changed(path: Path, text: str) -> bool:
    """Atomically write ``text`` (UTF-8, ``\\n`` line ends) unless the file already holds exactly it."""
    data = text.encode("utf-8")
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise ReportError(f"cannot read {path}: {exc.strerror or exc}") from None
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".md", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise ReportError(f"cannot write {path}: {exc.strerror or exc}; check the folder and free space") from None
    return True


def read_front_matter(path: Path) -> dict | None:
    """The YAML front matter of a Markdown file, or None if it has none (or it is not YAML)."""
    try:
        with path.open("r", encoding="utf-8", errors="replace") as fh:
            if fh.readline().rstrip("\n") != "---":
                return None
            lines = []
            for line in fh:
                if line.rstrip("\n") == "---":
                    break
                lines.append(line)
                if len(lines) > 500:
                    return None
            else:
                return None
        data = yaml.safe_load("".join(lines))
    except (OSError, yaml.YAMLError):
        return None
    return data if isinstance(data, dict) else None


def _is_ours(meta: dict | None) -> bool:
    return bool(meta) and str(meta.get("generator", "")).startswith("issuegraph")  # type: ignore[union-attr]


def _prepare(out_dir: Path) -> Path:
    if out_dir.exists() and not out_dir.is_dir():
        raise ReportError(f"{out_dir} exists and is not a folder; pass another --out")
    try:
        (out_dir / CLUSTER_DIR).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"cannot create {out_dir / CLUSTER_DIR}: {exc.strerror or exc}") from None
    return out_dir


def _member_keys(meta: dict, repo: str) -> list[str]:
    keys = []
    for m in meta.get("members") or []:
        if isinstance(m, int) or (isinstance(m, str) and m.isdigit()):
            keys.append(f"{repo}#{int(m)}")
        elif isinstance(m, str) and "#" in m:
            keys.append(m)
    return keys


def write_reports(out_dir: Path | str, reports: ReportSet, *, readme: bool = False) -> WriteSummary:
    """Write (only what changed of) the archive for one repository into ``out_dir``."""
    out = _prepare(Path(out_dir))
    summary = WriteSummary()
    cdir = out / CLUSTER_DIR
    current: set[str] = set()

    def put(rel: str, path: Path, text: str) -> None:
        if write_if_changed(path, text):
            summary.written.append(rel)
        else:
            summary.unchanged += 1

    for c in reports.clusters:
        name = _check_name(c.file_name)
        current.add(name)
        put(f"{CLUSTER_DIR}/{name}", cdir / name, render_cluster_report(c))
    put("index.md", out / "index.md", render_index(reports.index))
    if readme:
        put("README.md", out / "README.md", render_readme(reports.index))

    repo = reports.index.repo
    id_of = {c.file_name: c.id for c in reports.clusters}
    for path in sorted(cdir.glob("*.md")):
        if path.name in current or not path.is_file() or path.is_symlink():
            continue
        meta = read_front_matter(path)
        if not _is_ours(meta) or (meta.get("repo") not in (None, repo) and not meta.get("moved")):  # type: ignore[union-attr]
            continue
        members = _member_keys(meta, str(meta.get("repo") or repo))  # type: ignore[arg-type]
        dests = sorted({reports.member_files[k] for k in members if k in reports.member_files})
        rel = f"{CLUSTER_DIR}/{path.name}"
        if dests:
            stub = render_moved_stub(str(meta.get("cluster") or path.stem), members,  # type: ignore[union-attr]
                                     [(id_of[f], f) for f in dests], repo)
            if write_if_changed(path, stub):
                summary.stubbed.append(rel)
            else:
                summary.unchanged += 1
        else:
            try:
                path.unlink()
            except OSError as exc:
                raise ReportError(f"cannot remove stale {path}: {exc.strerror or exc}") from None
            summary.removed.append(rel)
    return summary
