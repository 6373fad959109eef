"""Acceptance on the project's seeds and the clean-news corpus (skipped when ../shared is absent)."""

from __future__ import annotations

import json
import re

import garblecheck
from conftest import seed, shared_file

# Our reconstruction of the wire wording behind each spun phrase of seed 004 (the VOA story).
GOLD_004 = {
    "stressing the necessity": "stressing the need",
    "safety and financial": "security and economic",
    "going through": "facing",
    "each international locations": "both countries",
    "just isn’t": "is not",
    "doing sufficient": "doing enough",
    "assaults": "attacks",
    "being deliberate": "being planned",
    "whereas": "while",
    "informed": "told",
    "current": "recent",
    "assumed workplace": "assumed office",
    "final month": "last month",
    "not approved to": "not authorized to",
    "safety issues": "security concerns",
    "collectively handle": "jointly address",
    "financial and commerce": "economic and trade",
    "commerce": "trade",
    "stays": "remains",
    "stated": "said",
    "touch upon": "comment on",
    "despatched": "sent",
    "instantly": "immediately",
    "has skilled": "has experienced",
    "reclaimed energy": "reclaimed power",
    "years in the past": "years ago",
    "practically": "nearly",
    "international army": "foreign military",
    "officers": "officials",
    "maneuver to": "move to",
    "more and more lethal": "increasingly deadly",
    "safety": "security",
    "tons of": "hundreds of",
    "tons of of": "hundreds of",
    "troopers": "soldiers",
    "virtually each day": "almost daily",
    "final yr": "last year",
    "preventing for": "fighting for",
    "international locations": "countries",
    "keep away from": "avoid",
    "inside safety": "internal security",
    "final week": "last week",
    "the opportunity of": "the possibility of",
    "army motion": "military action",
    "strikes towards": "strikes against",
    "we imagine": "we believe",
    "motion": "action",
    "declining to debate": "declining to discuss",
    "operational particulars": "operational details",
    "a listing of": "a list of",
    "claimed accountability": "claimed responsibility",
    "closely armed": "heavily armed",
    "participated within the": "participated in the",
    "focus and motion": "concentration and movement",
    "throughout the raid": "during the raid",
    "shut": "close",
    "worldwide terrorist": "global terrorist",
    "newest": "latest",
    "at the very least": "at least",
    "round": "around",
    "data minister": "information minister",
    "facet of the border": "side of the border",
    "important losses": "significant losses",
    "lively": "active",
    "closely depends": "heavily depends",
    "industrial truck": "commercial truck",
    "safety and terrorism": "security and terrorism",
    "autos and vacationers": "vehicles and travelers",
    "obtained assurances": "received assurances",
    "for use for": "to be used for",
    "assaults towards": "attacks against",
}


def test_seed_004_flags_and_top_suggestions(det):
    text = seed("004")
    r = det.check(text)
    assert r.verdict == "garbled" and r.score >= 0.9
    lexicon = [f for f in r.flags if f.rule.startswith("lexicon:")]
    assert len(lexicon) >= 40
    right = [f for f in lexicon if GOLD_004.get(f.text.lower()) == f.suggestions[0].lower()]
    assert len(right) / len(lexicon) >= 0.9, [(f.text, f.suggestions[0]) for f in lexicon if f not in right]
    assert r.decoded and any(f.rule == "channel:word" for f in r.flags)


