"""Hashed character and word n-grams: scikit-learn transformers for training and matrix-free fast paths.

Each text is lower-cased, encoded as UTF-8 and padded with a boundary byte on both sides; every
byte n-gram (n from ``n_min`` to ``n_max``) is hashed with a polynomial rolling hash over the
byte array (vectorised numpy, one pass per n) into ``2**bits`` buckets. A text's feature vector is
its bucket counts divided by the square root of its number of n-grams, so the linear score of a
text is ``bias + sum(weights[bucket]) / sqrt(n_ngrams)``; :func:`ngram_sums` computes those sums
for many texts at once by gather and segment sums, without building a matrix.

Word n-grams (:func:`word_ngram_sums`, :func:`word_ngram_matrix`) are hashed the same way from
vocabulary ids (0 for an unknown word), each sentence padded with a start and an end marker, and
scaled by the square root of the sentence's number of word n-grams.
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, List, Sequence, Tuple

import numpy as np

__all__ = ["CharNgramHasher", "ngram_sums", "word_ngram_sums", "word_ngrams", "word_ngram_matrix", "padded_sentences", "BOUNDARY",
           "skeleton_ids", "SKELETON_OFFSET"]

BOUNDARY = b"\x02"
_P = np.uint32(0x01000193)  # FNV-32 prime as the rolling-hash base (arithmetic wraps mod 2**32)
_MIX = np.uint32(0x9E3779B1)  # Fibonacci hashing multiplier
_BATCH_BYTES = 1 << 16  # texts are hashed in batches of about this size, so arrays stay in cache
_MATRIX_ROWS = 50000
_P64 = np.uint64(0x100000001B3)  # FNV-64 prime: word n-grams hash vocabulary ids, not bytes
_MIX64 = np.uint64(0x9E3779B97F4A7C15)
_START, _END = 1, 2  # sentence markers; a vocabulary id v is hashed as v + 3


def _concat(texts: Sequence[str], lowercase: bool) -> Tuple[np.ndarray, np.ndarray]:
    """All texts, each padded with BOUNDARY, as one byte array, and each padded text's start."""
    encoded = [BOUNDARY + (t.lower() if lowercase else t).encode("utf-8", "surrogatepass") + BOUNDARY for t in texts]
    lengths = np.fromiter((len(b) for b in encoded), dtype=np.int64, count=len(encoded))
    starts = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    buf = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    return buf, starts


def _rolling(seq: np.ndarray, n_min: int, n_max: int, bits: int, prime: Any, mix: Any):
    """Yield ``(n, buckets)``: the bucket of the n-gram starting at each position of ``seq`` (the
    last n-1 positions are left out); arithmetic wraps at the width of ``seq``'s unsigned dtype."""
    kind = seq.dtype.type
    shift = kind(seq.dtype.itemsize * 8 - bits)
    h = seq
    for n in range(1, n_max + 1):
        # h[i] is the hash of seq[i : i + n]
        m = len(seq) - n + 1
        if m <= 0:
            return
        if n > 1:
            h = h[:m] * prime + seq[n - 1 :]
        if n >= n_min:
            yield n, ((h + kind(n)) * mix) >> shift


def _buckets(buf: np.ndarray, n_min: int, n_max: int, bits: int):
    """:func:`_rolling` over the bytes of ``buf``."""
    return _rolling(buf.astype(np.uint32), n_min, n_max, bits, _P, _MIX)


def _counts(starts: np.ndarray, n_min: int, n_max: int) -> np.ndarray:
    lengths = np.diff(starts)
    total = np.zeros(len(lengths), dtype=np.float64)
    for n in range(n_min, n_max + 1):
        total += np.maximum(lengths - n + 1, 0)
    return total


def _batches(texts: Sequence[str]):
    """Index ranges of consecutive texts holding about ``_BATCH_BYTES`` characters each."""
    start, size = 0, 0
    for i, t in enumerate(texts):
        size += len(t) + 2
        if size >= _BATCH_BYTES:
            yield start, i + 1
            start, size = i + 1, 0
    if start < len(texts):
        yield start, len(texts)


