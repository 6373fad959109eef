"""Page profiles of translated English (translationese): how often a page uses each class of
function word, how its sentence lengths spread, how varied its words are and how it punctuates
(Baroni & Bernardini 2006; Volansky et al. 2015). Read from the word pass, for a batch at once.
"""

from __future__ import annotations

from typing import Dict, List, Tuple

import numpy as np

from ..text.words import Words, key_table

__all__ = ["PROFILE_NAMES", "page_profiles"]

_CLASSES: Dict[str, str] = {
    "article": "the a an",
    "preposition": "of in on at to for with by from into about over under between through during against among "
                   "after before without within upon",
    "pronoun": "he she it they him her them his its their we us our i me my you your one",
    "conjunction": "and or but nor so yet although though while whereas because",
    "relative": "which who whom whose that what where when whether",
    "auxiliary": "is are was were be been being has have had do does did will would can could may might must "
                 "shall should",
    "negation": "not no never",
}
_DEFINITE = "the"
_PUNCTUATION = (",", ";", ":", "(", "\"\u201c\u201d")  # the last: quotation marks
PROFILE_NAMES: List[str] = ([f"{c} share" for c in _CLASSES] + ["definite share of articles", "log sentence words",
                            "sentence length spread", "word variety", "function-word sentence starts"]
                            + [f"'{p}' per word" for p in ",;:("] + ["quotes per word"])
_TABLE: Tuple[np.ndarray, np.ndarray] = key_table(
    {w: k + 1 for k, c in enumerate(_CLASSES) for w in _CLASSES[c].split()} | {_DEFINITE: len(_CLASSES) + 1})


_BLOCK = 1 << 20  # characters
_MARKS = np.zeros(max(ord(c) for m in _PUNCTUATION for c in m) + 2, dtype=np.int64)  # code point -> mark class + 1
for _k, _m in enumerate(_PUNCTUATION):
    _MARKS[[ord(c) for c in _m]] = _k + 1


def _per_doc(values: np.ndarray, doc: np.ndarray, n_docs: int) -> np.ndarray:
    return np.bincount(doc, weights=values, minlength=n_docs) if len(doc) else np.zeros(n_docs)


def page_profiles(words: Words, bounds: np.ndarray) -> np.ndarray:
    """One row of :data:`PROFILE_NAMES` for each text, whose sentences are ``bounds[k]:bounds[k+1]``
    of ``words``; a text without words gets zeros."""
    bounds = np.asarray(bounds, dtype=np.int64)
    n_docs = len(bounds) - 1
    out = np.zeros((n_docs, len(PROFILE_NAMES)))
    if n_docs <= 0 or not len(words):
        return out
    n_classes = len(_CLASSES)
    cls = words.ids({}, _TABLE, 0)
    definite = cls == n_classes + 1
    cls[definite] = 1  # "the" is an article
    doc = np.searchsorted(bounds, words.sentence, side="right") - 1
    n = np.bincount(doc, minlength=n_docs).astype(np.float64)
    per = np.maximum(n, 1.0)
    counts = np.bincount(doc * (n_classes + 1) + cls, minlength=n_docs * (n_classes + 1)).reshape(n_docs, n_classes + 1)
    out[:, :n_classes] = counts[:, 1:] / per[:, None]
    out[:, n_classes] = _per_doc(definite.astype(np.float64), doc, n_docs) / np.maximum(counts[:, 1], 1)
    # sentences that hold words: their length's log mean and spread (coefficient of variation)
    sent_n = np.bincount(words.sentence, minlength=words.n_sentences).astype(np.float64)
    sent_doc = np.searchsorted(bounds, np.arange(words.n_sentences), side="right") - 1
    has = sent_n > 0
    m = np.maximum(_per_doc(has.astype(np.float64), sent_doc, n_docs), 1.0)
    mean = _per_doc(sent_n, sent_doc, n_docs) / m
    var = np.maximum(_per_doc(sent_n**2, sent_doc, n_docs) / m - mean**2, 0.0)
    out[:, n_classes + 1] = np.log1p(mean)
    out[:, n_classes + 2] = np.sqrt(var) / np.maximum(mean, 1.0)
    # word variety, Herdan's C: log(types) / log(tokens), which depends little on length
    order = np.lexsort((words.key, doc))  # (long words, key -1, count as one type)
    d_sorted, k_sorted = doc[order], words.key[order]
    new = np.r_[True, (d_sorted[1:] != d_sorted[:-1]) | (k_sorted[1:] != k_sorted[:-1])]
    types = np.bincount(d_sorted[new], minlength=n_docs).astype(np.float64)
    out[:, n_classes + 3] = np.where(n > 1, np.log(np.maximum(types, 1)) / np.log(np.maximum(n, 2)), 0.0)
    first = np.flatnonzero(np.r_[True, words.sentence[1:] != words.sentence[:-1]])
    out[:, n_classes + 4] = _per_doc((cls[first] > 0).astype(np.float64), doc[first], n_docs) / m
    marks = np.zeros((n_docs, len(_PUNCTUATION)))
    seps = words.sentence_start[1:] - 1  # the NULs between sentences
    text = words.joined
    for at in range(0, len(text), _BLOCK):  # code points a block at a time: bounded memory
        chars = np.frombuffer(text[at : at + _BLOCK].encode("utf-32-le"), dtype=np.uint32)
        mark = _MARKS[np.minimum(chars, len(_MARKS) - 1)]
        hit = np.flatnonzero(mark)
        d = np.searchsorted(bounds, np.searchsorted(seps, at + hit), side="right") - 1
        marks += np.bincount(d * len(_PUNCTUATION) + mark[hit] - 1,
                             minlength=n_docs * len(_PUNCTUATION))[: n_docs * len(_PUNCTUATION)].reshape(n_docs, -1)
    out[:, n_classes + 5 :] = marks / per[:, None]
    out[n == 0] = 0.0  # a text without words: zeros, as in a batch of such texts alone
    return out
