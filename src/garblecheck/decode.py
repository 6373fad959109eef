"""Restoration as noisy-channel decoding, as in spelling correction.

Each word of a sentence either stayed as the spinner found it or replaced an original the channel
links it to (:mod:`garblecheck.channel`). A path through these choices scores::

    log P_lm(restored sentence)                      the language model (garblecheck.lm)
    + sum over kept words      log(1 - rho)
    + sum over replaced words  log rho + log P_spin(form on the page | original)

The language-model term is scaled by ``LM_WEIGHT``. ``rho`` is the document's own substitution
rate, estimated by EM over the posteriors with a Beta prior (several documents are decoded at
once, each with its own rate). The language model's taste for common words gives clean pages a
rate of 1-4% too, so each word is decided at the rate the *other* words of its page give, less
``RHO_BASELINE``: a clean page restores (almost) nothing, a heavily spun page is restored boldly,
and one word cannot vouch for itself. With a bigram model a sentence splits into runs of
neighbouring candidate words, each a chain; all chains are walked a step at a time together,
Viterbi for the path and forward-backward for the posteriors.

Names (capitalised words inside a sentence), numbers and words under a lexicon flag are never
candidates; a capitalised sentence opener followed by a lower-case word is ("Officers in ...").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .channel import Channel
from .features import shifted
from .lm import LanguageModel

__all__ = ["Decision", "decode", "RHO_PRIOR", "EM_ITERATIONS"]

RHO_PRIOR = (0.5, 25.0)  # Beta pseudo-counts (substituted, kept) for the document's rate
LM_WEIGHT = 0.8  # scale of the language model's log-probabilities against the channel's (bench/decode_tuning.py)
# The language model prefers common words, so EM finds a rate of 1-4% on clean pages too: the
# decoder restores at the rate in excess of that (never below RHO_FLOOR).
RHO_BASELINE = 0.03
RHO_FLOOR = 0.001
RHO_START = 0.05
EM_ITERATIONS = 6
NEG = -1e30
DROP_MARGIN = 4.0  # log-odds below which a word's best original is not worth a place in the lattice
MAX_PRIOR = 8  # per form: the originals most likely a priori (channel and unigram)
REPORT_BELOW = 0.9  # decisions are returned for words Viterbi replaces or whose P(keep) is below this


@dataclass(frozen=True)
class Decision:
    """One candidate word: the table index ``word``, the originals ranked by posterior (the word as
    written is left out), their posteriors, the posterior of keeping it, and Viterbi's choice."""

    word: int
    originals: Tuple[str, ...]
    posteriors: Tuple[float, ...]
    p_keep: float
    chosen: Optional[str]  # None: keep

    @property
    def confidence(self) -> float:
        """The posterior of the chosen original (0 where the word is kept)."""
        return self.posteriors[self.originals.index(self.chosen)] if self.chosen is not None else 0.0


def _eligible(words: Sequence[str], cap: np.ndarray, first: np.ndarray, next_lower: np.ndarray) -> np.ndarray:
    """Lower-case words, and a capitalised sentence opener ("Officers") before a lower-case word."""
    out = ~cap
    for k in np.flatnonzero(cap & first & next_lower).tolist():
        w = words[k]
        out[k] = w[:1].isupper() and (len(w) == 1 or w[1:].islower())
    return out


def _lse(x: np.ndarray, axis: int) -> np.ndarray:
    m = x.max(axis=axis, keepdims=True)
    return (m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True))).squeeze(axis)


STEP_BLOCK = 1 << 13  # lattice rows walked at once (memory, not results)
CANDIDATE_BLOCK = 1 << 13  # candidate words whose options are scored at once (memory, not results)


def _blocks(idx: np.ndarray) -> List[np.ndarray]:
    return [idx[i : i + STEP_BLOCK] for i in range(0, len(idx), STEP_BLOCK)]


