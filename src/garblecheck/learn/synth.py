"""Spinner simulator: turn clean text into spun text the way content farms do.

Substitutions come from the thesaurus table derived from WordNet and MyThes
(``corpora/thesaurus/substitutions.tsv.gz``: surface form -> inflected synonyms) and from the
shipped lexicon read backwards (original -> spun). Each substitution belongs to the lemma of the
word it replaces, and each lemma gets a seeded number u in [0, 1): lemmas with u < 0.2 are *held
out* of all training (``vocabulary="heldout"`` uses only them), so an evaluation on held-out
substitutions measures generalisation, not memory. The n-gram classifier trains on u >= 0.35
(``"classifier"``); the document stacker calibrates on u >= 0.2 (``"train"``), which includes
substitutions the classifier never saw, so it learns how far to trust each signal on new ones.

Names, numbers, URLs and other protected tokens and function words are never replaced.
"""

from __future__ import annotations

import gzip
import hashlib
from bisect import bisect_right
from itertools import accumulate
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from ..decoding.changes import match_case
from ..text.io import tsv_rows
from ..text.spelling import spelling_variants
from ..text.wordlists import EDITORIAL, STOPWORDS
from ..text.words import sentence_spans, tokenize

__all__ = ["STOPWORDS", "Thesaurus", "Spinner", "RealSpinner", "SpunText", "is_heldout", "PAGE_FURNITURE", "MTPerturber", "MT_OPERATIONS",
           "PageNoise", "NOISE_KINDS"]


# Lines that news pages carry around the story; they stay clean in every simulated document.
PAGE_FURNITURE = (
    "Source link", "Please enter your comment!", "Please enter your name here", "Read more", "Must Read",
    "Share this article", "Subscribe to our newsletter", "Advertisement", "Related Posts", "Leave a Reply",
    "Follow us on Twitter", "Click here to read the full story", "Comments are closed.", "Print this page",
    "Sign up for our daily briefing", "Previous article", "Next article", "Latest News", "Trending Now",
)

PathLike = Union[str, Path]
Candidates = List[Tuple[str, Tuple[str, ...]]]  # (lemma, spun forms)


MAX_SPUN = 0.98  # a real spinner leaves any word alone now and then
HELDOUT = 0.20  # lemmas with u < HELDOUT are held out of all training
CLASSIFIER_FROM = 0.35  # the n-gram classifier trains on u >= this; the stacker calibrates on u >= HELDOUT
VOCABULARIES = {"heldout": (0.0, HELDOUT), "train": (HELDOUT, 1.0), "classifier": (CLASSIFIER_FROM, 1.0), "all": (0.0, 1.0)}


