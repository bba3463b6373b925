"""Render benchmark: `filmcolor render` against a plain transcode and against model-only inference.

    python -m pipelines.bench.render [--pair DIR] [--model RUN] [--long-minutes 10] [--device auto]

In one run, on the pair's B&W film: the render time; a plain ffmpeg transcode of the same file with
the same codec settings (decode + encode, audio copied); and the model alone over the same number
of frames. Target: render <= 1.15 x max(transcode, inference), i.e. decoding and encoding hidden
behind inference. Then the same render with the colour release (--reference, with and without
--aligned): target <= 1.3 x the model-only render. Then the film looped to 1 minute and to LONG
minutes is rendered (ultrafast preset, to keep the benchmark short) to compare peak memory: it must
not grow with length.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from filmcolor.io.video import probe
from filmcolor.model.checkpoint import load_model
from filmcolor.rendering.predictor import Predictor
from filmcolor.training.trainer import train

from .common import aligned_pair, default_pair, emit, filmcolor_cmd, machine, measure


def inference_seconds(
    model_path: Path, frames: int, device: str, batch: int = 16
) -> tuple[float, str]:
    """Model-only inference over ``frames`` frames at the model's size, batched as render batches
    them."""
    predictor = Predictor(load_model(model_path), device)
    size = predictor.size
    x = torch.rand(batch, 1, size, size, device=predictor.device) * 2 - 1
    if predictor.device.type == "cpu":
        x = x.contiguous(memory_format=torch.channels_last)
    with (
        torch.inference_mode(),
        torch.autocast(predictor.device.type, dtype=torch.bfloat16, enabled=predictor.bf16),
    ):
        predictor.net(x)  # warm-up
        if predictor.device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(int(np.ceil(frames / batch))):
            predictor.net(x)
        if predictor.device.type == "cuda":
            torch.cuda.synchronize()
    return time.perf_counter() - start, predictor.device.type


def _loop_to(src: Path, dst: Path, minutes: float) -> None:
    loops = int(np.ceil(minutes * 60 / probe(src).duration))
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-loglevel",
            "error",
            "-stream_loop",
            str(loops - 1),
            "-i",
            str(src),
            "-t",
            str(minutes * 60),
            "-c",
            "copy",
            str(dst),
        ],
        check=True,
    )


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--pair", help="folder with bw.mp4 and color.mp4 (default: the demo's pair)")
    ap.add_argument("--model", help="run folder or .ckpt (default: a one-epoch model trained here)")
    ap.add_argument("--device", default="auto", help="device for render and inference")
    ap.add_argument("--crf", type=int, default=18)
    ap.add_argument("--preset", default="medium")
    ap.add_argument(
        "--long-minutes",
        type=float,
        default=10,
        help="length of the long film for the memory check (0 skips it)",
    )
    args = ap.parse_args(argv)
    pair = default_pair(args.pair)
    film, info = pair / "bw.mp4", probe(pair / "bw.mp4")
    codec = ["--device", args.device, "--crf", args.crf, "--preset", args.preset]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        aligned = aligned_pair(args.pair, tmp)
        model = Path(args.model) if args.model else train(aligned, tmp / "run", epochs=1).best
        print(
            f"render benchmark on {film} ({info.frames} frames {info.width}x{info.height}, "
            f"{machine()})"
        )
        transcode_s, _ = measure(
            [
                "ffmpeg",
                "-nostdin",
                "-loglevel",
                "error",
                "-i",
                str(film),
                "-c:v",
                "libx264",
                "-preset",
                args.preset,
                "-crf",
                str(args.crf),
                "-pix_fmt",
                "yuv420p",
                "-movflags",
                "+faststart",
                "-c:a",
                "copy",
                str(tmp / "transcode.mp4"),
            ]
        )
        render_s, peak = measure(
            filmcolor_cmd("render", film, "-o", tmp / "render.mp4", "--model", model, *codec)
        )
        reference = ["--reference", pair / "color.mp4"]
        ref_s, ref_peak = measure(
            filmcolor_cmd(
                "render",
                film,
                "-o",
                tmp / "ref.mp4",
                "--model",
                model,
                *reference,
                "--aligned",
                aligned,
                *codec,
            )
        )
        ref_align_s, _ = measure(
            filmcolor_cmd(
                "render", film, "-o", tmp / "ref2.mp4", "--model", model, *reference, *codec
            )
        )
        inference_s, device = inference_seconds(model, info.frames, args.device)
        out = probe(tmp / "render.mp4")
        same = (out.width, out.height, out.fps, out.frames) == (
            info.width,
            info.height,
            info.fps,
            info.frames,
        )
        record = {
            "bench": "render",
            "render_s": render_s,
            "transcode_s": transcode_s,
            "inference_s": inference_s,
            "ratio": render_s / max(transcode_s, inference_s),
            "render_reference_s": ref_s,
            "reference_ratio": ref_s / render_s,
            "render_reference_with_align_s": ref_align_s,
            "frames": info.frames,
            "peak_mb": peak,
            "peak_mb_reference": ref_peak,
            "output_matches_input": same,
            "audio": bool(out.audio),
            "device": device,
            "machine": machine(),
        }
        print(f"plain transcode:       {transcode_s:.2f} s")
        print(f"model-only inference:  {inference_s:.2f} s ({device})")
        print(
            f"filmcolor render:      {render_s:.2f} s ({info.frames / render_s:.1f} frames/s) -> "
            f"ratio {record['ratio']:.2f} to max(transcode, inference) (target <= 1.15)"
        )
        print(
            f"render --reference:    {ref_s:.2f} s with --aligned -> ratio {ref_s / render_s:.2f} "
            f"to the model-only render (target <= 1.3); {ref_align_s:.2f} s aligning as well"
        )
        print(
            f"output: {out.width}x{out.height} at {out.fps} fps, {out.frames} frames, audio "
            f"{list(out.audio)}; same size, rate and length as the input: {same}"
        )
        if args.long_minutes > 0:
            for minutes, key in ((1, "peak_mb_1min"), (args.long_minutes, "peak_mb_long")):
                looped = tmp / f"loop{minutes}.mp4"
                _loop_to(film, looped, minutes)
                seconds, mb = measure(
                    filmcolor_cmd(
                        "render",
                        looped,
                        "-o",
                        tmp / f"loop{minutes}_color.mp4",
                        "--model",
                        model,
                        "--device",
                        args.device,
                        "--preset",
                        "ultrafast",
                    )
                )
                record[key] = mb
                print(f"peak memory rendering {minutes:g} min: {mb:.0f} MB ({seconds:.0f} s)")
            record["long_minutes"] = args.long_minutes
    emit(record)
    return record


if __name__ == "__main__":
    main()
