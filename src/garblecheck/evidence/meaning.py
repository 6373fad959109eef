"""Evidence of meaning: what a reader of a machine-translated page would point at.

Modern machine translation is fluent; its damage is in meaning. Four kinds of ``mt`` flag, each
checked against statistics of clean news that :meth:`MeaningModel.build` gathers at training time
(stored in the model folder as ``meaning.npz``):

``mt:title``        a title attached to a known name that clean news never attaches to it ("chair
                    Volodymyr Zelensky" where clean news writes "President Volodymyr Zelensky"); a
                    name (of two words or more) counts as known after ``MIN_TITLED`` titled
                    mentions nearly all under one title
``mt:joined``       a name run into a lower-case English word ("MykolaivMayor") in a form clean
                    news never writes, once on the page (a form written twice is how the page spells a name)
``mt:article``      a proper name (not an office) clean news writes with "the" after a
                    preposition ("in the United States") written without it ("in United States");
                    only where the name stands alone, not as a modifier ("of United States troops")
``mt:collocation``  two common lower-case words side by side that clean news never puts together
                    although their frequencies say they would meet ``C(a) C(b) / N`` times; the
                    bar on that expectation is calibrated on clean pages at training time
``mt:pronoun``      "he" where clean news says "she" of the person just named, or the other way
                    round ("President Ada Lindqvist ... his Twitter account"): a person counts as
                    known after ``PRONOUN_MIN`` pronouns that follow their full name, nearly all of one kind
``mt:case``         a word clean news always capitalises (a name, a nationality: ``CASE_MIN`` times
                    inside sentences, never in lower case) written in lower case inside a sentence
                    ("the minister of justice montenegrin", "belt and road initiative")
``mt:dropcap``      a page's first word fused with a drop cap ("Dhe President" for "The President"):
                    a capitalised word no English text writes that becomes a common opener when its
                    first letter is replaced

The facts come from all the clean text training is given (``train --clean`` and ``--knowledge``:
news, and the speeches corpus).

A flag's ``explanation`` says which fact of clean news it breaks.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Callable, Dict, Iterable, Iterator, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from ..text.wordlists import STOPWORDS

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
CONFIDENCE = {"mt:title": 0.8, "mt:joined": 0.9, "mt:article": 0.7, "mt:collocation": 0.4, "mt:pronoun": 0.6,
              "mt:case": 0.6, "mt:dropcap": 0.8}
PRONOUN_MIN = 8  # pronouns after a full name before the person's pronoun counts as known ...
PRONOUN_SHARE = 0.95  # ... this share of them of one kind
PRONOUN_WINDOW = 160  # characters after a name in which its pronoun is read (the same paragraph)
CASE_MIN = 30  # a word capitalised inside sentences this often, and never in lower case, is a name
OPENERS = frozenset("The This That These Those There They Then In On At It As An And But For When While After".split())
_MASCULINE = {"he": "she", "him": "her", "his": "her", "himself": "herself"}
_FEMININE = {"she": "he", "her": "his", "hers": "his", "herself": "himself"}
_PRONOUN_RE = re.compile(r"(?<![\w'’\-])(he|him|his|himself|she|her|hers|herself)(?![\w'’\-])", re.IGNORECASE)
_PERSON = re.compile(r"(?<![\w'’\-])([A-Z][a-z]+(?: [A-Z][a-z]+){1,2})(?![\w'’\-])")
_INSIDE_CAP = re.compile(r"(?<=[a-z,;] )([A-Z][a-z]{2,})(?![\w'’\-])")  # a capitalised word after a lower-case one
_INSIDE_LOWER = re.compile(r"(?<=[a-z,;] )([a-z]{3,})(?![\w'’\-])")
_FIRST_WORD = re.compile(r"(?:\A|\n)[ \t]*([A-Z][a-z]{1,3}) (?=[A-Z])")  # a page's or paragraph's first word, a name after it

# one to three capitalised words, the whole run ("U.S.-Mekong" or "Mekong-U.S." is none)
_NAME = r"[A-Z][\w'’\-]*(?: [A-Z][\w'’\-]*){0,2}(?![\w'’\-]| [A-Z]|\.\w)"
_LEADS = frozenset(("the", *PREPOSITIONS, *TITLES))
_WORD_BEFORE_CAPITAL = re.compile(r"(?<![\w'’\-])([A-Za-z]+) (?=[A-Z])")  # a whole word, a space, a capital
_NAME_RE = re.compile(_NAME)
_FOLLOWER = re.compile(r"(?:[ \t]+\([A-Z]{2,6}\))?[ \t]*(?:([a-z]+)\b|[^\w\s]|\s|\Z)")  # past "(EU)": "of European Union (EU) law"
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


def _cased(src: str, repl: str) -> str:
    return repl.capitalize() if src[:1].isupper() else repl


_BODIES = frozenset(
    "Party Republic Union Ministry Department Court Council Committee Army Force Forces Bank Company Group State States "
    "Kingdom Federation Government House Congress Senate Assembly Organization Organisation Association Agency Office "
    "Service Services University College School Church League Club Commission Front Movement Alliance Coalition Institute "
    "Foundation Corporation Authority Board Police Guard Navy Office Parliament Democrats Republicans Party's".split())


def _person(run: str) -> str:
    """A run of capitalised words without the titles and articles before the name; "" for a body
    ("Democratic Party", "Islamic Republic": a word of ``_BODIES``), whose pronoun is no one's."""
    words = run.split(" ")
    while words and (words[0].lower() in TITLES or words[0].lower() in STOPWORDS):
        words = words[1:]
    if len(words) < 2 or any(w in _BODIES for w in words):
        return ""
    return " ".join(words)


