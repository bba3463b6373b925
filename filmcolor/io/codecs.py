"""Every output format filmcolor writes, declared once: the encoders (``ENCODERS``: video encoders,
and the image file types of a sequence) and the containers of video files (``CONTAINERS``).

To add an output format, add one entry here and nothing elsewhere:

- a video encoder (for ``--codec``): an ``Encoder``, with the pixel formats it writes, its default
  by the source's depth, its options and what it refuses;
- a container (a video file's suffix): a ``Container``, naming its encoder and what it refuses;
- an image file type of a sequence: an ``Encoder`` of kind ``Kind.IMAGES`` with its suffixes (and
  its own ``write`` where ffmpeg's writer will not do).

``formats.output_format`` chooses from these tables by ``-o``'s name and the source's depth, the
writers (``writer``, ``outputs``) and the render's frames (``rendering.planes``) follow the entry,
and ``filmcolor render --help`` lists them (``outputs_help``). The sound a container is given is
``audio.audio_options``'s (copied, unless it says otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

from .dpx import write_dpx


class Kind(StrEnum):
    """What an encoder writes."""

    VIDEO = "video"  # a stream of Y'CbCr planes, in a container file
    IMAGES = "images"  # numbered R'G'B' image files, in a folder


@dataclass(frozen=True)
class Encoder:
    """An encoder (ffmpeg's name) and what it takes; for ``Kind.IMAGES``, its files too."""

    name: str
    title: str  # as people call it: in --help, errors and a sequence's sequence.json
    kind: Kind = Kind.VIDEO
    pix_fmts: tuple[str, ...] | None = None  # what it writes (None: any Y'CbCr, ffmpeg checks)
    by_depth: tuple[str, ...] = ("yuv420p",)  # default: the first as deep as the source, else last
    profiles: dict = field(default_factory=dict)  # its profile:v by pixel format
    options: dict = field(default_factory=dict)  # more encoder options
    crf: bool = False  # takes --crf
    preset: bool = False  # takes --preset
    min_size: tuple[int, int] = (0, 0)  # the smallest frame it encodes
    suffixes: tuple[str, ...] = ()  # an image sequence's file names (the first: its default)
    stored: dict = field(default_factory=dict)  # pixel format handed over -> the one it takes
    linear: bool = False  # scene-linear values (BT.709's transfer inverted), not R'G'B'
    write: Callable | None = None  # writes one file itself, as ``dpx.write_dpx``; None: ffmpeg

    def quality(self, crf: int | None, preset: str | None) -> dict:
        """The ``--crf`` and ``--preset`` options, where it takes them."""
        options: dict = {}
        if self.crf and crf is not None:
            options["crf"] = crf
        if self.preset and preset:
            options["preset"] = preset
        return options


@dataclass(frozen=True)
class Container:
    """A video file's container, by its name's suffix."""

    suffix: str
    title: str
    encoder: str  # written with, unless --codec says another
    only: bool = False  # holds its own encoder only
    rates: frozenset[Fraction] | None = None  # the frame rates it holds (None: any)


def _prores(name: str, **options) -> Encoder:
    """A ProRes encoder: 422 HQ, or 4444 from 4:4:4 frames."""
    profiles = {"yuv422p10le": 3, "yuv444p10le": 4}
    return Encoder(name, "ProRes", pix_fmts=tuple(profiles), by_depth=("yuv422p10le",),
                   profiles=profiles, options=options)  # fmt: skip


_X265 = tuple(f"yuv{c}p{b}" for c in ("420", "422", "444") for b in ("", "10le", "12le"))
ENCODERS = {
    e.name: e
    for e in (
        Encoder(
            "libx264",
            "H.264",
            pix_fmts=("yuv420p", "yuv422p", "yuv444p", "yuv420p10le", "yuv422p10le", "yuv444p10le"),
            crf=True,
            preset=True,
        ),
        Encoder("libx265", "H.265", pix_fmts=_X265, crf=True, preset=True),
        Encoder("libvpx-vp9", "VP9", crf=True),
        Encoder("libsvtav1", "AV1", crf=True, preset=True),
        Encoder("libaom-av1", "AV1", crf=True),
        _prores("prores_ks", vendor="apl0"),
        _prores("prores_aw"),
        _prores("prores"),  # ffmpeg's other name of prores_aw
        Encoder(
            "dnxhd",
            "DNxHR",
            pix_fmts=("yuv422p", "yuv422p10le", "yuv444p10le"),
            by_depth=("yuv422p", "yuv422p10le"),
            profiles={
                "yuv422p": "dnxhr_hq",
                "yuv422p10le": "dnxhr_hqx",
                "yuv444p10le": "dnxhr_444",
            },
            min_size=(256, 120),
        ),
        Encoder(
            "ffv1",
            "FFV1",
            by_depth=tuple(f"yuv420p{b}" for b in ("", "9le", "10le", "12le", "14le", "16le")),
            options={"level": 3, "g": 1, "slices": 4, "slicecrc": 1},
        ),
        Encoder(
            "tiff",
            "TIFF",
            Kind.IMAGES,
            pix_fmts=("rgb24", "rgb48le"),
            by_depth=("rgb24", "rgb48le"),
            options={"compression_algo": "deflate"},
            suffixes=(".tif", ".tiff"),
        ),
        Encoder(
            "png",
            "PNG",
            Kind.IMAGES,
            pix_fmts=("rgb24", "rgb48le"),
            by_depth=("rgb24", "rgb48le"),
            suffixes=(".png",),
            stored={"rgb48le": "rgb48be"},
        ),
        Encoder(
            "dpx",
            "DPX",
            Kind.IMAGES,
            pix_fmts=("rgb24", "gbrp10le", "rgb48le"),
            by_depth=("rgb24", "gbrp10le"),
            suffixes=(".dpx",),
            write=write_dpx,  # ffmpeg's writes no frame rate or timecode
        ),
        Encoder(
            "exr",
            "OpenEXR half float",
            Kind.IMAGES,
            pix_fmts=("gbrpf32le",),
            by_depth=("gbrpf32le",),
            options={"format:v": "half", "compression": "zip16"},  # "format" alone is -f
            suffixes=(".exr",),
            linear=True,
        ),
    )
}
_MXF_RATES = frozenset(
    [Fraction(n, 1001) for n in (24000, 30000, 60000)]
    + [Fraction(n) for n in (24, 25, 30, 48, 50, 60)]
)
CONTAINERS = {
    c.suffix: c
    for c in (
        Container(".mp4", "MP4", "libx264"),
        Container(".mov", "MOV", "prores_ks"),
        Container(".mxf", "MXF", "dnxhd", only=True, rates=_MXF_RATES),
        Container(".mkv", "Matroska", "ffv1"),
    )
}
OTHER_NAMES = ".mp4"  # a video file of any other name is written as this container
FOLDER = "tiff"  # what a folder named without a pattern holds
SEQUENCE_SUFFIXES = {s: e for e in ENCODERS.values() if e.kind is Kind.IMAGES for s in e.suffixes}


def encoder(name: str, kind: Kind = Kind.VIDEO) -> Encoder:
    """The entry of encoder ``name`` of ``kind``; a video encoder not listed is taken as it is
    (ffmpeg checks its pixel formats, filmcolor gives it no options)."""
    found = ENCODERS.get(name)
    if found is not None and found.kind is kind:
        return found
    return Encoder(name, name, kind)


def listing(names: list[str]) -> str:
    """``a, b or c``."""
    return f"{', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else names[0]


def outputs_help() -> str:
    """What ``-o`` can name, from the tables (for argparse: ``%`` doubled)."""
    videos = [f"{c.suffix} {ENCODERS[c.encoder].title} {c.encoder}" for c in CONTAINERS.values()]
    defaults = {c.encoder for c in CONTAINERS.values()}
    others = [e.name for e in ENCODERS.values() if e.kind is Kind.VIDEO and e.name not in defaults]
    images = [e for e in ENCODERS.values() if e.kind is Kind.IMAGES]
    suffixes = listing([e.suffixes[0] for e in images])
    folder = listing([e.name for e in images if e.name != FOLDER])
    return (
        f"a video, by its name ({', '.join(videos)}; another name as {OTHER_NAMES}) or --codec "
        f"({', '.join(others)}, ...), an image sequence (a pattern such as "
        f"master/%%06d{images[0].suffixes[0]}: {suffixes}; a folder: {FOLDER}, or --codec {folder})"
    )