def lemma_u(lemma: str, seed: int = 0) -> float:
    """A stable pseudo-random number in [0, 1) for ``lemma`` that decides which split it is in."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{lemma}".encode()).digest()[:8], "big") / 2**64


def is_heldout(lemma: str, seed: int = 0) -> bool:
    """Is ``lemma`` in the held-out fifth of the substitution vocabulary? (seeded, stable)."""
    return lemma_u(lemma, seed) < HELDOUT


class Thesaurus:
    """Surface form -> list of (lemma, candidate spun forms), plus lexicon phrases read backwards
    (original phrase -> spun phrase) keyed by the phrase's first word."""

    def __init__(self, table: Dict[str, Candidates], phrases: Optional[Dict[str, List[Tuple[Tuple[str, ...], str]]]] = None) -> None:
        # a word's other spelling ("defence", "defense") is no substitution: both are clean English
        self.table = {w: [(lemma, tuple(c for c in cands if not spelling_variants(w, c))) for lemma, cands in senses]
                      for w, senses in table.items()}
        self.phrases = phrases or {}

    @classmethod
    def load(cls, path: Optional[PathLike] = None, lexicon: Optional[object] = None) -> "Thesaurus":
        """The shipped table, plus the lexicon's spin entries read backwards when ``lexicon`` is given."""
        if path is None:
            from ..text.resources import data_path

            path = data_path("corpora", "thesaurus", "substitutions.tsv.gz")
        table: Dict[str, Candidates] = {}
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                surface, lemma, _pos, cands = line.rstrip("\n").split("\t")
                table.setdefault(surface, []).append((lemma, tuple(cands.split("|"))))
        phrases: Dict[str, List[Tuple[Tuple[str, ...], str]]] = {}
        for e in lexicon or ():  # type: ignore[attr-defined]
            if e.kind != "spin":
                continue
            words = tuple(e.originals[0].lower().split())
            if all(w.replace("-", "").replace("'", "").isalpha() for w in words):
                phrases.setdefault(words[0], []).append((words, e.key))
        return cls(table, phrases)

    @classmethod
    def from_pairs(cls, path: PathLike, keep: Any = None) -> "Thesaurus":
        """A spinner's dictionary from real substitutions (``spun <TAB> original <TAB> count`` rows,
        as in ``corpora/channel/real_pairs.tsv``): one-word pairs only, each form listed as often
        as it was seen, so a draw follows the counts. ``keep(original)`` selects originals. Pairs
        between articles, determiners and pronouns are editorial changes, not swaps, and are left out."""
        table: Dict[str, Candidates] = {}
        for spun, original, count, *_ in tsv_rows(path):
            spun = spun.lower()
            for o in original.lower().split("|"):
                if " " in spun or " " in o or spun == o or not spun.replace("'", "").isalpha() \
                        or o in EDITORIAL or (keep is not None and not keep(o)):
                    continue
                rows = table.setdefault(o, [(o, ())])
                rows[0] = (o, rows[0][1] + (spun,) * max(1, round(float(count))))
        return cls(table)

    def candidates(self, word: str, vocabulary: str = "all", seed: int = 0) -> List[Tuple[str, str]]:
        """(lemma, spun form) pairs for ``word`` (lower case) in the chosen vocabulary."""
        out = []
        for lemma, forms in self.table.get(word, ()):
            if _in_vocabulary(lemma, vocabulary, seed):
                out.extend((lemma, f) for f in forms)
        return out

    def reverse_single_words(self) -> Dict[str, List[str]]:
        """Spun form -> the originals it can stand for (one-word forms only), for the context model."""
        rev: Dict[str, List[str]] = {}
        for surface, rows in self.table.items():
            for _, forms in rows:
                for f in forms:
                    if " " not in f and surface not in rev.get(f, ()):
                        rev.setdefault(f, []).append(surface)
        for first, entries in self.phrases.items():
            for words, spun in entries:
                if len(words) == 1 and " " not in spun and first not in rev.get(spun, ()):
                    rev.setdefault(spun, []).append(first)
        return rev

    def __len__(self) -> int:
        return len(self.table)


def _in_vocabulary(lemma: str, vocabulary: str, seed: int) -> bool:
    lo, hi = VOCABULARIES[vocabulary]
    return vocabulary == "all" or lo <= lemma_u(lemma, seed) < hi


@dataclass(frozen=True)
class SpunText:
    """``text`` with ``substitutions`` = [(start, end, original word, lemma)] as offsets into ``text``."""

    text: str
    substitutions: Tuple[Tuple[int, int, str, str], ...]

    def wrapped(self, head: str, tail: str) -> "SpunText":
        """``head + text + tail`` with the substitution offsets moved along (for page furniture)."""
        k = len(head)
        return SpunText(head + self.text + tail, tuple((a + k, b + k, o, lem) for a, b, o, lem in self.substitutions))

    def sentence_labels(self) -> List[Tuple[int, int, int]]:
        """(start, end, 1 if the sentence holds a substitution else 0) for each sentence."""
        out = []
        subs = sorted(self.substitutions)
        for s in sentence_spans(self.text):
            hit = any(a < s.end and b > s.start for a, b, _, _ in subs)
            out.append((s.start, s.end, int(hit)))
        return out


