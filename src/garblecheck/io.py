"""Reading inputs safely and writing outputs atomically.

Decoding: UTF-8 (with or without BOM) and UTF-16 with a BOM; anything else is read as Latin-1
with a warning naming the file. Bytes with NUL in them are binary and refused, as are empty files.
"""

from __future__ import annotations

import codecs
import hashlib
import fnmatch
import os
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional, Sequence, Union

__all__ = [
    "InputError",
    "Decoded",
    "decode",
    "read_input",
    "iter_inputs",
    "atomic_write_bytes",
    "sha256_file",
    "DEFAULT_INCLUDE",
    "MAX_BYTES",
]

DEFAULT_INCLUDE = ("*.txt", "*.md", "*.text")
MAX_BYTES = 256 * 1024 * 1024
STDIN = "-"


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
    path = Path(path)
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask  # what open() would have given a new file
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
