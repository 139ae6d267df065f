"""Stage: references found in Markdown. Input: one body (issue, PR or comment) and the repository it
lives in; output: ``Reference`` records, in order of first appearance, one per (target, kind).

Why tokens and not a regex over the raw text: a ``#123`` inside a code span, a fenced or indented
block or an HTML comment is not a reference on GitHub, and pasted stack traces (``:527:935``),
colour codes (``#fff``), line anchors (``#L123``) and entities (``&#39;``) are full of ``#`` and
digits. markdown-it-py tells us which text is prose; the patterns below then run over prose only.

What counts, following GitHub's autolinking (docs.github.com, "Autolinked references and URLs"):

- ``#123``, ``GH-123`` (same repository), ``owner/repo#123`` (any repository);
- full URLs to an issue or pull request on github.com or a configured Enterprise host, with any
  ``/files``-style tail, query string or ``#issuecomment-…`` anchor (a comment URL refers to its
  issue; the comment id is kept on the reference);
- closing keywords (close/closes/closed/fix/fixes/fixed/resolve/resolves/resolved, any case,
  optional colon) right before a reference → ``kind="closes"``. Only a PR *body* closes anything on
  GitHub; that decision belongs to the graph builder, which knows where the text came from;
- ``Duplicate of #N`` at the start of a line → ``kind="duplicate_of"`` (GitHub's duplicate syntax;
  it only marks the issue when a maintainer writes it, so the builder treats it as a claim).

Text inside a block quote is returned with ``quoted=True``: it is usually someone else's words
pasted into a reply, so it is weaker evidence.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ..errors import UsageError
from ..models import IssueRef

RefKind = Literal["mention", "closes", "duplicate_of"]

DEFAULT_HOSTS: tuple[str, ...] = ("github.com",)

# Tables and strikethrough are GFM; without them a table cell would still be prose, so this only
# matters for fidelity. Linkify is not needed: bare URLs are found by URL_RE below.
# ``text_join`` is off so an escaped ``#`` (``\\#12``, ``&#35;12``) stays a token of its own: writing
# it that way is how people say "not a reference".
_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"]).disable("text_join")

# Stands in for code spans and inline HTML in the prose string, so a keyword on one side of
# `code` never joins a reference on the other, and nothing can match across it.
_GAP = "\x00"


@dataclass(frozen=True, order=True)
class Reference:
    """One link from a text to an issue or PR. ``text`` is the reference as written (first seen);
    ``comment_id`` is set when the reference was a ``#issuecomment-N`` URL."""

    target: IssueRef
    kind: RefKind
    quoted: bool = False
    text: str = ""
    comment_id: int | None = None


# --- patterns over prose ----------------------------------------------------------------------
_OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})"
_NAME = r"[A-Za-z0-9._-]{1,100}"
# Any http(s) URL in prose; trailing sentence punctuation is trimmed in _trim_url.
_ANY_URL_RE = re.compile(r"https?://[^\s<>\"'`\x00]+", re.IGNORECASE)
# Short forms. The look-behind keeps `&#39;`, `abc#12`, `path/#12`, `##12` and `x-GH-1` out; the
# look-ahead keeps `#12abc` and `#12-3` out (`#12.` and `#12,` are fine).
_SHORT_RE = re.compile(
    rf"(?<![\w/&#.-])(?:(?P<repo>{_OWNER}/{_NAME})#|#|GH-)(?P<num>[0-9]{{1,9}})(?![\w-]|\.[\w])"
)
# How far before a reference its keyword ("Fixes", "Duplicate of") may start: a keyword followed by
# more than this much whitespace is not read as one. Keeps extraction linear in the text.
KEYWORD_WINDOW = 200
_CLOSE_WORDS = r"(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)"
_CLOSE_BEFORE_RE = re.compile(rf"(?i)(?<![\w-]){_CLOSE_WORDS}:?\s+$")
_DUPLICATE_BEFORE_RE = re.compile(r"(?i)(?:^|\n)[ \t]*duplicate of:?[ \t]+$")
# HTML blocks: comments go, <pre>/<code> contents go, hrefs are read, the remaining text is prose.
_HTML_COMMENT_RE = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_HTML_CODE_RE = re.compile(r"<(pre|code)\b[^>]*>.*?(?:</\1\s*>|\Z)", re.DOTALL | re.IGNORECASE)
_HTML_HREF_RE = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_HTML_TAG_RE = re.compile(r"<[^>]*>")


