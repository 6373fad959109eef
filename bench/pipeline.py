#!/usr/bin/env python3
"""Throughput and memory of the pipeline front ends, each as a real `garblecheck` process.

    python bench/pipeline.py filter [--mb 20]        # docs/s and MB/s at --jobs 1 and 2, outputs compared
    python bench/pipeline.py stream [--gb 1]         # peak RSS while filtering a large JSONL stream
    python bench/pipeline.py files  [--files 10000]  # `score` over a folder of that many files, --jobs 1 and 2

Texts come from ../shared/corpora/clean-news when present (see bench/speed.py); every third
document gets a few spun phrases so both outputs see traffic. Peak RSS is the largest resident
set of the command and its worker processes (sampled from /proc every 50 ms).
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from speed import corpus  # noqa: E402

SPIN = (("security forces", "safety forces"), ("last month", "final month"), ("officials said", "officers stated"))


def documents(mb: float) -> list:
    out = []
    for i, t in enumerate(corpus(mb)):
        if i % 3 == 0:
            for a, b in SPIN:
                t = t.replace(a, b)
        out.append(t)
    return out


def write_jsonl(path: Path, docs: list, target_bytes: float) -> int:
    n = size = 0
    with open(path, "w", encoding="utf-8") as fh:
        while size < target_bytes:
            for d in docs:
                line = json.dumps({"id": n, "text": d}, ensure_ascii=False) + "\n"
                fh.write(line)
                n += 1
                size += len(line.encode())
                if size >= target_bytes:
                    break
    return n


def _tree_rss_kb(pid: int) -> int:
    """Resident set of ``pid`` and its descendants, in kB."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                total += next(int(x.split()[1]) for x in fh if x.startswith("VmRSS:"))
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo += [int(c) for c in fh.read().split()]
        except (OSError, StopIteration):
            continue
    return total


def run(cmd: list) -> tuple:
    """(seconds, peak RSS of the process tree in MB, return code)."""
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0]

    def watch() -> None:
        while p.poll() is None:
            peak[0] = max(peak[0], _tree_rss_kb(p.pid))
            time.sleep(0.05)

    w = threading.Thread(target=watch)
    w.start()
    _, err = p.communicate()
    w.join()
    if p.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed: {err.decode()[-500:]}")
    return time.perf_counter() - t, peak[0] / 1024, p.returncode


def exe() -> list:
    found = Path(sys.executable).with_name("garblecheck")
    return [str(found)] if found.exists() else [sys.executable, "-m", "garblecheck"]


def bench_filter(mb: float) -> None:
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "in.jsonl"
        n = write_jsonl(src, documents(mb), mb * 1e6)
        size = src.stat().st_size / 1e6
        times = {}
        for jobs in (1, 2):
            best = min(run(exe() + ["filter", str(src), "--accepted", f"{d}/a{jobs}", "--rejected", f"{d}/r{jobs}",
                                    "--jobs", str(jobs)])[0] for _ in range(2))
            times[jobs] = best
            print(f"filter --jobs {jobs}: {n / best:,.0f} docs/s, {size / best:.2f} MB/s "
                  f"({n} documents, {size:.1f} MB, best of 2: {best:.2f} s)")
        same = filecmp.cmp(f"{d}/a1", f"{d}/a2", shallow=False) and filecmp.cmp(f"{d}/r1", f"{d}/r2", shallow=False)
        print(f"--jobs 2 / --jobs 1 throughput: {times[1] / times[2]:.2f}x; outputs byte-identical: {same}")


def bench_stream(gb: float) -> None:
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "big.jsonl"
        n = write_jsonl(src, documents(20), gb * 1e9)
        size = src.stat().st_size / 1e6
        for jobs in (1, 2):
            secs, peak, _ = run(exe() + ["filter", str(src), "--accepted", f"{d}/a", "--rejected", f"{d}/r",
                                         "--jobs", str(jobs)])
            print(f"filter --jobs {jobs} over {size:,.0f} MB ({n:,} documents): {secs:.0f} s, {size / secs:.2f} MB/s, "
                  f"peak RSS {peak:.0f} MB (all processes)")


def bench_files(count: int) -> None:
    docs = documents(40)
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d) / "docs"
        size = 0
        for i in range(count):
            sub = folder / f"{i // 1000:02d}"
            sub.mkdir(parents=True, exist_ok=True)
            text = docs[i % len(docs)]
            (sub / f"{i:05d}.txt").write_text(text, encoding="utf-8")
            size += len(text.encode())
        size /= 1e6
        for jobs in (1, 2):
            secs, peak, _ = run(exe() + ["score", "--quiet", "--jobs", str(jobs), str(folder)])
            print(f"score --jobs {jobs} over {count:,} files ({size:.1f} MB): {secs:.1f} s, {count / secs:,.0f} files/s, "
                  f"{size / secs:.2f} MB/s, peak RSS {peak:.0f} MB (all processes)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["filter", "stream", "files"])
    ap.add_argument("--mb", type=float, default=20.0)
    ap.add_argument("--gb", type=float, default=1.0)
    ap.add_argument("--files", type=int, default=10000)
    a = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    {"filter": lambda: bench_filter(a.mb), "stream": lambda: bench_stream(a.gb), "files": lambda: bench_files(a.files)}[a.what]()


if __name__ == "__main__":
    main()
