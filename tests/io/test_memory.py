"""The allocator setting that keeps a long render's memory flat."""

import subprocess
import sys

import pytest

# Run in a fresh process, whose heap has no free space yet that could serve the block itself.
PROBE = """
import sys
import numpy as np
from filmcolor.io.memory import FRAME_BUFFER_BYTES, map_frame_buffers

big = np.ones(16 << 20, np.uint8)
del big  # a large block freed raises glibc's own threshold: frame buffers then come from the heap
if sys.argv[1] == "mapped" and not map_frame_buffers():
    print("not glibc")
    sys.exit()
frame = np.ones(2 * FRAME_BUFFER_BYTES, np.uint8)
with open("/proc/self/maps") as maps:
    for line in maps:
        fields = line.split()
        lo, hi = (int(x, 16) for x in fields[0].split("-"))
        if lo <= frame.ctypes.data < hi:
            print(hi - lo, fields[5] if len(fields) > 5 else "")
"""


def _mapping(how: str) -> tuple[int, str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, how], capture_output=True, text=True, check=True
    ).stdout.split()
    if out == ["not", "glibc"]:
        pytest.skip("not glibc")
    return int(out[0]), " ".join(out[1:])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator")
def test_a_frame_sized_buffer_gets_a_mapping_of_its_own():
    assert _mapping("default")[1] == "[heap]"  # what happens without the setting
    size, name = _mapping("mapped")
    assert name != "[heap]"
    assert size < 8 << 20  # its own mapping, handed back when it is freed
