"""Offline translation pipeline for German press releases."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("release-pipeline")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