def _url_re(hosts: Sequence[str]) -> re.Pattern[str]:
    """Issue/PR URLs on the given html hosts. Group ``frag`` holds the ``#…`` anchor, if any."""
    host_alt = "|".join(re.escape(h.lower().removeprefix("www.")) for h in hosts)
    return re.compile(
        rf"^https?://(?:www\.)?(?:{host_alt})/(?P<repo>{_OWNER}/{_NAME})/(?:issues|pull|pulls)/"
        rf"(?P<num>[0-9]{{1,9}})(?:/[^?#\s]*)?(?:\?[^#\s]*)?(?:#(?P<frag>\S*))?$",
        re.IGNORECASE,
    )


_URL_RE_CACHE: dict[tuple[str, ...], re.Pattern[str]] = {}


def _issue_url_re(hosts: Sequence[str]) -> re.Pattern[str]:
    key = tuple(hosts)
    if key not in _URL_RE_CACHE:
        _URL_RE_CACHE[key] = _url_re(key)
    return _URL_RE_CACHE[key]


def _trim_url(url: str) -> str:
    """Drop trailing sentence punctuation and an unbalanced closing bracket, as GitHub does."""
    while url and url[-1] in ".,;:!?*_~'\"":
        url = url[:-1]
    while url.endswith(")") and url.count("(") < url.count(")"):
        url = url[:-1]
    return url


def ref_from_url(url: str, hosts: Sequence[str] = DEFAULT_HOSTS) -> tuple[IssueRef, int | None] | None:
    """The issue or PR a URL points at, and the comment id of an ``#issuecomment-N`` anchor; None
    for any other URL (commits, blobs with ``#L123``, wikis, other hosts)."""
    m = _issue_url_re(hosts).match(_trim_url(url.strip()))
    if not m:
        return None
    number = int(m["num"])
    if number == 0:
        return None
    comment_id = None
    frag = m["frag"] or ""
    cm = re.match(r"issuecomment-([0-9]+)", frag)
    if cm:
        comment_id = int(cm.group(1))
    return IssueRef(m["repo"], number), comment_id


def parse_issue_url(text: str, hosts: Sequence[str] = DEFAULT_HOSTS) -> IssueRef:
    """What the user gave ``walk``: an issue/PR URL (any anchor or query) or ``owner/repo#N``.

    Raises ``UsageError`` saying what the text is and what is expected instead."""
    text = text.strip()
    if not re.match(r"(?i)^https?://", text):
        if "#" in text and not text.startswith("#"):
            return IssueRef.from_key(text)
        raise UsageError(
            f"'{text}' is not an issue or pull request: give a URL such as "
            "https://github.com/OWNER/REPO/issues/N or OWNER/REPO#N"
        )
    found = ref_from_url(text, hosts)
    if found:
        return found[0]
    host = re.sub(r"(?i)^https?://", "", text).split("/", 1)[0].lower().removeprefix("www.")
    if host not in {h.lower().removeprefix("www.") for h in hosts}:
        raise UsageError(
            f"'{text}' is not on {' or '.join(hosts)}; for GitHub Enterprise pass --html-host {host}"
        )
    raise UsageError(
        f"'{text}' is not an issue or pull request page (a URL like "
        f"https://{hosts[0]}/OWNER/REPO/issues/N or …/pull/N is needed)"
    )


# --- walking the tokens -----------------------------------------------------------------------
@dataclass
class _Chunk:
    """A run of prose (one inline token or one HTML block's text), with where it sat."""

    text: str
    quoted: bool
    hrefs: list[tuple[int, str]]  # (offset in text where the link starts, href); -1 = no context


