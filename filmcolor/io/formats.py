"""Pixel formats, colour tags, and the format an output is written in, chosen from its name and
the source's depth.

The output formats are declared in ``codecs``, one entry each (a new one is added there):
``output_format`` writes a file in its name's container (``CONTAINERS``), with the container's
encoder or ``--codec``'s (``ENCODERS``), and a folder or a pattern such as ``master/%06d.tif`` as an
image sequence of the file type its suffix names; at ``--pix-fmt``, else at the encoder's pixel
format for the source's depth. What an entry refuses is refused here, before any work.

The colour tags say the matrix the chroma was made with: the source's where it says one, else
BT.709 for HD and larger, BT.601 for SD.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from ..errors import FilmcolorError
from .codecs import (
    CONTAINERS,
    ENCODERS,
    FOLDER,
    OTHER_NAMES,
    SEQUENCE_SUFFIXES,
    Encoder,
    Kind,
    encoder,
    listing,
)

# Planar Y'CbCr formats: bits, and the chroma planes' shift of width and height (4:2:0 is 1, 1).
PLANAR = {
    (f"yuv{name}p" if bits == 8 else f"yuv{name}p{bits}le"): (bits, sx, sy)
    for name, (sx, sy) in {"420": (1, 1), "422": (1, 0), "444": (0, 0)}.items()
    for bits in (8, 9, 10, 12, 14, 16)
}
_PACKED16 = ("rgb48", "bgr48", "rgba64", "bgra64", "ya16", "gray16")


def bit_depth(pix_fmt: str) -> int:
    """Bits per sample of a pixel format (16 for floating point: filmcolor reads it at 16 bits)."""
    if "f32" in pix_fmt or "f16" in pix_fmt:
        return 16
    if pix_fmt.startswith(_PACKED16):
        return 16
    m = re.search(r"(?:p|gray|x2rgb|x2bgr|p0)(\d+)(?:le|be)?$", pix_fmt)
    return int(m.group(1)) if m and int(m.group(1)) > 8 else 8


_SUBSAMPLED = re.compile(r"yuvj?a?4(20|22|11|10|40)|nv\d|p[0-9]{3}|yuyv|uyvy|yvyu|y210|v210")


def chroma_subsampled(pix_fmt: str) -> bool:
    """Whether a pixel format keeps its chroma at less than the luma's resolution (4:2:0, 4:2:2,
    4:1:1, NV12, packed 4:2:2 ...): only then can the chroma sit off the luma by a fraction of
    its own pixels. RGB and 4:4:4 carry colour on every pixel."""
    return bool(_SUBSAMPLED.match(pix_fmt))


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


_UNSAID = (None, "unknown", "reserved", "unspecified")


@dataclass(frozen=True)
class ColourTags:
    """A stream's colour description, as ffmpeg names it (None: not said)."""

    matrix: str | None = None  # colorspace: bt709, smpte170m, bt470bg, bt2020nc, ...
    primaries: str | None = None
    transfer: str | None = None
    range: str | None = None  # tv (video range) or pc (full range)

    @classmethod
    def of_stream(cls, stream: dict) -> ColourTags:
        """The tags an ffprobe stream gives ("unknown", "unspecified": not said)."""
        keys = ("color_space", "color_primaries", "color_transfer", "color_range")
        said = (stream.get(k) for k in keys)
        return cls(
            *(None if v in (None, "unknown", "reserved", "unspecified") else v for v in said)
        )

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
    return BT709 if is_hd(width, height) else BT601


def is_hd(width: int, height: int) -> bool:
    """HD and larger (BT.709's pictures), by either side: a 1280x544 scope film is HD."""
    return height >= 720 or width >= 1280


