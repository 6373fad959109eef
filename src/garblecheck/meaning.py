"""Evidence of meaning: what a reader of a machine-translated page would point at.

Modern machine translation is fluent; its damage is in meaning. Four kinds of ``mt`` flag, each
checked against statistics of clean news that :meth:`MeaningModel.build` gathers at training time
(stored in the model folder as ``meaning.npz``):

``mt:title``        a title attached to a known name that clean news never attaches to it ("chair
                    Volodymyr Zelensky" where clean news writes "President Volodymyr Zelensky"); a
                    name (of two words or more) counts as known after ``MIN_TITLED`` titled
                    mentions nearly all under one title
``mt:joined``       a name run into a lower-case English word ("MykolaivMayor") in a form clean
                    news never writes
``mt:article``      a proper name (not an office) clean news writes with "the" after a
                    preposition ("in the United States") written without it ("in United States");
                    only where the name stands alone, not as a modifier ("of United States troops")
``mt:collocation``  two common lower-case words side by side that clean news never puts together
                    although their frequencies say they would meet ``C(a) C(b) / N`` times; the
                    bar on that expectation is calibrated on clean pages at training time

A flag's ``explanation`` says which fact of clean news it breaks.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Callable, Dict, Iterable, Iterator, List, NamedTuple, Sequence, Tuple

import numpy as np

from .synth import STOPWORDS

__all__ = ["MeaningModel", "Finding", "TITLES", "MIN_TITLED"]

TITLES = frozenset(
    """president premier chancellor minister secretary governor mayor senator congressman congresswoman
    representative ambassador general admiral colonel chairman chairwoman chair chief director judge
    justice speaker commissioner spokesman spokeswoman spokesperson king queen prince princess pope
    emperor sheikh ayatollah bishop archbishop cardinal sheriff inspector captain lieutenant sergeant
    coach professor""".split()
)
OFFICES = TITLES | frozenset("envoy deputy assistant under office department ministry bureau agency".split())
MIN_TITLED = 10  # a name needs this many titled mentions in clean news ...
TITLE_SHARE = 0.9  # ... this share of them under one title, so one person and one office
ARTICLE_MIN = 10  # a name needs this many mentions as "the NAME" ...
ARTICLE_SHARE = 0.98  # ... and at least this share of "the" among its mentions after a preposition
PREPOSITIONS = ("in", "to", "of", "from", "with", "by", "at", "for", "on", "against", "into", "across",
                "throughout", "within", "toward", "towards", "between")
LOWER_MIN = 3  # a word written in lower case this often in clean news is an English word
COLLOCATION_MIN_COUNT = 20  # each word of a suspect pair is at least this common in clean text
CONFIDENCE = {"mt:title": 0.8, "mt:joined": 0.9, "mt:article": 0.7, "mt:collocation": 0.4}

# one to three capitalised words, the whole run ("U.S.-Mekong" or "Mekong-U.S." is none)
_NAME = r"[A-Z][\w'’\-]*(?: [A-Z][\w'’\-]*){0,2}(?![\w'’\-]| [A-Z]|\.\w)"
_LEADS = frozenset(("the", *PREPOSITIONS, *TITLES))
_WORD_BEFORE_CAPITAL = re.compile(r"(?<![\w'’\-])([A-Za-z]+) (?=[A-Z])")  # a whole word, a space, a capital
_NAME_RE = re.compile(_NAME)
_FOLLOWER = re.compile(r"[ \t]*(?:([a-z]+)\b|[^\w\s]|\s|\Z)")
_CAMEL = re.compile(r"[a-z][A-Z]")
_JOINED_HEAD = re.compile(r"(?<![\w'’\-])[A-Z][a-z]{3,}\Z")
_JOINED_TAIL = re.compile(r"[A-Z][a-z]{2,}(?![\w'’\-])")
_POSSESSIVE = re.compile(r"['’]s?(?= |\Z)")
_HONORIFICS = frozenset("mr mrs ms dr jr sr st rev hon sir".split())
_LOWER_RE = re.compile(r"(?<![\w'’\-])[a-z]+(?![\w'’\-])")
BigramCounts = Callable[[np.ndarray, np.ndarray], np.ndarray]  # C(a b) per pair (ContextModel._bigram)


class Finding(NamedTuple):
    """One piece of evidence: ``text[start:end]`` breaks a fact of clean news."""

    start: int
    end: int
    rule: str
    suggestion: str
    explanation: str


def _name(run: str) -> str:
    """A run of capitalised words up to its first possessive ("Biden’s Investing" -> "Biden")."""
    m = _POSSESSIVE.search(run)
    return run[: m.start()] if m else run


def _leads(text: str) -> Iterator[Tuple[int, int, str, str]]:
    """``(start, end, word, name)`` of each title, "the" or preposition (``word``, lower case)
    right before a name; ``text[start:end]`` runs from the word to the end of the name. A title
    inside a name is found too ("the President Ada Lindqvist")."""
    for w in _WORD_BEFORE_CAPITAL.finditer(text):
        word = w.group(1).lower()
        if word not in _LEADS:
            continue
        space = w.end(1)
        n = _NAME_RE.match(text, space + 1)
        name = _name(n.group(0)) if n else ""
        if name:
            yield w.start(), space + 1 + len(name), word, name


def _joined(text: str) -> Iterator[Tuple[int, str, str]]:
    """``(start, head, tail)`` of each word made of two capitalised words ("MykolaivMayor"): a head
    of four letters or more, a tail of three or more."""
    for m in _CAMEL.finditer(text):
        at = m.start() + 1
        head = _JOINED_HEAD.search(text, max(0, at - 40), at)
        tail = _JOINED_TAIL.match(text, at) if head else None
        if tail:
            yield head.start(), head.group(0), tail.group(0)  # type: ignore[union-attr]


def _stands_alone(text: str, end: int) -> bool:
    """Does the name ending at ``end`` stand as a noun phrase of its own, not as a modifier ("in
    the United States" against "of United States troops")? What follows it is punctuation, the
    end of the text, or a function word."""
    m = _FOLLOWER.match(text, end)
    return m is None or m.group(1) is None or m.group(1) in STOPWORDS


def _titled(word: str, name: str) -> bool:
    """Is ``word name`` a title before a name whose words are not titles and whose last word is a
    word of three letters or more (not "Dr" or an initial)?"""
    if word not in TITLES:
        return False
    words = name.lower().split(" ")
    last = words[-1]
    return not any(w in TITLES for w in words) and len(last) >= 3 and last.isalpha() and last not in _HONORIFICS


def _pack(lines: Iterable[str]) -> np.ndarray:
    return np.frombuffer("\n".join(lines).encode("utf-8"), dtype=np.uint8)


def _unpack(a: np.ndarray) -> List[str]:
    s = a.tobytes().decode("utf-8")
    return s.split("\n") if s else []


class MeaningModel:
    """The facts of clean news the four rules check: titles per surname, names written with "the",
    run-together forms clean news uses, and the collocation bar."""

    def __init__(self, titles: Dict[str, Dict[str, int]], with_article: Iterable[str], joined: Iterable[str],
                 lower: Iterable[str], min_expected: float = float("inf")) -> None:
        self.titles = titles  # name -> title -> mentions
        self.with_article = frozenset(with_article)
        self.joined = frozenset(joined)
        self.lower = frozenset(lower)  # words clean news writes in lower case (LOWER_MIN times or more)
        self.min_expected = float(min_expected)

    @classmethod
    def build(cls, texts: Iterable[str]) -> "MeaningModel":
        """Count titles, articles and run-together forms in clean ``texts``."""
        titled: Counter = Counter()
        the: Counter = Counter()
        bare: Counter = Counter()
        joined = set()
        lower: Counter = Counter()
        for t in texts:
            for _, end, word, name in _leads(t):
                if _titled(word, name):
                    if " " in name:  # whole names only: a surname alone is too many people
                        titled[name, word] += 1
                elif word not in TITLES and _stands_alone(t, end):
                    (the if word == "the" else bare)[name] += 1
            joined.update(head + tail for _, head, tail in _joined(t))
            lower.update(_LOWER_RE.findall(t))
        per_name: Dict[str, Dict[str, int]] = {}
        for (name, title), n in titled.items():
            per_name.setdefault(name, {})[title] = n
        lower_words = {w for w, c in lower.items() if c >= LOWER_MIN}
        # a person, not an office ("Chief Executive Officer"): some word of the name is no lower-case word
        titles = {k: v for k, v in per_name.items()
                  if sum(v.values()) >= MIN_TITLED and max(v.values()) >= TITLE_SHARE * sum(v.values())
                  and not all(w.lower() in lower_words for w in k.split(" "))}
        # a proper name, not an office or a capitalised common noun ("the Department", "the Special Envoy")
        article = [n for n, c in the.items() if c >= ARTICLE_MIN and c / (c + bare[n]) >= ARTICLE_SHARE
                   and (" " in n or n.lower() not in lower_words) and not any(w in OFFICES for w in n.lower().split(" "))]
        return cls(titles, article, joined, lower_words)

    # -- persistence ----------------------------------------------------------------------------

    def arrays(self) -> Dict[str, np.ndarray]:
        rows = sorted(f"{k}\t{t}\t{n}" for k, v in self.titles.items() for t, n in v.items())
        return {"titles": _pack(rows), "with_article": _pack(sorted(self.with_article)), "joined": _pack(sorted(self.joined)),
                "lower": _pack(sorted(self.lower)), "min_expected": np.array([self.min_expected])}

    @classmethod
    def from_arrays(cls, a: Dict[str, np.ndarray]) -> "MeaningModel":
        titles: Dict[str, Dict[str, int]] = {}
        for row in _unpack(a["titles"]):
            k, t, n = row.split("\t")
            titles.setdefault(k, {})[t] = int(n)
        return cls(titles, _unpack(a["with_article"]), _unpack(a["joined"]), _unpack(a["lower"]), float(a["min_expected"][0]))

    # -- finding --------------------------------------------------------------------------------

    def find(self, text: str) -> List[Finding]:
        """Title, run-together and article evidence in ``text`` (collocations: :meth:`collocations`)."""
        out: List[Finding] = []
        for start, end, word, name in _leads(text):
            if _titled(word, name):
                seen = self.titles.get(name)
                if seen and word not in seen:
                    usual = max(seen, key=lambda t: (seen[t], t))
                    out.append(Finding(start, end, "mt:title", f"{usual.capitalize()} {name}",
                                       f'clean news calls {name} "{usual}" ({seen[usual]} times), never "{word}"'))
            elif word != "the" and word not in TITLES and name in self.with_article and _stands_alone(text, end):
                out.append(Finding(end - len(name), end, "mt:article", f"the {name}",
                                   f'clean news writes "{word} the {name}"'))
        for start, head, tail in _joined(text):  # a name run into a word: "MykolaivMayor", not "FoodCorps"
            if head + tail not in self.joined and head.lower() not in self.lower and tail.lower() in self.lower:
                out.append(Finding(start, start + len(head) + len(tail), "mt:joined", f"{head} {tail}",
                                   f'"{head}" and "{tail}" run together'))
        return out

    def collocations(self, unigram: np.ndarray, total: float, bigram: BigramCounts, ids: np.ndarray,
                     known: np.ndarray, sentence: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Word indices ``k`` whose pair ``(k - 1, k)`` of known lower-case words clean text never
        shows although it expects it at least ``min_expected`` times; and that expectation."""
        return _unseen_pairs(unigram, total, bigram, ids, known, sentence, self.min_expected)


def _expected(unigram: np.ndarray, total: float, ids: np.ndarray, known: np.ndarray, sentence: np.ndarray) -> np.ndarray:
    """Per word ``k``: ``C(w[k-1]) C(w[k]) / N`` where both are known lower-case words at least
    ``COLLOCATION_MIN_COUNT`` common in the same sentence, else 0."""
    out = np.zeros(len(ids))
    if len(ids) < 2:
        return out
    c = np.where(known, unigram[np.maximum(ids, 0)], 0.0)
    ok = (c[1:] >= COLLOCATION_MIN_COUNT) & (c[:-1] >= COLLOCATION_MIN_COUNT) & (sentence[1:] == sentence[:-1])
    out[1:] = np.where(ok, c[1:] * c[:-1] / max(total, 1.0), 0.0)
    return out


def _unseen_pairs(unigram: np.ndarray, total: float, bigram: BigramCounts, ids: np.ndarray, known: np.ndarray,
                  sentence: np.ndarray, min_expected: float) -> Tuple[np.ndarray, np.ndarray]:
    """Word indices ``k`` whose pair ``(k - 1, k)`` clean text never shows although
    :func:`_expected` puts it at ``min_expected`` or more; and that expectation."""
    expected = _expected(unigram, total, ids, known, sentence)
    k = np.flatnonzero(expected >= min_expected)
    if len(k):
        k = k[bigram(ids[k - 1], ids[k]) == 0]
    return k, expected[k]


def collocation_bar(unigram: np.ndarray, total: float, bigram: BigramCounts, tables: Sequence[Tuple[np.ndarray, np.ndarray, np.ndarray]],
                    n_words: int, rate: float) -> float:
    """The lowest expectation (at least 1) that flags at most ``rate`` of ``n_words`` clean words
    as unseen pairs, from the ``(ids, known, sentence)`` word tables of clean pages."""
    tiny = np.finfo(np.float64).tiny  # every pair of common words: an expectation is 0 or far above this
    unseen = [_unseen_pairs(unigram, total, bigram, ids, known, sentence, tiny)[1] for ids, known, sentence in tables]
    values = np.sort(np.concatenate(unseen) if unseen else np.zeros(0))[::-1]
    allowed = int(np.floor(n_words * rate))
    if allowed >= len(values):
        return 1.0
    return max(1.0, float(np.nextafter(values[allowed], np.inf)))
