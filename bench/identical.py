#!/usr/bin/env python3
"""Is `score` output byte-identical to a reference? Scores every clean-news document and the seeds.

Each document is scored as `garblecheck score --format jsonl` scores one input (`Detector.check`,
the report's JSON) and, for the batch path, all documents of a file at once
(`Detector.check_many`, which `score` uses for many small files). The restorer is checked too:
the decoded report and the restored text of 255 pages (150 wikinews-2019-2020 articles, the seeds,
and the first 100 of them spun by the held-out thesaurus spinner at 0.15, seed 0). The sha256 of
each group's records is printed, and compared with a reference written earlier:

    python bench/identical.py --write bench/identical.sha256   # before a change
    python bench/identical.py --check bench/identical.sha256   # after it: exit 1 on any difference
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from speed import SHARED  # noqa: E402

from garblecheck import Detector  # noqa: E402
from garblecheck.learn.synth import Spinner, Thesaurus  # noqa: E402
from garblecheck.learn.train import read_corpus  # noqa: E402


def _record(report) -> bytes:
    return (json.dumps(report.to_dict(), ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", metavar="FILE")
    ap.add_argument("--check", metavar="FILE")
    args = ap.parse_args()
    det = Detector()
    files = sorted((SHARED / "corpora" / "clean-news").glob("*.jsonl"))
    groups = {f.name: [d.text for d in read_corpus([str(f)])[0]] for f in files}
    groups["seeds"] = [p.read_text(encoding="utf-8") for p in sorted((SHARED / "seeds").glob("*.txt"))]
    digests = {}
    t = time.perf_counter()
    size = 0
    for name, texts in groups.items():
        one = hashlib.sha256(b"".join(_record(det.check(x)) for x in texts)).hexdigest()
        many = hashlib.sha256(b"".join(_record(r) for r in det.check_many(texts))).hexdigest()
        digests[name] = one
        size += sum(len(x.encode("utf-8")) for x in texts)
        print(f"{name}: {len(texts)} documents, sha256 {one[:16]}, check_many {'same' if many == one else 'DIFFERENT'}")
        if many != one:
            digests[name + " (check_many)"] = many
    print(f"{size / 1e6:.1f} MB scored twice in {time.perf_counter() - t:.0f} s")
    pages = groups["wikinews-2019-2020.jsonl"][:150] + groups["seeds"]
    spinner = Spinner(Thesaurus.load(), "heldout", 0)
    rng = random.Random(0)
    pages += [spinner.spin(x, 0.15, rng).text for x in pages[:100]]
    h = hashlib.sha256()
    for x in pages:
        h.update(_record(det.check(x, decode=True)))
        h.update(det.restore(x).encode("utf-8"))
    digests["restore"] = h.hexdigest()
    print(f"restore: {len(pages)} pages, sha256 {digests['restore'][:16]}")
    if args.write:
        Path(args.write).write_text("".join(f"{v}  {k}\n" for k, v in digests.items()), encoding="utf-8")
    if args.check:
        want = dict(reversed(line.split("  ", 1)) for line in Path(args.check).read_text(encoding="utf-8").splitlines())
        want = {k.strip(): v for k, v in want.items()}
        bad = [k for k in set(want) | set(digests) if want.get(k) != digests.get(k)]
        print("identical to the reference" if not bad else f"DIFFERENT from the reference: {', '.join(sorted(bad))}")
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