class _Lattice:
    """The candidate words of a document as padded arrays: row ``i`` holds the options of the
    ``i``-th candidate (column 0 the word as written, then originals; ``NEG`` pads); for the rows
    ``i`` that are ``linked`` to the next, ``pair`` holds (in their order) the language-model
    scores from the options of ``i`` to those of ``i + 1``. Chains are walked a step at a time
    for all runs at once, in blocks of rows."""

    def __init__(self, unary: np.ndarray, channel: np.ndarray, pair: np.ndarray, linked: np.ndarray) -> None:
        self.unary, self.channel, self._pair = unary, channel, pair
        C = len(unary)
        self._pair_row = np.cumsum(linked) - 1  # row i's place in ``pair`` (where linked)
        starts = np.r_[True, ~linked[:-1]] if C else np.zeros(0, dtype=bool)
        run = np.cumsum(starts) - 1
        first = np.flatnonzero(starts)
        self.step = np.arange(C) - first[run]  # position in the run
        ends = np.flatnonzero(~linked)
        self.to_end = ends[run] - np.arange(C)  # words left before the run ends
        self.forward_steps = [b for t in range(1, int(self.step.max(initial=0)) + 1) for b in _blocks(np.flatnonzero(self.step == t))]
        self.backward_steps = [b for d in range(1, int(self.to_end.max(initial=0)) + 1) for b in _blocks(np.flatnonzero(self.to_end == d))]

    def pair(self, rows: np.ndarray) -> np.ndarray:
        """The pair scores from linked ``rows`` to the rows after them."""
        return self._pair[self._pair_row[rows]]

    def scores(self, rate: Any) -> np.ndarray:
        """Unary scores at a substitution rate (one for all rows, or one per row)."""
        rate = np.broadcast_to(np.asarray(rate, dtype=np.float64), (len(self.unary),))[:, None]
        ch = self.channel.copy()
        ch[:, :1] = np.log1p(-rate)
        ch[:, 1:] += np.log(rate)
        return self.unary + ch

    def marginals(self, score: np.ndarray) -> np.ndarray:
        """Forward-backward: the posterior of every option."""
        alpha = score.copy()
        for idx in self.forward_steps:
            alpha[idx] = _lse(alpha[idx - 1][:, :, None] + self.pair(idx - 1), 1) + score[idx]
        beta = np.zeros_like(score)
        for idx in self.backward_steps:
            beta[idx] = _lse(self.pair(idx) + (score[idx + 1] + beta[idx + 1])[:, None, :], 2)
        x = alpha + beta
        x = np.exp(x - x.max(axis=1, keepdims=True))
        return x / x.sum(axis=1, keepdims=True)

    def viterbi(self, score: np.ndarray) -> np.ndarray:
        """The best path: the chosen option of every candidate."""
        delta = score.copy()
        back = np.zeros(score.shape, dtype=np.int64)
        for idx in self.forward_steps:
            t = delta[idx - 1][:, :, None] + self.pair(idx - 1)
            back[idx] = t.argmax(axis=1)
            delta[idx] = t.max(axis=1) + score[idx]
        choice = np.where(self.to_end == 0, delta.argmax(axis=1), 0)
        for idx in self.backward_steps:
            choice[idx] = back[idx + 1, choice[idx + 1]]
        return choice


