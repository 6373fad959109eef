"""The Kneser-Ney trigram model: a distribution for every history, the same as a slow reference,
deterministic, and the language-model interface. Texts are written for the tests."""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from garblecheck.evidence.lm import BOS, EOS, UNK, TrigramLM

TEXTS = ["The council approved the budget on Monday.", "The council met on Tuesday and the mayor spoke.",
         "Officials said the budget would grow next year.", "The mayor said the council would meet again on Monday.",
         "Rain fell on the city.", "The budget grew."] * 2 + ["A lone word appeared once."]


@pytest.fixture(scope="module")
def lm() -> TrigramLM:
    return TrigramLM.build(TEXTS)


def _reference(lm: TrigramLM):
    """P(c | a b) by the textbook formulas, with dictionaries."""
    from garblecheck.text.words import sentence_words
    from garblecheck.text.words import sentence_spans

    c3: Counter = Counter()
    for t in TEXTS:
        spans = sentence_spans(t)
        ws, sent = sentence_words([t[s.start : s.end] for s in spans])
        for k in range(len(spans)):
            ids = [BOS, BOS] + [lm.index.get(w.lower(), UNK) for w, s in zip(ws, sent) if s == k] + [EOS]
            for i in range(len(ids) - 2):
                c3[tuple(ids[i : i + 3])] += 1
    n2: Counter = Counter((b, c) for (a, b, c) in c3)  # distinct a before b c
    n1: Counter = Counter(c for (b, c) in n2)  # distinct b before c

    def disc(counts):
        n = [sum(1 for v in counts if v == k) for k in (1, 2, 3, 4)]
        if min(n) == 0:
            return [0.0, 0.5, 1.0, 1.5]
        y = n[0] / (n[0] + 2 * n[1])
        d = [1 - 2 * y * n[1] / n[0], 2 - 3 * y * n[2] / n[1], 3 - 4 * y * n[3] / n[2]]
        return [0.0, 0.5, 1.0, 1.5] if min(d) <= 0 else [0.0] + [min(x, k) for x, k in zip(d, (1, 2, 3))]

    d3, d2, d1 = disc(c3.values()), disc(n2.values()), disc(n1.values())
    D = lambda d, k: d[min(k, 3)]  # noqa: E731
    V = lm.V
    total1 = sum(n1.values())
    g1 = sum(D(d1, v) for v in n1.values()) / total1

    def p1(c):
        return max(n1[c] - D(d1, n1[c]), 0) / total1 + g1 / V

    by_b = defaultdict(list)
    for (b, c), v in n2.items():
        by_b[b].append(v)

    def p2(b, c):
        if not by_b[b]:
            return p1(c)
        tot = sum(by_b[b])
        return (max(n2[(b, c)] - D(d2, n2[(b, c)]), 0) + sum(D(d2, v) for v in by_b[b]) * p1(c)) / tot

    by_ab = defaultdict(list)
    for (a, b, c), v in c3.items():
        by_ab[(a, b)].append(v)

    def p3(a, b, c):
        if not by_ab[(a, b)]:
            return p2(b, c)
        tot = sum(by_ab[(a, b)])
        k = c3[(a, b, c)]
        return (max(k - D(d3, k), 0) + sum(D(d3, v) for v in by_ab[(a, b)]) * p2(b, c)) / tot

    return p3


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_every_history_gives_a_distribution_over_the_vocabulary(lm, i, j):
    a, b = i % lm.V, j % lm.V
    p = lm.prob(np.full(lm.V, a), np.full(lm.V, b), np.arange(lm.V))
    assert np.all(p > 0) and abs(p.sum() - 1.0) < 1e-6  # backoff masses are stored as float32
    q = np.exp(lm.logp(np.full((lm.V, 1), b), np.arange(lm.V)))  # one word of history: the bigram
    q[UNK] *= lm.a["unk_types"][0]  # logp gives an unknown word its share of <unk>
    assert np.all(q > 0) and abs(q.sum() - 1.0) < 1e-9


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 10_000)), min_size=1, max_size=20))
def test_the_query_api_agrees_with_a_slow_reference(lm, triples):
    ref = _reference(lm)
    a, b, c = (np.array([t[k] % lm.V for t in triples]) for k in range(3))
    assert np.allclose(lm.prob(a, b, c), [ref(*t) for t in zip(a.tolist(), b.tolist(), c.tolist())], rtol=1e-6)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-1, 10_000), min_size=5, max_size=5))
