"""Command line: ``garblecheck score`` and ``garblecheck restore``.

Exit codes: 0 nothing garbled, 1 at least one document garbled, 2 usage error or an unreadable
input (the other inputs are still processed).
"""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, TextIO

import click

from . import __version__
from .io import DEFAULT_INCLUDE, MAX_BYTES, InputError, iter_inputs, read_input

EXIT_CLEAN, EXIT_GARBLED, EXIT_ERROR = 0, 1, 2


def _engine_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Options every command that builds a Detector shares."""
    opts = [
        click.option("--model", "model_dir", type=click.Path(file_okay=False), default=None,
                     help="Model folder (default: the shipped model in trained/)."),
        click.option("--no-model", is_flag=True, help="Score with the lexicon alone."),
        click.option("--lexicon", "lexicons", multiple=True, type=click.Path(exists=True, dir_okay=True),
                     help="Extra lexicon .tsv file or folder (repeatable); its entries override shipped ones."),
        click.option("--no-default-lexicon", is_flag=True, help="Use only the --lexicon files."),
        click.option("--ignore", "ignore", multiple=True, metavar="PHRASE",
                     help="Never flag this spun phrase (repeatable)."),
        click.option("--ignore-file", "ignore_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
                     help="File of phrases to ignore, one a line (# comments)."),
        click.option("--threshold", type=click.FloatRange(0.0, 1.0), default=None,
                     help="Score at or above which a document is garbled (default 0.5)."),
        click.option("--max-bytes", type=click.IntRange(1), default=MAX_BYTES, show_default=True,
                     help="Refuse inputs larger than this."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def _detector(model_dir: Optional[str], no_model: bool, lexicons: Sequence[str], no_default_lexicon: bool,
              ignore: Sequence[str], ignore_files: Sequence[str], threshold: Optional[float]) -> Any:
    from .detector import Detector
    from .lexicon import LexiconError, read_ignore_file
    from .model import ModelError

    if model_dir and no_model:
        raise click.UsageError("--model and --no-model do not go together")
    try:
        phrases = list(ignore)
        for f in ignore_files:
            phrases += read_ignore_file(f)
        return Detector(model=None if no_model else (model_dir or "default"), lexicons=lexicons, ignore=phrases,
                        default_lexicon=not no_default_lexicon, threshold=threshold)
    except LexiconError as e:
        raise click.UsageError(str(e)) from None
    except ModelError as e:
        _err(str(e))
        sys.exit(EXIT_ERROR)


def _err(msg: str) -> None:
    click.echo(f"garblecheck: {msg}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="garblecheck")
def cli() -> None:
    """Find text mangled by article spinners or machine translation, and restore it."""


def _error_record(path: str, reason: str) -> Dict[str, Any]:
    return {"path": path, "score": 0.0, "verdict": "error", "error": reason, "flags": [], "sentences": []}


def _summary(report: Any) -> Dict[str, Any]:
    """What the text format prints: the report without its per-sentence scores."""
    return {"score": report.score, "spin_score": report.spin_score, "verdict": report.verdict,
            "n_words": report.n_words, "flags": [f.to_dict() for f in report.flags]}


def _text_lines(rec: Dict[str, Any], quiet: bool) -> Iterable[str]:
    path = rec["path"]
    if rec["verdict"] == "error":
        yield f"{path}: error: {rec['error']}"
        return
    if not quiet:
        for f in rec["flags"]:
            orig = f["suggestions"][0] if f["suggestions"] else "?"
            yield f"{path}:{f['line']}:{f['col']}: {f['text']} ==> {orig} [{f['rule']}]"
    spin = "" if rec.get("spin_score") is None else f", spin {rec['spin_score']:.3f}"
    yield (f"{path}: score {rec['score']:.3f} {rec['verdict']} "
           f"({len(rec['flags'])} flags, {rec.get('n_words', 0)} words{spin})")


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl"]), default="text", show_default=True)
@click.option("--include", multiple=True, metavar="GLOB",
              help=f"Files to read inside folders (repeatable; default {' '.join(DEFAULT_INCLUDE)}).")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Files or paths to skip (repeatable).")
@click.option("--quiet", "-q", is_flag=True, help="Text format: only the summary line of each document.")
@_engine_options
def score(paths: Sequence[str], fmt: str, include: Sequence[str], exclude: Sequence[str], quiet: bool,
          max_bytes: int, **engine: Any) -> None:
    """Score files, folders (recursively) or standard input (-)."""
    det = _detector(**engine)
    status = EXIT_CLEAN
    collected: List[Dict[str, Any]] = []
    out: TextIO = sys.stdout
    for item in iter_inputs(paths, include or DEFAULT_INCLUDE, exclude):
        if isinstance(item, InputError):
            rec = _error_record(item.path, item.reason)
        else:
            try:
                doc = read_input(item, max_bytes)
            except InputError as e:
                rec = _error_record(item, e.reason)
            else:
                if doc.warning:
                    _err(doc.warning)
                report = det.check(doc.text)
                rec = {"path": item, **(report.to_dict() if fmt != "text" else _summary(report)), "error": None}
        if rec["verdict"] == "error":
            status = EXIT_ERROR
            if fmt != "text":
                _err(f"{rec['path']}: {rec['error']}")
        elif rec["verdict"] != "clean" and status == EXIT_CLEAN:
            status = EXIT_GARBLED
        if fmt == "json":
            collected.append(rec)
        elif fmt == "jsonl":
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
        else:
            for line in _text_lines(rec, quiet):
                (sys.stderr if rec["verdict"] == "error" else out).write(line + "\n")
    if fmt == "json":
        out.write(json.dumps(collected, ensure_ascii=False, indent=2) + "\n")
    out.flush()
    sys.exit(status)


@cli.command()
@click.argument("path")
@click.option("--diff", is_flag=True, help="Print a unified diff instead of the restored text.")
@click.option("--write", "-w", is_flag=True, help="Rewrite the file in place (atomically, mode kept).")
@_engine_options
def restore(path: str, diff: bool, write: bool, max_bytes: int, **engine: Any) -> None:
    """Print PATH (or - for standard input) with spun phrases restored.

    Exits 1 if the document was garbled, as `score` would.
    """
    if write and path == "-":
        raise click.UsageError("--write needs a file, not standard input")
    if write and diff:
        raise click.UsageError("--write and --diff do not go together")
    det = _detector(**engine)
    try:
        doc = read_input(path, max_bytes)
    except InputError as e:
        _err(str(e))
        sys.exit(EXIT_ERROR)
    if doc.warning:
        _err(doc.warning)
    report = det.check(doc.text)
    restored, _ = det.restore_and_explain(doc.text, report)
    out = sys.stdout
    if write:
        if restored != doc.text:
            from .io import atomic_write_bytes

            try:
                atomic_write_bytes(path, doc.encode(restored))
            except OSError as e:
                _err(f"{path}: cannot write: {e.strerror or e}")
                sys.exit(EXIT_ERROR)
            _err(f"{path}: restored")
    elif diff:
        name = "stdin" if path == "-" else path
        out.writelines(difflib.unified_diff(doc.text.splitlines(True), restored.splitlines(True),
                                            f"a/{name}", f"b/{name}"))
    else:
        out.write(restored)
    out.flush()
    sys.exit(EXIT_GARBLED if report.garbled else EXIT_CLEAN)


@cli.command()
@click.option("--clean", multiple=True, required=True, type=click.Path(exists=True),
              help="Clean corpus: JSONL with a text field, or a folder of .txt (repeatable).")
@click.option("--garbled", multiple=True, type=click.Path(exists=True),
              help="Real garbled documents (repeatable); used as positives for the document stacker.")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Model folder to write.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--max-train-docs", type=click.IntRange(1), default=None, help="Cap on training documents.")
def train(clean: Sequence[str], garbled: Sequence[str], out: str, seed: int, max_train_docs: Optional[int]) -> None:
    """Train the n-gram classifier and document stacker; write weights.npz and manifest.json to OUT."""
    from .train import TrainConfig, train as run_train

    cfg = TrainConfig(seed=seed)
    if max_train_docs:
        cfg.max_train_docs = max_train_docs
    manifest = run_train(clean, out, garbled=garbled, cfg=cfg, log=_err)
    for name, m in manifest["metrics"].items():
        click.echo(_metrics_line(name, m))
    click.echo(f"model written to {out} (weights sha256 {manifest['weights_sha256'][:16]}...)")


def _fmt(x: Any) -> str:
    return "n/a" if x is None else f"{x:.4f}"


def _metrics_line(name: str, m: Dict[str, Any]) -> str:
    d = m["documents"]
    s = m.get("sentences")
    line = (f"{name}: documents AUC {_fmt(d['roc_auc'])} precision {_fmt(d['precision'])} recall {_fmt(d['recall'])} "
            f"FPR {_fmt(d['fpr'])}")
    if s:
        line += f"; sentences AUC {_fmt(s['roc_auc'])}"
    return line


@cli.command(name="eval")
@click.option("--clean", multiple=True, required=True, type=click.Path(exists=True),
              help="Clean documents (JSONL or folder of .txt). Documents a model was trained on are left out.")
@click.option("--garbled", multiple=True, type=click.Path(exists=True), help="Real garbled documents.")
@click.option("--simulate", type=click.Choice(["heldout", "train", "none"]), default="heldout", show_default=True,
              help="Also spin each clean document with held-out or training substitutions.")
@click.option("--density", type=click.FloatRange(0.0, 1.0), default=0.10, show_default=True)
@click.option("--max-docs", type=click.IntRange(1), default=None, help="Cap on clean documents.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@_engine_options
def evaluate(clean: Sequence[str], garbled: Sequence[str], simulate: str, density: float, max_docs: Optional[int],
             fmt: str, seed: int, max_bytes: int, **engine: Any) -> None:
    """Document and sentence ROC AUC, precision, recall, FPR and a confusion table."""
    import random

    from .synth import Spinner, Thesaurus
    from .train import evaluate as run_eval, read_corpus, split_of

    det = _detector(**engine)
    docs, files = read_corpus(clean, warn=_err)
    gdocs, _ = read_corpus(garbled, warn=_err) if garbled else ([], [])
    manifest = det.spin_model.manifest if det.spin_model is not None else {}
    training = manifest.get("training", {})
    trained_on = {f["sha256"] for f in training.get("clean_files", [])}
    model_seed = int(training.get("seed", seed))
    fmap = {f["path"]: f["sha256"] for f in files}
    docs = [d for d in docs if fmap.get(Path(d.source).name) not in trained_on or split_of(d.id, model_seed) == 0]
    docs.sort(key=lambda d: d.id)
    if max_docs:
        docs = docs[:max_docs]
    spinner = None
    if simulate != "none":
        from .lexicon import Lexicon

        spinner = Spinner(Thesaurus.load(lexicon=Lexicon.load()), simulate, model_seed)
    result = run_eval(det, docs, spinner, density, random.Random(seed), garbled=gdocs)
    result["clean_documents"] = len(docs)
    result["threshold"] = det.threshold_
    if fmt == "json":
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(f"clean documents: {len(docs)} (never trained on), garbled: {len(gdocs)}, simulate: {simulate} "
               f"at density {density}, threshold {det.threshold_:.3f}")
    click.echo(_metrics_line("result", result))
    for level in ("documents", "sentences"):
        m = result.get(level)
        if m:
            c = m["confusion"]
            click.echo(f"{level:10s} tp {c['tp']:6d}  fp {c['fp']:6d}  fn {c['fn']:6d}  tn {c['tn']:6d}  "
                       f"brier {m['brier']:.4f}")
    fl = result.get("flags")
    if fl:
        click.echo(f"flags: precision {_fmt(fl['precision'])} recall {_fmt(fl['recall'])} of {fl['substitutions']} "
                   f"substitutions, top suggestion right {_fmt(fl['top_suggestion'])}, "
                   f"{_fmt(fl['clean_false_per_10k_words'])} false flags per 10,000 clean words")
        for rule, v in fl["by_rule"].items():
            click.echo(f"  {rule:8s} {v['flags']:6d} flags, precision {v['precision']:.4f}, "
                       f"top suggestion right {v['top_correct']}/{v['true']}")
    click.echo("reliability (documents): " + ", ".join(
        f"{r['bin']}: n={r['n']} pred={r['predicted']:.2f} obs={r['observed']:.2f}" for r in result["reliability"]))


@cli.group()
def lexicon() -> None:
    """Grow, count and check substitution lexicons (the TSV format of corpora/lexicon/README.md)."""


@lexicon.command()
@click.argument("original")
@click.argument("spun")
@click.option("--kind", type=click.Choice(["spin", "mt"]), default="spin", show_default=True)
@click.option("--max-words", type=click.IntRange(1, 8), default=4, show_default=True,
              help="Longest phrase, in words, on either side of a pair.")
@click.option("--all", "show_all", is_flag=True, help="Also print pairs the shipped lexicon already has.")
@click.option("--max-bytes", type=click.IntRange(1), default=MAX_BYTES, show_default=True)
def mine(original: str, spun: str, kind: str, max_words: int, show_all: bool, max_bytes: int) -> None:
    """Align ORIGINAL and SPUN, two versions of one text, word by word, and print the substitution
    pairs in lexicon format (review them before adding them to a lexicon)."""
    from .lexicon import Lexicon, format_entries, mine_pairs

    texts = []
    for path in (original, spun):
        try:
            texts.append(read_input(path, max_bytes).text)
        except InputError as e:
            _err(str(e))
            sys.exit(EXIT_ERROR)
    pairs = mine_pairs(texts[0], texts[1], max_words)
    known = Lexicon.load()
    new = [p for p in pairs if show_all or not _known(known, p[0], p[1])]
    for line in format_entries(new, kind):
        click.echo(line)
    _err(f"{len(pairs)} substitution pairs, {len(pairs) - len(new)} already in the shipped lexicon")


def _known(lex: Any, spun: str, original: str) -> bool:
    from .text import normalize

    e = lex.get(spun)
    return e is not None and normalize(original) in {normalize(o) for o in e.originals}


@lexicon.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--no-default-lexicon", is_flag=True, help="Count only PATHS, not the shipped lexicon.")
def stats(paths: Sequence[str], no_default_lexicon: bool) -> None:
    """Count entries per kind and per file: with conditions, phrases of several words, originals."""
    from collections import Counter

    from .lexicon import Lexicon, LexiconError

    try:
        lex = Lexicon.load(paths, default=not no_default_lexicon)
    except LexiconError as e:
        _err(str(e))
        sys.exit(EXIT_ERROR)
    rows: Dict[str, Counter] = {}
    for e in lex:
        for group in (f"kind {e.kind}", f"file {e.source.rsplit(':', 1)[0]}"):
            c = rows.setdefault(group, Counter())
            c["entries"] += 1
            c["conditioned"] += e.condition is not None
            c["phrases"] += len(e.words) > 1
            c["originals"] += len(e.originals)
    click.echo(f"{'':28s} {'entries':>8s} {'conditioned':>12s} {'phrases':>8s} {'originals':>10s}")
    for group in sorted(rows):
        c = rows[group]
        click.echo(f"{group:28s} {c['entries']:8d} {c['conditioned']:12d} {c['phrases']:8d} {c['originals']:10d}")
    click.echo(f"{'total':28s} {len(lex):8d}")


@lexicon.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def check(paths: Sequence[str]) -> None:
    """Run the hygiene rules on lexicon files: format, sort order, duplicates, identities, chains.

    Exit 0 when all is well, 1 when a rule is broken (each problem printed), 2 when a file cannot be
    read or parsed.
    """
    from .lexicon import LexiconError, hygiene_problems, read_entries

    problems: List[str] = []
    entries = []
    for p in paths:
        try:
            found = read_entries(p)
            lines = Path(p).read_text(encoding="utf-8").splitlines()
        except LexiconError as e:
            _err(str(e))
            sys.exit(EXIT_ERROR)
        entries += found
        problems += [f"{p}: {x}" if x.startswith("not sorted") else x for x in hygiene_problems(found, lines)]
    if len(paths) > 1:
        problems += [x for x in hygiene_problems(entries) if x not in problems and "duplicate key" in x]
    for x in problems:
        click.echo(x)
    click.echo(f"{len(entries)} entries in {len(paths)} files: {len(problems)} problems", err=True)
    sys.exit(EXIT_GARBLED if problems else EXIT_CLEAN)


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Console-script entry point."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="garblecheck")
