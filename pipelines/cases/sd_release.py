"""A synthetic pair's colour release remade as an SD video really comes, with ffmpeg.

    python -m pipelines.cases.sd_release PAIR OUT --kind telecine --logo 140,8,40,20,20a040

From ``PAIR/color.mp4`` (``pipelines.cases.synthetic``, 24 fps) writes ``OUT/color.mpg`` (MPEG-2,
tagged BT.601 unless ``untagged``) and ``OUT/truth.json``: the pair's truth with
``color.fields[k]``, the source frames of decoded frame k's top and bottom fields (a passthrough
decode), and ``color.frames[k]`` their source where both agree (-1 where they mix two frames, or on
a card).

Kinds (``--kind``): ``telecine`` (slowed to 23.976 and hard-telecined 3:2 to 29.97, top field
first), ``misflagged`` (the same, flagged bottom field first), ``interlaced`` (every field a frame
of its own at 59.94 fields/s), ``mixed`` (the film in equal stretches of the kinds ``mix``
lists: by default telecine, then interlaced), ``shifted`` (PAL's 25 fps with every bottom field a
frame late, a bad transfer, flagged top field first), ``progressive`` (24 fps as it is),
``soft`` (slowed to 23.976, coded progressive and flagged for soft 3:2 pulldown to 29.97).
Options: a logo box (x, y, w, h and colour, in the release's pixels), chroma shifted right by
some pixels and at a fraction of the luma's resolution, an anamorphic squeeze (``sar``: the
frame's width divided by it, stored with that pixel aspect), noise of its own on every field
(``noise``: a lossy capture's, so that a repeated field is near its twin, not equal). The field
truth comes from sending a frame-number video through the same timing filters (valid for these
deterministic ones). The test suite makes its releases with it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np

from filmcolor.io.video import probe

_TIMING = {
    "telecine": ("setpts=N/(24000/1001)/TB,telecine=first_field=top:pattern=23", "30000/1001"),
    "misflagged": ("setpts=N/(24000/1001)/TB,telecine=first_field=top:pattern=23", "30000/1001"),
    "interlaced": ("setpts=N/(60000/1001)/TB,tinterlace=mode=interleave_top", "30000/1001"),
    "progressive": ("setpts=N/24/TB", "24"),
    "soft": ("setpts=N/(24000/1001)/TB", "24000/1001"),  # then flagged (``soft_pulldown``)
    "shifted": ("setpts=N/25/TB,phase=mode=t", "25"),
}


def _ffmpeg(*args: str, level: str = "error", **kw) -> subprocess.CompletedProcess:
    return subprocess.run(["ffmpeg", "-nostdin", "-y", "-v", level, *args], check=True, **kw)


def _picture(size: tuple[int, int], logo, chroma_shift: int, chroma_res: float, sar) -> str:
    """The picture part of the chain: squeeze, logo, chroma resolution and shift."""
    w, h = size
    vf = []
    if sar != 1:
        w = 2 * round(w / float(sar) / 2)
        vf.append(f"scale={w}:{h}")
    if logo:
        x, y, lw, lh, rgb = logo
        vf.append(f"drawbox=x={x}:y={y}:w={lw}:h={lh}:color=0x{rgb}@0.85:t=fill")
    vf.append("format=yuv444p")
    chain = ",".join(vf)
    if chroma_shift or chroma_res < 1:
        cw = max(16, int(w * chroma_res) // 2 * 2)
        d = chroma_shift
        shift = f",crop={w - d}:{h}:0:0,pad={w}:{h}:{d}:0:color=gray" if d else ""
        chain += (
            f",split[y][c];[c]scale={cw}:{h},scale={w}:{h}:flags=bicubic{shift}[cc];"
            "[y][cc]mergeplanes=0x001112:yuv444p"
        )
    return chain


# Soft 3:2 pulldown's flags, frame by frame: (top field first, repeat the first field)
_PULLDOWN = ((1, 1), (0, 0), (0, 1), (1, 0))


def soft_pulldown(es: bytes) -> bytes:
    """A progressive 23.976 MPEG-2 elementary stream (no B-frames: coded order is display
    order) flagged as a DVD carries soft 3:2 pulldown, as DGPulldown flags it: 29.97 in its
    sequence headers, the sequence interlaced, every picture progressive with its fields shown
    top first and repeated, bottom first, bottom first and repeated, top first (``_PULLDOWN``).
    ffmpeg writes no such flags; these fields are fixed-length, so they are set in place."""
    data, k = bytearray(es), 0
    i = data.find(b"\0\0\1")
    while 0 <= i < len(data) - 9:
        code = data[i + 3]
        if code == 0xB3:  # sequence header: frame_rate_code 4, 30000/1001
            data[i + 7] = (data[i + 7] & 0xF0) | 4
        elif code == 0xB5 and data[i + 4] >> 4 == 1:  # sequence extension: not progressive
            data[i + 5] &= 0xF7
        elif code == 0xB5 and data[i + 4] >> 4 == 8:  # picture coding extension
            tff, rff = _PULLDOWN[k % 4]
            # top_field_first, repeat_first_field, chroma_420_type (= progressive_frame)
            data[i + 7] = (data[i + 7] & 0x7C) | tff << 7 | rff << 1 | 1
            data[i + 8] |= 0x80  # progressive_frame
            k += 1
        i = data.find(b"\0\0\1", i + 3)
    return bytes(data)


def _encode(
    src: Path, out: Path, chain: str, rate: str, top: int | None, tags: bool, bframes: int = 2
) -> None:
    interlace = ["-flags", "+ilme+ildct", "-top", str(top)] if top is not None else []
    colour = ["-color_primaries", "smpte170m", "-color_trc", "smpte170m"]
    colour += ["-colorspace", "smpte170m", "-color_range", "tv"] if tags else []
    _ffmpeg(
        "-i", str(src), "-filter_complex", chain, "-r", rate, "-c:v", "mpeg2video", "-q:v", "2",
        "-bf", str(bframes), "-g", "15", *interlace, *(colour if tags else []), "-an",
        "-f", "mpeg2video", str(out),
    )  # fmt: skip


def _fields(timing: str, n: int, rate: str) -> list[list[int]]:
    """[top, bottom] input frame of each output frame of the timing chain (an index video)."""
    bits, w = 12, 12 * 8
    frames = np.zeros((n, 16, w), np.uint8)
    for i in range(n):
        for b in range(bits):
            if (i >> b) & 1:
                frames[i, :, b * 8 : (b + 1) * 8] = 255
    rate_in = "60000/1001" if "tinterlace" in timing else "24000/1001"
    vf = timing.split(",", 1)[1] if "," in timing else "null"
    out = _ffmpeg(
        "-f", "rawvideo", "-pix_fmt", "gray", "-s", f"{w}x16", "-r", rate_in, "-i", "-",
        "-vf", vf, "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "gray", "-",
        input=frames.tobytes(), capture_output=True,
    ).stdout  # fmt: skip
    out = np.frombuffer(out, np.uint8).reshape(-1, 16, w)

    def code(rows):
        return int(
            sum(1 << b for b, v in enumerate(rows.mean(0).reshape(bits, 8).mean(1)) if v > 127)
        )

    return [[code(f[0::2]), code(f[1::2])] for f in out]


def make_sd_release(
    pair: Path,
    out: Path,
    kind: str = "telecine",
    *,
    logo: tuple | None = None,
    chroma_shift: int = 0,
    chroma_res: float = 1.0,
    sar: Fraction = Fraction(1),
    untagged: bool = False,
    mix: tuple[str, ...] = ("telecine", "interlaced"),
    noise: int = 0,
) -> dict:
    """Write ``out/color.mpg`` and ``out/truth.json`` (see the module's docstring)."""
    pair, out = Path(pair), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    truth = json.loads((pair / "truth.json").read_text())
    src = pair / "color.mp4"
    info = probe(src)
    n = len(truth["color"]["frames"])
    picture = _picture(info.size, logo, chroma_shift, chroma_res, sar)
    tail = f"setsar={sar.numerator}/{sar.denominator},format=yuv420p"
    parts = [(kind, 0, n)]
    if kind == "mixed":  # the film in equal stretches, one of each kind in ``mix``
        ends = [round(n * i / len(mix)) for i in range(len(mix) + 1)]
        parts = [(k, a, b) for k, a, b in zip(mix, ends, ends[1:])]
    fields, streams = [], []
    for i, (part, a, b) in enumerate(parts):
        timing, rate = _TIMING[part]
        trim = f"trim=start_frame={a}:end_frame={b},setpts=PTS-STARTPTS"
        flag = "setfield=bff," if part == "misflagged" else ""
        grain = f"noise=alls={noise}:allf=t," if noise else ""  # a capture's: no two fields alike
        chain = f"{picture},{trim},{timing},{grain}{flag}{tail}"
        top = None if part in ("progressive", "soft") else (0 if part == "misflagged" else 1)
        es = out / f"part{i}.m2v"
        _encode(src, es, chain, rate, top, not untagged, 0 if part == "soft" else 2)
        if part == "soft":
            es.write_bytes(soft_pulldown(es.read_bytes()))
        streams.append(es)
        fields += [[a + t, a + u] for t, u in _fields(timing, b - a, rate)]
    joined = out / "joined.m2v"
    joined.write_bytes(b"".join(p.read_bytes() for p in streams))
    # (the DVD muxer's buffer warnings, at error level, are not errors: the file plays)
    _ffmpeg(
        "-fflags", "+genpts", "-i", str(joined), "-c", "copy", "-f", "vob", str(out / "color.mpg"),
        level="fatal",
    )  # fmt: skip
    for p in [*streams, joined]:
        p.unlink()
    source = truth["color"]["frames"]
    fields = [[source[t] if t < n else -1, source[u] if u < n else -1] for t, u in fields]
    truth["color"].update(
        kind=kind,
        fields=fields,
        frames=[t if t == u else -1 for t, u in fields],
        source_frames=sorted({s for f in fields for s in f if s >= 0}),
        sar=f"{sar.numerator}/{sar.denominator}",
        logo=list(logo) if logo else None,
        chroma_shift=chroma_shift,
    )
    (out / "truth.json").write_text(json.dumps(truth))
    return truth


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("pair", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--kind", default="telecine", choices=[*_TIMING, "mixed"])
    ap.add_argument("--logo", help="X,Y,W,H,RRGGBB")
    ap.add_argument("--chroma-shift", type=int, default=0)
    ap.add_argument("--chroma-res", type=float, default=1.0)
    ap.add_argument("--sar", type=Fraction, default=Fraction(1))
    ap.add_argument("--untagged", action="store_true")
    ap.add_argument("--mix", default="telecine,interlaced", help="a mixed release's kinds")
    ap.add_argument("--noise", type=int, default=0, help="noise on every field (ffmpeg's alls)")
    a = ap.parse_args(argv)
    if not set(a.mix.split(",")) <= {"telecine", "misflagged", "interlaced", "soft"}:
        ap.error("--mix: kinds shown at 29.97 frames/s: telecine, misflagged, interlaced, soft")
    logo = None
    if a.logo:
        *box, rgb = a.logo.split(",")
        logo = (*map(int, box), rgb)
    make_sd_release(
        a.pair,
        a.out,
        a.kind,
        logo=logo,
        chroma_shift=a.chroma_shift,
        chroma_res=a.chroma_res,
        sar=a.sar,
        untagged=a.untagged,
        mix=tuple(a.mix.split(",")),
        noise=a.noise,
    )


if __name__ == "__main__":
    main()
