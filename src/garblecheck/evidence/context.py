"""Context model: is the word on the page far less likely here than a synonym it could replace?

Word statistics of clean text (unigram and bigram counts over a vocabulary, bigram keys
``prev_id * V + next_id`` in a sorted ``int64`` array), the trigram language model of the same text
and vocabulary (:class:`garblecheck.evidence.lm.TrigramLM`) and the reverse thesaurus (spun form -> originals
it can stand for, in vocabulary ids) are stored as numpy arrays. For a lower-case word ``w`` with
the words ``a2 a1`` before it and ``b1 b2`` after it, and each alternative ``c``::

    fit(v)   = log P(v | a2 a1) + log P(b1 | a1 v) + log P(b2 | v b1)     the trigram chain
    evidence = max over c of  fit(c) - fit(w)                             a log-likelihood ratio

so a rare word where a common synonym fits, or a word that breaks a frequent collocation
("safety forces" against "security forces"), gets high evidence. Capitalised words (names),
numbers, anything outside the reverse thesaurus, and words that sit in a three-word phrase
(with their neighbours or the sentence edge) seen at least ``SETTLED`` times in clean text get
none (a capitalised sentence opener is scored when a known lower-case word follows it). A
logistic token scorer turns the evidence, the frequency prior ``log P(c) - log P(w)`` and a few
count features (``TOKEN_FEATURES``) into the probability that the word was substituted,
calibrated on simulated spins of calibration pages.

The engine flags a word whose probability reaches the model's flag threshold; :meth:`ContextModel.ranked`
orders the replacements of a word, or of two neighbouring flagged words taken together, by the
gain in ``log P`` of the same trigram chain.
"""

from __future__ import annotations

from itertools import repeat
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from ..text.spelling import spelling_variants
from ..text.words import WORDS_RE, Words, corpus_words, key_table

if TYPE_CHECKING:
    from .lm import TrigramLM

__all__ = ["ContextModel", "WordTable", "WORDS_RE", "TOKEN_FEATURES", "MAX_ALTERNATIVES"]

TOKEN_FEATURES = ("gain", "gain_positive", "logp_word", "logp_alternative", "logp_difference",
                  "log_count_prev_word", "log_count_word_next", "log_count_prev_alternative",
                  "log_count_alternative_next", "unseen_both_sides", "has_prev", "has_next", "log_alternatives")

MAX_ALTERNATIVES = 6  # per word, the most frequent alternatives only
WORD_MIN_COUNT = 3  # a lower-case word seen this often in clean text is English, not a name
CANDIDATE_BLOCK = 1 << 14  # candidate words scored at once (memory, not results)
KEYS_AFTER = 2000  # words in one table before the vocabulary's keys are worth building (a short text looks words up)
SETTLED = 2  # a word whose trigram with both neighbours (or the sentence edge) was seen this often is not scored
_UNK = 0


