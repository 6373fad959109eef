#!/usr/bin/env python3
"""Peak memory of `garblecheck score` on hostile inputs of 10 MB, and on a larger file.

Inputs (written to a temporary folder): 10 MB of news paragraphs; the same news as one line;
one word repeated on one line (twice: "buffalo " and "word "); common words in random order with no punctuation at all; the news
restored (`restore` runs the restorer's decoder over every word); and 30 MB of news (over the
default --max-bytes, so it is scored in bounded chunks). Each runs in a fresh process; its peak resident memory is read
from the kernel (ru_maxrss of the child).

    python bench/memory.py [--limit-mb 500]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from speed import corpus  # noqa: E402

MB = 1_000_000


def _peak_mb(cmd: list) -> tuple:
    """Run ``cmd`` in a child of a fresh helper process, so ru_maxrss is that command's alone."""
    probe = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
             "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]) / 1024, float(out[1])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit-mb", type=float, default=500.0)
    args = ap.parse_args()
    exe = Path(sys.executable).with_name("garblecheck")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "garblecheck"]
    news = "\n\n".join(corpus(10))[: 10 * MB]
    rng = random.Random(0)
    common = ["the", "market", "said", "officials", "growth", "security", "forces", "month", "of", "in"]
    inputs = {
        "news paragraphs (10 MB)": ("score", news),
        "news on one line (10 MB)": ("score", news.replace("\n", " ")),
        "one word repeated (10 MB)": ("score", "buffalo " * (10 * MB // 8)),
        "'word ' repeated (10 MB)": ("score", "word " * (10 * MB // 5)),
        "no punctuation (10 MB)": ("score", " ".join(rng.choice(common) for _ in range(10 * MB // 5))[: 10 * MB]),
        "news restored (10 MB)": ("restore", news),
        "news (30 MB, scored in chunks)": ("score", "\n\n".join(corpus(30))[: 30 * MB]),
    }
    worst = 0.0
    with tempfile.TemporaryDirectory() as d:
        for name, (command, text) in inputs.items():
            f = Path(d) / "input.txt"
            f.write_text(text, encoding="utf-8")
            peak, secs = _peak_mb(cmd + [command, *(["--quiet"] if command == "score" else []), str(f)])
            worst = max(worst, peak)
            print(f"{name:32s} {f.stat().st_size / MB:5.1f} MB: peak {peak:6.0f} MB, {secs:5.1f} s")
    print(f"worst peak {worst:.0f} MB; limit {args.limit_mb:.0f} MB: {'within' if worst <= args.limit_mb else 'OVER'}")
    return 0 if worst <= args.limit_mb else 1


if __name__ == "__main__":
    sys.exit(main())
