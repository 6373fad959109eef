"""Text layer: sentences and word tokens, each with exact offsets into the original ``str``.

Nothing here copies or normalises the input; every span is ``text[start:end]`` of the string
the caller passed, so offsets survive CRLF, curly quotes, non-breaking spaces and the like.
:class:`Words` finds the English words of many sentences at once in numpy, with their vocabulary
ids and each sentence's word count: the engine's one reading of a batch, for the word counts, the
lexicon's candidates, the page rate, the context model, the language model and the name checks.
:func:`tokenize` reads one sentence's tokens (numbers, URLs, protection) where a flag may fall.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import repeat
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple, Union, overload

import numpy as np

__all__ = [
    "Token",
    "Span",
    "sentence_spans",
    "tokenize",
    "count_words",
    "normalize",
    "LineIndex",
    "Words",
    "WORD_KEY_CHARS",
    "sentence_words",
    "corpus_words",
]

APOSTROPHES = "’‘ʼ′`"
OPEN_QUOTES = "\"“‘'«(["
BULLETS = "-*•–—·▪◦‣"

URL = r"(?:https?://|www\.)[^\s<>\"“”]*[^\s<>\"“”'’.,;:!?)\]]"
EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
NUMBER = r"\w*\d(?:\w|[.,:/]\d)*(?:['’\-]\w+)*"
WORD = r"\w+(?:['’\-]\w+)*"
WORDS_RE = re.compile(r"[A-Za-z]+(?:['’\-][A-Za-z]+)*")  # English words, as the word pass finds them
TOKEN_RE = re.compile(f"(?P<url>{URL})|(?P<email>{EMAIL})|(?P<number>{NUMBER})|(?P<word>{WORD})")

# A candidate sentence end: terminal punctuation, closing quotes/brackets, white space, and (looked
# at, not taken) the first character of what follows after any opening quotes.
_OPEN = "[" + re.escape(OPEN_QUOTES) + "]"
_END_RE = re.compile(
    r"(?P<p>[.!?…]+)[\"”’')\]]*(?P<gap>[ \t\u00a0\u2009\u202f]+)"
    rf"(?={_OPEN}*(?P<next>\S))"
    # sentences a scraper ran together: "the truce began.The din" (a word of 2+ lower-case letters,
    # the stop, a capitalised word); the split falls between them. Both branches open with the stop,
    # so the regex engine skips ahead to stops instead of trying the look-behind everywhere.
    r"|[.!?](?<=[a-z]{2}[.!?])(?P<tight>)(?=(?P<cap>[A-Z])[a-z])"
)
# Line breaks; a blank line (paragraph break) always ends a sentence.
_LINE_RE = re.compile(r"\r\n|\r|\n")

ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof gen gov sen rep st jan feb mar apr jun jul aug sep sept oct nov dec
    no vs etc inc ltd co corp jr sr lt col capt cpt sgt maj adm rev hon mt ft est approx dept univ
    fig al e.g i.e u.s u.k u.n a.m p.m ph.d b.a m.a pres gov't cmdr brig supt insp det""".split()
)


_APOS_TABLE = str.maketrans({a: "'" for a in APOSTROPHES})


def normalize(s: str) -> str:
    """Lower-case, fold curly apostrophes to ``'`` and collapse white space (lexicon keys and tokens)."""
    return " ".join(s.lower().translate(_APOS_TABLE).split())


class Span(NamedTuple):
    """A sentence: ``text[start:end]``. (Named tuples: texts hold many and they are made fast.)"""

    start: int
    end: int


class Token(NamedTuple):
    """A word, number, URL or e-mail address in a sentence.

    ``protected`` marks tokens that must never be rewritten: names (capitalised words that do not
    open a sentence or a quotation), ALL-CAPS acronyms, numbers, URLs and e-mail addresses.
    """

    start: int
    end: int
    text: str
    norm: str
    kind: str  # "word" | "number" | "url" | "email"
    protected: bool


def _is_abbreviation(word: str) -> bool:
    """Does a period after ``word`` close an abbreviation or an initial ("Mr.", "U.S.", "M.")?"""
    w = word.lower()
    if not w:
        return False
    if len(w) == 1 and w.isalpha():
        return True
    return w in ABBREVIATIONS or w.rstrip(".") in ABBREVIATIONS


