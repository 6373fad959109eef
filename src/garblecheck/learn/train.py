"""Training and evaluation of the n-gram classifier and the document stacker.

Data flow: clean documents -> seeded split by document id (train / calibration / test) ->
spinner simulator (training substitutions only) -> sentence matrix from :class:`CharNgramHasher`
-> ``SGDClassifier`` (logistic loss) -> document features through the real :class:`Detector`
on calibration documents -> two small logistic stackers -> evaluation on test documents with
held-out and with seen substitutions.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..evidence.features import CharNgramHasher
from ..text.io import jsonl_records, sha256_file
from ..evidence.context import ContextModel
from ..evidence.meaning import MeaningModel
from ..verdict.linear import Linear
from ..verdict.model import N_SPIN_FEATURES, VERDICT_EVIDENCE, SpinModel, _at_fpr, sentence_inputs, sigmoid, stage1_features
from .corpora import DEFAULT_DOMAIN, PAGE_WORDS, balanced, in_reserved_split, pages, trainable
from .synth import PageNoise, MT_OPERATIONS, PAGE_FURNITURE, MTPerturber, RealSpinner, Spinner, SpunText, Thesaurus, lemma_u

__all__ = ["Doc", "read_corpus", "split_of", "train", "evaluate", "TrainConfig"]

SPLIT_TEST, SPLIT_CALIB = 0, 1  # id-hash buckets (of 10) held out from the classifier
EVIDENCE_OPERATIONS = ("calque", "name_respelt")  # MTPerturber damage that mt flags point at


@dataclass(frozen=True)
class Doc:
    id: str
    text: str
    title: str
    source: str  # file it came from
    domain: str = DEFAULT_DOMAIN  # the record's domain field (learn.corpora)
    license: str = ""  # the record's licence field


def corpus_stem(path: Path) -> str:
    """A corpus file's name without ``.gz`` and ``.jsonl``: its documents' ids begin with it, so a
    gzipped copy splits its documents the same way."""
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    return name[:-6] if name.endswith(".jsonl") else Path(name).stem


def read_corpus(paths: Sequence[str], warn: Callable[[str], None] = lambda m: None) -> Tuple[List[Doc], List[Dict[str, Any]]]:
    """Documents from JSONL files (``text`` field, optional ``id``/``title``) or folders of ``.txt``.

    A malformed record is skipped with a warning naming ``file:line``; the others are read.
    Returns the documents and one record per file (path, sha256, number of documents).
    """
    docs: List[Doc] = []
    files: List[Dict[str, Any]] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = sorted(x for x in path.rglob("*.txt") if x.is_file())
            for f in found:
                from ..text.io import InputError, read_input

                try:
                    text = read_input(str(f)).text
                except InputError as e:
                    warn(str(e))
                    continue
                docs.append(Doc(f"{path.name}/{f.relative_to(path).as_posix()}", text, "", str(path)))
            h = hashlib.sha256("".join(sha256_file(f) for f in found).encode()).hexdigest()
            files.append({"path": path.name, "sha256": h, "documents": len(found)})
            continue
        n = 0
        for lineno, rec in jsonl_records(path, warn):
            text = rec.get("text")
            if not isinstance(text, str):
                warn(f"{path}:{lineno}: skipped (no text string)")
                continue
            rid = str(rec.get("id", lineno))
            docs.append(Doc(f"{corpus_stem(path)}:{rid}", text, str(rec.get("title") or ""), str(path),
                            str(rec.get("domain") or DEFAULT_DOMAIN), str(rec.get("license") or "")))
            n += 1
        files.append({"path": path.name, "sha256": sha256_file(path), "documents": n})
    return docs, files


@dataclass(frozen=True)
class Translation:
    """A machine-translated document: its text and, where known, its sentences beside their originals."""

    key: str  # split key: the clean original's document id (as read_corpus names it), else its own
    text: str
    pairs: Tuple[Tuple[str, str], ...] = ()  # (original, machine translation) per sentence
    source: str = ""  # file it came from


def read_translations(paths: Sequence[str], warn: Callable[[str], None] = lambda m: None) -> Tuple[List[Translation], List[Dict[str, Any]]]:
    """Machine-translated documents from JSONL files (optionally gzipped): each record has ``text``,
    or ``sentences`` as ``[{"original": ..., "roundtrip" or "translation": ...}]``, or both. A record
    with ``source_file`` and ``source_id`` is split with its clean original (``stem:source_id``).
    A malformed record is skipped with a warning naming ``file:line``. Returns the documents and one
    record per file (path, sha256, number of documents)."""
    out: List[Translation] = []
    files: List[Dict[str, Any]] = []
    for p in paths:
        path = Path(p)
        n = 0
        for lineno, rec in jsonl_records(path, warn):
            try:
                pairs = tuple((str(x["original"]), str(x["roundtrip"] if "roundtrip" in x else x["translation"]))
                              for x in rec.get("sentences") or ())
                text = rec["text"] if "text" in rec else " ".join(t for _, t in pairs)
                if not isinstance(text, str) or not text.strip():
                    raise TypeError("no text")
            except (KeyError, TypeError) as e:
                warn(f"{path}:{lineno}: skipped ({e.__class__.__name__}: {e})")
                continue
            if rec.get("source_file") and rec.get("source_id") is not None:
                key = f"{corpus_stem(Path(str(rec['source_file'])))}:{rec['source_id']}"
            else:
                key = f"{corpus_stem(path)}:{rec.get('id', lineno)}"
            out.append(Translation(key, text, pairs, path.name))
            n += 1
        files.append({"path": path.name, "sha256": sha256_file(path), "documents": n})
    return out, files


def record_id(doc: Doc) -> str:
    """The id a document had in its file (``read_corpus`` names it ``stem:id``)."""
    return doc.id.split(":", 1)[-1]


def as_pages(docs: Sequence[Doc]) -> List[Doc]:
    """Each document cut into pages of at most ``corpora.PAGE_WORDS`` words (``id#k`` after the first)."""
    from dataclasses import replace

    return [replace(d, id=f"{d.id}#{k}" if k else d.id, text=t) for d in docs for k, t in enumerate(pages(d.text))]


def split_of(doc_id: str, seed: int) -> int:
    """Bucket 0-9 of a document id: 0 is the test split, 1 calibration, the rest training."""
    return int.from_bytes(hashlib.sha256(f"split:{seed}:{doc_id}".encode()).digest()[:8], "big") % 10


@dataclass
class TrainConfig:
    seed: int = 0
    bits: int = 20
    n_min: int = 1
    n_max: int = 5
    alpha: float = 2e-6
    epochs: int = 8
    max_train_docs: int = 10000
    max_calib_docs: int = 1200
    max_test_docs: int = 600
    density_range: Tuple[float, float] = (0.05, 0.40)
    eval_density: float = 0.10
    spins_per_doc: int = 2
    clean_fpr: float = 0.005  # share of clean calibration pages allowed at or above the score threshold
    noise_share: float = 0.3  # share of training documents (clean and spun copies alike) given page noise
    clean_flag_rate: float = 0.5e-4  # context flags per word allowed on clean calibration pages
    mt_density_range: Tuple[float, float] = (0.03, 0.15)  # share of words an MT-like page has damaged
    mt_eval_density: float = 0.06
    mt_operations: Tuple[str, ...] = MT_OPERATIONS  # the kinds of damage MT-like pages get (synth.MTPerturber)
    mt_simulated_weight: float = 0.25  # weight of a simulated page in the mt stacker beside real translations
    mt_fpr: float = 0.005  # share of clean calibration pages (100 words or more, noisy copies too) at or above the mt threshold
    mt_perturb: Optional[bool] = None  # train the mt classifier on MTPerturber damage too (None: only without translations)
    mt_alpha: float = 5e-7
    word_n_max: int = 3  # word n-grams of the mt classifier
    word_bits: int = 20
    skeleton_n_max: int = 0  # function-word skeleton n-grams of the mt classifier (features.skeleton_ids; 0: none; 4 lowered the recall of every chain, issue 31)
    mt_page_profile: bool = True  # the mt stacker reads the page profile (evidence.translationese; bench/mt_stacker.py)
    lm_prune: int = 0  # trigrams seen this often or less leave the language model (0: keep all; bench/lm.py --judge)
    stage1_density: float = 0.05  # the thin thesaurus spins whose stage-1 misses are reported
    stage1_miss: float = 0.005  # the share of real-spinner pages and of translations allowed to stop at stage 1
    dump_calibration: Optional[str] = None  # write the calibration pages' verdict features here (.npz), for study


def _with_furniture(spun: SpunText, rng: random.Random) -> SpunText:
    """A document as a news page shows it: unspun furniture lines before and after the story."""
    head = "".join(rng.choice(PAGE_FURNITURE) + "\n\n" for _ in range(rng.randint(0, 2)))
    tail = "".join("\n\n" + rng.choice(PAGE_FURNITURE) for _ in range(rng.randint(0, 3)))
    return spun.wrapped(head, tail)


def _bulleted(sentence: str, rng: random.Random) -> str:
    return rng.choice(["- ", "* ", "• "]) + sentence


def sentence_dataset(docs: Sequence[Doc], spinner: Spinner, cfg: TrainConfig, rng: random.Random) -> Tuple[List[str], np.ndarray]:
    """Sentences of clean and spun training documents, with hard negatives, and their labels."""
    from ..text.words import sentence_spans

    texts: List[str] = []
    labels: List[int] = []
    noise = PageNoise()
    for d in docs:
        noisy = rng.random() < cfg.noise_share
        clean = noise.apply(SpunText(d.text, ()), rng).text if noisy else d.text
        for s in sentence_spans(clean):
            sent = clean[s.start : s.end]
            texts.append(_bulleted(sent, rng) if rng.random() < 0.03 else sent)
            labels.append(0)
        if d.title:
            texts.append(d.title)
            labels.append(0)
        for _ in range(cfg.spins_per_doc):
            spun = spinner.spin(d.text, rng.uniform(*cfg.density_range), rng)
            if noisy:
                spun = noise.apply(spun, rng)
            for a, b, y in spun.sentence_labels():
                sent = spun.text[a:b]
                texts.append(_bulleted(sent, rng) if rng.random() < 0.03 else sent)
                labels.append(y)
    for f in PAGE_FURNITURE:
        texts.append(f)
        labels.append(0)
    return texts, np.array(labels, dtype=np.int8)


def _substituted(table: Any, words: np.ndarray, spun: SpunText) -> np.ndarray:
    """For the word indices ``words`` of ``table``: does the word lie inside a substitution?"""
    subs = np.array(sorted((a, b) for a, b, _, _ in spun.substitutions)).reshape(-1, 2)
    if not len(subs) or not len(words):
        return np.zeros(len(words), dtype=bool)
    w = np.array([a for a, _ in table.offsets(words.tolist())])
    k = np.searchsorted(subs[:, 0], w, side="right") - 1
    return (k >= 0) & (w < subs[np.maximum(k, 0), 1])


def token_dataset(context: ContextModel, texts: Sequence[str], spun: Sequence[Optional[SpunText]]) -> Tuple[np.ndarray, np.ndarray]:
    """Context features of every word that has alternatives, labelled 1 where it was substituted."""
    from ..text.words import sentence_spans

    rows, labels = [], []
    for t, s in zip(texts, spun):
        if s is None:
            continue
        table = context.words(t, sentence_spans(t))
        if not len(table.cand):
            continue
        rows.append(table.feats)
        labels.append(_substituted(table, table.cand, s).astype(np.int8))
    return np.vstack(rows), np.concatenate(labels)


def token_metrics(context: ContextModel, texts: Sequence[str], spun: Sequence[Optional[SpunText]]) -> Dict[str, Any]:
    """ROC AUC of the context model's per-word probability of substitution against the truth, over
    every word of the spun pages (words it does not score count as 0) and over the words it scores."""
    from sklearn.metrics import roc_auc_score

    from ..text.words import sentence_spans

    p_all, y_all, p_cand, y_cand = [], [], [], []
    for t, s in zip(texts, spun):
        if s is None or not s.substitutions:
            continue
        table = context.words(t, sentence_spans(t))
        y = _substituted(table, np.arange(len(table.evidence)), s)
        p_all.append(table.evidence)
        y_all.append(y)
        p_cand.append(table.evidence[table.cand])
        y_cand.append(y[table.cand])
    out: Dict[str, Any] = {}
    for key, p, y in (("all_words", p_all, y_all), ("scored_words", p_cand, y_cand)):
        yy = np.concatenate(y) if y else np.zeros(0, dtype=bool)
        out[key] = {"words": int(len(yy)), "substituted": int(yy.sum()),
                    "roc_auc": float(roc_auc_score(yy, np.concatenate(p))) if 0 < yy.sum() < len(yy) else None}
    return out


def flag_threshold(context: ContextModel, clean: Sequence[str], rate: float) -> float:
    """The lowest evidence threshold (at least 0.5) that flags at most ``rate`` of the words of the
    ``clean`` texts."""
    from ..text.words import count_words, sentence_spans

    evidence = np.sort(np.concatenate([context.words(t, sentence_spans(t)).evidence for t in clean] or [np.zeros(0)]))[::-1]
    allowed = int(np.floor(sum(count_words(t) for t in clean) * rate))
    if allowed >= len(evidence):
        return 0.5
    return float(min(1.0, max(0.5, np.nextafter(evidence[allowed], np.inf))))


def collocation_bar(context: ContextModel, clean: Sequence[str], rate: float) -> float:
    """The collocation bar (:func:`garblecheck.evidence.meaning.collocation_bar`) that flags at most ``rate``
    of the words of the ``clean`` texts."""
    from ..evidence.meaning import collocation_bar as bar
    from ..text.words import count_words, sentence_spans

    tables = [context.words(t, sentence_spans(t)) for t in clean]
    return bar(context.unigram, context.total, context._bigram, [(t.ids, t.known, t.sentence) for t in tables],
               sum(count_words(t) for t in clean), rate)


def _fit_logistic(X: np.ndarray, y: np.ndarray, seed: int, weight: Optional[np.ndarray] = None) -> Tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1.0, max_iter=1000, random_state=seed)
    lr.fit(X, y, sample_weight=weight)
    return lr.coef_[0].astype(np.float64), float(lr.intercept_[0])


