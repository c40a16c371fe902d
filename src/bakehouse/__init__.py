"""Bakehouse: the pipeline library and command line. It never imports Django."""

from __future__ import annotations

__version__ = "0.1.0"
