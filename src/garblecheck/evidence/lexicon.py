"""The substitution lexicon: ``spun -> original`` phrase pairs, their context conditions, and the matcher.

File format (one entry a line, tab-separated, ``#`` starts a comment line)::

    spun phrase <TAB> original|alternative <TAB> kind <TAB> condition <TAB> note

See ``corpora/lexicon/README.md`` for the condition language.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Container, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

from ..text.words import WORDS_RE, Token, Words, key_table, normalize, tokenize

__all__ = ["Entry", "Condition", "Lexicon", "LexiconError", "Match", "hygiene_problems", "default_lexicon_dir", "mine_pairs",
           "format_entries"]

PathLike = Union[str, Path]
KINDS = ("spin", "mt")
_FIELDS = ("prev", "next", "prev2", "next2")


_FUNCTION_WORDS = frozenset(
    "a an the this that these those his her their its our my your some many several all both each every "
    "no any other such police army military security officers officials he she they we it there".split()
)


class LexiconError(ValueError):
    """A lexicon or ignore file that cannot be read; the message names the file and line."""


def default_lexicon_dir() -> Path:
    """The shipped ``corpora/lexicon`` folder (inside the wheel, or beside ``src/`` in a checkout)."""
    from ..text.resources import data_path

    return data_path("corpora", "lexicon")


@dataclass(frozen=True)
class Clause:
    field: str
    values: Tuple[str, ...]
    negated: bool

    def holds(self, tok: Optional[Token]) -> bool:
        hit = tok is not None and any(_value_matches(v, tok) for v in self.values)
        if tok is None and "#edge" in self.values:
            hit = True
        return hit != self.negated


def _value_matches(v: str, tok: Token) -> bool:
    if v == "#num":
        return tok.kind == "number"
    if v == "#name":  # a protected name, or a capitalised word opening the sentence that is no function word
        return tok.kind == "word" and (tok.protected or (tok.text[:1].isupper() and tok.norm not in _FUNCTION_WORDS))
    if v == "#edge":
        return False
    if "*" in v:
        return fnmatch.fnmatchcase(tok.norm, v)
    return tok.norm == v


@dataclass(frozen=True)
class Condition:
    """Alternatives (``||``) of clause groups (``;``), each clause ``[!]field=v1|v2``."""

    groups: Tuple[Tuple[Clause, ...], ...]
    source: str

    @classmethod
    def parse(cls, src: str) -> "Condition":
        groups = []
        for g in src.split("||"):
            clauses = []
            for c in g.split(";"):
                c = c.strip()
                if not c:
                    continue
                m = re.fullmatch(r"(!?)(\w+)=(\S+)", c)
                if not m or m.group(2) not in _FIELDS:
                    raise ValueError(f"bad condition clause {c!r} (want [!]prev|next|prev2|next2=v1|v2)")
                values = tuple(normalize(v) if not v.startswith("#") else v for v in m.group(3).split("|"))
                clauses.append(Clause(m.group(2), values, bool(m.group(1))))
            if not clauses:
                raise ValueError(f"empty condition group in {src!r}")
            groups.append(tuple(clauses))
        return cls(tuple(groups), src.strip())

    def holds(self, context: Dict[str, Optional[Token]]) -> bool:
        return any(all(c.holds(context[c.field]) for c in g) for g in self.groups)


@dataclass(frozen=True)
class Entry:
    """One lexicon line."""

    key: str  # normalised spun phrase
    originals: Tuple[str, ...]
    kind: str
    condition: Optional[Condition]
    note: str
    category: str  # file stem
    source: str  # "path:line"

    @property
    def words(self) -> Tuple[str, ...]:
        return tuple(self.key.split(" "))

    @property
    def confidence(self) -> float:
        """Prior that a match is a real substitution: longer, unconditioned phrases are surer."""
        multi = len(self.words) > 1
        if multi:
            return 0.95 if self.condition is None else 0.9
        return 0.85 if self.condition is not None else 0.8

    @property
    def rule(self) -> str:
        return f"lexicon:{self.category}"


@dataclass(frozen=True)
class Match:
    """A lexicon entry found at tokens ``[first, last]`` of a sentence."""

    entry: Entry
    first: int
    last: int


def parse_line(line: str, category: str, source: str) -> Optional[Entry]:
    """Parse one lexicon line; ``None`` for blank and comment lines."""
    line = line.rstrip("\r\n")
    if not line.strip() or line.lstrip().startswith("#"):
        return None
    cols = line.split("\t")
    if len(cols) < 3 or len(cols) > 5:
        raise LexiconError(f"{source}: want 3 to 5 tab-separated columns, got {len(cols)}")
    cols += [""] * (5 - len(cols))
    key = normalize(cols[0])
    originals = tuple(o.strip() for o in cols[1].split("|") if o.strip())
    kind = cols[2].strip()
    if not key or not originals:
        raise LexiconError(f"{source}: empty spun phrase or original")
    if kind not in KINDS:
        raise LexiconError(f"{source}: kind {kind!r} is not one of {', '.join(KINDS)}")
    try:
        cond = Condition.parse(cols[3]) if cols[3].strip() else None
    except ValueError as e:
        raise LexiconError(f"{source}: {e}") from None
    return Entry(key, originals, kind, cond, cols[4].strip(), category, source)


def read_entries(path: PathLike) -> List[Entry]:
    """All entries of one ``.tsv`` file."""
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise LexiconError(f"{p}: cannot read lexicon: {e}") from None
    out = []
    for i, line in enumerate(lines, 1):
        e = parse_line(line, p.stem, f"{p.name}:{i}")
        if e is not None:
            out.append(e)
    return out


def read_ignore_file(path: PathLike) -> List[str]:
    """Phrases to suppress, one a line; ``#`` comments and blank lines are skipped."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise LexiconError(f"{path}: cannot read ignore file: {e}") from None
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