def fit_verdict(feats: np.ndarray, labels: np.ndarray, real_feats: np.ndarray, seed: int,
                groups: Optional[np.ndarray] = None, folds: int = 5) -> Tuple[Linear, np.ndarray]:
    """The verdict: a monotone logistic model over all the evidence (``verdict/linear.py``), the
    clean calibration pages (``labels`` 0) against the thesaurus spins (``labels`` 1) and the real
    spinner's pages (``real_feats``), each kind of damage weighing half as much as all the clean
    pages together. Its coefficients on the evidence (``VERDICT_EVIDENCE``) are never negative, so
    more flags never lower a score. ``seed`` is kept for the signature: the fit is deterministic.

    Returns the model fitted on all pages and every page's out-of-fold log-odds (``feats`` then
    ``real_feats``): fitted without the page's document (``groups``, one per row of both), so
    thresholds are set on scores the model did not learn from."""
    clean = labels == 0
    n0, n1, n2 = int(clean.sum()), int((~clean).sum()), len(real_feats)
    X = np.vstack([feats, real_feats]) if n2 else feats
    y = np.r_[labels, np.ones(n2)]
    w = np.r_[np.where(clean, 1.0, n0 / (2 * max(n1, 1))), np.full(n2, n0 / (2 * max(n2, 1)))]

    def fitted(rows: np.ndarray) -> Linear:
        return Linear.fit(X[rows], y[rows], w[rows], VERDICT_EVIDENCE)

    fold = (np.arange(len(y)) if groups is None else np.asarray(groups)) % folds
    oof = np.zeros(len(y))
    for k in range(folds):
        held = fold == k
        if held.any() and (~held).any() and len(set(y[~held].tolist())) == 2:
            oof[held] = fitted(~held).decision(X[held])
    return fitted(np.ones(len(y), dtype=bool)), oof


