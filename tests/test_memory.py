"""ioresponse.memory: the command line's allocator setting."""

from __future__ import annotations

import platform

import pyarrow as pa
import pytest

from ioresponse.memory import reuse_freed_memory


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the setting is glibc's")
def test_reuse_freed_memory_puts_arrow_on_the_system_allocator_under_glibc():
    """On glibc every mallopt call is accepted and Arrow allocates through malloc, so that what one
    criterion frees serves the next array instead of fresh pages from the kernel."""
    previous = pa.default_memory_pool()
    try:
        assert reuse_freed_memory() is True
        assert pa.default_memory_pool().backend_name == "system"
    finally:
        pa.set_memory_pool(previous)
