"""Handing memory back to the operating system after large responses.

A list of 10,000 ports builds some 40 MB of short-lived Python objects and an
8 MB JSON body. CPython frees them when the response is done, but glibc's
malloc keeps freed memory for reuse: in one arena per thread (a gthread worker
has eight), and, after the first large buffer is freed, below a raised mmap
threshold so later large buffers come from those arenas too. A worker then
stays at its peak size for good. Measured on a 10,000-port list, the worker
kept ~50 MB after the first list and more as lists ran on other threads.

Three glibc knobs, set through ctypes because the process is already running
when we get control (the ``MALLOC_*`` environment variables are read at
process start, before gunicorn forks the worker):

* ``M_ARENA_MAX`` 2: threads share two arenas instead of up to 8 per core;
* ``M_MMAP_THRESHOLD`` fixed at 256 KiB: buffers above it are always mapped
  and unmapped on free (fixing the value turns off glibc's raising of it);
* ``malloc_trim(0)`` after a response larger than ``TRIM_AFTER_BYTES``: returns
  the free pages inside the arenas.

On a C library without these functions (musl, macOS) nothing changes.

``freeze_startup_objects`` is about time rather than size: a large list
allocates hundreds of thousands of objects, which sets off full garbage
collections, and each of those walked every object the worker made at
start-up (modules, SQLAlchemy tables, the application) again. Frozen, they
are skipped: a 10,000-port list took ~10% less server CPU (noisy machine).
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import logging
import threading
from collections.abc import Iterator

import falcon

LOG = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # glibc <malloc.h>
M_ARENA_MAX = -8
MMAP_THRESHOLD_BYTES = 256 * 1024
ARENA_MAX = 2
TRIM_AFTER_BYTES = 256 * 1024  # a list of ~3,000 ports, or 10,000 with fields=id


def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt  # noqa: B018 - present only in glibc (and a few look-alikes)
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _glibc()


def tune_allocator() -> None:
    """Cap malloc arenas and fix the mmap threshold, for this process."""
    if _LIBC is None:
        return
    if not (_LIBC.mallopt(M_ARENA_MAX, ARENA_MAX) and
            _LIBC.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)):
        LOG.warning("mallopt refused the allocator settings; memory use may be higher")


def freeze_startup_objects() -> None:
    """Move every object alive now out of the garbage collector's sight for good
    (call once the application is built; they live as long as the process).
    No collection first: it took ~20 ms of start-up and found a few dozen objects."""
    gc.freeze()


_paused = 0
_was_enabled = True
_paused_lock = threading.Lock()


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """No cyclic garbage collection while a large response is built.

    A list of 10,000 ports makes some 200,000 containers that all live until the
    response is sent, so every collection they set off finds nothing to free and
    only walks them again (~10% of the list's CPU). The objects are freed by
    reference counting as before; a collection runs as usual once the last of the
    threads building a list is done (the counts it waits for keep growing meanwhile)."""
    global _paused, _was_enabled
    with _paused_lock:
        _paused += 1
        if _paused == 1:
            _was_enabled = gc.isenabled()
            gc.disable()
    try:
        yield
    finally:
        with _paused_lock:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.enable()


def release_free_memory() -> None:
    """Give the free pages of malloc's arenas back to the operating system."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


class TrimAfterLargeResponses:
    """Falcon middleware: trim malloc after a large response body was built.

    By ``process_response`` the responder's rows and dicts are gone; the JSON
    body itself is above the mmap threshold, so it is unmapped when freed.
    Trimming took under a millisecond after a 10,000-port list (which takes
    ~100 ms or more), and microseconds when there is nothing to give back.
    """

    def process_response(self, req: falcon.Request, resp: falcon.Response,
                         resource: object, req_succeeded: bool) -> None:
        data = resp.data
        if data is not None and len(data) >= TRIM_AFTER_BYTES:
            release_free_memory()