# (spun wording in its context on the page, the wire wording we reconstruct), in page order; the
# title-case headline is left out (title-case words read as names and are never rewritten)
SPUN_004 = [
    ("the necessity to handle", "the need to address"),
    ("the safety and financial challenges", "the security and economic challenges"),
    ("challenges going through each international locations", "challenges facing both countries"),
    ("Kabul just isn’t doing sufficient to forestall", "Kabul is not doing enough to prevent"),
    ("“terrorist” assaults being deliberate", "“terrorist” attacks being planned"),
    ("Whereas discussing", "While discussing"),
    ("official informed VOA", "official told VOA"),
    ("for his current “felicitation", "for his recent “felicitation"),
    ("assumed workplace final month", "assumed office last month"),
    ("not approved to talk", "not authorized to speak"),
    ("publicly, stated that", "publicly, said that"),
    ("“our safety issues”", "“our security concerns”"),
    ("underlined the necessity to collectively handle them to permit each international locations",
     "underlined the need to jointly address them to allow both countries"),
    ("increase financial and commerce cooperation", "increase economic and trade cooperation"),
    ("regional commerce and connectivity stays", "regional trade and connectivity remains"),
    ("We should work", "We must work"),
    ("these shared targets", "these shared goals"),
    ("Pakistani data minister for touch upon", "Pakistani information minister for comment on"),
    ("letter despatched", "letter sent"),
    ("prime minister however didn’t", "prime minister but didn’t"),
    ("response instantly", "response immediately"),
    ("Pakistan has skilled", "Pakistan has experienced"),
    ("violence because the Taliban reclaimed energy two years in the past", "violence since the Taliban reclaimed power two years ago"),
    ("after practically 20 years of international army involvement within the South",
     "after nearly 20 years of foreign military involvement in the South"),
    ("Officers in Islamabad", "Officials in Islamabad"),
    ("takeover inspired fugitive", "takeover emboldened fugitive"),
    ("to maneuver to the Afghan facet", "to move to the Afghan side"),
    ("more and more lethal assaults", "increasingly deadly attacks"),
    ("“larger operational freedom” towards Pakistani safety forces", "“greater operational freedom” against Pakistani security forces"),
    ("Tons of of Pakistanis, largely police and troopers", "Hundreds of Pakistanis, mostly police and soldiers"),
    ("virtually each day assaults", "almost daily attacks"),
    ("insurgents within the final yr", "insurgents in the last year"),
    ("have been preventing for", "have been fighting for"),
    ("soil is getting used to threaten different international locations, together with",
     "soil is being used to threaten other countries, including"),
    ("to keep away from blaming", "to avoid blaming"),
    ("its inside safety challenges", "its internal security challenges"),
    ("Talking to VOA final week", "Speaking to VOA last week"),
    ("the opportunity of cross-border army motion", "the possibility of cross-border military action"),
    ("drone strikes towards", "drone strikes against"),
    ("we imagine that motion", "we believe that action"),
    ("to guard our territory", "to protect our territory"),
    ("the prime minister stated, declining to debate operational particulars",
     "the prime minister said, declining to discuss operational details"),
    ("Pakistani officers say", "Pakistani officials say"),
    ("a listing of", "a list of"),
    ("launching current cross-border “terrorist” assaults, together with", "launching recent cross-border “terrorist” attacks, including"),
    ("safety outposts within the northern", "security outposts in the northern"),
    ("claimed accountability", "claimed responsibility"),
    ("the assault that the Pakistani military stated had killed 4 troopers", "the attack that the Pakistani military said had killed 4 soldiers"),
    ("Pakistani safety official", "Pakistani security official"),
    ("anonymity informed VOA that round 1,000 closely armed militants, together with",
     "anonymity told VOA that around 1,000 heavily armed militants, including"),
    ("participated within the cross-border Chitral assault", "participated in the cross-border Chitral attack"),
    ("He stated that if the Pakistani army", "He said that if the Pakistani military"),
    ("“focus and motion”", "“concentration and movement”"),
    ("Afghan facet beforehand, they’d have confronted important losses throughout the raid",
     "Afghan side in advance, they’d have faced significant losses during the raid"),
    ("also called", "also known as"),
    ("shut ally", "close ally"),
    ("as a worldwide terrorist", "as a global terrorist"),
    ("its newest report that at the very least", "its latest report that at least"),
    ("are lively in", "are active in"),
    ("closely depends", "heavily depends"),
    ("to conduct commerce with different international locations", "to conduct trade with other countries"),
    ("a essential Afghan", "a key Afghan"),
    ("industrial truck", "commercial truck"),
    ("safety and terrorism issues", "security and terrorism concerns"),
    ("autos and vacationers", "vehicles and travelers"),
    ("after officers stated they’d obtained assurances", "after officials said they’d received assurances"),
    ("not permit Afghan soil for use for terrorist assaults towards",
     "not allow Afghan soil to be used for terrorist attacks against"),
]