Damage = Callable[[str, float, random.Random], SpunText]  # Spinner.spin or MTPerturber.perturb


def _simulate(docs: Sequence[Doc], damage: Damage, density: Optional[float], density_range: Tuple[float, float],
              rng: random.Random, extra_garbled: Sequence[Doc] = (), noise: Optional[PageNoise] = None,
              noisy_copies: bool = False, origins: Optional[List[int]] = None) -> Tuple[List[str], List[int], List[Optional[SpunText]]]:
    """Clean pages (label 0) and their damaged copies (label 1); ``density`` None draws from the range.
    With ``noise``, every page gets page noise, or (``noisy_copies``) a noisy copy besides itself.
    ``origins``, if given, receives each page's document index in ``docs`` (-1: an ``extra_garbled`` one)."""
    texts: List[str] = []
    labels: List[int] = []
    spun_docs: List[Optional[SpunText]] = []
    origin: List[int] = []
    for i, d in enumerate(docs):
        page = _with_furniture(SpunText(d.text, ()), rng)
        texts.append(page.text)
        labels.append(0)
        spun_docs.append(page)
        origin.append(i)
        s = damage(d.text, density if density is not None else rng.uniform(*density_range), rng)
        if s.substitutions:
            s = _with_furniture(s, rng)
            texts.append(s.text)
            labels.append(1)
            spun_docs.append(s)
            origin.append(i)
    if noise is not None:
        noisy = [noise.apply(p, rng) for p in spun_docs]  # type: ignore[arg-type]
        if noisy_copies:
            texts, labels, spun_docs = texts + [p.text for p in noisy], labels + labels, spun_docs + noisy  # type: ignore[operator]
            origin = origin + origin
        else:
            texts, spun_docs = [p.text for p in noisy], noisy  # type: ignore[assignment]
    for d in extra_garbled:
        texts.append(d.text)
        labels.append(1)
        spun_docs.append(None)
        origin.append(-1)
    if origins is not None:
        origins[:] = origin
    return texts, labels, spun_docs


