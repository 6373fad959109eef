"""Fit and measure the spinner channel on what real spinners did (``../shared/real-spins``).

The real-spins folder holds, for real spun pages aligned with their sources, every swap with one
token of the spun page on each side (``windows.tsv``), a sample of the words the spinner kept
(``kept.tsv``), each page's intensity (``pages.tsv``), how often each source word was replaced
(``originals.tsv``) and the pairs of earlier pages (``substitutions.tsv``, shipped as
``real_pairs.tsv``). Pages are split by number: the even half tunes, the odd half measures.

- :func:`measure`: for each real one-word swap of the given pages, whether the original is among
  the decoder's options, ranked first among them, and whether the decoder (at the page's
  intensity) changes the word to it or to something else; for each kept word, whether it would
  change it. The channel is built from the other pages only (:meth:`RealSpins.channel`).
- :func:`fit_weights`: the decoder's weights (``channel.ChannelWeights``) by maximum likelihood of
  the real choices (swaps and kept words, the kept sample weighed up to its share), each page's
  options read from a channel built without that page's fold.
- :func:`fit_rate_backoff`: the rate model's backoff, a logistic regression of the replace rate on
  the word's unigram probability, whether it is a function word and how often spinners replaced it
  on other pages.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from ..decoding.channel import MEAN_SWAP_SHARE, OPTION_FEATURES, Channel, ChannelWeights, default_channel_dir
from ..decoding.decode import FLAG_MIN, decode, option_table
from ..evidence.lm import LanguageModel
from ..text.io import tsv_rows

__all__ = ["RealSpins", "Window", "measure", "fit_weights", "fit_rate_backoff", "window_words"]

PathLike = Union[str, Path]
_WORD = re.compile(r"[a-z]+(?:['\-][a-z]+)*\Z")
_EDGE = frozenset((".", "!", "?", "<s>", "</s>", ":", ";"))
_F = {name: i for i, name in enumerate(OPTION_FEATURES)}


def _table(path: Path) -> List[Dict[str, str]]:
    lines = path.read_text(encoding="utf-8").rstrip("\n").split("\n")
    head = lines[0].split("\t")
    return [dict(zip(head, line.split("\t"))) for line in lines[1:] if line]


@dataclass(frozen=True)
class Window:
    """One real word on a spun page, with one token of the page on each side: a swap (``original``
    set) or a word the spinner kept (``original`` is None)."""

    page: str
    domain: str
    before: str
    word: str
    after: str
    original: Optional[str]


def window_words(before: str, word: str, after: str) -> Tuple[List[str], List[int], List[bool]]:
    """The window as the decoder reads a sentence: its words, their sentence numbers and which are
    context only. A word token is itself; an edge (``<s>``, a full stop) ends the sentence; any
    other token (a comma, a number, a quote) is a word the language model does not know."""
    words: List[str] = []
    sentence: List[int] = []
    context: List[bool] = []
    s = 0
    if before in _EDGE:
        s = 1
    else:
        words.append(before if _WORD.match(before) else "<unknown>")
        sentence.append(s)
        context.append(True)
    for w in word.split(" "):
        words.append(w)
        sentence.append(s)
        context.append(False)
    if after not in _EDGE:
        words.append(after if _WORD.match(after) else "<unknown>")
        sentence.append(s)
        context.append(True)
    return words, sentence, context


class RealSpins:
    """The real-spins folder, read once."""

    def __init__(self, folder: PathLike) -> None:
        d = Path(folder)
        self.folder = d
        self.pages = {r["page"]: r for r in _table(d / "pages.tsv")}
        self.swaps = [Window(r["page"], r["domain"], r["before"], r["spun"], r["after"], r["original"])
                      for r in _table(d / "windows.tsv")]
        self.kept = [Window(r["page"], r["domain"], r["before"], r["word"], r["after"], None) for r in _table(d / "kept.tsv")]
        self.originals = {r["word"]: (float(r["seen"]), float(r["replaced"])) for r in _table(d / "originals.tsv")}
        kept_words = sum(float(p["words"]) - float(p["swapped_words"]) for p in self.pages.values())
        self.kept_sample = len(self.kept) / kept_words  # the share of kept words kept.tsv holds

    def half(self, which: str) -> List[str]:
        """The pages of one half: ``"tune"`` (even numbers), ``"measure"`` (odd) or ``"all"``."""
        return sorted(p for p in self.pages if which == "all" or (int(re.sub(r"\D", "", p) or 0) % 2 == 1) == (which == "measure"))

    def intensity(self, page: str) -> float:
        p = self.pages[page]
        return float(p["swapped_words"]) / float(p["words"]) / MEAN_SWAP_SHARE

    def pairs(self, pages: Iterable[str]) -> List[Tuple[str, str, float]]:
        """The swaps of ``pages`` as ``(spun, original, count)`` rows."""
        keep = set(pages)
        c = Counter((w.word, w.original) for w in self.swaps if w.page in keep)
        return [(s, o, float(n)) for (s, o), n in sorted(c.items())]

    def rates(self, pages: Iterable[str]) -> Dict[str, Tuple[float, float]]:
        """``{word: (seen, replaced)}`` on ``pages``: replaced from their swaps, kept from their
        sample of kept words weighed up to its share (``originals.tsv`` has no pages)."""
        keep = set(pages)
        replaced: Counter = Counter()
        kept: Counter = Counter()
        for w in self.swaps:
            if w.page in keep:
                replaced.update((w.original or "").split(" "))
        for w in self.kept:
            if w.page in keep:
                kept[w.word] += 1.0 / self.kept_sample
        return {x: (replaced[x] + kept[x], float(replaced[x])) for x in set(replaced) | set(kept) if _WORD.match(x)}

    def channel(self, pages: Iterable[str], weights: Optional[ChannelWeights] = None,
                directory: Optional[PathLike] = None) -> Channel:
        """The channel of the shipped thesaurus, the earlier real pairs (``real_pairs.tsv``) and the
        swaps and rates of ``pages`` only."""
        d = Path(directory) if directory is not None else default_channel_dir()
        pages = list(pages)
        rows: List[Any] = (tsv_rows(d / "real_pairs.tsv") if (d / "real_pairs.tsv").exists() else []) + self.pairs(pages)
        return Channel.load(d, real=rows, rates=self.rates(pages), weights=weights)


@dataclass
class _Examples:
    """Option tables of many windows: ``X`` (rows of options, ``OPTION_FEATURES`` with ``log r``
    in the rate columns), ``rate``, ``owner`` (window of each row), ``col``, the target column of
    each window (-1: the original is not offered), its weight and kind, and its page's intensity."""

    X: np.ndarray
    rate: np.ndarray
    owner: np.ndarray
    col: np.ndarray
    target: np.ndarray
    weight: np.ndarray
    intensity: np.ndarray
    windows: List[Window]
    options: List[Tuple[str, ...]]  # per window: the word as written, then the originals offered


