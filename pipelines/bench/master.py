"""Master benchmark: a 16-bit 1080p scan rendered to ProRes, next to a plain ffmpeg transcode of it.

    python -m pipelines.bench.master [--pair DIR] [--model RUN] [--frames 120] [--device auto]

The scan is made here: the pair's B&W film scaled to 1920x1080, as 16-bit grey uncompressed TIFF
frames (what a film scanner writes). In one run: ``ffmpeg -framerate 24 -i scan/%06d.tif -c:v
prores_ks -profile:v 3`` (decode and encode only) and ``filmcolor render scan/ -o out.mov`` (the
same, plus inference, smoothing and composition at 16 bits), each with its wall time and the CPU
seconds of its processes, the steadier figure on a loaded machine. The render's output is checked:
as many frames as the scan, ProRes 422 HQ at 10 bits, tagged BT.709.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

from filmcolor.io.video import probe
from filmcolor.training.trainer import train

from .common import aligned_pair, default_pair, emit, filmcolor_cmd, machine, measure_cpu


def make_scan(film: Path, folder: Path, frames: int) -> None:
    """``frames`` frames of ``film`` as a 16-bit 1080p grey TIFF sequence in ``folder``."""
    folder.mkdir()
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(film), "-frames:v", str(frames)]
        + ["-vf", "scale=1920:1080:flags=bicubic,format=gray16le", "-c:v", "tiff"]
        + ["-compression_algo", "raw", str(folder / "%06d.tif")],
        check=True,
    )


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--pair", help="folder with bw.mp4 and color.mp4 (default: the demo's pair)")
    ap.add_argument("--model", help="run folder or .ckpt (default: a one-epoch model trained here)")
    ap.add_argument("--frames", type=int, default=120, help="frames in the scan")
    ap.add_argument("--device", default="auto", help="device for inference")
    args = ap.parse_args(argv)
    pair = default_pair(args.pair)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        scan = tmp / "scan"
        make_scan(pair / "bw.mp4", scan, args.frames)
        info = probe(scan)
        model = args.model or train(aligned_pair(args.pair, tmp), tmp / "run", epochs=1).best
        print(
            f"master benchmark: {info.frames} frames {info.width}x{info.height} 16-bit grey TIFF "
            f"({machine()})"
        )
        transcode_s, transcode_cpu = measure_cpu(
            ["ffmpeg", "-nostdin", "-loglevel", "error", "-framerate", "24", "-i"]
            + [str(scan / "%06d.tif"), "-c:v", "prores_ks", "-profile:v", "3", "-vendor", "apl0"]
            + ["-pix_fmt", "yuv422p10le", str(tmp / "transcode.mov")]
        )
        render_s, render_cpu = measure_cpu(
            filmcolor_cmd(
                "render", scan, "-o", tmp / "render.mov", "--model", model, "--device", args.device
            )
        )
        out = probe(tmp / "render.mov")
        ok = (out.frames, out.pix_fmt, out.colour.matrix) == (info.frames, "yuv422p10le", "bt709")
        record = {
            "bench": "master",
            "frames": info.frames,
            "transcode_s": transcode_s,
            "transcode_cpu_s": transcode_cpu,
            "render_s": render_s,
            "render_cpu_s": render_cpu,
            "ratio": render_s / transcode_s,
            "cpu_ratio": render_cpu / transcode_cpu,
            "output_ok": ok,
            "machine": machine(),
        }
    n = info.frames
    print(
        f"plain transcode (prores_ks HQ): {transcode_s:.1f} s, {n / transcode_s:.1f} frames/s, "
        f"{transcode_cpu:.1f} CPU-s"
    )
    print(
        f"filmcolor render -> .mov:       {render_s:.1f} s, {n / render_s:.1f} frames/s, "
        f"{render_cpu:.1f} CPU-s -> {record['ratio']:.2f}x the transcode's time, "
        f"{record['cpu_ratio']:.2f}x its CPU"
    )
    print(f"output: {out.frames} frames {out.pix_fmt} {out.colour.matrix}; as expected: {ok}")
    emit(record)
    return record


if __name__ == "__main__":
    main()
