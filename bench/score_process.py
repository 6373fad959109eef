#!/usr/bin/env python3
"""Throughput of the whole `garblecheck score` process on one file of about 8 MB of news.

    python bench/score_process.py [--mb 8] [-- extra score options]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from speed import corpus  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=8.0)
    args, extra = ap.parse_known_args()
    text = "\n\n".join(corpus(args.mb))
    exe = Path(sys.executable).with_name("garblecheck")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "garblecheck"]
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "news.txt"
        f.write_text(text, encoding="utf-8")
        mb = f.stat().st_size / 1e6
        runs = []
        for _ in range(5):
            t = time.perf_counter()
            p = subprocess.run(cmd + ["score", "--quiet", *extra, str(f)], capture_output=True, text=True)
            runs.append(time.perf_counter() - t)
        print(p.stdout.strip().splitlines()[-1] if p.stdout.strip() else p.stderr.strip())
        print(f"garblecheck score on {mb:.1f} MB: best {mb / min(runs):.1f} MB/s ({min(runs):.2f} s, 5 runs)")


if __name__ == "__main__":
    main()
