"""How the C allocator hands memory back: a long render stays at the memory of its first minute.

A render streams frames of one size through threads (decoder, model, composer, writer) for hours.
glibc's allocator raises its mmap threshold each time a large block is freed, after which frame
buffers come from the heap arenas of those threads, which fragment: over 100 minutes the render's
memory crept up by half. Fixing the threshold at 1 MB keeps every frame-sized buffer in its own
mapping, returned to the system when it is freed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

import numpy as np

M_MMAP_THRESHOLD = -3  # glibc's malloc.h
FRAME_BUFFER_BYTES = 1 << 20


def map_frame_buffers(threshold: int = FRAME_BUFFER_BYTES) -> bool:
    """Have glibc map every block of ``threshold`` bytes or more on its own; False where the C
    library is not glibc (nothing to do there)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return mallopt(M_MMAP_THRESHOLD, threshold) == 1


class Scratch:
    """Working arrays kept from one frame to the next, by name: with the threshold fixed, every
    array of a megabyte or more made afresh is a fresh mapping, its pages faulted in and zeroed
    again on each frame (at 1080p, some 30 MB of a frame's temporaries). One per thread."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def __call__(self, name: str, shape: tuple[int, ...], dtype=np.float32) -> np.ndarray:
        """The array kept as ``name`` (its contents left from its last use), made anew when the
        shape or type asked for changes."""
        a = self.arrays.get(name)
        if a is None or a.shape != tuple(shape) or a.dtype != dtype:
            a = self.arrays[name] = np.empty(shape, dtype)
        return a


class Fresh(Scratch):
    """A ``Scratch`` that keeps nothing: every array asked for is new (for calls whose results
    must outlive the next)."""

    def __call__(self, name: str, shape: tuple[int, ...], dtype=np.float32) -> np.ndarray:
        return np.empty(shape, dtype)


FRESH = Fresh()