def _one_word(w: Window) -> bool:
    return " " not in w.word and (w.original is None or " " not in w.original)


def _decoder_input(windows: Sequence[Window]) -> Tuple[List[str], np.ndarray, np.ndarray, np.ndarray, List[int]]:
    """The windows as the decoder reads a batch: words, sentence numbers, context-only marks and
    each word's window (:func:`window_words`), and where each window's middle word is."""
    words: List[str] = []
    sentence: List[int] = []
    skip: List[bool] = []
    doc: List[int] = []
    at: List[int] = []
    for k, w in enumerate(windows):
        ws, ss, cs = window_words(w.before, w.word, w.after)
        at.append(len(words) + cs.index(False))
        words += ws
        sentence += [2 * k + s for s in ss]
        skip += cs
        doc += [k] * len(ws)
    return words, np.array(sentence, dtype=np.int64), np.array(skip, dtype=bool), np.array(doc, dtype=np.int64), at


def _examples(lm: LanguageModel, channel: Channel, windows: Sequence[Window], spins: RealSpins) -> _Examples:
    """The decoder's options for the middle word of every window (one sentence each)."""
    words, sentence, skip, _, at = _decoder_input(windows)
    table = option_table(lm, channel, words, sentence, skip)
    F = len(OPTION_FEATURES)
    if table is None:
        return _Examples(np.zeros((0, F)), np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int64),
                         np.full(len(windows), -1), np.zeros(len(windows)), np.zeros(len(windows)), list(windows),
                         [(w.word,) for w in windows])
    P, owner, names, X, rate, col = table
    where = {int(p): i for i, p in enumerate(P.tolist())}
    # windows whose word has no option at all get one row (keep) so every window is present
    rows_X, rows_rate, rows_owner, rows_col = [], [], [], []
    target = np.full(len(windows), -1)
    weight = np.zeros(len(windows))
    intensity = np.zeros(len(windows))
    starts = np.r_[0, np.flatnonzero(np.diff(owner)) + 1, len(owner)]
    options: List[Tuple[str, ...]] = []
    for k, (w, pos) in enumerate(zip(windows, at)):
        intensity[k] = spins.intensity(w.page)
        weight[k] = 1.0 if w.original is not None else 1.0 / spins.kept_sample
        i = where.get(pos)
        if i is None:
            x = np.zeros((1, F))
            x[0, _F["keep"]] = 1.0
            rows_X.append(x)
            rows_rate.append(np.array([channel.rates([w.word], lm.prior(lm.ids([w.word])))[0]]))
            rows_col.append(np.zeros(1, np.int64))
            target[k] = 0 if w.original is None else -1
            options.append((w.word,))
        else:
            lo, hi = starts[i], starts[i + 1]
            rows_X.append(X[lo:hi])
            rows_rate.append(rate[lo:hi])
            rows_col.append(col[lo:hi])
            opts = (w.word,) + names[i]
            options.append(opts)
            target[k] = 0 if w.original is None else (opts.index(w.original) if w.original in opts[1:] else -1)
        rows_owner.append(np.full(len(rows_col[-1]), k))
    return _Examples(np.concatenate(rows_X), np.concatenate(rows_rate), np.concatenate(rows_owner),
                     np.concatenate(rows_col), target, weight, intensity, list(windows), options)


