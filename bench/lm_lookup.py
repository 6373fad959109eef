#!/usr/bin/env python3
"""Language-model look-ups: binary search over the sorted packed n-gram keys (what ships) against
an open-addressing hash table over the same keys, on the queries the engine asks (real text).

    python bench/lm_lookup.py [--docs 2400] [--load 0.5]

Records every ``(keys, divisor, queries)`` the engine's ``_find_many`` is given while it checks the
first ``--docs`` White House statements of ``../shared/corpora/clean-news``, then answers all of
them both ways: prints the time of each, the extra memory of the tables (int32 slots at load
factor ``--load``) and their build time, and checks that both give the same positions.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from workload import SOURCE, white_house  # noqa: E402

_MIX = np.uint64(0x9E3779B97F4A7C15)


def _slot(q: np.ndarray, bits: int) -> np.ndarray:
    return ((q.astype(np.uint64) * _MIX) >> np.uint64(64 - bits)).astype(np.int64)


def build(keys: np.ndarray, load: float) -> tuple:
    """An open-addressing table (linear probing) of the positions of ``keys``, built in rounds."""
    bits = max(int(np.ceil(np.log2(max(len(keys), 1) / load))), 4)
    table = np.full(1 << bits, -1, dtype=np.int32)
    mask = (1 << bits) - 1
    todo = np.arange(len(keys), dtype=np.int64)
    h = _slot(keys, bits)
    while len(todo):
        free = table[h[todo]] < 0
        cand, slots = todo[free], h[todo[free]]
        _, first = np.unique(slots, return_index=True)  # one key per free slot this round
        table[slots[first]] = cand[first]
        placed = np.zeros(len(todo), dtype=bool)
        placed[np.flatnonzero(free)[first]] = True
        todo = todo[~placed]
        h[todo] = (h[todo] + 1) & mask
    return table, bits


def probe(table: np.ndarray, bits: int, keys: np.ndarray, q: np.ndarray) -> tuple:
    mask = (1 << bits) - 1
    pos = np.zeros(len(q), dtype=np.int64)
    found = np.zeros(len(q), dtype=bool)
    h = _slot(q, bits)
    todo = np.arange(len(q))
    while len(todo):
        p = table[h[todo]]
        empty = p < 0
        hit = ~empty & (keys[np.maximum(p, 0)] == q[todo])
        pos[todo[hit]], found[todo[hit]] = p[hit], True
        todo = todo[~(empty | hit)]
        h[todo] = (h[todo] + 1) & mask
    return pos, found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=2400)
    ap.add_argument("--load", type=float, default=0.5)
    args = ap.parse_args()
    if not SOURCE.exists():
        sys.exit(f"bench/lm_lookup.py: {SOURCE} not found (set GARBLECHECK_SHARED)")
    import garblecheck.evidence.lm as lm_mod
    from garblecheck import Detector

    texts = white_house(args.docs)
    calls = []
    real = lm_mod._find_many

    def record(tables, queries):
        calls.append(([(k, d) for k, d in tables], np.asarray(queries, dtype=np.int64).copy()))
        return real(tables, queries)

    lm_mod._find_many = record
    Detector().check_many(texts)
    lm_mod._find_many = real
    keys = {id(k): k for tables, _ in calls for k, _ in tables}
    t = time.perf_counter()
    hashed = {i: build(k, args.load) for i, k in keys.items() if len(k)}
    built = time.perf_counter() - t
    n_q = sum(len(q) * len(tables) for tables, q in calls)
    t = time.perf_counter()
    ref = [real(tables, q) for tables, q in calls]
    sorted_s = time.perf_counter() - t
    t = time.perf_counter()
    got = [[probe(*hashed[id(k)], k, q // d if d != 1 else q) for k, d in tables] for tables, q in calls]
    hash_s = time.perf_counter() - t
    same = all(np.array_equal(f1, f2) and np.array_equal(p1[f1], p2[f2])
               for r, g in zip(ref, got) for (p1, f1), (p2, f2) in zip(r, g))
    extra = sum(t.nbytes for t, _ in hashed.values()) / 2**20
    print(f"{len(texts)} documents (real text): {len(calls)} look-up calls, {n_q:,} queries over {len(keys)} key tables "
          f"({sum(len(k) for k in keys.values()):,} keys)")
    print(f"  sorted keys, binary search (shipped):  {sorted_s:6.2f} s")
    print(f"  hash table, linear probing (load {args.load}): {hash_s:6.2f} s  (+{extra:.0f} MB, built in {built:.2f} s)")
    print(f"  same answers where found: {same}")


if __name__ == "__main__":
    main()