def ngram_sums(texts: Sequence[str], weights: np.ndarray, n_min: int = 1, n_max: int = 5,
               lowercase: bool = True) -> Tuple[np.ndarray, np.ndarray]:
    """For each text, the sum of ``weights[bucket]`` over its n-grams, and its n-gram count.

    ``weights`` may have a second axis (one column per linear model): the sums then have one
    column per model, all gathered in the same pass over the hashes."""
    bits = int(np.log2(len(weights)))
    two = weights.ndim == 2
    if two:  # two float32 columns gathered as one complex64: one 8-byte gather instead of two
        if weights.shape[1] != 2:
            raise ValueError("weights must have one or two columns")
        weights = np.ascontiguousarray(weights, dtype=np.float32).view(np.complex64).ravel()
    sums = np.zeros(len(texts), dtype=np.complex128 if two else np.float64)
    counts = np.zeros(len(texts), dtype=np.float64)
    for a, z in _batches(texts):
        buf, starts = _concat(texts[a:z], lowercase)
        ends = starts[1:]
        acc = np.zeros(len(buf), dtype=sums.dtype)  # per start position: the weights of its n-grams
        for n, idx in _buckets(buf, n_min, n_max, bits):
            w = weights[idx]
            if n > 1:  # n-grams that run past the end of their text do not count
                over = (ends[:, None] - np.arange(1, n)[None, :]).ravel()
                w[over[(over >= np.repeat(starts[:-1], n - 1)) & (over < len(idx))]] = 0.0
            acc[: len(idx)] += w
        # each text's sum on its own (not a difference of prefix sums), so it is the same in any batch
        sums[a:z] = np.add.reduceat(acc, starts[:-1])
        counts[a:z] = _counts(starts, n_min, n_max)
    return (np.column_stack([sums.real, sums.imag]) if two else sums), counts


class CharNgramHasher:
    """scikit-learn transformer: ``transform(list[str])`` -> CSR matrix of scaled n-gram counts."""

    def __init__(self, n_min: int = 1, n_max: int = 5, bits: int = 20, lowercase: bool = True) -> None:
        self.n_min = n_min
        self.n_max = n_max
        self.bits = bits
        self.lowercase = lowercase

    def get_params(self, deep: bool = True) -> Dict[str, Any]:
        return {"n_min": self.n_min, "n_max": self.n_max, "bits": self.bits, "lowercase": self.lowercase}

    def set_params(self, **params: Any) -> "CharNgramHasher":
        for k, v in params.items():
            if k not in self.get_params():
                raise ValueError(f"unknown parameter {k!r}")
            setattr(self, k, v)
        return self

    def fit(self, X: Any = None, y: Any = None) -> "CharNgramHasher":
        """Stateless: nothing to learn."""
        return self

    def fit_transform(self, X: Sequence[str], y: Any = None) -> Any:
        return self.transform(X)

    def transform(self, X: Sequence[str]) -> Any:
        from scipy import sparse

        texts = list(X)
        n_features = 1 << self.bits
        if not texts:
            return sparse.csr_matrix((0, n_features), dtype=np.float64)
        if len(texts) > _MATRIX_ROWS:  # in parts: the coordinate arrays of all rows at once need several times the matrix
            return sparse.vstack([self.transform(texts[k : k + _MATRIX_ROWS]) for k in range(0, len(texts), _MATRIX_ROWS)],
                                 format="csr")
        buf, starts = _concat(texts, self.lowercase)
        rows_all: List[np.ndarray] = []
        cols_all: List[np.ndarray] = []
        doc_of = np.repeat(np.arange(len(texts)), np.diff(starts))
        for n, idx in _buckets(buf, self.n_min, self.n_max, self.bits):
            pos = np.arange(len(idx))
            keep = pos + n <= starts[1:][doc_of[: len(idx)]]  # n-gram ends inside its own text
            rows_all.append(doc_of[: len(idx)][keep])
            cols_all.append(idx[keep].astype(np.int64))
        rows = np.concatenate(rows_all) if rows_all else np.zeros(0, dtype=np.int64)
        cols = np.concatenate(cols_all) if cols_all else np.zeros(0, dtype=np.int64)
        scale = 1.0 / np.sqrt(np.maximum(_counts(starts, self.n_min, self.n_max), 1.0))
        m = sparse.csr_matrix((scale[rows], (rows, cols)), shape=(len(texts), n_features))
        m.sum_duplicates()
        return m

    def __repr__(self) -> str:
        return "CharNgramHasher(" + ", ".join(f"{k}={v!r}" for k, v in self.get_params().items()) + ")"


def padded_sentences(ids: np.ndarray, sentence: np.ndarray, n_sentences: int, start: int, end: int,
                     n_start: int = 1) -> Tuple[np.ndarray, np.ndarray]:
    """The words ``ids`` (of ``sentence``, ascending) laid out sentence by sentence, each sentence
    after ``n_start`` ``start`` markers and before one ``end`` marker (in the dtype of ``ids``), and
    the sentence of each position."""
    sentence = np.asarray(sentence, dtype=np.int64)
    lengths = np.bincount(sentence, minlength=n_sentences)[:n_sentences] + n_start + 1
    first = np.zeros(n_sentences, dtype=np.int64)
    np.cumsum(lengths[:-1], out=first[1:])
    seq = np.full(int(lengths.sum()), end, dtype=ids.dtype)
    for j in range(n_start):
        seq[first + j] = start
    seq[np.arange(len(ids)) + (n_start + 1) * sentence + n_start] = ids
    return seq, np.repeat(np.arange(n_sentences), lengths)