def _restored_units(text: str, restored: str):
    """Each replaced run of words in SPUN_004 (a unit) and whether the restored text has the wire
    wording there, checked with the neighbouring words on each side."""
    import difflib

    words = lambda s: re.findall(r"[\w’'-]+", s)  # noqa: E731
    out = []
    for spun, wire in SPUN_004:
        assert spun in text, spun
        a, b = words(spun), words(wire)
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
            if tag != "equal":
                around = b[max(0, j1 - 1) : j2 + 1]
                out.append((" ".join(a[i1:i2]), " ".join(b[j1:j2]),
                            re.search(r"\W+".join(map(re.escape, around)), restored) is not None))
    return out


def test_seed_004_restoration_brings_back_most_spun_words(det):
    text = seed("004")
    units = _restored_units(text, det.restore(text))
    assert len(units) >= 100
    share = sum(ok for *_, ok in units) / len(units)
    # measured 0.77 (the aim is 0.85); this guards against falling back
    assert share >= 0.74, [(s, w) for s, w, ok in units if not ok]


def test_seed_004_restoration_leaves_names_numbers_and_idioms(det):
    text = seed("004")
    restored = det.restore(text)
    for phrase in ("bear the brunt", "felicitation message", "Anwaar-ul-Haq Kakar", "Tehrik-i-Taliban Pakistan",
                   "1,000", "4,000", "12 assailants", "Khyber Pakhtunkhwa", "Torkham"):
        assert phrase in restored, phrase
    numbers = lambda t: re.findall(r"\d[\d,.]*", t)  # noqa: E731
    assert numbers(restored) == numbers(text)
    # every capitalised word inside a sentence (a name) survives in order
    names = lambda t: re.findall(r"(?<=[a-z,] )[A-Z][\w’'-]+", t)  # noqa: E731
    assert names(restored) == names(text)
    for wire in ("security forces", "last month", "Hundreds of Pakistanis", "told VOA", "both countries",
                 "assumed office", "Officials in Islamabad", "heavily armed"):
        assert wire in restored, wire


def test_clean_seeds_are_clean(det):
    for prefix in ("000", "002"):
        r = det.check(seed(prefix))
        assert r.verdict == "clean", prefix
        assert len(r.flags) * 10_000 <= r.n_words, (prefix, [f.text for f in r.flags])


def test_clean_news_2019_2020_false_flag_rates_all_and_mt(det):
    path = shared_file("corpora", "clean-news", "wikinews-2019-2020.jsonl")
    words = flags = mt_flags = docs = 0
    garbled, called_mt = [], []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            r = det.check(d["text"])
            docs += 1
            words += r.n_words
            flags += len(r.flags)
            mt_flags += sum(f.kind == "mt" for f in r.flags)
            if r.verdict != "clean":
                garbled.append(d["id"])
            if r.verdict == "mt":
                called_mt.append(d["id"])
    assert docs == 294
    # the spin threshold allows 0.5% false positives on clean calibration pages (here an
    # out-of-domain science story); the mt threshold is set for one clean page in 10,000
    assert len(garbled) <= 0.011 * docs, garbled
    assert not called_mt
    assert flags * 10_000 <= words, f"{flags} flags in {words} words"
    assert mt_flags * 10_000 <= words, f"{mt_flags} mt flags in {words} words"


def test_machine_translated_seeds_outrank_the_human_ones_on_mt_score(det):
    full = garblecheck.Detector(full=True)  # a page stage 1 clears has no mt_score
    mt = {prefix: full.check(seed(prefix)).mt_score for prefix in ("000", "001", "002", "003")}
    assert min(mt["001"], mt["003"]) > max(mt["000"], mt["002"]), mt
    leman = [f for f in det.check(seed("001")).flags if f.text == "Leman"]
    assert [(f.kind, f.rule, f.suggestions[0]) for f in leman] == [("mt", "mt:name", "Rehman")]



def test_restore_changes_at_most_one_word_in_10000_of_clean_news(det):
    from garblecheck.decoding.changes import plan_changes

    path = shared_file("corpora", "clean-news", "wikinews-2019-2020.jsonl")
    texts = [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
    reports = det.check_many(texts, decode=True)
    words = sum(r.n_words for r in reports)
    changes = [(c.before, c.after) for t, r in zip(texts, reports) for c in plan_changes(t, r.flags)]
    assert len(changes) * 10_000 <= words, changes
