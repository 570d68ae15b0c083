"""Keep freed memory in the process for reuse, instead of giving it back to the kernel.

Assessing a cohort allocates and frees arrays of a whole table many times over. By default glibc
maps each large array afresh and unmaps it when freed, and Arrow's allocator (mimalloc) returns freed
pages too, so the kernel zeroes every new array's pages again: on a 100,000-patient cohort that was
about as much kernel time as computing (bench/anatomic.py, ``--allocator``). :func:`reuse_freed_memory`
makes the process reuse what it freed. The command line calls it when it starts; a Python session
that assesses large cohorts may call it once, before any thread starts. The process then holds its
memory high-water mark until it exits.
"""

from __future__ import annotations

import ctypes
import ctypes.util

import pyarrow as pa

_M_TRIM_THRESHOLD = -1  # glibc <malloc.h>
_M_MMAP_MAX = -4
_M_ARENA_MAX = -8
_NEVER = 2**31 - 1


def reuse_freed_memory() -> bool:
    """Arrow on the system allocator, and glibc serving every allocation from one heap (no mmap, a
    single arena) that it never trims. Returns False, changing nothing, where the C library is not
    glibc (macOS, musl)."""
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    settings = ((_M_TRIM_THRESHOLD, _NEVER), (_M_MMAP_MAX, 0), (_M_ARENA_MAX, 1))
    if not all(mallopt(option, value) == 1 for option, value in settings):
        return False
    pa.set_memory_pool(pa.system_memory_pool())
    return True
