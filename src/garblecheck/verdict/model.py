"""The trained model: n-gram weights and the document stacker, stored as ``.npz`` plus JSON.

A model folder holds ``weights.npz`` (numpy arrays only, read with ``allow_pickle=False``) and
``manifest.json`` (format version, featurizer parameters, threshold, training files and their
sha256, metrics, and the sha256 of ``weights.npz``). Loading checks all of it and raises
:class:`ModelError` with a one-line reason; nothing is ever unpickled.

Sentence and document features (the same functions serve training and scoring)::

    z      = sentence logits of the n-gram classifier
    q      = probability that a word was substituted (garblecheck.evidence.context), m = its maximum per sentence
    u      = c . [z, logit m] + c0, the sentence logit; sentence probability = sigmoid(u)
    spin   = [max u, mean u, mean of the 3 largest u, share of u > 0, log(1 + n_sentences),
              sum of q, word types with q > 0.5, > 0.8 (each per 100 words), mean of the 5 largest q,
              share of sentences with m > 0.5]
    g      = 1 - exp(-(sum of the lexicon flags' confidences + words with q > 0.5)), the page's
             support: 0 without a flag or a confident swap
    rate   = [g x the page's intensity by the spinner channel, g x its log-likelihood ratio against
              an untouched page per word (0 if negative), log(1 + the words it rests on)]  (decode.page_rates)
    stack  = spin + [lexicon flag-density score] + rate
    spin_score = sigmoid(spin . a + a0)
    score  = sigmoid(stack . b + b0) b >= 0 on the evidence (verdict/linear.py)

One verdict model reads all the page's evidence, so evidence that agrees adds up: it is learned on
clean pages of every domain against their copies spun with the thesaurus and spun the way real
spinners spin (learn.synth.RealSpinner), with page noise, each kind of damage weighing half as much
as the clean pages. Its coefficients on the evidence (the context model's sums and counts, the
lexicon score, the gated rate: ``VERDICT_EVIDENCE``) are bound to be >= 0, so a page with more flags
never scores lower. The context model's evidence ``q`` counts each word type of a page once (its
largest), so a page's own vocabulary repeated ("players" on a football page) is one piece of evidence. The page rate enters through its support ``g``: a rate with no flag and no
confident swap beside it cannot call a page alone. Its threshold is set so that every domain's
clean calibration pages stay within the false-positive rate (``clean_scores_by_domain``).

Stage 1 reads only what is cheap (the n-gram logits ``z``, the lexicon, the page rate and the
mt n-gram logits ``v``) and lets a page go no further when it is clearly clean::

    stage1 = [max z, mean z, mean of the 3 largest z, share of z > 0, lexicon score] + rate
             + [max v, mean of the 3 largest v]
    p1     = sigmoid(stage1 . s + s0)        stage 2 when p1 >= stage1_bar

Machine translation has its own sentence classifier over character n-grams (``mt_weights``) and
word n-grams of vocabulary ids (``mt_word_weights``), trained on real machine translation (round
trips against their originals, ``garblecheck train --mt-corpus``) and optionally on
machine-translation-like sentences from :class:`garblecheck.learn.synth.MTPerturber`, and its own
stacker::

    v      = sentence logits of the mt classifier (character part + word part)
    f      = fluency of the sentences under the language model (garblecheck.evidence.lm.sentence_fluency)
    mt     = [max v, mean v, mean of the 3 largest v, share of v > 0, log(1 + n_sentences),
              density score of the mt flags but respelt names, density score of respelt names,
              mean surprisal, 90th percentile (nearest rank) of sentence mean surprisal, mean of sentence maximum
              surprisal, unseen word-pair rate, unseen function-word-pair rate,
              per 100 words: mt flags but respelt names, respelt names, capitalised words not in the vocabulary]
             (+ the page profile of translated English, garblecheck.evidence.translationese, in a model
              whose featurizer names ``mt_page_profile``)
    mt_score = sigmoid(mt . c + c0)
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ..evidence.features import ngram_sums, skeleton_ids, word_ngram_sums
from ..evidence.translationese import PROFILE_NAMES
from ..text.io import sha256_file
from .linear import Linear
from .roundtrip import RoundTripRule

if TYPE_CHECKING:
    from ..evidence.context import ContextModel
    from ..evidence.meaning import MeaningModel

__all__ = ["SpinModel", "ModelError", "doc_features", "mt_features", "stage1_features", "rate_features", "sigmoid", "FORMAT",
           "FORMAT_VERSION", "default_model_dir"]

FORMAT = "garblecheck-model"
FORMAT_VERSION = 6  # 2: word n-grams and fluency in the mt score; 3: the trigram language model; 4: page rates, stage 1;
# 5: one verdict over all the evidence, thresholds per domain; 6: that verdict linear and monotone, context evidence per word type
WEIGHTS = "weights.npz"
MANIFEST = "manifest.json"
N_SPIN_FEATURES = 10
STAGE1_KINDS = ("real", "translations")  # the damage stage 1's bar lets through (SpinModel.stage1_bar_for);
# "translations_<file>" is one file's translations
N_RATE_FEATURES = 3
N_STACK_FEATURES = N_SPIN_FEATURES + 1 + N_RATE_FEATURES  # all of doc_features: the verdict reads them all
VERDICT_EVIDENCE = tuple(range(5, N_STACK_FEATURES - 1))  # context evidence, lexicon, gated rate: the score rises with each
N_STAGE1_FEATURES = 5 + N_RATE_FEATURES + 2
N_FLUENCY_FEATURES = 5
N_MT_FEATURES = 7 + N_FLUENCY_FEATURES + 3
EMPTY_LOGIT = -10.0
CONTEXT = "context.npz"
LM = "lm.npz"
MEANING = "meaning.npz"
PathLike = Union[str, Path]


class ModelError(Exception):
    """A model folder that cannot be used; ``str(err)`` names it and says why in one line."""


def default_model_dir() -> Path:
    from ..text.resources import data_path

    return data_path("trained")


def sigmoid(z: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50, 50)))


def sentence_inputs(logits: np.ndarray, ctx_max: np.ndarray) -> np.ndarray:
    """The sentence combiner's input: one row [z, m] per sentence."""
    m = np.clip(np.asarray(ctx_max, dtype=np.float64), 1e-4, 1 - 1e-4)
    return np.column_stack([np.asarray(logits, dtype=np.float64), np.log(m / (1 - m))])