@dataclass
class WordTable:
    """The words of some sentences: which have alternatives, their features and best alternative."""

    n_sentences: int  # sentences scored (some may have no words)
    starts: np.ndarray  # where each sentence starts in its text
    sentence: np.ndarray  # sentence index of each word
    cand: np.ndarray  # indices of words that have alternatives
    feats: np.ndarray  # one TOKEN_FEATURES row per candidate
    best: np.ndarray  # vocabulary id of the best alternative per word, -1 where none
    evidence: np.ndarray  # per word: probability that it was substituted (0 where no alternative)
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # vocabulary id per word
    words: Words = field(default_factory=lambda: Words([]))  # the words as written
    known: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # found in the vocabulary as written
    lower: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # id read in lower case, 0 where unknown

    def offsets(self, words: Sequence[int]) -> List[Tuple[int, int]]:
        """(start, end) in the text of the given word indices."""
        return self.words.offsets(words, self.starts)

    def around(self, first: int, last: int) -> Tuple[Tuple[int, int], Tuple[int, int]]:
        """The ids of the two words before word ``first`` and the two after word ``last`` in its
        sentence, nearest last and first: ``((second before, before), (after, second after))``, -1
        past the sentence edge."""
        def at(k: int) -> int:
            return int(self.ids[k]) if 0 <= k < len(self.ids) and self.sentence[k] == self.sentence[first] else -1

        return (at(first - 2), at(first - 1)), (at(last + 1), at(last + 2))

    def type_evidence(self, lo: int, hi: int) -> np.ndarray:
        """The largest evidence of each word type among words ``lo..hi`` that have any: a page's
        own vocabulary (a sports page's "players" ten times) counts once, as a spinner's many
        different swaps do not."""
        e, ids = self.evidence[lo:hi], self.ids[lo:hi]
        some = e > 0
        if not some.any():
            return e[some]
        e, ids = e[some], ids[some]
        order = np.lexsort((e, ids))
        last = np.r_[ids[order][1:] != ids[order][:-1], True]  # the largest of each id comes last
        return e[order][last]

    def sentence_max(self) -> np.ndarray:
        """The largest evidence in each sentence (0 for a sentence without words)."""
        out = np.zeros(self.n_sentences)
        if len(self.sentence):  # words come sentence by sentence: reduce over each run
            firsts = np.flatnonzero(np.r_[True, self.sentence[1:] != self.sentence[:-1]])
            out[self.sentence[firsts]] = np.maximum.reduceat(self.evidence, firsts)
        return out