class Spinner:
    """Replace a fraction of content words with context-free synonyms, as article spinners do."""

    def __init__(self, thesaurus: Thesaurus, vocabulary: str = "train", holdout_seed: int = 0,
                 function_words: bool = False) -> None:
        if vocabulary not in VOCABULARIES:
            raise ValueError(f"vocabulary must be one of {', '.join(VOCABULARIES)}")
        self.thesaurus = thesaurus
        self.function_words = function_words  # real spinners swap "in" for "within" too
        self.vocabulary = vocabulary
        self.holdout_seed = holdout_seed
        self._cache: Dict[str, List[Tuple[str, str]]] = {}

    def _cands(self, word: str) -> List[Tuple[str, str]]:
        c = self._cache.get(word)
        if c is None:
            c = self._cache[word] = self.thesaurus.candidates(word, self.vocabulary, self.holdout_seed)
        return c

    def _eligible(self, text: str) -> Tuple[List[Tuple[int, int, List[Tuple[str, str]], bool]], int]:
        """Spans that may be replaced, each with its (lemma, spun form) choices, and the number of
        content words. Lexicon phrases ("last month" -> "final month") count as one span."""
        out: List[Tuple[int, int, List[Tuple[str, str]], bool]] = []  # (start, end, choices, from lexicon)
        n_content = 0
        for span in sentence_spans(text):
            toks = tokenize(text, span.start, span.end)
            i = 0
            while i < len(toks):
                t = toks[i]
                if t.protected or t.kind != "word":
                    i += 1
                    continue
                phrase = self._phrase_at(text, toks, i)
                if phrase is not None:
                    j, choices = phrase
                    out.append((t.start, toks[j].end, choices, True))
                    n_content += j - i + 1
                    i = j + 1
                    continue
                if (self.function_words or t.norm not in STOPWORDS) and t.text.isalpha():
                    n_content += 1
                    c = self._cands(t.norm)
                    if c:
                        out.append((t.start, t.end, c, False))
                i += 1
        return out, n_content

    def _phrase_at(self, text: str, toks: Sequence[Any], i: int) -> Optional[Tuple[int, List[Tuple[str, str]]]]:
        for words, spun in self.thesaurus.phrases.get(toks[i].norm, ()):
            j = i + len(words) - 1
            if j >= len(toks) or not _in_vocabulary(" ".join(words), self.vocabulary, self.holdout_seed):
                continue
            if all(toks[i + k].norm == w and not toks[i + k].protected for k, w in enumerate(words)) and \
                    not any(text[toks[k].end : toks[k + 1].start].strip() for k in range(i, j)):
                return j, [(" ".join(words), spun)]
        return None

    def spin(self, text: str, density: float, rng: random.Random) -> SpunText:
        """Replace about ``density`` of the content words (lexicon phrases first, as spinners'
        own dictionaries do, then thesaurus synonyms)."""
        eligible, n_content = self._eligible(text)
        want = density * n_content
        k = int(want) + (1 if rng.random() < want - int(want) else 0)
        lex_first = [e for e in eligible if e[3]]
        rest = [e for e in eligible if not e[3]]
        n_lex = min(len(lex_first), k)
        chosen = rng.sample(lex_first, n_lex) + rng.sample(rest, min(k - n_lex, len(rest)))
        chosen.sort(key=lambda e: e[0])
        edits = []
        for a, b, choices, _ in chosen:
            lemma, form = rng.choice(choices)
            edits.append((a, b, match_case(text[a:b], form), text[a:b], lemma))
        return _rewrite(text, edits)


class RealSpinner:
    """Replay real spinners: each word ``o`` is replaced with probability ``s * r_o`` (its real
    replace rate, the channel's :meth:`~garblecheck.decoding.channel.Channel.rates`, times the page's
    intensity ``s``, drawn from the real pages' spread), by a form real spinners wrote for it,
    drawn by their counts: one word or a phrase ("several" -> "a number of"); a real multi-word
    original is replaced as a whole ("a chance" -> "an opportunity"). Names, numbers and other
    protected tokens are left alone. ``spin``'s ``density`` is ignored: the intensities decide."""

    def __init__(self, channel: Any, intensities: Sequence[float], log_prior: Any) -> None:
        self.channel = channel
        self.intensities = list(intensities)
        self.log_prior = log_prior  # words -> log unigram probabilities (the rate model's backoff reads them)
        forms: Dict[Tuple[str, ...], List[Tuple[str, float]]] = {}
        for form, originals in channel._real.items():
            for o, n in originals.items():
                forms.setdefault((o,), []).append((form, n))
        for form, originals in channel.phrases.items():
            for o, n in originals.items():
                forms.setdefault(tuple(o.split(" ")), []).append((form, n))
        self.forms = {k: (tuple(f for f, _ in v), tuple(accumulate(n for _, n in v))) for k, v in forms.items()}
        self.longest = max((len(k) for k in self.forms), default=1)
        self._rates: Dict[str, float] = {}

    def _rate(self, words: Sequence[str]) -> float:
        new = [w for w in words if w not in self._rates]
        if new:
            self._rates.update(zip(new, self.channel.rates(new, self.log_prior(new)).tolist()))
        return float(np.mean([self._rates[w] for w in words]))

    def spin(self, text: str, density: float, rng: random.Random) -> SpunText:
        s = rng.choice(self.intensities)
        edits = []
        for span in sentence_spans(text):
            toks = tokenize(text, span.start, span.end)
            i = 0
            while i < len(toks):
                for k in range(min(self.longest, len(toks) - i), 0, -1):
                    run = toks[i : i + k]
                    key = tuple(t.norm for t in run)
                    if key not in self.forms or any(t.protected or t.kind != "word" for t in run) or \
                            any(text[a.end : b.start].strip() for a, b in zip(run, run[1:])):
                        continue
                    if rng.random() < min(MAX_SPUN, s * self._rate(key)):
                        names, cum = self.forms[key]
                        form = names[bisect_right(cum, rng.random() * cum[-1])]
                        a, b = run[0].start, run[-1].end
                        edits.append((a, b, match_case(text[a:b], form), text[a:b], " ".join(key)))
                        i += k - 1
                    break
                i += 1
        return _rewrite(text, edits)


