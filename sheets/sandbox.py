"""Running the workbook parser in a short-lived child process, so that a hostile file cannot take the app with it.

A few kilobytes are enough to make a spreadsheet library allocate gigabytes: an .xlsx whose two
cells sit at A1 and XFD1048576 becomes a dense grid of 17 billion cells, an .ods cell repeated a
million times, an .xls filled at its corners on five sheets. In the app process that is a crash
(Rust aborts when an allocation fails) or the kernel's OOM killer. In a forked child with a cap on
its address space and CPU time it is a dead child, and the upload is refused with a message.

The child is forked from the app process (no interpreter start-up, modules already imported), does
only the parsing, sends the result back through a pipe as a pickle and exits with os._exit, so it
never touches the parent's database connection or runs its clean-up. Everything the child needs is
imported beforehand: a fork from a process with other threads (a test, a threaded server) must not
wait on a lock one of them held. Where fork() does not exist the parser runs in the process itself.
"""
from __future__ import annotations

import gc
import os
import pickle
import select
import signal
import time
from collections.abc import Callable
from typing import Any

try:
    import resource
except ImportError:  # not on Windows, where there is no fork() either
    resource = None


class SandboxFailed(Exception):
    """The child ran out of memory or time, or died; `reason` is "memory", "time" or "crashed"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def run_limited(function: Callable[..., Any], *args, memory_bytes: int, seconds: float) -> Any:
    """function(*args) in a child allowed `memory_bytes` more address space and `seconds` of time.

    Returns what the function returned (it must be picklable) or re-raises what it raised;
    SandboxFailed when a limit stopped it.
    """
    if not hasattr(os, "fork"):
        return function(*args)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _child(write_end, function, args, memory_bytes, seconds)
    os.close(write_end)
    try:
        payload = _read_until(read_end, time.monotonic() + seconds, pid)
    finally:
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
    if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0) or not payload:
        raise SandboxFailed(_death(status))
    # The pickle comes from our own code in the child, which holds the same rights as the parent.
    # Hundreds of thousands of new objects would set off the cycle collector again and again.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        outcome, value = pickle.loads(payload)  # noqa: S301
    finally:
        if gc_was_enabled:
            gc.enable()
    if outcome == "error":
        raise value
    if outcome == "memory":
        raise SandboxFailed("memory")
    return value


def _death(status: int) -> str:
    if not os.WIFSIGNALED(status):
        return "crashed"
    number = os.WTERMSIG(status)
    if number == signal.SIGXCPU:
        return "time"
    # Rust aborts (SIGABRT) when an allocation fails under the cap; the kernel's OOM killer sends SIGKILL.
    return "memory" if number in (signal.SIGABRT, signal.SIGKILL) else "crashed"


def _child(write_end: int, function, args, memory_bytes: int, seconds: float) -> None:
    code = 0
    # The child lives a second: collecting cycles would only walk (and copy) the parent's objects.
    gc.disable()
    try:
        # The app's handlers (gunicorn's among them) are not the child's business.
        for number in (signal.SIGABRT, signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP):
            signal.signal(number, signal.SIG_DFL)
        # No core file for an abort: each would be as large as the memory cap.
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        current = _address_space()
        if current:
            resource.setrlimit(resource.RLIMIT_AS, (current + memory_bytes, current + memory_bytes))
        cpu = int(seconds) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    except (AttributeError, ValueError, OSError):
        pass  # without limits the child is still apart from the app process
    try:
        try:
            payload = pickle.dumps(("ok", function(*args)), protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            payload = pickle.dumps(("memory", None))
        except Exception as exc:  # noqa: BLE001 - handed to the parent, which raises it
            try:
                payload = pickle.dumps(("error", exc))
            except Exception:  # noqa: BLE001
                payload = pickle.dumps(("error", RuntimeError(repr(exc))))
        view = memoryview(payload)
        while view:
            written = os.write(write_end, view)
            view = view[written:]
    except BaseException:  # noqa: BLE001 - whatever happens, the child must not return into the app
        code = 1
    finally:
        os._exit(code)


def _read_until(fd: int, deadline: float, pid: int) -> bytes:
    chunks = []
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            os.kill(pid, signal.SIGKILL)
            raise SandboxFailed("time")
        if not poller.poll(remaining * 1000):
            continue
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _address_space() -> int:
    """The process's current virtual size: the child starts as a copy of the parent."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0