def train(clean: Sequence[str], out_dir: str, *, garbled: Sequence[str] = (), mt_corpus: Sequence[str] = (),
          knowledge: Sequence[str] = (), cfg: Optional[TrainConfig] = None, log: Callable[[str], None] = print) -> Dict[str, Any]:
    """Train from clean corpora (and optional real garbled documents and machine translations,
    :func:`read_translations`) and write the model folder. ``knowledge``: more clean text the
    evidence-of-meaning facts are gathered from (beside the clean training documents)."""
    from sklearn.linear_model import SGDClassifier

    from ..detector import Detector
    from ..evidence.lexicon import Lexicon

    cfg = cfg or TrainConfig()
    rng = random.Random(cfg.seed)
    docs, files = read_corpus(clean, warn=log)
    refused = sorted({Path(d.source).name for d in docs if not trainable(d.license)})
    if refused:
        raise ValueError(f"{', '.join(refused)}: research-only or of unknown licence (its license field): for measurement "
                         "only, never trained on")
    reserved = sum(in_reserved_split(record_id(d)) for d in docs)
    docs = [d for d in docs if not in_reserved_split(record_id(d))]
    log(f"left out {reserved} documents of the reserved evaluation split (sha1(id) % 10 == 0)")
    gdocs, gfiles = read_corpus(garbled, warn=log) if garbled else ([], [])
    translations, tfiles = read_translations(mt_corpus, warn=log) if mt_corpus else ([], [])
    perturb = cfg.mt_perturb if cfg.mt_perturb is not None else not translations
    if not translations and not perturb:
        raise ValueError("the mt classifier needs machine translations (--mt-corpus) or the perturbations")
    if not docs:
        raise ValueError("no clean documents to train on")
    by_split: Dict[str, List[Doc]] = {"train": [], "calib": [], "test": []}
    for d in docs:
        b = split_of(d.id, cfg.seed)
        by_split["test" if b == SPLIT_TEST else "calib" if b == SPLIT_CALIB else "train"].append(d)
    # pages of at most PAGE_WORDS words, drawn so that every domain gets an equal share of the words
    train_docs = balanced(as_pages(by_split["train"]), cfg.max_train_docs, cfg.seed)
    calib_docs = balanced(as_pages(by_split["calib"]), cfg.max_calib_docs, cfg.seed)
    if not calib_docs:
        log("no calibration documents in the split (corpus too small): calibrating on training documents")
        calib_docs = train_docs[: cfg.max_calib_docs]
    log(f"documents: {len(docs)} clean ({len(train_docs)} train pages, {len(calib_docs)} calibration pages, "
        f"{len(by_split['test'])} held-out test documents), {len(gdocs)} garbled")
    domains = {name: {"train_pages": sum(d.domain == name for d in train_docs),
                      "train_words": sum(len(d.text.split()) for d in train_docs if d.domain == name),
                      "calibration_pages": sum(d.domain == name for d in calib_docs),
                      "language_model_words": sum(len(d.text.split()) for d in by_split["train"] if d.domain == name)}
               for name in sorted({d.domain for d in docs})}
    for name, c in domains.items():
        log(f"  domain {name}: {c['train_pages']} train pages ({c['train_words']} words), {c['calibration_pages']} "
            f"calibration pages, {c['language_model_words']} words for the language model")
    t_split: Dict[str, List[Translation]] = {"train": [], "calib": [], "test": []}
    for t in translations:
        b = split_of(t.key, cfg.seed)
        t_split["test" if b == SPLIT_TEST else "calib" if b == SPLIT_CALIB else "train"].append(t)
    if t_split["train"] and not t_split["calib"]:
        log("no machine translations in the calibration split (corpus too small): calibrating on training ones")
        t_split["calib"] = t_split["train"][: cfg.max_calib_docs]
    if translations:
        log(f"machine translations: {len(translations)} ({len(t_split['train'])} train, {len(t_split['calib'])} calibration, "
            f"{len(t_split['test'])} held-out test)")

    lexicon = Lexicon.load()
    thesaurus = Thesaurus.load(lexicon=lexicon)
    spinner = Spinner(thesaurus, "train", cfg.seed)

    texts, y = sentence_dataset(train_docs, Spinner(thesaurus, "classifier", cfg.seed), cfg, rng)
    log(f"sentences: {len(texts)} ({int(y.sum())} spun)")
    hasher = CharNgramHasher(n_min=cfg.n_min, n_max=cfg.n_max, bits=cfg.bits)
    X = hasher.transform(texts)
    clf = SGDClassifier(loss="log_loss", alpha=cfg.alpha, max_iter=cfg.epochs, tol=None, shuffle=True,
                        random_state=cfg.seed, average=False)
    clf.fit(X, y)
    del X
    weights = clf.coef_[0].astype(np.float32)
    bias = float(clf.intercept_[0])
    context = ContextModel.build((d.text for d in by_split["train"]), thesaurus.reverse_single_words(), prune=cfg.lm_prune)
    log(f"context: {len(context.vocab)} words, {len(context.bigram_keys)} bigrams, {len(context.alt_ids)} alternatives")
    perturber = MTPerturber(lexicon, cfg.mt_operations)
    mt_rng = random.Random(f"mt:{cfg.seed}")  # its own stream: changing the mt generator never moves the spin model
    mt_texts, mt_y = mt_sentence_dataset(train_docs, perturber if perturb else None, spinner, cfg, mt_rng,
                                         t_split["train"])
    log(f"mt sentences: {len(mt_texts)} ({int(mt_y.sum())} machine-translated or damaged)")
    if not mt_y.sum():
        raise ValueError("no machine-translated sentence fell in the training split: add more --mt-corpus "
                         "documents or --mt-perturbations")
    mt_clf = SGDClassifier(loss="log_loss", alpha=cfg.mt_alpha, max_iter=cfg.epochs, tol=None, shuffle=True,
                           random_state=cfg.seed, average=False)
    mt_clf.fit(mt_matrix(hasher, context, mt_texts, cfg), mt_y)
    mt_coef = mt_clf.coef_[0].astype(np.float32)
    del mt_texts
    kdocs, kfiles = read_corpus(knowledge, warn=log) if knowledge else ([], [])
    meaning = MeaningModel.build([*(d.text for d in by_split["train"]), *(d.text for d in kdocs)])
    del kdocs
    log(f"meaning: {len(meaning.titles)} titled names, {len(meaning.with_article)} names written with 'the', "
        f"{len(meaning.joined)} run-together forms, {len(meaning.pronouns)} people's pronouns, "
        f"{len(meaning.proper)} words always capitalised")
    model = SpinModel(weights, bias, np.zeros(N_SPIN_FEATURES), 0.0,
                      context=context, meaning=meaning, n_min=cfg.n_min, n_max=cfg.n_max, mt_weights=mt_coef[: 1 << cfg.bits],
                      mt_word_weights=mt_coef[1 << cfg.bits :], word_n_max=cfg.word_n_max,
                      skeleton_n_max=cfg.skeleton_n_max, mt_page_profile=cfg.mt_page_profile,
                      mt_bias=float(mt_clf.intercept_[0]))

    corigins: List[int] = []
    ctexts, clabels, cspun = _simulate(calib_docs, spinner.spin, None, cfg.density_range, rng, extra_garbled=gdocs,
                                       noise=PageNoise() if cfg.noise_share > 0 else None, noisy_copies=True, origins=corigins)
    cdomain = np.array([calib_docs[i].domain if i >= 0 else "" for i in corigins])
    tokens_X, tokens_y = token_dataset(context, ctexts, cspun)
    context.token_coef, context.token_intercept = _fit_logistic(tokens_X, tokens_y, cfg.seed)
    token_calibration = {"tokens": int(len(tokens_y)), "brier": float(np.mean((context.token_probability(tokens_X) - tokens_y) ** 2)),
                         "reliability": reliability(context.token_probability(tokens_X), tokens_y)}
    model.flag_threshold = flag_threshold(context, [t for t, y_ in zip(ctexts, clabels) if y_ == 0], cfg.clean_flag_rate)
    log(f"context flags: evidence >= {model.flag_threshold:.4f} "
        f"(at most {cfg.clean_flag_rate * 1e4:g} per 10,000 words of clean calibration pages)")
    clean_pages = [t for t, y_ in zip(ctexts, clabels) if y_ == 0]
    meaning.min_expected = collocation_bar(context, clean_pages, cfg.clean_flag_rate)
    log(f"collocation flags: pairs never seen though expected >= {meaning.min_expected:.1f} times")
    # the channel the calibration pages are read with knows half of the real spinners' originals:
    # the page rate of a real spinner's page must not rest on knowing all its swaps
    from ..decoding.channel import Channel, real_intensities

    def real_seen(original: str) -> bool:
        return lemma_u(original, cfg.seed) >= 0.5

    det = Detector(model=model, channel=Channel.load(keep_real=real_seen))
    lm = context.lm
    real_spinner = RealSpinner(Channel.default(), real_intensities(), lambda words: lm.prior(lm.ids(words)))
    rorigins: List[int] = []
    rtexts, rlabels, rspun = _simulate(calib_docs, real_spinner.spin, None, cfg.density_range, rng,
                                       noise=PageNoise() if cfg.noise_share > 0 else None, noisy_copies=True, origins=rorigins)
    # stage 1's bar must let through thin spins with substitutions no model learned (the held-out vocabulary)
    thin_spinner = Spinner(thesaurus, "heldout", cfg.seed)
    thin = [t for t, y_ in zip(*_simulate(calib_docs, thin_spinner.spin, cfg.stage1_density, cfg.density_range, rng,
                                          noise=PageNoise() if cfg.noise_share > 0 else None, noisy_copies=True)[:2]) if y_]
    real_pages = [t for t, y_ in zip(rtexts, rlabels) if y_]
    analyses = det.read(ctexts + real_pages + thin, full=True)
    rows, ys = [], []
    for a, s in zip(analyses, cspun):
        gold = [y_ for _, _, y_ in s.sentence_labels()] if s is not None else []
        if gold and len(a.spans) == len(gold):
            rows.append(sentence_inputs(a.logits, a.ctx_max))
            ys.extend(gold)
    model.sent_coef, model.sent_intercept = _fit_logistic(np.vstack(rows), np.array(ys), cfg.seed)
    for a in analyses:
        a.sentence_logits = model.combined_logits(a.logits, a.ctx_max)
    stack_feats = np.array([a.features() for a in analyses])
    stack_y = np.r_[clabels, np.ones(len(real_pages) + len(thin))]
    feats = stack_feats[: len(ctexts)]
    ylab = np.array(clabels)
    # the spin detector: the n-gram and context evidence on the thesaurus spinner's pages; the verdict:
    # all the evidence, on both spinners' pages (model.py), each kind weighing as much as the clean pages
    model.spin_coef, model.spin_intercept = _fit_logistic(feats[:, :N_SPIN_FEATURES], ylab, cfg.seed)
    real_feats = stack_feats[len(ctexts) : len(ctexts) + len(real_pages)]
    rgroups = np.array([i for i, y_ in zip(rorigins, rlabels) if y_])
    model.verdict, oof = fit_verdict(feats, ylab, real_feats, cfg.seed, groups=np.r_[corigins, rgroups])
    if cfg.dump_calibration:
        rdomain = np.array([calib_docs[i].domain for i, y_ in zip(rorigins, rlabels) if y_])
        np.savez_compressed(cfg.dump_calibration, features=feats, labels=ylab, domains=cdomain, real_features=real_feats,
                            real_domains=rdomain)
    # stage 1: the cheap evidence, against the clean pages, of spun pages of both spinners and of
    # machine translations; its bar lets at most cfg.stage1_miss of the real spinner's pages and of
    # the translations stop at stage 1 (the thesaurus spins at cfg.stage1_density are reported apart)
    # (translations as pages, as the clean ones are read: a whole document has more sentences to stand out)
    t_pages = [(t.source, page) for t in t_split["calib"] for page in pages(t.text)]
    mt_pages = det.read([page for _, page in t_pages], full=False) if t_pages else []
    s1 = np.array([stage1_features(a.logits, a.lex_score, a.rates, a.mt_logits) for a in [*analyses, *mt_pages]])
    s1_y = np.r_[stack_y, np.ones(len(mt_pages))]
    model.stage1_coef, model.stage1_intercept = _fit_logistic(s1, s1_y, cfg.seed)
    p1 = np.array([model.stage1(f) for f in s1])
    t_source = np.array([corpus_stem(Path(src)) for src, _ in t_pages])
    groups = {"thesaurus": p1[len(ctexts) + len(real_pages) : len(analyses)], "real": p1[len(ctexts) : len(ctexts) + len(real_pages)],
              **{f"translations_{k}": p1[len(analyses) :][t_source == k] for k in sorted(set(t_source))},
              "clean": p1[: len(ctexts)][ylab == 0]}
    model.stage1_scores = {k: np.sort(g) for k, g in groups.items() if len(g)}
    model.stage1_bar = model.stage1_bar_for(cfg.stage1_miss)
    stage1 = {"bar": model.stage1_bar, "miss_allowed": cfg.stage1_miss,
              "clean_cleared": float((groups["clean"] < model.stage1_bar).mean()),
              "miss": {k: float((g < model.stage1_bar).mean()) for k, g in groups.items() if len(g) and k != "clean"},
              "pages": {k: int(len(g)) for k, g in groups.items()}}
    log(f"stage 1: bar {model.stage1_bar:.4f} clears {stage1['clean_cleared']:.3f} of the clean calibration pages")
    calib_scores = sigmoid(oof[: len(feats)])  # out of fold: thresholds on scores the verdict did not learn from
    # the threshold keeps false positives rare: at least 0.5, and above all but cfg.clean_fpr of the clean
    # calibration pages (the pages and their noisy copies)
    model.clean_scores = np.sort(calib_scores[ylab == 0])
    model.clean_by_domain = {k: np.sort(calib_scores[(ylab == 0) & (cdomain == k)]) for k in sorted(set(cdomain) - {""})}
    model.threshold = model.threshold_for_fpr(cfg.clean_fpr)
    real_scores = sigmoid(oof[len(feats) :])
    by_domain = {k: {"pages": int(len(v)), "threshold_alone": _at_fpr(v, cfg.clean_fpr, 0.99, "")}
                 for k, v in model.clean_by_domain.items()}
    log(f"threshold {model.threshold:.4f} (the highest of the domains' at FPR {cfg.clean_fpr}: "
        + ", ".join(f"{k} {v['threshold_alone']:.4f} of {v['pages']}" for k, v in by_domain.items())
        + f"); recall on the calibration spins: thesaurus {float((calib_scores[ylab == 1] >= model.threshold).mean()):.3f}, "
          f"real spinner {float((real_scores >= model.threshold).mean()):.3f}")
    # The mt stacker learns from pages: machine-translated ones against clean and spun ones (the mt
    # score tells machine translation from spinning too). Besides the translations, pages with the
    # damage the mt flags see (calques, respelt names), whatever the classifier learned from: round
    # trips rarely show it, so those flags get their weight from these pages.
    positives = [page for _, page in t_pages]
    evidence = MTPerturber(lexicon, [op for op in cfg.mt_operations if op in EVIDENCE_OPERATIONS]) if translations else perturber
    mtexts, mlabels, mspun = _simulate(calib_docs, evidence.perturb, None, cfg.mt_density_range, mt_rng)
    simulated = [t for t, y_ in zip(mtexts, mlabels) if y_ == 1]
    positives += simulated
    # the pages without their noisy copies (the first half of the simulated ones, then real garbled ones):
    # page noise is no more machine translation than it is spin, and the mt stacker learns it too readily
    copies = 2 if cfg.noise_share > 0 else 1
    half = (len(ctexts) - len(gdocs)) // copies
    plain = list(range(half)) + list(range(copies * half, len(ctexts)))
    # and the clean calibration documents as they are, without page furniture, as the translations are
    ptexts = [ctexts[i] for i in plain] + [d.text for d in calib_docs]
    plab = np.concatenate([ylab[plain], np.zeros(len(calib_docs), dtype=ylab.dtype)])
    mt_texts_cal = ptexts + positives
    my = np.array([0] * len(ptexts) + [1] * len(positives))
    mX = np.array(mt_rows_of(det, mt_texts_cal))
    # with real translations, the simulated pages teach the flags' weight and no more
    weight = np.ones(len(mt_texts_cal))
    if translations:
        weight[len(mt_texts_cal) - len(simulated) :] = cfg.mt_simulated_weight
    model.mt_coef, model.mt_intercept = _fit_logistic(mX, my, cfg.seed, weight)
    mt_scores = np.array([model.mt_score(r) for r in mX])
    # the mt threshold, as the spin one: at cfg.mt_fpr of the clean calibration pages (those long enough
    # to be called mt at all, Detector: MT_MIN_WORDS), their noisy copies among them
    from ..detector import MT_MIN_WORDS
    from ..text.words import count_words

    noisy = [i for i in range(half, copies * half) if ylab[i] == 0] if copies == 2 else []
    noisy_clean = [ctexts[i] for i in noisy]
    clean_texts = [t for t, y_ in zip(ptexts, plab) if y_ == 0] + noisy_clean
    pdomain = np.r_[cdomain[plain], [d.domain for d in calib_docs]]
    clean_domain = np.r_[pdomain[plab == 0], cdomain[noisy]]
    clean_mt = np.r_[mt_scores[: len(ptexts)][plab == 0],
                     [model.mt_score(r) for r in mt_rows_of(det, noisy_clean)] if noisy_clean else []]
    long_enough = np.array([count_words(t) >= MT_MIN_WORDS for t in clean_texts], dtype=bool)
    model.mt_clean_scores = np.sort(clean_mt[long_enough])
    model.mt_clean_by_domain = {k: np.sort(clean_mt[long_enough & (clean_domain == k)])
                                for k in sorted(set(clean_domain[long_enough]) - {""})}
    model.mt_threshold = model.mt_threshold_for_fpr(cfg.mt_fpr)
    log(f"mt threshold {model.mt_threshold:.4f}")
    calibration = {"brier": float(np.mean((calib_scores - ylab) ** 2)), "reliability": reliability(calib_scores, ylab),
                   "mt_brier": float(np.mean((mt_scores - my) ** 2)), "mt_reliability": reliability(mt_scores, my),
                   "mt_threshold": model.mt_threshold,
                   "domains": {k: {**v, "mt_pages": int(len(model.mt_clean_by_domain.get(k, ()))),
                                   "mt_threshold_alone": _at_fpr(model.mt_clean_by_domain[k], cfg.mt_fpr, 0.999, "")
                                   if len(model.mt_clean_by_domain.get(k, ())) else None}
                               for k, v in by_domain.items()},
                   "threshold": model.threshold, "fpr": cfg.clean_fpr, "documents": int(len(stack_y)), "context_tokens": token_calibration,
                   "stage1": stage1,
                   "context_flag_threshold": model.flag_threshold}

    test_docs = _sample(by_split["test"], cfg.max_test_docs, cfg.seed)
    metrics = {}
    for vocab in ("heldout", "train"):
        metrics[f"{vocab}_substitutions"] = evaluate(
            Detector(model=model), test_docs, Spinner(thesaurus, vocab, cfg.seed), cfg.eval_density,
            random.Random(cfg.seed + 7),
        )
    metrics["mt_damage"] = evaluate_mt(Detector(model=model), test_docs, perturber, cfg.mt_eval_density,
                                       random.Random(cfg.seed + 7))
    if t_split["test"]:
        found = evaluate_translations(Detector(model=model), t_split["test"], {d.id: d.text for d in by_split["test"]},
                                      random.Random(cfg.seed + 7))
        metrics.update({f"mt_translations:{name}": m for name, m in found.items()})
    manifest_extra = {
        "training": {
            "seed": cfg.seed,
            "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in cfg.__dict__.items()},
            "clean_files": files,
            "garbled_files": gfiles,
            "mt_files": tfiles,
            "knowledge_files": kfiles,
            "translations": {k: len(v) for k, v in t_split.items()},
            "split": "bucket = sha256('split:SEED:' + doc_id) % 10; 0 = test, 1 = calibration, 2-9 = training",
            "documents": {"train": len(train_docs), "calibration": len(calib_docs), "test_available": len(by_split["test"]),
                          "reserved_left_out": reserved},
            "domains": domains,
            "pages": f"documents cut at paragraph breaks into pages of at most {PAGE_WORDS} words; training and "
                     "calibration pages drawn so that every domain gets an equal share of the words (learn.corpora)",
            "sentences": len(texts),
            "holdout": "u = sha256('SEED:' + lemma)[:8] / 2**64; held out u < 0.2, classifier u >= 0.35, "
                       "stacker calibration u >= 0.2 (garblecheck.learn.synth)",
            "thesaurus_sha256": sha256_file(Path(_thesaurus_path())),
            "lexicon_entries": len(lexicon),
        },
        "calibration": calibration,
        "metrics": metrics,
    }
    model.vocab_rates, model.channel_sha256 = shipped_rates(model)
    manifest = model.save(out_dir, manifest_extra)
    return manifest