@dataclass(frozen=True)
class OutputFormat:
    """How a rendered film is written: a file, or an image sequence in a folder."""

    path: Path  # the file, or the sequence's folder
    codec: str
    pix_fmt: str  # the frames handed over (a sequence: their layout, see ``Encoder.stored``)
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
    def encoder(self) -> Encoder:
        """Its entry in ``codecs.ENCODERS``."""
        return encoder(self.codec, Kind.IMAGES if self.sequence else Kind.VIDEO)


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
    """The format ``out`` is written in, by the entries of ``codecs`` (see the module's docstring);
    FilmcolorError for a combination that cannot be written."""
    out = Path(out)
    if is_sequence_output(out):
        return _sequence_format(out, source_bits, codec, pix_fmt)
    box = CONTAINERS.get(out.suffix.lower(), CONTAINERS[OTHER_NAMES])
    enc = encoder(codec or box.encoder)
    if box.only and enc.name != box.encoder:
        own = ENCODERS[box.encoder]
        others = [
            f"{ENCODERS[c.encoder].title} to {c.suffix}"
            for c in CONTAINERS.values()
            if c is not box
        ]
        raise FilmcolorError(
            f"{out}: {box.title} holds {own.title} here (--codec {own.name}), not {enc.name}; "
            f"write {listing(others)}"
        )
    pix_fmt = pix_fmt or _by_depth(enc, source_bits)
    if pix_fmt not in PLANAR:
        raise FilmcolorError(
            f"{out}: --pix-fmt {pix_fmt} is not a planar Y'CbCr format (such as yuv422p10le) "
            "that a video file is written in"
        )
    if enc.pix_fmts is not None and pix_fmt not in enc.pix_fmts:
        raise FilmcolorError(
            f"{out}: {enc.name} does not write {pix_fmt}; it writes {', '.join(enc.pix_fmts)}"
        )
    return OutputFormat(
        out, enc.name, pix_fmt, bit_depth(pix_fmt), _options(enc, pix_fmt, crf, preset)
    )


def _sequence_format(
    out: Path, source_bits: int, codec: str | None, pix_fmt: str | None
) -> OutputFormat:
    folder, name = (out.parent, out.name) if "%" in out.name else (out, None)
    suffix = Path(name).suffix.lower() if name else None
    types = [e for e in ENCODERS.values() if e.kind is Kind.IMAGES]
    if suffix is not None and suffix not in SEQUENCE_SUFFIXES:
        suffixes = [e.suffixes[0] for e in types]
        raise FilmcolorError(
            f"{out}: an image sequence is written as {listing(suffixes)}, not {suffix}"
        )
    by_name = SEQUENCE_SUFFIXES[suffix].name if suffix else None
    codec = codec or by_name or FOLDER
    names = [e.name for e in types]
    if codec not in names or (by_name and codec != by_name):
        raise FilmcolorError(
            f"{out}: a folder is written as an image sequence: --codec {listing(names)}"
        )
    enc = ENCODERS[codec]
    pix_fmt = pix_fmt or _by_depth(enc, source_bits)
    if pix_fmt not in enc.pix_fmts:
        raise FilmcolorError(
            f"{out}: {codec} frames are written as {', '.join(enc.pix_fmts)}, not {pix_fmt}"
        )
    name = name or f"%06d{enc.suffixes[0]}"
    options = _options(enc, pix_fmt, None, None)
    return OutputFormat(folder, codec, pix_fmt, bit_depth(pix_fmt), options, name)


def _by_depth(enc: Encoder, source_bits: int) -> str:
    """The encoder's default pixel format for a source: as deep as the source, up to its deepest."""
    bits = min(source_bits, bit_depth(enc.by_depth[-1]))
    return next(p for p in enc.by_depth if bit_depth(p) >= bits)


def _options(enc: Encoder, pix_fmt: str, crf: int | None, preset: str | None) -> dict:
    profile = {"profile:v": enc.profiles[pix_fmt]} if enc.profiles else {}
    return {**profile, **enc.options, **enc.quality(crf, preset)}


def check_writable(fmt: OutputFormat, width: int, height: int, fps: Fraction) -> None:
    """Refuse, before any work, what the encoder or container would refuse after it."""
    enc = fmt.encoder
    if width < enc.min_size[0] or height < enc.min_size[1]:
        raise FilmcolorError(
            f"{fmt.path}: {enc.title} needs frames of {enc.min_size[0]}x{enc.min_size[1]} or "
            f"more, not {width}x{height}"
        )
    box = None if fmt.sequence else CONTAINERS.get(fmt.path.suffix.lower())
    if box is not None and box.rates is not None and fps not in box.rates:
        rates = ", ".join(f"{float(r):.3f}".rstrip("0").rstrip(".") for r in sorted(box.rates))
        others = [c.suffix for c in CONTAINERS.values() if c.rates is None]
        raise FilmcolorError(
            f"{fmt.path}: {box.title} does not hold {float(fps):g} fps ({rates}); "
            f"write {listing(others)}"
        )
