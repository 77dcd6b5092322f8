"""Atomic output: a file, or a set of files that belong together, appears whole or not at all.

- `output_set(folder, …)` locks the folders against other Errata runs, stages every
  file of the set as a temporary file beside its target, and on success commits them
  together: a journal naming every rename is written (in each folder of the set) and
  only then are the files renamed over their targets. A run killed before the journal
  leaves the old set (its temporary files are removed by the next run); a run killed
  after it leaves a journal that the next run in any of the folders completes.
- `write_bytes`/`write_text`/`atomic_path` write one file the same way.

The folder lock is `flock` on the folder itself (no lock file left behind): a second
run waits, saying so, until the first has finished. Every I/O error names its file.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import signal
import sys
import time
from contextlib import contextmanager
from typing import Callable, Iterator

TMP_SUFFIX = ".errata-tmp"      # every temporary file Errata leaves while writing ends so
JOURNAL = ".errata-commit.json"  # present only between a set's commit point and its last rename
FAULT_KILL = "ERRATA_FAULT_KILL_AFTER"  # tests: die (SIGKILL) after staging ("staged") or after renaming this name
FAULT_PAUSE = "ERRATA_FAULT_PAUSE"      # tests: sleep this many seconds, folders locked, before committing

_held: dict[str, list] = {}  # folder real path → [fd, depth]: locks this process holds


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


on_wait: Callable[[str], None] = _say  # how a run waiting for another's folder lock tells the user


def _named(e: OSError, path: str) -> OSError:
    """The error with the file it concerns (a write on a full disk names none)."""
    if e.filename is None:
        e.filename = path
    return e


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_dir(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a folder; the renames are still atomic
    finally:
        os.close(fd)


@contextmanager
def folder_lock(folder: str | os.PathLike) -> Iterator[str]:
    """Hold ``folder`` (created when missing) against other Errata runs; finish or clean
    what a killed run left there. Re-entrant within one process. Yields the real path."""
    path = os.path.realpath(os.fspath(folder))
    held = _held.get(path)
    if held is not None:
        held[1] += 1
        try:
            yield path
        finally:
            held[1] -= 1
        return
    try:
        os.makedirs(path, exist_ok=True)
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as e:
        raise _named(e, os.fspath(folder))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            on_wait(f"errata: waiting for another errata run writing into {os.fspath(folder)} …")
            fcntl.flock(fd, fcntl.LOCK_EX)
        _held[path] = [fd, 1]
        try:
            recover(path)
            yield path
        finally:
            del _held[path]
    finally:
        os.close(fd)  # closing releases the lock


def recover(folder: str) -> list[str]:
    """Complete a set whose commit a killed run left half done, then remove temporary
    files left by killed runs. Call with the folder locked. Returns the files completed."""
    done: list[str] = []
    journal = os.path.join(folder, JOURNAL)
    if os.path.exists(journal):
        try:
            with open(journal, encoding="utf-8") as fh:
                plan = json.load(fh)
            renames, removals, journals = plan["rename"], plan["remove"], plan["journals"]
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise OSError(errno.EIO, f"unreadable commit journal ({e}); remove it and build again", journal)
        for tmp, target in renames:
            if os.path.exists(tmp):
                os.replace(tmp, target)
                done.append(target)
        for target in removals:
            if os.path.lexists(target):
                os.unlink(target)
        for folder_of in {os.path.dirname(t) for _, t in renames}:
            _fsync_dir(folder_of)
        for j in journals:
            if os.path.exists(j):
                os.unlink(j)
    for name in os.listdir(folder):
        if name.endswith(TMP_SUFFIX):
            try:
                os.unlink(os.path.join(folder, name))
            except (FileNotFoundError, IsADirectoryError):
                pass
    return done


def check_target(target: str) -> None:
    if os.path.isdir(target):
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file: name the file to write", target)
    name = os.path.basename(target)
    try:
        limit = os.pathconf(os.path.dirname(target), "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    if len(os.fsencode(name)) > limit:
        raise OSError(errno.ENAMETOOLONG, f"file name longer than {limit} bytes: use a shorter deck id or name",
                      target)


class FileSet:
    """Files staged to change together; see `output_set`."""

    def __init__(self, folders: list[str]):
        self.folders = folders               # real paths, locked
        self.renames: list[tuple[str, str]] = []   # (temporary file, target), renamed in this order
        self.removals: list[str] = []
        self.scratches: list[str] = []

    def _target(self, target) -> str:
        path = os.path.join(os.path.realpath(os.path.dirname(os.path.abspath(os.fspath(target)))),
                            os.path.basename(os.fspath(target)))
        if os.path.dirname(path) not in self.folders:
            raise ValueError(f"{target}: its folder is not part of this output set")
        return path

    def path(self, target) -> str:
        """A new temporary file for ``target``: write it, it becomes ``target`` at commit."""
        final = self._target(target)
        check_target(final)
        if any(t == final for _, t in self.renames):
            raise ValueError(f"{target} is staged twice")
        folder = os.path.dirname(final)
        # A short name of our own: the target's name may be near the file-name limit.
        tmp = os.path.join(folder, f".{os.urandom(6).hex()}{TMP_SUFFIX}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 & ~_umask())
        except OSError as e:
            raise _named(e, final)
        os.close(fd)
        self.renames.append((tmp, final))
        return tmp

    def write(self, target, data: bytes, tmp: str | None = None) -> None:
        """Stage ``data`` as ``target`` (into ``tmp``, when `path` gave one earlier)."""
        tmp = tmp or self.path(target)
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
        except OSError as e:
            raise _named(e, os.fspath(target))

    def scratch(self, folder) -> str:
        """A temporary file in one of the set's folders that is no part of the set: the
        caller removes it; a killed run's is removed by the next run."""
        folder = os.path.realpath(os.fspath(folder))
        if folder not in self.folders:
            raise ValueError(f"{folder}: not a folder of this output set")
        tmp = os.path.join(folder, f".{os.urandom(6).hex()}{TMP_SUFFIX}")
        self.scratches.append(tmp)
        return tmp

    def remove(self, target) -> None:
        """Delete ``target`` (if it exists) when the set commits."""
        self.removals.append(self._target(target))

    def commit(self) -> None:
        for tmp, target in self.renames:
            try:
                with open(tmp, "rb+") as fh:
                    os.fsync(fh.fileno())
            except OSError as e:
                raise _named(e, target)
        _fault("staged")
        pause = os.environ.get(FAULT_PAUSE)
        if pause:
            time.sleep(float(pause))
        removals = [t for t in self.removals if all(t != r for _, r in self.renames) and os.path.lexists(t)]
        single = len(self.renames) + len(removals) <= 1
        journals = [] if single else [os.path.join(f, JOURNAL) for f in self.folders]
        if journals:
            plan = json.dumps({"rename": self.renames, "remove": removals, "journals": journals}).encode()
            staged = []
            for j in journals:
                tmp = os.path.join(os.path.dirname(j), f".{os.urandom(6).hex()}{TMP_SUFFIX}")
                try:
                    with open(tmp, "wb") as fh:
                        fh.write(plan)
                        fh.flush()
                        os.fsync(fh.fileno())
                except OSError as e:
                    raise _named(e, j)
                staged.append((tmp, j))
            for tmp, j in staged:  # the commit point: from here on the next run completes the set
                os.replace(tmp, j)
                _fsync_dir(os.path.dirname(j))
        for tmp, target in self.renames:
            os.replace(tmp, target)
            _fault(os.path.basename(target))
        for target in removals:
            try:
                os.unlink(target)
            except FileNotFoundError:
                pass
        for folder in self.folders:
            _fsync_dir(folder)
        for j in journals:
            os.unlink(j)
        for tmp in self.scratches:
            if os.path.exists(tmp):
                os.unlink(tmp)
        self.renames, self.removals, self.scratches = [], [], []

    def discard(self) -> None:
        for tmp in [t for t, _ in self.renames] + self.scratches:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
        self.renames, self.removals, self.scratches = [], [], []


