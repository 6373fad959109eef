import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from garblecheck.evidence.features import CharNgramHasher, ngram_sums


def test_transformer_api():
    h = CharNgramHasher(n_max=4, bits=10)
    assert h.get_params() == {"n_min": 1, "n_max": 4, "bits": 10, "lowercase": True}
    assert h.fit(["x"]) is h
    assert h.set_params(bits=12).bits == 12
    with pytest.raises(ValueError):
        h.set_params(nope=1)
    X = h.transform(["ab", "", "Ab"])
    assert X.shape == (3, 1 << 12)
    # "ab" padded is 4 bytes: 4 + 3 + 2 + 1 n-grams of length 1..4
    assert X[0].sum() == pytest.approx(10 / np.sqrt(10))
    assert (X[0] != X[2]).nnz == 0  # lower-cased
    assert h.transform([]).shape == (0, 1 << 12)
    # texts too short for any n-gram of the range give empty rows, not an error
    short = CharNgramHasher(n_min=3, n_max=4, bits=8).transform(["", "a"])
    assert short.shape == (2, 256) and short[0].nnz == 0 and short[1].nnz > 0


def test_matrix_and_fast_path_agree_on_news_like_text():
    texts = ["Tons of Pakistanis died final month.", "", "é ü 中文 — “quoted”", "a", "x" * 5000,
             "Officials in Islamabad told VOA on Sunday that 1,000 militants crossed."] * 50
    w = np.random.RandomState(1).randn(1 << 14).astype(np.float32)
    X = CharNgramHasher(bits=14).transform(texts)
    sums, counts = ngram_sums(texts, w)
    assert np.allclose(X @ w, sums / np.sqrt(np.maximum(counts, 1)), atol=1e-6, rtol=0)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=200), max_size=20), st.integers(1, 3), st.integers(0, 3))
def test_paths_agree_on_any_text(texts, n_min, extra):
    n_max = n_min + extra
    w = np.random.RandomState(len(texts)).randn(1 << 10).astype(np.float32)
    X = CharNgramHasher(n_min=n_min, n_max=n_max, bits=10).transform(texts)
    sums, counts = ngram_sums(texts, w, n_min, n_max)
    assert np.allclose(X @ w, sums / np.sqrt(np.maximum(counts, 1)), atol=1e-6, rtol=0)
    assert np.allclose(np.asarray((X != 0).sum(axis=1)).ravel() <= counts, True)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 3), max_size=25), st.sampled_from([-2, -1, 1, 2]))
def test_shifted_reads_the_neighbour_in_the_same_sentence(sentence, k):
    from garblecheck.evidence.features import shifted

    values = np.arange(10, 10 + len(sentence))
    got = shifted(values, np.array(sentence, dtype=np.int64), k).tolist()
    step = 1 if k > 0 else -1
    for i in range(len(sentence)):
        j = i + k
        same = 0 <= j < len(sentence) and all(sentence[x] == sentence[i] for x in range(i, j + step, step))
        assert got[i] == (values[j] if same else -1)


@given(st.lists(st.integers(0, 9), max_size=30), st.integers(1, 12))
def test_size_batches_keep_order_and_stay_under_the_limit_but_for_a_lone_big_item(sizes, limit):
    from garblecheck.text.io import batched_by_size

    batches = list(batched_by_size(sizes, limit, lambda x: x))
    assert [x for b in batches for x in b] == sizes
    assert all(sum(b) <= limit or len(b) == 1 for b in batches)
    assert all(sum(a) + b[0] > limit for a, b in zip(batches, batches[1:]))


@given(st.lists(st.integers(0, 40), min_size=1, max_size=30), st.integers(0, 2**31))
@settings(max_examples=60, deadline=None)
def test_the_skeleton_keeps_function_words_and_forgets_which_content_word(ids, seed):
    from garblecheck.evidence.features import SKELETON_OFFSET, skeleton_ids, word_ngrams

    rng = np.random.default_rng(seed)
    function = np.zeros(41, dtype=bool)
    function[1:10] = True  # ids 1-9 are function words, 0 is unknown
    ids = np.array(ids)
    capital = rng.random(len(ids)) < 0.3
    sk = skeleton_ids(ids, capital, function)
    fn = function[ids] & (ids > 0)
    assert (sk[fn] - SKELETON_OFFSET == ids[fn]).all()
    assert set((sk[~fn] - SKELETON_OFFSET).tolist()) <= {41, 42}
    assert ((sk[~fn] - SKELETON_OFFSET == 42) == capital[~fn]).all()
    # any other content word, with the same capitalisation, leaves the skeleton and its n-grams alone
    other = np.where(fn, ids, rng.integers(10, 41, len(ids)))
    assert (skeleton_ids(other, capital, function) == sk).all()
    sentence = np.zeros(len(ids), dtype=np.int64)
    assert (word_ngrams(sk, sentence, 1, 4, 20)[0] == word_ngrams(skeleton_ids(other, capital, function), sentence, 1, 4, 20)[0]).all()
