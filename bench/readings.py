#!/usr/bin/env python3
"""How many times the engine reads each text, and how much of it, walking real batches.

    python bench/readings.py [--docs 500]

Wraps the text layer's readers (``sentence_spans``, the word pass ``Words``, the tokenizer
``tokenize``, ``count_words``) wherever the package holds them, runs ``Detector.check_many`` on
clean news (``../shared/corpora/clean-news``, or the shipped examples) and on the same pages spun
by the held-out thesaurus spinner at 0.15 (simulated), with and without the decoder, and prints
for each reader its calls and the characters it read as a share of the batch's characters. The
char n-gram classifier and the rule patterns of stage 2 (evidence of meaning, spun names) read
the text too; they are not tokenisations and are not counted here.
"""

from __future__ import annotations

import argparse
import functools
import random
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from speed import corpus  # noqa: E402

import garblecheck  # noqa: E402
import garblecheck.detector  # noqa: E402,F401  (imported first, so its own references are replaced too)
from garblecheck.text import words as W  # noqa: E402

CALLS: Counter = Counter()
CHARS: Counter = Counter()


def _span(args: tuple, kwargs: dict) -> int:
    text = args[0]
    start = args[1] if len(args) > 1 else kwargs.get("start", 0)
    end = args[2] if len(args) > 2 else kwargs.get("end")
    return (len(text) if end is None else end) - start


SEEN: set = set()  # (text, start) of each sentence tokenised


def _counted(name: str, fn, size):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        CALLS[name] += 1
        CHARS[name] += size(args, kwargs)
        if name == "tokenize":
            SEEN.add((id(args[0]), args[1] if len(args) > 1 else kwargs.get("start", 0)))
        return fn(*args, **kwargs)
    return wrapper


def install() -> None:
    """Replace each reader by a counting wrapper in every module of the package that holds it."""
    readers = {
        "sentence_spans": (W.sentence_spans, lambda a, k: len(a[0])),
        "tokenize": (W.tokenize, _span),
        "count_words": (W.count_words, _span),
    }
    for mod in [m for n, m in list(sys.modules.items()) if n.startswith("garblecheck")]:
        for name, (fn, size) in readers.items():
            if getattr(mod, name, None) is fn:
                setattr(mod, name, _counted(name, fn, size))
    init = W.Words.__init__
    W.Words.__init__ = _counted("Words (word pass)", init, lambda a, k: sum(map(len, a[1])) + max(len(a[1]) - 1, 0))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=500)
    args = ap.parse_args()
    from garblecheck.learn.synth import Spinner, Thesaurus

    clean = corpus(8)[: args.docs]
    spinner = Spinner(Thesaurus.load(), "heldout", 0)
    rng = random.Random(0)
    spun = [spinner.spin(t, 0.15, rng).text for t in clean]
    det = garblecheck.Detector()
    det.check_many(clean)  # builds the lazy tables (vocabulary keys) outside the count
    install()
    n_sent = {}
    for label, texts, decode in (("clean news", clean, None), ("spun (simulated)", spun, None),
                                 ("spun (simulated), decoded", spun, True)):
        CALLS.clear()
        CHARS.clear()
        SEEN.clear()
        reports = det.check_many(texts, decode)
        chars = sum(map(len, texts))
        stage2 = sum(r.stage == 2 for r in reports)
        n_sent[label] = sum(len(r.sentences) for r in reports)
        print(f"{label}: {len(texts)} texts, {chars / 1e6:.2f} M characters, {n_sent[label]} sentences, "
              f"{stage2} read by stage 2")
        for name in ("sentence_spans", "Words (word pass)", "tokenize", "count_words"):
            print(f"  {name:20s} {CALLS[name]:6d} calls, read {CHARS[name] / max(chars, 1):6.3f} x the text")
        print(f"  sentences tokenised: {len(SEEN) / max(n_sent[label], 1):.3f} of all, "
              f"{CALLS['tokenize'] / max(len(SEEN), 1):.2f} times each")


if __name__ == "__main__":
    main()
