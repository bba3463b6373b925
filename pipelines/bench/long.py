"""A feature-length film: align, train and render timed, and their peak memory, at 10, 30 and 100
minutes.

    python -m pipelines.bench.long [--minutes 10,30,100] [-o bench-long] [--skip-train]
                                   [--render-minutes 1,10] [--model RUN]
    python -m pipelines.bench.long --pair bench-long/m30 --pair ...   # pairs already built

For each length a pair is built with ``pipelines.cases.long_pair`` (``-o``/mN, kept: a second run
skips the build; seed N, ``--reuse``), then, each measured as a process tree (wall, CPU seconds,
peak resident memory):

1. ``ffmpeg`` decoding both files at once to null: the reference for align (target: align <= 1.5x);
2. ``filmcolor align``, scored against truth.json (``pipelines.scores.alignment``; targets:
   precision >= 0.99, coverage >= 0.95, peak memory <= 2 GB);
3. ``filmcolor train`` with its defaults (target: <= 30 minutes, the validation colour error below
   a grey film's, i.e. a ratio < 1); ``--skip-train`` renders with ``--model`` (default: the latest
   run under runs/) instead;
4. ``filmcolor render`` of the B&W film with that model, the whole film or, with
   ``--render-minutes``, only its first M minutes (``--duration``), each M a run of its own: the
   peak memory must stay flat from 1 to 100 minutes, which renders of 1 and 10 minutes of the
   100-minute film show without rendering all of it.

The figures at 1080p are extrapolated by the pixel ratio: decoding and rendering time taken to grow
with the pixels, align's own work past decoding not (it matches small frames); memory is not
extrapolated. Prints markdown tables and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from filmcolor.io.video import probe

from ..cases import long_pair
from ..cases.long_edit import Cut
from ..scores.alignment import score
from .common import emit, filmcolor_cmd, machine, measure_all

HD_PIXELS = 1920 * 1080


def _decode_cmd(bw: Path, colour: Path) -> list[str]:
    """ffmpeg decoding both files at once, each to null."""
    return ["ffmpeg", "-nostdin", "-v", "error", "-i", str(bw), "-i", str(colour),
            "-map", "0:v:0", "-f", "null", "-", "-map", "1:v:0", "-f", "null", "-"]  # fmt: skip


def bench_pair(pair: Path, work: Path, args) -> dict:
    """Every figure of one pair; ``work`` holds its aligned folder, run and renders."""
    bw, colour = pair / "bw.mp4", pair / "color.mp4"
    info, cinfo = probe(bw), probe(colour)
    work.mkdir(parents=True, exist_ok=True)
    r = {"pair": str(pair), "minutes": info.frames / 24 / 60, "size": f"{info.width}x{info.height}"}
    r.update(bw_frames=info.frames, colour_frames=cinfo.frames)
    r["decode_s"], r["decode_cpu_s"], _ = measure_all(_decode_cmd(bw, colour))
    aligned = work / "aligned"
    align = filmcolor_cmd("align", bw, colour, "-o", aligned, "--overwrite")
    r["align_s"], r["align_cpu_s"], r["align_peak_mb"] = measure_all(align)
    r["align_ratio"] = r["align_s"] / r["decode_s"]
    r["align_cpu_ratio"] = r["align_cpu_s"] / r["decode_cpu_s"]
    s = score(pair, aligned)
    r.update(pairs=s["pairs"], precision=s["precision"], coverage=s["coverage"])
    r["reused_coverage"] = s.get("reused_coverage")
    model = args.model
    if not args.skip_train:
        model = work / "run"
        train = filmcolor_cmd("train", aligned, "-o", model, "--overwrite")
        r["train_s"], r["train_cpu_s"], r["train_peak_mb"] = measure_all(train)
        metrics = json.loads((model / "metrics.json").read_text())
        val = metrics["splits"]["val"]
        r["val_colour_error_ratio"] = val["model"]["colour_error"] / val["baseline"]["colour_error"]
        r["epochs"] = metrics["epochs_run"]
    if model is None:
        from filmcolor.model.checkpoint import latest_run

        model = latest_run()
    r["renders"] = []
    if model is None:
        print(f"{pair}: no render (--skip-train, no --model and no run under runs/)")
    for minutes in (args.render_minutes or [None]) if model else []:
        frames = info.frames if minutes is None else min(info.frames, round(minutes * 60 * 24))
        out = work / f"render-{minutes or 'all'}.mp4"
        cmd = filmcolor_cmd("render", bw, "-o", out, "--model", model, "--overwrite")
        cmd += [] if minutes is None else ["--duration", f"{minutes * 60:g}"]
        cmd += ["--preset", args.preset] if args.preset else []
        wall, cpu, peak = measure_all(cmd)
        r["renders"].append({"minutes": frames / 1440, "frames": frames, "s": wall, "cpu_s": cpu,
                             "peak_mb": peak})  # fmt: skip
    scale = HD_PIXELS / (info.width * info.height)
    r["hd_scale"] = scale
    r["hd_decode_s"] = r["decode_s"] * scale
    r["hd_align_s"] = r["align_s"] + r["decode_s"] * (scale - 1)
    for x in r["renders"]:
        x["hd_s"] = x["s"] * scale
    return r


def _f(x, fmt: str = "{:.1f}") -> str:
    return "-" if x is None else fmt.format(x)


def tables(records: list[dict]) -> str:
    """The figures as markdown tables: alignment, training and rendering, 1080p."""
    lines = [
        "| film | frames B&W / colour | decode both, s (CPU s) | align, s (CPU s) | align ÷ decode"
        " (CPU) | align peak MB | precision | coverage | reused footage covered |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        lines.append(
            f"| {r['minutes']:.1f} min {r['size']} | {r['bw_frames']} / {r['colour_frames']} | "
            f"{r['decode_s']:.1f} ({r['decode_cpu_s']:.1f}) | {r['align_s']:.1f} "
            f"({r['align_cpu_s']:.1f}) | {r['align_ratio']:.2f} ({r['align_cpu_ratio']:.2f}) | "
            f"{r['align_peak_mb']:.0f} | {r['precision']:.4f} | {r['coverage']:.4f} | "
            f"{_f(r['reused_coverage'], '{:.4f}')} |"
        )
    lines += [
        "",
        "| film | train, s (CPU s) | train peak MB | epochs | val colour error ÷ grey film's |"
        " render: minutes rendered | render s (frames/s) | render peak MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        for i, x in enumerate(r["renders"] or [{}]):
            train = (
                f"{_f(r.get('train_s'))} ({_f(r.get('train_cpu_s'))}) | "
                f"{_f(r.get('train_peak_mb'), '{:.0f}')} | {r.get('epochs', '-')} | "
                f"{_f(r.get('val_colour_error_ratio'), '{:.2f}')}"
                if i == 0
                else " | | |"
            )
            fps = x["frames"] / x["s"] if x else None
            lines.append(
                f"| {r['minutes']:.1f} min | {train} | {_f(x.get('minutes'), '{:.2f}')} | "
                f"{_f(x.get('s'))} ({_f(fps)}) | {_f(x.get('peak_mb'), '{:.0f}')} |"
            )
    lines += [
        "",
        "| film | at 1080p (x pixels) | decode both, s | align, s | render s |",
        "|---|---|---|---|---|",
    ]
    for r in records:
        renders = ", ".join(f"{x['hd_s']:.0f} ({x['minutes']:.2f} min)" for x in r["renders"])
        lines.append(
            f"| {r['minutes']:.1f} min | {r['hd_scale']:.2f}x | {r['hd_decode_s']:.0f} | "
            f"{r['hd_align_s']:.0f} | {renders or '-'} |"
        )
    return "\n".join(lines)


def _round(x):
    if isinstance(x, float):
        return round(x, 4)
    if isinstance(x, dict):
        return {k: _round(v) for k, v in x.items()}
    return [_round(v) for v in x] if isinstance(x, list) else x


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--minutes",
        default="10,30,100",
        help="film lengths, comma-separated (default: %(default)s)",
    )
    ap.add_argument(
        "--pair",
        action="append",
        type=Path,
        help="a pair already built (repeatable): not --minutes",
    )
    ap.add_argument(
        "-o",
        "--out",
        type=Path,
        default=Path("bench-long"),
        help="scratch folder: pairs, aligned folders, runs, renders (default: %(default)s)",
    )
    ap.add_argument(
        "--source",
        type=Path,
        default=long_pair.SOURCE,
        help="the short pair to build from (default: %(default)s)",
    )
    ap.add_argument(
        "--reuse",
        type=float,
        default=0.3,
        help="share of reels with a flashback (default: %(default)s)",
    )
    ap.add_argument("--skip-train", action="store_true", help="render with --model instead")
    ap.add_argument("--model", type=Path, help="run folder or .ckpt to render with (--skip-train)")
    ap.add_argument(
        "--preset",
        help="x264 preset of the renders (default: render's own); memory is compared at one preset",
    )
    ap.add_argument(
        "--render-minutes",
        type=lambda s: [float(m) for m in s.split(",")],
        help="render only the first M minutes of each film, a render per M (default: all of it)",
    )
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    pairs = args.pair or []
    for n in [] if args.pair else [float(m) for m in args.minutes.split(",")]:
        pair = args.out / f"m{n:g}"
        if not (pair / "truth.json").exists():
            start = time.perf_counter()
            long_pair.make_long_pair(
                pair, Cut(n, seed=int(n), reuse=args.reuse), args.source,
                cache=args.out / "source-cache",
            )  # fmt: skip
            print(f"built {pair} in {time.perf_counter() - start:.0f} s")
        pairs.append(pair)
    records = []
    for pair in pairs:
        records.append(bench_pair(pair, args.out / f"{pair.name}-work", args))
        print(f"{pair}: done ({machine()})", flush=True)
    print(f"\nlong films ({machine()}):\n")
    print(tables(records))
    print(
        "\ntargets: precision >= 0.99, coverage >= 0.95, align <= 1.5x decoding both files and "
        "<= 2 GB; training <= 30 min with val colour error < a grey film's; render peak memory "
        "flat from 1 to 100 minutes."
    )
    if args.render_minutes:
        print("renders: only the first minutes shown of each film (filmcolor render --duration).")
    print(
        "1080p: the figures times the pixel ratio, supposing decoding and rendering time grow with "
        "the pixels and align's matching (on small frames) does not; memory not extrapolated."
    )
    emit({"bench": "long", "machine": machine(), "films": _round(records)})
    return records


if __name__ == "__main__":
    main()
