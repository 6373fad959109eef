"""British and American spellings of one word ("defence" and "defense", "labour" and "labor",
"organisation" and "organization", "programme" and "program"): both are clean English, so no
flag, suggestion or restoration turns one into the other.

:func:`spelling_key` maps both spellings of a word to one key by the regular differences (-our/-or,
-ise/-ize, -yse/-yze, -ence/-ense, -tre/-ter, -ogue/-og, -mme/-m, a doubled l before a suffix,
ae/oe in Greek and Latin words) and a short list of irregular pairs; :func:`spelling_variants`
says whether two different words share a key. The rules are narrow on purpose (-our only after two
letters, so "four" and "for" stay apart; a doubled l only after a vowel with two letters before it,
so "filled" and "filed" stay apart).

A wire abbreviation and its word ("pct" and "percent", "yrs" and "years", "mln" and "million") are
two spellings too (:func:`abbreviates`): an abbreviation has no vowel and no y past its first letter,
so "act" is never one of "action" nor "fly" of "flying".
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["abbreviates", "spelling_key", "spelling_variants"]

_IRREGULAR = {
    "grey": "gray", "greyer": "grayer", "greys": "grays", "tyre": "tire", "tyres": "tires", "aluminium": "aluminum",
    "cheque": "check", "cheques": "checks", "plough": "plow", "ploughs": "plows", "ploughed": "plowed",
    "mould": "mold", "moulds": "molds", "mouldy": "moldy", "smoulder": "smolder", "storey": "story", "storeys": "stories",
    "kerb": "curb", "draught": "draft", "draughts": "drafts", "pyjamas": "pajamas", "whisky": "whiskey",
    "judgement": "judgment", "judgements": "judgments", "acknowledgement": "acknowledgment", "ageing": "aging",
    "enrol": "enroll", "enrols": "enrolls", "enrolment": "enrollment", "fulfil": "fulfill", "fulfils": "fulfills",
    "fulfilment": "fulfillment", "skilful": "skillful", "wilful": "willful", "instalment": "installment",
    "instil": "instill", "distil": "distill", "artefact": "artifact", "artefacts": "artifacts", "sulphur": "sulfur",
    "moustache": "mustache", "jewellery": "jewelry", "sceptic": "skeptic", "sceptical": "skeptical",
    "scepticism": "skepticism", "sceptics": "skeptics", "manoeuvre": "maneuver", "manoeuvres": "maneuvers",
    "manoeuvred": "maneuvered", "analogue": "analog", "catalogue": "catalog", "gaol": "jail", "mum": "mom",
    "practise": "practice", "practised": "practiced", "practising": "practicing", "licence": "license",
    "licences": "licenses", "offence": "offense", "offences": "offenses", "defence": "defense", "defences": "defenses",
    "pretence": "pretense", "cosy": "cozy", "axe": "ax", "programme": "program", "programmes": "programs",
    "programmed": "programmed", "kilogramme": "kilogram", "dialogue": "dialog", "dialogues": "dialogs",
}

_RULES = [
    (re.compile(r"(?<=[a-z]{2})our(?=(s|ed|ing|ite|ites|able|ably|ful|er|ers|hood|less|ism|ist|ists)?$)"), "or"),
    (re.compile(r"(?<=[a-z]{3})is(?=(e|es|ed|ing|er|ers|ation|ations|able)$)"), "iz"),
    (re.compile(r"(?<=[a-z]{2})ys(?=(e|es|ed|ing|er|ers)$)"), "yz"),
    (re.compile(r"(?<=[a-z]{2})ence(?=s?$)"), "ense"),
    (re.compile(r"(?<=[a-z][bgtv])re(?=s?$)"), "er"),
    (re.compile(r"(?<=[a-z][bgtv])red$"), "ered"),
    (re.compile(r"(?<=[a-z]{2})ogue(?=s?$)"), "og"),
    (re.compile(r"(?<=[a-z]{3})mme(?=s?$)"), "m"),
    (re.compile(r"(?<=[a-z]{2}[aeiou])ll(?=(ed|ing|er|ers|or|ors|ery)$)"), "l"),
    (re.compile(r"(?:^|(?<=[fhmnc]))oe(?=[a-z])"), "e"),
    (re.compile(r"ae(?=[a-z]{2})"), "e"),
]


@lru_cache(maxsize=1 << 16)
def spelling_key(word: str) -> str:
    """One key for the British and the American spelling of ``word`` (lower-cased)."""
    w = word.lower()
    w = _IRREGULAR.get(w, w)
    for pattern, repl in _RULES:
        w = pattern.sub(repl, w)
    return w


def abbreviates(short: str, word: str) -> bool:
    """Whether ``short`` (lower case) is a vowelless abbreviation of ``word``: two to five letters,
    the same first letter, every letter found in ``word`` in order, and ``word`` longer by two or more."""
    if not 2 <= len(short) <= 5 or len(word) < len(short) + 2 or short[0] != word[0] or not short.isalpha():
        return False
    if any(c in "aeiou" for c in short) or "y" in short[1:]:
        return False
    rest = iter(word)
    return all(c in rest for c in short)


def spelling_variants(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are two spellings of one word (of one phrase, word by word), an
    abbreviation of a word included."""
    wa, wb = a.lower().split(), b.lower().split()
    if wa == wb or len(wa) != len(wb):
        return False
    if len(wa) == 1:  # the common case, asked for every candidate of every form: no generator
        return _same_word(wa[0], wb[0])
    return all(map(_same_word, wa, wb))


def _same_word(x: str, y: str) -> bool:
    """Two lower-case spellings of one word, or a word and its abbreviation."""
    return spelling_key(x) == spelling_key(y) or abbreviates(x, y) or abbreviates(y, x)
