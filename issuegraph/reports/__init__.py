"""Markdown archive reports: deterministic renderings of clusters and the graph."""
