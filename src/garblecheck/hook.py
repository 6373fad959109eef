"""Pre-ingest filter: score documents on their way into a pipeline, then keep, drop or repair them.

A :class:`PreIngestFilter` takes a ``str`` or a ``dict`` record (its text under ``text_field``)
and returns a :class:`Decision`. Scoring (:meth:`PreIngestFilter.score`) is separate from the
decision (:meth:`PreIngestFilter.decide`), so a pipeline can tag documents now and decide later.
Every front end (this hook, ``garblecheck filter``, the datatrove steps) calls the same
:class:`~garblecheck.detector.Detector`.

Actions: ``reject`` keeps clean documents and drops garbled ones; ``restore`` keeps every
document, with its confident flags replaced by their suggestions; ``tag`` keeps every document
and only annotates it. A record that cannot be scored (not a dict or str, a missing field, text
that is not a string or holds characters that cannot be encoded) is never kept: its decision has
``keep=False`` and a reason that starts with ``error:``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, TypeVar, Union

from .text.io import batched
from .verdict.report import Report

__all__ = ["PreIngestFilter", "Decision", "ACTIONS", "ANNOTATION_KEY"]

ACTIONS = ("reject", "restore", "tag")
T = TypeVar("T")
ANNOTATION_KEY = "garblecheck"
Item = Union[str, Dict[str, Any]]


@dataclass(frozen=True)
class Decision:
    """What to do with one document: keep it or not, its (possibly restored) text, and why.

    ``record`` is the annotated copy of a ``dict`` input (``None`` for ``str`` input); ``report``
    is ``None`` when the input could not be scored.
    """

    keep: bool
    text: str
    report: Optional[Report]
    reason: str
    record: Optional[Dict[str, Any]] = None

    @property
    def error(self) -> bool:
        return self.reason.startswith("error:")


class _Unscorable(Exception):
    pass


class PreIngestFilter:
    """Score documents and decide keep / drop / restore; cheap to pickle (the model loads lazily).

    ``model`` is ``None`` for the shipped model, a model folder, or ``"none"`` for the lexicon
    alone; ``threshold`` defaults to the model's; ``lexicon`` adds lexicon files. With
    ``learn_batch`` and ``action="restore"``, each batch of :meth:`decide_many` (and so of
    :meth:`filter_many` and ``filter_lines``) is restored with the spinner learned from that batch
    (:meth:`garblecheck.Detector.learned_channel`).
    """

    def __init__(self, threshold: Optional[float] = None, action: str = "reject", text_field: str = "text",
                 model: Optional[str] = None, lexicon: Sequence[str] = (), ignore: Sequence[str] = (),
                 default_lexicon: bool = True, fpr: Optional[float] = None, learn_batch: bool = False,
                 full: bool = False, stage1_miss: Optional[float] = None, mt_fpr: Optional[float] = None,
                 mt_roundtrip: bool = False) -> None:
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
        self.threshold = threshold
        self.fpr = fpr
        self.action = action
        self.text_field = text_field
        self.model = model
        self.lexicon = tuple(lexicon)
        self.ignore = tuple(ignore)
        self.default_lexicon = default_lexicon
        self.learn_batch = learn_batch
        self.full = full
        self.stage1_miss = stage1_miss
        self.mt_fpr = mt_fpr
        self.mt_roundtrip = mt_roundtrip
        self._detector: Any = None

    def get_params(self, deep: bool = True) -> Dict[str, Any]:
        return {"threshold": self.threshold, "action": self.action, "text_field": self.text_field,
                "model": self.model, "lexicon": self.lexicon, "ignore": self.ignore,
                "default_lexicon": self.default_lexicon, "fpr": self.fpr, "learn_batch": self.learn_batch,
                "full": self.full, "stage1_miss": self.stage1_miss, "mt_fpr": self.mt_fpr,
                "mt_roundtrip": self.mt_roundtrip}

    def __repr__(self) -> str:
        return "PreIngestFilter(" + ", ".join(f"{k}={v!r}" for k, v in self.get_params().items()) + ")"

    def __getstate__(self) -> Dict[str, Any]:
        return self.get_params()  # the detector is rebuilt where the filter is unpickled

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    @property
    def detector(self) -> Any:
        """The engine, loaded on first use."""
        if self._detector is None:
            from .detector import Detector

            spec: Any = "default" if self.model is None else (None if self.model == "none" else self.model)
            self._detector = Detector(model=spec, lexicons=self.lexicon, ignore=self.ignore,
                                      default_lexicon=self.default_lexicon, threshold=self.threshold, fpr=self.fpr,
                                      learn_batch=self.learn_batch, full=self.full, stage1_miss=self.stage1_miss,
                                      mt_fpr=self.mt_fpr, mt_roundtrip=self.mt_roundtrip)
        return self._detector

    # -- scoring and deciding --------------------------------------------------------------------

    def _text_of(self, item: Any) -> str:
        if isinstance(item, str):
            text = item
        elif isinstance(item, dict):
            if self.text_field not in item:
                raise _Unscorable(f"missing field {self.text_field!r}")
            text = item[self.text_field]
            if not isinstance(text, str):
                raise _Unscorable(f"field {self.text_field!r} is {type(text).__name__}, not a string")
        else:
            raise _Unscorable(f"a document is a str or a dict, not {type(item).__name__}")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise _Unscorable("text holds characters that cannot be encoded (lone surrogates)") from None
        return text

    def score(self, item: Item) -> Report:
        """The report of one document; raises ``ValueError`` if it cannot be scored."""
        try:
            return self.detector.check(self._text_of(item), decode=True if self.action == "restore" else None)
        except _Unscorable as e:
            raise ValueError(str(e)) from None

    def decide(self, item: Item, report: Report) -> Decision:
        """The decision for ``item`` given its ``report`` (from :meth:`score` or a stored one)."""
        text = self._text_of(item)
        new_text, reason, changed = text, "", 0
        if self.action == "reject":
            keep = not report.garbled
            reason = (f"garbled: score {report.score:.3f} >= {report.threshold:.3f}" if report.garbled
                      else f"clean: score {report.score:.3f} < {report.threshold:.3f}")
        else:
            keep = True
            if self.action == "restore":
                new_text, changes = self.detector.restore_and_explain(text, report)
                changed = len(changes)
            reason = (f"restored {changed} changes" if changed else f"{report.verdict}: score {report.score:.3f}")
        record = None
        if isinstance(item, dict):
            record = dict(item)
            note: Dict[str, Any] = {"score": report.score, "spin_score": report.spin_score, "verdict": report.verdict,
                                    "n_flags": len(report.flags), "reason": reason}
            if self.action == "restore" and new_text != text:
                record[self.text_field] = new_text
                note["original_text"] = text
            record[ANNOTATION_KEY] = note
        return Decision(keep, new_text, report, reason, record)

    def __call__(self, item: Item) -> Decision:
        return self.decide_many([item])[0]

    def filter(self, doc: Item) -> Tuple[bool, str]:
        """datatrove-style: ``(keep, reason)``."""
        d = self(doc)
        return d.keep, d.reason

    def decide_many(self, items: Sequence[Item]) -> List[Decision]:
        """Decisions for several documents, scored in one engine pass; unscorable ones are errors."""
        texts: List[str] = []
        errors: Dict[int, str] = {}
        for k, item in enumerate(items):
            try:
                texts.append(self._text_of(item))
            except _Unscorable as e:
                errors[k] = str(e)
        reports = iter(self.detector.check_many(texts, decode=True if self.action == "restore" else None))
        out = []
        for k, item in enumerate(items):
            if k in errors:
                text = item if isinstance(item, str) else ""
                out.append(Decision(False, text, None, f"error: {errors[k]}",
                                    dict(item, **{ANNOTATION_KEY: _error_note(errors[k])}) if isinstance(item, dict) else None))
            else:
                out.append(self.decide(item, next(reports)))
        return out

    def filter_many(self, items: Iterable[Item], batch_size: int = 64, n_jobs: int = 1) -> Iterator[Decision]:
        """Decisions for a stream of documents, in input order; ``n_jobs > 1`` scores batches in
        parallel with joblib (each worker loads the model once). Memory stays bounded: only a few
        batches are in flight at a time."""
        batches = batched(items, batch_size)
        if n_jobs == 1:
            for batch in batches:
                yield from self.decide_many(batch)
            return
        for result in ordered_map(partial(_decide_batch, share(self)), batches, n_jobs):
            yield from result

    # -- JSONL lines -----------------------------------------------------------------------------

    def filter_lines(self, lines: Sequence[Tuple[int, bytes]]) -> List[Tuple[bool, bool, bytes]]:
        """``garblecheck filter`` on numbered raw JSONL lines: ``(accepted, error, output line)`` for each.

        A line that is not UTF-8, not JSON, not an object, or has no usable text becomes a
        rejected line ``{"garblecheck": {... "error": ...}, "raw": ...}`` that keeps the raw line
        (as ``raw_base64`` when it is not UTF-8).
        """
        out: List[Optional[Tuple[bool, bool, bytes]]] = [None] * len(lines)
        records: List[Tuple[int, int, Dict[str, Any]]] = []
        for k, (lineno, raw) in enumerate(lines):
            body = raw.rstrip(b"\r\n")
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError as e:
                out[k] = (False, True, _error_line(lineno, f"line is not UTF-8 ({e.reason} at byte {e.start})",
                                             {"raw_base64": base64.b64encode(body).decode("ascii")}))
                continue
            try:
                rec = json.loads(text)
            except ValueError as e:
                out[k] = (False, True, _error_line(lineno, f"malformed JSON ({e})", {"raw": text}))
                continue
            if not isinstance(rec, dict):
                out[k] = (False, True, _error_line(lineno, f"a record is a JSON object, not {type(rec).__name__}", {"raw": text}))
                continue
            records.append((k, lineno, rec))
        for (k, lineno, rec), d in zip(records, self.decide_many([r for _, _, r in records])):
            assert d.record is not None
            if d.error:  # a JSON object without usable text: rejected with the raw line, as above
                out[k] = (False, True, _error_line(lineno, d.record[ANNOTATION_KEY]["error"],
                                                   {"raw": lines[k][1].rstrip(b"\r\n").decode("utf-8")}))
            else:
                d.record[ANNOTATION_KEY]["line"] = lineno
                out[k] = (d.keep, False, _dump(d.record))
        return out  # type: ignore[return-value]


def _error_note(reason: str) -> Dict[str, Any]:
    return {"score": None, "verdict": "error", "n_flags": 0, "reason": f"error: {reason}", "error": reason}


def _error_line(lineno: int, reason: str, raw: Dict[str, str]) -> bytes:
    return _dump({ANNOTATION_KEY: {**_error_note(reason), "line": lineno}, **raw})


def _dump(record: Dict[str, Any]) -> bytes:
    try:
        return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate in some other field: \u-escapes keep the line valid
        return (json.dumps(record) + "\n").encode("ascii")


_SHARED: Dict[Tuple[str, str], Any] = {}  # (class name, parameters) -> object, one per process


def shared(cls: Callable[..., T], params: Dict[str, Any]) -> T:
    """The process's ``cls(**params)``, built on first use, so a worker loads a model once."""
    key = (getattr(cls, "__name__", str(cls)), json.dumps(params, sort_keys=True, default=str))
    if key not in _SHARED:
        _SHARED[key] = cls(**params)
    return _SHARED[key]