def _pronouns_after_names(text: str) -> Iterator[Tuple[str, int, int, int, str]]:
    """``(full name, 0 masculine / 1 feminine, start, end, pronoun)`` for the first third-person
    pronoun after a full name, in the same paragraph, within ``PRONOUN_WINDOW`` characters and
    with no other capitalised run of two words or more between them."""
    people = [(m.start(), m.end(), _person(m.group(1))) for m in _PERSON.finditer(text)]
    for k, (s0, e0, name) in enumerate(people):
        if not name:
            continue
        stop = min(e0 + PRONOUN_WINDOW, people[k + 1][0] if k + 1 < len(people) else len(text))
        para = text.find("\n", e0, stop)
        p = _PRONOUN_RE.search(text, e0, para if para >= 0 else stop)
        if p:
            word = p.group(1).lower()
            yield name, 0 if word in _MASCULINE else 1, p.start(1), p.end(1), p.group(1)


def _name_pronouns(text: str) -> Iterator[Tuple[str, int]]:
    for name, kind, *_ in _pronouns_after_names(text):
        yield name, kind


def _pack(lines: Iterable[str]) -> np.ndarray:
    return np.frombuffer("\n".join(lines).encode("utf-8"), dtype=np.uint8)


def _unpack(a: np.ndarray) -> List[str]:
    s = a.tobytes().decode("utf-8")
    return s.split("\n") if s else []


