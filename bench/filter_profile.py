#!/usr/bin/env python3
"""Where `filter` spends its time: a cProfile of the pre-ingest hook's line path
(``PreIngestFilter.filter_lines``, batches of 64 records, as ``garblecheck filter`` runs it) over the
first ``--docs`` White House statements of clean-news (real text), model loaded before the clock.

    python bench/filter_profile.py [--docs 2400] [--top 30] [--model DIR]

Prints the wall time and the functions with the most cumulative time, and the time of each stage
of the engine (``garblecheck.detector``) apart.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from workload import SOURCE, white_house  # noqa: E402

STAGES = [("sentences and word pass", "batch.py", "__init__"), ("lexicon", "stages.py", "read_lexicon"),
          ("stage 1", "stages.py", "read_stage1"), ("stage 2", "stages.py", "read_stage2"),
          ("verdict", "reports.py", "score_pages"), ("decoder", "restorer.py", "channel_flags"),
          ("reports", "reports.py", "report_page")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=2400)
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--model", default=None)
    args = ap.parse_args()
    if not SOURCE.exists():
        sys.exit(f"bench/filter_profile.py: {SOURCE} not found (set GARBLECHECK_SHARED)")
    from garblecheck.hook import PreIngestFilter

    texts = white_house(args.docs)
    lines = [(k, (json.dumps({"id": k, "text": t}) + "\n").encode("utf-8")) for k, t in enumerate(texts)]
    hook = PreIngestFilter(**({"model": args.model} if args.model else {}))
    hook.detector  # noqa: B018 - load the model before the clock
    prof = cProfile.Profile()
    t = time.perf_counter()
    prof.enable()
    for i in range(0, len(lines), 64):
        hook.filter_lines(lines[i : i + 64])
    prof.disable()
    wall = time.perf_counter() - t
    mb = sum(len(x.encode("utf-8")) for x in texts) / 1e6
    print(f"{len(texts)} records, {mb:.2f} MB (real text): {wall:.2f} s under the profiler")
    stats = pstats.Stats(prof)
    engine = [(f, line, n, v) for (f, line, n), v in stats.stats.items() if "garblecheck/detector" in f]  # type: ignore[attr-defined]
    print("engine stages (cumulative s):")
    for label, module, name in STAGES:
        cum = max((v[3] for f, _, n, v in engine if n == name and f.endswith(module)), default=0.0)  # Batch.__init__ > Page's
        print(f"  {label:24s} {cum:7.2f}")
    stats.sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