def test_a_window_is_the_chain_of_one_word(lm, xs):
    p2, p1, w, n1, n2 = [x % lm.V if x >= 0 else -1 for x in xs]
    w = max(w, 0)
    p2 = -1 if p1 < 0 else p2  # the edge of a sentence hides everything past it
    n2 = -1 if n1 < 0 else n2
    one = lm.window(*(np.array([x]) for x in (p2, p1, w, n1, n2)))[0]
    assert one == pytest.approx(lm.chain((p2, p1), [w], (n1, n2)), rel=1e-12)


def test_seen_trigrams_beat_unseen_ones_and_the_interface_reads_sentence_starts(lm):
    the, council, budget = lm.ids(["the", "council", "budget"])
    assert lm.logp(np.array([[the, council]]), np.array([lm.index["met"]]))[0] > \
        lm.logp(np.array([[the, council]]), np.array([lm.index["rain"]]))[0]
    start = lm.logp(np.array([[-1, -1]]), np.array([the]))[0]
    assert start == pytest.approx(np.log(lm.prob(np.array([BOS]), np.array([BOS]), np.array([the]))[0]))
    bigram = lm.logp(np.array([-1]), np.array([the]))[0]  # one column of history: the raw-count bigram
    n_start, n_the = sum(1 for t in TEXTS if t.startswith("The ")), len(TEXTS)
    assert bigram < 0 and abs(np.exp(bigram) - n_start / n_the) < 0.1
    assert lm.unseen(np.array([[the, council]]), np.array([budget]))[0]
    assert not lm.unseen(np.array([[the, council]]), np.array([lm.index["met"]]))[0]
    assert lm.ids(["lone", "zzz"]).tolist() == [UNK, UNK]  # seen once, never seen


def test_trigram_counts_read_sentence_edges(lm):
    the, council, budget, monday = lm.ids(["the", "council", "budget", "monday"])
    on = lm.index["on"]
    # "The council ..." opens two sentences of TEXTS and "on Monday." ends two, each text twice
    assert lm.count(np.array([-1]), np.array([the]), np.array([council]))[0] == 4
    assert lm.count(np.array([on]), np.array([monday]), np.array([-1]))[0] == 4
    assert lm.count(np.array([the]), np.array([budget]), np.array([council]))[0] == 0


def test_building_is_deterministic_and_the_arrays_round_trip(lm):
    again = TrigramLM.build(TEXTS)
    a, b = lm.arrays(), again.arrays()
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    back = TrigramLM.from_arrays(a)
    x = np.arange(lm.V)
    assert np.array_equal(back.prob(x, x[::-1], x), lm.prob(x, x[::-1], x))


def test_a_pruned_model_keeps_a_distribution_and_gives_the_pruned_mass_to_the_backoff(lm):
    pruned = TrigramLM.build(TEXTS, prune=1)
    assert len(pruned.a["k3"]) < len(lm.a["k3"]) and len(pruned.a["k3"]) > 0
    x = np.arange(lm.V)
    for a, b in [(BOS, BOS), (lm.index["the"], lm.index["council"]), (lm.index["the"], lm.index["budget"])]:
        p = pruned.prob(np.full(lm.V, a), np.full(lm.V, b), x)
        assert abs(p.sum() - 1.0) < 1e-6
    kept = pruned.a["k3"]
    a_, b, c = kept // (lm.V * lm.V), (kept // lm.V) % lm.V, kept % lm.V
    assert np.all(pruned.prob(a_, b, c) >= lm.prob(a_, b, c) - 1e-12)  # kept trigrams lose nothing


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-(2 ** 63), 2 ** 63 - 1) | st.integers(0, 70000), max_size=300))
def test_the_radix_sort_of_queries_is_a_sorting_permutation(values):
    from garblecheck.evidence.lm import _sorting

    q = np.array(values, dtype=np.int64)
    order = _sorting(q)
    assert sorted(order.tolist()) == list(range(len(q)))
    assert q.view(np.uint64)[order].tolist() == sorted(q.view(np.uint64).tolist())