class MeaningModel:
    """The facts of clean news the four rules check: titles per surname, names written with "the",
    run-together forms clean news uses, and the collocation bar."""

    def __init__(self, titles: Dict[str, Dict[str, int]], with_article: Iterable[str], joined: Iterable[str],
                 lower: Iterable[str], min_expected: float = float("inf"), pronouns: Optional[Dict[str, Tuple[int, int]]] = None,
                 proper: Optional[Dict[str, int]] = None) -> None:
        self.titles = titles  # name -> title -> mentions
        self.with_article = frozenset(with_article)
        self.joined = frozenset(joined)
        self.lower = frozenset(lower)  # words clean news writes in lower case (LOWER_MIN times or more)
        self.min_expected = float(min_expected)
        self.pronouns = pronouns or {}  # full name -> (masculine, feminine) pronouns after it
        self.proper = proper or {}  # word clean news always capitalises -> times inside sentences

    @classmethod
    def build(cls, texts: Iterable[str]) -> "MeaningModel":
        """Count titles, articles and run-together forms in clean ``texts``."""
        titled: Counter = Counter()
        the: Counter = Counter()
        bare: Counter = Counter()
        joined = set()
        lower: Counter = Counter()
        pronouns: Dict[str, List[int]] = {}
        inside: Counter = Counter()
        for t in texts:
            for name, kind in _name_pronouns(t):
                pronouns.setdefault(name, [0, 0])[kind] += 1
            inside.update(_INSIDE_CAP.findall(t))
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
        known = {k: (v[0], v[1]) for k, v in pronouns.items()
                 if sum(v) >= PRONOUN_MIN and max(v) >= PRONOUN_SHARE * sum(v)}
        proper = {w: c for w, c in inside.items() if c >= CASE_MIN and w.lower() not in lower}
        return cls(titles, article, joined, lower_words, pronouns=known, proper=proper)

    # -- persistence ----------------------------------------------------------------------------

    def arrays(self) -> Dict[str, np.ndarray]:
        rows = sorted(f"{k}\t{t}\t{n}" for k, v in self.titles.items() for t, n in v.items())
        return {"titles": _pack(rows), "with_article": _pack(sorted(self.with_article)), "joined": _pack(sorted(self.joined)),
                "lower": _pack(sorted(self.lower)), "min_expected": np.array([self.min_expected]),
                "pronouns": _pack(sorted(f"{k}\t{m}\t{f}" for k, (m, f) in self.pronouns.items())),
                "proper": _pack(sorted(f"{k}\t{n}" for k, n in self.proper.items()))}

    @classmethod
    def from_arrays(cls, a: Dict[str, np.ndarray]) -> "MeaningModel":
        titles: Dict[str, Dict[str, int]] = {}
        for row in _unpack(a["titles"]):
            k, t, n = row.split("\t")
            titles.setdefault(k, {})[t] = int(n)
        pronouns = {k: (int(m), int(f)) for k, m, f in (row.split("\t") for row in _unpack(a["pronouns"]))} if "pronouns" in a else {}
        proper = {k: int(n) for k, n in (row.split("\t") for row in _unpack(a["proper"]))} if "proper" in a else {}
        return cls(titles, _unpack(a["with_article"]), _unpack(a["joined"]), _unpack(a["lower"]), float(a["min_expected"][0]),
                   pronouns, proper)

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
        out += self._pronouns(text) + self._dropcaps(text)
        joined = list(_joined(text))
        times = Counter(head + tail for _, head, tail in joined)
        for start, head, tail in joined:  # a name run into a word: "MykolaivMayor", not "FoodCorps"
            # a form the page writes twice is how it spells a name ("ChemLawn"): a machine runs words together once
            if times[head + tail] == 1 and head + tail not in self.joined and head.lower() not in self.lower \
                    and tail.lower() in self.lower:
                out.append(Finding(start, start + len(head) + len(tail), "mt:joined", f"{head} {tail}",
                                   f'"{head}" and "{tail}" run together'))
        return out

    def _pronouns(self, text: str) -> List[Finding]:
        out = []
        for name, kind, start, end, pronoun in _pronouns_after_names(text):
            seen = self.pronouns.get(name)
            if seen is None or seen[kind] >= seen[1 - kind]:
                continue
            usual = "he" if seen[0] > seen[1] else "she"
            table = _FEMININE if kind == 1 else _MASCULINE
            word = pronoun.lower()
            repl = table[word] if word != "her" else ("his" if _LOWER_RE.match(text, end + 1) else "him")
            out.append(Finding(start, end, "mt:pronoun", _cased(pronoun, repl),
                               f'clean news says "{usual}" of {name} ({max(seen)} of {sum(seen)} times)'))
        return out

    def proper_ids(self, index: Dict[str, int]) -> np.ndarray:
        """The vocabulary ids (``index``, lower case) of the words clean news always capitalises, sorted."""
        cached = getattr(self, "_proper_ids", None)
        if cached is None or cached[0] is not index:
            ids = np.unique([index[w.lower()] for w in self.proper if w.lower() in index]).astype(np.int64)
            self._proper_ids = cached = (index, ids)
        return cached[1]

    def lower_proper(self, table: Any, index: Dict[str, int]) -> np.ndarray:
        """Per word of a word table: a word clean news always capitalises, written in lower case."""
        return ~table.words.capital & np.isin(table.lower, self.proper_ids(index))

    def cases(self, text: str, table: Any, lo: int, hi: int, index: Dict[str, int],
              lower_proper: Optional[np.ndarray] = None) -> List[Finding]:
        """``mt:case`` findings among words ``lo:hi`` of a word table (``garblecheck.evidence.context.WordTable``
        of ``text``, vocabulary ``index``): a word clean news always capitalises, in lower case after
        another word of its sentence. ``lower_proper``: :meth:`lower_proper` of the whole table, if
        already read (a batch of pages reads it once)."""
        hit = lower_proper if lower_proper is not None else self.lower_proper(table, index)
        k = lo + np.flatnonzero(hit[lo:hi])
        k = k[(k > 0) & (table.sentence[k] == table.sentence[np.maximum(k - 1, 0)])]
        out = []
        for start, end in table.offsets(k.tolist()):
            if start and (text[start - 1].isalnum() or text[start - 1] in "_-/.@"):
                continue  # part of a longer token ("8chan", "r/texas", "x.com/jorge"): not a word of its own
            word = text[start:end]
            right = word.capitalize()
            out.append(Finding(start, end, "mt:case", right,
                               f'clean news writes "{right}" capitalised ({self.proper.get(right, 0)} times), never "{word}"'))
        return out

    def _dropcaps(self, text: str) -> List[Finding]:
        out = []
        for m in _FIRST_WORD.finditer(text):
            word = m.group(1)
            if word.lower() in self.lower or word in self.proper:
                continue
            openers = [o for o in OPENERS if len(o) == len(word) and o[1:] == word[1:]]
            if len(openers) == 1:
                out.append(Finding(m.start(1), m.end(1), "mt:dropcap", openers[0],
                                   f'"{word}" is no word; the page\'s first letter, a drop cap, seems lost from "{openers[0]}"'))
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
