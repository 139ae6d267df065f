"""Error signatures: the error records an issue carries, extracted from its text and normalised.

Stage: text (title, body, comments) → ``IssueSignatures`` (plain data). Imports nothing from the
rest of issuegraph, so it can ship alone; nothing here does I/O.

Public API (used by ``graph/cluster.py`` and by the reports):

- ``extract_error_records(text, source="body") -> list[ErrorRecord]``: every error record found
  in one Markdown text, in order of appearance, duplicates (same signature) kept once.
- ``issue_signatures(title, body, comments) -> IssueSignatures``: the records of a whole issue
  (body first, then comments in order) plus the title's error line if it has one.
- ``normalize_message(text) -> str``: Sentry-style parameterisation of one message.
- ``ErrorRecord``: ``.raw`` (the verbatim text the record was read from: message line and frame
  lines, for reports to show), ``.runtime`` (``node``, ``bun``, ``browser``, ``python``, ``java``,
  ``go``, ``rust``, ``dotnet``, ``ruby``, ``php``, ``dart``, ``swift``, ``native`` (C, C++,
  Objective-C), ``api`` or ``text``), ``.type`` (``TypeError``, ``400
  invalid_request_error``, ``panic`` …), ``.message`` (unwrapped, not normalised),
  ``.normalized_message``, ``.frames`` (``Frame``: normalised ``function``, ``module``, ``in_app``,
  verbatim ``raw``), ``.key`` (type + normalised message: the message identity) and ``.signature``
  (key + the top three in-app frames: the crash identity).
- ``RULES_VERSION``: dated id of this rule set; a cluster run records it so old runs can be
  recomputed the same way.

How it works, siggen-style: *preparation rules* (``PREPARE_RULES``) rewrite the raw text (expand
JSON error arrays, unescape ``\\n`` in pasted log strings, re-join soft-wrapped API error bodies);
a line scanner then recognises *frame rules* (``FRAME_RULES``: one regex per runtime frame syntax)
and *message rules* (``MESSAGE_RULES``: error-line syntaxes, most specific first); messages are
normalised by the ordered ``PARAMETERS`` list and frames by ``normalize_frame``. Every list says
why each entry exists and why it sits where it does.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

RULES_VERSION = "sig-2026-11-24.4"

MAX_RECORDS_PER_TEXT = 60  # pasted logs repeat; past this many distinct records a text is a log dump
MAX_FRAMES = 30  # Sentry/Seer cap; deeper frames never decide identity


# ---------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Frame:
    """One stack frame after normalisation; ``raw`` is the verbatim line."""

    function: str
    module: str
    in_app: bool
    runtime: str
    raw: str
    # a library's frame (a gem, Composer's vendor/, the Flutter framework): counts as in-app only on a
    # stack with no frame of the program's own (see ``_promote_library_frames``)
    library: bool = False

    @property
    def label(self) -> str:
        """How the frame takes part in a signature: ``module:function`` or just one of them."""
        if self.module and self.function:
            return f"{self.module}:{self.function}"
        return self.function or self.module


@dataclass(frozen=True)
class ErrorRecord:
    """One error as reported: its type, message and frames, raw and normalised. ``key``,
    ``top_frames`` and ``signature`` are computed once per record (the clusterer reads them for
    every pair it scores)."""

    raw: str
    runtime: str
    type: str
    message: str
    normalized_message: str
    frames: tuple[Frame, ...] = ()
    source: str = "body"
    wrapped: bool = False  # a cause was printed under it: the message wraps another error

    @cached_property
    def key(self) -> str:
        """The message identity: type and parameterised message (frames left out).

        An HTTP API error's identity is its status and message: the error type a JSON body names
        (``overloaded_error``) is only the status's name, and the same error printed as a JSON body,
        as ``API Error: 529 Overloaded.`` or by a proxy that drops the type must meet in one key.
        The type stays on the record (and in the features) for display and weighting."""
        t = self.type.lower()
        status = _API_STATUS_TYPE.fullmatch(t)
        if status:
            t = status.group(1)
        return f"{t}: {self.normalized_message}" if self.normalized_message else t

    @cached_property
    def alt_keys(self) -> tuple[str, ...]:
        """Further identities of the same message, for bucketing (``message_alt_keys``): one error
        printed in other forms (with or without a detail suffix, a logger prefix, a wrapper clause,
        localised OS text next to the same code) lands in one of these even when ``key`` differs; a
        message ending in an error variant's name (``error_kind``) also lands in ``kind:<name>``."""
        kind = error_kind(self.message)
        keys = (*message_alt_keys(self.key), "kind:" + kind.lower()) if kind else message_alt_keys(self.key)
        stack = self.stack_key
        return (*keys, stack) if stack else keys

    @cached_property
    def stack_key(self) -> str | None:
        """``stack:<type> | f1 | f2 | f3``: the error type and its three innermost in-app functions,
        message left out (Sentry's default grouping when a stack is present). The message of one
        crash can print a path, a name or a value that normalisation keeps (``watch ENOSPC`` vs
        ``watch /home/x/.config ENOSPC``); the same exception type thrown from the same three
        functions is the same crash. Fewer than three named frames say too little (``main``/``run``)."""
        funcs = [f.rpartition(":")[2] for f in self.top_frames]
        if len(funcs) < 3 or any(f in ("<anonymous>", "<module>", "<lambda>") for f in funcs):
            return None
        return "stack:" + " | ".join([self.type.lower(), *funcs])

    @cached_property
    def all_keys(self) -> frozenset[str]:
        """``key`` and ``alt_keys``: every bucket this record lands in."""
        return frozenset((self.key, *self.alt_keys))

    @cached_property
    def top_frames(self) -> tuple[str, ...]:
        """Labels of the first three in-app frames that are not minified placeholders."""
        out: list[str] = []
        for f in self.frames:
            if f.in_app and f.function != MINIFIED and f.label not in out:
                out.append(f.label)
            if len(out) == 3:
                break
        return tuple(out)

    @cached_property
    def signature(self) -> str:
        """The crash identity: ``key`` plus the top in-app frames, ``|``-joined (siggen style)."""
        top = self.top_frames
        return self.key + (" | " + " | ".join(top) if top else "")

    @property
    def signature_hash(self) -> str:
        return hashlib.sha1(self.signature.encode()).hexdigest()[:12]

    def to_dict(self) -> dict[str, object]:
        return {
            "runtime": self.runtime, "type": self.type, "message": self.message,
            "normalized_message": self.normalized_message, "key": self.key,
            "signature": self.signature, "source": self.source, "raw": self.raw,
            "frames": [f.label for f in self.frames],
        }


@dataclass(frozen=True)
class IssueSignatures:
    """All error records of one issue; ``title`` is the record read from the title, if any."""

    records: tuple[ErrorRecord, ...]
    title: ErrorRecord | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        return _unique(r.key for r in self.all_records)

    @property
    def signatures(self) -> tuple[str, ...]:
        return _unique(r.signature for r in self.records)

    @property
    def all_records(self) -> tuple[ErrorRecord, ...]:
        return ((self.title,) if self.title else ()) + self.records

    def runtimes(self) -> tuple[str, ...]:
        return _unique(r.runtime for r in self.records)


_API_STATUS_TYPE = re.compile(r"([1-5]\d\d)(?: [a-z_]+)?")


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


# ---------------------------------------------------------------------------------------------
# message parameterisation (order matters: wider patterns first, so a uuid is not eaten as hex
# digits and numbers, and a path is reduced before its digits are)
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Parameter:
    """A named normalisation: ``pattern`` replaced by ``repl``; ``why`` is the motivating case."""

    name: str
    pattern: re.Pattern[str]
    repl: str | Callable[[re.Match[str]], str]
    why: str


def _staging_name(base: str) -> str:
    """npm and ``mkdtemp`` stage into a hidden sibling with a random suffix (``.claude-code-2DTsDk1V``)."""
    return re.sub(r"^(\..+-)[A-Za-z0-9]{6,10}$", r"\1<tmp>", base)


# Python installs each distribution under ``site-packages`` (``dist-packages`` on Debian) as a package
# folder plus its metadata folder (``pip/…``, ``pip-22.3.dist-info/…``, ``PyYAML-6.0.egg-info``)
_PY_INSTALL_DIR = frozenset(("site-packages", "dist-packages"))
_PY_DIST_NAME = re.compile(r"^([A-Za-z0-9_.]+?)(?:-\d[^\\/]*)?(?:\.(?:dist-info|egg-info|egg|libs|data|pth|py|pyd|so))?$")


def _quoted_path(m: re.Match[str]) -> str:
    parts = [p for p in re.split(r"[\\/]+", m.group(2)) if p]
    if len(parts) <= 2:
        return m.group(0)
    lowered = [p.lower() for p in parts[:-1]]
    for n, part in enumerate(lowered):
        if part in _PY_INSTALL_DIR and n + 1 < len(parts):
            # a file of an installed distribution: an install, upgrade or uninstall that fails on it
            # fails on whichever of its files the OS refused first (``[WinError 5] Access is denied:
            # '…\\pip\\__init__.py'`` one run, ``'…\\pip-22.3.dist-info\\entry_points.txt'`` the next): the
            # distribution is the identity, not the file
            dist = _PY_DIST_NAME.match(parts[n + 1])
            return f"{m.group(1)}…/{parts[n]}/{dist.group(1) if dist else parts[n + 1]}{m.group(1)}"
    return f"{m.group(1)}…/{parts[-2]}/{_staging_name(parts[-1])}{m.group(1)}"


def _home(m: re.Match[str]) -> str:
    return "~"


