"""Restoration as noisy-channel decoding, with a channel learned from real spinners.

Each word of a sentence either stayed as the spinner found it or replaced an original the channel
links it to (:mod:`garblecheck.decoding.channel`). Every option of a word gets a log-linear score, its
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

from ..evidence.features import shifted
from ..evidence.lm import LanguageModel
from ..text.wordlists import STOPWORDS
from .channel import OPTION_FEATURES, Channel, ChannelStats, ChannelWeights

__all__ = ["Decision", "decode", "page_rates", "FLAG_MIN", "option_table", "intensity_grid", "EM_ITERATIONS"]

EM_ITERATIONS = 5
NEG = -1e30
DROP_MARGIN = 6.0  # log-odds (at intensity 1) below which a word's best original is not worth a place in the lattice
PHRASE_MIN = 2  # a real multi-word swap seen this often is an option of the decoder
PHRASE_MIN_FUNCTION = 10  # ... this often where the spinner wrote function words only
MAX_PRIOR = 8  # per form: the originals most likely a priori (channel and unigram)
FLAG_MIN = 0.7  # a decision whose chosen original has this posterior becomes a flag, and restore applies it
REPORT_BELOW = 0.9  # decisions are returned for words Viterbi replaces or whose P(keep) is below this
INTENSITY_START = 0.5
MAX_SR = 0.98  # s * r never reaches 1: a spinner may always leave a word alone
_F = {name: i for i, name in enumerate(OPTION_FEATURES)}


def intensity_grid() -> np.ndarray:
    """The intensities EM chooses from (log-spaced; 1 is the average real spun page)."""
    return np.geomspace(0.002, 2.0, 32)


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
    scores ``unary`` and the rates of the words each option keeps (``keep_r``) and replaces
    (``repl_r``, NaN padded); for the rows ``i`` that are ``linked`` to the next, ``pair`` holds (in their order) the language-model scores from the
    options of ``i`` to those of ``i + 1``. Chains are walked a step at a time for all runs at
    once, in blocks of rows."""

    def __init__(self, unary: np.ndarray, keep_r: np.ndarray, repl_r: np.ndarray, pair: np.ndarray, linked: np.ndarray,
                 weights: ChannelWeights) -> None:
        self.unary, self.keep_r, self.repl_r, self._pair = unary, keep_r, repl_r, pair
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
        return self.unary + _rate_terms(self.keep_r, self.repl_r, s, self.w_keep, self.w_replace)

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
    keep_r: np.ndarray  # the rates of the words each option keeps, and of those it replaces (RATE_SLOTS, NaN padded)
    repl_r: np.ndarray
    eligible: np.ndarray
    eligible_rate: np.ndarray
    pairs: Dict[int, List[Optional[Tuple[str, str]]]]  # a phrase's (form, original) per option, by its first word


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
    pool = _pool(lm, channel, cache)
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
    keep_r = np.full((len(rate), RATE_SLOTS), np.nan)
    repl_r = np.full((len(rate), RATE_SLOTS), np.nan)
    keep_r[:, 0] = np.where(col == 0, rate, np.nan)
    repl_r[:, 0] = np.where(col > 0, rate, np.nan)
    first_id = last_id = ids
    pairs: Dict[int, List[Optional[Tuple[str, str]]]] = {}
    ph = _phrase_nodes(lm, channel, pool, lowered, ok, sentence, base, around, cache)
    if ph is None and not len(P):
        return None, base, first
    if ph is not None:
        pairs = ph["pairs"]
        inside = np.zeros(n + 1, dtype=np.int64)
        np.add.at(inside, ph["P"], 1)
        np.add.at(inside, ph["end"], -1)
        drop = np.cumsum(inside)[P] > 0  # single words inside a phrase: the phrase's options include theirs
        kept = ~drop[owner]
        singles = int((~drop).sum())
        order = np.argsort(np.r_[P[~drop], ph["P"]], kind="stable")  # the candidates in the order of the text
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        new_owner = rank[np.r_[np.cumsum(~drop)[owner[kept]] - 1, ph["owner"] + singles]]
        rows = np.lexsort((np.r_[col[kept], ph["col"]], new_owner))

        def cat(single: np.ndarray, phrase: np.ndarray) -> np.ndarray:
            return np.concatenate([single[kept], phrase])[rows]

        X, rate, col = cat(X, ph["X"]), cat(rate, ph["rate"]), cat(col, ph["col"])
        left, inner, right = cat(left, ph["left"]), cat(inner, ph["inner"]), cat(right, ph["right"])
        keep_r, repl_r = cat(keep_r, ph["keep_r"]), cat(repl_r, ph["repl_r"])
        first_id, last_id = cat(ids, ph["first_id"]), cat(ids, ph["last_id"])
        every = [nm for nm, d in zip(names, drop.tolist()) if not d] + ph["names"]
        names = [every[i] for i in order.tolist()]
        P, end = np.r_[P[~drop], ph["P"]][order], np.r_[end[~drop], ph["end"]][order]
        owner = new_owner[rows]
    return _Prepared(P, end, names, X, rate, owner, col, first_id, last_id, left, inner, right, keep_r, repl_r,
                     eligible, eligible_rate, pairs), base, first


