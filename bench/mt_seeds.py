#!/usr/bin/env python3
"""``mt_score`` of the seed documents under one or more models: do the machine-translated seeds
(001, 003) outrank the human ones (000, 002) under each?

    python bench/mt_seeds.py [MODEL_DIR ...]    (default: the shipped model; seeds from ../shared/seeds)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import garblecheck

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GARBLECHECK_SHARED", ROOT.parent / "shared"))


def main() -> None:
    seeds = {p.name[:3]: p.read_text(encoding="utf-8") for p in sorted((SHARED / "seeds").glob("00[0-3]_*.txt"))}
    if len(seeds) < 4:
        sys.exit(f"seeds 000-003 not found under {SHARED / 'seeds'}")
    for model in sys.argv[1:] or ["default"]:
        det = garblecheck.Detector(model=model)
        mt = {k: det.check(v).mt_score or 0.0 for k, v in seeds.items()}
        ok = min(mt["001"], mt["003"]) > max(mt["000"], mt["002"])
        print(f"{model}: " + ", ".join(f"{k} {v:.4f}" for k, v in mt.items())
              + f"; 001 and 003 above 000 and 002: {'yes' if ok else 'NO'}")


if __name__ == "__main__":
    main()