def shipped_rates(model: SpinModel) -> Tuple[Tuple[np.ndarray, np.ndarray], str]:
    """The vocabulary rates of ``model``'s language model under the shipped channel, and that
    channel's fingerprint (``SpinModel.vocab_rates``, ``channel_sha256``)."""
    from ..decoding.channel import Channel, channel_fingerprint
    from ..decoding.decode import vocab_rates

    assert model.context is not None, "vocabulary rates need a language model"
    return vocab_rates(model.context.lm, Channel.default()), channel_fingerprint()


def _thesaurus_path() -> Path:
    from ..text.resources import data_path

    return data_path("corpora", "thesaurus", "substitutions.tsv.gz")


def _sample(docs: Sequence[Doc], n: int, seed: int) -> List[Doc]:
    ordered = sorted(docs, key=lambda d: hashlib.sha256(f"order:{seed}:{d.id}".encode()).digest())
    return ordered[:n]


def reliability(p: np.ndarray, y: np.ndarray, bins: int = 10) -> List[Dict[str, float]]:
    """Predicted against observed rate in equal-width probability bins."""
    out = []
    edges = np.linspace(0, 1, bins + 1)
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (p >= lo) & ((p < hi) if hi < 1 else (p <= hi))
        if m.any():
            out.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": int(m.sum()), "predicted": float(p[m].mean()), "observed": float(y[m].mean())})
    return out


