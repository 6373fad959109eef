"""How a page's round-trip change (``evidence.roundtrip``) moves its mt score, for pages in the
uncertain band (``Detector(mt_roundtrip=True)``, ``--mt-roundtrip``).

    mt_score' = sigmoid(logit(mt_score) + weight * max(0, center - change))   band <= mt_score < mt threshold

The rule only raises a score: a page that changes little when translated again is more likely a
machine's; one that changes much tells nothing (Apertium's output changes more than clean text).
``tools/fit_roundtrip.py`` fits it on a model's calibration pages and writes it into the model's
manifest (``mt_roundtrip``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Dict

__all__ = ["RoundTripRule"]


@dataclass(frozen=True)
class RoundTripRule:
    band: float  # mt score from which a page is translated again
    weight: float  # log-odds added per unit of change below center
    center: float

    def __post_init__(self) -> None:
        if not (0.0 <= self.band < 1.0 and 0.0 <= self.weight <= 1000.0 and 0.0 <= self.center <= 1.0):
            raise ValueError(f"round-trip rule out of range: {self}")

    def applies(self, mt_score: float, mt_threshold: float) -> bool:
        return self.band <= mt_score < mt_threshold

    def apply(self, mt_score: float, change: float) -> float:
        """The mt score moved by the page's change (as it was for a NaN change: no sentence to read)."""
        if math.isnan(change) or self.weight == 0.0:
            return mt_score
        p = min(max(mt_score, 1e-12), 1.0 - 1e-12)
        z = math.log(p / (1.0 - p)) + self.weight * max(0.0, self.center - change)
        return 1.0 / (1.0 + math.exp(-z))

    def to_json(self) -> Dict[str, float]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: Any) -> "RoundTripRule":
        """From a manifest's ``mt_roundtrip`` (``ValueError`` when malformed)."""
        if not isinstance(d, dict) or set(d) != {"band", "weight", "center"}:
            raise ValueError("mt_roundtrip must name band, weight and center")
        return cls(float(d["band"]), float(d["weight"]), float(d["center"]))
