#!/usr/bin/env python3
"""Speed and memory of the scoring paths, measured in one run on the same texts.

    python bench/speed.py [--mb 8] [--model DIR]

Prints (a) the matrix-free n-gram fast path in MB/s on one core, (b) the whole Detector.check,
(c) scikit-learn's HashingVectorizer(analyzer="char", ngram_range=(1, 5)) with the same linear
model, the speed-up of (a) over (c), the peak RSS, and the cold start of `garblecheck score` on a
one-line file, then the pipeline workload of ``bench/workload.py`` (``--no-workload`` skips it). Texts come from ../shared/corpora/clean-news when present, otherwise from the
shipped examples repeated.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import garblecheck  # noqa: E402
from garblecheck.verdict.model import SpinModel  # noqa: E402
from garblecheck.text.words import sentence_spans  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GARBLECHECK_SHARED", ROOT.parent / "shared"))


def corpus(mb: float) -> list:
    texts, size = [], 0
    files = sorted((SHARED / "corpora" / "clean-news").glob("*.jsonl"))
    if files:
        for f in files:
            for line in open(f, encoding="utf-8"):
                t = json.loads(line)["text"]
                texts.append(t)
                size += len(t.encode())
                if size >= mb * 1e6:
                    return texts
    base = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpora" / "examples").glob("*.txt"))]
    while size < mb * 1e6:
        texts.extend(base)
        size += sum(len(t.encode()) for t in base)
    return texts


def model(path: str | None) -> SpinModel:
    """The given model folder, else the shipped one."""
    from garblecheck.verdict.model import default_model_dir

    return SpinModel.load(path or default_model_dir())


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=8.0)
    ap.add_argument("--baseline-mb", type=float, default=1.0, help="text for the slow sklearn baseline")
    ap.add_argument("--model", default=None)
    ap.add_argument("--no-workload", action="store_true", help="skip the pipeline workload (bench/workload.py)")
    args = ap.parse_args()

    docs = corpus(args.mb)
    mb = sum(len(t.encode()) for t in docs) / 1e6
    sentences = [t[s.start : s.end] for t in docs for s in sentence_spans(t)]
    smb = sum(len(s.encode()) for s in sentences) / 1e6
    m = model(args.model)
    det = garblecheck.Detector(model=m)

    ta = best_of(lambda: m.sentence_logits(sentences))
    print(f"(a) fast path n-gram scoring: {smb / ta:.1f} MB/s on one core ({smb:.1f} MB, {len(sentences)} sentences)")
    tb = best_of(lambda: det.check_many(docs), repeat=2)
    print(f"(b) Detector.check_many, whole engine: {mb / tb:.1f} MB/s ({mb:.1f} MB, {len(docs)} documents)")

    from sklearn.feature_extraction.text import HashingVectorizer

    base, size = [], 0
    for s in sentences:
        base.append(s)
        size += len(s.encode())
        if size >= args.baseline_mb * 1e6:
            break
    hv = HashingVectorizer(analyzer="char", ngram_range=(m.n_min, m.n_max), n_features=len(m.weights),
                           alternate_sign=False, norm=None)
    tc = best_of(lambda: hv.transform(base) @ m.weights + m.bias, repeat=1)
    ta_same = best_of(lambda: m.sentence_logits(base))
    bmb = size / 1e6
    print(f"(c) sklearn HashingVectorizer + same linear model: {bmb / tc:.2f} MB/s ({bmb:.1f} MB)")
    print(f"    fast path on the same {bmb:.1f} MB: {bmb / ta_same:.1f} MB/s, {tc / ta_same:.0f}x faster than (c)")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")

    exe = Path(sys.executable).with_name("garblecheck")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "garblecheck"]
    # as installed from a wheel, with compiled bytecode (an editable install, or PYTHONDONTWRITEBYTECODE,
    # may leave none, and then every start compiles the package again)
    import compileall

    compileall.compile_dir(str(Path(garblecheck.__file__).parent), quiet=1)
    with tempfile.TemporaryDirectory() as d:
        one = Path(d) / "one.txt"
        one.write_text("Tons of Pakistanis died final month.\n", encoding="utf-8")
        starts = []
        for _ in range(7):
            t = time.perf_counter()
            subprocess.run(cmd + ["score", str(one)], capture_output=True)
            starts.append(time.perf_counter() - t)
    print(f"cold start `{' '.join(Path(c).name for c in cmd)} score one-line-file`: median {statistics.median(starts):.3f} s "
          f"(min {min(starts):.3f} s, 7 runs)")
    if not args.no_workload:  # filter of records and score of one file, whole processes on one core
        subprocess.run([sys.executable, str(Path(__file__).with_name("workload.py"))]
                       + (["--model", args.model] if args.model else []), check=False)


if __name__ == "__main__":
    main()
