#!/usr/bin/env python3
"""The review page for 1,000 news documents: seconds to render beyond scoring, and its size.

    python bench/report.py [--docs 1000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from speed import corpus  # noqa: E402

import garblecheck  # noqa: E402
from garblecheck.review import render  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=1000)
    args = ap.parse_args()
    texts = []
    for t in corpus(16.0):
        texts.append(t)
        if len(texts) == args.docs:
            break
    det = garblecheck.default_detector()
    t0 = time.perf_counter()
    reports = det.check_many(texts)
    scored = time.perf_counter() - t0
    docs = [(f"doc{k:05d}.txt", t, {"path": f"doc{k:05d}.txt", **r.to_dict()}) for k, (t, r) in enumerate(zip(texts, reports))]
    t0 = time.perf_counter()
    page = render(docs, det.mt_threshold_).encode("utf-8")
    took = time.perf_counter() - t0
    words = sum(r.n_words for r in reports)
    flags = sum(len(r.flags) for r in reports)
    print(f"{len(docs)} documents ({words} words, {flags} flags): scoring {scored:.2f} s, "
          f"page {took:.2f} s beyond scoring, {len(page) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
