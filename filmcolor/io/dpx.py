"""DPX files (SMPTE 268M): the header fields a restorer's sequence carries, and frames written with
them.

ffmpeg reads DPX frames exactly but ignores the header's frame rate, and its DPX encoder writes no
film or television header at all (so no frame rate and no timecode) and always says "linear". So
the header is read here (frame rate, timecode) and DPX frames are written here from numpy: 8-bit,
10-bit (RGB packed method A, as every reader expects) or 16-bit, big-endian, with the full 2048-byte
header: the frame rate, the frame's own timecode and the transfer and colorimetry of the matrix
used. ffmpeg decodes what is written here exactly, and reads its timecode.

Header offsets (bytes; numbers in the file's byte order: magic ``SDPX`` big-endian, ``XPDS``
little-endian; undefined numbers are all ones): image data offset 4, width 772, height 776,
descriptor 800 (6 luma, 50 RGB), transfer 801, colorimetric 802, bit size 803, packing 804;
film header frame rate 1724 (f32); television header timecode 1920 (BCD u32), frame rate 1940 (f32).
The film and television headers exist only where the image data starts at 2048 or later.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..errors import VideoError
from .timecode import from_bcd, to_bcd

HEADER = 2048
# Transfer / colorimetric codes: 6 = ITU-R BT.709, 7 = BT.601 625 lines, 8 = BT.601 525 lines.
MATRIX_CODES = {"bt709": 6, "bt470bg": 7, "smpte170m": 8, "bt601": 8}
_NTSC = {23.976: Fraction(24000, 1001), 29.97: Fraction(30000, 1001), 59.94: Fraction(60000, 1001)}


@dataclass(frozen=True)
class DpxHeader:
    """What a DPX file's header says about the sequence it belongs to."""

    width: int
    height: int
    bits: int
    descriptor: int  # 6 luma, 50 RGB, 51 RGBA
    fps: Fraction | None  # the film header's rate, else the television header's
    timecode: str | None


def _rate(value: float) -> Fraction | None:
    if math.isnan(value) or not 0 < value < 1000:
        return None
    for decimal, exact in _NTSC.items():
        if abs(value - decimal) < 0.002:
            return exact
    return Fraction(value).limit_denominator(1001)


def read_header(path: str | Path) -> DpxHeader:
    """The header of one DPX file, or VideoError if it is not one."""
    with open(path, "rb") as f:
        head = f.read(HEADER)
    order = {b"SDPX": ">", b"XPDS": "<"}.get(head[:4])
    if order is None or len(head) < 808:
        raise VideoError(f"{path}: not a DPX file (its first bytes are {head[:4]!r})")

    def u32(offset: int) -> int:
        return struct.unpack_from(order + "I", head, offset)[0]

    def f32(offset: int) -> float:
        return struct.unpack_from(order + "f", head, offset)[0]

    fps = timecode = None
    if u32(4) >= HEADER and len(head) >= HEADER:  # the film and television headers are there
        fps = (None if u32(1724) == 0xFFFFFFFF else _rate(f32(1724))) or (
            None if u32(1940) == 0xFFFFFFFF else _rate(f32(1940))
        )
        timecode = from_bcd(u32(1920))
    return DpxHeader(u32(772), u32(776), head[803], head[800], fps, timecode)


def write_dpx(
    path: str | Path,
    frame: np.ndarray,
    bits: int,
    *,
    fps: Fraction | None = None,
    timecode: str | None = None,
    matrix: str = "bt709",
) -> None:
    """Write one frame, (h, w, 3) RGB or (h, w) luma, holding ``bits``-bit values (8, 10 or 16),
    as a big-endian DPX file with the full header."""
    h, w = frame.shape[:2]
    rgb = frame.ndim == 3
    if bits == 10 and rgb:  # method A: R, G, B in bits 31-22, 21-12, 11-2 of each 32-bit word
        v = frame.astype(np.uint32)
        data = (v[..., 0] << 22 | v[..., 1] << 12 | v[..., 2] << 2).astype(">u4").tobytes()
    elif bits == 10:  # luma: three pixels a word, pixel 0 in bits 11-2 (what ffmpeg reads)
        v = np.pad(frame.astype(np.uint32), ((0, 0), (0, -w % 3))).reshape(h, -1, 3)
        data = (v[..., 2] << 22 | v[..., 1] << 12 | v[..., 0] << 2).astype(">u4").tobytes()
    elif bits == 16:
        data = frame.astype(">u2").tobytes()
    elif bits == 8:  # each line padded to a whole 32-bit word
        line = w * (3 if rgb else 1)
        rows = frame.astype(np.uint8).reshape(h, line)
        data = np.pad(rows, ((0, 0), (0, -line % 4))).tobytes()
    else:
        raise ValueError(f"DPX frames are written at 8, 10 or 16 bits, not {bits}")
    hdr = bytearray(b"\xff" * HEADER)  # every field undefined unless set below

    def put(fmt: str, offset: int, *values) -> None:
        struct.pack_into(">" + fmt, hdr, offset, *values)

    hdr[0:4] = b"SDPX"
    put("I", 4, HEADER)
    hdr[8:16] = b"V2.0\0\0\0\0"
    put("IIIII", 16, HEADER + len(data), 1, 1664, HEADER - 1664, 0)
    hdr[36:660] = b"\0" * 624  # file name, creation time, creator, project, copyright
    hdr[160:169] = b"filmcolor"
    put("HHII", 768, 0, 1, w, h)  # orientation, one image element, size
    put("IIfIf", 780, 0, 0, 0.0, (1 << bits) - 1, 2.047)  # unsigned, code value range
    code = MATRIX_CODES.get(matrix, 6)
    hdr[800:804] = bytes([50 if rgb else 6, code, code, bits])
    put("HHIII", 804, 1 if bits == 10 else 0, 0, HEADER, 0, 0)  # packing, no RLE, data offset
    hdr[820:852] = b"\0" * 32
    put("II", 1628, 1, 1)  # square pixels
    hdr[1432:1628] = b"\0" * 196  # orientation header's file name, time, device strings
    hdr[1664:1712] = b"\0" * 48  # film manufacturer, type, ... (unknown)
    hdr[1732:1864] = b"\0" * 132  # frame identification, slate
    if fps:
        put("f", 1724, float(fps))
        put("f", 1940, float(fps))
    if timecode:
        put("II", 1920, to_bcd(timecode), 0)
        hdr[1928:1930] = b"\0\0"  # progressive, field 0
    Path(path).write_bytes(bytes(hdr) + data)