def word_ngrams(ids: np.ndarray, sentence: np.ndarray, n_sentences: int, n_max: int = 3,
                bits: int = 20) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The bucket and the sentence of every word n-gram (n from 1 to ``n_max``) of the words with
    vocabulary ``ids`` in ``sentence`` (ascending), and each sentence's number of n-grams. Each
    sentence is padded with a start and an end marker, which count as words of its n-grams."""
    ids = np.asarray(ids, dtype=np.int64).astype(np.uint64) + np.uint64(3)
    seq, owner = padded_sentences(ids, sentence, n_sentences, _START, _END)
    buckets, owners = [], []
    for n, h in _rolling(seq, 1, n_max, bits, _P64, _MIX64):
        keep = owner[: len(h)] == owner[n - 1 :]
        if n == 1:
            keep &= seq > _END  # the markers alone are no n-gram
        buckets.append(h[keep])
        owners.append(owner[: len(h)][keep])
    b = np.concatenate(buckets).astype(np.int64) if buckets else np.zeros(0, dtype=np.int64)
    o = np.concatenate(owners) if owners else np.zeros(0, dtype=np.int64)
    return b, o, np.bincount(o, minlength=n_sentences).astype(np.float64)


def shifted(values: np.ndarray, sentence: np.ndarray, k: int) -> np.ndarray:
    """Per word, ``values`` of the word ``k`` places on (``-1``: the word before) in the same
    sentence, -1 past the sentence edge; ``sentence`` gives each word's sentence (a sentence's
    words are neighbours)."""
    out = np.full(len(values), -1, dtype=np.int64)
    n = len(values) - abs(k)
    if n > 0:
        run = np.r_[0, np.cumsum(sentence[1:] != sentence[:-1])]  # rises at every sentence edge
        here, there = (slice(-k, None), slice(None, n)) if k < 0 else (slice(None, n), slice(k, None))
        out[here] = np.where(run[here] == run[there], values[there], -1)
    return out


WORD_BLOCK = 1 << 17  # words whose n-grams are hashed at once


def sentence_blocks(sentence: np.ndarray, n_sentences: int, size: int = WORD_BLOCK) -> Iterator[Tuple[int, int, int, int]]:
    """Blocks of whole sentences of about ``size`` words (a longer sentence is a block of its own):
    ``(first word, end word, first sentence, end sentence)``, covering every sentence once, so
    per-sentence sums come out the same, in the same order, as in one pass."""
    first = np.searchsorted(sentence, np.arange(n_sentences + 1))  # each sentence's first word, then the end
    cuts = np.unique(np.r_[0, np.searchsorted(first, np.arange(size, len(sentence), size), side="right") - 1, n_sentences])
    for s0, s1 in zip(cuts[:-1].tolist(), cuts[1:].tolist()):
        if s1 > s0:
            yield int(first[s0]), int(first[s1]), s0, s1


SKELETON_OFFSET = 1 << 40  # skeleton ids start here: no skeleton n-gram has the code of a word n-gram


def skeleton_ids(lower: np.ndarray, capital: np.ndarray, function: np.ndarray) -> np.ndarray:
    """Per word, its vocabulary id if it is a function word, else one of two classes (capitalised
    or not): the function-word n-grams of translated text ("the X of X", "X the X"), whatever
    the content words and their domain (Volansky et al. 2015). ``function``: per vocabulary id."""
    lower = np.asarray(lower, dtype=np.int64)
    keep = function[lower] & (lower > 0)
    return np.where(keep, lower, len(function) + np.asarray(capital, dtype=np.int64)) + SKELETON_OFFSET


def word_ngram_sums(ids: np.ndarray, sentence: np.ndarray, n_sentences: int, weights: np.ndarray,
                    n_max: int = 3) -> np.ndarray:
    """For each sentence, ``sum(weights[bucket]) / sqrt(n_ngrams)`` over its word n-grams, a block
    of whole sentences at a time (:func:`sentence_blocks`: bounded memory, the same sums)."""
    bits = int(np.log2(len(weights)))
    sums = np.zeros(n_sentences)
    counts = np.zeros(n_sentences)
    for lo, hi, s0, s1 in sentence_blocks(sentence, n_sentences):
        b, o, c = word_ngrams(ids[lo:hi], sentence[lo:hi] - s0, s1 - s0, n_max, bits)
        sums[s0:s1] = np.bincount(o, weights=weights[b], minlength=s1 - s0)
        counts[s0:s1] = c
    return sums / np.sqrt(np.maximum(counts, 1.0))


def word_ngram_matrix(ids: np.ndarray, sentence: np.ndarray, n_sentences: int, n_max: int = 3, bits: int = 20) -> Any:
    """CSR matrix, one row per sentence, of its scaled word n-gram counts (for training; the
    weights it learns are what :func:`word_ngram_sums` gathers)."""
    from scipy import sparse

    b, o, counts = word_ngrams(ids, sentence, n_sentences, n_max, bits)
    scale = 1.0 / np.sqrt(np.maximum(counts, 1.0))
    m = sparse.csr_matrix((scale[o], (o, b)), shape=(n_sentences, 1 << bits))
    m.sum_duplicates()
    return m
