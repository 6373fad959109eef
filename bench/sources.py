#!/usr/bin/env python3
"""Each open broad-news source's effect on the language model, measured before adopting it (real).

A Kneser-Ney trigram model of the clean-news training split, then the same with each open
broad-news file's training documents added (the reserved split and the project's test and
calibration buckets left out), then with all of them. Perplexity per word on held-out text of every
domain: the clean-news test split and each broad-news file's reserved split (research-only files
included: measured, never trained on), over the words every model knows.

    python bench/sources.py [--max-test-docs 150]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from lm import SHARED, test_words, trigram_logp  # noqa: E402

from garblecheck.evidence.lm import TrigramLM
from garblecheck.learn.corpora import in_reserved_split, trainable
from garblecheck.learn.train import read_corpus, record_id, split_of


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-test-docs", type=int, default=150)
    args = ap.parse_args()
    news, _ = read_corpus([str(p) for p in sorted((SHARED / "corpora" / "clean-news").glob("*.jsonl"))])
    base = [d.text for d in news if split_of(d.id, 0) >= 2 and not in_reserved_split(record_id(d))]
    tests = {"clean-news test": test_words([d.text for d in news if split_of(d.id, 0) == 0][: args.max_test_docs])}
    adds = {}
    for path in sorted((SHARED / "corpora" / "broad-news").glob("*.jsonl*")):
        docs, _ = read_corpus([str(path)])
        name = path.name.split(".")[0]
        tests[f"{name} reserved"] = test_words([d.text for d in docs if in_reserved_split(record_id(d))][: args.max_test_docs])
        if docs and trainable(docs[0].license):
            adds[name] = [d.text for d in docs if split_of(d.id, 0) >= 2 and not in_reserved_split(record_id(d))]
    models = {}
    for name, extra in [("clean news", []), *((f"+ {k}", v) for k, v in adds.items()),
                        ("+ all open files", [t for v in adds.values() for t in v])]:
        t = time.perf_counter()
        models[name] = TrigramLM.build([*base, *extra])
        print(f"built {name} ({sum(len(x.split()) for x in extra):,} more words) in {time.perf_counter() - t:.0f} s", flush=True)
    names = list(models)
    print("\nperplexity per word over the words every model knows (real held-out text)")
    print(f"{'test text':40s} " + " ".join(f"{n[:18]:>18s}" for n in names))
    for test, sents in tests.items():
        scored = [trigram_logp(models[n], sents) for n in names]
        known = ~np.logical_or.reduce([unk for _, unk in scored])
        print(f"{test:40s} " + " ".join(f"{np.exp(-lp[known].mean()):18.0f}" for lp, _ in scored)
              + f"   ({known.mean():.3f} of {sum(map(len, sents)):,} words known)")


if __name__ == "__main__":
    main()