def binary_metrics(scores: np.ndarray, labels: np.ndarray, threshold: float) -> Dict[str, Any]:
    from sklearn.metrics import roc_auc_score

    pred = scores >= threshold
    tp = int((pred & (labels == 1)).sum())
    fp = int((pred & (labels == 0)).sum())
    fn = int((~pred & (labels == 1)).sum())
    tn = int((~pred & (labels == 0)).sum())
    both = len(set(labels.tolist())) == 2
    return {
        "n": int(len(labels)),
        "positives": int(labels.sum()),
        "roc_auc": float(roc_auc_score(labels, scores)) if both else None,
        "precision": tp / (tp + fp) if tp + fp else None,
        "recall": tp / (tp + fn) if tp + fn else None,
        "fpr": fp / (fp + tn) if fp + tn else None,
        "confusion": {"tp": tp, "fp": fp, "fn": fn, "tn": tn},
        "brier": float(np.mean((scores - labels) ** 2)),
    }


def _excerpt(page: SpunText, rng: random.Random) -> Tuple[str, int]:
    """One to three consecutive sentences of ``page``, labelled 1 if any holds damage."""
    sentences = page.sentence_labels()
    k = rng.randint(1, 3)
    i = rng.randrange(max(1, len(sentences) - k + 1))
    run = sentences[i : i + k]
    return page.text[run[0][0] : run[-1][1]], int(any(y_ for _, _, y_ in run))


_PLAIN_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})


def mt_sentence_dataset(docs: Sequence[Doc], perturber: Optional[MTPerturber], spinner: Spinner, cfg: TrainConfig,
                        rng: random.Random, translations: Sequence[Translation] = ()) -> Tuple[List[str], np.ndarray]:
    """Sentences for the mt classifier: clean and spun ones (0) against machine-translated ones (1),
    which are the sentences of ``translations`` that differ from their originals (the originals
    are 0), all sentences of translations without originals, and sentences ``perturber`` damaged.
    Typographic quotes are made plain on both sides: they tell a corpus's house style, not
    machine translation."""
    from ..text.words import sentence_spans

    texts: List[str] = []
    labels: List[int] = []
    for d in docs:
        for s in sentence_spans(d.text):
            texts.append(d.text[s.start : s.end])
            labels.append(0)
        copies = [] if perturber is None else [(perturber.perturb(d.text, rng.uniform(*cfg.mt_density_range), rng), 1)]
        copies.append((spinner.spin(d.text, rng.uniform(*cfg.density_range), rng), 0))
        for damaged, positive in copies:
            for a, b, y in damaged.sentence_labels():
                if y:  # only sentences the damage reached
                    texts.append(damaged.text[a:b])
                    labels.append(positive)
    texts = [t.translate(_PLAIN_QUOTES) for t in texts]
    for t in translations:
        if not t.pairs:
            texts += [t.text[s.start : s.end].translate(_PLAIN_QUOTES) for s in sentence_spans(t.text)]
            labels += [1] * (len(texts) - len(labels))
        for original, translated in t.pairs:
            o, m = original.translate(_PLAIN_QUOTES), translated.translate(_PLAIN_QUOTES)
            texts.append(o)
            labels.append(0)
            if m != o:
                texts.append(m)
                labels.append(1)
    for f in PAGE_FURNITURE:
        texts.append(f)
        labels.append(0)
    return texts, np.array(labels, dtype=np.int8)


