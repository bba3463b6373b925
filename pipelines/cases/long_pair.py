"""A feature-length B&W/colour pair cut from a short one, as a film's two releases are cut, with
its truth.json.

    python -m pipelines.cases.long_pair --minutes 100 --out long100 [--reuse 0.3] [--seed 100]
                                  [--source ../shared/data/davis-film]

The film is a string of REELS. Each reel shows every shot of the source pair (davis-film: 20
half-shots, in an order of its own) through a framing of its own: a crop (scale 0.55-1), a small
rotation, a horizontal and/or vertical mirror, maybe played backwards. Framings are drawn far
apart, so no picture is shown twice except as deliberate reuse; each picture has its own id,
``framing * 100000 + the source pair's id``. The two releases are cut differently:

* B&W: each reel opens with a leader (black, a "REEL n" card) and ends with a run-out (black).
* colour: each reel opens with a "PART n" card laid out otherwise; about every fourth reel change
  has a TV break (black and a card). The colour release's offset steps at every reel.
* ``--drop-prob``: a reel's shot missing from the colour release (the offset steps inside reels).
* fades in and out of each reel and some through black at a cut, with a black gap whose length
  differs between the releases. Frames faded under 2% are truth -1; under 25%, listed as
  ``faint`` (the picture, too dark to ask an aligner for: left out of coverage).
* ``--reuse F``: in a share F of the reels a chunk of an earlier reel (3-6 shots, the same
  pictures and ids) comes back as a flashback in both releases (``--reuse-reversed``: backwards).
* ``--replay``: every other reel is the one before it played backwards, in both releases.
* ``--setups G``: reels in groups of G share near-identical framings (crop within 2%, rotation
  within 1 degree) and show the same shots in another order: distinct pictures hard to tell apart.
* ``--regular N``: fixed leaders (the colour one N frames shorter), no TV breaks, run-outs or
  fades through black: the offset steps by the same amount every reel (a steady drift).

``pipelines.cases.long_edit`` makes the edit; this module the pictures. It streams: the source is
decoded once into raw yuv420p files (``--cache``; 0.9 GB for davis-film), read back a frame at a
time; each release's frames are warped with OpenCV and piped to its own ffmpeg, the two encoding
at once. ``truth.json``: ``bw.frames[k]`` and ``color.frames[k]`` (the picture id frame k shows,
-1 for none), ``faint`` per release, ``reels`` (each one's framing, shot order, dropped shot, fade
through black, flashback and first frames). Score an alignment of it with
``python -m pipelines.scores.alignment OUT ALIGNED``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from filmcolor.errors import FilmcolorError
from filmcolor.io.files import atomic_dir
from filmcolor.io.video import probe

from .long_edit import Cut, plan_edit, truth_of

SHARED = next(
    (p / "shared" for p in Path(__file__).resolve().parents if (p / "shared").is_dir()),
    Path("../shared"),
)
SOURCE = SHARED / "data" / "davis-film"
FRAMES = SHARED / "data" / "frames"  # counts the frames of a shot slice such as camel[45:]
RELEASES = ("bw", "color")


@dataclass
class Encoding:
    """How each release is encoded (libx264)."""

    preset: str = "veryfast"
    crf: int = 23  # the colour release's
    bw_crf_delta: int = 3  # B&W crf: crf + this (grain is expensive)
    threads: int = 2  # per release; both encode at once


@dataclass
class Source:
    """The short pair: frame size, shots (name, first id, end id) and each release's truth."""

    path: Path
    width: int
    height: int
    shots: list[tuple[str, int, int]]
    frames: dict[str, list[int]]  # per release: the id each frame shows

    @property
    def frame_bytes(self) -> int:
        return self.width * self.height * 3 // 2

    def rows(self, rel: str) -> dict[int, int]:
        """Row in the raw cache of each source id the release shows."""
        return {s: i for i, s in enumerate(s for s in self.frames[rel] if s >= 0)}


