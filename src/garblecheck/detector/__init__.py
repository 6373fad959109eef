"""The engine: :class:`Detector` and the stages it orders over a batch of texts."""

from .batch import MT_MIN_WORDS
from .engine import Detector

__all__ = ["Detector", "MT_MIN_WORDS"]