def decode(lm: LanguageModel, channel: Channel, words: Sequence[str], sentence: np.ndarray,
           skip: Optional[np.ndarray] = None, fixed: Optional[Dict[int, int]] = None,
           rho: Optional[float] = None, lm_weight: Optional[float] = None,
           prior: Optional[Tuple[float, float]] = None, known: Any = 0,
           cache: Optional[Dict[str, Any]] = None, doc: Optional[np.ndarray] = None) -> Tuple[List[Decision], np.ndarray]:
    """Decode the words of one document, or of several at once (``doc``: the document index of
    each word, non-decreasing; each document has its own rate). ``sentence`` is the sentence
    index of each word.

    ``skip`` marks words that are never candidates; ``fixed`` gives the vocabulary id to read in
    place of a word (a lexicon flag's replacement) as context. ``rho`` fixes the substitution
    rate instead of estimating it; ``known`` substitutions found by other means (lexicon flags)
    count towards the estimate (a number, or one per document). ``cache`` keeps each form's
    options between calls with the same ``lm`` and ``channel`` (a dict the caller owns). Returns
    the decisions and each document's rate (estimated by EM, or ``rho``); the decisions are taken
    at the rate in excess of ``RHO_BASELINE`` that the *other* words of the document give.
    """
    lm_weight = LM_WEIGHT if lm_weight is None else lm_weight
    cache = {} if cache is None else cache
    prior = RHO_PRIOR if prior is None else prior
    n = len(words)
    doc = np.zeros(n, dtype=np.int64) if doc is None else np.asarray(doc, dtype=np.int64)
    D = int(doc[-1]) + 1 if n else 1
    nothing = np.full(D, RHO_START if rho is None else rho)
    if n == 0:
        return [], nothing
    known = np.broadcast_to(np.asarray(known, dtype=np.float64), (D,))
    sentence = np.asarray(sentence)
    same = sentence[1:] == sentence[:-1]
    first = np.r_[True, ~same]
    lowered = [w.lower().replace("’", "'") for w in words]
    base = lm.ids(lowered)
    # as context, a capitalised word inside a sentence is a name: unknown to the model
    cap = np.fromiter((not w.islower() for w in words), dtype=bool, count=n)
    base[cap & ~first] = 0
    for k, v in (fixed or {}).items():
        base[k] = v
    next_lower = np.r_[same & ~cap[1:], False]
    ok = _eligible(words, cap, first, next_lower)
    if skip is not None:
        ok &= ~skip
    pool = cache.get("pool")
    if pool is None:
        pool = cache["pool"] = _Pool(lm, channel)
    cands = np.flatnonzero(ok)
    slots = pool.slots([lowered[k] for k in cands.tolist()])
    del lowered
    has = pool.size[slots] > 0
    P, slots = cands[has], slots[has]
    if not len(P):
        return [], nothing
    N = np.bincount(doc[P], minlength=D)  # every candidate counts for the rate; the dropped ones as kept
    around = [shifted(base, sentence, k) for k in (-2, -1, 1, 2)]
    # in blocks of candidates, so the options of a long text never sit in memory all at once
    parts = [_options(lm, pool, base, around, P[i : i + CANDIDATE_BLOCK], slots[i : i + CANDIDATE_BLOCK], lm_weight)
             for i in range(0, len(P), CANDIDATE_BLOCK)]
    alive = np.concatenate([part[0] for part in parts])
    if not alive.any():
        return [], nothing
    O, CH, left, right, col = (np.concatenate([part[j] for part in parts]) for j in range(1, 6))
    del parts  # (memory: the arrays below are built from these, and each is let go once used)
    P, slots = P[alive], slots[alive]
    sizes = pool.size[slots]
    owner = np.repeat(np.arange(len(P)), sizes + 1)
    C, K = len(P), int(sizes.max() + 1)
    ids = np.zeros((C, K), dtype=np.int64)
    names = np.full((C, K), -1, dtype=np.int64)  # column of the option in its candidate's list
    chan = np.full((C, K), NEG)
    lm_left = np.zeros((C, K))
    lm_right = np.zeros((C, K))
    ids[owner, col], names[owner, col], chan[owner, col] = O, col, CH
    lm_left[owner, col], lm_right[owner, col] = left, right
    del O, CH, left, right, col, owner
    linked = np.r_[(P[1:] == P[:-1] + 1) & ~first[P[1:]], False]
    # unary language-model terms: the left bigram on a run's first word, the right on its last
    unary = lm_weight * (np.where(np.r_[True, ~linked[:-1]][:, None], lm_left, 0.0)
                         + np.where(~linked[:, None], lm_right, 0.0))
    unary[chan <= NEG] = NEG
    del lm_left, lm_right
    li = np.flatnonzero(linked)
    pair = np.zeros((len(li), K, K))
    for at in range(0, len(li), STEP_BLOCK):
        block = li[at : at + STEP_BLOCK]
        a = np.repeat(ids[block], K, axis=1).ravel()
        b = np.tile(ids[block + 1], (1, K)).ravel()
        pair[at : at + len(block)] = lm_weight * lm.logp(a[:, None], b).reshape(len(block), K, K)
    del ids
    lattice = _Lattice(unary, chan, pair, linked)

    dP = doc[P]
    rate: Any = RHO_START if rho is None else rho
    if rho is None:
        a, b = prior
        for _ in range(EM_ITERATIONS):
            post = lattice.marginals(lattice.scores(rate))
            q = 1.0 - post[:, 0]
            expected = np.bincount(dP, weights=q, minlength=D)
            rho_out = (expected + known + a) / (N + known + a + b)
            rate = rho_out[dP]
        # each word is decided at the rate the *other* words give: one word cannot vouch for itself
        rate = np.maximum((expected[dP] - q + known[dP] + a) / (N[dP] - 1 + known[dP] + a + b) - RHO_BASELINE,
                          RHO_FLOOR)
    else:
        rho_out = np.full(D, rho)
    score = lattice.scores(rate)
    post = lattice.marginals(score)
    choice = lattice.viterbi(score)
    out = []
    ranked = np.argsort(-post, axis=1, kind="stable")
    for i in np.flatnonzero((choice > 0) | (post[:, 0] < REPORT_BELOW)).tolist():
        alts = pool.names[int(slots[i])]
        js = [j for j in ranked[i].tolist() if names[i, j] > 0]
        chosen = int(names[i, choice[i]])
        out.append(Decision(int(P[i]), tuple(alts[names[i, j] - 1] for j in js), tuple(float(post[i, j]) for j in js),
                            float(post[i, 0]), None if chosen <= 0 else alts[chosen - 1]))
    return out, rho_out