def load_source(path: Path, frames: Path = FRAMES) -> Source:
    """The pair's size and shots: truth.json's ``shots`` (slices ``name[a:b]`` of frame folders,
    as make_film_pair.py writes) or its ``bw.cuts`` (as pipelines.cases.synthetic writes)."""
    truth = json.loads((path / "truth.json").read_text())
    tb = truth["bw"]["frames"]
    shots, k = [], 0
    if "shots" in truth:
        for name in truth["shots"]:
            folder, _, part = name.partition("[")
            lo, hi = (part.rstrip("]") or ":").split(":")
            hi = int(hi) if hi else len(list((frames / folder).glob("*.jpg")))
            shots.append((name, k, k + hi - int(lo or 0)))
            k = shots[-1][2]
    else:
        starts = sorted({0, *(tb[c] for c in truth["bw"]["cuts"]), max(tb) + 1})
        shots = [(f"shot{i}", a, b) for i, (a, b) in enumerate(zip(starts, starts[1:]))]
    if any(b <= a for _, a, b in shots):
        sys.exit(f"{path / 'truth.json'}: a shot with no frames (is {frames} there?)")
    info = probe(path / "bw.mp4")
    frames_of = {rel: truth[rel]["frames"] for rel in RELEASES}
    return Source(path, info.width, info.height, shots, frames_of)


def decode_source(source: Source, cache: Path) -> None:
    """Decode each release's picture frames (truth >= 0) into ``cache/PAIR-REL.yuv`` (kept: a
    second build with the same cache skips this)."""
    cache.mkdir(parents=True, exist_ok=True)
    for rel in RELEASES:
        ids = source.frames[rel]
        keep = {k for k, s in enumerate(ids) if s >= 0}
        path = cache / f"{source.path.name}-{rel}.yuv"
        if path.exists() and path.stat().st_size == len(keep) * source.frame_bytes:
            continue
        cmd = ["ffmpeg", "-v", "error", "-i", str(source.path / f"{rel}.mp4"), "-f", "rawvideo",
               "-pix_fmt", "yuv420p", "-fps_mode", "passthrough", "-"]  # fmt: skip
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE)
        with open(path.with_suffix(".partial"), "wb") as f:
            for k in range(len(ids)):
                buf = p.stdout.read(source.frame_bytes)
                if len(buf) < source.frame_bytes:
                    sys.exit(f"{source.path / rel}.mp4: only {k} of {len(ids)} frames decoded")
                if k in keep:
                    f.write(buf)
        p.stdout.close()
        p.wait()
        path.with_suffix(".partial").rename(path)


# --- the pictures ---------------------------------------------------------------------------------


def variant_matrix(v: dict, w: int, h: int) -> np.ndarray:
    """2x3 matrix from output pixel (x, y) to source pixel: flip, scale, rotate about centres."""
    s, th = v["scale"], math.radians(v["angle"])
    rot = np.array([[math.cos(th), -math.sin(th)], [math.sin(th), math.cos(th)]]) * s
    a = rot @ np.diag([-1.0 if v["hflip"] else 1.0, -1.0 if v["vflip"] else 1.0])
    t = np.array([v["cx"] * w - 0.5, v["cy"] * h - 0.5]) - a @ np.array([(w - 1) / 2, (h - 1) / 2])
    return np.hstack([a, t[:, None]])


