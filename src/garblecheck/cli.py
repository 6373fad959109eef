"""Command line: ``garblecheck score`` and ``garblecheck restore``.

Exit codes: 0 nothing garbled, 1 at least one document garbled, 2 usage error or an unreadable
input (the other inputs are still processed).
"""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, TextIO, Tuple

import click

from . import __version__
from .text.io import DEFAULT_INCLUDE, MAX_BYTES, AtomicOutput, InputError, batched, iter_inputs, read_input
from .learn.synth import MT_OPERATIONS

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
                     help="Score at or above which a document is garbled (default: the model's, set for a 0.5% "
                          "false-positive rate on clean calibration pages; 0.5 without a model)."),
        click.option("--fpr", type=click.FloatRange(0.0, 1.0, max_open=True), default=None,
                     help="Set the threshold for this false-positive rate on the model's clean calibration pages "
                          "instead (e.g. 0.01); --threshold wins over it."),
        click.option("--max-bytes", type=click.IntRange(1), default=MAX_BYTES, show_default=True,
                     help="Refuse inputs larger than this."),
        click.option("--mt-fpr", type=click.FloatRange(0.0, 1.0, max_open=True), default=None,
                     help="Set the mt threshold for this false-positive rate on the model's clean calibration pages "
                          "of 100 words or more (default: the model's, 0.005)."),
        click.option("--full", is_flag=True,
                     help="Read every page in full (stage 2: context model, language model, evidence of meaning), "
                          "also those the cheap first stage clears as clean."),
        click.option("--stage1-miss", type=click.FloatRange(0.0, 1.0, max_open=True), default=None,
                     help="Set stage 1's bar so that this share of each kind of damaged calibration page would stop "
                          "there (default: the model's, 0.005); higher clears more clean pages, faster."),
        click.option("--mt-roundtrip", is_flag=True,
                     help="Translate pages whose mt score is in the uncertain band English -> Portuguese -> English "
                          "(Bergamot, pip install 'garblecheck[mtgen]') and raise the score of those that change little "
                          "(about 0.5 s a page)."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


def _detector_params(model_dir: Optional[str], no_model: bool, lexicons: Sequence[str], no_default_lexicon: bool,
                     ignore: Sequence[str], ignore_files: Sequence[str], threshold: Optional[float],
                     fpr: Optional[float] = None, full: bool = False, stage1_miss: Optional[float] = None,
                     mt_fpr: Optional[float] = None, mt_roundtrip: bool = False) -> Dict[str, Any]:
    """The Detector's arguments from the shared engine options (ignore files read here)."""
    from .evidence.lexicon import LexiconError, read_ignore_file

    if model_dir and no_model:
        raise click.UsageError("--model and --no-model do not go together")
    phrases = list(ignore)
    try:
        for f in ignore_files:
            phrases += read_ignore_file(f)
    except LexiconError as e:
        raise click.UsageError(str(e)) from None
    return {"model": None if no_model else (model_dir or "default"), "lexicons": tuple(lexicons),
            "ignore": tuple(phrases), "default_lexicon": not no_default_lexicon, "threshold": threshold, "fpr": fpr,
            "full": full, "stage1_miss": stage1_miss, "mt_fpr": mt_fpr, "mt_roundtrip": mt_roundtrip}


def _build(params: Dict[str, Any]) -> Any:
    """The Detector, or a usage error (bad lexicon) or exit code 2 (unusable model)."""
    from .detector import Detector
    from .evidence.lexicon import LexiconError
    from .verdict.model import ModelError

    try:
        return Detector(**params)
    except LexiconError as e:
        raise click.UsageError(str(e)) from None
    except ModelError as e:
        _err(str(e))
        sys.exit(EXIT_ERROR)
    except ValueError as e:  # an FPR without a model
        raise click.UsageError(str(e)) from None
    except RuntimeError as e:  # --mt-roundtrip without its engine
        _err(str(e))
        sys.exit(EXIT_ERROR)


def _detector(**engine: Any) -> Any:
    return _build(_detector_params(**engine))


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
    return {"score": report.score, "spin_score": report.spin_score, "mt_score": report.mt_score, "verdict": report.verdict,
            "n_words": report.n_words, "flags": [f.to_dict() for f in report.flags]}


def _text_lines(rec: Dict[str, Any], quiet: bool) -> Iterable[str]:
    path = rec["path"]
    if rec["verdict"] == "error":
        yield f"{path}: error: {rec['error']}"
        return
    if not quiet:
        for f in rec["flags"]:
            orig = f["suggestions"][0] if f["suggestions"] else "?"
            why = f" ({f['explanation']})" if f.get("explanation") else ""
            yield f"{path}:{f['line']}:{f['col']}: {f['text']} ==> {orig} [{f['rule']}]{why}"
    spin = "" if rec.get("spin_score") is None else f", spin {rec['spin_score']:.3f}"
    if rec.get("mt_score") is not None:
        spin += f", mt {rec['mt_score']:.3f}"
    yield (f"{path}: score {rec['score']:.3f} {rec['verdict']} "
           f"({len(rec['flags'])} flags, {rec.get('n_words', 0)} words{spin})")


BATCH_BYTES = 1 << 20  # small files are scored together (Detector.check_many) up to this much text
FILES_PER_TASK = 256  # files read, scored and written as one piece of work (one worker's task with --jobs)


def _score_items(det: Any, items: Sequence[Any], fmt: str, max_bytes: int,
                 texts: Optional[List[Optional[str]]] = None) -> List[Tuple[Dict[str, Any], Optional[str]]]:
    """The record of each input (a path, or ``(path, reason)`` for one that cannot be read) and its
    decoding warning, if any, in order. Small files are scored together, up to ``BATCH_BYTES`` of
    text at a time (the same reports as one by one). A file larger than ``max_bytes`` is scored in
    paragraph chunks (``"chunked": true``, no per-sentence scores). ``texts``, when given, receives
    the text scored for each input (None for a chunked or unreadable one)."""
    import os

    from .text.io import batched_by_size, iter_chunks

    out: List[Any] = [None] * len(items)
    got: List[Optional[str]] = [None] * len(items)

    def record(place: int, report: Any, extra: Dict[str, Any], warning: Optional[str]) -> None:
        body = report.to_dict() if fmt != "text" else _summary(report)
        out[place] = ({"path": items[place], **body, **extra, "error": None}, warning)

    def readable() -> Iterator[Tuple[int, Any]]:
        """``(place, document)`` of each small file read; the others get their record here."""
        for place, item in enumerate(items):
            if isinstance(item, tuple):
                out[place] = (_error_record(*item), None)
                continue
            try:
                if item != "-" and os.path.isfile(item) and os.path.getsize(item) > max_bytes:
                    record(place, det.check_chunks(iter_chunks(item, chunk_chars=min(max_bytes, 1 << 22))), {"chunked": True}, None)
                    continue
                doc = read_input(item, max_bytes)
            except InputError as e:
                out[place] = (_error_record(item, e.reason), None)
                continue
            yield place, doc

    for group in batched_by_size(readable(), BATCH_BYTES, lambda pd: len(pd[1].text)):
        for (place, doc), report in zip(group, det.check_many([d.text for _, d in group])):
            record(place, report, {}, doc.warning)
            got[place] = doc.text
    if texts is not None:
        texts.extend(got)
    return out


def _score_batch(params: Dict[str, Any], items: List[Any], *, fmt: str, max_bytes: int) -> List[Tuple[Dict[str, Any], Optional[str]]]:
    """:func:`_score_items` for a batch, in a joblib worker that builds its detector once."""
    from .detector import Detector
    from .hook import shared

    return _score_items(shared(Detector, params), items, fmt, max_bytes)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl"]), default="text", show_default=True)
@click.option("--include", multiple=True, metavar="GLOB",
              help=f"Files to read inside folders (repeatable; default {' '.join(DEFAULT_INCLUDE)}).")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Files or paths to skip (repeatable).")
@click.option("--quiet", "-q", is_flag=True, help="Text format: only the summary line of each document.")
@click.option("--jobs", type=click.IntRange(1), default=1, show_default=True,
              help="Worker processes (joblib); the output is the same as with one, in the same order.")
@_engine_options
def score(paths: Sequence[str], fmt: str, include: Sequence[str], exclude: Sequence[str], quiet: bool, jobs: int,
          max_bytes: int, **engine: Any) -> None:
    """Score files, folders (recursively) or standard input (-)."""
    det = _detector(**engine)
    status = EXIT_CLEAN
    collected: List[Dict[str, Any]] = []
    out: TextIO = sys.stdout
    items = ((i.path, i.reason) if isinstance(i, InputError) else i
             for i in iter_inputs(paths, include or DEFAULT_INCLUDE, exclude))
    results: Iterable[Tuple[Dict[str, Any], Optional[str]]]
    if jobs == 1 or "-" in paths:
        results = (r for batch in batched(items, FILES_PER_TASK) for r in _score_items(det, batch, fmt, max_bytes))
    else:
        from functools import partial

        from .hook import ordered_map, share

        done = ordered_map(partial(_score_batch, share(det), fmt=fmt, max_bytes=max_bytes), batched(items, FILES_PER_TASK), jobs)
        results = (r for batch in done for r in batch)
    try:
        for rec, warning in results:
            if warning:
                _err(warning)
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
    except BrokenPipeError:  # `garblecheck score ... | head`: stop quietly
        _quiet_stdout()
    sys.exit(status)


_learn_batch = click.option(
    "--learn-batch", is_flag=True,
    help="Learn the spinner from the batch itself (EM from the shipped channel) and restore the batch with it: "
         "for many pages from one spinner. restore: all PATHs are one batch; filter: each --batch-size records.")


@cli.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--diff", is_flag=True, help="Print a unified diff instead of the restored text.")
@click.option("--write", "-w", is_flag=True, help="Rewrite the files in place (atomically, mode kept).")
@_learn_batch
@_engine_options
def restore(paths: Sequence[str], diff: bool, write: bool, learn_batch: bool, max_bytes: int, **engine: Any) -> None:
    """Print PATH (or - for standard input) with spun phrases restored.

    Several paths need --write or --diff. Exits 1 if a document was garbled, as `score` would,
    and 2 if one could not be read or written (the others are still restored).
    """
    if write and "-" in paths:
        raise click.UsageError("--write needs files, not standard input")
    if write and diff:
        raise click.UsageError("--write and --diff do not go together")
    if len(paths) > 1 and not (write or diff):
        raise click.UsageError("several paths need --write or --diff")
    det = _detector(**engine)
    det.learn_batch = learn_batch
    unreadable = []

    def inputs() -> Iterator[Tuple[str, Any]]:
        for path in paths:
            try:
                doc = read_input(path, max_bytes)
            except InputError as e:
                _err(str(e))
                unreadable.append(path)
                continue
            if doc.warning:
                _err(doc.warning)
            yield path, doc

    # one batch when the batch teaches the spinner, else one document at a time (bounded memory)
    groups: Iterable[List[Tuple[str, Any]]] = [list(inputs())] if learn_batch else ([d] for d in inputs())
    status = EXIT_CLEAN
    out = sys.stdout
    for group in groups:
        for (path, doc), report in zip(group, det.check_many([d.text for _, d in group], decode=True)):
            restored, _ = det.restore_and_explain(doc.text, report)
            if report.garbled and status == EXIT_CLEAN:
                status = EXIT_GARBLED
            if write:
                if restored != doc.text:
                    from .text.io import atomic_write_bytes

                    try:
                        atomic_write_bytes(path, doc.encode(restored))
                    except OSError as e:
                        _err(f"{path}: cannot write: {e.strerror or e}")
                        status = EXIT_ERROR
                        continue
                    _err(f"{path}: restored")
            elif diff:
                name = "stdin" if path == "-" else path
                out.writelines(difflib.unified_diff(doc.text.splitlines(True), restored.splitlines(True),
                                                    f"a/{name}", f"b/{name}"))
            else:
                out.write(restored)
    try:
        out.flush()
    except BrokenPipeError:
        _quiet_stdout()
    sys.exit(EXIT_ERROR if unreadable else status)


_mt_corpus = click.option(
    "--mt-corpus", multiple=True, type=click.Path(exists=True, dir_okay=False),
    help="Machine-translated text: JSONL (or .jsonl.gz) with a text field, or with sentences as "
         "[{original, roundtrip or translation}] (repeatable).")
_mt_operations = click.option(
    "--mt-operation", "mt_operations", multiple=True, type=click.Choice(MT_OPERATIONS),
    help="Simulate only this kind of machine-translation damage (repeat for several; default all).")


@cli.command()
@click.option("--clean", multiple=True, required=True, type=click.Path(exists=True),
              help="Clean corpus: JSONL with a text field, or a folder of .txt (repeatable).")
@click.option("--garbled", multiple=True, type=click.Path(exists=True),
              help="Real garbled documents (repeatable); used as positives for the document stacker.")
@_mt_corpus
@click.option("--mt-perturbations/--no-mt-perturbations", default=None,
              help="Also train the mt classifier on simulated machine-translation damage (default: only "
                   "without --mt-corpus; on real machine translation it lowers the ROC AUC).")
@click.option("--knowledge", multiple=True, type=click.Path(exists=True),
              help="More clean text (JSONL, .jsonl.gz or a folder) that only the evidence-of-meaning facts are "
                   "gathered from: people's pronouns and titles, words always capitalised (repeatable).")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Model folder to write.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--max-train-docs", type=click.IntRange(1), default=None, help="Cap on training pages.")
@click.option("--dump-calibration", type=click.Path(dir_okay=False), default=None,
              help="Also write the calibration pages' verdict features and domains to this .npz, for study.")
@_mt_operations
def train(clean: Sequence[str], garbled: Sequence[str], mt_corpus: Sequence[str], mt_perturbations: Optional[bool],
          knowledge: Sequence[str], out: str, seed: int, max_train_docs: Optional[int], dump_calibration: Optional[str],
          mt_operations: Sequence[str]) -> None:
    """Train the n-gram classifier and document stacker; write weights.npz and manifest.json to OUT.

    Records whose licence field says research-only or unknown are refused, and documents of the
    reserved evaluation split (sha1(id) % 10 == 0) are left out."""
    from .text.io import InputError
    from .learn.train import TrainConfig, train as run_train

    cfg = TrainConfig(seed=seed, mt_operations=tuple(mt_operations or MT_OPERATIONS), mt_perturb=mt_perturbations,
                      dump_calibration=dump_calibration)
    if max_train_docs:
        cfg.max_train_docs = max_train_docs
    try:
        manifest = run_train(clean, out, garbled=garbled, mt_corpus=mt_corpus, knowledge=knowledge, cfg=cfg, log=_err)
    except InputError as e:
        raise click.ClickException(str(e)) from None
    except ValueError as e:
        raise click.UsageError(str(e)) from None
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
@click.option("--simulate", type=click.Choice(["heldout", "train", "real", "mt", "translations", "none"]), default="heldout",
              show_default=True,
              help="Also spin each clean document with held-out or training substitutions, with the real "
                   "spinners' pairs (real: half of their originals held out of the channel), or damage it "
                   "like machine translation (mt: scored by mt_score); or (translations) score the real "
                   "machine translations of --mt-corpus against their clean originals.")
@_mt_corpus
@click.option("--noise", is_flag=True, help="Add scraping noise (run-together sentences, boilerplate, hard wraps, "
                                            "no punctuation, ...) to every page, clean and damaged.")
@click.option("--real-pairs", type=click.Path(exists=True, dir_okay=False), default=None,
              help="With --simulate real: the substitution table to spin with and to build the channel from "
                   "(default: the shipped real pairs and swaps).")
@click.option("--density", type=click.FloatRange(0.0, 1.0), default=0.10, show_default=True)
@_mt_operations
@click.option("--max-docs", type=click.IntRange(1), default=None, help="Cap on clean documents.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@_engine_options
def evaluate(clean: Sequence[str], garbled: Sequence[str], simulate: str, mt_corpus: Sequence[str], noise: bool,
             real_pairs: Optional[str], density: float, mt_operations: Sequence[str], max_docs: Optional[int], fmt: str,
             seed: int, max_bytes: int, **engine: Any) -> None:
    """Document and sentence ROC AUC, precision, recall, FPR and a confusion table."""
    import random

    from .learn.synth import PageNoise, Spinner, Thesaurus
    from .learn.corpora import in_reserved_split
    from .learn.train import evaluate as run_eval, read_corpus, record_id, split_of

    det = _detector(**engine)
    docs, files = read_corpus(clean, warn=_err)
    gdocs, _ = read_corpus(garbled, warn=_err) if garbled else ([], [])
    manifest = det.spin_model.manifest if det.spin_model is not None else {}
    training = manifest.get("training", {})
    trained_on = {f["sha256"] for f in training.get("clean_files", [])}
    model_seed = int(training.get("seed", seed))
    fmap = {f["path"]: f["sha256"] for f in files}
    docs = [d for d in docs if fmap.get(Path(d.source).name) not in trained_on or split_of(d.id, model_seed) == 0
            or in_reserved_split(record_id(d))]
    docs.sort(key=lambda d: d.id)
    if max_docs:
        docs = docs[:max_docs]
    from .evidence.lexicon import Lexicon

    if simulate == "translations":
        _eval_translations(det, docs, mt_corpus, model_seed, max_docs, fmt, seed)
        return
    if simulate == "mt":
        from .learn.synth import MTPerturber
        from .learn.train import evaluate_mt

        perturber = MTPerturber(Lexicon.load(), operations=mt_operations or MT_OPERATIONS)
        result = evaluate_mt(det, docs, perturber, density, random.Random(seed))
    elif simulate == "real":
        from .decoding.channel import Channel, real_intensities
        from .learn.synth import RealSpinner, lemma_u

        def heldout(original: str) -> bool:
            return lemma_u(original, seed) < 0.5

        source = Channel.load(real=real_pairs) if real_pairs else Channel.default()
        det._channel = Channel.load(real=real_pairs or True, keep_real=lambda o: not heldout(o))
        lm = det.get_lm()
        spinner = RealSpinner(source, real_intensities(), lambda words: lm.prior(lm.ids(words)))
        result = run_eval(det, docs, spinner, density, random.Random(seed), garbled=gdocs, heldout=heldout,
                          noise=PageNoise() if noise else None)
    else:
        spinner = Spinner(Thesaurus.load(lexicon=Lexicon.load()), simulate, model_seed) if simulate != "none" else None
        result = run_eval(det, docs, spinner, density, random.Random(seed), garbled=gdocs,
                          noise=PageNoise() if noise else None)
    result["clean_documents"] = len(docs)
    result["threshold"] = det.threshold_
    if fmt == "json":
        click.echo(json.dumps(result, indent=2))
        return
    thr = det.mt_threshold_ if simulate == "mt" else det.threshold_
    click.echo(f"clean documents: {len(docs)} (never trained on), garbled: {len(gdocs)}, simulate: {simulate} "
               f"at density {density}, threshold {thr if thr is not None else float('nan'):.3f}"
               + (f" (mt_score; damage: {', '.join(mt_operations or MT_OPERATIONS)})" if simulate == "mt" else ""))
    if "called_mt" in result:
        click.echo(f"called mt: {result['called_mt']['clean']} clean pages, {result['called_mt']['damaged']} damaged pages")
    click.echo(_metrics_line("result", result))
    for name, m in result.get("by_domain", {}).items():
        d, c = m["documents"], m["called"]
        click.echo(f"  domain {name}: {d['n'] - d['positives']} clean, {d['positives']} damaged; recall {_fmt(d['recall'])} "
                   f"FPR {_fmt(d['fpr'])} AUC {_fmt(d['roc_auc'])}; called garbled {c['garbled']['clean']} clean, "
                   f"mt {c['mt']['clean']} clean")
    for level in ("documents", "sentences"):
        m = result.get(level)
        if m:
            c = m["confusion"]
            click.echo(f"{level:10s} tp {c['tp']:6d}  fp {c['fp']:6d}  fn {c['fn']:6d}  tn {c['tn']:6d}  "
                       f"brier {m['brier']:.4f}")
    tok = result.get("tokens")
    if tok:
        click.echo("tokens: ROC AUC of the context model's word probability " + ", ".join(
            f"{_fmt(v['roc_auc'])} over {k.replace('_', ' ')} ({v['words']}, {v['substituted']} substituted)" for k, v in tok.items()))
    fl = result.get("flags")
    if fl:
        click.echo(f"flags: precision {_fmt(fl['precision'])} recall {_fmt(fl['recall'])} of {fl['substitutions']} "
                   f"substitutions, top suggestion right {_fmt(fl['top_suggestion'])}, "
                   f"{_fmt(fl['clean_false_per_10k_words'])} false flags per 10,000 clean words")
        for rule, v in fl["by_rule"].items():
            click.echo(f"  {rule:8s} {v['flags']:6d} flags, precision {v['precision']:.4f}, "
                       f"top suggestion right {v['top_correct']}/{v['true']}")
    for part, v in (result.get("restoration") or {}).items():
        if isinstance(v, dict):
            click.echo(f"restore ({part}): {_fmt(v['restored_share'])} of {v['substitutions']} substituted words "
                       f"restored exactly, {_fmt(v['changes_right'])} of {v['changes']} changes right")
    if result.get("restoration"):
        click.echo(f"restore: {_fmt(result['restoration']['clean_changes_per_10k_words'])} changes per 10,000 clean words")
    click.echo("reliability (documents): " + ", ".join(
        f"{r['bin']}: n={r['n']} pred={r['predicted']:.2f} obs={r['observed']:.2f}" for r in result["reliability"]))


def _eval_translations(det: Any, docs: Sequence[Any], mt_corpus: Sequence[str], model_seed: int, max_docs: Optional[int],
                       fmt: str, seed: int) -> None:
    """``eval --simulate translations``: the held-out machine translations against their originals."""
    import random

    from .text.io import InputError
    from .learn.train import SPLIT_TEST, evaluate_translations, read_translations, split_of

    if not mt_corpus:
        raise click.UsageError("--simulate translations needs --mt-corpus")
    try:
        translations, _ = read_translations(mt_corpus, warn=_err)
    except InputError as e:
        raise click.ClickException(str(e)) from None
    translations = sorted((t for t in translations if split_of(t.key, model_seed) == SPLIT_TEST), key=lambda t: (t.source, t.key))
    if max_docs:
        translations = translations[:max_docs]
    result = evaluate_translations(det, translations, {d.id: d.text for d in docs}, random.Random(seed))
    if fmt == "json":
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(f"held-out machine translations: {len(translations)}, mt threshold {det.mt_threshold_ or float('nan'):.3f}")
    for name, m in result.items():
        click.echo(_metrics_line(name, m))
        click.echo(f"  called mt: {m['called_mt']['damaged']} of {m['documents']['positives']} translations, "
                   f"{m['called_mt']['clean']} of {m['documents']['n'] - m['documents']['positives']} originals; "
                   f"called garbled: {m['called_garbled']['damaged']} translations, {m['called_garbled']['clean']} originals")
        for kind in ("clean", "translated"):
            e = m.get(f"excerpts_{kind}")
            if e:
                click.echo(f"  {kind} excerpts (1-3 sentences) called mt: {e['called_mt']} of {e['n']} ({e['share']:.4f})")


def _read_lines(fh: Any, max_bytes: int, progress: Callable[[int], None]) -> Iterable[Tuple[int, bytes]]:
    """Numbered raw lines; a line longer than ``max_bytes`` is skipped to its end and stands as a
    line that cannot be parsed (its first 1,000 bytes kept), so memory stays bounded."""
    n = 0
    while True:
        raw = fh.readline(max_bytes + 1)
        if not raw:
            return
        n += 1
        size = len(raw)
        if size > max_bytes and not raw.endswith(b"\n"):
            while True:
                more = fh.readline(1 << 20)
                size += len(more)
                if not more or more.endswith(b"\n"):
                    break
            raw = raw[:1000] + b" [line of %d bytes cut: longer than --max-bytes]" % size
        progress(size)
        yield n, raw


@cli.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Round-trip JSONL to write (.gz: gzipped).")
@click.option("--max-docs", type=click.IntRange(1), default=None, help="Round-trip only the first N documents.")
def roundtrip(source: str, out: str, max_docs: Optional[int]) -> None:
    """Machine-translate the documents of SOURCE (JSONL with id and text) to Portuguese and back,
    sentence by sentence, for `train --mt-corpus` (needs: pip install 'garblecheck[mtgen]')."""
    import gzip
    from itertools import islice

    from .learn import roundtrip as rt
    from .text.io import atomic_write_bytes, jsonl_records

    try:
        engine = rt.bergamot_engine()
    except RuntimeError as e:
        raise click.ClickException(str(e)) from None
    def docs() -> Iterable[Dict[str, Any]]:
        for n, rec in jsonl_records(Path(source), _err):
            if isinstance(rec.get("text"), str):
                yield {"id": rec.get("id", n), **rec}
            else:
                _err(f"{source}:{n}: skipped (no text string)")

    records = list(rt.roundtrip_records(islice(docs(), max_docs), engine, "en-pt-en", Path(source).name))
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")
    atomic_write_bytes(out, gzip.compress(data, mtime=0) if out.endswith(".gz") else data)
    click.echo(f"{len(records)} round trips written to {out}")


@cli.command()
@click.argument("paths", nargs=-1, metavar="PATH...")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False), help="The HTML page to write.")
@click.option("--from-jsonl", "from_jsonl", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Render the records of a `score --format jsonl` file (texts read from their paths) instead of scoring.")
@click.option("--include", multiple=True, metavar="GLOB",
              help=f"Files to read inside folders (repeatable; default {' '.join(DEFAULT_INCLUDE)}).")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Files or paths to skip (repeatable).")
@_engine_options
def report(paths: Sequence[str], output: str, from_jsonl: Optional[str], include: Sequence[str], exclude: Sequence[str],
           max_bytes: int, **engine: Any) -> None:
    """Write one self-contained HTML review page for files, folders or standard input (-), or for
    the records of a `score --format jsonl` file."""
    from .text.io import atomic_write_bytes, jsonl_records
    from .review import render

    if bool(paths) == bool(from_jsonl):
        raise click.UsageError("give PATH... or --from-jsonl FILE")
    det = _detector(**engine)
    docs: List[Tuple[str, Optional[str], Dict[str, Any]]] = []
    if from_jsonl:
        try:
            for n, rec in jsonl_records(Path(from_jsonl), _err):
                path = str(rec.get("path", f"{from_jsonl}:{n}"))
                try:
                    text: Optional[str] = read_input(path, max_bytes).text if path != "-" else None
                except InputError:
                    text = None
                docs.append((path, text, rec))
        except InputError as e:
            raise click.ClickException(str(e)) from None
    else:
        for batch in batched(((i.path, i.reason) if isinstance(i, InputError) else i
                              for i in iter_inputs(paths, include or DEFAULT_INCLUDE, exclude)), FILES_PER_TASK):
            got: List[Optional[str]] = []
            for (rec, warning), text in zip(_score_items(det, batch, "jsonl", max_bytes, got), got):
                if warning:
                    _err(warning)
                docs.append((rec["path"], text, rec))
    page = render(docs, det.mt_threshold_).encode("utf-8")
    atomic_write_bytes(output, page)
    _err(f"{output}: {len(docs)} documents, {len(page) / 1e6:.2f} MB")


@cli.command(name="filter")
@click.argument("input_path", metavar="INPUT")
@click.option("--accepted", required=True, metavar="OUT.jsonl", help="Where kept records go (- for stdout).")
@click.option("--rejected", required=True, metavar="OUT.jsonl",
              help="Where dropped records and lines that cannot be read go (- for stdout).")
@click.option("--action", type=click.Choice(["reject", "restore", "tag"]), default="reject", show_default=True,
              help="reject: drop garbled records; restore: keep all, repaired; tag: keep all, annotated.")
@click.option("--text-field", default="text", show_default=True, help="The field that holds the text.")
@click.option("--jobs", type=click.IntRange(1), default=1, show_default=True, help="Worker processes (joblib).")
@click.option("--batch-size", type=click.IntRange(1), default=128, show_default=True, help="Records per batch.")
@_learn_batch
@_engine_options
def filter_cmd(input_path: str, accepted: str, rejected: str, action: str, text_field: str, jobs: int,
               batch_size: int, learn_batch: bool, max_bytes: int, **engine: Any) -> None:
    """Stream a JSONL file (or - for stdin) into accepted and rejected JSONL, in input order.

    Every input line ends up in exactly one output. Annotations go under a "garblecheck" key
    (score, verdict, n_flags, reason, line); lines that are not JSON objects with a string text
    field are rejected with an error reason and the raw line kept. Exit 0 on success, 2 when an
    input or output cannot be opened.
    """
    from .hook import PreIngestFilter, filter_lines_batch, ordered_map, share

    if accepted == rejected and accepted != "-":
        raise click.UsageError("--accepted and --rejected must be different files")
    dp = _detector_params(**engine)
    flt = PreIngestFilter(threshold=dp["threshold"], fpr=dp["fpr"], action=action, text_field=text_field,
                          model="none" if dp["model"] is None else (None if dp["model"] == "default" else dp["model"]),
                          lexicon=dp["lexicons"], ignore=dp["ignore"], default_lexicon=dp["default_lexicon"],
                          learn_batch=learn_batch, full=dp["full"], stage1_miss=dp["stage1_miss"], mt_fpr=dp["mt_fpr"],
                          mt_roundtrip=dp["mt_roundtrip"])
    flt._detector = _build({**dp, "learn_batch": learn_batch})  # a bad model or lexicon stops here, with one line and exit code 2
    try:
        if input_path == "-":
            fh, size = sys.stdin.buffer, None
        else:
            if Path(input_path).is_dir():
                raise IsADirectoryError(21, "is a directory")
            fh = open(input_path, "rb")
            size = Path(input_path).stat().st_size
    except OSError as e:
        _err(f"{input_path}: cannot open: {e.strerror or e}")
        sys.exit(EXIT_ERROR)
    outs: List[AtomicOutput] = []
    try:
        for path in (accepted, rejected):
            outs.append(AtomicOutput(path))
    except OSError as e:
        _err(f"{path}: cannot write: {e.strerror or e}")
        for o in outs:
            o.discard()
        sys.exit(EXIT_ERROR)
    counts = {"accepted": 0, "rejected": 0, "errors": 0}
    bar = click.progressbar(length=size, file=sys.stderr, label="filtering") \
        if size and sys.stderr.isatty() else None
    done = [0]

    def progress(n: int) -> None:
        done[0] += n

    batches = batched(_read_lines(fh, max_bytes, progress), batch_size)
    if jobs == 1:
        results: Iterable[List[Tuple[bool, bool, bytes]]] = (flt.filter_lines(b) for b in batches)
    else:
        from functools import partial

        results = ordered_map(partial(filter_lines_batch, share(flt)), batches, jobs)
    try:
        for result in results:
            for ok, error, line in result:
                outs[0 if ok else 1].write(line)
                counts["accepted" if ok else "rejected"] += 1
                counts["errors"] += error
            if bar is not None:
                bar.update(done[0] - bar.pos)
        for o in outs:
            o.commit()
    except BrokenPipeError:
        for o in outs:
            o.discard()
        _quiet_stdout()
        sys.exit(EXIT_CLEAN)
    except BaseException:
        for o in outs:
            o.discard()
        raise
    finally:
        if fh is not sys.stdin.buffer:
            fh.close()
    if bar is not None:
        bar.render_finish()
    _err(f"{input_path}: {counts['accepted'] + counts['rejected']} records: {counts['accepted']} accepted, "
         f"{counts['rejected']} rejected ({counts['errors']} could not be read)")
    sys.exit(EXIT_CLEAN)


def _quiet_stdout() -> None:
    """After a broken pipe, point stdout at devnull so the interpreter's final flush stays silent."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


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
    from .evidence.lexicon import Lexicon, format_entries, mine_pairs

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
    from .text.words import normalize

    e = lex.get(spun)
    return e is not None and normalize(original) in {normalize(o) for o in e.originals}


@lexicon.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--no-default-lexicon", is_flag=True, help="Count only PATHS, not the shipped lexicon.")
def stats(paths: Sequence[str], no_default_lexicon: bool) -> None:
    """Count entries per kind and per file: with conditions, phrases of several words, originals."""
    from collections import Counter

    from .evidence.lexicon import Lexicon, LexiconError

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
    from .evidence.lexicon import LexiconError, hygiene_problems, read_entries

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


class Stopped(BaseException):
    """SIGTERM (as Slurm, Kubernetes and systemd stop a job): raised where the program is, so it
    unwinds as Ctrl-C does (temporary outputs discarded, originals untouched)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop(signum: int, frame: Any) -> None:
    raise Stopped(signum)


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Console-script entry point. SIGTERM is handled as Ctrl-C is; the exit code is then 143."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="garblecheck")
    except Stopped as e:
        _err(f"stopped by signal {e.signum}; no partial output was left")
        sys.exit(128 + e.signum)
