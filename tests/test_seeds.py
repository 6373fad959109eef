"""Acceptance on the project's seeds and the clean-news corpus (skipped when ../shared is absent)."""

from __future__ import annotations

import json
import re

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
    assert len(r.flags) >= 40
    right = [f for f in r.flags if GOLD_004.get(f.text.lower()) == f.suggestions[0].lower()]
    assert len(right) / len(r.flags) >= 0.9, [(f.text, f.suggestions[0]) for f in r.flags if f not in right]


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
    garbled = []
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
    assert docs == 294
    assert garbled == []
    assert flags * 10_000 <= words, f"{flags} flags in {words} words"
    assert mt_flags * 10_000 <= words, f"{mt_flags} mt flags in {words} words"


def test_machine_translated_seeds_outrank_the_human_ones_on_mt_score(det):
    mt = {prefix: det.check(seed(prefix)).mt_score for prefix in ("000", "001", "002", "003")}
    assert min(mt["001"], mt["003"]) > max(mt["000"], mt["002"]), mt
    leman = [f for f in det.check(seed("001")).flags if f.text == "Leman"]
    assert [(f.kind, f.rule, f.suggestions[0]) for f in leman] == [("mt", "mt:name", "Rehman")]

