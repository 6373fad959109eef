"""The one engine every front end calls. :class:`Detector` loads the lexicon and the model once and
orders the stages over each batch of texts (:mod:`.batch`): :mod:`.stages` reads them (stage 1,
then stage 2 for the pages stage 1 does not clear), :mod:`.restorer` decodes the pages worth it,
:mod:`.reports` turns what was read into reports."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from ..decoding.changes import RESTORE_MIN_CONFIDENCE, Change, apply_changes, compose_changes, plan_changes
from ..evidence.lexicon import Lexicon
from ..verdict.model import SpinModel, default_model_dir
from ..verdict.report import DEFAULT_THRESHOLD, Flag, Report
from .batch import (BATCH_CHARS, DECODE_MIN_SCORE, LEARN_FLAG_MIN, LEARN_ITERATIONS, LEARN_MIN_TEXTS, RESTORE_ROUNDS,
                    Batch, Page)
from .reports import report_page, round_trips, score_pages
from .restorer import channel_flags
from .stages import read_lexicon, read_stage1, read_stage2

__all__ = ["Detector"]

PathLike = Union[str, Path]
ModelSpec = Union[str, Path, SpinModel, None]

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
            from ..evidence.roundtrip import bergamot

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
        from ..decoding.channel import ChannelStats

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
        from ..decoding.decode import FLAG_MIN

        saved = self._channel, self._options, self._flag_min
        self._channel, self._options, self._flag_min = channel, {}, FLAG_MIN if flag_min is None else flag_min
        try:
            yield
        finally:
            self._channel, self._options, self._flag_min = saved

    def _check_all(self, docs: List[str], decode: Optional[bool], learn: Any = None) -> List[Report]:
        from ..text.io import batched_by_size

        return [r for group in batched_by_size(docs, BATCH_CHARS, len) for r in self._check_group(group, decode, learn)]

    def _check_group(self, docs: List[str], decode: Optional[bool], learn: Any = None) -> List[Report]:
        pages = self.read(docs)
        page_scores = score_pages(self, pages)
        todo = [k for k, (a, sc) in enumerate(zip(pages, page_scores)) if self._decodes(a, sc[0], decode)]
        decoded = dict(zip(todo, channel_flags(self, [docs[k] for k in todo], [pages[k] for k in todo], learn)))
        reports = [report_page(self, a, sc, decoded.get(k)) for k, (a, sc) in enumerate(zip(pages, page_scores))]
        return round_trips(self, docs, reports) if self._legs is not None else reports

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

    def read(self, docs: Sequence[str], full: Optional[bool] = None) -> List[Page]:
        """The stages' reading of each text, before reports: stage 1 for every text (sentences,
        lexicon, n-gram logits, page rate), then stage 2 (context model, language model, evidence
        of meaning) for the texts stage 1 does not clear (all of them with ``full``, which defaults
        to the detector's). One word pass (:class:`garblecheck.text.words.Words`) reads all the
        sentences of the texts."""
        batch = Batch(docs)
        read_lexicon(self, batch)
        if self.spin_model is not None:
            read_stage1(self, batch, self.full if full is None else full)
            read_stage2(self, batch)
        return batch.pages

    def _shipped_rates(self) -> None:
        """Give the decoder's options the model's vocabulary rates when they were computed for the
        channel in use (the shipped one, by its fingerprint): then the page rate is a gather per word."""
        from ..decoding.channel import Channel, channel_fingerprint

        model, channel = self.spin_model, self.get_channel()
        if "vocab_rates" not in self._options and model is not None and model.vocab_rates is not None \
                and channel is Channel.default() and model.channel_sha256 == channel_fingerprint():
            self._options["vocab_rates"] = (self.get_lm(), channel, *model.vocab_rates)

    def _can_decode(self) -> bool:
        return self.channel is not None and self.spin_model is not None and self.spin_model.context is not None

    def get_channel(self) -> Any:
        """The spinner channel (:class:`garblecheck.decoding.channel.Channel`), loaded on first use."""
        if self._channel is None:
            from ..decoding.channel import Channel

            self._channel = self.channel if isinstance(self.channel, Channel) else \
                Channel.default() if self.channel == "default" else Channel.load(self.channel)
        return self._channel

    def get_lm(self) -> Any:
        """The language model (:class:`garblecheck.evidence.lm.TrigramLM`) of the model's context statistics."""
        return self.spin_model.context.lm  # type: ignore[union-attr]

    def _decodes(self, a: Page, score: float, decode: Optional[bool]) -> bool:
        return a.words is not None and self.channel is not None and decode is not False \
            and (decode is True or score >= self.decode_min_score)

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

