"""Align benchmark: `filmcolor align` against ffmpeg decoding both files; its memory on a long film.

    python -m pipelines.bench.align [--pair DIR] [--loops 4]

DIR holds bw.mp4 and color.mp4. The reference is `ffmpeg -i X -f null -` on each file, run one
after the other; the target is align <= 1.5x that. Timings are medians of --repeat runs. Peak memory
is compared between the pair and the same pair looped LOOPS times (ffmpeg -stream_loop, stream
copy): it must not grow with length.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path
from statistics import median

from filmcolor.io.video import probe

from .common import default_pair, emit, filmcolor_cmd, machine, measure


def _loop(src: Path, dst: Path, loops: int) -> None:
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
    ap.add_argument(
        "--loops", type=int, default=4, help="length multiple for the memory check (0 skips it)"
    )
    ap.add_argument(
        "--repeat", type=int, default=3, help="runs of each timing; the median is reported"
    )
    args = ap.parse_args(argv)
    pair = default_pair(args.pair)
    bw, colour = pair / "bw.mp4", pair / "color.mp4"
    bi, ci = probe(bw), probe(colour)
    print(
        f"align benchmark on {pair} ({machine()}): bw {bi.frames} frames {bi.width}x{bi.height}, "
        f"colour {ci.frames} frames {ci.width}x{ci.height}"
    )
    # Each figure is the median of REPEAT runs, alternating reference and align so that load
    # from elsewhere on the machine falls on both.
    decode_runs, align_runs, peaks = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            decode_runs.append(
                sum(
                    measure(
                        [
                            "ffmpeg",
                            "-nostdin",
                            "-loglevel",
                            "error",
                            "-i",
                            str(f),
                            "-f",
                            "null",
                            "-",
                        ]
                    )[0]
                    for f in (bw, colour)
                )
            )
            seconds, peak = measure(filmcolor_cmd("align", bw, colour, "-o", Path(tmp) / f"out{i}"))
            align_runs.append(seconds)
            peaks.append(peak)
        decode_s, align_s, peak = median(decode_runs), median(align_runs), max(peaks)
        record = {
            "bench": "align",
            "align_s": align_s,
            "decode_s": decode_s,
            "ratio": align_s / decode_s,
            "frames": bi.frames + ci.frames,
            "peak_mb": peak,
            "device": "cpu",
            "machine": machine(),
        }
        print(f"ffmpeg decoding both files: {decode_s:.2f} s (median of {args.repeat})")
        print(
            f"filmcolor align:            {align_s:.2f} s -> ratio {record['ratio']:.2f} (target "
            "<= 1.5)"
        )
        if args.loops > 1:
            long = Path(tmp) / "long"
            long.mkdir()
            for f in (bw, colour):
                _loop(f, long / f.name, args.loops)
            long_s, long_peak = measure(
                filmcolor_cmd(
                    "align", long / "bw.mp4", long / "color.mp4", "-o", Path(tmp) / "long_out"
                )
            )
            record.update(long_align_s=long_s, long_peak_mb=long_peak, loops=args.loops)
            print(
                f"peak memory: {peak:.0f} MB on the pair, {long_peak:.0f} MB on it looped "
                f"{args.loops}x ({long_s:.1f} s)"
            )
    emit(record)
    return record


if __name__ == "__main__":
    main()
