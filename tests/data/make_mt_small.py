"""Regenerate mt_small.jsonl: literal "translations" of the documents of clean_small.jsonl.

Each sentence of a clean_small document is rewritten with phrase renderings written for the tests
(the kind of literal choices machine translation makes), and kept beside its original, in the format
of ../shared/corpora/round-trip. Not third-party text.
"""

import json
from pathlib import Path

from garblecheck.text.words import sentence_spans

RENDERINGS = [
    ("said on", "affirmed in the"),
    ("told reporters that", "said to the journalists that"),
    ("Hundreds of residents", "Centenas of inhabitants"),
    ("would reopen after repairs to", "would reopen after the repairs of"),
    ("approved a budget of", "approved an orçamento of"),
    ("expand trade with neighboring countries", "amplify the commerce with the countries neighbours"),
    ("were injured when a bus left the road", "were wounded when an bus abandoned the road"),
    ("its best result in a decade", "its better result in one decade"),
    ("they needed more nurses to cope with", "they needed of more nurses for to face"),
    ("turnout was higher than expected", "the participation was more high than the expected"),
    ("the talks would continue next week", "the conversations would continue in the next week"),
    ("crews worked through the night", "the teams worked during all the night"),
    ("warned that the dry summer had cut", "alerted that the summer dry had cut"),
    ("left interest rates unchanged", "kept the taxes of interest without alteration"),
    ("went on strike", "entered in greve"),
    ("ruled that the contract was valid", "decided that the contract was valid of law"),
    ("searched the hills for", "searched the hills by"),
    ("would resume once the runway had been cleared", "would be resumed when the track was cleaned"),
    ("had shown strong results in early trials", "had shown strong results in the trials initial"),
]


def translate(sentence: str) -> str:
    for plain, literal in RENDERINGS:
        sentence = sentence.replace(plain, literal)
    return sentence


def main() -> None:
    here = Path(__file__).parent
    out = []
    for line in (here / "clean_small.jsonl").read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        text = doc["text"]
        pairs = [{"original": text[s.start : s.end], "roundtrip": translate(text[s.start : s.end])} for s in sentence_spans(text)]
        out.append({"id": f"rt-test-{doc['id']}", "source_id": doc["id"], "source_file": "clean_small.jsonl",
                    "engine": "written renderings (tests/data/make_mt_small.py)", "license": "written for the tests",
                    "text": " ".join(p["roundtrip"] for p in pairs), "sentences": pairs})
    (here / "mt_small.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out), encoding="utf-8")


if __name__ == "__main__":
    main()