def card(text: str, bg, fg, layout: str, w: int, h: int) -> bytes:
    """A card (yuv420p); the releases' cards are laid out otherwise (a B&W "REEL n" at the left in
    a frame, a colour "PART n" big and high over a bar), as two companies' cards would be."""
    img = np.full((h, w, 3), bg, np.uint8)
    f = w / 854
    if text and layout == "bw":
        cv2.putText(img, text, (int(60 * f), h // 2), cv2.FONT_HERSHEY_DUPLEX, 1.6 * f, fg,
                    max(1, round(2 * f)), cv2.LINE_AA)  # fmt: skip
        cv2.rectangle(img, (int(40 * f), int(40 * f)), (w - int(40 * f), h - int(40 * f)), fg, 1)
    elif text:
        cv2.putText(img, text, (w // 3, h // 3), cv2.FONT_HERSHEY_TRIPLEX, 2.2 * f, fg,
                    max(1, round(3 * f)), cv2.LINE_AA)  # fmt: skip
        cv2.rectangle(img, (w // 4, 2 * h // 3), (3 * w // 4, 2 * h // 3 + int(24 * f)), fg, -1)
    return cv2.cvtColor(img, cv2.COLOR_BGR2YUV_I420).tobytes()


def crop_box(v: dict, w: int, h: int) -> tuple[int, int, int, int] | None:
    """Pixel box (x0, y0, x1, y1, even) of an unrotated framing: a crop and resize is five times
    cheaper than a warp."""
    if v["angle"] != 0:
        return None
    cw, ch = v["scale"] * w, v["scale"] * h
    x0 = int(round(max(0, v["cx"] * w - cw / 2) / 2) * 2)
    y0 = int(round(max(0, v["cy"] * h - ch / 2) / 2) * 2)
    return x0, y0, min(w, x0 + int(round(cw / 2) * 2)), min(h, y0 + int(round(ch / 2) * 2))


def transform(plane: np.ndarray, v: dict, m: np.ndarray, box, div: int) -> np.ndarray:
    """One plane (luma: div 1, chroma: div 2) through a framing."""
    h, w = plane.shape
    if box is None:
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        return cv2.warpAffine(plane, m, (w, h), flags=flags, borderMode=cv2.BORDER_REFLECT)
    x0, y0, x1, y1 = (b // div for b in box)
    out = plane[y0:y1, x0:x1]
    if out.shape != (h, w):
        out = cv2.resize(out, (w, h), interpolation=cv2.INTER_LINEAR)
    code = {(True, False): 1, (False, True): 0, (True, True): -1}.get((v["hflip"], v["vflip"]))
    return cv2.flip(out, code) if code is not None else np.ascontiguousarray(out)


def encode(edit: list, rel: str, source: Source, cache: Path, variants, path: Path, e: Encoding):
    """Stream one release's frames into ffmpeg (libx264); the B&W one with neutral chroma."""
    w, h, grey = source.width, source.height, rel == "bw"
    ys, cs = w * h, w * h // 4
    cmd = ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{w}x{h}",
           "-r", "24", "-i", "-", "-c:v", "libx264", "-preset", e.preset,
           "-crf", str(e.crf + (e.bw_crf_delta if grey else 0)), "-pix_fmt", "yuv420p",
           "-threads", str(e.threads), "-movflags", "+faststart", str(path)]  # fmt: skip
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    fd, rows = os.open(cache / f"{source.path.name}-{rel}.yuv", os.O_RDONLY), source.rows(rel)
    neutral = bytes([128]) * (2 * cs)
    black, cards, mats = card("", (0, 0, 0), (0, 0, 0), rel, w, h), {}, {}
    try:
        for ev, count in edit:
            if ev[0] == "black":
                data = black
            elif ev[0] == "card":
                if ev not in cards:
                    cards[ev] = card(*ev[1:], rel, w, h)
                    cards[ev] = cards[ev][:ys] + neutral if grey else cards[ev]
                data = cards[ev]
            else:
                _, vid, sid, g = ev
                if vid not in mats:
                    m = variant_matrix(variants[vid], w, h)
                    # the chroma planes: half the pixels, the same centres
                    mc = m.copy()
                    mc[:, 2] = (m[:, :2].sum(1) / 2 + m[:, 2] + 0.5) / 2 - 0.5
                    mats[vid] = (m, mc, crop_box(variants[vid], w, h))
                m, mc, box = mats[vid]
                n = source.frame_bytes
                f = np.frombuffer(os.pread(fd, n, rows[sid] * n), np.uint8)
                planes = [(f[:ys].reshape(h, w), m, 1, 16)]
                if not grey:
                    cb, cr = (
                        f[ys + i * cs : ys + (i + 1) * cs].reshape(h // 2, w // 2) for i in (0, 1)
                    )
                    planes += [(cb, mc, 2, 128), (cr, mc, 2, 128)]
                parts = []
                for plane, mat, div, zero in planes:
                    x = transform(plane, variants[vid], mat, box, div)
                    if g < 1.0:
                        lut = np.clip(zero + (np.arange(256) - zero) * g, 0, 255).astype(np.uint8)
                        x = cv2.LUT(x, lut)
                    parts.append(x.tobytes())
                data = b"".join(parts) + (neutral if grey else b"")
            for _ in range(count):
                p.stdin.write(data)
    finally:
        os.close(fd)
        p.stdin.close()
    if p.wait() != 0:
        raise RuntimeError(f"{path}: ffmpeg failed")


def make_long_pair(
    out: Path,
    cut: Cut,
    source_path: Path = SOURCE,
    encoding: Encoding | None = None,
    cache: Path | None = None,
    *,
    truth_only: bool = False,
    overwrite: bool = False,
) -> dict:
    """Write ``out``/bw.mp4, color.mp4 and truth.json (whole or not at all); return truth.json's
    contents. ``cache``: where the source's raw frames are kept (default: a temporary folder);
    ``truth_only``: write truth.json alone into ``out`` (the plan is the seed's)."""
    source = load_source(source_path)
    in_colour = {s for s in source.frames["color"] if s >= 0}
    bw, co, reels, variants, sep = plan_edit(
        source.shots, in_colour, (source.width, source.height), cut
    )
    (bw_ids, bw_faint), (co_ids, co_faint) = truth_of(bw), truth_of(co)
    truth = {
        "about": "frame k of each file shows picture id frames[k], framing * 100000 + the source "
        "pair's id; -1: a card, leader, black or a frame faded under 2%; 'faint': the frames "
        "faded under 25% (left out of coverage)",
        "made_by": " ".join(["python -m pipelines.cases.long_pair", *sys.argv[1:]]),
        "source": str(source_path),
        "size": [source.width, source.height],
        "shots": [name for name, _, _ in source.shots],
        "bw": {"fps": 24, "frames": bw_ids, "faint": bw_faint},
        "color": {"fps": 24, "frames": co_ids, "faint": co_faint},
        "reels": reels,
        "variant_separation": sep,
    }
    text = json.dumps(truth, default=int)
    if truth_only:
        out.mkdir(parents=True, exist_ok=True)
        (out / "truth.json").write_text(text)
        return truth
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_dir(out, overwrite) as tmp, tempfile.TemporaryDirectory(dir=out.parent) as scratch:
        raw = cache or Path(scratch)
        decode_source(source, raw)
        errors = []

        def job(rel: str, edit: list) -> None:
            try:
                encode(edit, rel, source, raw, variants, tmp / f"{rel}.mp4", encoding or Encoding())
            except BaseException as e:  # noqa: BLE001 -- raised again below, in the caller
                errors.append(e)

        threads = [threading.Thread(target=job, args=a) for a in (("bw", bw), ("color", co))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        (tmp / "truth.json").write_text(text)
    return truth


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    arg = ap.add_argument
    arg("--minutes", type=float, required=True, help="length of the B&W release")
    arg("--out", type=Path, required=True, help="folder to write (refused if it exists)")
    arg("--source", type=Path, default=SOURCE, help="the short pair (default: %(default)s)")
    arg("--cache", type=Path, help="folder to keep the source's raw frames in, for the next build")
    arg("--seed", type=int, default=0, help="the same seed, the same film")
    arg("--reuse", type=float, default=0.0, help="share of reels with a flashback (0-1)")
    arg("--reuse-reversed", action="store_true", help="flashbacks play backwards")
    arg("--replay", action="store_true", help="every other reel: the one before, backwards")
    arg("--setups", type=int, default=1, help="groups of G reels in near-identical framings")
    arg("--regular", type=int, metavar="N", help="fixed leaders, the colour one N frames shorter")
    arg("--drop-prob", type=float, default=0.5, help="chance a reel loses a shot in colour")
    arg("--no-shuffle", dest="shuffle", action="store_false", help="shots in the source's order")
    arg("--preset", default=Encoding.preset, help="x264 preset (default: %(default)s)")
    arg("--crf", type=int, default=Encoding.crf, help="x264 quality of the colour release")
    arg("--bw-crf-delta", type=int, default=Encoding.bw_crf_delta, help="B&W crf: crf + this")
    arg("--threads", type=int, default=Encoding.threads, help="x264 threads per release")
    arg("--truth-only", action="store_true", help="write OUT/truth.json only")
    arg("--overwrite", action="store_true", help="replace OUT if it exists")
    a = vars(ap.parse_args(argv))
    cut = Cut(**{f.name: a[f.name] for f in dataclasses.fields(Cut)})
    encoding = Encoding(**{f.name: a[f.name] for f in dataclasses.fields(Encoding)})
    start = time.perf_counter()
    try:
        truth = make_long_pair(
            a["out"], cut, a["source"], encoding, a["cache"],
            truth_only=a["truth_only"], overwrite=a["overwrite"],
        )  # fmt: skip
    except FilmcolorError as e:
        sys.exit(str(e))
    summary = {
        "out": str(a["out"]),
        "reels": len(truth["reels"]),
        "bw_frames": len(truth["bw"]["frames"]),
        "color_frames": len(truth["color"]["frames"]),
        "seconds": round(time.perf_counter() - start, 1),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