def mt_matrix(hasher: CharNgramHasher, context: ContextModel, texts: Sequence[str], cfg: TrainConfig) -> Any:
    """The mt classifier's input: character n-grams beside word n-grams of vocabulary ids."""
    from scipy import sparse

    from ..evidence.features import skeleton_ids, word_ngram_matrix

    table = context.table(texts)
    words = word_ngram_matrix(table.lower, table.sentence, len(texts), cfg.word_n_max, cfg.word_bits)
    if cfg.skeleton_n_max:  # into the same table as the word n-grams, as SpinModel.mt_word_logits reads them
        skeleton = skeleton_ids(table.lower, table.words.capital, context.function_words())
        words = words + word_ngram_matrix(skeleton, table.sentence, len(texts), cfg.skeleton_n_max, cfg.word_bits)
    return sparse.hstack([hasher.transform(texts), words], format="csr")


def _pair_excerpt(t: Translation, rng: random.Random) -> Tuple[str, int]:
    """One to three consecutive translated sentences, labelled 1 if any differs from its original."""
    k = rng.randint(1, 3)
    i = rng.randrange(max(1, len(t.pairs) - k + 1))
    run = t.pairs[i : i + k]
    return " ".join(m for _, m in run), int(any(m.translate(_PLAIN_QUOTES) != o.translate(_PLAIN_QUOTES) for o, m in run))


def mt_rows_of(det: Any, texts: Sequence[str]) -> List[np.ndarray]:
    """The mt stacker's input row of each text, through the real engine (every text read in full)."""
    from ..detector.reports import report_page, score_pages
    from ..verdict.model import mt_features

    pages = det.read(texts, full=True)
    return [mt_features(a.mt_logits, report_page(det, a, sc).flags, a.n_words, a.fluency, a.unknown_capitals, a.profile)
            for a, sc in zip(pages, score_pages(det, pages))]


def _called(reports: Sequence[Any], labels: Sequence[int], verdict: str) -> Dict[str, int]:
    """How many clean (label 0) and damaged (label 1) texts got ``verdict``."""
    return {"clean": sum(r.verdict == verdict for r, y in zip(reports, labels) if y == 0),
            "damaged": sum(r.verdict == verdict for r, y in zip(reports, labels) if y == 1)}


def evaluate_mt(det: Any, docs: Sequence[Doc], perturber: MTPerturber, density: float, rng: random.Random) -> Dict[str, Any]:
    """Clean pages against MT-damaged copies: document metrics of ``mt_score`` at the model's mt
    threshold, and sentence ROC AUC of the mt classifier; plus how often each kind of page is
    called ``mt``."""
    texts, labels, damaged = _simulate(docs, perturber.perturb, density, (density, density), rng)
    reports = det.check_many(texts)
    scores = np.array([r.mt_score if r.mt_score is not None else 0.0 for r in reports])
    y = np.array(labels)
    thr = det.mt_threshold_ if det.mt_threshold_ is not None else 0.5
    out: Dict[str, Any] = {"documents": binary_metrics(scores, y, thr), "density": density,
                           "called_mt": _called(reports, labels, "mt")}
    sent_p: List[float] = []
    sent_y: List[int] = []
    for a, s in zip(det.read(texts), damaged):
        gold = [y_ for _, _, y_ in s.sentence_labels()] if s is not None else []
        if a.mt_logits is not None and len(gold) == len(a.mt_logits):
            sent_p.extend(sigmoid(a.mt_logits).tolist())
            sent_y.extend(gold)
    if sent_y:
        out["sentences"] = binary_metrics(np.array(sent_p), np.array(sent_y), 0.5)
    out["reliability"] = reliability(scores, y)
    return out


def _in_batches(fn: Callable[[Sequence[str]], List[Any]], texts: Sequence[str], size: int = 256) -> List[Any]:
    out: List[Any] = []
    for k in range(0, len(texts), size):
        out += fn(texts[k : k + size])
    return out


def evaluate_translations(det: Any, translations: Sequence[Translation], originals: Dict[str, str],
                          rng: random.Random) -> Dict[str, Any]:
    """Machine-translated documents against their clean originals (``originals`` by key, else the
    originals of their sentences), per file and overall: document metrics of ``mt_score`` at the mt
    threshold; sentence ROC AUC of the mt classifier (translated sentences that differ from their
    originals against the originals); and how many one-to-three-sentence excerpts of each kind
    are called ``mt``."""

    thr = det.mt_threshold_ if det.mt_threshold_ is not None else 0.5
    groups: Dict[str, List[Translation]] = {}
    for t in translations:
        groups.setdefault(t.source, []).append(t)
    if len(groups) > 1:
        groups["all"] = list(translations)
    out: Dict[str, Any] = {}
    for name, ts in groups.items():
        texts, labels, seen = [], [], set()
        clean_excerpts, mt_excerpts = [], []
        sentences, sentence_labels = [], []
        for t in ts:
            texts.append(t.text)
            labels.append(1)
            orig = originals.get(t.key) or " ".join(o for o, _ in t.pairs)
            if orig and t.key not in seen:
                seen.add(t.key)
                texts.append(orig)
                labels.append(0)
                clean_excerpts.append(_excerpt(SpunText(orig, ()), rng)[0])
            if t.pairs:
                mt_excerpts.append(_pair_excerpt(t, rng)[0])
            for o, m in t.pairs:
                sentences.append(o)
                sentence_labels.append(0)
                if m.translate(_PLAIN_QUOTES) != o.translate(_PLAIN_QUOTES):
                    sentences.append(m)
                    sentence_labels.append(1)
        reports = _in_batches(det.check_many, texts)
        scores = np.array([r.mt_score if r.mt_score is not None else 0.0 for r in reports])
        y = np.array(labels)
        res: Dict[str, Any] = {"documents": binary_metrics(scores, y, thr),
                               "called_mt": _called(reports, labels, "mt"), "called_garbled": _called(reports, labels, "garbled")}
        if sentences:
            analyses = _in_batches(det.read, sentences, 2048)
            p = np.array([float(sigmoid(np.mean(a.mt_logits))) if a.mt_logits is not None and len(a.mt_logits) else 0.0
                          for a in analyses])
            res["sentences"] = binary_metrics(p, np.array(sentence_labels), 0.5)
        for kind, ex in (("clean", clean_excerpts), ("translated", mt_excerpts)):
            if ex:
                called = sum(r.verdict == "mt" for r in _in_batches(det.check_many, ex))
                res[f"excerpts_{kind}"] = {"n": len(ex), "called_mt": called, "share": called / len(ex)}
        res["reliability"] = reliability(scores, y)
        out[name] = res
    return out


