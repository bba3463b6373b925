"""Restorer-like pairs from the real clips of ../shared/data/real (issue 34's cases).

    python -m pipelines.cases.real ../shared/data/real OUT [--only NAME ...]

OUT/NAME: a colour release, a B&W scan of its pictures as scans look (progressive, grey through a
stock's response, 1080 lines, 16-bit FFV1 or TIFF, a WAV; some overscanned: film edge and
perforations at the left, a gate weave up to 3 px), truth.json. A clip's kind is measured apart
from filmcolor, and its film frames made, in ``film`` (idet; frames repeated on a steady phase in
five; a picture a field (bwdif) for video, fieldmatch+decimate for telecine, less the repeats else).
``clip-NAME``: a clip of MIN_FRAMES or more as the release. From the film (cards held over a still
starfield, then each colour clip, progressive, 4:3, 23.976): ``telecine-dvd`` (hard 3:2, one
cadence, MPEG-2), ``telecine-capture`` (lossless 4:2:2, noise on every field), ``pal-overscan``
(PAL DVD at 25, chroma 3 px right, a semi-transparent logo; an overscanned TIFF scan; ``-ffv1``:
that scan as FFV1), ``pal-anamorphic`` (704x576 SAR 16:11, pillarboxed, a logo), ``vfr-web``
(every third frame dropped, real timestamps), ``rotated`` (mp4 stored turned a quarter, a display
matrix turning it back; ``-tag``: stored upright, the matrix turning it). truth.json as
make_release.py writes it: frames (the film frame shown; -1 none or mixed; identical film frames
share one), color.fields, geometry; ``known``: field kind per stretch (s), overlays (logos burned
into clips apart), pictures' boxes, cuts (scan frames), align's options. Sources and terms
(../shared/data/real/README.md; never copy the clips into the repository): deepremaster: CC
BY-NC-SA 4.0; broadcast-ntsc/*, film-2-2-logo, interlaced-logo, field-pictures-bff: FFmpeg's FATE
samples, content its makers'; four-channels-logos, teleshopping-overlay: tsduck-test (BSD-2).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import struct
import subprocess
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from .film import (
    COLOUR_CLIPS,
    FILM_RATE,
    FILM_SIZE,
    KNOWN_CUTS,
    canonical,
    decode,
    ff,
    film_of,  # fmt: skip
    picture_box,
    stream,
    the_film,
)

MIN_FRAMES = 48  # a shorter clip only goes into the film
ALL_CLIPS = [*COLOUR_CLIPS, "deepremaster/bw.mp4"]
# graphics burned into the clips (seen; x, y, w, h in their pixels): a faint channel logo, a phone
# number and address, a semi-transparent channel logo
BURNED = {"cable-progressive-as-fields": [505, 380, 100, 22], "film-2-2-logo": [122, 34, 54, 34],
          "teleshopping-overlay": [478, 420, 180, 112]}  # fmt: skip


def gate_weave(rng: np.random.Generator, n: int) -> np.ndarray:
    """Frames' (dx, dy) in an overscanned scan, a walk within 3 px: write_scan's first draw."""
    walk = np.cumsum(rng.integers(-1, 2, (n, 2)), axis=0)
    return np.clip(walk - np.rint(walk.mean(0)), -3, 3).astype(int)


def write_scan(rgb, dest: Path, fps: str, cuts: list[int], overscan: bool, ratio: float) -> dict:
    """The B&W scan of film frames ``rgb`` (display aspect ``ratio``; the module's docstring),
    through a stock's response (weights, gamma, S-curve, blur, grain), and a WAV (a tone a shot,
    a click a cut). Its geometry; a scan written before is kept."""
    r = float(eval_rate(fps))
    pitch = " + ".join(f"30 * gte(t, {c / r:.4f})" for c in cuts) or "0"
    clicks = " + ".join(f"between(t, {c / r:.4f}, {c / r + 0.002:.4f})" for c in cuts) or "0"
    ff("-f", "lavfi", "-i", f"aevalsrc='0.2 * sin(2 * PI * (220 + {pitch}) * t) + 0.6 * "
       f"({clicks})':s=48000:d={len(rgb) / r:.4f}", "-c:a", "pcm_s16le",
       dest.parent / f"{dest.stem}.wav")  # fmt: skip
    done = dest.parent / f"{dest.stem}.scan.json"
    if done.exists():
        return json.loads(done.read_text())
    rng, ph = np.random.default_rng(7), 990 if overscan else 1080
    pw = 2 * round(min(ph * ratio, 1920) / 2)
    ph = 2 * round(pw / ratio / 2)
    W, H = (max(1440, pw + 120), 1080) if overscan else (pw, ph)
    px, py = (W - pw - 24, (H - ph) // 2) if overscan else (0, 0)
    out = ["-c:v", "ffv1", "-level", 3, "-slices", 4, "-threads", 2, dest]
    if dest.suffix != ".mkv":
        dest.mkdir(parents=True, exist_ok=True)
        out = ["-c:v", "tiff", "-compression_algo", "deflate", "-start_number", 0]
        out.append(dest / "%06d.tif")
    enc = subprocess.Popen(
        ["ffmpeg", "-nostdin", "-y", "-v", "error", "-f", "rawvideo", "-pix_fmt", "gray16le",
         "-s", f"{W}x{H}", "-r", fps, "-i", "-", "-pix_fmt", "gray16le", *map(str, out)],
        stdin=subprocess.PIPE,
    )  # fmt: skip
    weave = gate_weave(rng, len(rgb)) * overscan
    bank = rng.normal(0, 0.008, (6, H, W)).astype(np.float32)
    for k, f in enumerate(rgb):
        grain = np.roll(bank[k % 6], rng.integers(0, 64, 2), axis=(0, 1))
        g = (f.astype(np.float32) @ np.float32([0.31, 0.53, 0.16]) / 255) ** 1.15
        g = cv2.GaussianBlur(0.5 * g + 0.5 * g * g * (3 - 2 * g), (0, 0), 0.6)
        pic = np.clip(0.03 + 0.94 * cv2.resize(g, (pw, ph), interpolation=cv2.INTER_CUBIC), 0, 1)
        if overscan:
            (dx, dy), frame = weave[k], np.full((H, W), 0.05, np.float32)
            frame[:, : 10 + dx] = 0.9  # the scanner's light beyond the film's edge
            for y in range(py + dy - 265 * 2 + 60, H, 265):  # 4 perforations a frame
                cv2.rectangle(frame, (26 + dx, y), (60 + dx, y + 46), 0.93, -1)
            frame[py + dy : py + dy + ph, px + dx : px + dx + pw] = pic
            pic = frame
        enc.stdin.write((np.clip(pic + grain, 0, 1) * 65535).astype("<u2").tobytes())
    enc.stdin.close()
    if enc.wait():
        raise SystemExit(f"writing {dest} failed")
    geo = {"size": [W, H], "picture": [px, py, pw, ph], "weave_px": 3 if overscan else 0}
    geo |= {"sequence": f"{dest.name}/%06d.tif"} if not dest.suffix else {}
    done.write_text(json.dumps(geo))
    return geo


def index_fields(timing: str, n: int, rate: str) -> list[list[int]]:
    """[top, bottom] input frame of each output frame of a timing chain (an index video)."""
    bits = (np.arange(n)[:, None] >> np.arange(12)) & 1
    idx = np.repeat(np.repeat(bits[:, None, :] * 255, 8, axis=2), 16, axis=1).astype(np.uint8)
    raw = ff("-f", "rawvideo", "-pix_fmt", "gray", "-s", "96x16", "-r", rate, "-i", "-", "-vf",
             timing, "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "gray", "-",
             data=idx.tobytes())  # fmt: skip
    out = np.frombuffer(raw, np.uint8).reshape(-1, 16, 12, 8).astype(np.float32)
    weights = 1 << np.arange(12)
    return [[int(weights @ (f[p::2].mean((0, 2)) > 127)) for p in (0, 1)] for f in out]


# The film's releases: timing (film frames in at ``rate``), picture before it, filters after it,
# codec, file, and the picture's box in it.
MPEG2 = ["-c:v", "mpeg2video", "-b:v", "5M", "-maxrate", "8M", "-bufsize", "1835k",
         "-flags", "+ilme+ildct", "-top", 1, "-an", "-f", "vob"]  # fmt: skip
X264 = ["-c:v", "libx264", "-crf", 18, "-preset", "fast", "-pix_fmt", "yuv420p"]
TELECINE, DVD = "telecine=first_field=top:pattern=23", "scale=720:480,setsar=8/9"
P = "format=yuv420p"
RELEASES = {
    "telecine-dvd": (TELECINE, FILM_RATE, DVD, P, MPEG2, "color.mpg", [0, 0, 720, 480]),
    "telecine-capture": (TELECINE, FILM_RATE, DVD, "noise=alls=4:allf=t,format=yuv422p",
                         ["-c:v", "ffv1", "-level", 3, "-field_order", "tt"], "color.mkv",
                         [0, 0, 720, 480]),
    "pal-overscan": ("null", "25", "scale=720:576,setsar=16/15", P, MPEG2, "color.mpg",
                     [0, 0, 720, 576]),
    "pal-anamorphic": ("null", "25", "scale=528:576,pad=704:576:88:0,setsar=16/11", P, MPEG2,
                       "color.mpg", [88, 0, 528, 576]),
    "vfr-web": ("select='mod(n+1,3)'", FILM_RATE, "null", P, ["-fps_mode", "vfr", *X264],
                "color.mkv", [0, 0, 640, 480]),
    "rotated": ("null", FILM_RATE, "transpose=1", P, X264, "color.mp4", [0, 0, 640, 480]),
    "rotated-tag": ("null", FILM_RATE, "null", P, X264, "color.mp4", [0, 0, 640, 480]),
}  # fmt: skip
LOGO = {"pal-overscan": (600, 40), "pal-anamorphic": (520, 44)}  # x, y in the release's pixels


def release(film: np.ndarray, case: str, out: Path) -> tuple[list, dict]:
    """Write the case's colour release of the film: its fields' film frames, rate, file, logo."""
    timing, rate, picture, after, codec, name, _ = RELEASES[case]
    size, chain, logo = "{}x{}".format(*FILM_SIZE), f"[0:v]{picture},format=yuv444p", None
    head = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", size, "-r", rate, "-i", "-"]
    if case in LOGO:
        img = np.zeros((40, 76, 4), np.uint8)
        cv2.rectangle(img, (2, 2), (73, 37), (255, 255, 255, 150), 3)
        cv2.putText(img, "TV9", (9, 30), cv2.FONT_HERSHEY_DUPLEX, 0.95, (255, 255, 255, 150), 2)
        cv2.imwrite(str(out / "logo.png"), img)
        head += ["-i", out / "logo.png"]
        chain += "[v];[v][1:v]overlay={}:{}:format=yuv444,format=yuv444p".format(*LOGO[case])
        logo = [*LOGO[case], 76, 40]
    if case == "pal-overscan":  # the chroma 3 px right of the luma, as on old masters
        chain += (",split[y][c];[c]crop=717:576:0:0,pad=720:576:3:0:color=gray[cc];"
                  "[y][cc]mergeplanes=0x001112:yuv444p")  # fmt: skip
    rate_out = "30000/1001" if timing == TELECINE else rate
    keep_rate = ["-r", rate_out] if "select" not in timing else []
    ff(*head, "-filter_complex", f"{chain},{timing},{after}", *keep_rate, *codec, out / name,
       data=film.tobytes())  # fmt: skip
    (out / "logo.png").unlink(missing_ok=True)
    if case.startswith("rotated"):  # a display matrix (tkhd) turning it a quarter: back, or
        # (rotated-tag) a picture stored upright, which players show on its side
        data = bytearray((out / name).read_bytes())
        at = data.find(b"tkhd") + 8 + (20 if data[data.find(b"tkhd") + 4] == 0 else 32) + 16
        w = FILM_SIZE[case == "rotated-tag"] << 16
        data[at : at + 36] = struct.pack(">9i", 0, -(1 << 16), 0, 1 << 16, 0, 0, 0, w, 1 << 30)
        (out / name).write_bytes(bytes(data))
    fields = index_fields(timing, len(film), rate)
    return fields, {"rate": rate_out, "path": name, "logo": logo}


def eval_rate(expr: str) -> Fraction:
    """A rate expression (``2*30000/1001``, ``4/5*29``) as a fraction."""
    return math.prod((Fraction(part) for part in expr.split("*")), start=Fraction(1))


def write_truth(out: Path, case: str, clips, ids, fields, scan, colour, kind, seconds, order,
                pictures, cuts, **more) -> None:  # fmt: skip
    """truth.json; ``fields`` index the film frames ``ids`` number, which the scan shows."""
    f = [[int(ids[t]) if t >= 0 else -1, int(ids[b]) if b >= 0 else -1] for t, b in fields]
    frames, shown = [t if t == b else -1 for t, b in f], sorted({s for x in f for s in x if s >= 0})
    kind, fps = "progressive" if kind == "repeats" else kind, scan.pop("fps")
    known = {"fields": [[0.0, seconds, kind]], "cuts_bw": cuts,
             "order": order if kind in ("interlaced", "telecine") else None,
             "overlay": {"color": colour["logo"], "bw": None},
             "picture": dict(zip(("bw", "color"), pictures)),
             "align": ["--fps", fps] if eval_rate(fps) > 24.5 else [], **more}  # fmt: skip
    truth = {"about": "frame k of each file shows film frame frames[k] (-1: none, or two mixed)",
             "case": case, "clips": clips, "known": known,
             "bw": {"fps": fps, "frames": [int(i) for i in ids]},
             "color": {"fps": colour.pop("rate"), "frames": frames, "fields": f,
                       "source_frames": shown},
             "geometry": {"bw": scan, "color": colour}}  # fmt: skip
    (out / "truth.json").write_text(json.dumps(truth))


def link(target: Path, source: Path) -> None:
    """``target``: a relative symbolic link to ``source`` (clips and shared scans, not copied)."""
    target.unlink(missing_ok=True)
    target.symlink_to(os.path.relpath(source.resolve(), target.parent))


def clip_case(root: Path, clip: str, out: Path) -> None:
    """The clip as the colour release, a scan of its film frames."""
    f = film_of(root / clip)
    box, ratio = picture_box(f["rgb"], root / clip)
    x, y, w, h = box
    over = f["kind"] == "repeats"  # film: a scan at 24 fps, overscanned, a TIFF folder
    fps = "24" if over else str(eval_rate(f["fps"]))
    cuts = [f["fields"][c][0] for c in KNOWN_CUTS.get(clip, [])]
    film = f["rgb"][:, y : y + h, x : x + w]
    scan = write_scan(film, out / ("bw" if over else "bw.mkv"), fps, cuts, over, ratio)
    scan["fps"] = fps
    link(colour := out / f"color{Path(clip).suffix}", root / clip)
    info, logo = stream(colour), BURNED.get(Path(clip).stem)
    rel = {"rate": info["avg_frame_rate"], "path": colour.name, "logo": logo,
           "size": [info["width"], info["height"]], "picture": box}  # fmt: skip
    seconds = len(f["fields"]) / float(eval_rate(info["avg_frame_rate"]))
    write_truth(out, out.name, [clip], canonical(f["rgb"]), f["fields"], scan, rel,
                f["kind"], seconds, f["order"], (scan["picture"], box), cuts,
                repeated_frames=len(f["fields"]) - len(film))  # fmt: skip


def film_cases(root: Path, out: Path, names: list[str]) -> None:
    """The film and the cases made from it (``RELEASES``), sharing two scans in OUT/_film."""
    film, spans, cuts = the_film(root)
    common = out / "_film"
    ids, _ = canonical(film), common.mkdir(parents=True, exist_ok=True)
    for case in names:
        (dest := out / case).mkdir(parents=True, exist_ok=True)
        over, fps = "overscan" in case, "24" if "overscan" in case else FILM_RATE
        src = common / ("scan-overscan" if over else "scan.mkv")
        scan = write_scan(film, src, fps, cuts, over, 4 / 3) | {"fps": fps}
        if case.endswith("-ffv1"):  # the TIFF scan as an FFV1 file
            if not (common / "scan-overscan.mkv").exists():
                ff("-framerate", 24, "-i", src / "%06d.tif", "-c:v", "ffv1", "-level", 3,
                   "-pix_fmt", "gray16le", common / "scan-overscan.mkv")  # fmt: skip
            src = common / "scan-overscan.mkv"
            scan.pop("sequence", None)
        link(dest / ("bw" if src.is_dir() else "bw.mkv"), src)
        link(dest / "bw.wav", common / ("scan-overscan.wav" if over else "scan.wav"))
        fields, rel = release(film, case.removesuffix("-ffv1"), dest)
        pic = RELEASES[case.removesuffix("-ffv1")][-1]
        size = [480, 640] if case == "rotated" else [pic[2] + 2 * pic[0], pic[3]]
        rel |= {"picture": pic, "size": size}
        seconds = None if "vfr" in case else len(fields) / float(eval_rate(rel["rate"]))
        kind = "telecine" if "telecine" in case else "progressive"
        burned = [[c, a, b, BURNED.get(Path(c).stem)] for c, a, b in spans]
        write_truth(dest, case, [s[0] for s in spans[1:]], ids, fields, scan, rel, kind, seconds,
                    "tff", (scan["picture"], pic), cuts, still_credits=spans[0][1:],
                    burned_in=burned)  # fmt: skip
        print(f"{case}: {len(film)} film frames, {len(fields)} release frames", flush=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("real", type=Path, help="the real clips' folder (../shared/data/real)")
    ap.add_argument("out", type=Path, help="where the cases go (outside the repository)")
    ap.add_argument("--only", nargs="*", default=None, help="case names to build (default all)")
    a = ap.parse_args(argv)
    clips = [c for c in ALL_CLIPS if len(decode(a.real / c, "scale=32:32", "gray")) >= MIN_FRAMES]
    named = {"clip-" + (Path(c).stem, Path(c).parent.name)[c.endswith("/bw.mp4")]: c for c in clips}
    names = [n for n in [*named, *RELEASES, "pal-overscan-ffv1"] if a.only is None or n in a.only]
    for name in (n for n in names if n in named):
        (a.out / name).mkdir(parents=True, exist_ok=True)
        clip_case(a.real, named[name], a.out / name)
        print(f"{name}: built", flush=True)
    if film_names := [n for n in names if not n.startswith("clip-")]:
        film_cases(a.real, a.out, film_names)


if __name__ == "__main__":
    main()
