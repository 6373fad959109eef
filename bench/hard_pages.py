#!/usr/bin/env python3
"""Decoded reports of 700 harder pages, one JSON line each, to compare two versions of the engine.

    python bench/hard_pages.py OUT.jsonl     # run under each version, then: cmp A.jsonl B.jsonl

The first 400 clean-news documents (``../shared/corpora/clean-news``, or the shipped examples)
spun by the held-out thesaurus spinner at 0.2 (simulated, seed 1); 200 of those with every third
sentence in capitals; 100 with their first 50 spaces made non-breaking. ``bench/identical.py``
covers ordinary pages; these stress the all-capitals and white-space paths.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from speed import corpus  # noqa: E402

import garblecheck  # noqa: E402
from garblecheck.learn.synth import Spinner, Thesaurus  # noqa: E402
from garblecheck.text.words import sentence_spans  # noqa: E402


def shouted(text: str, every: int) -> str:
    """``text`` with every ``every``-th sentence in capitals."""
    out, last = [], 0
    for i, s in enumerate(sentence_spans(text)):
        piece = text[s.start : s.end]
        out += [text[last : s.start], piece.upper() if i % every == 0 else piece]
        last = s.end
    return "".join(out) + text[last:]


def main() -> None:
    docs = corpus(2)[:400]
    spinner, rng = Spinner(Thesaurus.load(), "heldout", 0), random.Random(1)
    spun = [spinner.spin(t, 0.2, rng).text for t in docs]
    texts = spun + [shouted(t, 3) for t in spun[:200]] + [t.replace(" ", "\u00a0", 50) for t in spun[:100]]
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        for r in garblecheck.Detector().check_many(texts, decode=True):
            f.write(json.dumps(r.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