def _fault(point: str) -> None:
    if os.environ.get(FAULT_KILL) == point:
        os.kill(os.getpid(), signal.SIGKILL)


@contextmanager
def output_set(*folders) -> Iterator[FileSet]:
    """Lock ``folders`` and yield a `FileSet` for files in them; commit it when the block
    ends normally, discard it (targets untouched) when it raises."""
    real = sorted({os.path.realpath(os.fspath(f)) for f in folders})
    with _locked(real):
        files = FileSet(real)
        try:
            yield files
        except BaseException:
            files.discard()
            raise
        files.commit()


@contextmanager
def _locked(folders: list[str]):
    if not folders:
        yield
        return
    with folder_lock(folders[0]):
        with _locked(folders[1:]):
            yield


@contextmanager
def atomic_path(target: str | os.PathLike):
    """Yield a temporary path beside ``target``; on success it replaces ``target``."""
    target = os.fspath(target)
    check_target(target)
    with output_set(os.path.dirname(os.path.abspath(target))) as files:
        yield files.path(target)


def write_bytes(target, data: bytes) -> None:
    with output_set(os.path.dirname(os.path.abspath(os.fspath(target)))) as files:
        files.write(target, data)


def write_text(target, text: str) -> None:
    write_bytes(target, text.encode("utf-8"))