_AFTER_QUOTES = re.compile(r"[^" + re.escape(OPEN_QUOTES) + r"]*\Z")


def _word_before(text: str, i: int, lo: int) -> str:
    """The word that ends at ``i`` (after white space or an opening quote)."""
    chunk = text[max(lo, i - 24) : i]
    if not chunk or chunk[-1].isspace():
        return ""
    word = chunk.split()[-1]
    return word if word.isalnum() else _AFTER_QUOTES.search(word).group()


def _split_line(text: str, start: int, end: int, out: List[Span]) -> None:
    """Split one block of text at sentence-final punctuation."""
    s = start
    for m in _END_RE.finditer(text, start, end):
        if m.end() >= end:
            continue
        if m.group("tight") is not None:  # run together: end after the stop, start at the capital
            _append(text, s, m.end(), out)
            s = m.end()
            continue
        if m.group("p")[0] == "." and _is_abbreviation(_word_before(text, m.start(), start)):
            continue
        c = m.group("next")
        if not (c.isupper() or c.isdigit() or c in BULLETS):
            continue
        _append(text, s, m.start("gap"), out)
        s = m.end()
    _append(text, s, end, out)


MAX_SENTENCE = 2000  # characters; a longer run without a sentence end (a list, junk) is cut at spaces


def _append(text: str, start: int, end: int, out: List[Span]) -> None:
    piece = text[start:end]
    body = piece.strip()
    if not body:
        return
    start += len(piece) - len(piece.lstrip())
    end = start + len(body)
    while end - start > MAX_SENTENCE:  # bounded pieces keep every later pass bounded too
        cut = text.rfind(" ", start + 1, start + MAX_SENTENCE)
        cut = cut if cut > start else start + MAX_SENTENCE
        _append(text, start, cut, out)
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        out.append(Span(start, end))


def _continues(text: str, prev: Tuple[int, int], nxt: Tuple[int, int]) -> bool:
    """Does line ``nxt`` continue the sentence of line ``prev`` (hard-wrapped prose)?"""
    p = text[prev[0] : prev[1]].rstrip()
    n = text[nxt[0] : nxt[1]].lstrip()
    if not p or not n:
        return False
    if n[0] in BULLETS or p[0] in BULLETS:
        return False
    if p[-1] in ".!?…:\"”":
        return False
    return n[0].islower() or p[-1] in ",;-–—(" 


def sentence_spans(text: str) -> List[Span]:
    """Split ``text`` into sentences.

    Boundaries: blank lines; a line break unless the next line continues wrapped prose (it starts
    in lower case, or the line before ends in a comma, hyphen or dash), so headlines without final
    punctuation and bullet lines stand alone; and ``. ! ?`` (with closing quotes) followed by a
    capital, digit, opening quote or bullet, except after abbreviations and initials.
    """
    lines: List[Tuple[int, int]] = []
    pos = 0
    for m in _LINE_RE.finditer(text):
        lines.append((pos, m.start()))
        pos = m.end()
    lines.append((pos, len(text)))

    blocks: List[Tuple[int, int]] = []
    cur: Optional[Tuple[int, int]] = None  # the block being built
    last = lines[0]  # its last line
    for ln in lines:
        if not text[ln[0] : ln[1]].strip():
            if cur is not None:
                blocks.append(cur)
                cur = None
            continue
        if cur is not None and _continues(text, last, ln):
            cur = (cur[0], ln[1])
        else:
            if cur is not None:
                blocks.append(cur)
            cur = ln
        last = ln
    if cur is not None:
        blocks.append(cur)

    out: List[Span] = []
    for b0, b1 in blocks:
        _split_line(text, b0, b1, out)
    return out


def tokenize(text: str, start: int = 0, end: int | None = None) -> List[Token]:
    """Tokens of one sentence ``text[start:end]`` with the protection flags filled in."""
    if end is None:
        end = len(text)
    raw = [(m.lastgroup or "word", m.start(), m.end()) for m in TOKEN_RE.finditer(text, start, end)]
    shouting: Optional[bool] = None  # is the sentence mostly ALL CAPS? computed only when needed
    toks: List[Token] = []
    prev_end = start
    for idx, (kind, a, b) in enumerate(raw):
        s = text[a:b]
        protected = kind != "word"
        if not protected and s[0].isupper():
            if len(s) > 1 and s.isupper():
                if shouting is None:
                    letters = [text[x:y] for k, x, y in raw if k == "word"]
                    shouting = len(letters) >= 2 and sum(w.isupper() for w in letters) * 10 >= len(letters) * 6
                protected = not shouting
            else:
                protected = not (idx == 0 or _opens(text[prev_end:a]))
        toks.append(Token(a, b, s, s.lower().translate(_APOS_TABLE), kind, protected))
        prev_end = b
    return toks