def rate_features(rates: Optional[Sequence[float]], support: Optional[float] = None) -> List[float]:
    """The page-rate features from a row of :func:`garblecheck.decoding.decode.page_rates` (zeros
    without one); with ``support`` (module docstring: ``g``) the intensity and the ratio are gated by it."""
    if rates is None:
        return [0.0] * N_RATE_FEATURES
    s, llr, n = (float(x) for x in rates)
    if support is None:
        return [s, llr, float(np.log1p(n))]
    return [support * s, support * max(llr, 0.0), float(np.log1p(n))]


def support(lexicon_sum: float, ctx_evidence: Optional[np.ndarray]) -> float:
    """The page's support for its page rate: 1 - exp(-(lexicon confidence + words with q > 0.5))."""
    sure = 0 if ctx_evidence is None else int((np.asarray(ctx_evidence) > 0.5).sum())
    return float(1.0 - np.exp(-(lexicon_sum + sure)))


def stage1_features(logits: np.ndarray, lexicon_score: float, rates: Optional[Sequence[float]],
                    mt_logits: Optional[np.ndarray]) -> np.ndarray:
    """Stage 1's input for one document (module docstring): what is cheap to read."""
    z = _top_stats(np.asarray(logits, dtype=np.float64))
    v = _top_stats(np.asarray(mt_logits, dtype=np.float64)) if mt_logits is not None else [0.0] * 5
    return np.array(z[:4] + [lexicon_score] + rate_features(rates) + [v[0], v[2]])


def doc_features(sentence_logits: np.ndarray, lexicon_score: float, ctx_evidence: Optional[np.ndarray] = None,
                 ctx_max: Optional[np.ndarray] = None, n_words: int = 0, rates: Optional[Sequence[float]] = None,
                 lexicon_sum: float = 0.0) -> np.ndarray:
    """The verdict's input for one document from its sentence logits ``u`` (module docstring);
    ``lexicon_sum`` is the sum of its lexicon flags' confidences."""
    z = np.asarray(sentence_logits, dtype=np.float64)
    e = np.zeros(0) if ctx_evidence is None else np.asarray(ctx_evidence, dtype=np.float64)
    m = np.zeros(0) if ctx_max is None else np.asarray(ctx_max, dtype=np.float64)
    per100 = 100.0 / (n_words + 50)
    top_e = _top(e, 5) if e.size else np.zeros(1)
    return np.array(_top_stats(z) + [
        e.sum() * per100, (e > 0.5).sum() * per100, (e > 0.8).sum() * per100, top_e.mean(),
        float((m > 0.5).mean()) if m.size else 0.0,
        lexicon_score,
    ] + rate_features(rates, support(lexicon_sum, e)))


