"""The review page: one self-contained HTML file of what garblecheck found and restored.

Built from the same report records ``score --format jsonl`` writes (:meth:`Report.to_dict` plus
``path``), and the text of each document where it can be read: a summary table (sortable with a
little inline script, readable without it), then per document its verdict, ``score`` and
``mt_score`` drawn against their thresholds, the text with every flag marked (the form struck
through, the suggestion inserted, the rule, confidence and other suggestions on hover or focus)
and the restored text. No external requests; every piece of input is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from .verdict.report import Flag
from .decoding.changes import apply_changes, plan_changes

__all__ = ["render", "OPEN_UP_TO"]

OPEN_UP_TO = 50  # documents shown open; in a larger run each opens on demand

_CSS = """
body{font:15px/1.5 system-ui,sans-serif;margin:1.5em auto;max-width:60em;padding:0 1em;color:#222}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ccc;padding:.2em .5em;text-align:left}
th button{font:inherit;font-weight:bold;background:none;border:0;cursor:pointer;padding:0}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.verdict{font-weight:bold;padding:0 .3em;border:1px solid}
.v-garbled{color:#a00}.v-mt{color:#05a}.v-clean{color:#070}.v-error{color:#666}
.lbl{display:inline-block;width:5.5em}
.bar{display:inline-block;position:relative;width:12em;height:.8em;border:1px solid #555;vertical-align:middle}
.bar span{display:block;height:100%;background:#888}.bar i{position:absolute;top:-.25em;bottom:-.25em;border-left:2px solid #000}
.text{white-space:pre-wrap;border:1px solid #ddd;padding:.8em;background:#fcfcfc}
mark{background:none;position:relative;text-decoration-thickness:2px;text-underline-offset:3px}
mark.spin{text-decoration-line:underline;text-decoration-style:wavy;text-decoration-color:#c00}
mark.mt{text-decoration-line:underline;text-decoration-style:dashed;text-decoration-color:#05a}
mark.spin::before{content:"\\2731";font-size:.7em;color:#c00;vertical-align:super}
mark.mt::before{content:"\\2020";font-size:.8em;color:#05a;vertical-align:super}
mark del{color:#777}mark ins{text-decoration:none;font-weight:bold;margin-left:.2em}
mark .tip{display:none;position:absolute;left:0;top:1.6em;z-index:2;background:#fff;border:1px solid #333;padding:.3em .5em;
 white-space:normal;width:22em;font-size:.85em;box-shadow:0 2px 6px #0003}
mark:hover .tip,mark:focus .tip,mark:focus-within .tip{display:block}
mark:focus{outline:2px solid #000}
details>summary{cursor:pointer}
@media print{mark .tip{display:none}.bar{border-color:#000}details{display:block}details>*{display:block}}
"""

_JS = """
document.querySelectorAll('th button').forEach(function(b,col){b.addEventListener('click',function(){
 var t=b.closest('table'),body=t.tBodies[0],rows=Array.prototype.slice.call(body.rows),d=b.dataset.dir=b.dataset.dir==='a'?'d':'a';
 rows.sort(function(x,y){var p=x.cells[col].dataset.v||x.cells[col].textContent,q=y.cells[col].dataset.v||y.cells[col].textContent;
  var a=parseFloat(p),c=parseFloat(q),r=(isNaN(a)||isNaN(c))?p.localeCompare(q):a-c;return d==='a'?r:-r;});
 rows.forEach(function(r){body.appendChild(r);});});});
"""


def _bar(label: str, value: Optional[float], threshold: Optional[float]) -> str:
    if value is None:
        return f'<div><span class="lbl">{label}</span> <em>none</em></div>'
    mark = f'<i style="left:{100 * threshold:.1f}%" title="threshold {threshold:.3f}"></i>' if threshold is not None else ""
    past = threshold is not None and value >= threshold
    return (f'<div><span class="lbl">{label}</span> <span class="bar" role="img" aria-label="{label} {value:.3f}'
            f'{f" against threshold {threshold:.3f}" if threshold is not None else ""}">'
            f'<span style="width:{100 * value:.1f}%"></span>{mark}</span> {value:.3f}'
            f'{" (past its threshold)" if past else ""}</div>')


def _flag_html(text: str, f: Dict[str, Any]) -> str:
    suggestions = [str(s) for s in f.get("suggestions") or ()]
    first = suggestions[0] if suggestions else ""
    tip = [f"rule {f.get('rule', '')}", f"confidence {float(f.get('confidence', 0.0)):.2f}"]
    if f.get("explanation"):
        tip.append(str(f["explanation"]))
    if len(suggestions) > 1:
        tip.append("other suggestions: " + ", ".join(suggestions[1:]))
    kind = "mt" if f.get("kind") == "mt" else "spin"
    label = f"{kind} flag: {text} — suggested {first}" if first else f"{kind} flag: {text}"
    return (f'<mark class="{kind}" tabindex="0" aria-label="{escape(label)}"><del>{escape(text)}</del>'
            + (f"<ins>{escape(first)}</ins>" if first else "")
            + f'<span class="tip">{"<br>".join(escape(t) for t in tip)}</span></mark>')


def _marked(text: str, flags: Sequence[Dict[str, Any]]) -> str:
    out: List[str] = []
    pos = 0
    for f in sorted(flags, key=lambda f: (int(f["start"]), int(f["end"]))):
        a, b = int(f["start"]), int(f["end"])
        if a < pos or b > len(text) or text[a:b] != f.get("text"):
            continue  # a flag that does not point at this text (or overlaps one shown) is listed only
        out.append(escape(text[pos:a]))
        out.append(_flag_html(text[a:b], f))
        pos = b
    out.append(escape(text[pos:]))
    return "".join(out)


def _restored(text: str, flags: Sequence[Dict[str, Any]]) -> str:
    objs = [Flag(**{k: (tuple(v) if k == "suggestions" else v) for k, v in f.items() if k in Flag.__dataclass_fields__})
            for f in flags]
    return apply_changes(text, plan_changes(text, objs))


def _document(k: int, path: str, text: Optional[str], rec: Dict[str, Any], mt_threshold: Optional[float], open_: bool) -> str:
    verdict = str(rec.get("verdict", ""))
    flags = list(rec.get("flags") or ())
    head = (f'<summary><h2 style="display:inline;font-size:1.1em">{escape(path)}</h2> '
            f'<span class="verdict v-{escape(verdict)}">{escape(verdict)}</span></summary>')
    if verdict == "error":
        body = f"<p>error: {escape(str(rec.get('error', '')))}</p>"
    else:
        rate = rec.get("intensity")
        body = (_bar("score", rec.get("score"), rec.get("threshold")) + _bar("mt_score", rec.get("mt_score"), mt_threshold)
                + f"<p>{len(flags)} flags, {int(rec.get('n_words', 0))} words"
                + ("" if rate is None else f"; spinner intensity {float(rate):.2f} (1: a typical real spun page, 0: untouched)")
                + (", cleared by the first stage" if rec.get("stage") == 1 else "") + "</p>")
        if text is None:
            body += "<p><em>The text could not be read; the flags:</em></p><ul>" + "".join(
                f"<li>{escape(str(f.get('text', '')))} ==&gt; {escape(str((f.get('suggestions') or [''])[0]))} "
                f"[{escape(str(f.get('rule', '')))}]</li>" for f in flags) + "</ul>"
        else:
            body += f'<div class="text">{_marked(text, flags)}</div>'
            restored = _restored(text, flags)
            if restored != text:
                body += f'<details><summary>Restored text</summary><div class="text">{escape(restored)}</div></details>'
    return f'<section id="doc-{k}"><details{" open" if open_ else ""}>{head}{body}</details></section>'


NEEDS_A_LOOK = ("garbled", "mt")
_ORDER = {"garbled": 0, "mt": 0, "error": 1}  # then clean


def _worst_first(rec: Dict[str, Any]) -> Tuple[int, float]:
    """Sort key: garbled and mt pages first, then errors, then clean ones; higher scores first."""
    scores = [x for x in (rec.get("score"), rec.get("mt_score")) if isinstance(x, (int, float))]
    return _ORDER.get(str(rec.get("verdict", "")), 2), -max(scores, default=0.0)


def render(documents: Iterable[Tuple[str, Optional[str], Dict[str, Any]]], mt_threshold: Optional[float] = None,
           title: str = "garblecheck review") -> str:
    """The review page for ``(path, text or None, report record)`` triples, worst first: garbled
    and ``mt`` pages by their higher score, then errors, then clean pages; the first page that
    needs a look is open (all are, in a small run)."""
    docs = sorted(documents, key=lambda d: _worst_first(d[2]))
    look = sum(str(rec.get("verdict", "")) in NEEDS_A_LOOK for _, _, rec in docs)
    open_all = len(docs) <= OPEN_UP_TO
    rows = []
    for k, (path, _, rec) in enumerate(docs):
        score, mt = rec.get("score"), rec.get("mt_score")
        rows.append(
            f'<tr><td><a href="#doc-{k}">{escape(path)}</a></td><td>{escape(str(rec.get("verdict", "")))}</td>'
            f'<td class="n">{"" if score is None else f"{score:.3f}"}</td><td class="n">{"" if mt is None else f"{mt:.3f}"}</td>'
            f'<td class="n">{len(rec.get("flags") or ())}</td><td class="n">{int(rec.get("n_words", 0))}</td></tr>')
    counts: Dict[str, int] = {}
    for _, _, rec in docs:
        counts[str(rec.get("verdict", ""))] = counts.get(str(rec.get("verdict", "")), 0) + 1
    summary = ", ".join(f"{n} {escape(v)}" for v, n in sorted(counts.items()))
    head = "".join(f"<th><button type=\"button\">{h}</button></th>" for h in ("path", "verdict", "score", "mt_score", "flags", "words"))
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
            f"<h1>{escape(title)}</h1><p><strong>{look} of {len(docs)} documents need a look</strong> "
            f"(garbled or machine-translated), listed first, worst first.</p><p>{len(docs)} documents: {summary}. Flags: "
            "<mark class=\"spin\">spun wording</mark> and <mark class=\"mt\">machine translation</mark>; "
            "the suggestion follows the struck-through form.</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            + "".join(_document(k, p, t, r, mt_threshold, open_all or (k == 0 and look > 0)) for k, (p, t, r) in enumerate(docs))
            + f"<script>{_JS}</script></body></html>\n")
