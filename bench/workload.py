#!/usr/bin/env python3
"""The pipeline workload (real text): whole `garblecheck` processes on one core against
scikit-learn's character featuriser on the same text, in the same run.

    python bench/workload.py [--docs 2400] [--jobs 1 2] [--model DIR]

Two workloads of the first ``--docs`` White House statements of ``../shared/corpora/clean-news``:
``garblecheck filter`` of them as JSONL records, and ``garblecheck score`` of their text joined
into one file. Each runs as its own process pinned to core 0 (``taskset -c 0`` where there is
one), timed from start to exit, cold start included. The baseline is
``HashingVectorizer(analyzer="char", ngram_range=(1, 5)).transform`` of the same documents, in a
process pinned the same way. Prints MB/s and the ratio to the baseline for each workload, and the
records per second of ``filter --jobs N`` for every N of ``--jobs`` (unpinned: N cores).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GARBLECHECK_SHARED", ROOT.parent / "shared"))
SOURCE = SHARED / "corpora" / "clean-news" / "us-whitehouse-statements-2021-2026.jsonl"

BASELINE = """
import json, sys, time
from sklearn.feature_extraction.text import HashingVectorizer
docs = [json.loads(l)["text"] for l in open(sys.argv[1], encoding="utf-8")]
v = HashingVectorizer(analyzer="char", ngram_range=(1, 5))
t = time.perf_counter(); v.transform(docs); print(time.perf_counter() - t)
"""


def white_house(n: int) -> list:
    """The first ``n`` White House statements of clean-news (real text)."""
    texts = []
    with open(SOURCE, encoding="utf-8") as fh:
        for line in fh:
            texts.append(json.loads(line)["text"])
            if len(texts) >= n:
                break
    return texts


def pinned(cmd: list) -> list:
    return (["taskset", "-c", "0"] if shutil.which("taskset") else []) + cmd


def timed(cmd: list) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=2400)
    ap.add_argument("--jobs", type=int, nargs="*", default=[1, 2])
    ap.add_argument("--model", default=None)
    ap.add_argument("--repeat", type=int, default=2, help="best of this many runs")
    args = ap.parse_args()
    if not SOURCE.exists():
        sys.exit(f"bench/pipeline.py: {SOURCE} not found (set GARBLECHECK_SHARED)")
    gc = [sys.executable, "-m", "garblecheck"]
    model = ["--model", args.model] if args.model else []
    with tempfile.TemporaryDirectory() as tmp:
        records, joined = Path(tmp) / "records.jsonl", Path(tmp) / "joined.txt"
        texts = white_house(args.docs)
        records.write_text("".join(json.dumps({"id": k, "text": t}) + "\n" for k, t in enumerate(texts)), encoding="utf-8")
        joined.write_text("\n\n".join(texts) + "\n", encoding="utf-8")
        mb = joined.stat().st_size / 1e6
        base = min(float(subprocess.run(pinned([sys.executable, "-c", BASELINE, str(records)]), check=True,
                                        capture_output=True, text=True).stdout) for _ in range(args.repeat))
        print(f"{len(texts)} documents, {mb:.2f} MB (real text); one core; best of {args.repeat}")
        print(f"  sklearn HashingVectorizer char 1-5 transform     {mb / base:7.2f} MB/s")
        out = [Path(tmp) / "a.jsonl", Path(tmp) / "r.jsonl"]
        work = {
            "filter (JSONL records)": pinned(gc + ["filter", str(records), "--accepted", str(out[0]), "--rejected", str(out[1])] + model),
            "score (one joined file)": pinned(gc + ["score", str(joined), "--format", "jsonl"] + model),
        }
        for name, cmd in work.items():
            t = min(timed(cmd) for _ in range(args.repeat))
            print(f"  garblecheck {name:<34} {mb / t:7.2f} MB/s  {mb / t / (mb / base):5.2f}x sklearn  ({t:.2f} s, whole process)")
        for j in args.jobs:
            cmd = gc + ["filter", str(records), "--accepted", str(out[0]), "--rejected", str(out[1]), "--jobs", str(j)] + model
            t = min(timed(cmd) for _ in range(args.repeat))
            print(f"  filter --jobs {j}: {len(texts) / t:7.1f} records/s ({t:.2f} s, {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
