"""The verdict's monotone logistic model and the context evidence it reads per word type."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from garblecheck.evidence.context import WordTable
from garblecheck.verdict.linear import Linear


def _pages(seed: int, n: int = 400):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] - 0.8 * X[:, 1] + 0.3 * rng.normal(size=n) > 0).astype(float)
    return X, y


def test_the_fit_finds_the_direction_of_the_evidence_and_its_arrays_round_trip():
    X, y = _pages(0)
    m = Linear.fit(X, y, np.ones(len(y)), increasing=[0])
    assert m.coef[0] > 1 and m.coef[1] < -0.5 and abs(m.coef[2]) < 0.5
    p = 1 / (1 + np.exp(-m.decision(X)))
    assert ((p > 0.5) == (y == 1)).mean() > 0.9
    again = Linear.from_arrays(m.arrays("verdict_"), "verdict_", 4)
    assert np.array_equal(again.decision(X), m.decision(X))
    assert np.array_equal(m.decision(X[:7]), m.decision(X)[:7])  # a row's score does not depend on its batch


def test_an_increasing_column_never_gets_a_negative_coefficient():
    X, y = _pages(1)
    free = Linear.fit(X, y, np.ones(len(y)), increasing=[])
    bound = Linear.fit(X, y, np.ones(len(y)), increasing=[1])
    assert free.coef[1] < -0.5 and bound.coef[1] >= 0.0


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.1, 10.0))
def test_weights_rescale_nothing_and_more_evidence_never_lowers_a_score(seed: int, scale: float):
    X, y = _pages(seed, 200)
    w = np.where(y == 1, 2.0, 1.0)
    a = Linear.fit(X, y, w, increasing=[0, 3])
    b = Linear.fit(X, y, w * scale, increasing=[0, 3])
    assert np.allclose(a.decision(X), b.decision(X), atol=1e-4)
    more = X.copy()
    more[:, [0, 3]] += 1.0
    assert (a.decision(more) >= a.decision(X) - 1e-12).all()


@pytest.mark.parametrize("arrays", [{"v_coef": np.ones(3), "v_intercept": np.zeros(1)},
                                    {"v_coef": np.ones(4), "v_intercept": np.zeros(2)},
                                    {"v_coef": np.r_[np.ones(3), np.inf], "v_intercept": np.zeros(1)}])
def test_malformed_coefficients_are_refused(arrays):
    with pytest.raises(ValueError, match="malformed"):
        Linear.from_arrays(arrays, "v_", 4)


@given(st.lists(st.tuples(st.integers(0, 6), st.floats(0, 1)), max_size=40))
def test_type_evidence_keeps_the_largest_of_each_word_type(words):
    ids = np.array([i for i, _ in words], dtype=np.int64)
    ev = np.array([e for _, e in words], dtype=np.float64)
    t = WordTable(n_sentences=1, starts=np.zeros(1, dtype=np.int64), sentence=np.zeros(len(ids), dtype=np.int64),
                  cand=np.zeros(0, dtype=np.int64), feats=np.zeros((0, 1)), best=np.full(len(ids), -1), evidence=ev, ids=ids)
    got = t.type_evidence(0, len(ids))
    want = sorted(max(e for i, e in words if i == k) for k in set(ids.tolist()) if max(e for i, e in words if i == k) > 0)
    assert sorted(got.tolist()) == want
    assert t.type_evidence(0, 0).size == 0
