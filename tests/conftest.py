"""Shared fixtures. Tests that read ``../shared`` skip cleanly when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import garblecheck

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GARBLECHECK_SHARED", ROOT.parent / "shared"))


def shared_file(*parts: str) -> Path:
    """A file under ../shared, or skip the test."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} not present")
    return p


def seed(prefix: str) -> str:
    d = SHARED / "seeds"
    files = sorted(d.glob(f"{prefix}_*.txt")) if d.exists() else []
    if not files:
        pytest.skip(f"seed {prefix} not present under {d}")
    return files[0].read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def det() -> garblecheck.Detector:
    return garblecheck.default_detector()
