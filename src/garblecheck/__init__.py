"""garblecheck: find text mangled by article spinners or machine translation, and restore it.

>>> import garblecheck
>>> garblecheck.check("Tons of Pakistanis have died.").verdict
'garbled'
>>> garblecheck.restore("Tons of Pakistanis have died.")
'Hundreds of Pakistanis have died.'
"""

from __future__ import annotations

from functools import lru_cache
from typing import List, Tuple

from .detector import Detector
from .verdict.report import DEFAULT_THRESHOLD, Flag, Report, SentenceScore
from .decoding.changes import Change, apply_changes

__version__ = "0.1.0"
__all__ = [
    "Detector",
    "Report",
    "Flag",
    "SentenceScore",
    "Change",
    "check",
    "restore",
    "restore_and_explain",
    "apply_changes",
    "default_detector",
    "DEFAULT_THRESHOLD",
    "__version__",
]


@lru_cache(maxsize=1)
def default_detector() -> Detector:
    """The shared detector with the shipped defaults, loaded on first use."""
    return Detector()


def check(text: str) -> Report:
    """Check ``text`` with the default detector."""
    return default_detector().check(text)


def restore(text: str) -> str:
    """Restore ``text`` with the default detector."""
    return default_detector().restore(text)


def restore_and_explain(text: str) -> Tuple[str, List[Change]]:
    """The restored text and the changes that explain it; ``apply_changes(text, changes)`` replays them."""
    return default_detector().restore_and_explain(text)
