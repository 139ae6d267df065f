"""issuegraph: a GitHub issue tracker as a graph.

Stages, each a subpackage or module that hands the next plain data:
crawler (GitHub → raw dicts → models) → store (SQLite) → graph (networkx) → clusters → reports (Markdown).
"""

__version__ = "0.1.0"
