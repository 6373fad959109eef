"""First pages of clean documents and of translations, by split, for the experiments and tools that
fit or measure a piece of the mt verdict outside ``train`` (``bench/mt_stacker.py``,
``tools/fit_roundtrip.py``).

Calibration (``split_of == 1``): only trainable records, never the reserved split of a file whose
records carry one (``in_reserved_split``). Test: the reserved split and the test split (``split_of == 0``).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from .corpora import in_reserved_split, pages, trainable
from .train import SPLIT_CALIB, SPLIT_TEST, read_corpus, read_translations, split_of

__all__ = ["clean_pages", "translated_pages"]


def clean_pages(files: Iterable[Path], seed: int, split: int, per_group: int, reserved_files: Iterable[Path] = ()) -> Dict[str, List[str]]:
    """Domain -> first pages of the clean documents of ``split`` (``SPLIT_CALIB`` or ``SPLIT_TEST``),
    at most ``per_group`` a domain (calibration) or a file (test). ``reserved_files`` hold a
    reserved split: it is test, never calibration."""
    if split not in (SPLIT_CALIB, SPLIT_TEST):
        raise ValueError(f"split must be {SPLIT_CALIB} or {SPLIT_TEST}")
    reserved = {Path(p).resolve() for p in reserved_files}
    out: Dict[str, List[str]] = defaultdict(list)
    for p in files:
        docs, _ = read_corpus([str(p)])
        has_reserved = Path(p).resolve() in reserved
        taken = 0
        for d in docs:
            held = has_reserved and in_reserved_split(d.id.split(":", 1)[1])
            if split == SPLIT_TEST:
                keep = (held or (not has_reserved and split_of(d.id, seed) == SPLIT_TEST)) and taken < per_group
            else:
                keep = not held and trainable(d.license) and split_of(d.id, seed) == SPLIT_CALIB and len(out[d.domain]) < per_group
            if keep:
                taken += 1
                out[d.domain].append(pages(d.text)[0])
    return dict(out)


def translated_pages(path: Path, seed: int, split: Optional[int], limit: int) -> List[str]:
    """First pages of the translations of ``split`` in one translation file (by their originals'
    split; ``split`` None: all of them), at most ``limit``."""
    ts, _ = read_translations([str(path)])
    return [pages(t.text)[0] for t in ts if split is None or split_of(t.key, seed) == split][:limit]
