"""The one engine every front end calls: text -> sentences/tokens -> candidates -> scores -> report."""

from __future__ import annotations

from bisect import bisect_left
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple, Union

import numpy as np

from .evidence.lexicon import Lexicon
from .evidence.translationese import page_profiles
from .verdict.model import SpinModel, default_model_dir, doc_features, mt_features, sigmoid, stage1_features
from .verdict.report import DEFAULT_THRESHOLD, Flag, Report, SentenceScore, density_score
from .decoding.changes import RESTORE_MIN_CONFIDENCE, Change, apply_changes, compose_changes, match_case, plan_changes
from .text.words import LineIndex, Span, Token, Words, normalize, sentence_spans, tokenize

__all__ = ["Detector"]

PathLike = Union[str, Path]
ModelSpec = Union[str, Path, SpinModel, None]


class _Analysis:
    """What the engine found in one text before it is turned into a report."""

    def __init__(self, text: str, spans: List[Span], counts: np.ndarray) -> None:
        self.text = text
        self.spans = spans
        self.counts = counts  # white-space separated words per sentence (the word pass)
        # a word cut between two sentences ("began.The") is one word of the text
        self.n_words = int(counts.sum()) - sum(a.end == b.start for a, b in zip(spans, spans[1:]))
        self.lines = LineIndex(text)  # of the text, shared by every kind of flag
        self.flags: List[List[Flag]] = [[] for _ in spans]  # the lexicon's, per sentence
        self.lex_score = 0.0
        self.logits: Any = None
        self.ctx_evidence: Any = None  # per word type of the page (WordTable.type_evidence)
        self.ctx_flags: List[Flag] = []  # flags of the context model (apart: the scores count lexicon flags)
        self.ctx_max: Any = None
        self.sentence_logits: Any = None
        self.mt_logits: Any = None
        self.fluency: Any = None  # garblecheck.evidence.lm.FLUENCY_COLUMNS per sentence
        self.words: Any = None  # (context word table, first word, end word, first sentence) for the restorer
        self.rates: Any = None  # the page rate (garblecheck.decoding.decode.page_rates), without a context model None
        self.stage1 = 1.0  # stage 1's probability that the page is damaged
        self.stage = 2  # 1: cleared by stage 1 (no context, language-model or meaning evidence read)
        self.unknown_capitals = 0  # capitalised words the vocabulary lacks (stage 2)
        self.profile: Any = None  # the page profile, for a model whose mt stacker reads it

    def features(self) -> Any:
        return doc_features(self.sentence_logits, self.lex_score, self.ctx_evidence, self.ctx_max, self.n_words, self.rates,
                            sum(f.confidence for fl in self.flags for f in fl))

    def tokens(self, j: int) -> List[Token]:
        """The tokens of sentence ``j`` (numbers, URLs, protection: what the lexicon's conditions
        and the flags' guards read), for the few sentences a flag may fall in. Not kept: tokens
        are large objects, and a sentence with both a key and a context flag is rare."""
        return tokenize(self.text, self.spans[j].start, self.spans[j].end)


NAME_CONFIDENCE = 0.7  # a respelt name; restoration never rewrites names, so this is a suggestion only
DECODE_MIN_SCORE = 0.5  # score decodes a page whose score reaches this (about 3% of clean calibration pages do)
SPUN_NAME_CONFIDENCE = 0.9
RESTORE_ROUNDS = 4  # restore reads its result again at most this often
MT_MIN_WORDS = 100  # a shorter text is never called mt: its style says too little (its mt_score stands)

BATCH_CHARS = 1 << 20  # check_many analyses texts together up to this many characters
DECODE_WORDS = 1 << 14  # the decoder takes at most about this many words at once
LEARN_MIN_TEXTS = 20  # a batch this large teaches the channel its spinner (learn_batch)
LEARN_ITERATIONS = 2
LEARN_FLAG_MIN = 0.9  # a learned channel is surer of itself than it should be: its decisions need more (bench/learn_batch.py)


def _pieces(d: int, a: "_Analysis", size: int) -> List[Tuple[int, int, int, int, int]]:
    """Text ``d`` (analysis ``a``) in pieces of whole sentences of about ``size`` words (one piece
    for a shorter text): ``(d, first word, end word, first sentence, end sentence)``, words in the
    word table, sentences in the text; every sentence of the text is in one piece."""
    table, lo, hi, first = a.words
    n = len(a.spans)
    if n == 0:
        return [(d, lo, hi, 0, 0)]
    counts = np.bincount(table.sentence[lo:hi] - first, minlength=n)
    before = np.cumsum(counts) - counts  # words of the text before each sentence
    piece = before // size
    cuts = np.flatnonzero(np.diff(piece)) + 1  # sentences that open a new piece
    j = np.r_[0, cuts, n].tolist()
    w = (lo + np.r_[before[j[:-1]], hi - lo]).tolist()
    return [(d, w[i], w[i + 1], j[i], j[i + 1]) for i in range(len(j) - 1)]


