"""Work on the machine's other core: a function run in a forked process while the caller goes on.

The child sees the caller's memory as it was at the fork (copy on write: nothing is copied or
pickled on the way in) and sends its result back pickled through a pipe. Where there is no
fork (not POSIX) or it fails, the function runs when its result is asked for, in this process:
the result is the same, only later. A child never returns into the caller's code: it leaves
with `os._exit`, so no buffered output is written twice and no cleanup runs twice.
"""

from __future__ import annotations

import os
import pickle
import signal
from typing import Callable, Generic, TypeVar

T = TypeVar("T")


class Inline(Generic[T]):
    """``fn(*args)`` done in this process when its result is asked for: for work too small to be worth a process."""

    def __init__(self, fn: Callable[..., T], *args):
        self._call = (fn, args)

    def result(self) -> T:
        fn, args = self._call
        return fn(*args)

    def cancel(self) -> None:
        """Never mind the result (nothing was started)."""


class Forked(Inline[T]):
    """``fn(*args)`` started in a child process; `result()` waits for it and returns it (or raises its error).
    Without a child (no fork), it is done inline."""

    def __init__(self, fn: Callable[..., T], *args):
        super().__init__(fn, *args)
        self._pid = None
        try:
            read, write = os.pipe()
        except OSError:
            return
        try:
            pid = os.fork()
        except (AttributeError, OSError):
            os.close(read)
            os.close(write)
            return
        if pid == 0:
            _child(read, write, fn, args)   # never returns
        os.close(write)
        self._pid, self._read = pid, read

    def result(self) -> T:
        if self._pid is None:
            return super().result()
        with os.fdopen(self._read, "rb") as src:
            data = src.read()
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        if not data:
            raise RuntimeError(f"a worker process ended without its result (wait status {status})")
        ok, value = pickle.loads(data)
        if ok:
            return value
        raise value


    def cancel(self) -> None:
        """Stop the child, if there is one, and never mind its result: for a caller that no longer needs it."""
        if self._pid is None:
            return
        try:
            os.kill(self._pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self._pid, 0)
        os.close(self._read)
        self._pid = None


def _child(read: int, write: int, fn, args) -> None:
    code = 1
    try:
        os.close(read)
        # Ctrl-C ends the child quietly: the caller is the one that says so.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        try:
            payload = pickle.dumps((True, fn(*args)), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as e:  # the caller raises it
            try:
                payload = pickle.dumps((False, e), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:
                payload = pickle.dumps((False, RuntimeError(f"{type(e).__name__}: {e}")))
        with os.fdopen(write, "wb") as out:
            out.write(payload)
        code = 0
    finally:
        os._exit(code)

