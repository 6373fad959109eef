"""Where the shipped data lives: inside the installed package, or beside ``src/`` in a checkout."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent.parent  # the garblecheck package


def data_path(*parts: str) -> Path:
    """Path of shipped data such as ``data_path("corpora", "lexicon")`` or ``data_path("trained")``."""
    installed = _PKG.joinpath(*parts)
    if installed.exists():
        return installed
    return _PKG.parent.parent.joinpath(*parts)
