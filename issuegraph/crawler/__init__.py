"""The crawler: the only package that talks to GitHub. It yields models for the store."""