def _rewrite(text: str, edits: Sequence[Tuple[int, int, str, str, str]]) -> SpunText:
    """``text`` with each ``(start, end, replacement, original, label)`` applied (in order, none
    overlapping); each substitution marks its replacement in the new text, a deletion one character."""
    pieces: List[str] = []
    subs = []
    pos = out_len = 0
    for a, b, repl, original, label in edits:
        pieces.append(text[pos:a])
        out_len += a - pos
        subs.append((out_len, out_len + max(len(repl), 1), original, label))
        pieces.append(repl)
        out_len += len(repl)
        pos = b
    pieces.append(text[pos:])
    return SpunText("".join(pieces), tuple(subs))


# Machine-translation damage that needs no dictionary: the function-word slips of translation from
# languages without articles or with other prepositions and agreement.
ARTICLES = frozenset(("the", "a", "an"))
# swaps among the common prepositions only: a rarer replacement ("towards", "upon") would teach the
# classifier that the word itself is a sign of machine translation
PREPOSITIONS = {
    "in": ("on", "at"), "on": ("in", "at"), "at": ("in", "on"), "to": ("for", "in"), "for": ("to", "of"),
    "of": ("for", "from"), "with": ("by", "from"), "from": ("of", "by"), "by": ("with", "from"),
    "about": ("on", "of"), "into": ("in", "to"), "over": ("on", "in"), "against": ("to", "on"),
}
AGREEMENT = {"is": "are", "are": "is", "has": "have", "have": "has", "was": "were", "were": "was", "does": "do",
             "do": "does", "this": "these", "these": "this"}
