"""Reading inputs safely and writing outputs atomically.

Decoding: UTF-8 (with or without BOM) and UTF-16 with a BOM; anything else is read as Latin-1
with a warning naming the file. Bytes with NUL in them are binary and refused, as are empty files.
"""

from __future__ import annotations

import codecs
import gzip
import json
import hashlib
import fnmatch
import os
import stat
import sys
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, TypeVar, Union

__all__ = [
    "InputError",
    "Decoded",
    "decode",
    "read_input",
    "iter_inputs",
    "atomic_write_bytes",
    "AtomicOutput",
    "iter_chunks",
    "batched",
    "sha256_file",
    "jsonl_records",
    "tsv_rows",
    "DEFAULT_INCLUDE",
    "MAX_BYTES",
]

DEFAULT_INCLUDE = ("*.txt", "*.md", "*.text")
MAX_BYTES = 10 * 1024 * 1024  # read whole up to this; a larger file is scored in chunks (memory stays under 500 MB)
STDIN = "-"
T = TypeVar("T")


class InputError(Exception):
    """An input that cannot be scored; ``str(err)`` names the input and says why."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # codec used to write the text back: "utf-8", "utf-8-sig", "utf-16", "latin-1"
    warning: Optional[str] = None

    def encode(self, text: str) -> bytes:
        """``text`` in this input's encoding, with its BOM if it had one."""
        return text.encode(self.encoding)


def decode(data: bytes, name: str) -> Decoded:
    """Decode one input; raises :class:`InputError` for binary or empty input."""
    if data.startswith(codecs.BOM_UTF8):
        enc = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        enc = "utf-16"
    else:
        enc = "utf-8"
    if enc != "utf-16" and b"\x00" in data:
        raise InputError(name, "binary file (contains NUL bytes); skipped")
    warning = None
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as e:
        if enc == "utf-16":
            raise InputError(name, f"invalid UTF-16 ({e.reason} at byte {e.start})") from None
        text = data.decode("latin-1")
        enc = "latin-1"
        warning = f"{name}: not valid UTF-8 (byte {e.start}); read as Latin-1"
    if not text.strip():
        raise InputError(name, "empty input")
    return Decoded(text, enc, warning)


def read_input(path: str, max_bytes: int = MAX_BYTES) -> Decoded:
    """Read and decode a file, or standard input for ``"-"``."""
    try:
        if path == STDIN:
            data = sys.stdin.buffer.read(max_bytes + 1)
        else:
            with open(path, "rb") as fh:
                data = fh.read(max_bytes + 1)
    except IsADirectoryError:
        raise InputError(path, "is a directory") from None
    except OSError as e:
        raise InputError(path, e.strerror or str(e)) from None
    if len(data) > max_bytes:
        raise InputError(path, f"larger than {max_bytes} bytes; split it or raise --max-bytes")
    return decode(data, path)


def _sniff(path: str) -> str:
    """The encoding of a file too large to read whole, checked by one streaming pass."""
    with open(path, "rb") as fh:
        head = fh.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        for block in iter(lambda: fh.read(1 << 20), b""):
            if b"\x00" in block:
                raise InputError(path, "binary file (contains NUL bytes); skipped")
            try:
                decoder.decode(block)
            except UnicodeDecodeError:
                return "latin-1"
        return "utf-8"


