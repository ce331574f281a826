"""The corpus folder is a boundary: only regular files whose real path is inside it are ever read.

A link to a file inside the corpus is fine; a link that resolves outside it (`shadow.md -> /etc/shadow`), a FIFO
(opening one blocks forever), a device or a socket is refused with a reason the caller shows. The build, the
sidecar and catalogue reader, and uploads all ask `refusal` (or `is_inside`) before they read a byte.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

FOLDER = "a folder"
# What a path is when it is not a regular file, by its type letter in `stat.filemode` (`ls -l`'s first column).
NOT_REGULAR = {
    "d": FOLDER,
    "p": "a FIFO (named pipe)",
    "s": "a socket",
    "c": "a character device",
    "b": "a block device",
}
OUTSIDE = "a link to outside the corpus folder (not read)"


class Refused(OSError):
    """A path the corpus rule does not allow; the message says why in a few words."""


def refusal(path: Path | str, root: Path | str) -> str | None:
    """Why `path` may not be read as part of the corpus folder `root`, or None when it may: it must be a regular
    file whose real path (every link followed) lies inside the real path of `root`."""
    try:
        real = os.path.realpath(path, strict=True)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a link that loops"
        if os.path.islink(path):
            return "a broken link"
        return exc.strerror or str(exc)
    if not is_within(real, root):
        return OUTSIDE
    try:
        mode = os.stat(real).st_mode
    except OSError as exc:
        return exc.strerror or str(exc)
    if stat.S_ISREG(mode):
        return None
    kind = NOT_REGULAR.get(stat.filemode(mode)[0], "a special file")
    return kind if kind == FOLDER else f"{kind}, not a regular file"


def is_inside(path: Path | str, root: Path | str) -> bool:
    """Is `path` a regular file whose real path is inside the folder `root`? The one test every reader of corpus
    files (build, sidecars, metadata.csv, uploads) applies before reading."""
    return refusal(path, root) is None


def is_within(real: str, root: Path | str) -> bool:
    """Is the resolved path `real` the folder `root` or anything under it?"""
    base = os.path.realpath(root)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def read_inside(path: Path | str, root: Path | str, max_bytes: int) -> bytes:
    """The bytes of `path` if the corpus rule allows it and it holds at most `max_bytes`; else `Refused`.

    The file is checked again on the opened descriptor, so a link swapped between the check and the read still
    cannot make us read a FIFO, a device or anything outside `root`."""
    why = refusal(path, root)
    if why:
        raise Refused(why)
    real = os.path.realpath(path)
    fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise Refused("not a regular file")
        if st.st_size > max_bytes:
            raise TooLarge(st.st_size)
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TooLarge(len(data))
    return data


class TooLarge(Refused):
    """The file holds more than the limit allows; `size` is what it holds (or at least read)."""

    def __init__(self, size: int):
        super().__init__(f"{size} bytes")
        self.size = size