def _in_address(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` lies inside a URL or an e-mail address ("https://arab.news/x"), never flagged."""
    lo = max(text.rfind(c, 0, start) for c in " \t\n\r") + 1
    his = [i for i in (text.find(c, end) for c in " \t\n\r") if i >= 0]
    run = text[lo : min(his) if his else len(text)]
    return "://" in run or run.lower().startswith("www.") or "@" in run


def _overlaps(start: int, end: int, others: Iterable[Flag]) -> bool:
    """Does ``text[start:end]`` share a character with any of the flags ``others``?"""
    return any(o.start < end and start < o.end for o in others)


class _Taken:
    """Flags already placed, for :meth:`hits` ("does ``text[start:end]`` share a character with one
    of them?") in logarithmic time: starts in order, and the furthest end up to each."""

    def __init__(self, flags: Iterable[Flag]) -> None:
        spans = sorted((f.start, f.end) for f in flags)
        self.starts = [a for a, _ in spans]
        self.ends: List[int] = []
        for _, b in spans:
            self.ends.append(max(b, self.ends[-1]) if self.ends else b)

    def hits(self, start: int, end: int) -> bool:
        i = bisect_left(self.starts, end)  # the flags that start before ``end``
        return i > 0 and self.ends[i - 1] > start


def _load_model(spec: ModelSpec) -> Optional[SpinModel]:
    if spec is None or isinstance(spec, SpinModel):
        return spec
    if isinstance(spec, str) and spec == "default":
        d = default_model_dir()
        return SpinModel.load(d) if (d / "manifest.json").exists() else None
    return SpinModel.load(spec)


def _require_str(text: Any) -> str:
    if isinstance(text, (bytes, bytearray, memoryview)):
        raise TypeError("garblecheck works on str, not bytes: decode first, e.g. data.decode('utf-8')")
    if not isinstance(text, str):
        raise TypeError(f"garblecheck works on str, not {type(text).__name__}")
    return text


class Detector:
    """Load the lexicon and the model once, then check and restore any number of texts.

    ``model`` is ``"default"`` (the shipped model in ``trained/``, if there is one), a model
    folder, a loaded :class:`SpinModel`, or ``None`` for the lexicon alone. ``threshold`` defaults
    to the model's (or 0.5 without a model). Parameters are stored as given and returned by
    :meth:`get_params`, as in scikit-learn.
    """

    def __init__(
        self,
        *,
        model: ModelSpec = "default",
        lexicons: Sequence[PathLike] = (),
        ignore: Iterable[str] = (),
        default_lexicon: bool = True,
        threshold: Optional[float] = None,
        fpr: Optional[float] = None,
        restore_min_confidence: float = RESTORE_MIN_CONFIDENCE,
        channel: Any = "default",
        decode_min_score: float = DECODE_MIN_SCORE,
        learn_batch: bool = False,
        full: bool = False,
        stage1_miss: Optional[float] = None,
        mt_fpr: Optional[float] = None,
        mt_roundtrip: bool = False,
    ) -> None:
        self.model = model
        self.lexicons = tuple(lexicons)
        self.ignore = tuple(ignore)
        self.default_lexicon = default_lexicon
        self.threshold = threshold
        self.fpr = fpr
        self.restore_min_confidence = restore_min_confidence
        self.channel = channel
        self.decode_min_score = decode_min_score
        self.learn_batch = learn_batch
        self.full = full
        self.stage1_miss = stage1_miss
        self.mt_fpr = mt_fpr
        self.mt_roundtrip = mt_roundtrip
        self._flag_min: Optional[float] = None  # decode.FLAG_MIN unless a learned channel is in use
        self._channel: Any = None
        self._options: Dict[str, Any] = {}  # the decoder's options per form (garblecheck.decoding.decode)
        self.lexicon = Lexicon.load(self.lexicons, default=default_lexicon, ignore=self.ignore)
        self.spin_model = _load_model(model)
        if threshold is None and fpr is not None:
            if self.spin_model is None:
                raise ValueError("an FPR needs a model (its clean calibration scores)")
            threshold = self.spin_model.threshold_for_fpr(fpr)
        if threshold is None:
            threshold = self.spin_model.threshold if self.spin_model is not None else DEFAULT_THRESHOLD
        if not 0.0 <= float(threshold) <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {threshold}")
        self.threshold_ = float(threshold)
        self.mt_threshold_ = None if self.spin_model is None else (
            self.spin_model.mt_threshold if mt_fpr is None else self.spin_model.mt_threshold_for_fpr(mt_fpr))
        self.stage1_bar_ = None if self.spin_model is None else (
            self.spin_model.stage1_bar if stage1_miss is None else self.spin_model.stage1_bar_for(stage1_miss))
        self._legs: Any = None
        if mt_roundtrip:
            if self.spin_model is None or self.spin_model.mt_roundtrip is None or self.mt_threshold_ is None:
                raise ValueError("mt_roundtrip needs a model with a round-trip rule (tools/fit_roundtrip.py)")
            from .evidence.roundtrip import bergamot

            self._legs = (bergamot("en-pt"), bergamot("pt-en"))

    def get_params(self, deep: bool = True) -> Dict[str, Any]:
        return {
            "model": self.model,
            "lexicons": self.lexicons,
            "ignore": self.ignore,
            "default_lexicon": self.default_lexicon,
            "threshold": self.threshold,
            "fpr": self.fpr,
            "restore_min_confidence": self.restore_min_confidence,
            "channel": self.channel,
            "decode_min_score": self.decode_min_score,
            "learn_batch": self.learn_batch,
            "full": self.full,
            "stage1_miss": self.stage1_miss,
            "mt_fpr": self.mt_fpr,
            "mt_roundtrip": self.mt_roundtrip,
        }

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"Detector({args})"

    # -- detection ---------------------------------------------------------------------------

    def _find(self, a: "_Analysis", j: int, starts: Set[int]) -> List[Flag]:
        """The lexicon's flags in sentence ``j`` of a text, matched at the word pass's candidate
        ``starts`` (:meth:`Lexicon.candidates`)."""
        text, tokens = a.text, a.tokens(j)
        found: List[Flag] = []
        for m in self.lexicon.match(text, tokens, starts):
            start, end = tokens[m.first].start, tokens[m.last].end
            surface = text[start:end]
            line, col = a.lines.line_col(start)
            found.append(Flag(start=start, end=end, text=surface,
                              suggestions=tuple(match_case(surface, o) for o in m.entry.originals),
                              kind=m.entry.kind, confidence=m.entry.confidence, rule=m.entry.rule, line=line, col=col))
        return found

    def check(self, text: str, decode: Optional[bool] = None) -> Report:
        """Score one text and list its flags. ``decode``: run the restorer's decoder (channel
        flags) always (True), never (False), or where the score reaches ``decode_min_score`` (None)."""
        return self.check_many([text], decode)[0]

    def check_many(self, texts: Iterable[str], decode: Optional[bool] = None) -> List[Report]:
        """Check several texts; the same results as one at a time, with one pass of each model
        over up to ``BATCH_CHARS`` of text (so memory stays bounded however many are given).
        With ``learn_batch`` and ``decode=True``, a batch of at least ``LEARN_MIN_TEXTS`` texts is
        decoded with a channel learned from the batch itself (:meth:`learned_channel`)."""
        docs = [_require_str(t) for t in texts]
        if self.learn_batch and decode is True and len(docs) >= LEARN_MIN_TEXTS and self._can_decode():
            with self._using(self.learned_channel(docs), LEARN_FLAG_MIN):
                return self._check_all(docs, decode)
        return self._check_all(docs, decode)

    def learned_channel(self, texts: Sequence[str], iterations: int = LEARN_ITERATIONS) -> Any:
        """The spinner channel learned from a batch of pages by EM: decode them, add the expected
        counts of every original and form (``channel.ChannelStats``) to the shipped channel's,
        decode again with the result, ``iterations`` times. Pages are weighed by their intensity,
        so the clean pages of a batch teach nothing."""
        from .decoding.channel import ChannelStats

        base = self.get_channel()
        channel = base
        for _ in range(iterations):
            stats = ChannelStats()
            with self._using(channel):
                self._check_all(texts, True, stats)
            channel = base.learned(stats)
        return channel

    @contextmanager
    def _using(self, channel: Any, flag_min: Optional[float] = None) -> Iterator[None]:
        """Decode with ``channel`` (and a fresh option cache; decisions flagged from ``flag_min``)
        inside the block."""
        from .decoding.decode import FLAG_MIN

        saved = self._channel, self._options, self._flag_min
        self._channel, self._options, self._flag_min = channel, {}, FLAG_MIN if flag_min is None else flag_min
        try:
            yield
        finally:
            self._channel, self._options, self._flag_min = saved

    def _check_all(self, docs: List[str], decode: Optional[bool], learn: Any = None) -> List[Report]:
        from .text.io import batched_by_size

        return [r for group in batched_by_size(docs, BATCH_CHARS, len) for r in self._check_group(group, decode, learn)]

    def _check_group(self, docs: List[str], decode: Optional[bool], learn: Any = None) -> List[Report]:
        analyses = self._analyze(docs)
        scores = self._scores(analyses)
        todo = [k for k, (a, sc) in enumerate(zip(analyses, scores)) if self._decodes(a, sc[0], decode)]
        decoded = dict(zip(todo, self._channel_flags([docs[k] for k in todo], [analyses[k] for k in todo], learn)))
        reports = [self._report(t, a, sc, decoded.get(k)) for k, (t, a, sc) in enumerate(zip(docs, analyses, scores))]
        return self._round_trips(docs, reports) if self._legs is not None else reports

    def _round_trips(self, docs: Sequence[str], reports: List[Report]) -> List[Report]:
        """The reports with the mt score of every page in the round-trip rule's band moved by how
        much the page changes when translated again (``verdict.roundtrip``)."""
        from .evidence.roundtrip import round_trip_change

        rule, t = self.spin_model.mt_roundtrip, self.mt_threshold_
        todo = [k for k, r in enumerate(reports)
                if r.mt_score is not None and r.n_words >= MT_MIN_WORDS and rule.applies(r.mt_score, t)]
        for k, c in zip(todo, round_trip_change([docs[k] for k in todo], *self._legs).tolist()):
            r = reports[k]
            mt = rule.apply(r.mt_score, c)
            reports[k] = replace(r, mt_score=mt, verdict=self._verdict(r.score, mt, r.n_words),
                                 round_trip_change=None if np.isnan(c) else c)
        return reports

    def check_chunks(self, chunks: Iterable[Tuple[int, int, int, str]]) -> Report:
        """One report for a text too large to hold, from ``(char offset, line offset, column offset,
        text)`` chunks (:func:`garblecheck.text.io.iter_chunks`): every flag at its place in the whole
        text; ``score``, ``spin_score`` and ``verdict`` of the highest-scoring chunk; the words of
        all; no sentence scores (they would grow with the text)."""
        flags: List[Flag] = []
        n_words = 0
        top: Optional[Report] = None
        for offset, line, col, text in chunks:
            r = self.check(text)
            flags += [replace(f, start=f.start + offset, end=f.end + offset, line=f.line + line,
                              col=f.col + (col if f.line == 1 else 0)) for f in r.flags]
            n_words += r.n_words
            if top is None or r.score > top.score:
                top = r
        if top is None:
            return self.check("")
        return Report(top.score, top.verdict, top.threshold, n_words, tuple(flags), (), top.spin_score, top.mt_score)

    def _analyze(self, docs: Sequence[str], full: Optional[bool] = None) -> List["_Analysis"]:
        """Stage 1 for every text (sentences, lexicon, n-gram logits, page rate), then stage 2
        (context model, language model, evidence of meaning) for the texts stage 1 does not clear
        (all of them with ``full``, which defaults to the detector's).

        The sentences of all texts are read by one word pass (:class:`garblecheck.text.words.Words`),
        which gives the word counts, the lexicon's candidates, the page rate's words and stage 2's
        word table; only the sentences where a lexicon key or a context flag may fall are read
        again, as tokens (numbers, URLs and protection, which the flags' guards need)."""
        spans = [sentence_spans(t) for t in docs]
        sentences = [t[s.start : s.end] for t, sp in zip(docs, spans) for s in sp]
        bounds = np.cumsum([0] + [len(sp) for sp in spans])  # each text's first sentence
        words = Words(sentences)
        out = [_Analysis(t, sp, words.counts[bounds[k] : bounds[k + 1]]) for k, (t, sp) in enumerate(zip(docs, spans))]
        starts: Dict[int, Set[int]] = {}  # sentence of the batch -> where a key may start in its text
        for j, at in self.lexicon.candidates(words, [s.start for sp in spans for s in sp]):
            starts.setdefault(j, set()).add(at)
        for j, at in starts.items():
            k = int(np.searchsorted(bounds, j, side="right")) - 1
            out[k].flags[j - int(bounds[k])] = self._find(out[k], j - int(bounds[k]), at)
        for a in out:
            a.lex_score = density_score((f.confidence for fl in a.flags for f in fl), a.n_words)
        model = self.spin_model
        if model is None:
            return out
        z, z_mt = model.sentence_logits_both(sentences)
        looked_up = model.context.lookup(words) if model.context is not None else None
        rates = self._page_rates(words, looked_up, bounds)
        profiles = page_profiles(words, bounds) if model.mt_page_profile else None
        full = self.full if full is None else full
        for k, a in enumerate(out):
            lo, hi = bounds[k], bounds[k + 1]
            a.profile = None if profiles is None else profiles[k]
            a.logits = z[lo:hi]
            a.mt_logits = None if z_mt is None else z_mt[lo:hi]
            a.rates = None if rates is None else rates[k]
            a.ctx_max = np.zeros(hi - lo)
            a.stage1 = model.stage1(stage1_features(a.logits, a.lex_score, a.rates, a.mt_logits))
            a.stage = 2 if full or a.stage1 >= self.stage1_bar_ else 1
        go = [k for k, a in enumerate(out) if a.stage == 2]
        if go and looked_up is not None:
            part, w = words.take(np.concatenate([np.arange(bounds[k], bounds[k + 1]) for k in go]))
            self._stage2([out[k] for k in go], part, (looked_up[0][w], looked_up[1][w]))
        for a in out:
            a.sentence_logits = model.combined_logits(a.logits, a.ctx_max)
        return out

    def _page_rates(self, words: Words, looked_up: Optional[Tuple[np.ndarray, np.ndarray]],
                    bounds: np.ndarray) -> Optional[np.ndarray]:
        """:func:`garblecheck.decoding.decode.page_rates` of each text (sentences ``bounds[k]:bounds[k+1]``
        of ``words``, whose vocabulary ids are ``looked_up``); None without a context model or a channel."""
        if looked_up is None or self.channel is None:
            return None
        from .decoding.decode import page_rates

        found, lower = looked_up
        self._shipped_rates()
        ids = found[lower].astype(np.int32)
        doc = (np.searchsorted(bounds, words.sentence[lower], side="right") - 1).astype(np.int32)
        return page_rates(self.get_lm(), self.get_channel(), ids, doc, len(bounds) - 1, self._options)

    def _shipped_rates(self) -> None:
        """Give the decoder's options the model's vocabulary rates when they were computed for the
        channel in use (the shipped one, by its fingerprint): then the page rate is a gather per word."""
        from .decoding.channel import Channel, channel_fingerprint

        model, channel = self.spin_model, self.get_channel()
        if "vocab_rates" not in self._options and model is not None and model.vocab_rates is not None \
                and channel is Channel.default() and model.channel_sha256 == channel_fingerprint():
            self._options["vocab_rates"] = (self.get_lm(), channel, *model.vocab_rates)

    def _stage2(self, out: Sequence["_Analysis"], words: Words, looked_up: Tuple[np.ndarray, np.ndarray]) -> None:
        """The context model, the language model's fluency and the evidence of meaning for the
        texts of ``out`` (stage 1 done), whose sentences' word pass is ``words`` (ids ``looked_up``)."""
        model = self.spin_model
        ctx = model.context  # type: ignore[union-attr]
        bounds = np.cumsum([0] + [len(a.spans) for a in out])
        n_sentences = int(bounds[-1])
        words = ctx.table(words, [s.start for a in out for s in a.spans], features=False, looked_up=looked_up)
        ctx_max = words.sentence_max()
        word_bounds = np.searchsorted(words.sentence, bounds)
        if model.meaning is not None:  # unexpected pairs of all texts at once
            pairs, expected = model.meaning.collocations(ctx.unigram, ctx.total, ctx._bigram, words.ids, words.known,
                                                         words.sentence)
            pair_bounds = np.searchsorted(pairs, word_bounds)
        fluency = None
        if model.mt_weights is not None:
            from .evidence.lm import sentence_fluency

            lower = words.lower
            word_logits = model.mt_word_logits(lower, words.sentence, n_sentences, words.words.capital)
            fluency = sentence_fluency(self.get_lm(), lower, words.sentence, n_sentences, ctx.function_words())
        for k, a in enumerate(out):
            lo, hi = bounds[k], bounds[k + 1]
            w0, w1 = word_bounds[k], word_bounds[k + 1]
            if fluency is not None:
                a.mt_logits = a.mt_logits + word_logits[lo:hi]
                a.fluency = fluency[lo:hi]
            a.ctx_max = ctx_max[lo:hi]
            a.ctx_evidence = words.type_evidence(w0, w1)
            a.unknown_capitals = int((words.words.capital[w0:w1] & (words.lower[w0:w1] == 0)).sum())
            if model.flag_threshold is not None:
                a.ctx_flags = self._context_flags(a.text, a, words, int(lo), w0, w1, model.flag_threshold)
            a.ctx_flags += self._name_flags(a.text, a, words, w0, w1)
            if model.meaning is not None:
                p0, p1 = pair_bounds[k], pair_bounds[k + 1]
                a.ctx_flags += self._meaning_flags(a.text, a, words, pairs[p0:p1], expected[p0:p1], w0, w1)
            a.words = (words, int(w0), int(w1), int(lo))

    def _context_flags(self, text: str, a: "_Analysis", table: Any, first_sentence: int, lo: int, hi: int,
                       tau: float) -> List[Flag]:
        """Flags for the words of one text (``lo..hi`` in ``table``) whose evidence reaches ``tau``.

        Two such words next to each other are one flag, fixed as a unit. A word inside a lexicon
        flag, a protected token (name, number, URL) or an ignored phrase is never flagged.
        """
        context = self.spin_model.context  # type: ignore[union-attr]
        hits = lo + np.flatnonzero(table.evidence[lo:hi] >= tau)
        if not len(hits):
            return []
        where = dict(zip(hits.tolist(), table.offsets(hits)))  # word -> (start, end) in text
        tokens: Dict[int, Dict[int, Any]] = {}  # sentence -> token start -> token
        runs: List[List[int]] = []
        for k, (start, end) in where.items():
            j = int(table.sentence[k]) - first_sentence
            if j not in tokens:
                tokens[j] = {t.start: t for t in a.tokens(j)}
            tok = tokens[j].get(start)
            if tok is None or tok.end != end or tok.protected or tok.kind != "word" \
                    or _overlaps(start, end, a.flags[j]):
                continue
            prev = runs[-1] if runs else None
            if prev and len(prev) == 1 and prev[0] == k - 1 and table.sentence[k - 1] == table.sentence[k] \
                    and not text[where[prev[0]][1] : start].strip():
                prev.append(k)
            else:
                runs.append([k])
        found: List[Flag] = []
        for run in runs:
            start, end = where[run[0]][0], where[run[-1]][1]
            surface = text[start:end]
            if normalize(surface) in self.lexicon.ignore:
                continue
            ranked = context.ranked(table, run[0], run[-1])
            if not ranked:
                continue
            line, col = a.lines.line_col(start)
            found.append(Flag(
                start=start, end=end, text=surface,
                suggestions=tuple(match_case(surface, " ".join(words)) for words, _ in ranked[:3]),
                kind="spin", confidence=round(float(table.evidence[run].min()), 4),
                rule="context:phrase" if len(run) > 1 else "context:word", line=line, col=col,
            ))
        return found

    def _name_flags(self, text: str, a: "_Analysis", table: Any, lo: int, hi: int) -> List[Flag]:
        """``mt`` flags for names respelt within the text (garblecheck.evidence.names), offsets from ``table``."""
        from .evidence.names import name_variants, name_words

        words = table.words
        # names are capitalised and never lower-case vocabulary words
        unknown = lo + np.flatnonzero(~table.known[lo:hi] & words.capital[lo:hi])
        names = name_words(words, unknown, self.spin_model.context.english)  # type: ignore[union-attr]
        found = name_variants(words, table.sentence, names)
        out = []
        for (k, suggestion), (start, end) in zip(found, table.offsets([k for k, _ in found])):
            surface = text[start:end]
            if surface.endswith(("'s", "’s")):
                end -= 2
                surface = surface[:-2]
            if normalize(surface) in self.lexicon.ignore:
                continue
            line, col = a.lines.line_col(start)
            out.append(Flag(start=start, end=end, text=surface, suggestions=(suggestion,), kind="mt",
                            confidence=NAME_CONFIDENCE, rule="mt:name", line=line, col=col))
        return out

    def _meaning_flags(self, text: str, a: "_Analysis", table: Any, ks: np.ndarray, expected: np.ndarray,
                       lo: int, hi: int) -> List[Flag]:
        """``mt`` flags for evidence of meaning (:mod:`garblecheck.evidence.meaning`) in one text (words
        ``lo:hi`` of ``table``); ``ks`` are the words of ``table`` that end an unexpected pair,
        ``expected`` their expectation."""
        from .evidence.meaning import CONFIDENCE, Finding

        context, meaning = self.spin_model.context, self.spin_model.meaning  # type: ignore[union-attr]
        found = meaning.find(text) + meaning.cases(text, table, lo, hi, context.index)
        if len(ks):
            for k, (s1, e1), (s2, e2), x in zip(ks.tolist(), table.offsets((ks - 1).tolist()), table.offsets(ks.tolist()), expected):
                if text[e1:s2].strip():
                    continue  # punctuation between them
                pair = f"{text[s1:e1]} {text[s2:e2]}"
                alts = context.pair_alternatives(int(table.ids[k - 1]), int(table.ids[k]))
                if alts:  # a flag without a suggestion would point at the pair and offer nothing
                    found.append(Finding(s1, e2, "mt:collocation", match_case(pair, alts[0]),
                                         f'clean news never writes "{pair.lower()}" though its words would meet {x:.0f} times'))
        taken = _Taken([f for fl in a.flags for f in fl] + a.ctx_flags)  # lexicon, context and name flags come first
        out: List[Flag] = []
        for f in sorted(found):  # by start, so only the last one kept can overlap the next
            surface = text[f.start : f.end]
            if normalize(surface) in self.lexicon.ignore or taken.hits(f.start, f.end) or (out and out[-1].end > f.start) \
                    or _in_address(text, f.start, f.end):
                continue
            line, col = a.lines.line_col(f.start)
            out.append(Flag(start=f.start, end=f.end, text=surface,
                            suggestions=(f.suggestion,), kind="mt",
                            confidence=CONFIDENCE[f.rule], rule=f.rule, line=line, col=col, explanation=f.explanation))
        return out

    def _can_decode(self) -> bool:
        return self.channel is not None and self.spin_model is not None and self.spin_model.context is not None

    def get_channel(self) -> Any:
        """The spinner channel (:class:`garblecheck.decoding.channel.Channel`), loaded on first use."""
        if self._channel is None:
            from .decoding.channel import Channel

            self._channel = self.channel if isinstance(self.channel, Channel) else \
                Channel.default() if self.channel == "default" else Channel.load(self.channel)
        return self._channel

    def get_lm(self) -> Any:
        """The language model (:class:`garblecheck.evidence.lm.TrigramLM`) of the model's context statistics."""
        return self.spin_model.context.lm  # type: ignore[union-attr]

    def _decodes(self, a: "_Analysis", score: float, decode: Optional[bool]) -> bool:
        return a.words is not None and self.channel is not None and decode is not False \
            and (decode is True or score >= self.decode_min_score)

    def _channel_flags(self, texts: Sequence[str], analyses: Sequence["_Analysis"], learn: Any = None) -> List[List[Flag]]:
        """Flags from decoding the texts with the language model and the spinner channel
        (:mod:`garblecheck.decoding.decode`): each word whose chosen original reaches ``decode.FLAG_MIN``.
        Each text keeps its own intensity; a text of more than ``DECODE_WORDS`` words is decoded
        in pieces of whole sentences of about that many words, each with its own intensity, and
        texts are decoded together up to that many words (memory stays bounded)."""
        from .text.io import batched_by_size

        out: List[List[Flag]] = [[] for _ in analyses]
        pieces = (p for d, a in enumerate(analyses) for p in _pieces(d, a, DECODE_WORDS))
        for group in batched_by_size(pieces, DECODE_WORDS, lambda p: p[2] - p[1]):
            self._decode(texts, analyses, group, out, learn)
        return out

    def _decode(self, texts: Sequence[str], analyses: Sequence["_Analysis"], pieces: Sequence[Tuple[int, int, int, int, int]],
                out: List[List[Flag]], learn: Any = None) -> None:
        """Decode the ``pieces`` (:func:`_pieces`) in one pass; their flags go to ``out[text]``."""
        from .decoding.decode import FLAG_MIN, decode

        lm = self.get_lm()
        table = analyses[0].words[0]  # one word table holds the sentences of every text of the batch
        index = np.concatenate([np.arange(lo, hi) for _, lo, hi, _, _ in pieces])  # table word of each decoded word
        doc = np.repeat(np.arange(len(pieces)), [hi - lo for _, lo, hi, _, _ in pieces])  # its piece
        sentence = table.sentence[index]
        skip = np.zeros(len(index), dtype=bool)
        fixed: Dict[int, int] = {}
        known = np.zeros(len(pieces))
        at = 0
        for p, (d, lo, hi, j0, j1) in enumerate(pieces):
            a = analyses[d]
            first_sentence = a.words[3]
            local = table.sentence[lo:hi]
            for j in range(j0, j1):  # words under a lexicon flag: read as its replacement
                fl = a.flags[j]
                if not fl:
                    continue
                ks = np.arange(*np.searchsorted(local, [first_sentence + j, first_sentence + j + 1]))
                spans = table.offsets((lo + ks).tolist())
                for f in fl:
                    inside = [at + int(k) for k, (s, e) in zip(ks, spans) if s < f.end and f.start < e]
                    skip[inside] = True
                    repl = f.suggestions[0].lower().split() if f.suggestions else []
                    if len(repl) == len(inside):
                        fixed.update(zip(inside, lm.ids(repl).tolist()))
                    known[p] += f.kind == "spin"
            at += hi - lo
        decisions, _ = decode(lm, self.get_channel(), table.words.strings(index), sentence, skip, fixed, known=known,
                              cache=self._options, doc=doc, learn=learn)
        flag_min = FLAG_MIN if self._flag_min is None else self._flag_min
        chosen = [x for x in decisions if x.chosen is not None and x.confidence >= flag_min]
        firsts = table.offsets([int(index[x.word]) for x in chosen])
        lasts = table.offsets([int(index[x.word + x.span - 1]) for x in chosen])
        for x, (start, _), (_, end) in zip(chosen, firsts, lasts):
            d = pieces[int(doc[x.word])][0]
            text = texts[d]
            surface = text[start:end]
            if normalize(surface) in self.lexicon.ignore:
                continue
            line, col = analyses[d].lines.line_col(start)
            alts = [o for o, p in zip(x.originals, x.posteriors) if o != x.chosen and p >= 0.05][:2]
            out[d].append(Flag(start=start, end=end, text=surface,
                               suggestions=tuple(match_case(surface, o) for o in [x.chosen, *alts]),
                               kind="spin", confidence=round(x.confidence, 4),
                               rule="channel:phrase" if x.span > 1 else "channel:word", line=line, col=col))

    def _name_flags_spun(self, text: str, a: "_Analysis", flags: Sequence[Flag]) -> List[Flag]:
        """Flags for names the spinner mangled ("White Home" -> "White House"), which restoration
        repairs; every other name stays untouched."""
        out = []
        taken = _Taken(flags)
        for start, end, repl in self.get_channel().spun_names(text):
            if taken.hits(start, end) or normalize(text[start:end]) in self.lexicon.ignore:
                continue
            line, col = a.lines.line_col(start)
            out.append(Flag(start=start, end=end, text=text[start:end], suggestions=(repl,), kind="spin",
                            confidence=SPUN_NAME_CONFIDENCE, rule="name:spun", line=line, col=col))
        return out

    def _scores(self, analyses: Sequence["_Analysis"]) -> List[Tuple[float, Optional[float]]]:
        """``(score, spin_score)`` of each analysed text (the verdict reads the stage-2 texts at once)."""
        if self.spin_model is None:
            return [(a.lex_score, None) for a in analyses]
        out: List[Tuple[float, Optional[float]]] = [(a.stage1, None) for a in analyses]
        full = [k for k, a in enumerate(analyses) if a.stage == 2]
        if full:
            score, spin = self.spin_model.scores_many(np.array([analyses[k].features() for k in full]))
            for k, s, p in zip(full, score.tolist(), spin.tolist()):
                out[k] = (s, p)
        return out

    def _report(self, text: str, a: "_Analysis", scores: Tuple[float, Optional[float]],
                channel_flags: Optional[List[Flag]] = None) -> Report:
        """The report of one text; ``channel_flags`` from the decoder, None where it did not run
        (then the context model's own flags stand)."""
        decoded = channel_flags is not None
        found = [f for fl in a.flags for f in fl] + (channel_flags or [])
        decoded_at = _Taken(channel_flags or ())
        found += [f for f in a.ctx_flags if not (decoded and f.rule.startswith("context:"))
                  and not decoded_at.hits(f.start, f.end)]
        if self.channel is not None and a.stage == 2:  # a page stage 1 clears has no spun name to repair
            found += self._name_flags_spun(text, a, found)
        all_flags = tuple(sorted(found, key=lambda f: (f.start, f.end)))
        lex_sentence = [density_score((f.confidence for f in fl), n) if fl else 0.0
                        for n, fl in zip(a.counts.tolist(), a.flags)]
        score, spin_score = scores
        mt_score: Optional[float] = None
        model = self.spin_model
        if model is None:
            sent_scores = lex_sentence
        else:
            p = sigmoid(a.sentence_logits)
            sent_scores = (1.0 - (1.0 - p) * (1.0 - np.asarray(lex_sentence, dtype=np.float64))).tolist()
            if a.mt_logits is not None and a.stage == 2:
                mt_score = model.mt_score(mt_features(a.mt_logits, all_flags, a.n_words, a.fluency, a.unknown_capitals,
                                                        a.profile))
        sentences = tuple(map(SentenceScore, [s.start for s in a.spans], [s.end for s in a.spans], sent_scores))
        verdict = "clean" if a.stage == 1 else self._verdict(score, mt_score, a.n_words)  # stage 1 clears clean pages only
        return Report(score, verdict, self.threshold_, a.n_words, all_flags, sentences,
                      spin_score, mt_score, decoded=decoded, intensity=None if a.rates is None else float(a.rates[0]),
                      stage=a.stage)

    def _verdict(self, score: float, mt_score: Optional[float], n_words: int) -> str:
        """``garbled`` or ``mt`` when a score reaches its threshold (``mt`` when the mt score is
        further past its own, in log-odds, in a text of ``MT_MIN_WORDS`` words or more), else
        ``clean``."""
        def margin(p: float, t: float) -> float:
            p, t = min(max(p, 1e-12), 1 - 1e-12), min(max(t, 1e-12), 1 - 1e-12)
            return float(np.log(p / (1 - p)) - np.log(t / (1 - t)))

        spin = margin(score, self.threshold_)
        mt_t = self.mt_threshold_
        mt = margin(mt_score, mt_t) if mt_score is not None and mt_t is not None and n_words >= MT_MIN_WORDS else -np.inf
        if mt >= 0 and mt > spin:
            return "mt"
        return "garbled" if score >= self.threshold_ else "clean"

    # -- restoration -------------------------------------------------------------------------

    def restore_and_explain(self, text: str, report: Optional[Report] = None) -> Tuple[str, List[Change]]:
        """The restored text and the changes that produce it from ``text``.

        Every text is decoded (:mod:`garblecheck.decoding.decode`); pass the ``report`` of ``text`` made
        with ``check(text, decode=True)`` if you already have it, to skip checking it again.
        """
        text = _require_str(text)
        if report is None or (not report.decoded and self._can_decode()):
            report = self.check(text, decode=True)
        changes = plan_changes(text, report.flags, self.restore_min_confidence)
        restored = apply_changes(text, changes)
        # a repair changes the neighbours the decoder reads the other words against (and a lexicon or name
        # repair may leave a word real spinners write for another): read the result again until nothing
        # changes, at most RESTORE_ROUNDS times, so restoring is a fixed point
        for _ in range(RESTORE_ROUNDS if self._can_decode() and changes else 0):
            again = plan_changes(restored, self.check(restored, decode=True).flags, self.restore_min_confidence)
            if not again:
                break
            changes = compose_changes(text, changes, again)
            restored = apply_changes(text, changes)
        return restored, changes

    def restore(self, text: str) -> str:
        """``text`` with every confident flag replaced by its top suggestion."""
        return self.restore_and_explain(text)[0]
