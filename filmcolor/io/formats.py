"""Pixel formats, colour tags and the output formats filmcolor writes, chosen from the output's
name and the source's depth.

Outputs, by the name given to ``-o`` (``--codec`` and ``--pix-fmt`` override the choice):

- ``.mov``: ProRes 422 HQ, yuv422p10le (``--pix-fmt yuv444p10le``: ProRes 4444)
- ``.mxf``: DNxHR HQX, yuv422p10le (an 8-bit source: DNxHR HQ, yuv422p; yuv444p10le: DNxHR 444)
- ``.mkv``: FFV1 (lossless), yuv420p at the source's depth (8, 10, 12 or 16 bits)
- ``.mp4`` and anything else: H.264 (``--codec libx265``: H.265), yuv420p, the compact default
- a folder, or a pattern such as ``master/%06d.tif``: an image sequence, TIFF or PNG at 16 bits,
  DPX at 10, EXR half float (an 8-bit source: 8-bit TIFF, PNG, DPX)

The depth written is the highest the format holds up to the source's. The colour tags say the
matrix the chroma was made with: the source's where it says one, else BT.709 for HD and larger,
BT.601 for SD.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from ..errors import FilmcolorError

# Planar Y'CbCr formats: bits, and the chroma planes' shift of width and height (4:2:0 is 1, 1).
PLANAR = {
    (f"yuv{name}p" if bits == 8 else f"yuv{name}p{bits}le"): (bits, sx, sy)
    for name, (sx, sy) in {"420": (1, 1), "422": (1, 0), "444": (0, 0)}.items()
    for bits in (8, 9, 10, 12, 14, 16)
}
_PACKED16 = ("rgb48", "bgr48", "rgba64", "bgra64", "ya16", "gray16")
SEQUENCE_CODECS = {".tif": "tiff", ".tiff": "tiff", ".png": "png", ".dpx": "dpx", ".exr": "exr"}
# What each image-sequence format is written as: pix_fmt -> bits (the first: from an 8-bit source;
# the last: from a deeper one).
_SEQUENCE_PIX = {
    "tiff": {"rgb24": 8, "rgb48le": 16},
    "png": {"rgb24": 8, "rgb48le": 16},
    "dpx": {"rgb24": 8, "gbrp10le": 10, "rgb48le": 16},
    "exr": {"gbrpf32le": 16},
}
_DEFAULT_SEQUENCE_PIX = {"tiff": "rgb48le", "png": "rgb48le", "dpx": "gbrp10le", "exr": "gbrpf32le"}
_SEQUENCE_OPTIONS = {
    "tiff": {"compression_algo": "deflate"},
    "exr": {"format:v": "half", "compression": "zip16"},  # "format" alone is -f
}
_VIDEO_CODECS = {".mov": "prores_ks", ".mxf": "dnxhd", ".mkv": "ffv1"}
# Pixel formats the encoders filmcolor knows take (others are left to ffmpeg to check).
_ENCODER_PIX = {
    "prores_ks": ("yuv422p10le", "yuv444p10le"),
    "prores_aw": ("yuv422p10le", "yuv444p10le"),
    "dnxhd": ("yuv422p", "yuv422p10le", "yuv444p10le"),
    "libx264": ("yuv420p", "yuv422p", "yuv444p", "yuv420p10le", "yuv422p10le", "yuv444p10le"),
    "libx265": tuple(f"yuv{c}p{b}" for c in ("420", "422", "444") for b in ("", "10le", "12le")),
    "ffv1": tuple(PLANAR),
}
_CRF_CODECS = ("libx264", "libx265", "libvpx-vp9", "libsvtav1", "libaom-av1")
_PRESET_CODECS = ("libx264", "libx265", "libsvtav1")
MXF_RATES = {Fraction(n, d) for n, d in ((24000, 1001), (30000, 1001), (60000, 1001))} | {
    Fraction(n) for n in (24, 25, 30, 48, 50, 60)
}


def bit_depth(pix_fmt: str) -> int:
    """Bits per sample of a pixel format (16 for floating point: filmcolor reads it at 16 bits)."""
    if "f32" in pix_fmt or "f16" in pix_fmt:
        return 16
    if pix_fmt.startswith(_PACKED16):
        return 16
    m = re.search(r"(?:p|gray|x2rgb|x2bgr|p0)(\d+)(?:le|be)?$", pix_fmt)
    return int(m.group(1)) if m and int(m.group(1)) > 8 else 8


def frame_layout(pix_fmt: str, width: int, height: int) -> tuple[tuple[int, ...], str]:
    """The numpy shape and dtype of one frame of a raw pipe in ``pix_fmt``; planar Y'CbCr frames
    are their planes one after another: Y, then U, then V, as rows of the frame's width."""
    if pix_fmt in PLANAR:
        bits, sx, sy = PLANAR[pix_fmt]
        n = width * height + 2 * (-(-width >> sx)) * (-(-height >> sy))
        shape = (n // width, width) if n % width == 0 else (n,)
        return shape, "u1" if bits == 8 else "<u2"
    fixed = {
        "gray": ((height, width), "u1"),
        "gray16le": ((height, width), "<u2"),
        "rgb24": ((height, width, 3), "u1"),
        "rgb48le": ((height, width, 3), "<u2"),
        "grayf32le": ((height, width), "<f4"),
        "gbrpf32le": ((3, height, width), "<f4"),
    }
    if pix_fmt not in fixed:
        raise ValueError(f"no frame layout for pixel format {pix_fmt}")
    return fixed[pix_fmt]


# Luma weights (Kr, Kb) of each matrix, by ffmpeg's colorspace names.
WEIGHTS = {
    "bt709": (0.2126, 0.0722),
    "smpte170m": (0.299, 0.114),
    "bt470bg": (0.299, 0.114),
    "bt2020nc": (0.2627, 0.0593),
}


@dataclass(frozen=True)
class ColourTags:
    """A stream's colour description, as ffmpeg names it (None: not said)."""

    matrix: str | None = None  # colorspace: bt709, smpte170m, bt470bg, bt2020nc, ...
    primaries: str | None = None
    transfer: str | None = None
    range: str | None = None  # tv (video range) or pc (full range)

    @property
    def weights(self) -> tuple[float, float]:
        return WEIGHTS.get(self.matrix or "", WEIGHTS["smpte170m"])

    def options(self) -> dict:
        """ffmpeg output options writing these tags."""
        names = ("colorspace", "color_primaries", "color_trc", "color_range")
        values = (self.matrix, self.primaries, self.transfer, self.range)
        return {k: v for k, v in zip(names, values) if v}

    def frame_options(self) -> dict:
        """``setparams`` options putting the tags on the frames themselves (ProRes takes its
        colour description from the frames, not the output options)."""
        names = ("colorspace", "color_primaries", "color_trc", "range")
        values = (self.matrix, self.primaries, self.transfer, self.range)
        return {k: v for k, v in zip(names, values) if v}


BT601 = ColourTags("smpte170m", "smpte170m", "smpte170m", "tv")
BT709 = ColourTags("bt709", "bt709", "bt709", "tv")


def output_colour(source: ColourTags, width: int, height: int) -> ColourTags:
    """The colour tags of a film rendered from a source: the source's matrix (and its primaries
    and transfer) where it says one, else BT.709 for HD and larger, BT.601 for SD; video range."""
    if source.matrix in WEIGHTS:
        default = BT709 if source.matrix == "bt709" else BT601
        return ColourTags(
            source.matrix,
            source.primaries or default.primaries,
            source.transfer or default.transfer,
            "tv",
        )
    return BT709 if height >= 720 or width >= 1280 else BT601


@dataclass(frozen=True)
class OutputFormat:
    """How a rendered film is written: a file, or an image sequence in a folder."""

    path: Path  # the file, or the sequence's folder
    codec: str
    pix_fmt: str  # the frames handed over (a sequence: their layout, see SEQUENCE_CODECS)
    bits: int
    options: dict = field(default_factory=dict)  # encoder options
    name: str | None = None  # a sequence's file names in ``path``, e.g. "%06d.tif"

    @property
    def sequence(self) -> bool:
        return self.name is not None

    @property
    def rgb(self) -> bool:
        """Frames are R'G'B' (image sequences) rather than Y'CbCr planes."""
        return self.pix_fmt not in PLANAR

    @property
    def chroma_shift(self) -> tuple[int, int]:
        return PLANAR[self.pix_fmt][1:] if not self.rgb else (0, 0)

    @property
    def container(self) -> str:
        return "sequence" if self.sequence else self.path.suffix.lstrip(".").lower()


def output_path(out: str | Path) -> Path:
    """What an ``-o`` names: the file, or the folder an image sequence is written into (a pattern's
    folder, or a path without a suffix)."""
    out = Path(out)
    if "%" in out.name:
        return out.parent
    return out


def is_sequence_output(out: str | Path) -> bool:
    out = Path(out)
    return "%" in out.name or out.is_dir() or not out.suffix


def output_format(
    out: str | Path,
    source_bits: int,
    *,
    codec: str | None = None,
    pix_fmt: str | None = None,
    crf: int | None = 18,
    preset: str | None = "medium",
) -> OutputFormat:
    """The format ``out`` is written in (see the module's docstring); FilmcolorError for a
    combination that cannot be written."""
    out = Path(out)
    if is_sequence_output(out):
        return _sequence_format(out, source_bits, codec, pix_fmt)
    suffix = out.suffix.lower()
    codec = codec or _VIDEO_CODECS.get(suffix, "libx264")
    if suffix == ".mxf" and codec != "dnxhd":
        raise FilmcolorError(
            f"{out}: MXF holds DNxHR here (--codec dnxhd); write ProRes to .mov, FFV1 to .mkv"
        )
    deep = source_bits > 8
    options: dict = {}
    if codec.startswith("prores"):
        pix_fmt = pix_fmt or "yuv422p10le"
        options["profile:v"] = 4 if pix_fmt.startswith("yuv444") else 3
        if codec == "prores_ks":
            options["vendor"] = "apl0"
    elif codec == "dnxhd":
        pix_fmt = pix_fmt or ("yuv422p10le" if deep else "yuv422p")
        options["profile:v"] = {"yuv444p10le": "dnxhr_444", "yuv422p": "dnxhr_hq"}.get(
            pix_fmt, "dnxhr_hqx"
        )
    elif codec == "ffv1":
        bits = next(b for b in (8, 9, 10, 12, 14, 16) if b >= min(source_bits, 16))
        pix_fmt = pix_fmt or ("yuv420p" if bits == 8 else f"yuv420p{bits}le")
        options.update({"level": 3, "g": 1, "slices": 4, "slicecrc": 1})
    else:
        pix_fmt = pix_fmt or "yuv420p"
        if crf is not None and codec in _CRF_CODECS:
            options["crf"] = crf
        if preset and codec in _PRESET_CODECS:
            options["preset"] = preset
    if pix_fmt not in PLANAR:
        raise FilmcolorError(
            f"{out}: --pix-fmt {pix_fmt} is not a planar Y'CbCr format (such as yuv422p10le) "
            "that a video file is written in"
        )
    if codec in _ENCODER_PIX and pix_fmt not in _ENCODER_PIX[codec]:
        raise FilmcolorError(
            f"{out}: {codec} does not write {pix_fmt}; it writes {', '.join(_ENCODER_PIX[codec])}"
        )
    return OutputFormat(out, codec, pix_fmt, PLANAR[pix_fmt][0], options)


def _sequence_format(
    out: Path, source_bits: int, codec: str | None, pix_fmt: str | None
) -> OutputFormat:
    folder, name = (out.parent, out.name) if "%" in out.name else (out, None)
    suffix = Path(name).suffix.lower() if name else None
    if suffix is not None and suffix not in SEQUENCE_CODECS:
        raise FilmcolorError(
            f"{out}: an image sequence is written as .tif, .png, .dpx or .exr, not {suffix}"
        )
    by_name = SEQUENCE_CODECS[suffix] if suffix else None
    codec = codec or by_name or "tiff"
    if codec not in _SEQUENCE_PIX or (by_name and codec != by_name):
        raise FilmcolorError(
            f"{out}: a folder is written as an image sequence: --codec tiff, png, dpx or exr"
        )
    choices = _SEQUENCE_PIX[codec]
    if pix_fmt is None:
        pix_fmt = next(iter(choices)) if source_bits <= 8 else _DEFAULT_SEQUENCE_PIX[codec]
    if pix_fmt not in choices:
        raise FilmcolorError(
            f"{out}: {codec} frames are written as {', '.join(choices)}, not {pix_fmt}"
        )
    name = name or f"%06d.{'tif' if codec == 'tiff' else codec}"
    options = dict(_SEQUENCE_OPTIONS.get(codec, {}))
    return OutputFormat(folder, codec, pix_fmt, choices[pix_fmt], options, name)


def check_writable(fmt: OutputFormat, width: int, height: int, fps: Fraction) -> None:
    """Refuse, before any work, what the encoder or container would refuse after it."""
    if fmt.codec == "dnxhd" and (width < 256 or height < 120):
        raise FilmcolorError(
            f"{fmt.path}: DNxHR needs frames of 256x120 or more, not {width}x{height}"
        )
    if fmt.container == "mxf" and fps not in MXF_RATES:
        raise FilmcolorError(
            f"{fmt.path}: MXF does not hold {float(fps):g} fps (23.976, 24, 25, 29.97, 30, 48, 50, "
            "59.94, 60); write .mov or .mkv"
        )
