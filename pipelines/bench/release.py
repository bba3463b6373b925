"""Render benchmark with a colour release as it comes (a DVD): `render --reference` against a plain
transcode of the same film.

    python -m pipelines.bench.release PAIR ALIGNED --model RUN [--runs 3]

PAIR holds the B&W scan (bw.mp4, e.g. 1080p) and its colour release (color.mpg: telecined, with a
logo...); ALIGNED is what ``filmcolor align`` wrote for them. Interleaved, ``--runs`` times each: a
plain ffmpeg transcode of bw.mp4 with render's codec settings (libx264, --preset, --crf, audio
copied), and ``filmcolor render bw.mp4 --reference color.mpg --aligned ALIGNED``, which also
decodes the release through its field-matching chain, places it, measures its chroma offset per
shot and fills its logo. Target: the render within 1.3x the transcode. Prints wall and CPU seconds
(the children's user + system time: on a shared machine wall time follows the load) and the
ratios of the medians.

After them, the render's floor: what ffmpeg must do for it whatever filmcolor does, measured once,
in CPU seconds: the rendered film decoded and encoded again with the same settings (as the render
decodes the scan and encodes its colour) and the release decoded through its chain and scaled as
render reads it. Where the
floor alone is near the target, the target needs more cores (or a GPU for the model), not a
faster filmcolor.
"""

from __future__ import annotations

import argparse
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from filmcolor.io.video import probe

from ..scores.chroma_edges import release_of
from .common import emit, filmcolor_cmd, machine


def _timed(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the process tree) of a command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{done.stderr.decode()[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _floor(rendered: Path, colour: Path, aligned: Path, codec: list[str]) -> float:
    """CPU seconds of the ffmpeg work the render cannot do without (see the docstring): the release
    read as render reads it, through its chain, scaled to the B&W picture's scale at the chroma
    planes' size (``Release.half_size``), as RGB."""
    info = probe(rendered)
    recode = f"ffmpeg -nostdin -loglevel error -i {shlex.quote(str(rendered))} -pix_fmt yuv420p "
    recode += "-f rawvideo - | ffmpeg -nostdin -loglevel error -f rawvideo -pix_fmt yuv420p "
    recode += f"-s {info.width}x{info.height} -r {info.fps} -i - {shlex.join(codec)} -f null -"
    release, _ = release_of(colour.parent, aligned)
    size = "scale={}:{}".format(*release.half_size())
    chain = ",".join(filter(None, [release.decoding.filters, size]))
    release = ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(colour), "-vf", chain]
    release += ["-pix_fmt", "rgb24", "-f", "null", "-"]
    return _timed(["bash", "-o", "pipefail", "-c", recode])[1] + _timed(release)[1]


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("pair", type=Path, help="folder with bw.mp4 and color.mpg")
    ap.add_argument("aligned", type=Path, help="filmcolor align's folder for them")
    ap.add_argument("--model", required=True, help="run folder or .ckpt")
    ap.add_argument("--colour", default="color.mpg", help="the colour release's file name")
    ap.add_argument("--preset", default="medium")
    ap.add_argument("--crf", type=int, default=18)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    film = args.pair / "bw.mp4"
    info = probe(film)
    print(f"{film}: {info.frames} frames {info.width}x{info.height}; {machine()}")
    times: dict[str, list] = {"transcode": [], "render": []}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        transcode = ["ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-i", str(film)]
        codec = ["-c:v", "libx264", "-preset", args.preset, "-crf", str(args.crf)]
        transcode += codec
        transcode += ["-pix_fmt", "yuv420p", "-c:a", "copy", str(out / "transcode.mp4")]
        render = filmcolor_cmd(
            "render", film, "-o", out / "render.mp4", "--overwrite", "--model", args.model,
            "--reference", args.pair / args.colour, "--aligned", args.aligned,
            "--preset", args.preset, "--crf", args.crf,
        )  # fmt: skip
        for _ in range(args.runs):
            for name, cmd in (("transcode", transcode), ("render", render)):
                wall, cpu = _timed(cmd)
                times[name].append((wall, cpu))
                print(f"{name:<10} {wall:7.1f} s wall {cpu:7.1f} s CPU", flush=True)
        floor = _floor(out / "render.mp4", args.pair / args.colour, args.aligned, codec)
    med = {n: [statistics.median(t[i] for t in v) for i in (0, 1)] for n, v in times.items()}
    record = {
        "frames": info.frames,
        "transcode_wall_s": med["transcode"][0],
        "transcode_cpu_s": med["transcode"][1],
        "render_wall_s": med["render"][0],
        "render_cpu_s": med["render"][1],
        "wall_ratio": med["render"][0] / med["transcode"][0],
        "cpu_ratio": med["render"][1] / med["transcode"][1],
        "render_fps": info.frames / med["render"][0],
        "transcode_fps": info.frames / med["transcode"][0],
        "floor_cpu_s": floor,
        "floor_cpu_ratio": floor / med["transcode"][1],
    }
    print(
        f"render --reference {record['wall_ratio']:.2f}x the transcode's wall time "
        f"({record['render_fps']:.1f} against {record['transcode_fps']:.1f} frames/s), "
        f"{record['cpu_ratio']:.2f}x its CPU time (target <= 1.3x)"
    )
    print(
        f"its floor (ffmpeg's share alone: its output decoded and encoded again, the release "
        f"read as render reads it) {floor:.1f} s CPU, "
        f"{record['floor_cpu_ratio']:.2f}x the transcode's"
    )
    emit(record)
    return record


if __name__ == "__main__":
    main()
