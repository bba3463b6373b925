"""The review loop's render again: one shot's decision changed, the film rendered again, timed
against that shot's share of a whole render, and compared frame by frame with a whole render made
with the edited file.

    python -m pipelines.bench.rerender FILM --model RUN [--reference COLOUR --aligned DIR]
                                       [--shot N] [-o SCRATCH] [-- more render options]

1. ``filmcolor render FILM -o a.mp4``, timed (W);
2. a shots file giving shot ``--shot`` (default: the shot nearest the film's middle) a strength of
   0.5, and ``render ... -o a.mp4 --shots FILE --overwrite`` again, timed (R): the target is
   R ≤ 1.2 × the shot's share of the film's frames × W + 10 s;
3. the same command once more, nothing changed (every shot reused: the fixed cost);
4. ``render ... -o b.mp4 --shots FILE``, a whole render with the edited file, timed (``--no-whole``:
   not done);
5. every frame of a.mp4 and b.mp4 compared (ffmpeg's framemd5 of the decoded pictures).

Each run's wall time and CPU seconds (its process tree's: on a loaded machine the steadier
figure, and the target checked on them too). Prints a table (markdown) and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

from .common import emit, filmcolor_cmd, machine, measure_all


def frame_md5s(path: Path) -> list[str]:
    """The MD5 of each decoded picture of a video."""
    run = subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(path), "-map", "0:v", "-f",
         "framemd5", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return [line.rsplit(",", 1)[1].strip() for line in run.stdout.splitlines() if line[:1] != "#"]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("film", type=Path, help="the B&W film")
    ap.add_argument("--model", type=Path, required=True, help="run folder or .ckpt")
    ap.add_argument("--reference", type=Path, help="its colour release")
    ap.add_argument("--aligned", type=Path, help="the two aligned (filmcolor align)")
    ap.add_argument("--shot", type=int, help="the shot to change (default: the middle one)")
    ap.add_argument("-o", "--out", type=Path, help="scratch folder (default: a temporary one)")
    ap.add_argument("--no-whole", action="store_true", help="no whole render with the edited file")
    ap.add_argument("more", nargs="*", help="more render options (after --)")
    args = ap.parse_args(argv)
    scratch = args.out or Path(tempfile.mkdtemp(prefix="bench-rerender-"))
    scratch.mkdir(parents=True, exist_ok=True)
    extra = [*(("--reference", args.reference) if args.reference else ())]
    extra += [*(("--aligned", args.aligned) if args.aligned else ()), *args.more]

    def cmd(name: str, *more) -> list[str]:
        return filmcolor_cmd(
            "render", args.film, "-o", scratch / name, "--model", args.model, "--overwrite",
            *extra, *more,
        )  # fmt: skip

    for stale in scratch.glob(".*.segments"):
        subprocess.run(["rm", "-rf", str(stale)], check=True)
    whole, whole_cpu, _ = measure_all(cmd("a.mp4"))
    rows = json.loads((scratch / "a_review.json").read_text())["shots"]
    total = rows[-1]["last"] + 1
    row = (
        next(r for r in rows if r["shot"] == args.shot)
        if args.shot is not None
        else min(rows, key=lambda r: abs(r["first"] - total / 2))
    )
    share = row["frames"] / total
    target, target_cpu = 1.2 * share * whole + 10, 1.2 * share * whole_cpu + 10
    print(f"{args.film}: {total} frames, {len(rows)} shots; {machine()}\n", flush=True)
    print("| run | wall s | CPU s |\n|---|---|---|", flush=True)
    print(f"| whole render | {whole:.1f} | {whole_cpu:.1f} |", flush=True)
    shots = scratch / "edited.toml"
    shots.write_text(f"[shots.{row['shot']}]\nstrength = 0.5\n")
    again, again_cpu, _ = measure_all(cmd("a.mp4", "--shots", shots))
    done = json.loads((scratch / "a_review.json").read_text())["done"]
    print(
        f"| shot {row['shot']} ({row['frames']} frames, {share:.1%}) changed, rendered again | "
        f"{again:.1f} (target ≤ 1.2 × {share:.1%} × {whole:.1f} + 10 = {target:.1f}) | "
        f"{again_cpu:.1f} (≤ {target_cpu:.1f}) |",
        flush=True,
    )
    same, same_cpu, _ = measure_all(cmd("a.mp4", "--shots", shots))
    print(f"| nothing changed, rendered again | {same:.1f} | {same_cpu:.1f} |", flush=True)
    edited = edited_cpu = differ = None
    a = frame_md5s(scratch / "a.mp4")
    if not args.no_whole:
        edited, edited_cpu, _ = measure_all(cmd("b.mp4", "--shots", shots))
        print(f"| whole render with the edited file | {edited:.1f} | {edited_cpu:.1f} |")
        b = frame_md5s(scratch / "b.mp4")
        differ = sum(x != y for x, y in zip(a, b)) + abs(len(a) - len(b))
        print(f"\nframes differing between the two: {differ} of {max(len(a), len(b))}")
    record = {
        "machine": machine(),
        "film": str(args.film),
        "frames": total,
        "shots": len(rows),
        "shot": row["shot"],
        "shot_frames": row["frames"],
        "whole_s": whole,
        "whole_cpu_s": whole_cpu,
        "again_s": again,
        "again_cpu_s": again_cpu,
        "target_s": target,
        "target_cpu_s": target_cpu,
        "rendered_again": done["rendered"],
        "unchanged_s": same,
        "unchanged_cpu_s": same_cpu,
        "whole_edited_s": edited,
        "whole_edited_cpu_s": edited_cpu,
        "frames_rendered_again": len(a),
        "frames_differing": differ,
    }
    emit(record)


if __name__ == "__main__":
    main()