def flag_metrics(texts: Sequence[str], reports: Sequence[Any], spun: Sequence[Optional[SpunText]]) -> Dict[str, Any]:
    """Flags against the simulated substitutions: precision (flags that cover a substitution),
    recall (substitutions under a flag), how often the top suggestion is the original wording,
    and false flags per 10,000 words of clean pages; overall and per rule family."""
    from ..text.words import count_words, normalize

    stats: Dict[str, Dict[str, int]] = {}
    covered = total = clean_false = clean_words = 0
    for text, r, s in zip(texts, reports, spun):
        if s is None:
            continue
        subs = sorted(s.substitutions)
        total += len(subs)
        if not subs:
            clean_words += count_words(text)
        hit = set()
        for f in r.flags:
            st = stats.setdefault(f.rule.split(":")[0], {"flags": 0, "true": 0, "top_correct": 0})
            st["flags"] += 1
            inside = [k for k, (a, b, _, _) in enumerate(subs) if a < f.end and f.start < b]
            if not inside:
                clean_false += not subs
                continue
            st["true"] += 1
            hit.update(inside)
            expected, pos = [], f.start
            for k in inside:
                a, b, orig, _ = subs[k]
                expected += [text[pos:a], orig]
                pos = b
            expected.append(text[pos : f.end])
            st["top_correct"] += bool(f.suggestions) and normalize(f.suggestions[0]) == normalize("".join(expected))
        covered += len(hit)
    n_flags = sum(v["flags"] for v in stats.values())
    n_true = sum(v["true"] for v in stats.values())
    return {
        "precision": n_true / n_flags if n_flags else None,
        "recall": covered / total if total else None,
        "top_suggestion": sum(v["top_correct"] for v in stats.values()) / n_true if n_true else None,
        "clean_false_per_10k_words": 1e4 * clean_false / clean_words if clean_words else None,
        "substitutions": total,
        "by_rule": {k: {**v, "precision": v["true"] / v["flags"]} for k, v in sorted(stats.items())},
    }


def restoration_metrics(texts: Sequence[str], reports: Sequence[Any], spun: Sequence[Optional[SpunText]], det: Any,
                        heldout: Optional[Callable[[str], bool]] = None) -> Dict[str, Any]:
    """What ``restore`` does to simulated pages: the share of substituted words it brings back to
    the exact original, the share of its changes that are right, and changes per 10,000 words of
    clean pages. ``heldout(original)`` splits the figures by the substitution's original."""
    from ..decoding.changes import plan_changes
    from ..text.words import count_words, normalize

    def new() -> Dict[str, int]:
        return {"substitutions": 0, "restored": 0, "changes": 0, "right": 0}

    parts = {"all": new(), "heldout": new(), "seen": new()}
    clean_changes = clean_words = 0
    for text, r, s in zip(texts, reports, spun):
        if s is None:
            continue
        changes = plan_changes(text, r.flags, det.restore_min_confidence)
        if not s.substitutions:
            clean_changes += len(changes)
            clean_words += count_words(text)
            continue
        subs = sorted(s.substitutions)
        for a, b, orig, _ in subs:
            part = "heldout" if heldout is not None and heldout(orig.lower()) else "seen"
            done = any(c.start < b and a < c.end and normalize(c.after).endswith(normalize(orig)) for c in changes)
            for key in ("all", part):
                parts[key]["substitutions"] += 1
                parts[key]["restored"] += done
        for c in changes:
            hit = [orig for a, b, orig, _ in subs if c.start < b and a < c.end]
            part = "heldout" if hit and heldout is not None and heldout(hit[0].lower()) else "seen"
            right = bool(hit) and normalize(c.after).endswith(normalize(hit[-1]))
            for key in ("all", part):
                parts[key]["changes"] += 1
                parts[key]["right"] += right
    out: Dict[str, Any] = {}
    for key, v in parts.items():
        if key != "all" and heldout is None:
            continue
        out[key] = {**v, "restored_share": v["restored"] / v["substitutions"] if v["substitutions"] else None,
                    "changes_right": v["right"] / v["changes"] if v["changes"] else None}
    out["clean_changes_per_10k_words"] = 1e4 * clean_changes / clean_words if clean_words else None
    return out


def evaluate(det: Any, docs: Sequence[Doc], spinner: Optional[Spinner], density: float, rng: random.Random,
             garbled: Sequence[Doc] = (), heldout: Optional[Callable[[str], bool]] = None,
             noise: Optional[PageNoise] = None) -> Dict[str, Any]:
    """Document and sentence metrics: clean pages against their spun copies (and real garbled docs),
    and what restoration does to them (``heldout(original)`` splits those figures); the document
    metrics and the verdicts also per domain of the clean documents (``by_domain``)."""
    origins: List[int] = []
    if spinner is not None:
        texts, labels, spun = _simulate(docs, spinner.spin, density, TrainConfig().density_range, rng, extra_garbled=garbled,
                                        noise=noise, origins=origins)
    else:
        pages = [SpunText(d.text, ()) for d in docs]
        texts = [(noise.apply(p, rng) if noise is not None else p).text for p in pages] + [d.text for d in garbled]
        labels = [0] * len(docs) + [1] * len(garbled)
        origins = list(range(len(docs))) + [-1] * len(garbled)
        spun = [None] * len(texts)
    reports = det.check_many(texts)
    doc_scores = np.array([r.score for r in reports])
    y = np.array(labels)
    out: Dict[str, Any] = {"documents": binary_metrics(doc_scores, y, det.threshold_), "density": density}
    domain = np.array([docs[i].domain if i >= 0 else "(real garbled)" for i in origins])
    verdicts = np.array([r.verdict for r in reports])
    out["by_domain"] = {k: {"documents": binary_metrics(doc_scores[domain == k], y[domain == k], det.threshold_),
                            "called": {v: {"clean": int(((verdicts == v) & (domain == k) & (y == 0)).sum()),
                                           "damaged": int(((verdicts == v) & (domain == k) & (y == 1)).sum())}
                                       for v in ("garbled", "mt")}}
                        for k in sorted(set(domain.tolist()))}
    sent_scores: List[float] = []
    sent_labels: List[int] = []
    for r, lab, s in zip(reports, labels, spun):
        if lab == 1 and s is None:
            continue  # real garbled documents have no sentence labels
        gold = [y_ for _, _, y_ in s.sentence_labels()] if s is not None else [0] * len(r.sentences)
        if len(gold) != len(r.sentences):
            continue
        sent_scores.extend(x.score for x in r.sentences)
        sent_labels.extend(gold)
    if sent_labels:
        out["sentences"] = binary_metrics(np.array(sent_scores), np.array(sent_labels), 0.5)
    if spinner is not None:
        if det.spin_model is not None and det.spin_model.context is not None:
            out["tokens"] = token_metrics(det.spin_model.context, texts, spun)
        out["flags"] = flag_metrics(texts, reports, spun)
        # restore decodes every page; score only the likely spun ones (Detector.decode_min_score)
        out["restoration"] = restoration_metrics(texts, det.check_many(texts, decode=True), spun, det, heldout)
    out["reliability"] = reliability(doc_scores, y)
    return out