def _top(e: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` largest of the non-negative ``e`` in ascending order (a shorter ``e`` as it is).
    The many zeros of an evidence array are left out first: ``np.partition`` is slow on ties."""
    if e.size <= k:
        return e
    nz = e[e > 0]
    return np.sort(np.partition(nz, -k)[-k:]) if nz.size > k else np.concatenate([np.zeros(k - nz.size), np.sort(nz)])


def _top_stats(z: np.ndarray) -> list:
    """[max, mean, mean of the 3 largest, share above 0, log(1 + n)] of sentence logits."""
    n = z.size
    if n == 0:
        z = np.array([EMPTY_LOGIT])
    top = np.partition(z, -3)[-3:] if z.size > 3 else z
    return [z.max(), z.mean(), top.mean(), float((z > 0).mean()) if n else 0.0, np.log1p(n)]


def fluency_features(fluency: Optional[np.ndarray]) -> List[float]:
    """Document fluency from the per-sentence ``garblecheck.evidence.lm.FLUENCY_COLUMNS`` rows."""
    if fluency is None or not len(fluency) or fluency[:, 0].sum() == 0:
        return [0.0] * N_FLUENCY_FEATURES
    f = np.asarray(fluency, dtype=np.float64)
    scored = f[:, 0] > 0
    per_sentence = f[scored, 1] / f[scored, 0]
    k = int(np.ceil(0.9 * len(per_sentence))) - 1  # the 90th percentile by nearest rank
    return [f[:, 1].sum() / f[:, 0].sum(), float(np.partition(per_sentence, k)[k]), float(f[scored, 2].mean()),
            f[:, 4].sum() / max(f[:, 3].sum(), 1.0), f[:, 6].sum() / max(f[:, 5].sum(), 1.0)]


def mt_features(mt_logits: np.ndarray, flags: Sequence[Any], n_words: int, fluency: Optional[np.ndarray] = None,
                unknown_capitals: int = 0, profile: Optional[np.ndarray] = None) -> np.ndarray:
    """The mt stacker's input for one document (module docstring), from its mt sentence logits,
    its flags (``mt`` flags and respelt names, ``mt:name``, each as a density score and per 100
    words), the fluency rows of its sentences, its capitalised words the vocabulary lacks (page
    consistency: a page of respelt and unknown names) and, for a model that reads it, its page
    profile (``evidence.translationese.page_profiles``)."""
    from .report import density_score

    mt_lex = density_score((f.confidence for f in flags if f.kind == "mt" and f.rule != "mt:name"), n_words)
    names = density_score((f.confidence for f in flags if f.rule == "mt:name"), n_words)
    per100 = 100.0 / (n_words + 50)
    counts = [sum(f.kind == "mt" and f.rule != "mt:name" for f in flags) * per100, sum(f.rule == "mt:name" for f in flags) * per100,
              unknown_capitals * per100]
    row = _top_stats(np.asarray(mt_logits, dtype=np.float64)) + [mt_lex, names] + fluency_features(fluency) + counts
    return np.array(row if profile is None else row + list(profile))


def _verified_npz(d: Path, manifest: Dict[str, Any], file_key: str, sha_key: str, where: str) -> Dict[str, np.ndarray]:
    """The arrays of one ``.npz`` named in the manifest, after checking its sha256."""
    path = d / str(manifest.get(file_key, ""))
    try:
        digest = sha256_file(path)
    except OSError as e:
        raise ModelError(f"{where}: cannot read {path.name}: {e.strerror or e}") from None
    if digest != manifest.get(sha_key):
        raise ModelError(f"{where}: {path.name} does not match the sha256 in {MANIFEST} (corrupt or replaced)")

    def read() -> Dict[str, np.ndarray]:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}

    try:
        try:
            return read()
        except (SystemError, MemoryError):
            # the bytes matched their sha256, so this failure is the runtime's, not the file's (seen
            # once in CI: a SystemError inside numpy's read of a verified file, under the threaded load)
            return read()
    except Exception as e:  # noqa: BLE001 - any failure to parse is one line for the user
        detail = ": " + str(e).splitlines()[0] if str(e).strip() else ""
        raise ModelError(f"{where}: {path.name} is not a valid .npz ({e.__class__.__name__}{detail})") from None


def _prefixed(arrays: Mapping[str, np.ndarray], prefix: str) -> Dict[str, np.ndarray]:
    """The arrays whose names start with ``prefix``, by the rest of their names, as float64."""
    return {k[len(prefix):]: v.astype(np.float64) for k, v in arrays.items() if k.startswith(prefix)}


def _write_npz(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    """An ``.npz`` whose bytes depend only on the arrays (fixed names, order and timestamps)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(arrays):
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w") as fh:
                np.lib.format.write_array(fh, np.ascontiguousarray(arrays[name]), allow_pickle=False)


def _at_fpr_all(pooled: Optional[np.ndarray], by_domain: Mapping[str, np.ndarray], fpr: float, cap: float,
                missing: str) -> float:
    """:func:`_at_fpr` of the pooled scores and of every domain's, whichever is highest."""
    return max(_at_fpr(s, fpr, cap, missing) for s in [pooled, *by_domain.values()])


def _at_fpr(scores: Optional[np.ndarray], fpr: float, cap: float, missing: str) -> float:
    """Just above the sorted clean ``scores`` at their ``1 - fpr`` quantile, between 0.5 and ``cap``."""
    if scores is None or not len(scores):
        raise ModelError(f"this model keeps no {missing}")
    if not 0.0 <= fpr < 1.0:
        raise ValueError(f"fpr must be in [0, 1), got {fpr}")
    k = min(len(scores) - 1, int(np.floor(len(scores) * (1 - fpr))))
    return float(min(cap, max(0.5, scores[k] + 1e-6)))


@dataclass
class SpinModel:
    """Sentence classifier weights plus the document stacker."""

    weights: np.ndarray  # float32, 2**bits n-gram weights
    bias: float
    spin_coef: np.ndarray  # N_SPIN_FEATURES
    spin_intercept: float
    verdict: Optional[Linear] = None  # the verdict over all the evidence (N_STACK_FEATURES); None: score = spin_score
    sent_coef: np.ndarray = field(default_factory=lambda: np.array([1.0, 0.0]))
    sent_intercept: float = 0.0
    context: Optional["ContextModel"] = None
    meaning: Optional["MeaningModel"] = None  # facts of clean news for the evidence-of-meaning flags
    mt_weights: Optional[np.ndarray] = None  # float32, 2**bits n-gram weights of the mt classifier
    mt_word_weights: Optional[np.ndarray] = None  # float32, word n-gram weights of the mt classifier
    word_n_max: int = 3
    skeleton_n_max: int = 0  # function-word skeleton n-grams of the mt classifier (features.skeleton_ids); 0: none
    mt_page_profile: bool = False  # does the mt stacker read the page profile (evidence.translationese)
    mt_roundtrip: Optional[RoundTripRule] = None  # how a round trip moves the mt score (tools/fit_roundtrip.py)
    mt_bias: float = 0.0
    mt_coef: np.ndarray = field(default_factory=lambda: np.zeros(N_MT_FEATURES))
    mt_intercept: float = 0.0
    mt_threshold: Optional[float] = None
    mt_clean_scores: Optional[np.ndarray] = None  # sorted mt scores of the clean calibration pages of 100 words or more
    mt_clean_by_domain: Dict[str, np.ndarray] = field(default_factory=dict)  # the same, per domain
    threshold: float = 0.5
    flag_threshold: Optional[float] = None  # context-model evidence that makes a word a flag (None: no such flags)
    clean_scores: Optional[np.ndarray] = None  # sorted scores of the clean calibration pages (for an FPR)
    clean_by_domain: Dict[str, np.ndarray] = field(default_factory=dict)  # the same, per domain
    stage1_coef: Optional[np.ndarray] = None  # N_STAGE1_FEATURES; None: every page goes to stage 2
    stage1_intercept: float = 0.0
    stage1_bar: float = 0.0  # stage 1's probability from which a page goes to stage 2
    stage1_scores: Dict[str, np.ndarray] = field(default_factory=dict)  # sorted, per kind of calibration page
    n_min: int = 1
    n_max: int = 5
    lowercase: bool = True
    vocab_rates: Optional[Tuple[np.ndarray, np.ndarray]] = None  # per language-model word: r_w, a_w (decode.vocab_rates)
    channel_sha256: Optional[str] = None  # of the channel those rates were computed from (decode.channel_fingerprint)
    manifest: Dict[str, Any] = field(default_factory=dict)
    _both: Optional[np.ndarray] = field(default=None, init=False, repr=False, compare=False)  # [weights, mt_weights]

    def threshold_for_fpr(self, fpr: float) -> float:
        """The score threshold that about ``fpr`` of the clean calibration pages of every domain
        reach: just above the clean score at the ``1 - fpr`` quantile of the pooled pages and of
        each domain's, whichever is highest (at least 0.5, at most 0.99)."""
        return _at_fpr_all(self.clean_scores, self.clean_by_domain, fpr, 0.99,
                           "clean calibration scores: retrain it to set a threshold by FPR")

    def mt_threshold_for_fpr(self, fpr: float) -> float:
        """The mt threshold that about ``fpr`` of the clean calibration pages (of 100 words or
        more) of every domain reach, as :meth:`threshold_for_fpr` for the spin score (at most 0.999)."""
        return _at_fpr_all(self.mt_clean_scores, self.mt_clean_by_domain, fpr, 0.999,
                           "clean mt calibration scores: retrain it to set the mt threshold by FPR")

    def __post_init__(self) -> None:
        if not np.any(self.mt_coef) and len(self.mt_coef) != self.n_mt_features:  # the default, before any fit
            self.mt_coef = np.zeros(self.n_mt_features)

    @property
    def n_mt_features(self) -> int:
        """The length of the mt stacker's input (``mt_features``)."""
        return N_MT_FEATURES + (len(PROFILE_NAMES) if self.mt_page_profile else 0)

    @property
    def bits(self) -> int:
        return int(np.log2(len(self.weights)))

    def featurizer_params(self) -> Dict[str, Any]:
        return {"n_min": self.n_min, "n_max": self.n_max, "bits": self.bits, "lowercase": self.lowercase,
                "word_n_max": self.word_n_max, "skeleton_n_max": self.skeleton_n_max,
                "mt_page_profile": self.mt_page_profile}

    def mt_word_logits(self, ids: np.ndarray, sentence: np.ndarray, n_sentences: int,
                       capital: np.ndarray) -> np.ndarray:
        """The word part of the mt sentence logits (zeros without word weights): word n-grams of
        vocabulary ``ids``, and with ``skeleton_n_max`` the function-word skeleton n-grams (which
        read ``capital``, per word, and the context model's function words)."""
        if self.mt_word_weights is None:
            return np.zeros(n_sentences)
        z = word_ngram_sums(ids, sentence, n_sentences, self.mt_word_weights, self.word_n_max)
        if self.skeleton_n_max and self.context is not None:
            skeleton = skeleton_ids(ids, capital, self.context.function_words())
            z = z + word_ngram_sums(skeleton, sentence, n_sentences, self.mt_word_weights, self.skeleton_n_max)
        return z

    def sentence_logits(self, sentences: Sequence[str]) -> np.ndarray:
        """Linear scores of sentences through the matrix-free fast path."""
        sums, counts = ngram_sums(sentences, self.weights, self.n_min, self.n_max, self.lowercase)
        return self.bias + sums / np.sqrt(np.maximum(counts, 1.0))

    def sentence_logits_both(self, sentences: Sequence[str]) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        """Spin and mt sentence logits, both from one pass over the n-gram hashes (mt: None
        without an mt classifier)."""
        if self.mt_weights is None:
            return self.sentence_logits(sentences), None
        if self._both is None:
            self._both = np.ascontiguousarray(np.column_stack([self.weights, self.mt_weights]))
        sums, counts = ngram_sums(sentences, self._both, self.n_min, self.n_max, self.lowercase)
        scale = np.sqrt(np.maximum(counts, 1.0))
        return self.bias + sums[:, 0] / scale, self.mt_bias + sums[:, 1] / scale

    def stage1_bar_for(self, miss: float) -> float:
        """The stage-1 bar below which at most ``miss`` of each kind of real damage among the
        calibration pages falls (``STAGE1_KINDS``: the real spinner's pages, real machine
        translations). The thesaurus's thin spins are reported apart: nothing cheap tells them
        from clean text, and holding the bar to them let stage 1 clear almost nothing."""
        damaged = [v for k, v in self.stage1_scores.items() if k.split("_", 1)[0] in STAGE1_KINDS and len(v)]
        if not damaged:
            raise ModelError("this model keeps no stage-1 calibration scores: retrain it to set the bar by a miss rate")
        if not 0.0 <= miss < 1.0:
            raise ValueError(f"a miss rate must be in [0, 1), got {miss}")
        return float(min(np.quantile(v, miss) for v in damaged))

    def stage1(self, features: np.ndarray) -> float:
        """Stage 1's probability that the page is damaged (1 without a stage-1 model)."""
        if self.stage1_coef is None:
            return 1.0
        return float(sigmoid(features @ self.stage1_coef + self.stage1_intercept))

    def mt_score(self, features: np.ndarray) -> float:
        return float(sigmoid(features @ self.mt_coef + self.mt_intercept))

    def combined_logits(self, logits: np.ndarray, ctx_max: np.ndarray) -> np.ndarray:
        """Sentence logits ``u`` from the n-gram logits and the context maxima."""
        return (sentence_inputs(logits, ctx_max) * self.sent_coef).sum(axis=1) + self.sent_intercept

    def scores(self, features: np.ndarray) -> Tuple[float, float]:
        """(score, spin_score) of one document from :func:`doc_features`."""
        score, spin = self.scores_many(np.asarray(features)[None, :])
        return float(score[0]), float(spin[0])

    def scores_many(self, features: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """(score, spin_score) of many documents, one row of :func:`doc_features` each."""
        F = np.asarray(features, dtype=np.float64).reshape(-1, N_STACK_FEATURES)
        spin = sigmoid((F[:, :N_SPIN_FEATURES] * self.spin_coef).sum(axis=1) + self.spin_intercept)  # a row's sum whatever the batch
        return (spin if self.verdict is None else sigmoid(self.verdict.decision(F))), spin

    # -- persistence ---------------------------------------------------------------------------

    def arrays(self) -> Dict[str, np.ndarray]:
        return {
            "ngram_weights": self.weights.astype(np.float32),
            "ngram_bias": np.array([self.bias], dtype=np.float64),
            "spin_coef": np.asarray(self.spin_coef, dtype=np.float64),
            "spin_intercept": np.array([self.spin_intercept], dtype=np.float64),
            **({} if self.verdict is None else self.verdict.arrays("verdict_")),
            "sent_coef": np.asarray(self.sent_coef, dtype=np.float64),
            "sent_intercept": np.array([self.sent_intercept], dtype=np.float64),
            **({} if self.mt_weights is None else {
                "mt_weights": self.mt_weights.astype(np.float32),
                **({} if self.mt_word_weights is None else {"mt_word_weights": self.mt_word_weights.astype(np.float32)}),
                "mt_bias": np.array([self.mt_bias], dtype=np.float64),
                "mt_coef": np.asarray(self.mt_coef, dtype=np.float64),
                "mt_intercept": np.array([self.mt_intercept], dtype=np.float64),
                **({} if self.mt_clean_scores is None else {"mt_clean_scores": np.sort(self.mt_clean_scores).astype(np.float64)}),
                **{f"mt_clean_scores_{k}": np.sort(v).astype(np.float64) for k, v in self.mt_clean_by_domain.items()},
            }),
            **({} if self.clean_scores is None else {"clean_calibration_scores": np.sort(self.clean_scores).astype(np.float64)}),
            **{f"clean_calibration_scores_{k}": np.sort(v).astype(np.float64) for k, v in self.clean_by_domain.items()},
            **({} if self.vocab_rates is None else {"vocab_replace_rate": np.asarray(self.vocab_rates[0], dtype=np.float64),
                                                    "vocab_form_weight": np.asarray(self.vocab_rates[1], dtype=np.float64)}),
            **({} if self.stage1_coef is None else {
                "stage1_coef": np.asarray(self.stage1_coef, dtype=np.float64),
                "stage1_intercept": np.array([self.stage1_intercept], dtype=np.float64),
                "stage1_bar": np.array([self.stage1_bar], dtype=np.float64),
                **{f"stage1_scores_{k}": np.sort(v).astype(np.float64) for k, v in self.stage1_scores.items()},
            }),
        }

    def save(self, directory: PathLike, extra: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """Write ``weights.npz`` and ``manifest.json`` (each atomically) and return the manifest."""
        from ..text.io import atomic_write_bytes

        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        tmp = d / f".{WEIGHTS}.building"
        parts = [("weights", WEIGHTS, self.arrays())]
        if self.context is not None:
            parts += [("context", CONTEXT, self.context.arrays()), ("lm", LM, self.context.lm.arrays())]
        if self.meaning is not None:
            parts.append(("meaning", MEANING, self.meaning.arrays()))
        files = {}
        try:
            for part, name, arrays in parts:
                _write_npz(tmp, arrays)
                data = tmp.read_bytes()
                atomic_write_bytes(d / name, data)
                files.update({f"{part}_file": name, f"{part}_sha256": hashlib.sha256(data).hexdigest()})
        finally:  # also when stopped (Ctrl-C, SIGTERM): no file of the build is left behind
            tmp.unlink(missing_ok=True)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "featurizer": self.featurizer_params(),
            "threshold": self.threshold,
            "context_flag_threshold": self.flag_threshold,
            "mt_threshold": self.mt_threshold,
            "channel_sha256": self.channel_sha256,
            **({} if self.mt_roundtrip is None else {"mt_roundtrip": self.mt_roundtrip.to_json()}),
            **(extra or {}),
            **files,
        }
        atomic_write_bytes(d / MANIFEST, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode())
        self.manifest = manifest
        return manifest

    @classmethod
    def load(cls, directory: PathLike) -> "SpinModel":
        """Load and verify a model folder; any problem raises :class:`ModelError`."""
        d = Path(directory)
        where = f"model {d}"
        try:
            manifest = json.loads((d / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelError(f"{where}: no {MANIFEST}") from None
        except (OSError, UnicodeDecodeError, ValueError) as e:
            raise ModelError(f"{where}: unreadable {MANIFEST} ({e.__class__.__name__})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ModelError(f"{where}: {MANIFEST} is not a garblecheck model manifest")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise ModelError(f"{where}: format version {manifest.get('format_version')!r}, "
                             f"this garblecheck reads {FORMAT_VERSION}")
        if manifest.get("context_file") and not manifest.get("lm_file"):
            raise ModelError(f"{where}: {MANIFEST} names no language model (lm_file)")
        from concurrent.futures import ThreadPoolExecutor

        # the files are checked and inflated at once (hashlib and zlib let other threads run):
        # most of a cold start; errors are raised in this order, whichever thread meets one first
        parts = ["weights"] + [p for p in ("lm", "context", "meaning") if manifest.get(f"{p}_file")]
        with ThreadPoolExecutor(len(parts)) as pool:
            futures = {p: pool.submit(_verified_npz, d, manifest, f"{p}_file", f"{p}_sha256", where) for p in parts}
            read = {p: futures[p].result() for p in parts}
        arrays = read["weights"]

        def parsed(part: str, build: Any) -> Any:
            """``build`` applied to the arrays of ``part``; malformed arrays are one line naming the file."""
            try:
                return build(read[part])
            except (KeyError, IndexError, ValueError, UnicodeDecodeError) as e:
                raise ModelError(f"{where}: {manifest[part + '_file']} is malformed ({e})") from None

        context = None
        if "context" in read:
            from ..evidence.context import ContextModel
            from ..evidence.lm import TrigramLM

            lm = parsed("lm", TrigramLM.from_arrays)
            context = parsed("context", lambda a: ContextModel.from_arrays(a, lm))
        meaning = None
        if "meaning" in read:
            from ..evidence.meaning import MeaningModel

            meaning = parsed("meaning", MeaningModel.from_arrays)
        try:
            feat = manifest["featurizer"]
            w = arrays["ngram_weights"]
            model = cls(
                weights=w.astype(np.float32),
                bias=float(arrays["ngram_bias"][0]),
                spin_coef=arrays["spin_coef"].astype(np.float64),
                spin_intercept=float(arrays["spin_intercept"][0]),
                verdict=Linear.from_arrays(arrays, "verdict_", N_STACK_FEATURES) if "verdict_coef" in arrays else None,
                sent_coef=arrays["sent_coef"].astype(np.float64),
                sent_intercept=float(arrays["sent_intercept"][0]),
                context=context,
                meaning=meaning,
                mt_weights=arrays["mt_weights"].astype(np.float32) if "mt_weights" in arrays else None,
                mt_word_weights=arrays["mt_word_weights"].astype(np.float32) if "mt_word_weights" in arrays else None,
                word_n_max=int(feat.get("word_n_max", 3)),
                skeleton_n_max=int(feat.get("skeleton_n_max", 0)),
                mt_page_profile=bool(feat.get("mt_page_profile", False)),
                mt_bias=float(arrays["mt_bias"][0]) if "mt_bias" in arrays else 0.0,
                mt_coef=arrays["mt_coef"].astype(np.float64) if "mt_coef" in arrays else np.zeros(N_MT_FEATURES),
                mt_intercept=float(arrays["mt_intercept"][0]) if "mt_intercept" in arrays else 0.0,
                mt_threshold=None if manifest.get("mt_threshold") is None else float(manifest["mt_threshold"]),
                mt_clean_scores=arrays["mt_clean_scores"].astype(np.float64) if "mt_clean_scores" in arrays else None,
                mt_clean_by_domain=_prefixed(arrays, "mt_clean_scores_"),
                clean_scores=arrays["clean_calibration_scores"].astype(np.float64) if "clean_calibration_scores" in arrays else None,
                clean_by_domain=_prefixed(arrays, "clean_calibration_scores_"),
                stage1_coef=arrays["stage1_coef"].astype(np.float64) if "stage1_coef" in arrays else None,
                stage1_intercept=float(arrays["stage1_intercept"][0]) if "stage1_intercept" in arrays else 0.0,
                stage1_bar=float(arrays["stage1_bar"][0]) if "stage1_bar" in arrays else 0.0,
                stage1_scores=_prefixed(arrays, "stage1_scores_"),
                threshold=float(manifest["threshold"]),
                flag_threshold=None if manifest.get("context_flag_threshold") is None
                else float(manifest["context_flag_threshold"]),
                n_min=int(feat["n_min"]),
                n_max=int(feat["n_max"]),
                lowercase=bool(feat["lowercase"]),
                vocab_rates=(arrays["vocab_replace_rate"].astype(np.float64), arrays["vocab_form_weight"].astype(np.float64))
                if "vocab_replace_rate" in arrays else None,
                channel_sha256=manifest.get("channel_sha256"),
                mt_roundtrip=None if manifest.get("mt_roundtrip") is None else RoundTripRule.from_json(manifest["mt_roundtrip"]),
                manifest=manifest,
            )
        except (KeyError, IndexError, TypeError, ValueError) as e:
            raise ModelError(f"{where}: missing or malformed field {e}") from None
        if w.ndim != 1 or len(w) != 1 << int(feat["bits"]) or model.spin_coef.shape != (N_SPIN_FEATURES,) \
                or model.sent_coef.shape != (2,) \
                or (model.stage1_coef is not None and model.stage1_coef.shape != (N_STAGE1_FEATURES,)) \
                or model.mt_coef.shape != (model.n_mt_features,) \
                or (model.mt_weights is not None and model.mt_weights.shape != w.shape) \
                or (model.mt_word_weights is not None and (model.mt_word_weights.ndim != 1 or not len(model.mt_word_weights)
                                                           or len(model.mt_word_weights) & (len(model.mt_word_weights) - 1))):
            raise ModelError(f"{where}: array shapes do not match the manifest")
        if model.vocab_rates is not None:
            r, a = model.vocab_rates
            V = len(context.vocab) if context is not None else len(r)
            if r.shape != (V,) or a.shape != (V,) or not (np.isfinite(r).all() and np.isfinite(a).all()):
                raise ModelError(f"{where}: the vocabulary rates do not match the language model")
        if not (np.isfinite(w).all() and np.isfinite(model.spin_coef).all()
                and (model.mt_word_weights is None or np.isfinite(model.mt_word_weights).all())):
            raise ModelError(f"{where}: weights contain NaN or infinity")
        if (not 1 <= model.n_min <= model.n_max <= 8 or not 1 <= model.word_n_max <= 5
                or not 0 <= model.skeleton_n_max <= 6 or not 0.0 <= model.threshold <= 1.0):
            raise ModelError(f"{where}: featurizer parameters or threshold out of range")
        return model
