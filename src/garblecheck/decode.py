"""Restoration as noisy-channel decoding, with a channel learned from real spinners.

Each word of a sentence either stayed as the spinner found it or replaced an original the channel
links it to (:mod:`garblecheck.channel`). Every option of a word gets a log-linear score, its
features (``channel.OPTION_FEATURES``) weighed by the channel's fitted weights::

    keep the word w:       lm . LM  +  keep_rate . log(1 - s r_w)  +  keep  +  spun_form . log(1 + c(w))
    original o for w:      lm . LM  +  replace_rate . log(s r_o)  +  form . log P(w | o, replaced)
                           +  real_count . log(1 + c(w, o))  +  thesaurus . [o linked]  +  prior . log P(o) / P(w)

``LM`` is the trigram language model around the option, ``r`` the real spinners' replace rate of
a word and ``s`` the page's intensity (1 for the average real spun page, near 0 for a clean one),
estimated by EM over the posteriors with a Gamma prior; several documents are decoded at once,
each with its own intensity. Every word of the page that could have been replaced and was not
counts against the intensity, every likely replacement for it. Each word is decided at the
intensity the *other* words of its page give, so one word cannot vouch for itself. A sentence
splits into runs of neighbouring candidate words, each a chain whose neighbours are linked by
the language model's pair scores; all chains are walked a step at a time together, Viterbi for
the path and forward-backward for the posteriors.

Names (capitalised words inside a sentence), numbers and words under a lexicon flag are never
candidates; a capitalised sentence opener followed by a lower-case word is ("Officers in ...").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .channel import OPTION_FEATURES, Channel, ChannelStats, ChannelWeights
from .features import shifted
from .lm import LanguageModel

__all__ = ["Decision", "decode", "FLAG_MIN", "option_table", "intensity_grid", "EM_ITERATIONS"]

EM_ITERATIONS = 5
NEG = -1e30
DROP_MARGIN = 6.0  # log-odds (at intensity 1) below which a word's best original is not worth a place in the lattice
MAX_PRIOR = 8  # per form: the originals most likely a priori (channel and unigram)
FLAG_MIN = 0.7  # a decision whose chosen original has this posterior becomes a flag, and restore applies it
REPORT_BELOW = 0.9  # decisions are returned for words Viterbi replaces or whose P(keep) is below this
INTENSITY_START = 0.5
MAX_SR = 0.98  # s * r never reaches 1: a spinner may always leave a word alone
_F = {name: i for i, name in enumerate(OPTION_FEATURES)}


def intensity_grid() -> np.ndarray:
    """The intensities EM chooses from (log-spaced; 1 is the average real spun page)."""
    return np.geomspace(0.002, 2.0, 64)


@dataclass(frozen=True)
class Decision:
    """One candidate word (or phrase of ``span`` words from ``word``): the table index ``word``, the originals ranked by posterior (the word as
    written is left out), their posteriors, the posterior of keeping it, and Viterbi's choice."""

    word: int
    originals: Tuple[str, ...]
    posteriors: Tuple[float, ...]
    p_keep: float
    chosen: Optional[str]  # None: keep
    span: int = 1  # words of the text it covers (a phrase: several)

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
    ``i``-th candidate (column 0 the word as written, then originals; ``NEG`` pads): their static
    scores ``unary`` and replace rates ``rate`` (column 0 the word's own); for the rows ``i`` that
    are ``linked`` to the next, ``pair`` holds (in their order) the language-model scores from the
    options of ``i`` to those of ``i + 1``. Chains are walked a step at a time for all runs at
    once, in blocks of rows."""

    def __init__(self, unary: np.ndarray, rate: np.ndarray, pair: np.ndarray, linked: np.ndarray,
                 weights: ChannelWeights) -> None:
        self.unary, self.rate, self._pair = unary, rate, pair
        self.w_keep, self.w_replace = weights.keep_rate, weights.replace_rate
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

    def scores(self, intensity: Any) -> np.ndarray:
        """Unary scores at a page intensity (one for all rows, or one per row)."""
        s = np.broadcast_to(np.asarray(intensity, dtype=np.float64), (len(self.unary),))[:, None]
        sr = np.minimum(s * self.rate, MAX_SR)
        terms = np.log(sr) * self.w_replace
        terms[:, 0] = np.log1p(-sr[:, 0]) * self.w_keep
        return self.unary + terms

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


@dataclass
class _Prepared:
    """The candidate words of some documents and their options, before any weighing: ``P`` the
    candidate words (``end``: the word after each), ``names`` their originals, ``X`` the features of every option in
    ``OPTION_FEATURES`` columns (rows grouped by candidate, the word as written first; the rate
    columns hold ``log r``), ``rate`` each option's replace rate, ``owner`` and ``col`` each
    row's candidate and column, the language model's terms; ``eligible`` the words that could have
    been replaced and their ``eligible_rate``. A candidate is one word, or a phrase real spinners
    wrote (``Channel.phrases``) whose options are its originals."""

    P: np.ndarray
    end: np.ndarray  # the word after each candidate (P + 1, or past a phrase)
    names: List[Tuple[str, ...]]  # each candidate's originals
    X: np.ndarray
    rate: np.ndarray
    owner: np.ndarray
    col: np.ndarray
    first_id: np.ndarray  # each option's first and last word, for the pair scores of neighbours
    last_id: np.ndarray
    left: np.ndarray  # the option's first word after the words before it
    inner: np.ndarray  # the option's other words (phrases)
    right: np.ndarray  # the two words after the option
    eligible: np.ndarray
    eligible_rate: np.ndarray


def _prepare(lm: LanguageModel, channel: Channel, words: Sequence[str], sentence: np.ndarray,
             skip: Optional[np.ndarray], fixed: Optional[Dict[int, int]], cache: Dict[str, Any]
             ) -> Tuple[Optional[_Prepared], np.ndarray, np.ndarray]:
    """The options of every candidate, with the words as context (``base`` ids, ``first`` of
    each sentence)."""
    n = len(words)
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
    if pool is None or pool.channel is not channel or pool.lm is not lm:
        pool = cache["pool"] = _Pool(lm, channel)
    cands = np.flatnonzero(ok)
    slots = pool.slots([lowered[k] for k in cands.tolist()])
    eligible, eligible_rate = cands, pool.keep_rate[slots]
    has = pool.size[slots] > 0
    P, slots = cands[has], slots[has]
    around = [shifted(base, sentence, k) for k in (-2, -1, 1, 2)]
    sizes = pool.size[slots]
    heads = np.cumsum(sizes + 1) - (sizes + 1)  # where each candidate's options start
    owner = np.repeat(np.arange(len(P)), sizes + 1)
    col = np.arange(int((sizes + 1).sum())) - np.repeat(heads, sizes + 1)
    at = pool.start[slots][owner] + col - 1  # index of each original in the pool (col > 0)
    tail = col > 0
    ids = np.where(tail, pool.ids[np.maximum(at, 0)], base[P][owner])
    X = np.where(tail[:, None], pool.feat[np.maximum(at, 0)], pool.keep_feat[slots][owner])
    rate = np.where(tail, pool.rate[np.maximum(at, 0)], pool.keep_rate[slots][owner])
    left = np.empty(len(ids))
    right = np.empty(len(ids))
    # in blocks of candidates, so the language-model queries of a long text never sit in memory at once
    bounds = np.r_[heads, len(ids)]
    for i in range(0, len(P), CANDIDATE_BLOCK):
        lo, hi = int(bounds[i]), int(bounds[min(i + CANDIDATE_BLOCK, len(P))])
        left[lo:hi], right[lo:hi] = _lm_terms(lm, ids[lo:hi], [a[P][owner[lo:hi]] for a in around])
    X[:, _F["lm"]] = left + right
    names = [pool.names[int(k)] for k in slots.tolist()]
    end = P + 1
    inner = np.zeros(len(ids))
    phrases = _phrase_nodes(lm, channel, lowered, ok, sentence, base, around, cache)
    if phrases is None and not len(P):
        return None, base, first
    if phrases is not None:
        (pP, pend, pnames, pX, prate, powner, pcol, pfirst, plast, pleft, pinner, pright) = phrases
        inside = np.zeros(n + 1, dtype=np.int64)
        np.add.at(inside, pP, 1)
        np.add.at(inside, pend, -1)
        drop = np.cumsum(inside)[P] > 0  # single words inside a phrase give way to it
        keep_rows = ~drop[owner]
        order = np.argsort(np.r_[P[~drop], pP], kind="stable")
        nodes = len(order)
        # rows of both kinds, regrouped by the order of the candidates in the text
        row_owner = np.r_[np.cumsum(~drop)[owner[keep_rows]] - 1, powner + int((~drop).sum())]
        rank = np.empty(nodes, dtype=np.int64)
        rank[order] = np.arange(nodes)
        new_owner = rank[row_owner]
        rows = np.lexsort((np.r_[col[keep_rows], pcol], new_owner))
        cat = lambda a, b: np.r_[a[keep_rows], b][rows]  # noqa: E731
        X = np.concatenate([X[keep_rows], pX])[rows]
        rate, col, left, inner, right = cat(rate, prate), cat(col, pcol), cat(left, pleft), cat(np.zeros(len(ids)), pinner), cat(right, pright)
        first_id, last_id = cat(ids, pfirst), cat(ids, plast)
        all_names = [nm for nm, d in zip(names, drop.tolist()) if not d] + pnames
        names = [all_names[i] for i in order.tolist()]
        P, end = np.r_[P[~drop], pP][order], np.r_[end[~drop], pend][order]
        owner = new_owner[rows]
    else:
        first_id = last_id = ids
    return _Prepared(P, end, names, X, rate, owner, col, first_id, last_id, left, inner, right, eligible, eligible_rate), base, first


def _phrase_nodes(lm: LanguageModel, channel: Channel, lowered: Sequence[str], ok: np.ndarray, sentence: np.ndarray,
                  base: np.ndarray, around: Sequence[np.ndarray], cache: Dict[str, Any]) -> Optional[Tuple[Any, ...]]:
    """The phrases of ``Channel.phrases`` written at eligible words of one sentence, as candidates
    whose options are the phrase as written and its originals: the same arrays as single words,
    the language model read over every word of an option."""
    index = cache.get("phrases")
    if index is None or index[0] is not channel:
        by_first: Dict[str, List[Tuple[Tuple[str, ...], Dict[str, float]]]] = {}
        for spun, originals in channel.phrases.items():
            key = tuple(spun.split(" "))
            by_first.setdefault(key[0], []).append((key, originals))
        for v in by_first.values():
            v.sort(key=lambda x: -len(x[0]))  # the longest phrase first
        index = cache["phrases"] = (channel, by_first)
    by_first = index[1]
    found: List[Tuple[int, int, Dict[str, float]]] = []
    i, n = 0, len(lowered)
    while i < n:
        hit = None
        if ok[i] and lowered[i] in by_first:
            for key, originals in by_first[lowered[i]]:
                j = i + len(key)
                if j <= n and tuple(lowered[i:j]) == key and ok[i:j].all() and sentence[j - 1] == sentence[i]:
                    hit = (i, j, originals)
                    break
        if hit is None:
            i += 1
            continue
        found.append(hit)
        i = hit[1]
    if not found:
        return None
    F = len(OPTION_FEATURES)
    w = channel.weights
    p2, p1, n1, n2 = around
    nodes_P, nodes_end, nodes_names = [], [], []
    X_rows, rates, owners, cols, seqs, ctx = [], [], [], [], [], []
    for node, (i, j, originals) in enumerate(found):
        written = tuple(lowered[i:j])
        written_rates = channel.rates(list(written), lm.prior(lm.ids(written)))
        opts = sorted(((tuple(o.split(" ")), c) for o, c in originals.items() if all(lm.ids(o.split(" ")) > 0)),
                      key=lambda x: -x[1])[:MAX_PRIOR]
        if not opts:
            continue
        nodes_P.append(i)
        nodes_end.append(j)
        nodes_names.append(tuple(" ".join(o) for o, _ in opts))
        x = np.zeros(F)
        x[_F["keep"]] = 1.0
        x[_F["spun_form"]] = np.log1p(sum(originals.values()))
        X_rows.append(x)
        rates.append(float(1.0 - np.prod(1.0 - written_rates)))  # the chance a spinner touched one of its words
        for k, (o, c) in enumerate(opts):
            o_prior = lm.prior(lm.ids(o))
            x = np.zeros(F)
            total = channel.real_count(" ".join(o)) if len(o) == 1 else channel.phrase_total(" ".join(o))
            x[_F["form"]] = np.log(c / (total + w.form_strength))
            x[_F["real_count"]] = np.log1p(c)
            x[_F["prior"]] = float(o_prior.sum() - lm.prior(base[i:j]).sum())
            X_rows.append(x)
            rates.append(float(channel.rates(list(o), o_prior).mean()))
        for k, seq in enumerate([tuple(base[i:j].tolist()), *(tuple(lm.ids(o).tolist()) for o, _ in opts)]):
            owners.append(len(nodes_P) - 1)
            cols.append(k)
            seqs.append(seq)
            ctx.append((int(p2[i]), int(p1[i]), int(n1[j - 1]), int(n2[j - 1])))
    if not nodes_P:
        return None
    left, inner, right = _sequence_terms(lm, seqs, ctx)
    X = np.array(X_rows)
    X[:, _F["lm"]] = left + inner + right
    rate = np.array(rates)
    X[:, _F["keep_rate"]] = np.where(np.array(cols) == 0, np.log(np.maximum(rate, 1e-12)), 0.0)
    X[:, _F["replace_rate"]] = np.where(np.array(cols) == 0, 0.0, np.log(np.maximum(rate, 1e-12)))
    return (np.array(nodes_P), np.array(nodes_end), nodes_names, X, rate, np.array(owners), np.array(cols),
            np.array([q[0] for q in seqs]), np.array([q[-1] for q in seqs]), left, inner, right)


def _sequence_terms(lm: LanguageModel, seqs: Sequence[Tuple[int, ...]], ctx: Sequence[Tuple[int, int, int, int]]
                    ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The language model over word sequences between two words before and two after (-1 past the
    sentence edge): the first word (left), the others (inner), the two words after (right)."""
    hist: List[Tuple[int, int]] = []
    target: List[int] = []
    which: List[Tuple[int, int]] = []  # (sequence, 0 left / 1 inner / 2 right)
    for k, (seq, (p2, p1, n1, n2)) in enumerate(zip(seqs, ctx)):
        full = [p2, p1, *seq]
        for t in range(len(seq)):
            hist.append((full[t], full[t + 1]))
            target.append(seq[t])
            which.append((k, 0 if t == 0 else 1))
        if n1 >= 0:
            tail = [*full[-2:], n1] + ([n2] if n2 >= 0 else [])
            for t in range(len(tail) - 2):
                hist.append((tail[t], tail[t + 1]))
                target.append(tail[t + 2])
                which.append((k, 2))
    lp = lm.logp(np.array(hist, dtype=np.int64), np.array(target, dtype=np.int64))
    out = np.zeros((3, len(seqs)))
    idx = np.array(which)
    np.add.at(out, (idx[:, 1], idx[:, 0]), lp)
    return out[0], out[1], out[2]


def _lm_terms(lm: LanguageModel, O: np.ndarray, around: Sequence[np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
    """For options ``O`` with the words as written two before and two after (-1 past the sentence
    edge): the language model's score of the option after the two words before it (left), and of
    the two words after it (right)."""
    p2, p1, n1, n2 = around
    after1, after2 = np.maximum(n1, 0), np.maximum(n2, 0)
    m = len(O)
    lp = lm.logp(np.column_stack([np.r_[p2, p1, O], np.r_[p1, O, after1]]), np.r_[O, after1, after2])
    left = lp[:m]
    # the right side reads the word before as written: exact unless that word is a candidate too,
    # where the pair terms of the lattice take over
    right = np.where(n1 >= 0, lp[m : 2 * m], 0.0) + np.where((n1 >= 0) & (n2 >= 0), lp[2 * m :], 0.0)
    return left, right


def option_table(lm: LanguageModel, channel: Channel, words: Sequence[str], sentence: np.ndarray,
                 skip: Optional[np.ndarray] = None, cache: Optional[Dict[str, Any]] = None
                 ) -> Optional[Tuple[np.ndarray, np.ndarray, List[Tuple[str, ...]], np.ndarray, np.ndarray, np.ndarray]]:
    """The decoder's view of every candidate word, unweighed, for fitting and measuring the channel
    (:mod:`garblecheck.channel_fit`): ``(P, owner, originals, X, rate)``, plus each row's column;
    ``X`` has ``OPTION_FEATURES`` columns with ``log r`` in both rate columns (the caller adds the
    intensity), rows grouped by candidate word, the word as written first."""
    cache = {} if cache is None else cache
    prep, _, _ = _prepare(lm, channel, words, sentence, skip, None, cache)
    if prep is None:
        return None
    return prep.P, prep.owner, prep.names, prep.X, prep.rate, prep.col


def decode(lm: LanguageModel, channel: Channel, words: Sequence[str], sentence: np.ndarray,
           skip: Optional[np.ndarray] = None, fixed: Optional[Dict[int, int]] = None,
           rho: Any = None, lm_weight: Optional[float] = None,
           prior: Optional[Tuple[float, float]] = None, known: Any = 0,
           cache: Optional[Dict[str, Any]] = None, doc: Optional[np.ndarray] = None,
           learn: Optional[ChannelStats] = None) -> Tuple[List[Decision], np.ndarray]:
    """Decode the words of one document, or of several at once (``doc``: the document index of
    each word, non-decreasing; each document has its own intensity). ``sentence`` is the sentence
    index of each word.

    ``skip`` marks words that are never candidates; ``fixed`` gives the vocabulary id to read in
    place of a word (a lexicon flag's replacement) as context. ``rho`` fixes the page intensity
    instead of estimating it (one for all, or one per document); ``known`` substitutions found by other means (lexicon flags) count
    towards the estimate (a number, or one per document). ``lm_weight`` and ``prior`` (the Gamma
    prior of the intensity) override the channel's weights. ``cache`` keeps each form's options
    between calls with the same ``lm`` and ``channel`` (a dict the caller owns). Returns the
    decisions and each document's intensity (estimated by EM, or ``rho``); the decisions are taken
    at the intensity the *other* words of the document give. ``learn`` gathers the expected counts
    of every option and eligible word (:meth:`Channel.learned`).
    """
    weights = channel.weights
    if lm_weight is not None:
        weights = weights.replace(lm=lm_weight)
    if prior is not None:
        weights = weights.replace(intensity_prior=tuple(prior))
    cache = {} if cache is None else cache
    n = len(words)
    doc = np.zeros(n, dtype=np.int64) if doc is None else np.asarray(doc, dtype=np.int64)
    D = int(doc[-1]) + 1 if n else 1
    nothing = np.zeros(D) if rho is None else np.broadcast_to(np.asarray(rho, dtype=np.float64), (D,)).copy()
    if n == 0:
        return [], nothing
    known = np.broadcast_to(np.asarray(known, dtype=np.float64), (D,))
    prep, base, first = _prepare(lm, channel, words, sentence, skip, fixed, cache)
    if prep is None:
        return [], nothing
    w = weights.vector()
    w_static = w.copy()
    w_static[[_F["keep_rate"], _F["replace_rate"], _F["lm"]]] = 0.0  # the lm and the rates are added apart
    static = prep.X @ w_static
    # a word none of whose originals comes within DROP_MARGIN of it (at intensity 1) is kept without a decision
    sr = np.minimum(prep.rate, MAX_SR)
    local = weights.lm * prep.X[:, _F["lm"]] + static + np.where(
        prep.col > 0, weights.replace_rate * np.log(sr), weights.keep_rate * np.log1p(-sr))
    sizes = np.bincount(prep.owner, minlength=len(prep.P))
    heads = np.cumsum(sizes) - sizes
    best_alt = np.maximum.reduceat(np.where(prep.col == 0, NEG, local), heads)
    alive = best_alt - local[heads] > -DROP_MARGIN
    flat = alive[prep.owner]
    P, end = prep.P[alive], prep.end[alive]
    names_of = [nm for nm, ok in zip(prep.names, alive.tolist()) if ok]
    if not len(P):
        return [], _intensity_only(prep, doc, D, known, weights) if rho is None else nothing
    owner = np.cumsum(alive)[prep.owner[flat]] - 1
    col = prep.col[flat]
    C, K = len(P), int(col.max() + 1)
    first_id = np.zeros((C, K), dtype=np.int64)
    last_id = np.zeros((C, K), dtype=np.int64)
    names = np.full((C, K), -1, dtype=np.int64)  # column of the option in its candidate's list
    rate = np.ones((C, K))
    lm_left = np.zeros((C, K))
    lm_right = np.zeros((C, K))
    unary = np.full((C, K), NEG)
    first_id[owner, col], last_id[owner, col] = prep.first_id[flat], prep.last_id[flat]
    names[owner, col], rate[owner, col] = col, prep.rate[flat]
    lm_left[owner, col], lm_right[owner, col] = prep.left[flat], prep.right[flat]
    unary[owner, col] = static[flat] + weights.lm * prep.inner[flat]
    linked = np.r_[(P[1:] == end[:-1]) & ~first[P[1:]], False]
    # language-model terms: the left one on a run's first word, the right on its last, pairs between
    unary = unary + weights.lm * (np.where(np.r_[True, ~linked[:-1]][:, None], lm_left, 0.0)
                                  + np.where(~linked[:, None], lm_right, 0.0))
    unary[names < 0] = NEG
    del lm_left, lm_right
    li = np.flatnonzero(linked)
    pair = np.zeros((len(li), K, K))
    for at in range(0, len(li), STEP_BLOCK):
        block = li[at : at + STEP_BLOCK]
        a = np.repeat(last_id[block], K, axis=1).ravel()
        b = np.tile(first_id[block + 1], (1, K)).ravel()
        pair[at : at + len(block)] = weights.lm * lm.logp(a[:, None], b).reshape(len(block), K, K)
    del first_id, last_id
    lattice = _Lattice(unary, rate, pair, linked, weights)

    dP = doc[P]
    if rho is None:
        s_doc = np.full(D, INTENSITY_START)
        for _ in range(EM_ITERATIONS):
            q = 1.0 - lattice.marginals(lattice.scores(s_doc[dP]))[:, 0]
            s_doc, s_word = _m_step(prep, doc, D, P, end, q, known, weights)
        intensity = s_word  # each word at the intensity the other words give
        s_out = s_doc
    else:
        s_out = nothing
        intensity = s_out[dP]
    score = lattice.scores(intensity)
    post = lattice.marginals(score)
    choice = lattice.viterbi(score)
    if learn is not None:
        _gather(learn, prep, words, doc, P, end, names_of, names, post, s_out)
    out = []
    ranked = np.argsort(-post, axis=1, kind="stable")
    for i in np.flatnonzero((choice > 0) | (post[:, 0] < REPORT_BELOW)).tolist():
        alts = names_of[i]
        js = [j for j in ranked[i].tolist() if names[i, j] > 0]
        chosen = int(names[i, choice[i]])
        out.append(Decision(int(P[i]), tuple(alts[names[i, j] - 1] for j in js), tuple(float(post[i, j]) for j in js),
                            float(post[i, 0]), None if chosen <= 0 else alts[chosen - 1], int(end[i] - P[i])))
    return out, s_out


def _gather(learn: ChannelStats, prep: _Prepared, words: Sequence[str], doc: np.ndarray, P: np.ndarray, end: np.ndarray,
            names_of: List[Tuple[str, ...]], names: np.ndarray, post: np.ndarray, intensity: np.ndarray) -> None:
    """Every eligible word's expected originals into ``learn``: the lattice's posteriors, and the
    word itself for the others."""
    lowered = [w.lower().replace("’", "'") for w in words]
    covered = np.zeros(len(words), dtype=bool)
    for i in range(len(P)):
        a, b = int(P[i]), int(end[i])
        covered[a:b] = True
        form = " ".join(lowered[a:b])
        s = float(intensity[doc[a]])
        for j in np.flatnonzero(names[i] >= 0).tolist():
            q = float(post[i, j])
            if q > 1e-4:
                learn.add(form, form if j == 0 else names_of[i][names[i, j] - 1], q, s)
    for k in prep.eligible[~covered[prep.eligible]].tolist():
        learn.add(lowered[k], lowered[k], 1.0, float(intensity[doc[k]]))


def _objective(keep_terms: np.ndarray, replaced: np.ndarray, weights: ChannelWeights) -> np.ndarray:
    """The expected log-likelihood of each document at each grid intensity (rows: documents),
    with the Gamma prior: ``keep_terms`` summed ``q_keep log(1 - s r)`` per grid intensity,
    ``replaced`` the expected replacements (known ones included)."""
    grid = intensity_grid()
    a, b = weights.intensity_prior
    return keep_terms + (replaced[:, None] + a - 1.0) * np.log(grid)[None, :] - b * grid[None, :]


def _keep_terms(q_keep: np.ndarray, r: np.ndarray, doc: np.ndarray, D: int) -> np.ndarray:
    grid = intensity_grid()
    out = np.zeros((D, len(grid)))
    for g, s in enumerate(grid):
        out[:, g] = np.bincount(doc, weights=q_keep * np.log1p(-np.minimum(s * r, MAX_SR)), minlength=D)
    return out


def _m_step(prep: _Prepared, doc: np.ndarray, D: int, P: np.ndarray, end: np.ndarray, q: np.ndarray, known: np.ndarray,
            weights: ChannelWeights) -> Tuple[np.ndarray, np.ndarray]:
    """The intensity of each document, and of each lattice candidate with its own evidence left out.
    ``q``: each candidate's posterior of having been replaced (a phrase: once, for all its words);
    every other eligible word was kept."""
    grid = intensity_grid()
    e = prep.eligible
    # each eligible word's candidate (-1: none): candidates cover the words P[i] .. end[i] - 1
    at = np.searchsorted(P, e, side="right") - 1
    node = np.where((at >= 0) & (e < end[np.maximum(at, 0)]), at, -1)
    q_keep = np.where(node >= 0, 1.0 - q[np.maximum(node, 0)], 1.0)
    keep = _keep_terms(q_keep, prep.eligible_rate, doc[e], D)
    replaced = np.bincount(doc[P], weights=q, minlength=D) + known
    F = _objective(keep, replaced, weights)
    s_doc = grid[F.argmax(axis=1)]
    # the same without each candidate's own terms
    inside = node >= 0
    own_keep = np.zeros((len(P), len(grid)))
    for g, s in enumerate(grid):
        own_keep[:, g] = np.bincount(node[inside], weights=np.log1p(-np.minimum(s * prep.eligible_rate[inside], MAX_SR)),
                                     minlength=len(P))
    own = (1.0 - q)[:, None] * own_keep + q[:, None] * np.log(grid)[None, :]
    s_word = grid[(F[doc[P]] - own).argmax(axis=1)]
    return s_doc, s_word


def _intensity_only(prep: _Prepared, doc: np.ndarray, D: int, known: np.ndarray, weights: ChannelWeights) -> np.ndarray:
    """The intensity of documents none of whose words is worth a decision: every word kept."""
    keep = _keep_terms(np.ones(len(prep.eligible)), prep.eligible_rate, doc[prep.eligible], D)
    return intensity_grid()[_objective(keep, known.astype(np.float64), weights).argmax(axis=1)]


class _Pool:
    """The options of every form met so far, in flat arrays: for a form's slot, ``size`` originals
    from ``start`` in ``ids`` (vocabulary ids), ``feat`` (their ``OPTION_FEATURES``, context
    columns 0) and ``rate`` (replace rates), their words in ``names``; the form's own keep
    features and rate in ``keep_feat`` and ``keep_rate``. A form gets the ``MAX_PRIOR`` originals
    the language model knows that are most likely by channel, rate and unigram."""

    def __init__(self, lm: LanguageModel, channel: Channel) -> None:
        self.lm, self.channel = lm, channel
        self.slot: Dict[str, int] = {}
        self.names: List[Tuple[str, ...]] = []
        F = len(OPTION_FEATURES)
        self.start = np.zeros(0, dtype=np.int64)
        self.size = np.zeros(0, dtype=np.int64)
        self.ids = np.zeros(0, dtype=np.int64)
        self.feat = np.zeros((0, F))
        self.rate = np.zeros(0)
        self.keep_feat = np.zeros((0, F))
        self.keep_rate = np.zeros(0)

    def slots(self, forms: Sequence[str]) -> np.ndarray:
        get = self.slot.get
        out = [get(f, -1) for f in forms]
        new = sorted({f for f, k in zip(forms, out) if k < 0})
        if new:
            if len(self.slot) > 500_000:  # bounded memory on endless streams of new forms
                self.__init__(self.lm, self.channel)  # type: ignore[misc]
                return self.slots(forms)
            self._add(new)
            out = [get(f, -1) for f in forms]
        return np.array(out, dtype=np.int64)

    def _add(self, new: Sequence[str]) -> None:
        lm, channel = self.lm, self.channel
        w = channel.weights
        F = len(OPTION_FEATURES)
        form_prior = lm.prior(lm.ids(new))
        keep_rate = channel.rates(new, form_prior)
        keep_feat = np.zeros((len(new), F))
        keep_feat[:, _F["keep"]] = 1.0
        keep_feat[:, _F["spun_form"]] = np.log1p([channel.spun_count(f) for f in new])
        keep_feat[:, _F["keep_rate"]] = np.log(keep_rate)
        starts, sizes, ids, feats, rates = [], [], [], [], []
        total = len(self.ids)
        per_form = [[c for c in channel.candidates(f) if c[0] != f] for f in new]
        all_originals = [c[0] for cands in per_form for c in cands]
        all_ids = lm.ids(all_originals)
        all_prior = lm.prior(all_ids)
        all_rates = channel.rates(all_originals, all_prior) if all_originals else np.zeros(0)
        at = 0
        for i, (f, cands) in enumerate(zip(new, per_form)):
            k = len(cands)
            found, prior, r = all_ids[at : at + k], all_prior[at : at + k], all_rates[at : at + k]
            at += k
            known = np.flatnonzero(found > 0)
            x = np.zeros((len(known), F))
            x[:, _F["form"]] = [cands[j][1] for j in known.tolist()]
            x[:, _F["real_count"]] = np.log1p([cands[j][2] for j in known.tolist()])
            x[:, _F["thesaurus"]] = [cands[j][3] < 9 for j in known.tolist()]
            x[:, _F["prior"]] = prior[known] - form_prior[i]
            x[:, _F["replace_rate"]] = np.log(r[known])
            rank = x @ w.vector() + w.lm * prior[known]
            top = np.argsort(-rank, kind="stable")[:MAX_PRIOR]
            self.slot[f] = len(self.names)
            self.names.append(tuple(cands[j][0] for j in known[top].tolist()))
            starts.append(total)
            sizes.append(len(top))
            ids.append(found[known[top]])
            feats.append(x[top])
            rates.append(r[known[top]])
            total += len(top)
        self.start = np.r_[self.start, starts].astype(np.int64)
        self.size = np.r_[self.size, sizes].astype(np.int64)
        self.ids = np.concatenate([self.ids, *ids]).astype(np.int64)
        self.feat = np.concatenate([self.feat, *feats])
        self.rate = np.concatenate([self.rate, *rates])
        self.keep_feat = np.concatenate([self.keep_feat, keep_feat])
        self.keep_rate = np.concatenate([self.keep_rate, keep_rate])
