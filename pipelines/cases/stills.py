"""A stills film: shots one after another in B&W, the first frame of each given as a colour still.

    python -m pipelines.cases.stills OUT [--frames DIR] [--shots blackswan,bmx-trees,...]

The protocol of the published video colorizers on DAVIS (one coloured frame a shot, the rest to
colour), as a restorer's files look:

- ``OUT/bw.mp4``: the shots' frames at 854x480, 24 fps, one after another, each frame the grey
  whose L* is the true frame's (the truth's own lightness, as the published methods take L from
  the true frame: only colour is judged), encoded losslessly (H.264 at qp 0, 4:2:0);
- ``OUT/stills/``: the first frame of each shot in colour, as a user hands them over: PNG or
  JPEG, some cropped, scaled, bordered or exported at another size, named with a frame number
  (not always the film's), a shot number or neither;
- ``OUT/truth.json``: ``shots`` (the folders, in order), ``bw.frames[k]`` (the source frame, a
  global index over the shots in order, that film frame k shows), ``cuts`` (the first frame of
  each shot after the first) and ``stills``: each still's ``file``, the film ``frame`` it was made
  from and the ``box`` of that frame it shows (x, y, w, h in film pixels).

DIR is ../shared/data/frames (a folder of JPEG frames per shot); ``--shots`` takes the folders'
names (``name[a:b]``: a slice of a folder's frames).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from pathlib import Path

import cv2
import numpy as np

from filmcolor.colour import LIGHTNESS

FRAMES = next(
    (p / "shared/data/frames" for p in Path(__file__).resolve().parents if (p / "shared").is_dir()),
    Path("../shared/data/frames"),
)
SHOTS = (
    "blackswan,bmx-trees,breakdance,camel,car-roundabout,car-shadow,cows,dance-twirl,dog,"
    "drift-chicane"
)
W, H = 854, 480

# How each still is handed over, in turn: (name, crop box as fractions x0, y0, x1, y1, size of the
# exported picture (None: the crop's own), border in pixels, format).
LOOKS = (
    ("{frame:07d}.png", (0, 0, 1, 1), None, 0, ".png"),
    ("shot{shot:02d}_graded.jpg", (0.06, 0.05, 0.94, 0.95), None, 0, ".jpg"),
    ("still_{shot}.png", (0, 0, 1, 1), (640, 360), 0, ".png"),
    ("{frame_plus:07d}_out.png", (0.125, 0, 0.875, 1), (341, 256), 3, ".png"),
    ("painted {shot}.jpg", (0, 0, 1, 1), (1280, 720), 0, ".jpg"),
    ("frame{frame}.png", (0.02, 0.1, 0.98, 0.9), None, 12, ".png"),
    ("{name}.jpg", (0, 0, 1, 1), (427, 240), 0, ".jpg"),
)


def grey_of(rgb: np.ndarray) -> np.ndarray:
    """The grey level (uint8) whose L* is each pixel's (the truth's own lightness)."""
    lightness = cv2.cvtColor(rgb.astype(np.float32) / 255, cv2.COLOR_RGB2Lab)[..., 0]
    return np.rint(np.interp(lightness, LIGHTNESS, np.arange(256))).astype(np.uint8)


def shot_files(frames: Path, spec: str) -> list[Path]:
    m = re.fullmatch(r"(.+?)(?:\[(\d*):(\d*)\])?", spec)
    files = sorted((frames / m.group(1)).glob("*.jpg"))
    files = files[int(m.group(2)) if m.group(2) else None : int(m.group(3)) if m.group(3) else None]
    if not files:
        raise SystemExit(f"no frames for {spec} under {frames}")
    return files


def _still(rgb: np.ndarray, look: tuple, names: dict, out: Path) -> dict:
    """One still written as ``look`` says; its entry in truth.json."""
    name, (x0, y0, x1, y1), size, border, _ = look
    box = [round(x0 * W), round(y0 * H), round((x1 - x0) * W), round((y1 - y0) * H)]
    x, y, w, h = box
    picture = rgb[y : y + h, x : x + w]
    if size is not None:
        picture = cv2.resize(picture, size, interpolation=cv2.INTER_AREA)
    if border:
        picture = cv2.copyMakeBorder(
            picture, border, border, border, border, cv2.BORDER_CONSTANT, value=(16, 16, 16)
        )
    file = name.format(**names)
    bgr = cv2.cvtColor(picture, cv2.COLOR_RGB2BGR)
    params = [cv2.IMWRITE_JPEG_QUALITY, 92] if file.endswith(".jpg") else []
    cv2.imwrite(str(out / file), bgr, params)
    return {"file": file, "frame": names["frame"], "box": box}


def make_stills_case(out: Path, frames: Path = FRAMES, shots: str = SHOTS) -> dict:
    """Write the case (see the module's docstring) into ``out``; its truth."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "stills").mkdir(exist_ok=True)
    names = [s.strip() for s in shots.split(",") if s.strip()]
    encoder = subprocess.Popen(
        ["ffmpeg", "-nostdin", "-y", "-v", "error", "-f", "rawvideo", "-pix_fmt", "gray"]
        + ["-s", f"{W}x{H}", "-r", "24", "-i", "-", "-c:v", "libx264", "-qp", "0"]
        + ["-preset", "veryfast", "-pix_fmt", "yuv420p", str(out / "bw.mp4")],
        stdin=subprocess.PIPE,
    )
    truth = {"shots": names, "bw": {"frames": []}, "cuts": [], "stills": []}
    source = 0
    for i, spec in enumerate(names):
        files = shot_files(frames, spec)
        first = len(truth["bw"]["frames"])
        if i:
            truth["cuts"].append(first)
        for j, f in enumerate(files):
            rgb = cv2.cvtColor(cv2.imread(str(f)), cv2.COLOR_BGR2RGB)
            if rgb.shape[:2] != (H, W):
                rgb = cv2.resize(rgb, (W, H), interpolation=cv2.INTER_AREA)
            encoder.stdin.write(grey_of(rgb).tobytes())
            if j == 0:
                name = spec.split("[")[0]
                label = {"frame": first, "frame_plus": first + 869, "shot": i, "name": name}
                truth["stills"].append(_still(rgb, LOOKS[i % len(LOOKS)], label, out / "stills"))
            truth["bw"]["frames"].append(source)
            source += 1
    encoder.stdin.close()
    if encoder.wait():
        raise SystemExit(f"ffmpeg failed writing {out / 'bw.mp4'}")
    (out / "truth.json").write_text(json.dumps(truth, indent=1))
    return truth


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("out", type=Path, help="folder to write the case into")
    ap.add_argument(
        "--frames", type=Path, default=FRAMES, help="the source frames, a folder a shot"
    )
    ap.add_argument("--shots", default=SHOTS, help="the shots, in order (comma-separated)")
    args = ap.parse_args(argv)
    truth = make_stills_case(args.out, args.frames, args.shots)
    print(
        f"wrote {args.out}/bw.mp4 ({len(truth['bw']['frames'])} frames, "
        f"{len(truth['shots'])} shots), {len(truth['stills'])} stills in {args.out}/stills/ and "
        f"{args.out}/truth.json"
    )


if __name__ == "__main__":
    main()