PARAMETERS: tuple[Parameter, ...] = (
    Parameter("url", re.compile(r"\b(?:https?|wss?|file)://[^\s\"'<>)\]]+"), "<url>",
              "registry/API URLs carry hosts and query strings that vary per user"),
    Parameter("email", re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b"), "<email>", "authors paste their login"),
    Parameter("home", re.compile(r"(?i)(?:/Users|/home|[A-Z]:[\\/]+Users)[\\/]+[^\\/\s\"':]+"), _home,
              "home directories name the reporter: /Users/alice, C:\\Users\\bob"),
    Parameter("temp", re.compile(
        r"(?i)(?:/var/folders/[\w/+-]+?/T|/tmp|\\AppData\\Local\\Temp|/private/tmp)[\\/][^\s\"':,)]*"),
        "<tmp>", "temp names are random: /var/folders/k6/…/T/next-panic-d5ab….log"),
    Parameter("quoted-path", re.compile(r"(['\"])((?:[A-Za-z]:[\\/])[^'\"\n]+|(?:~|\.{0,2})?[\\/][^'\"\s]+)\1"), _quoted_path,
              "a quoted path's leading directories depend on the installation (nvm, Homebrew, a drive letter): "
              "rename '~/.nvm/…/claude-code' and '/opt/homebrew/…/claude-code' are one error; the last two "
              "components (the file and its folder) stay"),
    Parameter("os-code", re.compile(r"(?i)\b(winerror|errno)\s+(\d+)"), lambda m: f"{m.group(1)}_{m.group(2)}",
              "[WinError 5] and [Errno 13] name the OS error (the text beside them is often localised): "
              "the number is identity, not a count, so it is kept"),
    Parameter("uuid", re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
              "<uuid>", "feedback ids, request ids, container ids"),
    Parameter("prefixed-id", re.compile(r"\b[a-z]{2,8}_[A-Za-z0-9]{12,}\b"), "<id>",
              "base62 ids such as req_011CZqnPEZAjj3ZzvZBnsDFr or toolu_01A5D… match no Sentry pattern"),
    Parameter("timestamp", re.compile(
        r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\b"),
        "<date>", "log timestamps differ on every line"),
    Parameter("date", re.compile(r"\b\d{4}[-/]\d{2}[-/]\d{2}\b|\b\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[ap]m)?\b", re.I),
              "<date>", "dates and clock times"),
    Parameter("hex", re.compile(r"\b0x[0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{7,}\b"),
              "<hex>", "addresses, hashes, container ids (7+ hex digits with a letter and a digit)"),
    Parameter("suffixed-hex", re.compile(r"\b([A-Za-z]{2,12})(?=[0-9a-f]*\d)[0-9a-f]{7,}\b"), r"\1<hex>",
              "generated names are a word and a random hex tail: veth1d85371, br-3f2c9a1b"),
    Parameter("long-token", re.compile(r"\b(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{20,}\b"), "<id>",
              "other high-entropy tokens of 20+ characters"),
    Parameter("version", re.compile(r"\bv?\d+(?:\.\d+){1,3}(?:[-+][\w.]+)?\b"), "<ver>",
              "2.0.32 vs 2.0.28: the same bug across releases"),
    Parameter("number", re.compile(r"(?<![\w<])[-+]?\d+(?:\.\d+)?(?:[kmgt]?i?b|ms|s|m|h|%)?(?![\w>])", re.I), "<n>",
              "sizes, counts, ports, line numbers: 6278112 bytes > 5242880 bytes"),
    Parameter("index", re.compile(r"(?<=[a-z_])\.\d+\b"), ".<n>", "messages.91 / messages.4: JSON paths with indices"),
)

_WS = re.compile(r"\s+")
_TRAILING_PUNCT = re.compile(r"[\s.:;,]+$")


# The line rules and the parameterisation are pure functions of one string, and the same lines recur
# across issues (runtime frames, template errors, the background auth error): each keeps its recent
# answers. Frame and Message are frozen, so sharing them is safe.
_LINE_CACHE = 1 << 16


@lru_cache(maxsize=_LINE_CACHE)
def normalize_message(text: str) -> str:
    """Parameterise one error message: ids, paths, numbers and versions out; words kept.

    Quoted words stay (``KeyError: 'format'`` and ``KeyError: 'name'`` are different bugs).
    """
    s = _WS.sub(" ", text).strip()
    for p in PARAMETERS:
        s = p.pattern.sub(p.repl, s)  # type: ignore[arg-type]
    s = s.lower()
    s = re.sub(r"(?:<(\w+)>[\s,]*){2,}", lambda m: f"<{m.group(1)}> ", s)  # runs of one placeholder
    s = _WS.sub(" ", s)
    return _TRAILING_PUNCT.sub("", s)[:300]


_CLAUSE_SPLIT = re.compile(r":\s+")
_SENTENCE_SPLIT = re.compile(r"\.\s+(?=[a-z])")
_ADVICE_LINK = re.compile(r"\s*\(?<url>\)?")
_QUOTED_PATH_DETAIL = re.compile(r"\s*(?:['\"](?:…|~)?/[^'\"]*['\"]|(?:…|~)/[^'\"\s]*)")
_HEAD_WORD = re.compile(r"[a-z][a-z_]{2,}")
_HEAD_STOP = frozenset(("the", "and", "for", "with", "not", "could", "cannot", "error", "failed", "failure",
                        "unable", "this", "that", "from", "was", "were", "has", "have", "been", "while"))
_OS_SYSCALL = re.compile(r"\b(e[a-z]{3,11}): [^,:]{3,60}, (open|mkdir|rename|unlink|rmdir|scandir|stat|lstat|"
                         r"copyfile|symlink|chmod|access|spawn|watch|uv_\w+|read|write|connect|listen) '…/[^'/]+/([^'/]+)'")
_OS_NUMBERED = re.compile(r"\[?\b((?:winerror|errno)_\d+)\]?[^']*'…/[^'/]+/([^'/]+)'")
# POSIX/libuv errno names (lower-cased, as keys are): a message led by one is an OS error
_ERRNO_CODE = re.compile(r"e(?:acces|perm|noent|notempty|exist|busy|nospc|notdir|isdir|inval|again|io|rofs|xdev|"
                         r"loop|nametoolong|mfile|nfile|pipe|timedout|conn(?:refused|reset|aborted)|addrinuse|"
                         r"addrnotavail|hostunreach|netunreach|notsup|nosys|badf|ai_again|nomem|2big|dquot)")
# a logger's level and stamp before a head (``[ERROR] [main <date>]``, a bare ``Error`` word in prose)
_LOG_PREFIX = re.compile(r"^(?:(?:\[(?:[^\]]*<date>[^\]]*|info|warn|warning|error|debug|fatal|trace)\]|error|fatal)\s+)+")
_PLACEHOLDER = re.compile(r"<\w+>")
MIN_HEAD_WORDS = 3  # a head of fewer informative words ("permission denied") names no bug


def message_alt_keys(key: str) -> tuple[str, ...]:
    """The ways one error is printed differently that a single key cannot meet, as extra keys:

    - ``~<clause head>``: each clause (or sentence) of a ``wrapper: clause: detail`` chain, without
      its quoted path or a help link, type-free (``Error: Could not create temporary directory: Permission denied``, the same
      with the OS text localised, and ``UpdateService error: Could not create temporary directory``
      meet in ``~could not create temporary directory``). The last clause of a chain is its detail
      (often a generic OS phrase) and is not a head; a head needs ``MIN_HEAD_WORDS`` informative
      words, so ``permission denied`` alone never is one.
    - ``os:<code> <syscall> <file>`` / ``os:<code> <file>``: an OS error by its code, the call and
      the file it failed on (``EACCES … mkdir '…/lib/node_modules'``, ``[WinError 5] …
      'entry_points.txt'``): language-independent, and the file keeps two EPERMs on different
      things apart.

    Keys only: whether two issues that share one are duplicates is still the scorer's call, and the
    clusterer's ambiguity and background rules apply to these keys as to any other."""
    return tuple(message_alt_details(key))


@lru_cache(maxsize=_LINE_CACHE)
def message_alt_details(key: str) -> dict[str, str]:
    """``message_alt_keys`` with each key's *detail*: what the message prints after a head (its
    quoted paths and later clauses: the cause), for the clusterer to check that two prints of one
    head do not name different causes. Empty for OS-code keys (the code is the cause)."""
    out: dict[str, str] = {}
    # (sentence, clause) in order: a later clause of the same sentence is the head's detail (its
    # cause); a later sentence is commentary or advice ("Add more at …" / "Ask your admin …")
    clauses = [(n, c) for n, sentence in enumerate(_SENTENCE_SPLIT.split(key))
               for c in _CLAUSE_SPLIT.split(sentence) if c]
    last = len(clauses) - 1 if len(clauses) > 2 else len(clauses)
    if _ERRNO_CODE.fullmatch(clauses[0][1]):
        last = 0  # ``EACCES: permission denied, mkdir``: the code and call are the identity (below)
    for n in range(1, last):
        sentence, clause = clauses[n]
        head = _LOG_PREFIX.sub("", _ADVICE_LINK.sub("", _QUOTED_PATH_DETAIL.sub("", clause))).strip(" ,;.")
        words = [w for w in _HEAD_WORD.findall(_PLACEHOLDER.sub(" ", head)) if w not in _HEAD_STOP]
        if len(words) >= MIN_HEAD_WORDS and len(head) >= 20:
            detail = [m.group(0) for m in _QUOTED_PATH_DETAIL.finditer(clause)]
            detail += [c for s_, c in clauses[n + 1:] if s_ == sentence]
            out.setdefault("~" + head, " ".join(detail).strip())
    for m in _OS_SYSCALL.finditer(key):
        out.setdefault(f"os:{m.group(1)} {m.group(2)} {m.group(3)}", "")
    for m in _OS_NUMBERED.finditer(key):
        out.setdefault(f"os:{m.group(1)} {m.group(2)}", "")
    return out


# ---------------------------------------------------------------------------------------------
# frames
# ---------------------------------------------------------------------------------------------
MINIFIED = "<min>"

# Frames that belong to a runtime, not to the application (Socorro's "irrelevant" list). They are
# kept on the record for display but never take part in a signature.
_RUNTIME_FUNCS = frozenset({
    "processticksandrejections", "emit", "endreadablent", "emitone", "emitnone", "runmicrotasks",
    "listonTimeout".lower(), "processtimers", "trycatcher", "promise.all", "module._compile",
    "<anonymous>", "anonymous", "next", "step", "fulfilled", "rejected", "__awaiter", "generator.next",
    "callbacktrampoline", "afterconnect", "internalconnectmultiple", "afterconnectmultiple",
    "gopanic", "panicmem", "sigpanic", "goexit", "main", "rust_begin_unwind", "begin_panic",
    "<unknown>", "napi_register_module_v1", "_napi_register_module_v1", "start_thread", "clone",
    "basethreadinitthunk", "rtluserthreadstart", "__pthread_deallocate", "thread_start",
    "brotlidecodersetparameter", "_brotlidecoderversion", "brotlidecoderversion",
})
_RUNTIME_LOC = re.compile(
    r"^(?:node:|native:|internal/|\[native code\]|<anonymous>|evalmachine|bun:)|node:internal|"
    r"/runtime/(?:panic|proc|asm_\w+|signal_unix|sigpanic\w*|panic\w*)\.(?:go|s)|"
    r"(?:^|[\\/])(?:rustc|library)[\\/](?:std|core|alloc)[\\/]|"
    r"[\\/]lib[\\/]python\d(?:\.\d+)?[\\/](?!site-packages|dist-packages)|^<frozen"
)
_RUNTIME_MODULE_PREFIXES = (
    "java.", "javax.", "sun.", "jdk.", "kotlin.coroutines.", "kotlinx.coroutines.", "system.", "microsoft.aspnetcore.", "std::", "core::", "alloc::", "runtime.", "reflect.", "testing.",
)


def _looks_minified(name: str) -> bool:
    """Bundlers rename to 1-3 characters (``uy``, ``OtA``, ``ib2``); such names change per release."""
    return bool(re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]{0,2}", name)) and name not in {"run", "get", "set", "new", "map", "put", "add"}


def _js_function(name: str) -> str:
    name = re.sub(r"^(?:async|new)\s+", "", name.strip())
    name = re.sub(r"\s*\[as [^\]]+\]$", "", name)
    if not name:
        return ""
    last = name.rsplit(".", 1)[-1] if not name.startswith("<") else name
    if last in ("<anonymous>", "<computed>"):
        return "<anonymous>"
    return MINIFIED if _looks_minified(last) else last


def _basename(path: str) -> str:
    path = path.strip().rstrip(")")
    path = re.sub(r"[?#].*$", "", path)
    return re.split(r"[\\/]", path)[-1]


def _js_module(loc: str) -> str:
    """``node_modules/<pkg>/…`` → the package; bundles and Bun's virtual files → nothing."""
    loc = loc.strip()
    m = re.search(r"node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/](.*)", loc)
    if m:
        pkg, rest = m.group(1).replace("\\", "/"), m.group(2)
        base = _basename(re.sub(r":\d+(?::\d+)?$", "", rest))
        if re.fullmatch(r"(?:cli|index|main|bundle|extension)(?:\.\w+)?\.m?js", base):
            return ""  # a single-file bundle: like Bun's $bunfs file, its path says nothing
        return f"{pkg}/{base}"
    if "$bunfs" in loc or "~BUN" in loc or "B:/~BUN" in loc:
        return ""
    base = _basename(re.sub(r":\d+(?::\d+)?$", "", loc))
    return "" if re.fullmatch(r"(?:cli|index|main|bundle|extension)(?:\.\w+)?\.m?js|\w{1,3}\.js", base) else base


# Helpers that only raise on their caller's behalf (``cty.Value.assertUnmarked``, ``throwIfAborted``,
# ``ThrowHelper``): every caller's stack carries them, so the crash site is the frame below.
_RAISING_HELPER = re.compile(r"(?:^|[.:])(?:assert|throw|raise)(?:[A-Z_]\w*)?$")


def _frame(function: str, module: str, runtime: str, raw: str, loc: str = "") -> Frame:
    fn_l = function.lower()
    mod_l = module.lower()
    in_app = not (
        fn_l in _RUNTIME_FUNCS
        or _RAISING_HELPER.search(function)
        or (loc and _RUNTIME_LOC.search(loc))
        or mod_l.startswith(_RUNTIME_MODULE_PREFIXES)
        or fn_l.startswith(_RUNTIME_MODULE_PREFIXES)
    )
    return Frame(function=function, module=module, in_app=bool(in_app), runtime=runtime, raw=raw.strip())


def _java_function(qual: str) -> tuple[str, str]:
    """``org.pkg.Class$Inner.method`` → (``Class.method``, ``org.pkg``); codegen suffixes dropped."""
    qual = re.sub(r"\$\$(?:EnhancerBy|FastClassBy|Lambda)\w*", "", qual)
    qual = re.sub(r"\$\d+", "", qual)
    qual = re.sub(r"lambda\$(\w+)\$\d+", r"\1", qual)
    parts = qual.split(".")
    if len(parts) >= 2:
        cls = parts[-2].split("$")[0]
        return f"{cls}.{parts[-1]}", ".".join(parts[:-2])
    return qual, ""


def _go_function(qual: str) -> tuple[str, str]:
    """``github.com/x/y/pkg.(*T).Method`` → (``pkg.(*T).Method``, ``github.com/x/y``)."""
    qual = re.sub(r"\(0x[0-9a-f, .]*\)$|\(\.\.\.\)$|\([^()]*\)$", "", qual.strip())
    qual = re.sub(r"\.func\d+(?:\.\d+)*$", "", qual)
    head, _, tail = qual.rpartition("/")
    return tail, head


def _rust_function(sym: str) -> str:
    sym = re.sub(r"::h[0-9a-f]{16}$", "", sym.strip())
    sym = re.sub(r"<[^<>]*>", "<T>", sym)
    sym = re.sub(r"\{\{closure\}\}", "closure", sym)
    return sym


# A frame rule: (name, runtime, regex, builder). Order: the most specific syntax first, because a
# Java ``at a.b.C.m(File.java:1)`` line would also match the looser JavaScript ``at fn (loc)``.
FrameBuilder = Callable[[re.Match[str], str], Frame | None]


def _b_dotnet(m: re.Match[str], raw: str) -> Frame:
    fn, mod = _java_function(m.group("fn"))
    return _frame(fn, mod, "dotnet", raw, m.group("loc") or "")


def _b_java(m: re.Match[str], raw: str) -> Frame:
    fn, mod = _java_function(m.group("fn"))
    return _frame(fn, mod, "java", raw)


def _b_js(m: re.Match[str], raw: str) -> Frame:
    loc = m.group("loc") or ""
    runtime = "bun" if ("$bunfs" in loc or "~BUN" in loc or loc.startswith("native:")) else "node"
    if re.match(r"https?://", loc):
        runtime = "browser"
    fn = _js_function(m.group("fn") or "")
    mod = _js_module(loc)
    if not fn and not mod:
        fn = MINIFIED
    return _frame(fn, mod, runtime, raw, loc)


def _b_browser(m: re.Match[str], raw: str) -> Frame:
    loc = m.group("loc")
    return _frame(_js_function(m.group("fn") or "") or MINIFIED, _js_module(loc), "browser", raw, loc)


def _b_python(m: re.Match[str], raw: str) -> Frame:
    path = m.group("path")
    mod = _python_module(path)
    return _frame(m.group("fn"), mod, "python", raw, path)


def _python_module(path: str) -> str:
    p = path.replace("\\", "/")
    m = re.search(r"(?:site|dist)-packages/(.+?)\.py$", p)
    if m:
        return m.group(1).replace("/", ".")
    return re.sub(r"\.py$", "", _basename(p))


# Frames of the panic machinery itself: crash handlers that print the trace (terraform's
# ``logging.PanicHandler``, apimachinery's ``runtime.HandleCrash``) sit on every stack of a program,
# whatever crashed, so like Sentry's ``-group`` rules they never decide identity.
_GO_PANIC_MACHINERY = re.compile(r"(?i)(?:^|\.)(?:panichandler|handlecrash|logpanic|recoverpanic|panic)$")


def _b_go(m: re.Match[str], raw: str) -> Frame:
    fn, mod = _go_function(m.group("fn"))
    f = _frame(fn, mod, "go", raw)
    # Go standard-library import paths have no dot in their first element (``runtime/debug``,
    # ``net/http``); module paths of third-party and application code always do (``github.com/…``,
    # ``k8s.io/…``). The standard library is the runtime, not the application.
    stdlib = bool(mod) and "." not in mod.split("/")[0]
    if f.in_app and (stdlib or _GO_PANIC_MACHINERY.search(fn)):
        f = Frame(f.function, f.module, False, f.runtime, f.raw)
    return f


def _b_go_file(m: re.Match[str], raw: str) -> Frame:
    path = m.group("path")
    return _frame("", _go_path_module(path), "go", raw, path)


def _go_path_module(path: str) -> str:
    """``/go/src/k8s.io/kubernetes/pkg/kubelet/status/manager.go`` → ``kubelet/status/manager.go``."""
    parts = path.replace("\\", "/").split("/")
    return "/".join(parts[-3:])


# Numbered native frames are Rust's, but Node prints its fatal-error native stack the same way
# ("1: 0xb7b3e0 node::Abort() [node]"): V8/Node engine frames and bare addresses are the runtime.
_RUST_RUNTIME = re.compile(r"(?:^|::|<)(?:std|core|alloc|backtrace|tokio|futures_\w+|v8|node|uv)::|panic|rust_begin_unwind|"
                           r"__rust|^<unknown>$|^0x[0-9a-f]+\b")


def _b_rust(m: re.Match[str], raw: str) -> Frame | None:
    sym = _rust_function(m.group("fn"))
    f = _frame(sym, "", "rust", raw)
    if _RUST_RUNTIME.search(m.group("fn")) or _RUST_RUNTIME.search(sym):
        f = Frame(f.function, f.module, False, f.runtime, f.raw)
    return f


def _b_cleo(m: re.Match[str], raw: str) -> Frame:
    path = m.group("path")
    return _frame(m.group("fn"), _python_module(path), "python", raw, path)


# ---------------------------------------------------------------------------------------------
# frames of other ecosystems: Ruby, PHP, Dart/Flutter, native code (C, C++, Swift, Objective-C)
# ---------------------------------------------------------------------------------------------
# Three kinds of frame, as Sentry's in-app rules have them: the program's own code; the libraries it
# is built on (gems, Composer's ``vendor/``, the Flutter framework, shared libraries); the language
# runtime and the OS (Ruby's standard library, PHP internals, ``dart:`` SDK libraries, libc,
# libstdc++, the sanitizers' interceptors, Apple's system frameworks). Runtime frames never decide
# identity. A library's frames decide it only when the stack holds nothing of the program's own
# (``_promote_library_frames``): a framework's plumbing sits under every crash of every app built on
# it (two apps' different ``Null check operator`` crashes both pass through ``StatefulElement.build``),
# but a crash with nothing of the app on its stack is identified by where in the library it failed.
_APP, _LIBRARY, _RUNTIME = "app", "library", "runtime"


def _lang_frame(function: str, module: str, runtime: str, raw: str, kind: str) -> Frame:
    f = _frame(function, module, runtime, raw)
    if kind == _APP or not f.in_app:
        return f
    return Frame(f.function, f.module, False, runtime, f.raw, library=kind == _LIBRARY)


def _promote_library_frames(frames: list[Frame]) -> list[Frame]:
    """A stack with no frame of the program's own is identified by its library frames."""
    if any(f.in_app for f in frames) or not any(f.library for f in frames):
        return frames
    return [Frame(f.function, f.module, True, f.runtime, f.raw, library=True) if f.library else f for f in frames]


# Ruby: "/app/models/user.rb:10:in `display_name'", "\tfrom /usr/lib/ruby/3.2.0/net/http.rb:1603:in `open'",
# RSpec's "# ./spec/user_spec.rb:10:in `block (2 levels) in <top (required)>'", Rails' backtrace cleaner
# "activerecord (7.0.4) lib/active_record/relation.rb:12:in `load'", Ruby 3.4's "in 'User#display_name'"
_RUBY_FRAME = re.compile(
    r"^\s*(?:#\s+|from\s+)?(?:(?P<gem>[A-Za-z][\w.-]*) \([\w.]+\) )?(?P<path>(?:[A-Za-z]:)?[^\s:'`]+):\d+:in [`'](?P<fn>[^'`]+)'\s*$")
_RUBY_GEM_DIR = re.compile(r"[\\/](?:gems|bundler[\\/]gems)[\\/](?P<gem>[A-Za-z][\w.-]*?)-(?:\d[\w.]*|[0-9a-f]{7,})[\\/]")
# the standard library (under lib/ruby/<version>/ but not its gems/), the VM's own files and RubyGems' require
_RUBY_STDLIB = re.compile(r"[\\/]lib[\\/]ruby[\\/]\d+\.\d+\.\d+[\\/](?!gems[\\/])|^<internal:|[\\/]rubygems(?:[\\/]|\.rb)|"
                          r"kernel_require\.rb")
_RUBY_RUNTIME_FUNCS = frozenset({"<main>", "<top (required)>", "<top (not required)>", "require", "require_relative", "load"})


def _ruby_function(fn: str) -> str:
    """``block (2 levels) in display_name`` → ``display_name``; Ruby 3.4's ``User#display_name`` →
    ``display_name`` (older Rubies print the method alone: one bug must read the same on both)."""
    fn = re.sub(r"^(?:(?:block(?: \(\d+ levels\))?|rescue|ensure) in )+", "", fn.strip())
    if not fn.startswith("<"):
        fn = re.split(r"[#.]", fn)[-1]
    return fn


def ruby_frame(path: str, fn: str, raw: str, gem: str | None = None) -> Frame:
    function = _ruby_function(fn)
    base = _basename(path)
    gem_dir = _RUBY_GEM_DIR.search(path)
    gem = gem or (gem_dir.group("gem") if gem_dir else None)
    if _RUBY_STDLIB.search(path) or function in _RUBY_RUNTIME_FUNCS:
        kind = _RUNTIME
    else:
        kind = _LIBRARY if gem or re.search(r"[\\/]vendor[\\/]bundle[\\/]", path) else _APP
    return _lang_frame(function, f"{gem}/{base}" if gem else base, "ruby", raw, kind)


def _b_ruby(m: re.Match[str], raw: str) -> Frame:
    return ruby_frame(m.group("path"), m.group("fn"), raw, m.group("gem"))


# PHP: "#0 /var/www/app/Http/Kernel.php(12): Illuminate\Support\Str::length()", "#1 [internal function]:
# App\Foo->bar()", "#2 {main}". Each line is a call made *from* that file and line, to the function it names.
_PHP_FRAME = re.compile(
    r"^\s*#\d+\s+(?:(?P<path>[^\s(#][^()]*?)\((?P<line>\d+)\)|(?P<internal>\[internal function\])|\{main\})"
    r"(?::\s+(?P<fn>[^\s(]+)\(.*)?\s*$")


def _php_function(fn: str) -> str:
    """``Illuminate\\Support\\Str::length`` → ``Str::length``; ``App\\Foo->Illuminate\\X\\{closure}`` → ``Foo->{closure}``."""
    parts = re.split(r"(->|::)", fn)
    return "".join(p.rsplit("\\", 1)[-1] for p in parts)


def php_location_kind(path: str) -> tuple[str, str]:
    """(module, kind) of a PHP file: ``vendor/<vendor>/<package>/…/File.php`` is that package's."""
    p = path.replace("\\", "/")
    m = re.search(r"/vendor/([^/]+/[^/]+)/", p)
    if m:
        return f"{m.group(1)}/{_basename(p)}", _LIBRARY
    return _basename(p), _APP


def _b_php(m: re.Match[str], raw: str) -> Frame:
    fn = _php_function(m.group("fn") or "")
    if not m.group("path"):  # [internal function] / {main}
        return _lang_frame(fn or "{main}", "", "php", raw, _RUNTIME)
    module, kind = php_location_kind(m.group("path"))
    return _lang_frame(fn, module, "php", raw, kind)


# Dart/Flutter: "#0      _MyHomePageState.build (package:myapp/main.dart:45:32)", "#1      _rootRunUnary
# (dart:async/zone.dart:1434:47)"; the SDK's ``dart:`` libraries are the runtime, the Flutter framework a library
_DART_FRAME = re.compile(
    r"^\s*#\d+\s+(?P<fn>\S.*?)\s+\((?P<loc>(?:package:|dart:|file:///|org-dartlang-sdk:)[^()]*?)\)\s*$")
_DART_LIBRARY = re.compile(r"^package:(?:flutter|flutter_test|flutter_driver|flutter_web_plugins)/")


def _b_dart(m: re.Match[str], raw: str) -> Frame:
    fn = re.sub(r"^new ", "", m.group("fn"))
    fn = re.sub(r"(?:\.<anonymous closure>)+$", "", fn) or "<anonymous>"
    loc = re.sub(r"(?::\d+){1,2}$", "", m.group("loc"))
    if loc.startswith(("dart:", "org-dartlang-sdk:")):
        return _lang_frame(fn, "", "dart", raw, _RUNTIME)
    pkg = re.match(r"package:([\w.]+)/", loc)
    module = f"{pkg.group(1)}/{_basename(loc)}" if pkg else _basename(loc)
    return _lang_frame(fn, module, "dart", raw, _LIBRARY if _DART_LIBRARY.match(loc) else _APP)


# Native code. Which frames are the C/C++/Objective-C runtime and the OS: libc (glibc's ``__GI_``/``__libc_``
# internals, ``sysdeps``), libstdc++/libc++ and the C++ ABI (``__cxa_throw``, ``std::terminate``), the
# sanitizers' interceptors, the dynamic loader, Apple's libsystem/libobjc/libswiftCore/dyld and system
# frameworks, Android's bionic and ART
_NATIVE_RUNTIME_FN = re.compile(
    r"^(?:__interceptor_|__asan|__sanitizer|__ubsan|__tsan|__msan|__lsan|__libc_|__GI_|__pthread|_dl_|__cxa|__cxxabiv1|"
    r"__gnu_cxx::|std::|_Unwind|__exception|objc_|_objc|_CF|CF[A-Z]|__CF|_dispatch|dispatch_|_pthread|pthread_|"
    r"__memcpy|__memmove|__memset|__strlen|__strcmp|__stack_chk|\$ss|swift_|_swift|abort$|raise$|_start$|start$|"
    r"free$|malloc$|calloc$|realloc$|operator (?:new|delete)|\?\?$|clone3?$|start_thread$|__clone|UIApplicationMain$|"
    r"NSApplicationMain$|__RUNLOOP|__NSFire|_\w+_main$|exit$)")
_NATIVE_RUNTIME_LOC = re.compile(
    r"(?:^|[\\/(])(?:libc(?:\+\+(?:abi)?)?[.-]|libstdc\+\+|libpthread|libm\.|libdl\.|ld-linux|libgcc_s|libsystem_|"
    r"libdyld|libobjc|libswift|dyld\b|libclang_rt|libasan|libubsan|libtsan)|[\\/]sysdeps[\\/]|libsanitizer|"
    r"compiler-rt|[\\/]usr[\\/]include[\\/]c\+\+[\\/]|^(?:/system/|/apex/)|[\\/]bionic[\\/]|"
    r"^(?:CoreFoundation|Foundation|UIKitCore|UIKit|AppKit|GraphicsServices|QuartzCore|SwiftUI|HIToolbox|CFNetwork|"
    r"Combine|CoreData|WebKit|JavaScriptCore|libart\.so|libbase\.so)$")


def _native_function(fn: str) -> str:
    """A C/C++/Objective-C symbol as identity: arguments, template arguments, offsets and compiler
    clone suffixes (``.constprop.0``, ``[clone .cold]``) out; ``Class::method`` and ``-[Class sel:]`` kept."""
    fn = fn.strip()
    if fn.startswith(("-[", "+[")):
        return re.sub(r"\s*\+\s*\d+$", "", fn)
    fn = re.sub(r"\s*\+\s*(?:\d+|0x[0-9a-f]+)$", "", fn)
    fn = re.sub(r"\s*\[clone [^\]]*\]|\.(?:constprop|isra|part|cold|lto_priv)\.?\d*", "", fn)
    for _ in range(4):  # nested template arguments, innermost first
        new = re.sub(r"<[^<>]*>", "", fn)
        if new == fn:
            break
        fn = new
    fn = re.sub(r"\s*\((?:[^()]|\([^()]*\))*\)(?:\s*const)?$", "", fn)  # a demangled C++ argument list
    return fn.strip()


def native_frame(fn: str, loc: str, raw: str, image: str = "", runtime: str = "native") -> Frame:
    """``loc`` is a source position (``/src/lib/parser.c:120:9``) or a binary (``libc.so.6+0x21b96``)."""
    function = _native_function(fn) if fn else ""
    loc = loc.strip().strip("()")
    where = re.sub(r"(?::\d+){1,2}$|\+0x[0-9a-f]+$", "", loc)
    module = _basename(where) if where else image
    if _NATIVE_RUNTIME_FN.match(function) or (loc and _NATIVE_RUNTIME_LOC.search(loc)) or (
            image and _NATIVE_RUNTIME_LOC.search(image)):
        kind = _RUNTIME
    elif re.search(r"\.(?:so|dylib|dll)(?:\.\d+)*$", where) or re.search(r"\.(?:so|dylib|dll)(?:\.\d+)*$", image):
        kind = _LIBRARY  # another shared library than the program's own binary
    else:
        kind = _APP
    if not function and not module:
        function = "<unknown>"
    return _lang_frame(function, module, runtime, raw, kind)


# AddressSanitizer and friends: "    #0 0x4f5e2a in parse_header /src/lib/parser.c:120:9",
# "    #1 0x7f3c in __libc_start_main (/lib/x86_64-linux-gnu/libc.so.6+0x21b96)", "    #2 0x41b0  (/app/a.out+0x41b0)"
_ASAN_FRAME = re.compile(r"^\s*#\d+\s+0x[0-9a-f]+\s+(?:in\s+(?P<fn>.+?)\s+)?(?P<loc>\(?[^\s()]+\)?)\s*$")
# gdb: "#0  0x00007ffff7a42428 in __GI_raise (sig=sig@entry=6) at ../sysdeps/unix/sysv/linux/raise.c:54",
# "#1  parse_header (buf=0x0) at parser.c:120", "#4  0x00007ffff7e4e3e9 in ?? () from /lib/x86_64-linux-gnu/libc.so.6".
# Without an address, only a frame that names its source file is one: "#1 Fix the crash (linux)" is prose;
# "(lib.so+0x1b2c)" after the name is no argument list but ASan's binary and offset.
# The line gdb prints where it stops ("0x0000555555555149 in parse_header (buf=0x0) at parser.c:120") is frame #0.
_GDB_FRAME = re.compile(
    r"^\s*(?:(?:#\d+\s+)?0x[0-9a-f]+ in (?P<fn>[^\s(][^(]*?)\s*\((?![^()\s]+\+0x[0-9a-f]+\)\s*$)(?P<args>.*)\)(?:\s+(?:at|from)\s+(?P<loc>\S+))?"
    r"|#\d+\s+(?P<fn2>[^\s(][^(]*?)\s*\((?P<args2>.*)\)\s+at\s+(?P<loc2>\S+:\d+))\s*$")
# ThreadSanitizer: "    #0 worker /src/pool.c:30:10 (app+0x4a1b2c)"
_TSAN_FRAME = re.compile(r"^\s*#\d+\s+(?P<fn>[^\s#].*?)\s+(?P<loc>\S+:\d+(?::\d+)?)\s+\([^()\s]+\+0x[0-9a-f]+\)\s*$")
# lldb: "  * frame #0: 0x0000000100003f5c a.out`parse_header(buf=0x0) at parser.c:120:9"
_LLDB_FRAME = re.compile(r"^\s*\*?\s*frame #\d+: 0x[0-9a-f]+ (?P<image>[^`\s]+)`(?P<fn>.+?)(?: \+ \d+)?(?: at (?P<loc>\S+))?\s*$")
# Apple crash reports, Objective-C's "First throw call stack", Xcode's thread backtraces:
# "1   MyApp                         0x0000000102a4b3c0 ViewController.viewDidLoad() + 120 (ViewController.swift:42)"
_APPLE_FRAME = re.compile(
    r"^\s*\d+\s+(?P<image>[\w.+-]+(?: [\w.+-]+){0,3}?)\s+0x[0-9a-f]+\s+(?P<fn>.+?)(?:\s+\((?P<loc>[^()]+:\d+)\))?\s*$")
# Android tombstones (native crashes of apps, Flutter's engine, React Native's Hermes):
# "      #00 pc 000000000004e0e4  /apex/com.android.runtime/lib64/bionic/libc.so (abort+164) (BuildId: 7f1c…)"
_TOMBSTONE_FRAME = re.compile(
    r"^\s*#\d+\s+pc\s+[0-9a-f]+\s+(?P<loc>\S+)(?:\s+\((?P<fn>[^()]+?)(?:\+\d+)?\))?(?:\s+\(BuildId: [0-9a-f]+\))?\s*$")


def _b_asan(m: re.Match[str], raw: str) -> Frame:
    return native_frame(m.group("fn") or "", m.group("loc"), raw)


def _b_gdb(m: re.Match[str], raw: str) -> Frame:
    return native_frame(m.group("fn") or m.group("fn2") or "", m.group("loc") or m.group("loc2") or "", raw)


def _b_tsan(m: re.Match[str], raw: str) -> Frame:
    return native_frame(m.group("fn"), m.group("loc"), raw)


def _b_lldb(m: re.Match[str], raw: str) -> Frame:
    return native_frame(m.group("fn"), m.group("loc") or "", raw, image=m.group("image"))


def _b_apple(m: re.Match[str], raw: str) -> Frame:
    fn = m.group("fn")
    if re.fullmatch(r"0x[0-9a-f]+(?: \+ \d+)?", fn):  # unsymbolicated: an address in the image
        fn = ""
    return native_frame(fn, m.group("loc") or "", raw, image=m.group("image"))


def _b_tombstone(m: re.Match[str], raw: str) -> Frame:
    return native_frame(m.group("fn") or "", m.group("loc"), raw)


# Order: Dart before PHP before gdb ("#0 fn (loc)" reads as a gdb frame without an address, and a PHP
# "#0 path(12): fn()" as one with the path for a function); lldb's "frame #0: 0x… image`fn" before gdb;
# gdb's "#0 0x… in fn (args) at file" before ASan's "#0 0x… in fn file" (which would take "(args) at" as
# part of the name).
LANG_FRAME_RULES: tuple[tuple[str, str, re.Pattern[str], FrameBuilder], ...] = (
    ("ruby", "ruby", _RUBY_FRAME, _b_ruby),
    ("dart", "dart", _DART_FRAME, _b_dart),
    ("php", "php", _PHP_FRAME, _b_php),
    ("tombstone", "native", _TOMBSTONE_FRAME, _b_tombstone),
    ("lldb", "native", _LLDB_FRAME, _b_lldb),
    ("gdb", "native", _GDB_FRAME, _b_gdb),
    ("asan", "native", _ASAN_FRAME, _b_asan),
    ("tsan", "native", _TSAN_FRAME, _b_tsan),
    ("apple", "native", _APPLE_FRAME, _b_apple),
)
# needles as short as they can be: "(" is the Go rule's already, so the frame gate grows by five words
_LANG_FRAME_NEEDLES: dict[str, tuple[str, ...]] = {
    "ruby": (":in ",), "dart": ("(",), "php": ("(", "{main}"), "tombstone": (" pc ",), "asan": ("0x",), "tsan": ("0x",),
    "gdb": ("(",), "lldb": ("frame #",), "apple": ("0x",),
}


FRAME_RULES: tuple[tuple[str, str, re.Pattern[str], FrameBuilder], ...] = (
    # .NET: "at Ns.Class.Method(Args) in C:\path\File.cs:line 42" — before Java (same "at x.y(" start)
    ("dotnet", "dotnet", re.compile(
        r"^\s*at (?P<fn>[\w.`<>$|+\[\],]+)\((?P<args>[^)]*)\)(?: in (?P<loc>.+?):line \d+)?\s*$"), _b_dotnet),
    # Java/Kotlin: "at org.pkg.Class.method(File.java:42)" / "(Native Method)" / "(Unknown Source)"
    ("java", "java", re.compile(
        r"^\s*at (?P<fn>[\w$.<>/]+)\((?P<loc>[\w$.-]+\.(?:java|kt|scala|groovy):\d+|Native Method|Unknown Source)\)"
        r"(?:\s*~?\[[^\]]*\])?\s*$"), _b_java),
    # V8/Node/Bun: "at [async] fn (loc:l:c)" and anonymous "at loc:l:c"
    ("js", "node", re.compile(
        r"^\s*at (?P<fn>(?:async |new )?[^\s()]+(?: \[as [^\]]+\])?) \((?P<loc>[^()]*(?::\d+(?::\d+)?)?|native|<anonymous>)\)\s*$"),
     _b_js),
    ("js-anon", "node", re.compile(r"^\s*at (?:async )?(?P<fn>)(?P<loc>\S+:\d+(?::\d+)?)\s*$"), _b_js),
    # Firefox/Safari: "fn@https://host/app.js:1:2"
    ("browser", "browser", re.compile(r"^\s*(?P<fn>[\w$.<>/]*)@(?P<loc>(?:https?|file|resource)://\S+:\d+:\d+)\s*$"),
     _b_browser),
    # Python: '  File "path", line 42, in fn'
    ("python", "python", re.compile(r'^\s*File "(?P<path>[^"]+)", line \d+, in (?P<fn>\S+)'), _b_python),
    # Poetry/cleo: "  3  ~/…/poetry/utils/password_manager.py:51 in get_credential" / "at path:67 in fn"
    ("cleo", "python", re.compile(r"^\s*(?:\d+|at)\s+(?P<path>\S+\.py):\d+ in (?P<fn>\w+)\s*$"), _b_cleo),
    # Go: "github.com/x/y.(*T).M(0xc000…)" followed by "\t/path/file.go:42 +0x1f"; since Go 1.17 arguments
    # the compiler is unsure of end in "?" ("CanApply(0x0?)"), and the runtime's own "panic({…})" frame
    # sits between the handler frames and the crash site (it must read as a frame, or the scan stops)
    ("go", "go", re.compile(r"^\s*(?:created by )?(?P<fn>panic|(?:[\w.-]+/)*[\w.-]+\.(?:\(\*?\w+\)\.)?[\w.]+)\((?:0x[0-9a-f]+|\.\.\.|[0-9a-fx, .{}?]*)\)(?: in goroutine \d+)?\s*$"),
     _b_go),
    ("go-file", "go", re.compile(r"^\s*(?P<path>/\S+\.go):\d+(?: \+0x[0-9a-f]+)?\s*$"), _b_go_file),
    # Rust backtrace: "  12: tokio::runtime::task::harness::poll::h0123456789abcdef" / "  3: <unknown>"
    ("rust", "rust", re.compile(r"^\s*\d+: (?:0x[0-9a-f]+ - )?(?P<fn>[\w:<>{}\[\] ,&*'$.-]+?)\s*$"), _b_rust),
    *LANG_FRAME_RULES,  # other ecosystems: their syntaxes share no prefix with the rules above
)

_GO_FILE_LINE = re.compile(r"^\s+\S+\.go:\d+(?: \+0x[0-9a-f]+)?\s*$")
_RUST_AT_LINE = re.compile(r"^\s+at \S+\.rs:\d+(?::\d+)?\s*$")


# Each frame rule's predicate: a substring its regex cannot match without. Most lines are prose and
# contain none of them, so one search over their union skips all the rules; a rule added without
# an entry here turns that shortcut off rather than being skipped.
_FRAME_NEEDLES: dict[str, tuple[str, ...]] = {
    "dotnet": ("at ",), "java": ("at ",), "js": ("at ",), "js-anon": ("at ",), "browser": ("@",),
    "python": ('File "',), "cleo": (".py:",), "go": ("(",), "go-file": (".go:",), "rust": (": ",),
    **_LANG_FRAME_NEEDLES,
}
_FRAME_GATE = (
    re.compile("|".join(re.escape(n) for needles in _FRAME_NEEDLES.values() for n in needles))
    if all(name in _FRAME_NEEDLES for name, *_ in FRAME_RULES) else None
)


@lru_cache(maxsize=_LINE_CACHE)
def match_frame(line: str) -> Frame | None:
    """The frame a line holds, by the first frame rule that matches, or None."""
    if len(line) > 600 or (_FRAME_GATE is not None and _FRAME_GATE.search(line) is None):
        return None
    for _name, _runtime, rx, build in FRAME_RULES:
        m = rx.match(line)
        if m:
            return build(m, line)
    return None


# ---------------------------------------------------------------------------------------------
# messages
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Message:
    type: str
    message: str
    runtime: str
    # the location a message line names itself (Ruby's ``file:line:in `m': msg (Class)``, PHP's ``… in
    # file.php:12``, Swift's ``File.swift:42: Fatal error``): the record's first frame
    frame: Frame | None = None
    # the message text is printed on a following line (``_FOLLOW_RULES`` says which)
    follow: str = ""


MessageBuilder = Callable[[re.Match[str]], Message | None]

_API_JSON = re.compile(r"(?:API Error|Error|error)?:?\s*(?P<status>[1-5]\d\d)\b[\s:-]*(?P<json>\{.*)$")
# a bare suffix word is a type only when a module qualifies it (``xmlrpc.client.Fault``): alone, ``Error:``
# is the ``prefixed`` rule's
_EXC_TYPE = (r"(?P<type>(?:[A-Za-z_][\w$]*\.)*[A-Z][\w$]*(?:Error|Exception|Fault|Exit|Interrupt|Locked|Failure|Panic|"
             r"Warning|Timeout)|(?:[a-z_][\w$]*\.)+(?:Error|Exception|Fault))")


def _api_error(m: re.Match[str]) -> Message | None:
    """``Error: 400 {json}`` → ``400 invalid_request_error: <message>`` (the body's own message)."""
    return _api_body(m.group("status"), m.group("json"))


# A JSON error envelope printed on its own, without the ``Error: 400`` a client puts before it
# (a log line, a UI that shows the raw response, a copy of the body alone)
_BARE_API_JSON = re.compile(r'^\W{0,3}(?P<json>\{\s*(?:"(?:type|status)"\s*:\s*"?\w+"?\s*,\s*)?"error"\s*:\s*[{"].*)$')


def _bare_api_error(m: re.Match[str]) -> Message | None:
    """``{"type":"error","error":{"type":…,"message":…}}`` / ``{"error":{"code":400,"message":…}}``: an
    HTTP API's error envelope (Anthropic, OpenAI, Google and most JSON APIs share the shape) printed
    bare is the same error as the client's ``Error: 400 {…}``; its status is read from the body when
    the body carries one (``"code": 400``, ``"status": 400``)."""
    body = m.group("json")
    obj = _loads_prefix(body)
    status = None
    if isinstance(obj, dict):
        inner = obj.get("error")
        for v in (obj.get("status"), obj.get("code"), *((inner.get("code"), inner.get("status")) if isinstance(inner, dict) else ())):
            if isinstance(v, int) and 100 <= v <= 599:
                status = str(v)
                break
    elif not re.search(r'"message"\s*:', body):
        return None
    msg = _api_body(status, body)
    return msg if msg.message.strip() and msg.message != body else None


def _api_body(status: str | None, body: str) -> Message:
    obj = _loads_prefix(body)
    err_type, msg = None, None
    if isinstance(obj, dict):
        inner = obj.get("error", obj)
        if isinstance(inner, dict):
            err_type = inner.get("type") or inner.get("code") or inner.get("status")
            err_type = err_type if isinstance(err_type, str) else None
            msg = inner.get("message")
            if isinstance(msg, str) and re.match(r"Error code: \d{3} - \{", msg):
                nested = re.search(r"'message': '([^']*)", msg)  # proxies wrap a Python repr of the body
                msg = nested.group(1) if nested else msg
                err_type = err_type or (re.search(r"'(?:code|type)': '(\w+)'", inner.get("message", "")) or [None, None])[1]
        elif isinstance(inner, str):
            msg = inner
    if msg is None:  # truncated or not JSON: read the fields with regexes
        t = re.search(r'"type"\s*:\s*"(\w+_error)"', body) or re.search(r"'(?:code|type)': '(\w+_error)'", body)
        mm = re.search(r'"message"\s*:\s*"((?:[^"\\]|\\.)*)', body) or re.search(r"'message': '([^']*)", body)
        err_type = t.group(1) if t else None
        msg = mm.group(1) if mm else body
        if re.match(r"Error code: \d{3} - \{", msg):
            nested = re.search(r"'message': '([^']*)", msg)
            msg = nested.group(1) if nested else msg
    typ = " ".join(t for t in (status, err_type) if t) or "error"
    return Message(typ, _api_message(str(msg)), "api")


# HTTP reason phrases (RFC 9110 plus the common "Invalid Request") only repeat the status; printed
# before the real message ("400 - Invalid Request You're out of …") they would split one key in two
_REASON_PHRASE = re.compile(
    r"(?i)^(?:bad request|invalid request|unauthorized|forbidden|not found|too many requests|"
    r"internal server error|service unavailable|gateway timeout|bad gateway)\b[\s:.,-]+(?=\S.{8,})")


def _api_message(msg: str) -> str:
    """The message an API error carries, without a leading reason phrase or a trailing help link
    ("Overloaded. https://docs…": the link is advice, the same error is printed with and without it)."""
    msg = _REASON_PHRASE.sub("", msg.strip())
    return re.sub(r"[\s.]*(?:https?://\S+\s*)+$", "", msg) or msg


def _api_status(m: re.Match[str]) -> Message:
    """``API Error: 529 Overloaded.`` → ``529: Overloaded``. A JSON body cut at the front by a copy
    (``400: type":"invalid_request_error","message":"You're out of …``) still names its message:
    that is the message, not the first word of the fragment."""
    fragment = re.search(r'"message"\s*:\s*"((?:[^"\\]|\\.)+)', m.group("msg") + m.group("rest"))
    msg = _unescape(fragment.group(1)) if fragment else m.group("msg")
    return Message(m.group("type"), _api_message(msg), "api")


def _loads_prefix(text: str) -> object:
    """Parse the JSON object that starts ``text`` (trailing prose ignored); None if it does not."""
    try:
        obj, _ = json.JSONDecoder().raw_decode(text)
        return obj
    except ValueError:
        return None


def _simple(runtime: str, typ: str | None = None) -> MessageBuilder:
    def build(m: re.Match[str]) -> Message | None:
        groups = m.groupdict()
        t = typ or groups.get("type") or "Error"
        msg = (groups.get("msg") or "").strip()
        return Message(t, msg, runtime)

    return build


_WRAPPED_AGAIN = re.compile(r"(?i)\berr(?:or)?\b\s*[:-]|\bfailed\b|\bexit status\b")


def _go_error_context(m: re.Match[str]) -> Message | None:
    """The cause after ``Error <doing something>:``, unless the cause is itself another wrapper
    (``error storing credentials - err: exit status 1, out: …``): a chain is left to the rules that
    read chains, which key its heads and compare their details."""
    msg = m.group("msg").strip()
    return None if _WRAPPED_AGAIN.search(msg) else Message("Error", msg, "go")


_CLOSING = {'"': '"', "`": "`", "“": "”"}


def _unquote_tail(msg: str) -> str:
    """A message quoted in a sentence ('after the upgrade "ImportError: cannot import name 'main'"')
    ends in the closing quote of the sentence, not of the message: an unbalanced one is dropped."""
    while msg and msg[-1] in "\"”`'" and msg.count(msg[-1]) % 2 == 1 and msg[-1] != "”" or msg.endswith("”") and "“" not in msg:
        msg = msg[:-1].rstrip()
    return msg


def _exception(m: re.Match[str]) -> Message | None:
    t = m.group("type")
    msg = (m.group("msg") or "").strip()
    close = _CLOSING.get(m.group(0)[:1])
    if close and close in msg:  # quoted in a sentence: the message ends at the closing quote
        msg = msg[:msg.index(close)].strip()
    msg = _unquote_tail(msg)
    runtime = "java" if "." in t and t.split(".")[0] in ("java", "javax", "org", "com", "io", "net", "kotlin") else "text"
    short = t.rsplit(".", 1)[-1]
    return Message(_PY_OSERROR_ALIASES.get(short, short), msg, runtime)


# Python 3.3 made these names aliases of ``OSError`` (PEP 3151): messages and old code still print the
# alias (pip's "Could not install packages due to an EnvironmentError: …"), new versions print OSError
_PY_OSERROR_ALIASES = {"EnvironmentError": "OSError", "IOError": "OSError", "WindowsError": "OSError"}


_V8_ALLOCATION_FAILED = re.compile(r"\bAllocation failed\b")


def _v8_fatal(m: re.Match[str]) -> Message:
    """V8 prints an out-of-memory abort as ``FATAL ERROR: <where> Allocation failed - <what>``: the
    ``<where>`` names the GC step or allocation site that hit the limit (``Reached heap limit``,
    ``Ineffective mark-compacts near heap limit``, ``CALL_AND_RETRY_LAST``, ``MarkCompactCollector:
    young object promotion failed``) and varies run to run for one leak; what failed (``JavaScript heap
    out of memory``) is the identity. Node, Electron, Deno and every V8 embedder print it this way."""
    msg = m.group("msg").strip()
    cut = _V8_ALLOCATION_FAILED.search(msg)
    return Message("FATAL ERROR", msg[cut.start():] if cut else msg, "node")


# Eclipse RCP applications report a failed background job in a dialog titled "'<job>' has encountered a
# problem." whose detail reads "An internal error occurred during: "<job>"." above the exception
_ECLIPSE_JOB = re.compile(
    r"(?:^|[\s`(])(?:'(?P<quoted>[^'\n]{3,80})'|(?P<bare>[A-Z][^.!?'\"`\n]{2,80}?)) has encountered a problem\b"
    r"|An internal error occurred during:\s*[\"“](?P<during>[^\"”\n]{3,80})[\"”]")


def _eclipse_job(m: re.Match[str]) -> Message:
    """The job that failed is the identity (the exception under it is often a bare ``NullPointerException``
    and is read from its own line); both wordings of the dialog meet in one key."""
    job = (m.group("quoted") or m.group("bare") or m.group("during")).strip()
    return Message("job failed", f"{job} has encountered a problem", "java")


def _bracketed_exception(m: re.Match[str]) -> Message | None:
    """``Type[message]``: the message runs to the bracket that closes the one after the type (messages
    bracket their own values: ``index [my-index/uuid] already exists``); unclosed, it is no such print."""
    rest, depth = m.group("msg"), 1
    for n, ch in enumerate(rest):
        depth += (ch == "[") - (ch == "]")
        if depth == 0:
            msg = rest[:n].strip()
            return Message(m.group("type").rsplit(".", 1)[-1], msg, "java") if msg else None
    return None


_KLOG_ERRORISH = re.compile(r"(?i)\b(?:error|err=|fail|failed|unable|cannot|could not|panic|invalid|refused|denied)")


def _rust_panic(m: re.Match[str]) -> Message | None:
    msg = (m.group("msg") or "").strip().strip("'")
    loc = m.group("loc") or ""
    loc = re.sub(r":\d+(?::\d+)?:?$", "", loc.strip().rstrip(":"))
    loc = loc.replace("\\", "/")
    loc = "/".join(loc.split("/")[-3:]) if loc else ""
    return Message("panic", (msg + (f" @ {loc}" if loc else "")).strip(), "rust")


# ---------------------------------------------------------------------------------------------
# messages of other ecosystems: Ruby, PHP, Dart/Flutter, Swift/Objective-C, C/C++ (spliced into
# ``MESSAGE_RULES`` as one block; see the order note there)
# ---------------------------------------------------------------------------------------------
_RUBY_CLASS = r"(?:[A-Z]\w*::)*[A-Z]\w*"
_NATIVE_SOURCE = r"(?:[A-Za-z]:)?[^\s:'`\"]+\.(?:c|cc|cpp|cxx|c\+\+|h|hh|hpp|hxx|m|mm|swift|cu|ino)"


def _short_class(name: str) -> str:
    """``ActiveRecord::RecordNotFound`` / ``Illuminate\\Database\\QueryException`` → the class's own name
    (Java and Python records keep only that too)."""
    return re.split(r"::|\\", name.strip("\\"))[-1]


def _ruby_located(m: re.Match[str]) -> Message:
    """Ruby's own report of an uncaught exception names the raising frame first:
    ``/usr/lib/ruby/3.2.0/net/http.rb:1603:in `initialize': Failed to open TCP connection … (SocketError)``."""
    frame = ruby_frame(m.group("path"), m.group("fn"), m.group(0))
    return Message(_short_class(m.group("type")), m.group("msg").strip(), "ruby", frame=frame)


def _ruby_class_message(m: re.Match[str]) -> Message:
    return Message(_short_class(m.group("type")), (m.group("msg") or "").strip(), "ruby")


def _ruby_class_alone(m: re.Match[str]) -> Message:
    """RSpec prints the class on its own line and the message indented under it."""
    return Message(_short_class(m.group("type")), "", "ruby", follow="next-line")


def _php_error(m: re.Match[str]) -> Message | None:
    """``PHP Fatal error:  Uncaught Error: Call to undefined function mb_strlen() in /var/www/…/Str.php:496``
    and the other levels PHP prints (``Parse error``, ``Warning`` …): the exception class when one was
    thrown, else the level, is the type; the file the message names is the first frame. Without
    PHP's own prefix, only a line that names a ``.php`` file is PHP's."""
    if not m.group("php") and not m.group("file"):
        return None
    cls = m.group("type")
    typ = _short_class(cls) if cls else m.group("level")
    frame = None
    if m.group("file"):
        module, kind = php_location_kind(m.group("file"))
        frame = _lang_frame("", module, "php", m.group(0), kind)
    return Message(typ, m.group("msg").strip(), "php", frame=frame)


_PHP_TRAILING_LOCATION = re.compile(r"\s+in\s+(?P<file>\S+\.php)(?::\d+|\s+on\s+line\s+\d+|\(\d+\))\s*$")


def _php_class(m: re.Match[str]) -> Message:
    """``Foo\\BarException: message in /path/File.php:12``: the file (when printed) is the first frame."""
    msg = (m.group("msg") or "").strip()
    loc = _PHP_TRAILING_LOCATION.search(msg)
    frame = None
    if loc:
        msg = msg[:loc.start()].strip()
        module, kind = php_location_kind(loc.group("file"))
        frame = _lang_frame("", module, "php", m.group(0), kind)
    return Message(_short_class(m.group("type")), msg, "php", frame=frame, follow="" if msg else "next-line")


def _monolog(m: re.Match[str]) -> Message:
    """Monolog (Laravel, Symfony, most PHP apps) logs ``[date] channel.ERROR: message {context}``, the
    exception (when there is one) inside the context as ``[object] (Class(code: 0): message at file:line)``."""
    if m.group("type"):
        module, kind = php_location_kind(m.group("file"))
        frame = _lang_frame("", module, "php", m.group(0), kind)
        return Message(_short_class(m.group("type")), m.group("emsg"), "php", frame=frame)
    return Message("log error", m.group("msg"), "php")


def _symfony_in_file(m: re.Match[str]) -> Message:
    """Symfony's console (``artisan``, ``bin/console``, Composer) prints ``In Connection.php line 664:``
    and the message on the lines under it, without the class."""
    module, kind = php_location_kind(m.group("file"))
    return Message("php exception", "", "php", frame=_lang_frame("", module, "php", m.group(0), kind), follow="next-line")


# a typed message inside another (Dart's ``Unhandled Exception: FormatException: …``): its own type counts
_UNTYPED = frozenset(("failure", "Error", "log error"))


def _dart_message(text: str) -> Message:
    inner = match_message(text) if text else None
    if inner is not None and inner.type not in _UNTYPED:
        return Message(inner.type, inner.message, "dart" if inner.runtime == "text" else inner.runtime)
    return Message("dart", text, "dart")


def _dart_unhandled(m: re.Match[str]) -> Message:
    """Dart prints an uncaught async error as ``Unhandled Exception: <error's toString()>`` (on Android
    behind ``E/flutter (…): [ERROR:flutter/…]``) and Flutter a later one as ``Another exception was
    thrown: …``; the toString has no class name unless the class puts it there (``FormatException: …``),
    so the type is ``dart`` unless the message names one."""
    return _dart_message(m.group("msg").strip())


def _flutter_thrown(m: re.Match[str]) -> Message:
    """Flutter's error dump: ``The following assertion was thrown building MyApp(dirty):`` with the
    error's toString on the next line. The same error reaching the zone instead prints ``Unhandled
    Exception: <toString>``: both meet in one key (type ``dart`` unless the toString names its class)."""
    return Message("dart", "", "dart", follow="next-line")


def _swift_fatal(m: re.Match[str]) -> Message:
    """Swift's runtime traps: ``Fatal error: Unexpectedly found nil …: file MyApp/ViewController.swift,
    line 42`` (Swift < 5.3), ``MyApp/ViewController.swift:42: Fatal error: …`` (later), Xcode's ``Thread 1:
    Fatal error: …``; likewise ``Precondition failed`` and ``Assertion failed``. The file is the first frame
    (the standard library's own files, ``Swift/…``, are the runtime)."""
    path = m.group("file") or m.group("file2")
    frame = None
    if path:
        kind = _RUNTIME if path.startswith("Swift/") else _APP
        frame = _lang_frame("", _basename(path), "swift", m.group(0), kind)
    runtime = "swift" if path or m.group("thread") else "text"
    return Message(m.group("kind"), (m.group("msg") or "").strip(), runtime, frame=frame)


def _c_diagnostic(m: re.Match[str]) -> Message:
    """GCC, Clang and swiftc print ``path:line:col: error: message``; UBSan its findings as
    ``path:line:col: runtime error: message``. The file is the first frame."""
    frame = _lang_frame("", _basename(m.group("path")), "native", m.group(0), _APP)
    kind = "UndefinedBehaviorSanitizer" if m.group("kind") == "runtime error" else "compile error"
    return Message(kind, m.group("msg").strip(), "native", frame=frame)


def _c_assert(m: re.Match[str]) -> Message:
    """glibc's ``assert``: ``prog: src/parser.c:120: parse_header: Assertion `len > 0' failed.``"""
    frame = native_frame(m.group("fn"), m.group("path"), m.group(0))
    return Message("assertion", f"`{m.group('expr')}' failed", "native", frame=frame)


def _cpp_terminate(m: re.Match[str]) -> Message:
    """libstdc++'s verbose terminate handler: ``terminate called after throwing an instance of
    'std::out_of_range'`` and, for a ``std::exception``, ``  what():  <message>`` on the next line."""
    if m.group("type"):
        return Message(m.group("type"), "", "native", follow="what")
    return Message("terminate", m.group("bare"), "native")


# the kind is what a sanitizer found; the addresses, pc/bp/sp and thread after it change every run
_SANITIZER_KIND_END = re.compile(r"\s+(?:on(?: unknown)? address|on|at pc|at|in thread)\s+(?:0x|\(|T\d)|\s+\(|\s*:?\s*0x")


def _sanitizer(m: re.Match[str]) -> Message:
    """``==12345==ERROR: AddressSanitizer: heap-use-after-free on address 0x6020… at pc …`` →
    ``AddressSanitizer: heap-use-after-free``; likewise LeakSanitizer, ThreadSanitizer, MemorySanitizer, UBSan."""
    kind = _SANITIZER_KIND_END.split(m.group("msg"), maxsplit=1)[0].strip()
    return Message(m.group("tool"), kind, "native")


_SIGNAL_NAMES = {"SIGSEGV": "segmentation fault", "SIGBUS": "bus error", "SIGILL": "illegal instruction",
                 "SIGFPE": "floating point exception", "SIGABRT": "abort"}


def _signal(m: re.Match[str]) -> Message:
    """A process killed by a signal, as the shell prints it (``Segmentation fault (core dumped)``, macOS's
    ``Segmentation fault: 11``, zsh's ``zsh: segmentation fault  ./app``) or Android's ``Fatal signal 11
    (SIGSEGV)``: one key per signal. A symptom, not a bug: the message is short on purpose, so the
    clusterer needs frames or more to join on it."""
    sig = m.group("sig") or m.group("sig2") or ""
    name = m.group("name") or _SIGNAL_NAMES.get(sig, sig.lower())
    name = name.lower().replace("illegal hardware instruction", "illegal instruction")
    return Message("signal", name, "native")


def _apple_exception(m: re.Match[str]) -> Message:
    """A Mach exception, from a crash report (``Exception Type:  EXC_BAD_ACCESS (SIGSEGV)``) or Xcode
    (``Thread 1: EXC_BAD_ACCESS (code=1, address=0x0)``): the exception type is the identity."""
    return Message(m.group("type"), "", "native")


def _objc_uncaught(m: re.Match[str]) -> Message:
    """``*** Terminating app due to uncaught exception 'NSInvalidArgumentException', reason: '…'``."""
    return Message(m.group("type"), m.group("msg").strip().rstrip("'"), "native")


def _ld_undefined(m: re.Match[str]) -> Message:
    """The linker's ``undefined reference to `symbol'`` (GNU ld, gold, lld): the symbol is the identity;
    the object file and section offset before it are not."""
    return Message("link error", f"undefined reference to `{m.group('sym')}'", "native")


# Order: sanitizers, C++ terminate and compiler diagnostics first (their lines also contain words the
# later rules key on: ``ERROR:``, ``fatal error:``); Ruby's located form before its bare class forms
# (the located line ends in ``(Class)``); PHP's level line before its namespaced class (``Uncaught
# Foo\\BarException: …`` is inside it); Dart before Swift (``Fatal error`` is Swift's, PHP's and
# others'; only Dart prints ``Unhandled Exception:`` and ``was thrown``).
LANG_MESSAGE_RULES: tuple[tuple[str, re.Pattern[str], MessageBuilder], ...] = (
    ("sanitizer", re.compile(r"(?:^|==\d+==\s*|\s)(?:ERROR|WARNING): (?P<tool>\w+Sanitizer): (?P<msg>\S.*)$"), _sanitizer),
    ("cpp-terminate", re.compile(r"terminate called (?:after throwing an instance of '(?P<type>[^']+)'|"
                                 r"(?P<bare>without an active exception|recursively))"), _cpp_terminate),
    ("c-diagnostic", re.compile(r"^\s*(?P<path>" + _NATIVE_SOURCE + r"):\d+:(?:\d+:)? (?P<kind>fatal error|error|runtime error): "
                                r"(?P<msg>\S.*)$"), _c_diagnostic),
    ("c-assert", re.compile(r"(?P<path>" + _NATIVE_SOURCE + r"):\d+: (?P<fn>[^:\n]+): Assertion [`'](?P<expr>.+)' failed"), _c_assert),
    ("ld-undefined", re.compile(r"undefined reference to [`'](?P<sym>[^'`]+)'"), _ld_undefined),
    ("ruby-located", re.compile(r"^\s*(?P<path>(?:[A-Za-z]:)?[^\s:'`]+):\d+:in [`'](?P<fn>[^'`]+)': (?P<msg>.*?) "
                                r"\((?P<type>" + _RUBY_CLASS + r")\)\s*$"), _ruby_located),
    # Rails' log: "NoMethodError (undefined method `name' for nil:NilClass):"
    ("rails-log", re.compile(r"(?:^|\s)(?P<type>(?:[A-Z]\w*::)+[A-Z]\w*|[A-Z]\w*(?:Error|Exception)) \((?P<msg>.+)\):\s*$"),
     _ruby_class_message),
    ("ruby-class-alone", re.compile(r"^\s*(?P<type>(?:[A-Z]\w*::)*[A-Z]\w*(?:Error|Exception)|(?:[A-Z]\w*::)+[A-Z]\w*):\s*$"),
     _ruby_class_alone),
    # "ActiveRecord::RecordInvalid: Validation failed: …", "Errno::ENOENT: No such file or directory @ rb_sysopen - …"
    ("ruby-qualified", re.compile(r"(?:^|[\s(\[])(?P<type>(?:[A-Z]\w*::)+[A-Z]\w*): (?P<msg>\S.*)$"), _ruby_class_message),
    ("php-error", re.compile(
        r"(?:^|[\s\]])(?P<php>PHP )?(?P<level>Fatal error|Parse error|Recoverable fatal error|Catchable fatal error|Warning|"
        r"Notice|Deprecated):\s+(?:Uncaught (?P<type>\\?[A-Za-z_][\w\\]*)(?::\s*|\s+))?(?P<msg>.*?)"
        r"(?:,?\s+(?:thrown\s+)?in\s+(?P<file>\S+\.php)(?::\d+|\s+on\s+line\s+\d+|\(\d+\)))?(?:\s*Stack trace:.*)?\s*$"),
     _php_error),
    ("monolog", re.compile(
        r"\] [\w-]+\.(?:ERROR|CRITICAL|ALERT|EMERGENCY): (?P<msg>.+?)(?:\s+\{.*?\"exception\":\"\[object\] "
        r"\((?P<type>[\w\\]+)\(code: -?\w+\): (?P<emsg>.*?) at (?P<file>\S+?):\d+\).*|\s+[\[{].*)?$"), _monolog),
    ("symfony-in-file", re.compile(r"^\s*In (?P<file>[\w.-]+\.php) line \d+:\s*$"), _symfony_in_file),
    # "Illuminate\Database\QueryException: SQLSTATE[…]", Laravel's "   Illuminate\Database\QueryException " alone
    ("php-class", re.compile(r"(?:^|[\s\[(\"'])(?P<type>\\?(?:[A-Za-z_]\w*\\)+[A-Z]\w*(?:Error|Exception))"
                             r"(?:\s*:\s+(?P<msg>\S.*)|\s*\]?\s*$)"), _php_class),
    ("dart-unhandled", re.compile(r"(?:^|[\s\]])(?:Unhandled Exception|Another exception was thrown): (?P<msg>\S.*)$"), _dart_unhandled),
    ("flutter-thrown", re.compile(r"^\s*The following .{1,120}? was thrown\b.*:\s*$"), _flutter_thrown),
    ("objc-uncaught", re.compile(r"Terminating app due to uncaught exception '(?P<type>\w+)', reason: '(?P<msg>.*)$"), _objc_uncaught),
    ("apple-exception", re.compile(r"(?:^\s*(?:Exception Type:\s+|Thread \d+: )|stop reason = )(?P<type>EXC_[A-Z_]+)\b"), _apple_exception),
    ("swift-fatal", re.compile(
        r"(?:^|[\s:])(?P<thread>Thread \d+: )?(?:(?P<file>[\w./+-]+\.swift):\d+: )?(?P<kind>Fatal error|Precondition failed|"
        r"Assertion failed)(?::\s*(?P<msg>.*?))?(?::?\s*file (?P<file2>[^,\s]+\.swift), line \d+)?\s*$"), _swift_fatal),
    ("signal", re.compile(
        r"^\s*(?:\S+: (?:line \d+: )?(?:\d+ )?)?(?P<name>[Ss]egmentation fault|[Bb]us error|[Ii]llegal (?:hardware )?instruction|"
        r"[Ff]loating point exception)(?::\s*\d+)?(?:\s+\(core dumped\))?(?:\s{2,}\S.*)?\s*$"
        r"|Fatal signal \d+ \((?P<sig>SIG[A-Z]+)\)|received signal (?P<sig2>SIG(?!ABRT)[A-Z]+)"), _signal),
)
_LANG_NEEDLES: dict[str, tuple[str, ...]] = {
    "sanitizer": ("Sanitizer: ",),
    "cpp-terminate": ("terminate called ",),
    "c-diagnostic": (" error: ",),
    "c-assert": (": Assertion ",),
    "ld-undefined": ("undefined reference to ",),
    "ruby-located": (":in ",),
    "rails-log": ("):",),
    "ruby-class-alone": ("Error:", "Exception:", "::"),
    "ruby-qualified": (":: ", "::"),
    "php-error": ("Fatal error:", "Parse error:", "Warning:", "Notice:", "Deprecated:"),
    "monolog": (".ERROR: ", ".CRITICAL: ", ".ALERT: ", ".EMERGENCY: "),
    "symfony-in-file": (".php line ",),
    "php-class": ("\\",),
    "dart-unhandled": ("Unhandled Exception: ", "Another exception was thrown: "),
    "flutter-thrown": (" was thrown",),
    "objc-uncaught": ("Terminating app due to uncaught exception",),
    "apple-exception": ("EXC_",),
    "swift-fatal": ("Fatal error", "Precondition failed", "Assertion failed"),
    "signal": ("egmentation fault", "us error", "llegal instruction", "llegal hardware instruction",
               "loating point exception", "Fatal signal ", "received signal "),
}

# Messages a runtime prints for a *class* of fault, the same for every program and every bug in it: the
# signal that killed a process, a Mach exception type, what a sanitizer found, Swift's traps for a nil
# optional or a bad index, Dart's null-check operator. Two issues sharing one say nothing until their
# frames agree (the clusterer treats them as it treats keys it learns are ambiguous).
_SYMPTOM_KEY = re.compile(
    r"signal: |exc_[a-z_]+$|exc_[a-z_]+: |\w*sanitizer: |terminate: |"
    r"fatal error: (?:unexpectedly found nil while (?:implicitly )?unwrapping an optional value|(?:array )?index out of range)$|"
    r"dart: null check operator used on a null value$")


def is_symptom_key(key: str) -> bool:
    """Whether an error key names only a kind of fault (see ``_SYMPTOM_KEY``)."""
    return _SYMPTOM_KEY.match(key) is not None


# A message printed on a line after its header (``Message.follow``): the pattern that line must match.
# ``next-line``: the next non-empty line that is no frame (RSpec, Flutter, Symfony, Laravel); ``what``:
# libstdc++'s ``what():`` line.
_FOLLOW_RULES: dict[str, re.Pattern[str]] = {
    "next-line": re.compile(r"^\s*(?P<msg>\S.{1,400}?)\s*$"),
    "what": re.compile(r"^\s*what\(\):\s+(?P<msg>\S.*?)\s*$"),
}
FOLLOW_LOOKAHEAD = 3  # lines (blank ones included) a follow-up may sit below its header


def read_follow_line(lines: Sequence[str], i: int, msg: Message) -> tuple[Message, list[str], int]:
    """The message a header line promises on a later line: (message, lines read, next index)."""
    rx = _FOLLOW_RULES[msg.follow]
    j = i
    while j < len(lines) and j < i + FOLLOW_LOOKAHEAD and not lines[j].strip():
        j += 1
    if j >= len(lines) or match_frame(lines[j]) is not None:
        return msg, [], i
    m = rx.match(lines[j])
    if not m:
        return msg, [], i
    text = m.group("msg")
    if msg.follow == "next-line" and msg.runtime == "dart":
        found = _dart_message(text)
    else:
        inner = match_message(text) if msg.follow == "next-line" else None
        found = (Message(inner.type, inner.message, msg.runtime, msg.frame)
                 if inner is not None and inner.type not in _UNTYPED else Message(msg.type, text, msg.runtime, msg.frame))
    return found, lines[i:j + 1], j + 1


# Lines inside a report that are neither message nor frame and must not end the record: PHP's
# ``Stack trace:`` / ``thrown in``, Laravel's ``[stacktrace]``, a sanitizer's access line and summary,
# libstdc++'s ``what():`` and the shell's ``Aborted``, an Apple crash report's header fields, Dart's
# ``<asynchronous suspension>`` between frames.
_LANG_DETAIL_LINE = re.compile(
    # Linear time by construction: the leading white space is taken possessively (no alternative below
    # starts with white space), and the compiler excerpt's own white space/digits/white space runs are
    # possessive too (disjoint classes, so nothing is lost). A greedy ``^\s*`` before ``\s+\d*\s*\|``
    # backtracked cubically: one error line and a line of 4,000 spaces took a minute (issue 13).
    r"^(?:\s++\d*+\s*+\|(?:\s|$)|\s*+(?:Stack trace:|\[stacktrace\]|thrown in |(?:READ|WRITE) of size \d|SUMMARY: \w+Sanitizer|0x[0-9a-f]+ is located|"
    r"Shadow bytes|Address 0x[0-9a-f]+ is|what\(\):|Aborted(?: \(core dumped\))?\s*$|<asynchronous suspension>|"
    r"Exception (?:Codes|Subtype|Note|Reason):|Termination (?:Reason|Signal|Namespace):|Crashed Thread:|Triggered by Thread:|"
    r"Thread \d+ Crashed:|\*\*\* First throw call stack:|libc\+\+abi: terminating|Application Specific Information:|"
    # a sanitizer's other lines ("==4242==The signal is caused by a READ memory access."), gdb's prompt, source
    # listing and SIGABRT stop (the abort an uncaught C++ exception or a failed assert ends in), a compiler's
    # source excerpt ("    3 | #include <x.h>"), a tombstone's "backtrace:", PostgreSQL's LINE/DETAIL/HINT,
    # Android's "FATAL EXCEPTION: main" / "Process: …, PID: …" header above a Java exception, the
    # parentheses around Objective-C's first throw call stack
    r"==\d+==(?!\s*(?:ERROR|WARNING):)|\((?:gdb|lldb)\) |\d+\t|(?:Program|Thread \d+(?: \"[^\"]*\")?) received signal SIGABRT|backtrace:\s*$|Abort message:|"
    r"(?:LINE \d+|DETAIL|HINT):  ?|FATAL EXCEPTION: |Process: \S+, PID: \d+|[()]\s*$))")
# Lines after which the frames are another stack's (the sanitizer's allocation and free stacks)
_LANG_OTHER_STACK = re.compile(r"^\s*(?:freed by thread|previously allocated by thread|allocated by thread|"
                               r"Previous (?:write|read) of size|Thread T\d+ \(tid=\d+, \w+\) created by)")
def lang_line_role(line: str) -> str:
    """``detail`` (kept in the record's raw text), ``other-stack`` (ends the record) or ``""``.

    No substring gate in front: both patterns are anchored at the line's start, so a line that is
    neither fails after its first few characters: ~2.5x faster than scanning it for needles was.
    """
    if _LANG_DETAIL_LINE.match(line):
        return "detail"
    return "other-stack" if _LANG_OTHER_STACK.match(line) else ""


# Message rules, most specific first: an API body beats a generic "Error:" line; a Rust panic
# beats a generic "panic:"; exception types beat bare "error:" prefixes.
MESSAGE_RULES: tuple[tuple[str, re.Pattern[str], MessageBuilder], ...] = (
    ("api-json-body", _API_JSON, _api_error),
    ("api-json-bare", _BARE_API_JSON, _bare_api_error),
    ("rust-panic-quoted", re.compile(r"panicked (?:at|with) ['\"](?P<msg>.*?)['\"][,:]?\s*(?:at )?(?P<loc>\S+\.rs:\d+(?::\d+)?)"),
     _rust_panic),
    ("rust-panic-located", re.compile(r"panicked at (?P<loc>\S+\.rs:\d+:\d+):?\s*(?P<msg>.*)$"), _rust_panic),
    *LANG_MESSAGE_RULES,  # other ecosystems, before go-panic: a compiler's "fatal error:" is no Go panic
    ("go-panic", re.compile(r"(?:^\s*|(?<=[\sA-Z.]))(?:panic|fatal error): (?P<msg>.+?)(?: \[recovered\])?$"), _simple("go", "panic")),
    ("go-observed-panic", re.compile(r"(?:Observed a panic|Recovered from panic): \"?(?P<msg>[^\"(]+)"), _simple("go", "panic")),
    ("node-fatal", re.compile(r"^\s*FATAL ERROR: (?P<msg>.+)$"), _v8_fatal),
    ("eclipse-job", _ECLIPSE_JOB, _eclipse_job),
    ("python-cleo", re.compile(r"^\s{0,4}(?P<type>[A-Z]\w*(?:Error|Exception|Locked|Fault))\s*$"), _simple("python")),
    # Node's inspect prints an error whose class was minified under its ``name``: ``XF [McpError]: …``
    ("node-inspect", re.compile(r"(?:^|\s)[\w$]+ \[(?P<type>[A-Z][\w$]*(?:Error|Exception))\]: (?P<msg>.+)$"), _exception),
    ("exception", re.compile(r"(?:^|[\s\"'`(\[:“]|(?<=\w: ))(?:Uncaught |Unhandled |Caused by: |Exception in thread \"[^\"]*\" )?"
                             + _EXC_TYPE + r"(?:: ?(?P<msg>.*)|\s*$)"), _exception),
    # Elasticsearch/OpenSearch print exceptions as ``Type[message]`` (``; nested: Other[…]`` for causes)
    ("bracketed-exception", re.compile(r"(?:^|[\s\]`])(?P<type>(?:[a-z_][\w$]*\.)*[A-Z][\w$]*(?:Exception|Error))"
                                       r"\[(?P<msg>.+)$"), _bracketed_exception),
    ("errno", re.compile(r"\b(?P<type>E[A-Z]{3,12}): (?P<msg>[^\n]{3,})"), _simple("node")),
    ("daemon", re.compile(r"Error response from daemon: (?P<msg>.+)$"), _simple("text", "daemon error")),
    ("klog", re.compile(r"\b[EWF]\d{4} [\d:.]+\s+\d+ (?P<file>[\w.-]+\.go):\d+\] (?P<msg>.+)$"),
     lambda m: Message(f"klog {m.group('file')}", m.group("msg"), "go")),
    # the same line copied without its header (level, date, pid): ``summary.go:92] Failed to get …``; with
    # the level gone, only a message that reads as an error is one
    ("klog-bare", re.compile(r"^\s*(?P<file>[\w.-]+\.go):\d+\] (?P<msg>.+)$"),
     lambda m: Message(f"klog {m.group('file')}", m.group("msg"), "go") if _KLOG_ERRORISH.search(m.group("msg")) else None),
    ("log-level", re.compile(r"\b(?:ERROR|CRITICAL|FATAL|WARNING)\s+\([\w-]+\)\s+\[(?P<file>[\w.]+)\]\s+(?P<msg>.+)$"),
     lambda m: Message(f"log {m.group('file')}", m.group("msg"), "python")),
    # npm's error block ("npm error code ENOTEMPTY" / "npm ERR! code ENOTEMPTY", the prefix changed in
    # npm 10) is also quoted inside other tools' messages ("Failed to install new version: npm error code
    # ENOTEMPTY"): wherever it appears, the code is the identity, so every wording meets in one key
    ("npm-code", re.compile(r"\bnpm (?:ERR!|error) code (?P<msg>E[A-Z0-9_]{2,})\b"), _simple("node", "npm ERR!")),
    ("npm-err", re.compile(r"^\s*npm (?:ERR!|error) (?:code |errno |syscall |path |dest )?(?P<msg>[A-Z]{3,}.*|.*Error.*)$"),
     _simple("node", "npm ERR!")),
    ("api-status", re.compile(r"\bAPI Error:?\s*\(?(?P<type>[1-5]\d\d)\)?[\s:-]+(?P<msg>[A-Za-z][\w '’]{2,120})(?P<rest>.*)$"),
     _api_status),
    ("failed-to", re.compile(r"^\s*(?P<msg>(?:[\w.-]+ )?(?:failed to|unable to|cannot|could not|can't) [^:\n]{3,80}: \S.{2,})$"),
     _simple("text", "failure")),
    # Go's wrapped errors name what failed before the cause: ``Error refreshing state: <cause>``,
    # ``error validating data: <cause>`` (Terraform, kubectl, Helm, most Go CLIs). The context depends
    # on the command that hit it (loading vs refreshing the same state), the cause is the error.
    ("go-error-context", re.compile(r"^\s*(?:Error|error|ERROR) (?P<ctx>[a-z]+ing(?: [\w.-]+){0,4}): (?P<msg>\S.{8,})$"),
     _go_error_context),
    ("prefixed", re.compile(r"^\s*(?:\W{0,3}\s*)?(?:\[?(?:ERROR|Error|error|FATAL|Fatal|fatal)\]?)(?:\[[^\]]*\])?[:!]\s+(?P<msg>\S.{4,})$"),
     _simple("text", "Error")),
)


# Last resort for prose: a sentence with an error phrase ("Could not create temporary directory:
# Permission denied" pasted without any prefix). Weak evidence (type ``failure``), so the clusterer
# weighs it below typed records.
_ERRORISH = re.compile(
    r"\b(?:could not|couldn't|cannot|can't|unable to|failed to|not supported|permission denied|"
    r"no such file or directory|access is denied|not valid json|timed out|not allowed|does not exist|"
    r"is not recognized|operation not permitted)\b", re.I)
_SENTENCE_STOP = re.compile(r"[.!?](?=\s|$)|[`\"]")  # a dot inside a name (subnet.env, bash.exe) ends nothing


def _errorish_sentence(line: str) -> str | None:
    """The sentence around the first error phrase (at most 60 characters before, 80 after)."""
    m = _ERRORISH.search(line)
    if not m:
        return None
    before = line[max(0, m.start() - 60):m.start()]
    cut = max((x.end() for x in _SENTENCE_STOP.finditer(before)), default=0)
    after = line[m.start():m.end() + 80]
    stop = _SENTENCE_STOP.search(after, m.end() - m.start())
    return (before[cut:] + (after[:stop.start()] if stop else after)).strip(" :-,;")


# Each message rule's predicate: substrings one of which the line must contain before the rule's
# regex runs (siggen's predicate/action split; the regexes are slow on long prose lines).
_NEEDLES: dict[str, tuple[str, ...]] = {
    "api-json-body": ("{",),
    "api-json-bare": ('"error"',),
    "rust-panic-quoted": ("panicked",),
    "rust-panic-located": ("panicked",),
    "go-panic": ("panic: ", "fatal error: "),
    "go-observed-panic": ("panic",),
    "node-fatal": ("FATAL ERROR",),
    "eclipse-job": ("has encountered a problem", "An internal error occurred during"),
    "python-cleo": ("Error", "Exception", "Locked", "Fault"),
    "node-inspect": ("Error]: ", "Exception]: "),
    "exception": ("Error", "Exception", "Fault", "Exit", "Interrupt", "Locked", "Failure", "Panic", "Warning", "Timeout"),
    "bracketed-exception": ("Exception[", "Error["),
    "errno": (": ",),
    "daemon": ("Error response from daemon",),
    "klog": ("] ",),
    "klog-bare": (".go:",),
    "log-level": ("ERROR", "CRITICAL", "FATAL", "WARNING"),
    "npm-err": ("npm ",),
    "npm-code": ("npm ",),
    "api-status": ("API Error",),
    "failed-to": ("failed to", "unable to", "cannot", "could not", "can't"),
    # the word, then "]", "[tag]", ":" or "!" (so prose that merely says "error" is not tried)
    "go-error-context": ("rror ", "RROR "),
    "prefixed": tuple(w + c for w in ("rror", "RROR", "atal", "ATAL") for c in ":![]"),
    **_LANG_NEEDLES,
}
def literal_trie(words: Iterable[str]) -> str:
    """A regex for the longest of ``words`` that starts where it is tried, written as a trie.

    ``re`` has no multi-string search: it tries an alternation's branches one by one at every
    position, skipping a branch whose first literal differs. A flat alternation of ~100 needles
    costs ~100 such tests per character; the trie costs one per distinct first character (~30),
    then follows one path. Longer continuations are tried before a word that ends, so at each
    position the match is the longest word there (every shorter one found there is its prefix).
    """
    children: dict[str, list[str]] = {}
    ends = False
    for w in words:
        if w:
            children.setdefault(w[0], []).append(w[1:])
        else:
            ends = True
    alts = [re.escape(c) + literal_trie(rest) for c, rest in sorted(children.items())]
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 and not ends else "(?:" + "|".join(alts) + ")"
    return f"(?:{body})?" if ends else body


# Which needles a line holds. ``re`` skips fast over characters no branch can start with, so needles
# that start with a capital, a digit or punctuation (rare in prose) are found by a trie searched from
# each match's next character on: each search returns the longest needle at the next position where one
# starts, and every needle starting there is its prefix, so the needles a found one contains
# (``_NEEDLES_INSIDE``) are all those present. The ~30 that start with a lower-case letter or a space
# ("rror ", "cannot", " error: ") would defeat that skip on every word: they are tested one by one with
# ``in`` (~0.1 µs each). Together ~30% cheaper than one lookahead ``findall`` of a trie of all needles.
_ALL_NEEDLES = sorted({n for needles in _NEEDLES.values() for n in needles})
_NEEDLES_INSIDE = {n: frozenset(m for m in _ALL_NEEDLES if m in n) for n in _ALL_NEEDLES}
_RARE_START_SCAN = re.compile(literal_trie(n for n in _ALL_NEEDLES if not (n[0].islower() or n[0].isspace())))
_COMMON_START_NEEDLES = tuple(n for n in _ALL_NEEDLES if n[0].islower() or n[0].isspace())


def _needles_in(line: str) -> frozenset[str]:
    """Needles that occur in ``line``, enough to name all that do (see ``_NEEDLES_INSIDE``)."""
    found = [n for n in _COMMON_START_NEEDLES if n in line]
    m = _RARE_START_SCAN.search(line)
    while m is not None:
        found.append(m.group())
        m = _RARE_START_SCAN.search(line, m.start() + 1)
    return frozenset(found)


@lru_cache(maxsize=4096)
def _rules_for(found: frozenset[str]) -> tuple[tuple[re.Pattern[str], MessageBuilder], ...]:
    """``MESSAGE_RULES`` in order, less those whose needles are all absent (a handful of distinct
    needle sets covers nearly every line, so the selection is made once per set)."""
    present = frozenset().union(*(_NEEDLES_INSIDE[n] for n in found))
    return tuple((rx, build) for name, rx, build in MESSAGE_RULES
                 if name not in _NEEDLES or not present.isdisjoint(_NEEDLES[name]))


def message_rules_for(line: str) -> tuple[tuple[re.Pattern[str], MessageBuilder], ...]:
    """The message rules that can match ``line``: exactly those with no needle or a needle in it."""
    return _rules_for(_needles_in(line))


# necessary for ``_ERRORISH``: each of its phrases contains one of these. A case-insensitive
# alternation costs ~15 µs a line in ``re``; for ASCII lines (nearly all) the lowered line is
# searched case-sensitively instead, which finds exactly the same needles.
_ERRORISH_WORDS = ("could", "cannot", "can't", "unable", "failed to", "not supported", "denied", "no such",
                   "not valid", "timed out", "not allowed", "not exist", "not recognized", "not permitted")
_ERRORISH_NEEDLE = re.compile("(?i)" + "|".join(map(re.escape, _ERRORISH_WORDS)))
_ERRORISH_NEEDLE_LOWER = re.compile("|".join(map(re.escape, _ERRORISH_WORDS)))


def _may_be_errorish(line: str) -> bool:
    if line.isascii():
        return _ERRORISH_NEEDLE_LOWER.search(line.lower()) is not None
    return _ERRORISH_NEEDLE.search(line) is not None


@lru_cache(maxsize=_LINE_CACHE)
def match_message(line: str) -> Message | None:
    if len(line) > 2000:
        line = line[:2000]
    for rx, build in message_rules_for(line):
        m = rx.search(line)
        if m:
            msg = build(m)
            if msg is not None:
                return msg
    sentence = _errorish_sentence(line) if _may_be_errorish(line) else None
    if sentence and len(sentence.split()) >= 3:
        return Message("failure", sentence, "text")
    if error_kind(line) and (": " not in line or _KIND_CONTEXT.search(line)):
        return Message("failure", line.strip()[:300], "text")
    return None


# An error value printed by its variant name (Rust's ``{:?}`` of a unit variant, Go's ``%v`` of a typed
# error, .NET and Swift enums): ``Zed failed to open a window: NoSupportedDeviceFound``. A name of three
# or more words one of which says what went wrong names the failure whatever the context before it;
# two-word kinds (``NotFound``, ``PermissionDenied``, ``TimedOut``) are too generic to be an identity.
_ERROR_KIND = re.compile(r"[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+){2,7}")
_KIND_FAILURE_WORD = re.compile(r"(?:No|Not|Fail|Failed|Failure|Error|Invalid|Missing|Lost|Denied|Unsupported|Unavailable|"
                                r"Exceeded|Refused|Exhausted|Mismatch|Timeout|Out|Unknown|Bad|Cannot)(?=[A-Z]|$)")
_KIND_CONTEXT = re.compile(r"(?i)\b(?:error|failed|fail|unable|cannot|could not)\b")


@lru_cache(maxsize=_LINE_CACHE)
def error_kind(message: str) -> str:
    """The variant name a message ends in (its last ``: `` clause, or the whole of it), or ``""``."""
    tail = message.rstrip().rpartition(": ")[2].strip("`'\" ")
    if not tail[-1:].isalnum() or not tail[:1].isupper() or len(tail) > 60:
        return ""
    return tail if _ERROR_KIND.fullmatch(tail) and _KIND_FAILURE_WORD.search(tail) else ""


# ---------------------------------------------------------------------------------------------
# text preparation rules (ordered: JSON arrays first, because their strings hold escaped \n that
# the next rule would otherwise unescape in place and break the JSON)
# ---------------------------------------------------------------------------------------------
_ERROR_ARRAY_START = re.compile(r'\[\s*\{\s*"error"\s*:')
_ERROR_FIELD = re.compile(r'"error"\s*:\s*"((?:[^"\\]|\\.)*)(?:"|$)', re.S)


def expand_error_arrays(text: str) -> str:
    """The in-app bug template pastes ``[{"error": "...", "timestamp": "..."}]``: parse it and put
    each error string on its own lines (timestamps dropped). Truncated arrays ("Error logs were
    truncated") are read field by field."""
    if '"error"' not in text:  # the array start needs it: skip the regex scan (most texts)
        return text
    out: list[str] = []
    pos = 0
    for m in _ERROR_ARRAY_START.finditer(text):
        if m.start() < pos:
            continue
        out.append(text[pos:m.start()])
        try:
            arr, end = json.JSONDecoder().raw_decode(text, m.start())
            errors = [str(e.get("error", "")) for e in arr if isinstance(e, dict)]
            pos = end
        except ValueError:
            close = text.find("}]", m.start())
            stop = close + 2 if close != -1 else len(text)
            fence = text.find("```", m.start())
            if fence != -1 and fence < stop:
                stop = fence
            chunk = text[m.start():stop]
            errors = [_unescape(e) for e in _ERROR_FIELD.findall(chunk)]
            pos = stop
        out.append("\n\n" + "\n\n".join(errors) + "\n\n")
    out.append(text[pos:])
    return "".join(out)


def _unescape(s: str) -> str:
    try:
        return str(json.loads('"' + s + '"'))
    except ValueError:
        return s.replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")


def unescape_pasted_newlines(text: str) -> str:
    """Logs pasted as one string keep ``\\n    at `` literally; make them lines again."""
    if "\\n" in text and re.search(r"\\n\s*(?:at |File |Caused by)", text):
        return text.replace("\\r\\n", "\n").replace("\\n", "\n").replace('\\"', '"')
    return text


_QUOTE_MARKERS = re.compile(r"(?m)^[ \t]*(?:>[ \t]?)+")
_GUTTER = re.compile(r"[⎿│●⏺✗✘×]")
_HTML_TAGS = re.compile(r"</?(?:details|summary|pre|code|br|p|b|i)\b[^>]*>")


def strip_markup(text: str) -> str:
    """Quote markers, the CLI's ``⎿`` gutter and HTML tags are decoration, not message."""
    if ">" in text:  # each substitution only when its mandatory character is there
        text = _QUOTE_MARKERS.sub("", text)
    if not text.isascii():
        text = _GUTTER.sub(" ", text)
    if "<" in text:
        text = _HTML_TAGS.sub("\n", text)
    return text


_CODE_SPAN = re.compile(r"(?<!`)`([^`\n]{12,300})`(?!`)")


def lift_code_spans(text: str) -> str:
    """People quote the verbatim error in an inline code span inside a sentence ("the message says
    `Could not create temporary directory: Permission denied`"); give each span its own line so
    the line rules see it without the sentence around it."""
    if "`" not in text:
        return text
    spans = _CODE_SPAN.findall(text)
    return text + ("\n\n" + "\n".join(spans) if spans else "")


_QUOTED_ERROR = re.compile(r"(?i)\b(?:error|exception)(?: message)?\s*:?\s*[\"“]([^\"”\n]{12,200})[\"”]")


def lift_quoted_errors(text: str) -> str:
    """Prose names an error by quoting it ('shows error "Claude Code on Windows requires git-bash"',
    'the error message "…"'): the quoted text is the error's message, printed without its prefix, so
    it gets its own ``Error:`` line (or its own line, when it already carries a type)."""
    if '"' not in text and "“" not in text:
        return text
    quoted = [q.strip() for q in _QUOTED_ERROR.findall(text)]
    lines = [q if re.match(r"[\w.$]*(?:Error|Exception)\b|Error:", q) else "Error: " + q for q in quoted]
    return text + ("\n\n" + "\n".join(lines) if lines else "")


_CI_TIMESTAMP = re.compile(r"(?m)^[ \t]*\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?[ \t]?")


def strip_log_timestamps(text: str) -> str:
    """CI logs (GitHub Actions, Azure Pipelines) prefix every line with an ISO timestamp; it hides
    the line syntax (``panic:``, frame lines) from the rules, and carries no identity."""
    return _CI_TIMESTAMP.sub("", text) if "T" in text else text


_GOROUTINE_HEADER = re.compile(r"^\s*goroutine \d+ \[")
_NOT_A_PANIC_MESSAGE = re.compile(r"^\s*(?:panic: |fatal error: |\[signal |goroutine |created by |\S+\.go:\d+)|\)\s*$")


def label_bare_go_panics(text: str) -> str:
    """Go prints ``panic: <message>`` before the first goroutine dump, but crash handlers (terraform's
    ``PanicHandler``, loggers) print the recovered value bare, straight above ``goroutine 76
    [running]:``. The line directly above a goroutine header that is neither a frame, a file line nor
    a ``[signal …]`` note is that panic's message: mark it as one."""
    if "goroutine " not in text:
        return text
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if not _GOROUTINE_HEADER.match(line):
            continue
        j = i - 1
        while j >= 0 and not lines[j].strip():
            j -= 1
        if j >= 0 and not _NOT_A_PANIC_MESSAGE.search(lines[j]) and len(lines[j]) < 300:
            prev = lines[j].strip().lstrip("`").strip()
            if prev and not prev.startswith(("#", "!")):
                lines[j] = "panic: " + prev
    return "\n".join(lines)


# Android's logcat prefixes every line with its level, tag and pid: ``E/flutter ( 1234): `` (brief format) or
# ``01-25 10:00:00.123  1234  1234 E AndroidRuntime: `` (threadtime). Flutter, React Native and every
# Android app's crashes are pasted this way; the prefix hides the line syntax from the rules.
_LOGCAT_PREFIX = re.compile(r"(?m)^[ \t]*(?:(?:\d{4}-)?\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\s+\d+\s+\d+\s+[VDIWEF] [^:\n]{1,60}?\s*: |"
                            r"[VDIWEF]/[^(\n:]{1,60}\(\s*\d+\): ?)")


def strip_logcat_prefixes(text: str) -> str:
    if "): " not in text and " E " not in text and " F " not in text:
        return text
    return _LOGCAT_PREFIX.sub("", text)


PREPARE_RULES: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("strip-log-timestamps", strip_log_timestamps),
    ("strip-logcat-prefixes", strip_logcat_prefixes),
    ("label-bare-go-panics", label_bare_go_panics),
    ("expand-error-arrays", expand_error_arrays),
    ("unescape-pasted-newlines", unescape_pasted_newlines),
    ("strip-markup", strip_markup),
    ("lift-code-spans", lift_code_spans),
    ("lift-quoted-errors", lift_quoted_errors),
)


def prepare_text(text: str) -> str:
    for _name, rule in PREPARE_RULES:
        text = rule(text)
    return text


# ---------------------------------------------------------------------------------------------
# the scanner
# ---------------------------------------------------------------------------------------------
_INDENTED = re.compile(r"^\s{2,}\S")
_ENDS_SENTENCE = re.compile(r"[.!?:)\]}\"']\s*$")
_DUMP_LINE = re.compile(r"^\s*(?:goroutine \d+ \[|\[signal |note: run with|stack backtrace:)")
_LEADING_SPACE = re.compile(r"^\s")


def _join_soft_wraps(lines: list[str], i: int, first: str) -> tuple[str, int]:
    """An error line the terminal wrapped (an unbalanced JSON body, or a message cut mid-sentence
    before an indented continuation) is re-joined; returns the joined text and lines consumed."""
    text, used = first, 0
    if "{" in text and text.count("{") > text.count("}"):
        while i + used + 1 < len(lines) and used < 6 and text.count("{") > text.count("}"):
            nxt = lines[i + used + 1]
            if not nxt.strip() or match_frame(nxt):
                break
            text = text.rstrip() + " " + nxt.strip()
            used += 1
        return text, used
    # a wrapped message: the next line is indented prose, not a frame, not a new error
    while i + used + 1 < len(lines) and used < 2:
        nxt = lines[i + used + 1]
        if (
            _INDENTED.match(nxt)
            and not match_frame(nxt)
            and not lang_line_role(nxt)
            and not match_message(nxt)
            and not _ENDS_SENTENCE.search(text)
            and len(nxt.strip()) < 160
        ):
            text = text.rstrip() + " " + nxt.strip()
            used += 1
        else:
            break
    return text, used


# One cheap search decides whether a text can hold any record at all: most comments are prose, and
# running every line rule over them is what dominated the cost at 100k issues. It is kept as words
# (case-insensitive phrases) and shapes (regexes) because ``re`` runs a case-insensitive alternation
# of ~30 branches at ~0.3 µs per character: ``_may_hold_error`` looks for the words in the lowered
# text with ``str`` searches instead (same answer for ASCII text) and runs only the shapes as a regex.
_MAY_HOLD_WORDS = (
    "error", "exception", "panic", "fatal", "fail", "fault", "cannot", "can't", "could not", "couldn't", "unable",
    "denied", "not supported", "not allowed", "not permitted", "timed out", "does not exist", "not recognized",
    "not valid", "no such file", "traceback",
)
# crash lines of native code, PHP and Xcode that carry none of the words above (see "other ecosystems")
_MAY_HOLD_WORDS += ("terminate called", "illegal instruction", "illegal hardware instruction", "php warning", "php notice",
                    "php deprecated", "exc_bad_", "undefined reference to", "sanitizer", ".php line ")
# (shape, a lower-case substring it cannot match without)
_MAY_HOLD_SHAPES = (
    (r"\bE[A-Z]{3,}\b", "e"), (r"\bat \S+ \(", "at "), (r"\bat \S+:\d", "at "), (r"\.go:\d", ".go:"),
    (r"\.rs:\d", ".rs:"), (r"\bAPI\b", "api"), (r"[A-Z]\w+Locked\b", "locked"),
)
_MAY_HOLD_ERROR = re.compile("(?i)" + "|".join([*map(re.escape, _MAY_HOLD_WORDS), *(s for s, _ in _MAY_HOLD_SHAPES)]))
_MAY_HOLD_SHAPE_RX = tuple((re.compile("(?i)" + s), needle) for s, needle in _MAY_HOLD_SHAPES)
_MAY_HOLD_COMMON_WORDS = ("error", "fail")
_MAY_HOLD_OTHER_WORDS = tuple(w for w in _MAY_HOLD_WORDS if w not in _MAY_HOLD_COMMON_WORDS)


def _may_hold_error(text: str) -> bool:
    """``_MAY_HOLD_ERROR.search(text)``, answered faster (see above)."""
    if not text.isascii():
        return _MAY_HOLD_ERROR.search(text) is not None
    low = text.lower()
    # the commonest answers first: "error", "fail", then the shapes (the first, case-insensitive, holds
    # for any word of four letters or more that starts with "e": a third of all prose), the rest last
    return (
        any(map(low.__contains__, _MAY_HOLD_COMMON_WORDS))
        or any(needle in low and rx.search(text) is not None for rx, needle in _MAY_HOLD_SHAPE_RX)
        or any(map(low.__contains__, _MAY_HOLD_OTHER_WORDS))
    )


_CAUSE = re.compile(r"^\s*(?:\[cause\]|cause|Caused by):\s*(\S.*)$")


def extract_error_records(text: str, source: str = "body") -> list[ErrorRecord]:
    """Every error record in ``text``, in order; one record per distinct signature.

    A record starts at a message line (``MESSAGE_RULES``) and takes the frame lines that follow
    (JS, Java, .NET, Go, Rust). Frames that come *before* a message (Python tracebacks, Go
    goroutine dumps printed after ``panic:``) are attached by the rules in ``_attach``.
    """
    if not text or not _may_hold_error(text):
        return []
    lines = prepare_text(text).splitlines()
    records: list[ErrorRecord] = []
    seen: set[str] = set()
    pending_frames: list[Frame] = []  # frames with no message yet (Python traceback)
    pending_raw: list[str] = []
    in_traceback = False
    current: dict[str, object] | None = None

    def flush() -> None:
        nonlocal current
        if current is None:
            return
        msg: Message = current["msg"]  # type: ignore[assignment]
        frames: list[Frame] = _promote_library_frames(current["frames"])  # type: ignore[arg-type]
        raw: list[str] = current["raw"]  # type: ignore[assignment]
        runtime = msg.runtime
        if frames and runtime in ("text", "api", "node"):
            runtime = frames[0].runtime if runtime != "api" else "api"
            if msg.runtime == "api":
                runtime = next((f.runtime for f in frames), "api")
        norm = normalize_message(msg.message)
        rec = ErrorRecord(
            raw="\n".join(raw).strip(), runtime=runtime, type=msg.type, message=_WS.sub(" ", msg.message).strip()[:500],
            normalized_message=norm, frames=tuple(frames[:MAX_FRAMES]), source=source,
            wrapped=bool(current.get("wrapped")),
        )
        if _meaningful(rec) and rec.signature not in seen and len(records) < MAX_RECORDS_PER_TEXT:
            seen.add(rec.signature)
            records.append(rec)
        current = None

    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped or stripped.startswith("```"):
            i += 1
            continue
        if stripped.startswith("Traceback (most recent call last)"):
            flush()
            in_traceback, pending_frames, pending_raw = True, [], [line]
            i += 1
            continue
        frame = match_frame(line)
        if frame is not None or (current is None and in_traceback and _INDENTED.match(line)):
            if frame is None:  # source line under a Python frame
                pending_raw.append(line)
            elif (
                frame.runtime == "go" and not frame.function and current is not None
                and current["frames"] and current["frames"][-1].function  # type: ignore[index]
            ):
                current["raw"].append(line)  # type: ignore[attr-defined]  # the file line of a Go frame
            elif current is not None and not in_traceback:
                current["frames"].append(frame)  # type: ignore[attr-defined]
                current["raw"].append(line)  # type: ignore[attr-defined]
            else:
                pending_frames.append(frame)
                pending_raw.append(line)
            i += 1
            continue
        role = ""
        if (
            _GO_FILE_LINE.match(line) or _RUST_AT_LINE.match(line)
            or _DUMP_LINE.match(line) or (role := lang_line_role(line)) == "detail"
        ):
            if current is not None:
                current["raw"].append(line)  # type: ignore[attr-defined]
            i += 1
            continue
        if role == "other-stack":  # the frames below belong to another stack (a sanitizer's free stack)
            flush()
            i += 1
            continue
        cause = _CAUSE.match(line)
        if cause and current is not None:
            # Node prints ``{ cause: Error: connect ECONNREFUSED … }`` / ``[cause]: …`` under a wrapper
            # (``TypeError: fetch failed``): the wrapper is marked, the cause read as its own record
            current["wrapped"] = True
            stripped = cause.group(1).strip()
            if not match_message(stripped) and re.match(r"[A-Z]\w*(?:Error)?\b", stripped):
                stripped = "Error: " + stripped if not stripped.startswith("Error") else stripped
        msg = match_message(stripped)
        if msg is not None:
            joined, used = _join_soft_wraps(lines, i, stripped)
            if used:
                msg = match_message(joined) or msg
            flush()
            frames: list[Frame] = []
            raw = [lines[j] for j in range(i, i + used + 1)]
            if in_traceback and pending_frames:
                # Python prints the innermost frame last; signatures read innermost first
                frames = list(reversed(pending_frames))
                raw = pending_raw + raw
                if msg.runtime == "text":
                    msg = Message(msg.type, msg.message, "python")
            elif pending_frames and msg.runtime == "python":
                frames = list(reversed(pending_frames))  # cleo prints frames above the exception
                raw = pending_raw + raw
            if msg.frame is not None and not frames:
                frames = [msg.frame]
            current = {"msg": msg, "frames": frames, "raw": raw}
            in_traceback, pending_frames, pending_raw = False, [], []
            i += used + 1
            if msg.follow:
                current["msg"], follow_raw, i = read_follow_line(lines, i, msg)
                raw.extend(follow_raw)
            if msg.runtime == "rust" and msg.message.startswith("@ ") and i < len(lines):
                # new-style Rust panics print the message on the line after the location
                nxt = lines[i].strip()
                if nxt and not match_frame(lines[i]) and not match_message(nxt):
                    current["msg"] = Message(msg.type, f"{nxt} {msg.message}", "rust")
                    current["raw"].append(lines[i])  # type: ignore[attr-defined]
                    i += 1
            if msg.runtime == "python" and re.fullmatch(r"\s*\w+\s*", stripped):
                # cleo: the exception name alone, its message on the next non-empty line
                j = i
                while j < len(lines) and not lines[j].strip():
                    j += 1
                if j < len(lines) and not match_frame(lines[j]) and not match_message(lines[j].strip()):
                    current["msg"] = Message(msg.type, lines[j].strip(), "python")
                    current["raw"].append(lines[j])  # type: ignore[attr-defined]
                    i = j + 1
            continue
        if current is not None and current["frames"] and not _LEADING_SPACE.match(line):
            flush()
        elif current is not None and not current["frames"] and not _LEADING_SPACE.match(line):
            flush()
        if not in_traceback:
            pending_frames, pending_raw = [], []
        i += 1
    flush()
    return records


def _meaningful(rec: ErrorRecord) -> bool:
    """A record must say something: a bare ``Error`` with a two-word message is prose, not a log."""
    words = re.findall(r"[a-z]{2,}", rec.normalized_message)
    if rec.type in ("Error", "daemon error") and len(words) < 2 and not rec.frames:
        return False
    return bool(words) or bool(rec.frames) or rec.type not in ("Error",)


def issue_signatures(title: str, body: str, comments: Sequence[str] = ()) -> IssueSignatures:
    """The records of one issue: body first, then each comment; the title's error line apart
    (titles are short and often paraphrase the error, so they count as weaker evidence)."""
    records: list[ErrorRecord] = []
    seen: set[str] = set()
    for source, text in [("body", body), *((f"comment:{n}", c) for n, c in enumerate(comments, 1))]:
        for rec in extract_error_records(text or "", source):
            if rec.signature not in seen:
                seen.add(rec.signature)
                records.append(rec)
    title_recs = extract_error_records(_strip_title_tags(title or ""), "title")
    return IssueSignatures(records=tuple(records), title=title_recs[0] if title_recs else None)


def _strip_title_tags(title: str) -> str:
    return re.sub(r"^\s*(?:\[[^\]]{1,20}\]\s*)+", "", title)


__all__ = [
    "ErrorRecord", "Frame", "IssueSignatures", "RULES_VERSION", "error_kind", "extract_error_records", "is_symptom_key",
    "issue_signatures", "match_frame", "match_message", "message_alt_details", "message_alt_keys", "normalize_message",
    "prepare_text",
]

_ = field  # dataclass field kept importable for subclasses
