"""The review page: every input escaped, every flag marked, and it renders in a real browser."""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from garblecheck.cli import cli
from garblecheck.review import render

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "corpora" / "examples"
NASTY = ('Officers said <script>alert(1)</script> and "><img src=x onerror=alert(2)> then &amp; &lt;b&gt; '
         "O'Brien's </textarea><!-- x --> tons of people fled final month.")
TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "strong", "table", "thead", "tbody", "tr", "th", "td",
        "button", "a", "section", "details", "summary", "span", "div", "i", "em", "mark", "del", "ins", "br", "ul", "li",
        "script"}
ATTRS = {"lang", "charset", "href", "id", "class", "style", "title", "role", "aria-label", "tabindex", "open", "type"}


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list = []
        self.attrs: list = []
        self.text: list = []
        self.scripts: list = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [k for k, _ in attrs]
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        (self.scripts if self._in_script else self.text).append(data)

    def handle_comment(self, data):
        raise AssertionError(f"a comment got into the page: {data!r}")


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input)


def test_every_piece_of_input_is_escaped(tmp_path: Path):
    rec = {"path": NASTY, "score": 0.9, "mt_score": 0.1, "verdict": "garbled", "threshold": 0.7, "n_words": 20,
           "flags": [{"start": 0, "end": 8, "text": "Officers", "suggestions": ['"><script>x</script>', "Officials"],
                      "kind": "spin", "confidence": 0.9, "rule": "<b>rule</b>", "explanation": "a & b <i>"}]}
    page = render([(NASTY, NASTY, rec), ("error.txt", None, {"path": "e", "verdict": "error", "error": "<img src=y>"})])
    p = Page()
    p.feed(page)
    assert set(p.tags) <= TAGS and set(p.attrs) <= ATTRS
    assert p.tags.count("script") == 1 and "alert" not in "".join(p.scripts)  # only our own sorting script
    text = "".join(p.text)
    assert "<script>alert(1)</script>" in text and '"><img src=x onerror=alert(2)>' in text and "&amp; &lt;b&gt;" in text
    assert '"><script>x</script>' in text and "<b>rule</b>" in text and "a & b <i>" in text and "<img src=y>" in text


def test_the_cli_page_marks_every_flag_and_matches_the_jsonl_route(tmp_path: Path):
    out = tmp_path / "review.html"
    r = run("report", str(EXAMPLES), "-o", str(out))
    assert r.exit_code == 0, r.output
    assert "3 documents" in r.stderr
    page = out.read_text(encoding="utf-8")
    scored = run("score", "--format", "jsonl", str(EXAMPLES))
    recs = [json.loads(line) for line in scored.stdout.splitlines()]
    n_flags = sum(len(x["flags"]) for x in recs)
    assert n_flags > 0 and page.count("<mark class=") == n_flags + 2  # the legend has one of each kind
    for x in recs:
        for f in x["flags"]:
            assert f'<ins>{f["suggestions"][0]}</ins>' in page
    jl = tmp_path / "scores.jsonl"
    jl.write_text(scored.stdout, encoding="utf-8")
    r2 = run("report", "--from-jsonl", str(jl), "-o", str(tmp_path / "again.html"))
    assert r2.exit_code == 0, r2.output
    assert (tmp_path / "again.html").read_text(encoding="utf-8") == page
    assert run("report", "-o", str(tmp_path / "x.html")).exit_code == 2


def test_a_large_run_is_collapsed(tmp_path: Path):
    rec = {"score": 0.1, "mt_score": 0.1, "verdict": "clean", "threshold": 0.7, "n_words": 3, "flags": []}
    page = render([(f"d{k}.txt", "Rain fell today.", rec) for k in range(60)])
    assert page.count("<details open>") == 0 and page.count('<section id="doc-') == 60


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium not installed")
def test_the_page_renders_in_headless_chromium(tmp_path: Path):
    seeds = ROOT.parent / "shared" / "seeds"
    paths = [str(EXAMPLES)] + ([str(seeds)] if seeds.exists() else [])
    out = tmp_path / "review.html"
    assert run("report", *paths, "-o", str(out)).exit_code == 0
    recs = [json.loads(line) for line in run("score", "--format", "jsonl", *paths).stdout.splitlines()]
    dom = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", out.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    p = Page()
    p.feed(dom)
    assert p.tags.count("mark") == sum(len(x["flags"]) for x in recs) + 2
    assert p.tags.count("tr") == len(recs) + 1
    text = "".join(p.text)
    for x in recs:
        assert x["path"] in text
        for f in x["flags"]:
            assert f["suggestions"][0] in text


def test_the_page_leads_with_the_worst_and_opens_the_first_that_needs_a_look():
    def rec(verdict: str, score: float, mt: float = 0.1) -> dict:
        return {"score": score, "mt_score": mt, "verdict": verdict, "threshold": 0.7, "n_words": 3, "flags": []}

    docs = [("clean.txt", "a", rec("clean", 0.3)), ("spun.txt", "b", rec("garbled", 0.8)), ("err.txt", None, rec("error", 0.0)),
            ("worse.txt", "c", rec("garbled", 0.99)), ("mt.txt", "d", rec("mt", 0.2, 0.9))]
    docs += [(f"c{k}.txt", "e", rec("clean", 0.01)) for k in range(60)]  # a large run: collapsed but for the first
    page = render(docs)
    order = [page.index(f'<a href="#doc-{k}">') for k in range(5)]
    assert order == sorted(order)
    names = [page[page.index(f'<a href="#doc-{k}">'):].split(">")[1].split("<")[0] for k in range(5)]
    assert names == ["worse.txt", "mt.txt", "spun.txt", "err.txt", "clean.txt"]
    assert "3 of 65 documents need a look" in page
    assert page.count("<details open>") == 1 and page.index("<details open>") < page.index('<section id="doc-1"')
    assert render([("c.txt", "e", rec("clean", 0.01))] * 60).count("<details open>") == 0  # nothing to look at


def test_the_page_shows_the_spinner_intensity_and_the_stage():
    rec = {"score": 0.9, "mt_score": 0.1, "verdict": "garbled", "threshold": 0.7, "n_words": 3, "flags": [],
           "intensity": 1.234, "stage": 2}
    page = render([("a.txt", "Rain fell.", rec), ("b.txt", "Sun.", {**rec, "verdict": "clean", "intensity": 0.0, "stage": 1})])
    assert "spinner intensity 1.23" in page and "spinner intensity 0.00" in page
    assert page.count("cleared by the first stage") == 1