def _concat(parts: Sequence[_Examples]) -> _Examples:
    """Several option tables as one (windows numbered on)."""
    offsets = np.cumsum([0] + [len(p.target) for p in parts])
    return _Examples(*(np.concatenate([getattr(p, k) for p in parts]) for k in ("X", "rate")),
                     np.concatenate([p.owner + o for p, o in zip(parts, offsets)]),
                     *(np.concatenate([getattr(p, k) for p in parts]) for k in ("col", "target", "weight", "intensity")),
                     [w for p in parts for w in p.windows], [o for p in parts for o in p.options])


def _design(ex: _Examples) -> np.ndarray:
    """The feature rows at each window's intensity (the rate columns filled in)."""
    sr = np.minimum(ex.intensity[ex.owner] * ex.rate, 0.98)
    X = ex.X.copy()
    keep = ex.col == 0
    X[:, _F["keep_rate"]] = np.where(keep, np.log1p(-sr), 0.0)
    X[:, _F["replace_rate"]] = np.where(keep, 0.0, np.log(sr))
    return X


def _posteriors(X: np.ndarray, w: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    s = X @ w
    m = np.full(n, -np.inf)
    np.maximum.at(m, owner, s)
    e = np.exp(s - m[owner])
    z = np.bincount(owner, weights=e, minlength=n)
    return e / z[owner]


def fit_weights(lm: LanguageModel, spins: RealSpins, pages: Sequence[str], start: Optional[ChannelWeights] = None,
                folds: int = 2, l2: float = 0.1, directory: Optional[PathLike] = None) -> ChannelWeights:
    """The decoder's weights, fitted by maximum likelihood of the real choices on ``pages``: for
    each fold of pages, its swaps (one word each side) and kept words read with a channel built
    from the earlier pairs and the other folds' pages."""
    from scipy.optimize import minimize

    start = start or ChannelWeights()
    pages = sorted(pages)
    parts = []
    for f in range(folds):
        inside = set(pages[f::folds])
        channel = spins.channel([p for p in pages if p not in inside], start, directory)
        windows = [w for w in [*spins.swaps, *spins.kept] if w.page in inside and _one_word(w)]
        parts.append(_examples(lm, channel, windows, spins))
    ex = _concat(parts)
    X = _design(ex)
    n = len(ex.target)
    ok = ex.target >= 0
    sizes = np.bincount(ex.owner, minlength=n)
    heads = np.cumsum(sizes) - sizes
    y_rows = heads[ok] + ex.target[ok]

    def loss(w: np.ndarray) -> Tuple[float, np.ndarray]:
        p = _posteriors(X, w, ex.owner, n)
        sw = ex.weight[ex.owner] * ok[ex.owner]
        ll = float((ex.weight[ok] * np.log(np.maximum(p[y_rows], 1e-300))).sum())
        grad = X[y_rows].T @ ex.weight[ok] - X.T @ (sw * p)
        return -ll + 0.5 * l2 * float(w @ w), -grad + l2 * w

    res = minimize(loss, start.vector(), jac=True, method="L-BFGS-B")
    return start.with_vector(res.x)


def fit_rate_backoff(lm: LanguageModel, rates: Dict[str, Tuple[float, float]], real_totals: Dict[str, float],
                     l2: float = 1.0) -> Tuple[float, float, float, float]:
    """Logistic regression of ``replaced / seen`` (weighed by ``seen``) on the intercept, the log
    unigram probability, being a function word and ``log1p`` of ``real_totals`` (times other pages'
    spinners replaced the word): the rate of a word the real pages did not see."""
    from scipy.optimize import minimize

    from ..text.wordlists import STOPWORDS

    words = sorted(rates)
    seen = np.array([rates[w][0] for w in words])
    rep = np.array([rates[w][1] for w in words])
    X = np.column_stack([np.ones(len(words)), lm.prior(lm.ids(words)), [w in STOPWORDS for w in words],
                         np.log1p([real_totals.get(w, 0.0) for w in words])])

    def loss(b: np.ndarray) -> Tuple[float, np.ndarray]:
        z = X @ b
        p = 1.0 / (1.0 + np.exp(-z))
        ll = rep * np.log(np.maximum(p, 1e-12)) + (seen - rep) * np.log(np.maximum(1 - p, 1e-12))
        grad = X.T @ (rep - seen * p)
        return -float(ll.sum()) + 0.5 * l2 * float(b[1:] @ b[1:]), -grad + l2 * np.r_[0.0, b[1:]]

    b = minimize(loss, np.array([-2.0, 0.0, 0.0, 0.0]), jac=True, method="L-BFGS-B").x
    return tuple(float(x) for x in b)  # type: ignore[return-value]


def measure(lm: LanguageModel, channel: Channel, spins: RealSpins, pages: Sequence[str],
            min_confidence: float = FLAG_MIN) -> Dict[str, Dict[str, Any]]:
    """What the decoder does with the real one-word swaps and kept words of ``pages``, overall and
    per domain: the share of swaps whose original it offers, ranks first among the originals,
    changes the word to (``restored``), changes to something else (``wrong``, a share of all
    changes at swaps), and the share of kept words it changes. Each window is decoded as one
    document at its page's intensity; a change is a chosen original of ``min_confidence``."""
    keep = set(pages)
    windows = [w for w in [*spins.swaps, *spins.kept] if w.page in keep and _one_word(w)]
    ex = _examples(lm, channel, windows, spins)
    words, sentence, skip, doc, at = _decoder_input(windows)
    decisions, _ = decode(lm, channel, words, sentence, skip, rho=ex.intensity, doc=doc, cache={})
    by_word = {d.word: d for d in decisions}
    # the ranking among the originals offered, from the same weights at the page's intensity
    X = _design(ex)
    score = X @ channel.weights.vector()
    first_alt: Dict[int, int] = {}
    for row in np.flatnonzero(ex.col > 0).tolist():
        k = int(ex.owner[row])
        if k not in first_alt or score[row] > score[first_alt[k]]:
            first_alt[k] = row
    out: Dict[str, Dict[str, Any]] = {}
    for k, (w, pos) in enumerate(zip(windows, at)):
        d = by_word.get(pos)
        changed = d is not None and d.chosen is not None and d.confidence >= min_confidence
        for key in ("all", w.domain):
            m = out.setdefault(key, Counter())
            if w.original is None:
                m["kept_words"] += 1
                m["kept_changed"] += changed
                continue
            m["swaps"] += 1
            m["offered"] += ex.target[k] > 0
            m["first"] += ex.target[k] > 0 and int(ex.col[first_alt[k]]) == ex.target[k]
            m["changed"] += changed
            m["restored"] += changed and d.chosen == w.original  # type: ignore[union-attr]
    result: Dict[str, Dict[str, Any]] = {}
    for key, m in out.items():
        swaps, kept = max(m["swaps"], 1), max(m["kept_words"], 1)
        result[key] = {"swaps": m["swaps"], "offered": m["offered"] / swaps, "first": m["first"] / swaps,
                       "restored": m["restored"] / swaps, "changed": m["changed"],
                       "wrong": (m["changed"] - m["restored"]) / max(m["changed"], 1),
                       "kept_words": m["kept_words"], "kept_changed": m["kept_changed"] / kept}
    return result
