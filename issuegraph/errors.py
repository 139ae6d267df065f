"""Our exception tree. Library code raises these; only ``cli.py`` turns them into one-line
messages and exit codes, so a user never sees a traceback for something they can fix.

    IssueGraphError                 base; ``str(e)`` is the one line a user reads
    ├── UsageError                  bad input from the user (malformed OWNER/REPO, bad URL, bad option)
    ├── GitHubError                 GitHub (or an Enterprise host / ghsim) said no
    │   ├── NotFoundError           404: unknown or private repository or issue
    │   ├── GoneError               410: deleted issue
    │   ├── AuthError               401: bad or expired token
    │   ├── RateLimitError          budget exhausted and waiting longer than --max-wait
    │   └── NetworkError            no answer: DNS, refused, timeout, connection dropped
    ├── StoreError                  the SQLite store cannot be used
    │   ├── StoreLockedError        another process holds the write lock
    │   ├── StoreCorruptError       not a database, or a damaged one
    │   └── DiskFullError           the disk filled up mid-write
    └── ReportError                 the output folder cannot be written

Every message says what happened and what to do next; none ever contains a token.
"""

from __future__ import annotations


class IssueGraphError(Exception):
    """Base class. ``exit_code`` is what ``cli.py`` exits with."""

    exit_code = 1


class UsageError(IssueGraphError):
    exit_code = 2


class GitHubError(IssueGraphError):
    exit_code = 3


class NotFoundError(GitHubError):
    pass


class GoneError(GitHubError):
    pass


class AuthError(GitHubError):
    exit_code = 4


class RateLimitError(GitHubError):
    """Raised when the rate limit is exhausted and the reset is further away than ``--max-wait``.

    The crawl state is saved before this is raised, so rerunning later resumes where it stopped.
    """

    exit_code = 75  # EX_TEMPFAIL: try again later

    def __init__(self, message: str, reset_at: float | None = None) -> None:
        super().__init__(message)
        self.reset_at = reset_at


class NetworkError(GitHubError):
    exit_code = 69  # EX_UNAVAILABLE


class StoreError(IssueGraphError):
    exit_code = 5


class StoreLockedError(StoreError):
    pass


class StoreCorruptError(StoreError):
    pass


class DiskFullError(StoreError):
    pass


class ReportError(IssueGraphError):
    exit_code = 6