def _opens(gap: str) -> bool:
    """Does the text between two words open a quotation or a clause (quote, colon, dash)?"""
    g = gap.strip()
    return bool(g) and (g[-1] in OPEN_QUOTES or g[-1] == ":" or g[-1] in "—–")


def count_words(text: str, start: int = 0, end: int | None = None, block: int = 1 << 20) -> int:
    """Number of white-space separated words in ``text[start:end]`` (what the score formula counts),
    read ``block`` characters at a time (each block ends at white space, so no word is cut)."""
    end = len(text) if end is None else end
    n = 0
    while start < end:
        cut = min(start + block, end)
        while cut < end and not text[cut].isspace():
            cut += 1
        n += len(text[start:cut].split())
        start = cut
    return n


class LineIndex:
    """Maps string offsets to 1-based (line, column); a line ends at ``\\n`` (so CRLF counts once).
    The line starts are found on the first lookup, so a text without flags never pays for them."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._starts: Optional[List[int]] = None

    def line_col(self, offset: int) -> Tuple[int, int]:
        if self._starts is None:
            self._starts = [0] + [m.end() for m in re.finditer("\n", self._text)]
        i = bisect_right(self._starts, offset) - 1
        return i + 1, offset - self._starts[i] + 1


# -- the word pass --------------------------------------------------------------------------------
# Words are ASCII letters joined by single apostrophes (' or ’) or hyphens (``WORDS_RE``). Each
# character gets a 5-bit code (a-z: 1-26 in either case, apostrophe 27, hyphen 28, white space 30,
# NUL 31, else 0; 32 more for a capital, taken off once read), and a word of up to WORD_KEY_CHARS
# characters gets an exact 60-bit key: its codes left-aligned in base 32. No code in a word is 0,
# so the key of a shorter word never equals that of a longer one.
WORD_KEY_CHARS = 12
_SPACE = 30  # white space as ``str.split`` reads it
_NUL = 31  # the code of NUL, which joins sentences
_CODES = np.zeros(129, dtype=np.uint8)  # by code point (128: all beyond ASCII); 32 added for a capital
for _c in range(26):
    _CODES[ord("a") + _c], _CODES[ord("A") + _c] = _c + 1, _c + 33
_CODES[[c for c in range(128) if chr(c).isspace()]] = _SPACE
_CODES[ord("'")], _CODES[ord("-")], _CODES[0] = 27, 28, _NUL
_WIDE_SPACES = np.array([c for c in range(128, 0x3001) if chr(c).isspace()], dtype=np.uint32)  # all of them
_KEY_BLOCK = 1 << 17  # words keyed at once (bounded temporaries)
_CHAR_BLOCK = 1 << 20  # characters coded at once


def _classes(text: str) -> np.ndarray:
    """The code of every character of ``text`` (``_CODES``; ``’`` is an apostrophe), a block at a time."""
    ascii_ = text.isascii()
    cp = np.frombuffer(text.encode("ascii") if ascii_ else text.encode("utf-32-le", "surrogatepass"),
                       dtype=np.uint8 if ascii_ else np.uint32)
    out = np.empty(len(cp), dtype=np.uint8)
    for i in range(0, len(cp), _CHAR_BLOCK):
        c = cp[i : i + _CHAR_BLOCK]
        block = out[i : i + _CHAR_BLOCK]
        block[:] = _CODES[np.minimum(c, 128)]
        if not ascii_:
            block[c == 0x2019] = 27
            wide = np.flatnonzero(c > 0x84)
            block[wide[np.isin(c[wide], _WIDE_SPACES)]] = _SPACE
    return out


class Words(Sequence[str]):
    """The words of some sentences, found for all of them at once on their characters' code points.

    ``start``, ``end``: each word's place in ``joined`` (the sentences joined by NUL);
    ``sentence``: its sentence; ``sentence_start``: where each sentence starts in ``joined``;
    ``key``: the exact key of the word read in lower case, -1 for a word longer than
    ``WORD_KEY_CHARS``; ``upper``: does it hold an upper-case letter; ``capital``: does it start
    with one; ``counts``: the white-space separated words of each sentence (``str.split``, what the
    score formula counts). Indexing gives a word as a ``str`` (``’`` read as ``'``), made only
    when asked for.
    """

    def __init__(self, sentences: Sequence[str]) -> None:
        joined = "\0".join(sentences)
        nul_inside = joined.count("\0") != max(len(sentences) - 1, 0)
        if nul_inside:  # a NUL inside a sentence: a space there
            joined = "\0".join(x.replace("\0", " ") for x in sentences)
        self.joined = joined
        code = _classes(joined)
        is_upper = code >= 32
        np.bitwise_and(code, 31, out=code)
        seps = np.flatnonzero(code == _NUL)
        if nul_inside:
            self.counts = np.array([len(x.split()) for x in sentences], dtype=np.int64)
        else:
            blank = code >= _SPACE
            opens = ~blank
            opens[1:] &= blank[:-1]
            self.counts = np.bincount(np.searchsorted(seps, np.flatnonzero(opens)), minlength=len(sentences))
            del blank, opens
        letter = (code > 0) & (code < 27)
        word = letter.copy()  # letters, and a joiner between two letters
        word[1:-1] |= ((code[1:-1] == 27) | (code[1:-1] == 28)) & letter[:-2] & letter[2:]
        edges = np.flatnonzero(np.diff(word, prepend=False, append=False))
        del letter, word
        # (as int32: a batch's text is far shorter than 2**31 characters, and half the memory)
        self.start, self.end = edges[0::2].astype(np.int32), edges[1::2].astype(np.int32)
        self.sentence = np.searchsorted(seps, self.start).astype(np.int64)
        self.sentence_start = np.concatenate([[0], seps + 1]).astype(np.int64) if sentences else np.zeros(0, np.int64)
        self.capital = is_upper[self.start]
        # a word's letters are the only letters between its start and the next word's start
        self.upper = np.logical_or.reduceat(is_upper, self.start) if len(self.start) else np.zeros(0, dtype=bool)
        self.key = _keys(code, self.start, self.end)

    def __len__(self) -> int:
        return len(self.start)

    @property
    def n_sentences(self) -> int:
        return len(self.sentence_start)

    def take(self, sentences: np.ndarray) -> Tuple["Words", Union[np.ndarray, slice]]:
        """The words of the given sentences (indices in order), numbered from 0 in that order (the
        joined text shared, not copied), and which of this pass's words they are (an index for
        arrays that run along them). Taking every sentence gives this pass itself, copying nothing."""
        sentences = np.asarray(sentences, dtype=np.int64)
        if np.array_equal(sentences, np.arange(self.n_sentences)):
            return self, slice(None)
        keep = np.zeros(self.n_sentences, dtype=bool)
        keep[sentences] = True
        w = keep[self.sentence]
        out = object.__new__(Words)
        out.joined = self.joined
        out.start, out.end = self.start[w], self.end[w]
        out.sentence = (np.cumsum(keep) - 1)[self.sentence[w]]
        out.sentence_start, out.counts = self.sentence_start[sentences], self.counts[sentences]
        out.capital, out.upper, out.key = self.capital[w], self.upper[w], self.key[w]
        return out, w

    @overload
    def __getitem__(self, k: int) -> str: ...
    @overload
    def __getitem__(self, k: slice) -> List[str]: ...
    def __getitem__(self, k: Union[int, slice]) -> Union[str, List[str]]:
        if isinstance(k, slice):
            return self.strings(np.arange(len(self))[k])
        return self.joined[self.start[k] : self.end[k]].replace("’", "'")

    def strings(self, ks: np.ndarray) -> List[str]:
        """The words ``ks`` as ``str`` (``’`` read as ``'``), made in one pass."""
        text = self.joined.replace("’", "'")  # one character for one: the offsets hold
        return [text[a:b] for a, b in zip(self.start[ks].tolist(), self.end[ks].tolist())]

    def offsets(self, words: Sequence[int], starts: Sequence[int]) -> List[Tuple[int, int]]:
        """(start, end) of the given words in their texts, where sentence ``j`` starts at ``starts[j]``."""
        k = np.asarray(words, dtype=np.int64)
        shift = np.asarray(starts, dtype=np.int64)[self.sentence[k]] - self.sentence_start[self.sentence[k]]
        return list(zip((self.start[k] + shift).tolist(), (self.end[k] + shift).tolist()))

    def ids(self, index: Dict[str, int], table: Optional[Tuple[np.ndarray, np.ndarray]], missing: int) -> np.ndarray:
        """Vocabulary id of each word read in lower case (``missing`` where unknown); ``table`` is
        :func:`key_table` of the ``index``, or None to look every word up in ``index`` (a few words)."""
        def looked_up(ks: np.ndarray) -> np.ndarray:
            words = map(str.lower, self.strings(ks))
            return np.fromiter(map(index.get, words, repeat(missing)), dtype=np.int64, count=len(ks))

        if table is None:
            return looked_up(np.arange(len(self)))
        keys, values = table
        out = np.full(len(self), missing, dtype=np.int64)
        short = np.flatnonzero(self.key >= 0)
        if len(keys):
            pos = np.minimum(np.searchsorted(keys, self.key[short]), len(keys) - 1)
            out[short] = np.where(keys[pos] == self.key[short], values[pos], missing)
        long = np.flatnonzero(self.key < 0)  # the few words too long for a key
        out[long] = looked_up(long)
        return out


def _keys(code: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """The key of each word ``code[start:end]`` (-1 where longer than ``WORD_KEY_CHARS``)."""
    out = np.full(len(start), -1, dtype=np.int64)
    padded = np.concatenate([code, np.zeros(WORD_KEY_CHARS, dtype=np.uint8)])
    for i in range(0, len(start), _KEY_BLOCK):
        n = (end - start)[i : i + _KEY_BLOCK]
        short = np.flatnonzero(n <= WORD_KEY_CHARS)
        a, n = start[i : i + _KEY_BLOCK][short], n[short]
        key = np.zeros(len(a), dtype=np.int64)
        for j in range(WORD_KEY_CHARS):
            c = padded[a + j].astype(np.int64)
            c[n <= j] = 0
            key |= c << (5 * (WORD_KEY_CHARS - 1 - j))
        out[i + short] = key
    return out


def key_table(index: Dict[str, int]) -> Tuple[np.ndarray, np.ndarray]:
    """The keys of the words of ``index`` that have one (sorted) and their ids, for :meth:`Words.ids`:
    entries that are one lower-case word (``WORDS_RE``, no ``’``) of up to ``WORD_KEY_CHARS``."""
    vocab = list(index)
    words = Words(vocab)
    lengths = np.fromiter(map(len, vocab), dtype=np.int64, count=len(vocab))[words.sentence]
    whole = (words.start == words.sentence_start[words.sentence]) & (words.end - words.start == lengths)
    whole &= (words.key >= 0) & ~words.upper
    if "’" in words.joined:  # read as "'" by the word pass, but not by the dictionary
        whole &= ~np.isin(words.sentence, [j for j, w in enumerate(vocab) if "’" in w])
    keys = words.key[whole]
    ids = np.fromiter(index.values(), dtype=np.int64, count=len(vocab))[words.sentence[whole]]
    order = np.argsort(keys, kind="stable")
    return keys[order], ids[order]


def sentence_words(sentences: Sequence[str]) -> Tuple[List[str], np.ndarray]:
    """The words (``WORDS_RE``, with ``’`` read as ``'``) of each sentence, flattened, and the
    sentence index of each word (:class:`Words`)."""
    words = Words(sentences)
    return words[:], words.sentence


def corpus_words(texts: Iterable[str]) -> Tuple[List[str], np.ndarray, int]:
    """The lower-case words of ``texts`` split into sentences (:func:`sentence_words` over
    ``sentence_spans``), each word's sentence index across all texts, and the number of sentences."""
    words: List[str] = []
    parts: List[np.ndarray] = []
    n = 0
    for t in texts:
        spans = sentence_spans(t)
        ws, sent = sentence_words([t[s.start : s.end] for s in spans])
        words.extend(w.lower() for w in ws)
        parts.append(sent + n)
        n += len(spans)
    return words, (np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)), n