def _options(lm: LanguageModel, pool: "_Pool", base: np.ndarray, around: Sequence[np.ndarray], P: np.ndarray,
             slots: np.ndarray, lm_weight: float) -> Tuple[np.ndarray, ...]:
    """For candidate words ``P`` (their forms in the ``pool`` at ``slots``): which are worth a
    place in the lattice (an original within ``DROP_MARGIN`` of the word), and for the options of
    those (the word as written in column 0, then its originals): vocabulary ids, channel scores,
    language-model scores on the left and on the right, and columns."""
    sizes = pool.size[slots]
    heads = np.cumsum(sizes + 1) - (sizes + 1)  # where each candidate's options start
    owner = np.repeat(np.arange(len(P)), sizes + 1)
    col = np.arange(int((sizes + 1).sum())) - np.repeat(heads, sizes + 1)
    at = pool.start[slots][owner] + col - 1  # index of each original in the pool (col > 0)
    tail = col > 0
    O = np.where(tail, pool.ids[np.maximum(at, 0)], base[P][owner])
    CH = np.where(tail, pool.ch[np.maximum(at, 0)], 0.0)
    # the words as written two before and two after (-1 past the sentence edge)
    p2, p1, n1, n2 = (a[P][owner] for a in around)
    # the option after the two words before it, and the two words after it (one query for all three)
    after1, after2 = np.maximum(n1, 0), np.maximum(n2, 0)
    m = len(O)
    lp = lm.logp(np.column_stack([np.r_[p2, p1, O], np.r_[p1, O, after1]]), np.r_[O, after1, after2])
    left = lp[:m]
    # the right side reads the word before as written: exact unless that word is a candidate too,
    # where the pair terms of the lattice take over
    right = np.where(n1 >= 0, lp[m : 2 * m], 0.0) + np.where((n1 >= 0) & (n2 >= 0), lp[2 * m :], 0.0)
    # how well each option fits between the words as written
    local = lm_weight * (left + right) + CH
    # a word none of whose originals comes within DROP_MARGIN of it is kept without a decision
    best_alt = np.maximum.reduceat(np.where(col == 0, NEG, local), heads)
    alive = best_alt - local[heads] > -DROP_MARGIN
    flat = alive[owner]
    return alive, O[flat], CH[flat], left[flat], right[flat], col[flat]


class _Pool:
    """The options of every form met so far, in flat arrays: for a form's slot, ``size`` originals
    from ``start`` in ``ids`` (vocabulary ids) and ``ch`` (log P_spin), and their words in
    ``names``. A form gets the ``MAX_PRIOR`` originals the language model knows that are most
    likely by channel and unigram."""

    def __init__(self, lm: LanguageModel, channel: Channel) -> None:
        self.lm, self.channel = lm, channel
        self.slot: Dict[str, int] = {}
        self.names: List[Tuple[str, ...]] = []
        self.start = np.zeros(0, dtype=np.int64)
        self.size = np.zeros(0, dtype=np.int64)
        self.ids = np.zeros(0, dtype=np.int64)
        self.ch = np.zeros(0)

    def slots(self, forms: Sequence[str]) -> np.ndarray:
        get = self.slot.get
        out = [get(f, -1) for f in forms]
        new = sorted({f for f, k in zip(forms, out) if k < 0})
        if new:
            if len(self.slot) > 500_000:  # bounded memory on endless streams of new forms
                self.__init__(self.lm, self.channel)  # type: ignore[misc]
                return self.slots(forms)
            starts, sizes, ids, chs = [], [], [], []
            total = len(self.ids)
            for f in new:
                cands = [(o, lp) for o, lp in self.channel.candidates(f) if o != f]
                found = self.lm.ids(o for o, _ in cands)
                known = np.flatnonzero(found > 0)
                ch = np.array([cands[i][1] for i in known.tolist()])
                top = np.argsort(-(ch + self.lm.prior(found[known])), kind="stable")[:MAX_PRIOR]
                best = known[top]
                self.slot[f] = len(self.names)
                self.names.append(tuple(cands[i][0] for i in best.tolist()))
                starts.append(total)
                sizes.append(len(best))
                ids.append(found[best])
                chs.append(ch[top])
                total += len(best)
            self.start = np.r_[self.start, starts].astype(np.int64)
            self.size = np.r_[self.size, sizes].astype(np.int64)
            self.ids = np.concatenate([self.ids, *ids]).astype(np.int64)
            self.ch = np.concatenate([self.ch, *chs])
            out = [get(f, -1) for f in forms]
        return np.array(out, dtype=np.int64)
