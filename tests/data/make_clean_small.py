"""Regenerate clean_small.jsonl: wire-style sentences written for the tests, shuffled with a fixed seed."""

import json
import random
from pathlib import Path

PLACES = ["Halden Bay", "Port Ivory", "Marrow County", "Oskerfjord", "Tallinmoor", "Cape Vessa", "Dunmere", "Roskvale"]
PEOPLE = ["Ingrid Solvang", "Tomas Reyes", "Amira Kader", "Lars Eide", "Nadia Petrov", "Owen Hale", "Mei Tanaka"]
TEMPLATES = [
    "Officials in {p} said on {d} that the harbor would reopen after repairs to two cargo cranes.",
    "The regional council approved a budget of {n} million for new roads and a bridge near {p}.",
    "{q} told reporters that security forces had been sent to the border after an attack last month.",
    "Hundreds of residents gathered outside the town hall to protest against higher water prices.",
    "The prime minister said the government would expand trade with neighboring countries next year.",
    "Police said {n} people were injured when a bus left the road in heavy rain on {d}.",
    "The company reported a profit of {n} million in the first quarter, its best result in a decade.",
    "Doctors at the main hospital in {p} said they needed more nurses to cope with the winter season.",
    "Election officials said turnout was higher than expected, with long lines at polling stations.",
    "{q}, a spokesperson for the ministry, said the talks would continue next week in {p}.",
    "The storm cut power to about {n},000 homes, and crews worked through the night to restore it.",
    "Farmers in {p} warned that the dry summer had cut the wheat harvest by nearly a third.",
    "The central bank left interest rates unchanged and said inflation was likely to ease this year.",
    "Teachers in {p} went on strike on {d}, demanding higher pay and smaller classes.",
    "A court in {p} ruled that the contract was valid and ordered the city to pay the builder.",
    "Rescue teams searched the hills for two climbers who went missing during a snowstorm.",
    "The airline said commercial flights would resume once the runway had been cleared of debris.",
    "Scientists at the university said the new vaccine had shown strong results in early trials.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def main() -> None:
    rng = random.Random(3)
    out = Path(__file__).with_name("clean_small.jsonl")
    with open(out, "w") as fh:
        for i in range(60):
            sents = [t.format(p=rng.choice(PLACES), q=rng.choice(PEOPLE), d=rng.choice(DAYS), n=rng.randint(2, 90))
                     for t in rng.sample(TEMPLATES, 8)]
            doc = {"id": f"t{i:03d}", "title": f"News from {rng.choice(PLACES)}",
                   "text": " ".join(sents[:4]) + "\n\n" + " ".join(sents[4:])}
            fh.write(json.dumps(doc) + "\n")


if __name__ == "__main__":
    main()
