"""From a scan to masters, checked: what a render of a B&W scan must keep, format by format.

    python -m pipelines.scores.masters SCAN --audio WAV --model RUN -o OUT
                                     [--reference COLOR --aligned ALIGNED] [--formats mkv,mov,tif]

For each output format (FFV1 .mkv, ProRes .mov, a 16-bit TIFF sequence), the scan is rendered with
the model's colour, with the release's given one (``--reference``) and, for the ``--plain``
formats, with no colour (``--strength 0``); each output is checked against the scan and deleted
again:

- frames and size: as many as the scan, as large;
- sound: the WAV's, as long as the picture (to the millisecond);
- depth: more than 8 bits in the file;
- luma: the output's luma against the scan's, RMS and max in 10-bit levels (the output decoded at
  16 bits, Y' in video range or R'G'B' weighted to luma in full range).

Prints a table (markdown) and ends with one JSON line, like the benchmarks.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np

from filmcolor.io.formats import PLANAR
from filmcolor.io.video import FrameReader, probe

from ..bench.common import emit, filmcolor_cmd, machine, measure_cpu, sound_seconds

FORMATS = {"mkv": "master.mkv", "mov": "master.mov", "tif": "master_tif/%06d.tif"}


def luma_error(scan: Path, out: Path) -> tuple[float, float]:
    """RMS and max of the output's luma minus the scan's, in 10-bit levels, frame by frame."""
    info = probe(out)
    if info.pix_fmt in PLANAR or info.pix_fmt.startswith("yuv"):
        fmt = info.pix_fmt if info.pix_fmt in PLANAR else "yuv444p16le"
        bits = PLANAR[fmt][0]

        def luma(batch):
            return (batch[:, : info.height] / float(1 << (bits - 8)) - 16) / 219

    else:
        fmt = "rgb48le"
        weights = np.array([0.2126, 0.7152, 0.0722])  # R = G = B where there is no colour

        def luma(batch):
            return (batch / 65535.0) @ weights

    total, count, worst = 0.0, 0, 0.0
    src = FrameReader(probe(scan), pix_fmt="gray16le", batch=8)
    dst = FrameReader(info, pix_fmt=fmt, batch=8)
    with src, dst:
        for a, b in zip(src, dst):
            err = (luma(b) - a / 65535.0) * 1023
            total, count = total + float((err**2).sum()), count + err.size
            worst = max(worst, float(np.abs(err).max()))
    return float(np.sqrt(total / count)), worst


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("scan", type=Path, help="the B&W scan: a folder of frames (or any film)")
    ap.add_argument("--audio", type=Path, required=True, help="the scan's sound")
    ap.add_argument("--model", type=Path, required=True, help="run folder or .ckpt")
    ap.add_argument("--reference", type=Path, help="the colour release, for --reference renders")
    ap.add_argument("--aligned", type=Path, help="the scan aligned with the colour release")
    ap.add_argument("-o", "--out", type=Path, required=True, help="a scratch folder")
    ap.add_argument("--formats", default="mkv,mov,tif", help="comma-separated: mkv, mov, tif")
    ap.add_argument("--plain", default="mkv,tif", help="the formats also rendered with no colour")
    args = ap.parse_args(argv)
    scan = probe(args.scan)
    args.out.mkdir(parents=True, exist_ok=True)
    runs = [("model", [])]
    if args.reference:
        aligned = ["--aligned", str(args.aligned)] if args.aligned else []
        runs.append(("release", ["--reference", str(args.reference), *aligned]))
    print(f"checking renders of {args.scan}: {scan.frames} frames {scan.width}x{scan.height}, "
          f"{scan.pix_fmt} ({machine()})")  # fmt: skip
    rows, record = [], {"check": "master", "frames": scan.frames, "runs": []}
    for key in args.formats.split(","):
        plain = [("no colour", ["--strength", "0"])] if key in args.plain.split(",") else []
        for colour, extra in plain + runs:
            out = args.out / FORMATS[key]
            target = out.parent if "%" in out.name else out
            wall, cpu = measure_cpu(
                filmcolor_cmd("render", args.scan, "-o", out, "--model", args.model)
                + ["--audio", str(args.audio), "--overwrite", *extra]
            )
            info = probe(target)
            sound = sound_seconds(target)
            rms, worst = luma_error(args.scan, target)
            run = {
                "format": key,
                "colour": colour,
                "frames": info.frames,
                "size": f"{info.width}x{info.height}",
                "pix_fmt": info.pix_fmt,
                "bits": info.bits,
                "sound": sound[0] if sound else None,
                "sound_off_ms": round(1000 * (sound[1] - scan.frames / float(scan.fps)), 2)
                if sound
                else None,
                "luma_rms": round(rms, 3),
                "luma_max": round(worst, 2),
                "seconds": round(wall, 1),
                "cpu_s": round(cpu, 1),
            }
            record["runs"].append(run)
            rows.append(
                f"| {key} | {colour} | {run['frames']} | {run['size']} | {run['pix_fmt']} | "
                f"{run['sound']}, {run['sound_off_ms']:+.2f} ms | {rms:.3f} / {worst:.2f} | "
                f"{wall:.0f} s, {cpu:.0f} CPU-s |"
            )
            print(rows[-1], flush=True)
            shutil.rmtree(target) if target.is_dir() else target.unlink()
    print("\n| output | colour | frames | size | written as | sound (vs picture) | luma RMS / max "
          "(10-bit levels) | render |\n|---|---|---|---|---|---|---|---|")  # fmt: skip
    print("\n".join(rows))
    emit(record)
    return record


if __name__ == "__main__":
    main()
