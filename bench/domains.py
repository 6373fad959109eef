#!/usr/bin/env python3
"""Clean prose of every domain (real): per source and per domain, the share of documents called
garbled and called mt, flags per 10,000 words and the share stage 1 clears, with and without page noise.

    python bench/domains.py [--model DIR] [--max-per-source 300] [--noise] [--json OUT]

Documents: the reserved split of ``../shared/corpora/broad-news`` (``sha1(id) % 10 == 0``, never
trained on: research-only files included, for measurement only), the clean-news test split of the
model's own seed (bucket 0, never trained on) and all of wikinews-2019-2020. ``--noise`` gives every
page scraping noise (``learn.synth.PageNoise``, seeded per document).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import sys
from pathlib import Path

import garblecheck
from garblecheck.learn.corpora import in_reserved_split
from garblecheck.learn.synth import PageNoise, SpunText
from garblecheck.learn.train import read_corpus, split_of

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GARBLECHECK_SHARED", ROOT.parent / "shared"))


def sources(seed: int, cap: int):
    """(source, domain, documents) of every measured file."""
    broad = sorted((SHARED / "corpora" / "broad-news").glob("*.jsonl*"))
    docs, _ = read_corpus([str(p) for p in broad])
    by = collections.defaultdict(list)
    for d in docs:
        if in_reserved_split(d.id.split(":", 1)[1]):
            by[(Path(d.source).name.split(".")[0], d.domain)].append(d)
    for key in sorted(by):
        yield key[0], key[1], by[key][:cap]
    for p in sorted((SHARED / "corpora" / "clean-news").glob("*.jsonl")):
        docs, _ = read_corpus([str(p)])
        if p.name.startswith("wikinews-2019"):
            yield p.stem + " (all)", "news", docs
        yield p.stem + " (test split)", "news", [d for d in docs if split_of(d.id, seed) == 0][:cap]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="default")
    ap.add_argument("--max-per-source", type=int, default=300)
    ap.add_argument("--noise", action="store_true")
    ap.add_argument("--json", default=None, help="also write the figures here")
    args = ap.parse_args()
    det = garblecheck.Detector(model=args.model)
    seed = int((det.spin_model.manifest.get("training") or {}).get("seed", 0)) if det.spin_model else 0
    noise = PageNoise() if args.noise else None
    rows = []
    domains: dict = collections.defaultdict(lambda: collections.Counter())
    print(f"{'source':58s} {'domain':13s} {'docs':>5s} {'garbled':>8s} {'mt':>7s} {'flags/10k':>9s} {'stage 1':>7s}  (real; noise: {bool(noise)})")
    for source, domain, docs in sources(seed, args.max_per_source):
        texts = [d.text for d in docs]
        if noise is not None:
            texts = [noise.apply(SpunText(t, ()), random.Random(f"noise:{d.id}")).text for t, d in zip(texts, docs)]
        reports = det.check_many(texts)
        c = collections.Counter(docs=len(docs), words=sum(r.n_words for r in reports),
                                flags=sum(len(r.flags) for r in reports),
                                garbled=sum(r.verdict == "garbled" for r in reports),
                                mt=sum(r.verdict == "mt" for r in reports), stage1=sum(r.stage == 1 for r in reports))
        if "(all)" not in source:
            domains[domain].update(c)
        worst = sorted(((r.score, d.id) for r, d in zip(reports, docs) if r.verdict != "clean"), reverse=True)[:3]
        row = {"source": source, "domain": domain, **c, "called": [i for _, i in worst]}
        rows.append(row)
        print(f"{source:58s} {domain:13s} {c['docs']:5d} {c['garbled'] / max(c['docs'], 1):8.1%} {c['mt'] / max(c['docs'], 1):7.1%} "
              f"{c['flags'] * 1e4 / max(c['words'], 1):9.2f} {c['stage1'] / max(c['docs'], 1):7.1%}  {', '.join(i for _, i in worst)}")
    print("by domain (wikinews-2019-2020 'all' left out, its test split counted):")
    for domain, c in sorted(domains.items()):
        print(f"  {domain:13s} {c['docs']:5d} docs  garbled {c['garbled'] / c['docs']:6.1%}  mt {c['mt'] / c['docs']:6.1%}  "
              f"flags/10k {c['flags'] * 1e4 / max(c['words'], 1):6.2f}  cleared by stage 1 {c['stage1'] / c['docs']:6.1%}")
    if args.json:
        Path(args.json).write_text(json.dumps({"noise": bool(noise), "sources": rows,
                                               "domains": {k: dict(v) for k, v in domains.items()}}, indent=1))


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        sys.stderr.close()
