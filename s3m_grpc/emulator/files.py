"""Files the emulator writes: private directories, and files that cannot be redirected by a symlink."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger("s3m_grpc.emulator")


def private_dir(path: Path, *, what: str) -> Path:
    """Create `path` (and its parents) with mode 0700; warn if it exists with looser permissions.

    Job scripts, their outputs and the state database live below it: other users of a login node
    must not read a job's environment through it.
    """
    # Path.mkdir(parents=True) gives the parents default permissions: create each missing one 0700.
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning(
            "%s %s is accessible by group or others (mode %o); run: chmod 700 %s", what, path, mode, path
        )
    return path


def write_private(path: str | os.PathLike[str], text: str) -> Path:
    """Write a file readable by its owner only, without following a symlink planted at `path`.

    The text goes to a new file (O_EXCL, O_NOFOLLOW, 0600) beside it, which then replaces `path`:
    a symlink another user put there is replaced, never written through.
    """
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target


__all__ = ["private_dir", "write_private"]