class Lexicon:
    """Entries indexed by their first word for longest-match lookup over tokens."""

    def __init__(self, entries: Iterable[Entry] = (), ignore: Iterable[str] = ()) -> None:
        self.ignore = frozenset(normalize(p) for p in ignore)
        self._by_key: Dict[str, Entry] = {}
        for e in entries:
            self._by_key[e.key] = e  # later files (user lexicons) override shipped entries
        self._index: Dict[str, List[Entry]] = {}
        for e in self._by_key.values():
            if e.key in self.ignore:
                continue
            self._index.setdefault(e.words[0], []).append(e)
        for lst in self._index.values():
            lst.sort(key=lambda e: -len(e.words))
        # each key as the word pass reads it, for :meth:`candidates`: the ids of its words
        # (``WORDS_RE``), what comes before the first in its first token ("é" of "été"), and the
        # normalised text between them ("" for white space, "12" around a number); a key whose
        # first token holds no such word is found by a regular expression
        self._word_ids: Dict[str, int] = {}
        spelt = []
        unplaced = []
        for lst in self._index.values():
            for e in lst:
                found = list(WORDS_RE.finditer(e.key))
                if not found or " " in e.key[: found[0].start()]:
                    unplaced.append(e.key)
                    continue
                ids = tuple(self._word_ids.setdefault(m.group(), len(self._word_ids)) for m in found)
                gaps = tuple(e.key[x.end() : y.start()].strip() for x, y in zip(found, found[1:]))
                spelt.append((ids, e.key[: found[0].start()], gaps))
        # a key of more words than a 62-bit code holds is found by its first ones
        longest = max(1, int(62 // np.log2(len(self._word_ids) + 1))) if self._word_ids else 0
        self._phrases: Dict[Tuple[int, ...], set] = {}
        for ids, lead, gaps in spelt:
            self._phrases.setdefault(ids[:longest], set()).add((lead, gaps[: longest - 1]))
        base = len(self._word_ids) + 1  # the code of n words: their ids + 1 in base ``base``
        codes: Dict[int, List[int]] = {}
        for ids in self._phrases:
            codes.setdefault(len(ids), []).append(sum((w + 1) * base ** (len(ids) - 1 - i) for i, w in enumerate(ids)))
        self._codes = {n: np.array(sorted(c), dtype=np.int64) for n, c in codes.items()}
        self._unplaced = re.compile("|".join(
            r"(?<![\w'’\-])" + r"\s+".join(re.escape(w).replace("'", "['’]") for w in k.split(" ")) for k in unplaced),
            re.IGNORECASE) if unplaced else None
        self._word_keys: Optional[Tuple[Any, Any]] = None

    @classmethod
    def load(
        cls, paths: Sequence[PathLike] = (), *, default: bool = True, ignore: Iterable[str] = ()
    ) -> "Lexicon":
        """The shipped lexicon (unless ``default=False``) plus user files, later ones overriding."""
        files: List[Path] = sorted(default_lexicon_dir().glob("*.tsv")) if default else []
        files += [Path(p) for p in paths]
        entries: List[Entry] = []
        for f in files:
            if f.is_dir():
                for g in sorted(f.glob("*.tsv")):
                    entries += read_entries(g)
            else:
                entries += read_entries(f)
        return cls(entries, ignore)

    def __len__(self) -> int:
        return len(self._by_key)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._by_key.values())

    def get(self, key: str) -> Optional[Entry]:
        return self._by_key.get(normalize(key))

    def candidates(self, words: Words, starts: Sequence[int]) -> List[Tuple[int, int]]:
        """Where a key may start in the sentences of ``words`` (their word pass), sentence ``j``
        starting at ``starts[j]`` of its text: ``(sentence, offset)``, in order. A key is found by
        its words, read in lower case, one after another in one sentence with white space between
        them (or what the key has there, a number). Every match starts at one of these places;
        conditions and protection are checked by :meth:`match`."""
        out = []
        if self._phrases:
            if self._word_keys is None:
                self._word_keys = key_table(self._word_ids)
            lid = words.ids(self._word_ids, self._word_keys, -1)
            base = len(self._word_ids) + 1
            code = lid + 1  # the words from each one on, as in ``_codes``; 0 past a sentence's end
            for n in range(1, max(self._codes) + 1):
                if n > 1:
                    m = max(len(lid) - n + 1, 0)  # words with n - 1 more after them
                    nxt = np.zeros(len(lid), dtype=np.int64)
                    nxt[:m] = np.where(words.sentence[n - 1 :] == words.sentence[:m], lid[n - 1 :] + 1, 0)
                    code = code * base + nxt
                if n in self._codes:
                    for k in np.flatnonzero(np.isin(code, self._codes[n])).tolist():
                        out += self._placed(words, k, n, self._phrases[tuple(lid[k : k + n].tolist())])
        if self._unplaced is not None:
            first = words.sentence_start
            for m in self._unplaced.finditer(words.joined):
                j = int(np.searchsorted(first, m.start(), side="right")) - 1
                out.append((j, m.start() - int(first[j])))
        return sorted({(j, at + starts[j]) for j, at in out})

    @staticmethod
    def _placed(words: Words, k: int, n: int, patterns: set) -> List[Tuple[int, int]]:
        """``(sentence, offset in it)`` where a key whose words are ``k .. k+n-1`` of ``words``
        starts, for each of its ``(lead, gaps)`` patterns that the text shows."""
        joined, j = words.joined, int(words.sentence[k])
        gaps = tuple(normalize(joined[a:b]) for a, b in zip(words.end[k : k + n - 1].tolist(), words.start[k + 1 : k + n].tolist()))
        start, first = int(words.start[k]), int(words.sentence_start[j])
        return [(j, start - len(lead) - first) for lead, want in patterns
                if want == gaps and start - len(lead) >= first and normalize(joined[start - len(lead) : start]) == lead]

    def match(self, text: str, tokens: Sequence[Token], starts: Optional[Container[int]] = None) -> List[Match]:
        """Longest matches, left to right, over one sentence's tokens (only at tokens that begin
        at one of ``starts``, when given: see :meth:`candidates`).

        A match never includes a protected token, except a number that the key spells out
        ("final 12 months"); the gaps between its tokens are white space only.
        """
        out: List[Match] = []
        i = 0
        n = len(tokens)
        while i < n:
            t = tokens[i]
            m = None if t.protected or (starts is not None and t.start not in starts) else self._match_at(text, tokens, i)
            if m is None:
                i += 1
            else:
                out.append(m)
                i = m.last + 1
        return out

    def _match_at(self, text: str, tokens: Sequence[Token], i: int) -> Optional[Match]:
        for e in self._index.get(tokens[i].norm, ()):
            words = e.words
            j = i + len(words) - 1
            if j >= len(tokens):
                continue
            ok = True
            for k in range(1, len(words)):
                t = tokens[i + k]
                if t.norm != words[k] or (t.protected and t.kind != "number"):
                    ok = False
                    break
                if text[tokens[i + k - 1].end : t.start].strip():
                    ok = False
                    break
            if not ok:
                continue
            if e.condition is not None and not e.condition.holds(_context(text, tokens, i, j)):
                continue
            return Match(e, i, j)
        return None


_BREAKS = frozenset(",;:()[]{}.!?…—–")


def _context(text: str, tokens: Sequence[Token], i: int, j: int) -> Dict[str, Optional[Token]]:
    """Neighbours of tokens ``i..j``; punctuation such as a comma or a dash cuts the context off."""

    def joined(a: int, b: int) -> bool:
        return 0 <= a and b < len(tokens) and not _BREAKS.intersection(text[tokens[a].end : tokens[b].start])

    prev = tokens[i - 1] if joined(i - 1, i) else None
    nxt = tokens[j + 1] if joined(j, j + 1) else None
    return {
        "prev": prev,
        "prev2": tokens[i - 2] if prev is not None and joined(i - 2, i - 1) else None,
        "next": nxt,
        "next2": tokens[j + 2] if nxt is not None and joined(j + 1, j + 2) else None,
    }


def hygiene_problems(entries: Sequence[Entry], lines: Optional[Sequence[str]] = None) -> List[str]:
    """codespell-style dictionary checks: sorted, no duplicates, no identities, no chains.

    A chain is a replacement in which the matcher itself would find a key of the same kind, so
    restoring twice would differ from restoring once. ``lines`` are the raw lines of one file
    when sort order should be checked.
    """
    problems = []
    seen: Dict[str, str] = {}
    by_kind: Dict[str, Lexicon] = {}
    for kind in {e.kind for e in entries}:
        by_kind[kind] = Lexicon([e for e in entries if e.kind == kind])
    for e in entries:
        if e.key in seen:
            problems.append(f"{e.source}: duplicate key {e.key!r} (first at {seen[e.key]})")
        seen.setdefault(e.key, e.source)
        for o in e.originals:
            if normalize(o) == e.key:
                problems.append(f"{e.source}: identity entry {e.key!r}")
                continue
            found = by_kind[e.kind].match(o, tokenize(o))
            if found:
                problems.append(f"{e.source}: replacement {o!r} contains the {e.kind} key {found[0].entry.key!r}")
        if len(set(normalize(o) for o in e.originals)) != len(e.originals):
            problems.append(f"{e.source}: repeated original in {e.key!r}")
    if lines is not None:
        keys = [normalize(ln.split("\t", 1)[0]) for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
        for a, b in zip(keys, keys[1:]):
            if b < a:
                problems.append(f"not sorted: {b!r} comes after {a!r}")
                break
    return problems


def mine_pairs(original: str, spun: str, max_words: int = 4) -> List[Tuple[str, str, int]]:
    """Substitutions found by aligning two versions of a text word by word (a token diff):
    ``(spun phrase, original phrase, times seen)``, most frequent first.

    Only replaced runs of at most ``max_words`` words on each side count, inside one sentence.
    Numbers, URLs and names (capitalised words inside a sentence) are never part of a pair.
    """
    import difflib
    from collections import Counter

    from ..text.words import sentence_spans

    def tokens(text: str) -> List[Optional[Token]]:
        out: List[Optional[Token]] = []
        for s in sentence_spans(text):
            out += [*tokenize(text, s.start, s.end), None]  # None ends a sentence: a pair never spans two
        return out

    def plain(run: Sequence[Optional[Token]]) -> bool:
        return all(t is not None and t.kind == "word" and not t.protected for t in run)

    a, b = tokens(original), tokens(spun)
    matcher = difflib.SequenceMatcher(None, [t.norm if t else "\n" for t in a], [t.norm if t else "\n" for t in b],
                                      autojunk=False)
    found: Counter = Counter()
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "replace":
            continue
        runs = [(a[i1:i2], b[j1:j2])]
        if i2 - i1 == j2 - j1:  # as many words on each side: names and numbers cut the run in parts
            runs, start = [], 0
            for k in range(i2 - i1 + 1):
                if k == i2 - i1 or not plain([a[i1 + k], b[j1 + k]]):
                    if k > start:
                        runs.append((a[i1 + start : i1 + k], b[j1 + start : j1 + k]))
                    start = k + 1
        for before, after in runs:
            if len(before) <= max_words and len(after) <= max_words and plain(before) and plain(after):
                found[(" ".join(t.norm for t in after if t), " ".join(t.norm for t in before if t))] += 1
    return [(s, o, n) for (s, o), n in sorted(found.items(), key=lambda x: (-x[1], x[0]))]


def format_entries(pairs: Iterable[Tuple[str, str, int]], kind: str = "spin") -> List[str]:
    """Lexicon lines for mined ``pairs``, one per spun phrase (its originals best first), sorted."""
    by_key: Dict[str, List[Tuple[str, int]]] = {}
    for spun, orig, n in pairs:
        by_key.setdefault(normalize(spun), []).append((orig, n))
    lines = []
    for key in sorted(by_key):
        origs = sorted(by_key[key], key=lambda x: -x[1])
        seen = sum(n for _, n in origs)
        lines.append(f"{key}\t{'|'.join(o for o, _ in origs)}\t{kind}\t\t{origs[0][0]}->{key} (mined, seen {seen}x)")
    return lines