class ContextModel:
    """Word statistics plus the reverse thesaurus, all in numpy arrays."""

    def __init__(self, vocab: Sequence[str], unigram: np.ndarray, bigram_keys: np.ndarray,
                 bigram_counts: np.ndarray, alt_ptr: np.ndarray, alt_ids: np.ndarray, lm: "TrigramLM") -> None:
        if list(lm.vocab) != list(vocab):
            raise ValueError("the language model has another vocabulary than the context model")
        self.lm = lm
        self.vocab = lm.vocab
        self.index: Dict[str, int] = lm.index
        self.unigram = unigram.astype(np.float64)
        self.total = float(self.unigram.sum())
        self.bigram_keys = bigram_keys.astype(np.int64)
        self.bigram_counts = bigram_counts.astype(np.float64)
        self.alt_ptr = alt_ptr.astype(np.int64)
        self.alt_ids = alt_ids.astype(np.int64)
        self._logp = np.log((self.unigram + 0.5) / (self.total + 0.5 * len(self.vocab)))
        self.token_coef: Optional[np.ndarray] = None  # logistic token scorer over TOKEN_FEATURES
        self.token_intercept = 0.0
        self._function: Optional[np.ndarray] = None
        self._keys: Optional[Tuple[np.ndarray, np.ndarray]] = None  # the vocabulary's word keys (text.key_table)

    # -- building -------------------------------------------------------------------------------

    @classmethod
    def build(cls, texts: Iterable[str], reverse: Dict[str, List[str]], min_count: int = 2, prune: int = 0) -> "ContextModel":
        """Count words and bigrams in clean ``texts`` and build the trigram model on the same
        vocabulary (``prune``: see :meth:`TrigramLM.from_ids`); ``reverse`` maps spun form -> originals."""
        from collections import Counter

        from .lm import SPECIALS, TrigramLM

        words, sentence, n_sentences = corpus_words(texts)
        counts: Counter = Counter(words)
        vocab = ["<unk>"] + sorted(w for w, c in counts.items() if c >= min_count)
        for spun, originals in reverse.items():  # alternatives and spun forms need ids too
            for w in [spun, *originals]:
                if w not in counts or counts[w] < min_count:
                    vocab.append(w)
        vocab = [*SPECIALS] + sorted(set(vocab[1:]))
        index = {w: i for i, w in enumerate(vocab)}
        V = len(vocab)
        ids = np.fromiter((index.get(w, _UNK) for w in words), dtype=np.int64, count=len(words))
        unigram = np.bincount(ids, minlength=V).astype(np.float64)
        same = sentence[1:] == sentence[:-1]  # bigrams never cross a sentence boundary
        bkeys, bcounts = np.unique((ids[:-1] * V + ids[1:])[same], return_counts=True)
        ptr = [0]
        alts: List[int] = []
        for i, w in enumerate(vocab):
            js = {index[o] for o in reverse.get(w, ()) if o in index and index[o] != i}
            alts.extend(sorted(js, key=lambda j: (-unigram[j], j))[:MAX_ALTERNATIVES])
            ptr.append(len(alts))
        lm = TrigramLM.from_ids(vocab, ids, sentence, n_sentences, prune, unk_types=sum(1 for w in counts if w not in index))
        return cls(vocab, unigram, bkeys, bcounts.astype(np.float32), np.array(ptr), np.array(alts, dtype=np.int64), lm)

    # -- persistence ----------------------------------------------------------------------------

    def arrays(self) -> Dict[str, np.ndarray]:
        return {
            "ctx_vocab": np.frombuffer("\n".join(self.vocab).encode("utf-8"), dtype=np.uint8),
            "ctx_unigram": self.unigram.astype(np.uint32),
            "ctx_bigram_keys": self.bigram_keys,
            "ctx_bigram_counts": self.bigram_counts.astype(np.uint32),
            "ctx_alt_ptr": self.alt_ptr,
            "ctx_alt_ids": self.alt_ids.astype(np.int32),
            "ctx_token_coef": np.zeros(len(TOKEN_FEATURES)) if self.token_coef is None else self.token_coef,
            "ctx_token_intercept": np.array([self.token_intercept]),
        }

    @classmethod
    def from_arrays(cls, a: Dict[str, np.ndarray], lm: "TrigramLM") -> "ContextModel":
        """The model from its arrays and its language model (built on the same vocabulary)."""
        vocab = a["ctx_vocab"].tobytes().decode("utf-8").split("\n")
        m = cls(vocab, a["ctx_unigram"], a["ctx_bigram_keys"], a["ctx_bigram_counts"], a["ctx_alt_ptr"], a["ctx_alt_ids"], lm)
        m.token_coef = a["ctx_token_coef"].astype(np.float64)
        m.token_intercept = float(a["ctx_token_intercept"][0])
        if m.token_coef.shape != (len(TOKEN_FEATURES),):
            raise ValueError("token scorer has the wrong number of coefficients")
        V = len(vocab)
        if len(m.unigram) != V or len(m.alt_ptr) != V + 1 or len(m.bigram_keys) != len(m.bigram_counts) \
                or (len(m.alt_ids) and (m.alt_ids.min() < 0 or m.alt_ids.max() >= V)) \
                or (len(m.bigram_keys) and (np.any(np.diff(m.bigram_keys) <= 0))):
            raise ValueError("context arrays are inconsistent")
        return m

    # -- scoring --------------------------------------------------------------------------------

    def _bigram(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Counts C(a b); 0 where a or b is missing (-1)."""
        from .lm import _find

        pos, found = _find(self.bigram_keys, a * len(self.vocab) + b)
        found &= (a >= 0) & (b >= 0)
        return np.where(found, self.bigram_counts[pos], 0.0) if len(self.bigram_counts) else np.zeros(len(a))

    def function_words(self) -> np.ndarray:
        """Per vocabulary id: is it a function word (``garblecheck.text.wordlists.STOPWORDS``)?"""
        if self._function is None:
            from ..text.wordlists import STOPWORDS

            self._function = np.zeros(len(self.vocab), dtype=bool)
            self._function[[i for w, i in self.index.items() if w in STOPWORDS]] = True
        return self._function

    def pair_alternatives(self, a: int, b: int) -> List[str]:
        """Pairs clean text writes in place of the words ``a b``: one word swapped for an
        alternative, most frequent pair first."""
        cands = [(c, b) for c in self.alternatives(a)] + [(a, c) for c in self.alternatives(b)]
        if not cands:
            return []
        x = np.array(cands, dtype=np.int64)
        n = self._bigram(x[:, 0], x[:, 1])
        return [f"{self.vocab[p]} {self.vocab[q]}" for (p, q), c in sorted(zip(cands, n), key=lambda t: -t[1]) if c > 0]

    def english(self, lowers: Iterable[str]) -> np.ndarray:
        """For each lower-case word, is it English: seen at least ``WORD_MIN_COUNT`` times in lower
        case in clean text?"""
        ids = np.fromiter(map(self.index.get, lowers, repeat(-1)), dtype=np.int64)
        return (ids >= 0) & (self.unigram[np.maximum(ids, 0)] >= WORD_MIN_COUNT)

    def alternatives(self, word: int) -> List[int]:
        """Vocabulary ids of the originals the word ``word`` can stand for, most frequent first."""
        return self.alt_ids[self.alt_ptr[word] : self.alt_ptr[word + 1]].tolist() if word > 0 else []

    def ranked(self, table: WordTable, first: int, last: int) -> List[Tuple[Tuple[str, ...], float]]:
        """Replacements for the run of words ``first..last`` of ``table``, each word by one of its
        alternatives (or kept as it is), ranked by how much better the run then fits between its
        neighbours: ``(words, gain in log-probability)`` for every gain above zero, best first."""
        from itertools import product

        run = table.ids[first : last + 1].tolist()
        left, right = table.around(first, last)
        observed = self.lm.chain(left, run, right)
        choices = [[w, *(c for c in self.alternatives(w) if not spelling_variants(self.vocab[c], self.vocab[w]))] for w in run]
        out = []
        for combo in product(*choices):
            if any(c == w for c, w in zip(combo, run)):
                continue  # every word of the run is replaced
            gain = self.lm.chain(left, combo, right) - observed
            if gain > 0:
                out.append((tuple(self.vocab[c] for c in combo), gain))
        out.sort(key=lambda x: (-x[1], x[0]))
        return out

    def _features(self, cand: np.ndarray, ids: np.ndarray, prev: np.ndarray, nxt: np.ndarray, prev2: np.ndarray,
                  next2: np.ndarray, n_alt: np.ndarray, best: np.ndarray) -> np.ndarray:
        """``TOKEN_FEATURES`` of the candidate words ``cand``; their best alternatives go to ``best``."""
        n_aw, n_wb = self._bigram(prev[cand], ids[cand]), self._bigram(ids[cand], nxt[cand])
        reps = n_alt[cand]
        pos = np.repeat(cand, reps)
        offs = np.arange(len(pos)) - np.repeat(np.cumsum(reps) - reps, reps)
        alt = self.alt_ids[self.alt_ptr[ids[pos]] + offs]
        a, w, b = prev[cand], ids[cand], nxt[cand]
        pa, pb_ = prev[pos], nxt[pos]
        n_ac, n_cb = self._bigram(pa, alt), self._bigram(alt, pb_)
        fit_obs = self.lm.window(prev2[cand], a, w, b, next2[cand])
        fit_alt = self.lm.window(prev2[pos], pa, alt, pb_, next2[pos])
        gain = fit_alt - np.repeat(fit_obs, reps)
        bounds = np.concatenate([[0], np.cumsum(reps)[:-1]])
        top = np.maximum.reduceat(gain, bounds)
        first_top = np.flatnonzero(gain == np.repeat(top, reps))
        owner = np.repeat(np.arange(len(cand)), reps)[first_top]
        _, firsts = np.unique(owner, return_index=True)
        pick = first_top[firsts]  # for each candidate, the position of its best alternative
        c = alt[pick]
        best[cand] = c
        caw, cwb = np.log1p(n_aw), np.log1p(n_wb)
        cac, ccb = np.log1p(n_ac[pick]), np.log1p(n_cb[pick])
        return np.column_stack([
            top, np.maximum(top, 0.0),
            self._logp[w], self._logp[c], self._logp[c] - self._logp[w],
            caw, cwb, cac, ccb, ((caw == 0) & (cwb == 0)).astype(np.float64),
            (a >= 0).astype(np.float64), (b >= 0).astype(np.float64),
            np.log1p(reps),
        ])

    def token_probability(self, feats: np.ndarray) -> np.ndarray:
        if self.token_coef is None:
            return np.maximum(feats[:, 0], 0.0)
        z = (feats * self.token_coef).sum(axis=1) + self.token_intercept  # row by row: the same in any batch
        return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))

    def words(self, text: str, spans: Sequence[Any]) -> WordTable:
        """Score every word of ``text``, sentence by sentence (see :meth:`table`)."""
        return self.table([text[s.start : s.end] for s in spans], [s.start for s in spans])

    def lookup(self, words: Words) -> Tuple[np.ndarray, np.ndarray]:
        """The vocabulary id of each of ``words`` in lower case (0 when unknown) and whether it
        is found as written."""
        if self._keys is None and len(words) > KEYS_AFTER:
            self._keys = key_table(self.index)
        ids = words.ids(self.index, self._keys, _UNK)
        # the vocabulary is lower case: a word with a capital is found only in lower case
        return ids, ~words.upper & (ids != _UNK)  # found as written (names never are)

    def table(self, sentences: Union[Sequence[str], Words], starts: Optional[Sequence[int]] = None, features: bool = True,
              looked_up: Optional[Tuple[np.ndarray, np.ndarray]] = None) -> WordTable:
        """Score every word of ``sentences`` (or of their word pass); neighbours never cross
        sentences, so the sentences of many texts can be scored in one call. ``starts`` place them
        in their text (for offsets). Without ``features`` the table keeps the evidence but not the
        token scorer's inputs. ``looked_up``: :meth:`lookup` of the words, if already made."""
        words = sentences if isinstance(sentences, Words) else Words(sentences)
        sentence, n, n_sentences = words.sentence, len(words), words.n_sentences
        counts = np.bincount(sentence, minlength=n_sentences)
        best = np.full(n, -1, dtype=np.int64)
        at = np.zeros(n_sentences, dtype=np.int64) if starts is None else np.asarray(starts, dtype=np.int64)
        table = WordTable(n_sentences, at, sentence,
                          np.zeros(0, dtype=np.int64), np.zeros((0, len(TOKEN_FEATURES))), best, np.zeros(n), words=words)
        if n == 0:
            return table
        table.lower, lower = self.lookup(words) if looked_up is None else looked_up
        table.known = lower
        # other words count as unknown, except a sentence's first word ("The", "Officials")
        firsts = np.concatenate([[0], np.cumsum(counts)[:-1]])[counts > 0] if n else np.zeros(0, np.int64)
        ids = np.where(lower, table.lower, _UNK)
        ids[firsts] = table.lower[firsts]
        from .features import shifted

        prev, nxt = shifted(ids, sentence, -1), shifted(ids, sentence, 1)
        same = sentence[1:] == sentence[:-1]
        table.ids = ids
        n_alt = self.alt_ptr[ids + 1] - self.alt_ptr[ids]
        # a capitalised sentence opener counts when a known lower-case word follows it ("Officers in
        # Islamabad"); before a capitalised word it may begin a name ("Safety Harbor")
        opener = np.zeros(n, dtype=bool)
        opener[firsts] = True
        opener[:-1] &= same & lower[1:]
        opener[-1] = False
        cand = np.flatnonzero((n_alt > 0) & (lower | opener) & (ids != _UNK))
        # a word inside a three-word phrase clean text uses fits its context: skip it
        cand = cand[self.lm.count(prev[cand], ids[cand], nxt[cand]) < SETTLED]
        if len(cand) == 0:
            return table
        # the words two before and two after, for the trigram chain through each word
        prev2, next2 = shifted(ids, sentence, -2), shifted(ids, sentence, 2)
        # in blocks of candidates: each word on its own, so memory stays bounded on any text
        kept = []
        for i in range(0, len(cand), CANDIDATE_BLOCK):
            block = cand[i : i + CANDIDATE_BLOCK]
            feats = self._features(block, ids, prev, nxt, prev2, next2, n_alt, best)
            table.evidence[block] = self.token_probability(feats)
            if features:
                kept.append(feats)
        table.cand = cand
        table.feats = np.vstack(kept) if kept else np.zeros((0, len(TOKEN_FEATURES)))
        return table
