"""Atomic writes, for every weight format and checkpoint (`xa.save`, `save_file`, PyTorch's
`.pth`): the file goes to a temporary file in the target's directory, is flushed to disk,
then renamed over the target (``os.replace``); an error or Ctrl-C in the middle leaves the
previous file untouched. A symlink is written through (its target is replaced, as
``np.savez`` does). Temporary files are named ``.<name>~<pid>-<random>.xarxa-tmp`` (cut to
fit the file-name limit); a write removes those of its target left by writes whose process
no longer runs (killed mid-write).
"""
from __future__ import annotations

import os
import re
import tempfile

__all__ = ["atomic_write"]

_TMP_SUFFIX = ".xarxa-tmp"
_TMP_NAME = re.compile(r"\.(?P<base>.*)~(?P<pid>[0-9]+)-[A-Za-z0-9_]+" + re.escape(_TMP_SUFFIX),
                       re.DOTALL)


def _temp_base(directory: str, name: str) -> str:
    """``name`` cut so that ``.<base>~<pid>-<random>.xarxa-tmp`` fits the file-name limit."""
    try:
        limit = os.pathconf(directory, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):  # not on every OS
        limit = 255
    # '.', '~', a pid of up to 10 digits, '-', mkstemp's 8 random characters, the suffix;
    # the same for every pid, so that any save finds the stale files of another
    room = max(limit - (1 + 1 + 10 + 1 + 8) - len(_TMP_SUFFIX), 1)
    base = name
    while len(os.fsencode(base)) > room:  # the limit counts bytes
        base = base[:-1]
    return base


def _remove_stale_temps(directory: str, base: str) -> None:
    """Remove this target's temporary files left by saves whose process has died."""
    if os.name != "posix":  # os.kill(pid, 0) asks whether pid runs; on Windows it kills
        return
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for entry in names:
        m = _TMP_NAME.fullmatch(entry)
        if m is None or m["base"] != base or int(m["pid"]) == os.getpid():
            continue
        try:
            os.kill(int(m["pid"]), 0)
            continue  # it runs: a save in progress
        except (ProcessLookupError, OverflowError):  # no such process: a killed save's file
            pass
        except OSError:  # PermissionError: it runs, as another user
            continue
        try:
            os.unlink(os.path.join(directory, entry))
        except OSError:
            pass


def atomic_write(path: str, write) -> None:
    """Run ``write(f)`` on a temporary file beside ``path``, then rename it over ``path``."""
    target = os.path.realpath(path)  # through a symlink, as np.savez (open) does
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"save: directory {directory} does not exist (create it "
                                f"first, e.g. os.makedirs) to write {path}")
    if os.path.isdir(target):
        raise IsADirectoryError(f"save: {path} is a directory; give a file name, e.g. "
                                f"{os.path.join(path, 'checkpoint.npz')}")
    base = _temp_base(directory, os.path.basename(target))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{base}~{os.getpid()}-",
                               suffix=_TMP_SUFFIX)
    try:
        # mkstemp makes the file 0600; give it the mode any new file would get (umask).
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)  # atomic on POSIX and Windows: old file or new, never half
    except BaseException:  # also KeyboardInterrupt: never leave a half-written temp behind
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename itself durable (best effort; not possible on every OS)
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass
    _remove_stale_temps(directory, base)
