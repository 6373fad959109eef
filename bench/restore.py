#!/usr/bin/env python3
"""Restoration throughput, and what it changes on clean news.

    python bench/restore.py [--mb 4]

Prints `Detector.restore` one page at a time, `check_many(..., decode=True)` on all pages at once
(the filter's path), one long page, and the changes `restore` makes per 10,000 words of the clean
wikinews-2019-2020 articles (which should be almost none).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from speed import SHARED, corpus  # noqa: E402

from garblecheck import Detector  # noqa: E402
from garblecheck.decoding.changes import plan_changes  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=4.0)
    args = ap.parse_args()
    docs = corpus(args.mb)
    mb = sum(len(d.encode("utf-8")) for d in docs) / 1e6
    det = Detector()
    det.check_many(docs[:200], decode=True)  # load the model and channel, warm the option cache
    t = time.perf_counter()
    for d in docs:
        det.restore(d)
    print(f"restore, one page at a time: {mb / (time.perf_counter() - t):.2f} MB/s ({len(docs)} pages, {mb:.1f} MB)")
    t = time.perf_counter()
    reports = det.check_many(docs, decode=True)
    for d, r in zip(docs, reports):
        plan_changes(d, r.flags, det.restore_min_confidence)
    print(f"restore, all pages in one batch: {mb / (time.perf_counter() - t):.2f} MB/s")
    page = "\n\n".join(docs)
    t = time.perf_counter()
    det.restore(page)
    print(f"restore, one page of {mb:.1f} MB: {mb / (time.perf_counter() - t):.2f} MB/s")
    path = SHARED / "corpora" / "clean-news" / "wikinews-2019-2020.jsonl"
    if path.exists():
        texts = [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
        reports = det.check_many(texts, decode=True)
        words = sum(r.n_words for r in reports)
        changes = sum(len(plan_changes(t, r.flags, det.restore_min_confidence)) for t, r in zip(texts, reports))
        print(f"clean wikinews-2019-2020: {changes} changes in {words} words = {1e4 * changes / words:.2f} per 10,000")


if __name__ == "__main__":
    main()
