#!/usr/bin/env python3
"""False flags on clean text: flags per 10,000 words (all, and those of kind ``mt``), documents
called garbled or mt, worst offenders, highest scores and mt scores.

    python bench/clean_flags.py [--model DIR] [JSONL or .txt ...]    (default: ../shared wikinews-2019-2020 and seeds 000, 002)
"""

from __future__ import annotations

import collections
import json
import os
import sys
from pathlib import Path

import garblecheck

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GARBLECHECK_SHARED", ROOT.parent / "shared"))


def documents(path: Path):
    if path.suffix == ".jsonl":
        for line in open(path, encoding="utf-8"):
            d = json.loads(line)
            yield str(d.get("id")), d["text"]
    else:
        yield path.name, path.read_text(encoding="utf-8")


def main() -> None:
    args = sys.argv[1:]
    model = "default"
    if args[:1] == ["--model"]:
        model, args = args[1], args[2:]
    paths = [Path(p) for p in args] or [
        SHARED / "corpora" / "clean-news" / "wikinews-2019-2020.jsonl",
        *sorted((SHARED / "seeds").glob("000_*.txt")),
        *sorted((SHARED / "seeds").glob("002_*.txt")),
    ]
    det = garblecheck.Detector(model=model)
    for path in paths:
        words = flags = mt_flags = docs = 0
        garbled, called_mt, offenders, mt_rules = [], [], collections.Counter(), collections.Counter()
        top, top_mt = [], []
        for doc_id, text in documents(path):
            r = det.check(text)
            docs += 1
            words += r.n_words
            flags += len(r.flags)
            mt_flags += sum(f.kind == "mt" for f in r.flags)
            if r.verdict == "garbled":
                garbled.append(doc_id)
            if r.verdict == "mt":
                called_mt.append(doc_id)
            for f in r.flags:
                offenders[(f.text.lower(), f.suggestions[0] if f.suggestions else "?")] += 1
                if f.kind == "mt":
                    mt_rules[f.rule] += 1
            top.append((r.score, doc_id))
            top_mt.append((r.mt_score or 0.0, doc_id))
        per10k = 10_000 / max(words, 1)
        print(f"{path.name}: {docs} documents, {words} words, {flags} flags = {flags * per10k:.2f} per 10,000 words, "
              f"{len(garbled)} called garbled {garbled[:5]}; {mt_flags} mt flags = {mt_flags * per10k:.2f} per 10,000 "
              f"words ({', '.join(f'{k} {v * per10k:.2f}' for k, v in sorted(mt_rules.items()))}), "
              f"{len(called_mt)} called mt {called_mt[:5]}")
        for (text, sug), n in offenders.most_common(5):
            print(f"    {n} x {text!r} ==> {sug!r}")
        for name, scores, threshold in (("scores", top, det.threshold_), ("mt scores", top_mt, det.mt_threshold_)):
            print(f"    highest {name} (threshold {threshold or 0:.4f}): "
                  + ", ".join(f"{d} {s:.3f}" for s, d in sorted(scores, reverse=True)[:3]))


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:  # | head
        sys.stderr.close()