# Literal or over-formal word choices of machine translation and paraphrasing tools, plain wording
# first. Each is fluent English on its own, so none is a lexicon flag; many together mark a page.
REGISTER = {
    "people": ("individuals", "persons"), "killed": ("murdered", "slain"), "country": ("nation",),
    "countries": ("nations",), "said": ("stated",), "says": ("states",), "group": ("gang",),
    "attack": ("assault",), "attacks": ("assaults",), "fighters": ("combatants",), "condemned": ("denounced",),
    "strongly condemned": ("harshly denounced", "harshly condemned"), "blew himself up": ("detonated himself",),
    "rammed": ("smashed",), "wealth": ("riches",), "began": ("commenced",), "started": ("commenced",),
    "big": ("massive",), "faction": ("element",), "cooperation": ("collaboration",),
    "information about": ("information regarding",), "told": ("informed",), "residents": ("inhabitants",),
    "later": ("subsequently",), "helped": ("assisted",), "bought": ("purchased",), "tried": ("attempted",),
}
# sentence-final adverbials that translation from topic-first languages moves to the front
FRONTED_AFTER = {"on": frozenset(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")),
                 "last": frozenset(("week", "month", "year")), "this": frozenset(("week", "month", "year"))}
_LOWER_WORD = re.compile(r"\b[a-z]+\b")
MT_OPERATIONS = ("article_dropped", "article_added", "preposition", "agreement", "calque", "name_respelt",
                 "register", "fronted")
_RESPELL = (("r", "l"), ("l", "r"), ("e", "i"), ("i", "e"), ("o", "u"), ("u", "o"), ("k", "q"), ("s", "z"),
            ("v", "w"), ("w", "v"), ("h", ""))


_Edit = Tuple[int, int, Tuple[str, ...], str, str]  # (start, end, replacements, original, operation)


def respellings(name: str) -> List[str]:
    """``name`` as a transliteration might respell it: one letter of a confusable pair swapped
    (r/l, e/i, o/u, k/q, s/z, v/w) or an h dropped, never the first letter; else the last letter
    doubled."""
    options = [name[:i] + new + name[i + 1 :] for i, c in enumerate(name) if i > 0 for old, new in _RESPELL if c == old]
    return options or [name + name[-1]]


def _fronted(text: str, end: int, toks: Sequence[Any], lower: set) -> List[_Edit]:
    """The "fronted" edit of one sentence, if it closes with ", according to X." or a time ("on
    Tuesday", "last week"): that part moved to the front, the old opener lower-cased unless it is a
    name (a word the text never writes in lower case)."""
    if len(toks) < 6 or text[toks[-1].end : end].strip() not in (".", ".\u201d", ".\""):
        return []
    k = None
    for j in range(len(toks) - 2, 2, -1):
        if toks[j].norm == "according" and toks[j + 1].norm == "to" and text[toks[j - 1].end : toks[j].start].strip() == ",":
            k = j
            break
    if k is None and toks[-2].norm in FRONTED_AFTER and toks[-1].norm in FRONTED_AFTER[toks[-2].norm]:
        k = len(toks) - 2
    if k is None:
        return []
    first = toks[0]
    if first.text == "I" or not first.text[:1].isupper():
        return []
    opener = first.text.lower() if first.norm in lower or first.norm in STOPWORDS else first.text
    head = text[toks[k].start : toks[-1].end]
    body = opener + text[first.end : toks[k - 1].end]
    return [(first.start, toks[-1].end, (head[:1].upper() + head[1:] + ", " + body,), text[first.start : toks[-1].end],
             "fronted")]


class MTPerturber:
    """Turn clean text into machine-translation-like text: articles dropped or added before names,
    prepositions and agreement swapped, calques from the ``mt`` lexicon read backwards
    ("discuss" -> "discuss about"), literal word choices (``REGISTER``: "people" -> "individuals"),
    a closing attribution or time moved to the front ("X, according to Y." -> "According to Y, x.")
    and a name met before respelt ("Rehman" -> "Reman"). ``operations`` chooses which kinds of
    damage to do, so an evaluation can hold some out. Names and numbers are never touched, and a
    sentence opener only moves."""

    def __init__(self, lexicon: Optional[object] = None, operations: Sequence[str] = MT_OPERATIONS) -> None:
        bad = set(operations) - set(MT_OPERATIONS)
        if bad:
            raise ValueError(f"unknown operations: {', '.join(sorted(bad))}")
        self.operations = tuple(operations)
        # first word -> [(plain words, literal renderings)], for "calque" and for "register"
        self.phrases: Dict[str, Dict[str, List[Tuple[Tuple[str, ...], Tuple[str, ...]]]]] = {"calque": {}, "register": {}}
        for e in lexicon or ():  # type: ignore[attr-defined]
            if e.kind == "mt" and e.condition is None:
                words = tuple(e.originals[0].lower().split())
                if all(w.isalpha() for w in words):
                    self.phrases["calque"].setdefault(words[0], []).append((words, (e.key,)))
        for plain, literal in REGISTER.items():
            words = tuple(plain.split())
            self.phrases["register"].setdefault(words[0], []).append((words, literal))

    def _edits(self, text: str) -> Tuple[List[_Edit], int]:
        """Possible edits ``(start, end, replacements, original, operation)`` and the word count;
        one of the replacements is drawn when the edit is applied."""
        out: List[_Edit] = []
        n_words = 0
        ops = set(self.operations)
        seen_names: set = set()
        lower = set(_LOWER_WORD.findall(text)) if "fronted" in ops else set()
        for span in sentence_spans(text):
            toks = tokenize(text, span.start, span.end)
            if "fronted" in ops:
                out.extend(_fronted(text, span.end, toks, lower))
            for i, t in enumerate(toks):
                if t.kind != "word":
                    continue
                n_words += 1
                nxt = toks[i + 1] if i + 1 < len(toks) else None
                if t.protected:
                    prev = toks[i - 1] if i else None
                    if "name_respelt" in ops and t.text in seen_names and len(t.text) >= 5 and t.text[1:].islower():
                        out.append((t.start, t.end, tuple(respellings(t.text)), t.text, "name_respelt"))
                    seen_names.add(t.text)
                    if "article_added" in ops and prev is not None and not prev.protected and prev.norm not in ARTICLES \
                            and prev.kind == "word" and t.text[:1].isupper():
                        out.append((t.start, t.start, ("the ",), "", "article_added"))
                    continue
                if i == 0:
                    continue
                if "article_dropped" in ops and t.norm in ARTICLES and nxt is not None and nxt.kind == "word":
                    out.append((t.start, nxt.start, ("",), t.text, "article_dropped"))
                elif "preposition" in ops and t.norm in PREPOSITIONS:
                    out.append((t.start, t.end, tuple(match_case(t.text, p) for p in PREPOSITIONS[t.norm]), t.text,
                                "preposition"))
                elif "agreement" in ops and t.norm in AGREEMENT:
                    out.append((t.start, t.end, (match_case(t.text, AGREEMENT[t.norm]),), t.text, "agreement"))
                for op in ("calque", "register"):
                    for words, literal in self.phrases[op].get(t.norm, ()) if op in ops else ():
                        j = i + len(words) - 1
                        if j < len(toks) and all(toks[i + k].norm == w and not toks[i + k].protected
                                                 for k, w in enumerate(words)):
                            out.append((t.start, toks[j].end, tuple(match_case(t.text, w) for w in literal),
                                        text[t.start : toks[j].end], op))
                            break
        return out, n_words

    def perturb(self, text: str, density: float, rng: random.Random) -> SpunText:
        """Damage about ``density`` of the words; ``substitutions`` mark each edit in the new text."""
        edits, n_words = self._edits(text)
        want = density * n_words
        k = min(len(edits), int(want) + (1 if rng.random() < want - int(want) else 0))
        chosen = sorted(rng.sample(edits, k), key=lambda e: (e[0], e[1]))
        applied = []
        pos = 0
        for a, b, options, original, op in chosen:
            if a < pos:
                continue  # overlaps the edit before
            applied.append((a, b, options[0] if len(options) == 1 else rng.choice(options), original, f"mt:{op}"))
            pos = b
        return _rewrite(text, applied)


# Scraping noise real pages carry and clean training text lacks. It is added to clean and damaged
# pages alike, so that noise never means spin.
BOILERPLATE = (
    "Share this:", "Click to share on Facebook (Opens in new window)", "Tweet", "Read more:", "Related",
    "Tags: politics, world, news", "Categories: Latest News", "Posted in Uncategorized", "Print", "Email",
    "Home / News / World", "Subscribe", "Leave a comment", "Photo: Reuters", "(AP Photo)", "Loading...",
    "Copyright 2024. All rights reserved.", "Advertisement - Continue Reading Below", "Skip to content",
    "Menu", "Search for:", "You may also like", "Filed under: Politics",
)
BYLINES = ("By Staff Reporter", "By AP", "By Our Correspondent", "Written by News Desk", "Reporting by Staff; Editing by Desk")
DATELINES = ("LONDON (Reuters) - ", "WASHINGTON - ", "ISLAMABAD, Pakistan (AP) — ", "NEW DELHI: ", "January 5, 2024 - ")
NOISE_KINDS = ("run_together", "boilerplate", "byline", "headline", "hard_wrap", "no_punctuation", "quotes",
               "entities")
_SENTENCE_GAP = re.compile(r"(?<=[a-z][.!?])[ ](?=[A-Z])")
_QUOTE_SWAP = str.maketrans({"“": '"', "”": '"', "’": "'", '"': "”", "'": "’", "—": "-", "–": "-"})


def _edited(page: SpunText, edits: Sequence[Tuple[int, int, str]]) -> SpunText:
    """``page`` with ``(start, end, replacement)`` edits that touch no substitution; the
    substitutions move along."""
    subs = sorted(page.substitutions)
    keep = [(a, b, r) for a, b, r in sorted(edits) if not any((s < b and a < e) or s < a < e for s, e, _, _ in subs)]
    pieces, pos, shift_at = [], 0, []
    for a, b, r in keep:
        if a < pos:
            continue
        pieces += [page.text[pos:a], r]
        shift_at.append((a, len(r) - (b - a)))
        pos = b
    pieces.append(page.text[pos:])
    starts = [a for a, _ in shift_at]
    deltas = list(accumulate(d for _, d in shift_at))

    def moved(x: int) -> int:
        k = bisect_right(starts, x)
        return x + (deltas[k - 1] if k else 0)

    return SpunText("".join(pieces), tuple((moved(a), moved(a) + (b - a), o, lem) for a, b, o, lem in subs))


class PageNoise:
    """Add scraping noise to a page (clean or damaged), keeping its substitutions' offsets."""

    def __init__(self, kinds: Sequence[str] = NOISE_KINDS) -> None:
        unknown = set(kinds) - set(NOISE_KINDS)
        if unknown:
            raise ValueError(f"unknown kinds of page noise: {', '.join(sorted(unknown))}")
        self.kinds = tuple(kinds)

    def apply(self, page: SpunText, rng: random.Random, n_kinds: int = 2) -> SpunText:
        for kind in rng.sample(self.kinds, min(n_kinds, len(self.kinds))):
            page = getattr(self, "_" + kind)(page, rng)
        return page

    def _run_together(self, page: SpunText, rng: random.Random) -> SpunText:
        gaps = list(_SENTENCE_GAP.finditer(page.text))
        joined = [m for m in gaps if rng.random() < 0.6] or gaps[:1]
        return _edited(page, [(m.start(), m.end(), "") for m in joined])

    def _boilerplate(self, page: SpunText, rng: random.Random) -> SpunText:
        breaks = [m.start() for m in re.finditer(r"\n\n", page.text)] or [len(page.text)]
        at = sorted(rng.sample(breaks, min(len(breaks), rng.randint(1, 3))))
        return _edited(page, [(a, a, "\n\n" + rng.choice(BOILERPLATE)) for a in at] +
                       [(0, 0, rng.choice(BOILERPLATE) + "\n\n")] * (rng.random() < 0.5))

    def _byline(self, page: SpunText, rng: random.Random) -> SpunText:
        return _edited(page, [(0, 0, rng.choice(BYLINES) + "\n\n" + rng.choice(DATELINES))])

    def _headline(self, page: SpunText, rng: random.Random) -> SpunText:
        m = re.match(r"[^\n.!?]{20,120}", page.text)
        if not m or any(a < m.end() for a, _, _, _ in page.substitutions):  # a headline is never labelled
            return page
        title = " ".join(w[:1].upper() + w[1:] for w in m.group().split())
        return _edited(page, [(0, 0, title + "\n\n")])

    def _hard_wrap(self, page: SpunText, rng: random.Random) -> SpunText:
        width = rng.randint(60, 80)
        edits, col = [], 0
        for m in re.finditer(r"\S+\s?", page.text):
            col += len(m.group())
            if col > width and m.group().endswith(" "):
                edits.append((m.end() - 1, m.end(), "\n"))
                col = 0
        return _edited(page, edits)

    def _no_punctuation(self, page: SpunText, rng: random.Random) -> SpunText:
        return _edited(page, [(m.start(), m.end(), "") for m in re.finditer(r"[.!?;,](?=\s|$)", page.text)])

    def _quotes(self, page: SpunText, rng: random.Random) -> SpunText:
        return _edited(page, [(m.start(), m.end(), m.group().translate(_QUOTE_SWAP))
                              for m in re.finditer(r"[“”’\"'—–]", page.text) if rng.random() < 0.5])

    def _entities(self, page: SpunText, rng: random.Random) -> SpunText:
        spaces = [m.start() for m in re.finditer(" ", page.text)]
        at = rng.sample(spaces, min(len(spaces), rng.randint(1, 4)))
        return _edited(page, [(a, a + 1, rng.choice(("&nbsp;", " &amp; ", "&#8217;", " &quot;"))) for a in at])