def share(obj: Any) -> Dict[str, Any]:
    """Register ``obj`` (a :class:`PreIngestFilter` or a ``Detector``, its model loaded) as this
    process's object for its parameters, so worker processes forked from here start with it;
    returns the parameters."""
    if isinstance(obj, PreIngestFilter):
        obj.detector  # noqa: B018 - load the model before the workers fork
    params = obj.get_params()
    _SHARED[(type(obj).__name__, json.dumps(params, sort_keys=True, default=str))] = obj
    return params


def ordered_map(fn: Callable[[Any], Any], batches: Iterable[Any], n_jobs: int, window: int = 8) -> Iterator[Any]:
    """``fn(batch)`` for each batch, in input order, in ``n_jobs`` worker processes (joblib's
    multiprocessing backend). Batches go out ``window * n_jobs`` at a time, so memory stays bounded
    on any stream. Where processes fork (Linux), workers inherit what this process has loaded, such
    as a model registered with :func:`share`, and start at once."""
    from joblib import Parallel, delayed

    with Parallel(n_jobs=n_jobs, backend="multiprocessing") as pool:
        for chunk in batched(batches, window * n_jobs):
            yield from pool(delayed(fn)(b) for b in chunk)


def _decide_batch(params: Dict[str, Any], batch: List[Item]) -> List[Decision]:
    return shared(PreIngestFilter, params).decide_many(batch)


def filter_lines_batch(params: Dict[str, Any], lines: List[Tuple[int, bytes]]) -> List[Tuple[bool, bool, bytes]]:
    """:meth:`PreIngestFilter.filter_lines` in whatever process runs it (joblib workers included)."""
    return shared(PreIngestFilter, params).filter_lines(lines)