def _phrase_index(channel: Channel, cache: Dict[str, Any]) -> Dict[str, List[Tuple[Tuple[str, ...], Dict[str, float]]]]:
    """The real multi-word swaps the decoder reads, by their first word, longest first."""
    index = cache.get("phrases")
    if index is None or index[0] is not channel:
        by_first: Dict[str, List[Tuple[Tuple[str, ...], Dict[str, float]]]] = {}
        for spun, originals in channel.phrases.items():
            key = tuple(spun.split(" "))
            # a phrase of function words only ("had been") is common English: it needs far more evidence
            if sum(originals.values()) >= (PHRASE_MIN_FUNCTION if all(w in STOPWORDS for w in key) else PHRASE_MIN):
                by_first.setdefault(key[0], []).append((key, originals))
        for v in by_first.values():
            v.sort(key=lambda x: -len(x[0]))
        index = cache["phrases"] = (channel, by_first)
    return index[1]


def _phrase_nodes(lm: LanguageModel, channel: Channel, pool: "_Pool", lowered: Sequence[str], ok: np.ndarray,
                  sentence: np.ndarray, base: np.ndarray, around: Sequence[np.ndarray], cache: Dict[str, Any]
                  ) -> Optional[Dict[str, Any]]:
    """The phrases of ``Channel.phrases`` written at eligible words of one sentence, as candidates
    whose options are the phrase as written, each of its words replaced alone by one of its own
    options (the others as written), and the phrase's real originals; the language model read
    over every word of an option, the rates of every word an option keeps or replaces."""
    by_first = _phrase_index(channel, cache)
    found: List[Tuple[int, int, Tuple[str, ...]]] = []
    n = len(lowered)
    after = -1
    for i in [i for i, x in enumerate(lowered) if x in by_first]:
        if i < after or not ok[i]:
            continue
        for key, _ in by_first[lowered[i]]:
            j = i + len(key)
            if j <= n and tuple(lowered[i:j]) == key and ok[i:j].all() and sentence[j - 1] == sentence[i]:
                found.append((i, j, key))
                after = j
                break
    if not found:
        return None
    templates = cache.setdefault("phrase_options", {})
    nodes: List[Tuple[int, int]] = []
    parts: List[Dict[str, Any]] = []
    for i, j, key in found:
        t = templates.get(key)
        if t is None:
            t = templates[key] = _phrase_options(lm, channel, pool, key, dict(by_first[key[0]])[key])
        if len(t["names"]) < 2:
            continue
        nodes.append((i, j))
        parts.append(t)
    if not nodes:
        return None
    sizes = np.array([len(t["names"]) for t in parts])
    owner = np.repeat(np.arange(len(nodes)), sizes)
    X, keep_r, repl_r, seq, length = (np.concatenate([t[k] for t in parts]) for k in ("X", "keep_r", "repl_r", "seq", "length"))
    starts, ends = np.array(nodes).T
    p2, p1, n1, n2 = around
    left, inner, right = _sequence_terms(lm, seq, length, p2[starts][owner], p1[starts][owner], n1[ends - 1][owner],
                                         n2[ends - 1][owner])
    X = X.copy()
    X[:, _F["lm"]] = left + inner + right
    # the best options of each phrase (at intensity 1), the phrase as written always among them
    local = _local_scores(X, keep_r, repl_r, channel.weights)
    col = np.arange(len(owner)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    order = np.lexsort((-np.where(col == 0, np.inf, local), owner))
    keep = order[col <= MAX_PRIOR]  # order keeps each node's rows together, so col serves as the rank
    owner = owner[keep]
    kept_sizes = np.bincount(owner, minlength=len(nodes))
    col = np.arange(len(keep)) - np.repeat(np.cumsum(kept_sizes) - kept_sizes, kept_sizes)
    local_row = keep - np.repeat(np.cumsum(sizes) - sizes, sizes)[keep]  # each kept row in its template
    names_by: List[List[str]] = [[] for _ in nodes]
    pairs_by: List[List[Optional[Tuple[str, str]]]] = [[] for _ in nodes]
    for k, r in zip(owner.tolist(), local_row.tolist()):  # in the order kept: the phrase as written first
        names_by[k].append(parts[k]["names"][r])
        pairs_by[k].append(parts[k]["pairs"][r])
    rows_seq, rows_len = seq[keep], length[keep]
    rate = np.where(col == 0, 1.0 - np.nanprod(1.0 - keep_r[keep], axis=1), repl_r[keep][:, 0])
    return {"P": starts, "end": ends, "names": [tuple(nm[1:]) for nm in names_by], "X": X[keep],
            "rate": rate, "keep_r": keep_r[keep], "repl_r": repl_r[keep], "owner": owner, "col": col,
            "first_id": rows_seq[:, 0], "last_id": rows_seq[np.arange(len(keep)), rows_len - 1],
            "left": left[keep], "inner": inner[keep], "right": right[keep],
            "pairs": {nodes[k][0]: pr for k, pr in enumerate(pairs_by)}}


def _phrase_options(lm: LanguageModel, channel: Channel, pool: "_Pool", key: Tuple[str, ...],
                    originals: Dict[str, float]) -> Dict[str, Any]:
    """The options of a written phrase, wherever it stands, the phrase as written first: their
    ``names``, features ``X``, the rates of the words each keeps and replaces, word ids ``seq``
    (``length`` of them), and the (form, original) pair each stands for."""
    w = channel.weights
    written = list(key)
    ids = lm.ids(written).tolist()
    slots = pool.slots(written)
    keep_x = pool.keep_feat[slots]
    keep_r = pool.keep_rate[slots].tolist()
    opts: List[Tuple[Any, ...]] = [(" ".join(written), keep_x.sum(axis=0), keep_r, [], tuple(ids), None)]
    for k, slot in enumerate(slots.tolist()):  # one word replaced by one of its own options
        others = [m for m in range(len(written)) if m != k]
        for t in range(int(pool.size[slot])):
            at = int(pool.start[slot]) + t
            name = pool.names[slot][t]
            opts.append((" ".join(written[:k] + [name] + written[k + 1 :]), pool.feat[at] + keep_x[others].sum(axis=0),
                         [keep_r[m] for m in others], [float(pool.rate[at])],
                         tuple(ids[:k] + [int(pool.ids[at])] + ids[k + 1 :]), (written[k], name)))
    written_prior = float(lm.prior(np.array(ids)).sum())
    for o, c in sorted(originals.items(), key=lambda x: -x[1]):  # the phrase's real originals
        if "'" in o:
            continue  # a contraction the spinner wrote out ("it is" for "it's") reads as well as it is
        words = o.split(" ")
        o_ids = lm.ids(words)
        if not (o_ids > 0).all():
            continue
        x = np.zeros(len(OPTION_FEATURES))
        total = channel.real_count(o) if len(words) == 1 else channel.phrase_total(o)
        x[_F["form"]] = np.log(c / (total + w.form_strength))
        x[_F["real_count"]] = np.log1p(c)
        x[_F["prior"]] = float(lm.prior(o_ids).sum()) - written_prior
        x[_F["keep"]] = len(written) - 1  # one swap against the phrase as written, as a word's option is
        opts.append((o, x, [], [float(channel.rates(words, lm.prior(o_ids)).mean())], tuple(o_ids.tolist()),
                     (" ".join(written), o)))
    seq = np.zeros((len(opts), RATE_SLOTS), dtype=np.int64)
    for k, o in enumerate(opts):
        seq[k, : len(o[4])] = o[4]
    return {"names": [o[0] for o in opts], "X": np.array([o[1] for o in opts]), "keep_r": _rate_table([o[2] for o in opts]),
            "repl_r": _rate_table([o[3] for o in opts]), "seq": seq, "length": np.array([len(o[4]) for o in opts]),
            "pairs": [o[5] for o in opts]}


RATE_SLOTS = 3  # an option keeps or replaces at most this many words of a phrase


def _rate_table(rates: Sequence[Sequence[float]]) -> np.ndarray:
    """Rates per option, padded with NaN to ``RATE_SLOTS`` columns."""
    out = np.full((len(rates), RATE_SLOTS), np.nan)
    for k, r in enumerate(rates):
        out[k, : len(r)] = r
    return out


def _rate_terms(keep_r: np.ndarray, repl_r: np.ndarray, s: Any, w_keep: float, w_replace: float) -> np.ndarray:
    """The intensity's terms of each option: ``w_keep log(1 - s r)`` for each word it keeps and
    ``w_replace log(s r)`` for each word it replaces (NaN rates: no word). ``s`` broadcasts over
    the options' leading axes."""
    s = np.asarray(s, dtype=np.float64)[..., None]
    kept = np.log1p(-np.minimum(s * np.nan_to_num(keep_r), MAX_SR))
    repl = np.log(np.minimum(s * np.nan_to_num(repl_r, nan=1.0), MAX_SR))
    return w_keep * np.where(np.isnan(keep_r), 0.0, kept).sum(-1) + w_replace * np.where(np.isnan(repl_r), 0.0, repl).sum(-1)


def _local_scores(X: np.ndarray, keep_r: np.ndarray, repl_r: np.ndarray, weights: ChannelWeights) -> np.ndarray:
    """Each option's score between the words as written, at intensity 1."""
    w = weights.vector()
    w[[_F["keep_rate"], _F["replace_rate"]]] = 0.0
    return X @ w + _rate_terms(keep_r, repl_r, 1.0, weights.keep_rate, weights.replace_rate)


def _sequence_terms(lm: LanguageModel, seq: np.ndarray, length: np.ndarray, p2: np.ndarray, p1: np.ndarray,
                    n1: np.ndarray, n2: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The language model over word sequences (rows of ``seq``, ``length`` words each) between two
    words before and two after (-1 past the sentence edge): the first word (left), the others
    (inner), the two words after (right)."""
    R = len(seq)
    full = np.column_stack([p2, p1, seq])
    hist, target, which, part = [], [], [], []
    for t in range(seq.shape[1]):
        rows = np.flatnonzero(length > t)
        hist.append(full[rows, t : t + 2])
        target.append(seq[rows, t])
        which.append(rows)
        part.append(np.full(len(rows), 0 if t == 0 else 1))
    prev, last = full[np.arange(R), length], full[np.arange(R), length + 1]
    rows = np.flatnonzero(n1 >= 0)
    hist.append(np.column_stack([prev[rows], last[rows]]))
    target.append(n1[rows])
    which.append(rows)
    part.append(np.full(len(rows), 2))
    rows = np.flatnonzero((n1 >= 0) & (n2 >= 0))
    hist.append(np.column_stack([last[rows], n1[rows]]))
    target.append(n2[rows])
    which.append(rows)
    part.append(np.full(len(rows), 2))
    lp = lm.logp(np.concatenate(hist), np.concatenate(target))
    at = np.concatenate(part) * R + np.concatenate(which)
    out = np.bincount(at, weights=lp, minlength=3 * R).reshape(3, R)
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
    (:mod:`garblecheck.learn.channel_fit`): ``(P, owner, originals, X, rate)``, plus each row's column;
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
    D = max(int(doc[-1]) + 1 if n else 1, np.size(known), np.size(rho) if rho is not None else 1)  # the last documents may have no words
    nothing = np.zeros(D) if rho is None else np.broadcast_to(np.asarray(rho, dtype=np.float64), (D,)).copy()
    if n == 0:
        return [], nothing
    known = np.broadcast_to(np.asarray(known, dtype=np.float64), (D,))
    prep, base, first = _prepare(lm, channel, words, sentence, skip, fixed, cache)
    if prep is None:
        return [], nothing
    w_static = weights.vector()
    w_static[[_F["keep_rate"], _F["replace_rate"], _F["lm"]]] = 0.0  # the lm and the rates are added apart
    static = prep.X @ w_static
    # a candidate none of whose options comes within DROP_MARGIN of it (at intensity 1) is kept without a decision
    local = weights.lm * prep.X[:, _F["lm"]] + _local_scores(prep.X, prep.keep_r, prep.repl_r, weights)
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
    keep_r = np.full((C, K, RATE_SLOTS), np.nan)
    repl_r = np.full((C, K, RATE_SLOTS), np.nan)
    lm_left = np.zeros((C, K))
    lm_right = np.zeros((C, K))
    unary = np.full((C, K), NEG)
    first_id[owner, col], last_id[owner, col] = prep.first_id[flat], prep.last_id[flat]
    names[owner, col] = col
    keep_r[owner, col], repl_r[owner, col] = prep.keep_r[flat], prep.repl_r[flat]
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
    lattice = _Lattice(unary, keep_r, repl_r, pair, linked, weights)

    dP = doc[P]
    if rho is None:
        em = _Intensity(prep, doc, D, P, end, known, weights)
        s_doc = np.full(D, INTENSITY_START)
        for _ in range(EM_ITERATIONS):
            q = 1.0 - lattice.marginals(lattice.scores(s_doc[dP]))[:, 0]
            s_doc, s_word = em.step(q)
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
    """Every eligible word's expected originals into ``learn``: the lattice's posteriors (a
    phrase's options by the pair each stands for), and the word itself for the others."""
    lowered = [w.lower().replace("’", "'") for w in words]
    covered = np.zeros(len(words), dtype=bool)
    for i in range(len(P)):
        a, b = int(P[i]), int(end[i])
        covered[a:b] = True
        form = " ".join(lowered[a:b])
        s = float(intensity[doc[a]])
        phrase = prep.pairs.get(a) if b - a > 1 else None
        for j in np.flatnonzero(names[i] >= 0).tolist():
            q = float(post[i, j])
            if q <= 1e-4:
                continue
            if j == 0:
                learn.add(form, form, q, s)
            elif phrase is None:
                learn.add(form, names_of[i][names[i, j] - 1], q, s)
            else:
                pair = phrase[names[i, j]]
                if pair is not None:
                    learn.add(*pair, q, s)
    for k in prep.eligible[~covered[prep.eligible]].tolist():
        learn.add(lowered[k], lowered[k], 1.0, float(intensity[doc[k]]))


class _Intensity:
    """EM's M-step for the page intensity over the grid (``intensity_grid``): what does not change
    between iterations is summed once. Each eligible word that is no candidate was kept (its
    ``log(1 - s r)`` at every grid intensity, summed per document); each candidate ``i`` was kept
    with posterior ``1 - q_i`` (its words' terms, ``own``) or replaced, once, with posterior ``q_i``."""

    def __init__(self, prep: _Prepared, doc: np.ndarray, D: int, P: np.ndarray, end: np.ndarray, known: np.ndarray,
                 weights: ChannelWeights) -> None:
        self.grid = intensity_grid()
        self.log_grid = np.log(self.grid)
        self.D, self.known, self.weights = D, known, weights
        e = prep.eligible
        at = np.searchsorted(P, e, side="right") - 1  # each eligible word's candidate, -1 for none
        node = np.where((at >= 0) & (e < end[np.maximum(at, 0)]), at, -1) if len(P) else np.full(len(e), -1)
        inside = node >= 0
        self.rest = self._summed(prep.eligible_rate[~inside], doc[e[~inside]], D)
        self.own = self._summed(prep.eligible_rate[inside], node[inside], len(P))
        self.dP = doc[P]

    def _summed(self, r: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
        out = np.zeros((n, len(self.grid)))
        for g, s in enumerate(self.grid):
            out[:, g] = np.bincount(group, weights=np.log1p(-np.minimum(s * r, MAX_SR)), minlength=n)
        return out

    def _objective(self, keep: np.ndarray, replaced: np.ndarray) -> np.ndarray:
        a, b = self.weights.intensity_prior
        return keep + (replaced[:, None] + a - 1.0) * self.log_grid[None, :] - b * self.grid[None, :]

    def step(self, q: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Each document's intensity given the candidates' posteriors ``q`` of having been
        replaced, and each candidate's with its own terms left out."""
        kept = (1.0 - q)[:, None] * self.own
        keep = self.rest.copy()
        np.add.at(keep, self.dP, kept)
        replaced = np.bincount(self.dP, weights=q, minlength=self.D) + self.known
        F = self._objective(keep, replaced)
        own = kept + q[:, None] * self.log_grid[None, :]
        return self.grid[F.argmax(axis=1)], self.grid[(F[self.dP] - own).argmax(axis=1)]


def _intensity_only(prep: _Prepared, doc: np.ndarray, D: int, known: np.ndarray, weights: ChannelWeights) -> np.ndarray:
    """The intensity of documents none of whose words is worth a decision: every word kept."""
    em = _Intensity(prep, doc, D, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), known, weights)
    return em.grid[em._objective(em.rest, known.astype(np.float64)).argmax(axis=1)]


def _pool(lm: LanguageModel, channel: Channel, cache: Dict[str, Any]) -> "_Pool":
    """The option pool of ``cache`` for this ``lm`` and ``channel`` (a new one for others), given
    the vocabulary rates ``cache["vocab_rates"]`` holds for them, if any (``(lm, channel, r, a)``)."""
    pool = cache.get("pool")
    if pool is None or pool.channel is not channel or pool.lm is not lm:
        known = cache.get("vocab_rates")
        rates = known[2:] if known is not None and known[0] is lm and known[1] is channel else None
        pool = cache["pool"] = _Pool(lm, channel, rates)
    return pool


def vocab_rates(lm: LanguageModel, channel: Channel) -> Tuple[np.ndarray, np.ndarray]:
    """``r_w`` and ``a_w`` (:func:`page_rates`) of every word of the language model's vocabulary:
    they never change for one language model and channel, so a model ships them
    (``SpinModel.vocab_rates``) and ``page_rates`` is a gather per word."""
    return _Pool(lm, channel).vocab_rates(np.arange(len(lm.vocab), dtype=np.int64))  # type: ignore[attr-defined]


PAGE_RATE_GRID = np.geomspace(0.01, 2.0, 24)  # the intensities page_rates chooses from


PAGE_RATE_BLOCK = 1 << 18  # words; a batch of 1 MiB of text is one block


def page_rates(lm: LanguageModel, channel: Channel, ids: np.ndarray, doc: np.ndarray, D: int,
               cache: Dict[str, Any]) -> np.ndarray:
    """The channel's own estimate of each document's intensity, without the language model: for
    the lower-case words (vocabulary ``ids``) of documents ``doc``, each word either kept (``1 - s
    r_w``) or written by a spinner for an original ``o``, weighed by its unigram probability
    (``a_w = sum_o r_o P(w | o, replaced) P(o) / P(w)``, over the word's options). Returns one row
    per document: the intensity ``s`` of the largest likelihood ratio against an untouched page,
    that log-ratio per word, and the number of words it rests on. Cheap: a gather per word and a
    small grid (``PAGE_RATE_GRID``); words whose rate is small enter through ``log(1 - s r) ~ -s r``.
    Words are taken ``PAGE_RATE_BLOCK`` at a time (bounded memory).

    A word type counts once per document: a spinner decides per word (real spinners are close to
    deterministic per word: "price" 118 times of 122), so a topic word's repetitions ("primary" ten
    times in an election report) are one decision, not ten pieces of evidence. The last column
    counts the distinct words."""
    if len(ids):
        key = doc.astype(np.int64) * (int(ids.max()) + 1) + ids
        first = np.unique(key, return_index=True)[1]
        ids, doc = ids[first], doc[first]
    pool = _pool(lm, channel, cache)
    grid = PAGE_RATE_GRID
    llr = np.zeros((D, len(grid)))
    for i in range(0, len(ids), PAGE_RATE_BLOCK):
        d = doc[i : i + PAGE_RATE_BLOCK]
        r, a = pool.vocab_rates(np.asarray(ids[i : i + PAGE_RATE_BLOCK], dtype=np.int64))
        exact = (a > 0) | (r > 0.05)
        part = np.zeros((D, len(grid)))
        small = np.bincount(d[~exact], weights=r[~exact], minlength=D)
        part -= small[:, None] * grid[None, :]
        de, re_, ae = d[exact], r[exact], a[exact]
        for g, s in enumerate(grid):
            part[:, g] += np.bincount(de, weights=np.log(np.maximum(1.0 - np.minimum(s * re_, MAX_SR) + s * ae, 1e-12)),
                                      minlength=D)
        llr += part
    n = np.bincount(doc, minlength=D).astype(np.float64)
    best = llr.argmax(axis=1)
    top = llr[np.arange(D), best]
    return np.column_stack([np.where(top > 0, grid[best], 0.0), np.maximum(top, 0.0) / np.maximum(n, 1.0), n])


class _Pool:
    """The options of every form met so far, in flat arrays: for a form's slot, ``size`` originals
    from ``start`` in ``ids`` (vocabulary ids), ``feat`` (their ``OPTION_FEATURES``, context
    columns 0) and ``rate`` (replace rates), their words in ``names``; the form's own keep
    features and rate in ``keep_feat`` and ``keep_rate``. A form gets the ``MAX_PRIOR`` originals
    the language model knows that are most likely by channel, rate and unigram."""

    def __init__(self, lm: LanguageModel, channel: Channel, rates: Optional[Tuple[np.ndarray, np.ndarray]] = None) -> None:
        self.lm, self.channel, self._shipped = lm, channel, rates
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
        self._vocab_r: Optional[np.ndarray] = None if rates is None else rates[0]
        self._vocab_a = np.zeros(0) if rates is None else rates[1]

    def vocab_rates(self, ids: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Per vocabulary id of ``ids``: the word's replace rate ``r_w`` and how much it looks
        like a spinner's form, ``a_w`` (:func:`page_rates`); kept per id once asked for."""
        V = len(self.lm.vocab)  # type: ignore[attr-defined]
        if self._vocab_r is None:
            self._vocab_r, self._vocab_a = np.full(V, np.nan), np.zeros(V)
        new = np.unique(ids[np.isnan(self._vocab_r[ids])])
        if len(new):
            vocab = self.lm.vocab  # type: ignore[attr-defined]
            slots = self.slots([vocab[i] for i in new.tolist()])
            self._vocab_r[new] = self.keep_rate[slots]
            size = self.size[slots]
            owner = np.repeat(np.arange(len(new)), size)
            at = np.repeat(self.start[slots], size) + np.arange(int(size.sum())) - np.repeat(np.cumsum(size) - size, size)
            x = self.feat[at]
            odds = self.rate[at] * np.exp(x[:, _F["form"]] + x[:, _F["prior"]])
            self._vocab_a[new] = np.bincount(owner, weights=odds, minlength=len(new))
            self._vocab_r[0] = 0.0  # an unknown word tells nothing
            self._vocab_a[0] = 0.0
        return self._vocab_r[ids], self._vocab_a[ids]

    def slots(self, forms: Sequence[str]) -> np.ndarray:
        get = self.slot.get
        out = [get(f, -1) for f in forms]
        new = sorted({f for f, k in zip(forms, out) if k < 0})
        if new:
            if len(self.slot) > 500_000:  # bounded memory on endless streams of new forms
                self.__init__(self.lm, self.channel, self._shipped)  # type: ignore[misc]
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
        # every (form, original) of the new forms in flat lists, the originals the model knows only
        form_of, originals, lp, count, tier = [], [], [], [], []
        for k, f in enumerate(new):
            for o, p, c, t in channel.candidates(f):
                if o != f:
                    form_of.append(k)
                    originals.append(o)
                    lp.append(p)
                    count.append(c)
                    tier.append(t)
        ids = lm.ids(originals)
        known = np.flatnonzero(ids > 0)
        form_of, ids = np.array(form_of, dtype=np.int64)[known], ids[known]
        originals = [originals[i] for i in known.tolist()]
        prior = lm.prior(ids)
        rate = channel.rates(originals, prior) if originals else np.zeros(0)
        x = np.zeros((len(ids), F))
        x[:, _F["form"]] = np.array(lp)[known] if len(known) else 0.0
        x[:, _F["real_count"]] = np.log1p(np.array(count)[known]) if len(known) else 0.0
        x[:, _F["thesaurus"]] = np.array(tier)[known] < 9 if len(known) else 0.0
        x[:, _F["prior"]] = prior - form_prior[form_of]
        x[:, _F["replace_rate"]] = np.log(np.maximum(rate, 1e-12))
        # each form's MAX_PRIOR originals most likely a priori (channel, rate and unigram)
        rank = x @ w.vector() + w.lm * prior
        order = np.lexsort((-rank, form_of))
        sizes = np.bincount(form_of, minlength=len(new))
        within = np.arange(len(order)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        top = order[within < MAX_PRIOR]
        sizes = np.minimum(sizes, MAX_PRIOR)
        names: List[List[str]] = [[] for _ in new]
        for k, i in zip(form_of[top].tolist(), top.tolist()):
            names[k].append(originals[i])
        for k, f in enumerate(new):
            self.slot[f] = len(self.names)
            self.names.append(tuple(names[k]))
        self.start = np.r_[self.start, len(self.ids) + np.cumsum(sizes) - sizes].astype(np.int64)
        self.size = np.r_[self.size, sizes].astype(np.int64)
        self.ids = np.concatenate([self.ids, ids[top]]).astype(np.int64)
        self.feat = np.concatenate([self.feat, x[top]])
        self.rate = np.concatenate([self.rate, rate[top]])
        self.keep_feat = np.concatenate([self.keep_feat, keep_feat])
        self.keep_rate = np.concatenate([self.keep_rate, keep_rate])