def _cut(text: str, limit: int) -> int:
    """Where to end a chunk of at most ``limit`` characters: after a blank line if there is one
    in its second half, else after a line break, else at white space, else at ``limit``."""
    for sep in ("\n\n", "\n", " "):
        i = text.rfind(sep, limit // 2, limit)
        if i >= 0:
            return i + len(sep)
    return limit


def iter_chunks(path: str, chunk_chars: int = 1 << 22, block_bytes: int = 1 << 20) -> Iterator[Tuple[int, int, int, str]]:
    """A file too large to read whole, in paragraph chunks of at most ``chunk_chars`` characters:
    ``(char offset, line offset, column offset of the chunk's first line, text)``, so offsets in a
    chunk map back to the whole decoded file. Memory stays at about one chunk."""
    try:
        enc = _sniff(path)
        fh = open(path, "rb")
    except IsADirectoryError:
        raise InputError(path, "is a directory") from None
    except OSError as e:
        raise InputError(path, e.strerror or str(e)) from None
    decoder = codecs.getincrementaldecoder(enc)()
    pending, offset, line, col, seen_text = "", 0, 0, 0, False
    with fh:
        while True:
            block = fh.read(block_bytes)
            try:
                pending += decoder.decode(block, final=not block)
            except UnicodeDecodeError as e:
                raise InputError(path, f"invalid {enc} ({e.reason})") from None
            while len(pending) > chunk_chars or (not block and pending):
                cut = _cut(pending, chunk_chars) if len(pending) > chunk_chars else len(pending)
                piece, pending = pending[:cut], pending[cut:]
                seen_text = seen_text or bool(piece.strip())
                yield offset, line, col, piece
                offset += len(piece)
                breaks = piece.count("\n")
                line += breaks
                col = len(piece) - piece.rfind("\n") - 1 if breaks else col + len(piece)
            if not block:
                break
    if not seen_text:
        raise InputError(path, "empty input")


def batched_by_size(items: Iterable[T], limit: int, size: Callable[[T], int]) -> Iterator[List[T]]:
    """Lists of consecutive items whose ``size`` adds up to at most ``limit`` (an item larger than
    that is a list of its own), read lazily."""
    batch: List[T] = []
    total = 0
    for item in items:
        n = size(item)
        if batch and total + n > limit:
            yield batch
            batch, total = [], 0
        batch.append(item)
        total += n
    if batch:
        yield batch


def batched(items: Iterable[T], size: int) -> Iterator[List[T]]:
    """Lists of ``size`` consecutive items (the last may be shorter), read lazily."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    batch: List[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _excluded(rel: str, exclude: Sequence[str]) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(name, p) for p in exclude)


def iter_inputs(
    paths: Sequence[str], include: Sequence[str] = DEFAULT_INCLUDE, exclude: Sequence[str] = ()
) -> Iterator[Union[str, InputError]]:
    """Expand paths in order: files as given, directories recursively (sorted, hidden folders and
    symlinked folders skipped, so link loops cannot recur), ``-`` for standard input."""
    for p in paths:
        if p == STDIN:
            yield p
            continue
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not os.path.islink(os.path.join(root, d)))
                for f in sorted(files):
                    full = os.path.join(root, f)
                    rel = os.path.relpath(full, p).replace(os.sep, "/")
                    if any(fnmatch.fnmatch(f, g) for g in include) and not _excluded(rel, exclude):
                        yield full
        elif os.path.exists(p) or os.path.islink(p):
            if not _excluded(p.replace(os.sep, "/"), exclude):
                yield p
        else:
            yield InputError(p, "no such file or directory")


def sha256_file(path: Union[str, Path]) -> str:
    """Hex sha256 of a file, read in 1 MiB pieces."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def atomic_write_bytes(path: Union[str, Path], data: bytes) -> None:
    """Replace ``path`` with ``data`` via a temporary file and a rename, keeping the file mode.

    On any error (including KeyboardInterrupt) the original is untouched and no temporary remains.
    """
    out = AtomicOutput(str(path))
    try:
        out.write(data)
        out.commit()
    except BaseException:
        out.discard()
        raise


def _mode_for(path: Path) -> int:
    """The mode of the file at ``path``, or the one ``open()`` gives a new file under the umask."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


class AtomicOutput:
    """An output written to a temporary file beside ``path`` and renamed into place by
    :meth:`commit`, keeping the mode of the file it replaces; :meth:`discard` (on an error or
    Ctrl-C) leaves no partial file. ``-`` is standard output, written directly."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.tmp: Optional[str] = None
        if path == STDIN:
            self.fh: BinaryIO = sys.stdout.buffer
            return
        target = Path(path)
        if target.is_dir():
            raise IsADirectoryError(21, "is a directory")
        fd, self.tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        self.fh = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        self.fh.write(data)

    def commit(self) -> None:
        self.fh.flush()
        if self.tmp is None:
            return
        os.fsync(self.fh.fileno())
        self.fh.close()
        os.chmod(self.tmp, _mode_for(Path(self.path)))
        os.replace(self.tmp, self.path)
        self.tmp = None

    def discard(self) -> None:
        if self.tmp is None:
            return
        self.fh.close()
        try:
            os.unlink(self.tmp)
        except OSError:
            pass
        self.tmp = None


def jsonl_records(path: Path, warn: Callable[[str], None]) -> Iterable[Tuple[int, Dict[str, Any]]]:
    """``(line number, record)`` of a JSONL file (gzip when it ends in ``.gz``); a line that is not a
    JSON object is skipped with a warning naming ``file:line``. A file that cannot be read (or
    unzipped) raises :class:`InputError` naming it."""
    opener = gzip.open if path.suffix == ".gz" else open
    lineno = 0
    try:
        with opener(path, "rb") as fh:
            for lineno, raw in enumerate(fh, 1):
                try:
                    rec = json.loads(raw)
                    if not isinstance(rec, dict):
                        raise TypeError("not a JSON object")
                except (ValueError, TypeError) as e:
                    warn(f"{path}:{lineno}: skipped ({e.__class__.__name__}: {e})")
                    continue
                yield lineno, rec
    except (OSError, EOFError, zlib.error) as e:
        raise InputError(str(path), f"unreadable after line {lineno} ({e.__class__.__name__}: {e})") from None


def tsv_rows(path: Union[str, Path]) -> List[List[str]]:
    """The tab-separated fields of each line of a (gzipped when ``.gz``) UTF-8 table, skipping
    blank lines and ``#`` comments."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
        return [line.rstrip("\n").split("\t") for line in fh if line.strip() and not line.startswith("#")]