def _inline_chunk(tok: Token, quoted: bool) -> _Chunk:
    parts: list[str] = []
    hrefs: list[tuple[int, str]] = []
    in_link = False  # a link's text is not autolinked again on GitHub: its href is what counts
    for child in tok.children or ():
        if in_link and child.type != "link_close":
            continue
        if child.type == "link_close":
            in_link = False
            parts.append(_GAP)
        elif child.type == "text":
            parts.append(child.content)
        elif child.type == "text_special":  # an entity or backslash escape, already decoded
            parts.append(_GAP if child.content == "#" else child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "link_open":
            in_link = True
            href = child.attrs.get("href")
            if isinstance(href, str):
                hrefs.append((sum(map(len, parts)), href))
        elif child.type == "html_inline":
            hrefs.extend((-1, h) for h in _html_hrefs(_HTML_COMMENT_RE.sub("", child.content)))
            parts.append(_GAP)
        elif child.type == "code_inline":
            parts.append(_GAP)
        elif child.type == "image":
            parts.append(_GAP)  # alt text is not a reference; the image URL is not a link
    return _Chunk("".join(parts), quoted, hrefs)


def _html_hrefs(fragment: str) -> list[str]:
    return [next(g for g in m.groups() if g is not None) for m in _HTML_HREF_RE.finditer(fragment)]


def _html_chunk(content: str, quoted: bool) -> _Chunk:
    content = _HTML_COMMENT_RE.sub(_GAP, content)
    content = _HTML_CODE_RE.sub(_GAP, content)
    hrefs = [(-1, html.unescape(h)) for h in _html_hrefs(content)]
    text = html.unescape(_HTML_TAG_RE.sub(_GAP, content))
    return _Chunk(text, quoted, hrefs)


def _chunks(markdown: str) -> Iterator[_Chunk]:
    depth = 0
    for tok in _MD.parse(markdown):
        if tok.type == "blockquote_open":
            depth += 1
        elif tok.type == "blockquote_close":
            depth -= 1
        elif tok.type == "inline":
            yield _inline_chunk(tok, depth > 0)
        elif tok.type == "html_block":
            yield _html_chunk(tok.content, depth > 0)
        # fence, code_block: code, not prose


def _refs_in_chunk(chunk: _Chunk, repo: str, hosts: Sequence[str]) -> Iterator[Reference]:
    text = chunk.text
    spans: list[tuple[int, int, IssueRef, int | None, str]] = []
    for pos, href in chunk.hrefs:
        found = ref_from_url(href, hosts)
        if found:
            spans.append((pos, pos, found[0], found[1], _trim_url(href)))
    # URLs first, then blank them out so `github.com/o/r/issues/3#issuecomment-9` or a blob URL
    # ending in `#L12` never yields a short reference.
    for m in _ANY_URL_RE.finditer(text):
        url = _trim_url(m.group(0))
        found = ref_from_url(url, hosts)
        if found:
            spans.append((m.start(), m.start() + len(url), found[0], found[1], url))
    pieces, last = [], 0
    for m in _ANY_URL_RE.finditer(text):
        pieces += [text[last : m.start()], _GAP * (m.end() - m.start())]
        last = m.end()
    masked = "".join(pieces) + text[last:]
    for m in _SHORT_RE.finditer(masked):
        number = int(m["num"])
        if number == 0:
            continue
        target = IssueRef(m["repo"] if m["repo"] else repo, number)
        spans.append((m.start(), m.end(), target, None, m.group(0)))
    spans.sort(key=lambda s: s[0])
    for start, _end, target, comment_id, written in spans:
        kind: RefKind = "mention"
        # Only the last KEYWORD_WINDOW characters before a reference can make it a closing or
        # duplicate one: searching the whole prefix made 10k references in a big body quadratic.
        lo = max(0, start - KEYWORD_WINDOW)
        if start <= 0 or not text[start - 1].isspace():
            pass  # both keyword patterns end in whitespace right before the reference
        elif _DUPLICATE_BEFORE_RE.search(text, lo, start):
            kind = "duplicate_of"
        elif _CLOSE_BEFORE_RE.search(text, lo, start):
            kind = "closes"
        yield Reference(target, kind, chunk.quoted, written, comment_id)


def extract_references(
    markdown: str | None, repo: str, hosts: Sequence[str] = DEFAULT_HOSTS
) -> list[Reference]:
    """References in one Markdown text written in ``repo`` (the repository bare ``#N`` means).

    One ``Reference`` per (target, kind), in order of first appearance; it is ``quoted`` only if
    every occurrence was inside a block quote. ``hosts`` are the html hosts whose URLs count
    (github.com and/or an Enterprise host).
    """
    if not markdown:
        return []
    seen: dict[tuple[IssueRef, str], Reference] = {}
    for chunk in _chunks(markdown):
        for ref in _refs_in_chunk(chunk, repo, hosts):
            key = (ref.target, ref.kind)
            prev = seen.get(key)
            if prev is None:
                seen[key] = ref
            else:
                seen[key] = Reference(prev.target, prev.kind, prev.quoted and ref.quoted, prev.text,
                                      prev.comment_id if prev.comment_id is not None else ref.comment_id)
    return list(seen.values())


def duplicate_targets(markdown: str | None, repo: str, hosts: Sequence[str] = DEFAULT_HOSTS) -> list[IssueRef]:
    """Issues a text declares this one a duplicate of (GitHub's ``Duplicate of #N``), unquoted only:
    a quoted "Duplicate of" is someone repeating a claim, not making it."""
    return [r.target for r in extract_references(markdown, repo, hosts) if r.kind == "duplicate_of" and not r.quoted]
