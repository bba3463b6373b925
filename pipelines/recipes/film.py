"""The whole job on one pair of releases: align, train, evaluate, render, evaluate the render.

    python -m pipelines.recipes.film BW COLOR -o OUT [--epochs 40] [--render-duration S]
        [--audio WAV] [--input-fps 24] [--render-as mp4]

BW may be a video or a scan: a folder of frames (or a pattern such as scan/%06d.dpx) read at
--input-fps (default: the DPX header's, else 24), with its sound in --audio.

Everything goes into OUT:

    OUT/aligned/                synced 64x64 pairs, alignment.png, samples.png   (filmcolor align)
    OUT/run/                    best.ckpt, metrics.json, loss.png, test_frames.png (filmcolor train)
    OUT/run/evaluation.json     test-split metrics, evaluation.png            (filmcolor evaluate)
    OUT/<bw>_color.mp4          the colorized film, the colour release's own colour wherever it
                                has the frame (filmcolor render --reference), and its _report.png
                                (another container with --render-as mov, mxf, ...; a folder
                                of frames for tif, dpx, ...: filmcolor.io.codecs lists them)
    OUT/<bw>_color_review.html  the film shot by shot, for a browser (with _review.json and
                                _shots.toml, the decisions per shot to edit: docs/render.md)
    OUT/<bw>_color_evaluation/  the rendered film scored against the colour release

The pipeline is resumable stage by stage: a stage whose output is complete is skipped, and a
training run that was interrupted is resumed from its last checkpoint. Run it again after a crash
or Ctrl-C and it carries on. OUT/pipeline.json records the films and settings OUT is made from; a
run with other films or settings refuses to mix its results in (``--overwrite`` starts afresh).
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
from fractions import Fraction
from pathlib import Path

from filmcolor.cli import run_command
from filmcolor.errors import FilmcolorError
from filmcolor.evaluation.tables import evaluation_table, split_table
from filmcolor.io.codecs import CONTAINERS, ENCODERS, Kind
from filmcolor.settings import TrainSettings, frame_rate

SEQUENCES = tuple(e.suffixes[0][1:] for e in ENCODERS.values() if e.kind is Kind.IMAGES)
RENDER_AS = (*(suffix[1:] for suffix in CONTAINERS), *SEQUENCES)

log = logging.getLogger("filmcolor")


def run_pipeline(
    bw: Path,
    colour: Path,
    out: Path,
    *,
    epochs: int = TrainSettings.epochs,
    render_duration: float | None = None,
    audio: Path | None = None,
    input_fps: Fraction | None = None,
    render_as: str = "mp4",
    overwrite: bool = False,
    progress: bool = True,
) -> dict:
    """Run (or finish) every stage; return where the results are."""
    from filmcolor import align, evaluate, evaluate_video, render, train

    out.mkdir(parents=True, exist_ok=True)
    aligned, run = out / "aligned", out / "run"
    name = f"{bw.stem if '%' not in bw.name else bw.parent.name}_color"
    film = out / (name if render_as in SEQUENCES else f"{name}.{render_as}")
    target = film / f"%06d.{render_as}" if render_as in SEQUENCES else film
    film_eval = out / f"{name}_evaluation"
    stamp = out / "pipeline.json"
    if overwrite:
        for path in (aligned, run, film_eval, *([film] if film.is_dir() else [])):
            shutil.rmtree(path, ignore_errors=True)
        if film.is_file():
            film.unlink()
    _claim(
        stamp,
        {
            "bw": _identity(bw),
            "color": _identity(colour),
            "epochs": epochs,
            "render_duration": render_duration,
            "audio": None if audio is None else _identity(audio),
            "input_fps": None if input_fps is None else str(input_fps),
            "render_as": None if render_as == "mp4" else render_as,  # as before it was an option
        },
        started=any(p.exists() for p in (aligned, run, film, film_eval)),
    )

    if not _done(aligned / "manifest.json", "align"):
        align(bw, colour, aligned, input_fps=input_fps, progress=progress)
    if not _done(run / "metrics.json", "train"):
        resume = (run / "last.ckpt").exists()
        train(aligned, run, epochs=epochs, resume=resume, overwrite=not resume, progress=progress)
    if not _done(run / "evaluation.json", "evaluate"):
        evaluate(run)
    if not _done(film, "render"):
        render(
            bw,
            target,
            model=run,
            reference=colour,
            aligned=aligned,
            audio=audio,
            duration=render_duration,
            input_fps=input_fps,
            progress=progress,
        )
    if not _done(film_eval / "evaluation.json", "evaluate the render"):
        evaluate_video(film, colour, out=film_eval, overwrite=True, progress=progress)
    review = film.with_name(f"{film.stem}_review.html")
    return {
        "aligned": aligned,
        "run": run,
        "film": film,
        "review": review,
        "film_evaluation": film_eval,
    }


def _identity(path: Path) -> dict:
    if not path.is_file():
        return {"path": str(path.resolve())}
    stat = path.stat()
    return {"path": str(path.resolve()), "bytes": stat.st_size, "modified": int(stat.st_mtime)}


def _claim(stamp: Path, made_from: dict, started: bool) -> None:
    """Record what the output folder is made from; refuse to mix in the results of other films or
    settings."""
    if started:
        try:
            before = json.loads(stamp.read_text())
        except (OSError, ValueError):
            raise FilmcolorError(
                f"{stamp.parent}: holds results this pipeline cannot tell the origin of (no "
                f"readable {stamp.name}); pass another -o, or --overwrite to start again"
            ) from None
        changed = [k for k, v in made_from.items() if before.get(k) != v]
        if changed:
            raise FilmcolorError(
                f"{stamp.parent}: holds results made with another {' and '.join(changed)}; "
                "pass another -o, or --overwrite to start again"
            )
    stamp.write_text(json.dumps(made_from, indent=2))


def _done(marker: Path, stage: str) -> bool:
    if marker.exists():
        log.info("%s: already done (%s), skipped", stage, marker)
        return True
    log.info("%s ...", stage)
    return False


def report(paths: dict) -> str:
    """Where everything is, with the headline numbers."""
    metrics = json.loads((paths["run"] / "metrics.json").read_text())
    film_eval = json.loads((paths["film_evaluation"] / "evaluation.json").read_text())
    return "\n".join(
        [
            "model against the identity baseline (chronological split):",
            split_table(metrics),
            "",
            "the rendered film against the colour release:",
            evaluation_table(film_eval),
            "",
            f"colorized film:    {paths['film']}",
            f"review it:         {paths['review']} (decisions per shot: "
            f"{paths['film'].with_name(paths['film'].stem + '_shots.toml')}, render --shots)",
            f"metrics:           {paths['run'] / 'metrics.json'}, "
            f"{paths['run'] / 'evaluation.json'}, {paths['film_evaluation'] / 'evaluation.json'}",
            f"pictures:          {paths['aligned'] / 'alignment.png'}, "
            f"{paths['aligned'] / 'samples.png'}, {paths['run'] / 'loss.png'}, "
            f"{paths['run'] / 'test_frames.png'}, {paths['film_evaluation'] / 'evaluation.png'}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("bw", type=Path, help="the black-and-white release")
    ap.add_argument("color", type=Path, help="the colour release")
    ap.add_argument(
        "-o", "--out", type=Path, default=Path("film"), help="folder for every stage's output"
    )
    ap.add_argument(
        "--epochs",
        type=int,
        default=TrainSettings.epochs,
        help="most training epochs (default: %(default)s)",
    )
    ap.add_argument(
        "--render-duration", type=float, default=None, help="render only the first S seconds"
    )
    ap.add_argument("--audio", type=Path, help="the film's sound (a WAV, ...), if not in BW")
    ap.add_argument(
        "--input-fps", type=frame_rate, help="frame rate of BW given as frames (default 24)"
    )
    ap.add_argument(
        "--render-as",
        choices=RENDER_AS,
        default="mp4",
        help="the rendered film's format: a video, or a folder of frames (default: %(default)s)",
    )
    ap.add_argument(
        "--overwrite",
        action="store_true",
        help="start again from scratch, replacing the results in OUT",
    )
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="filmcolor: %(message)s")
    return run_command(
        lambda: print(
            report(
                run_pipeline(
                    args.bw,
                    args.color,
                    args.out,
                    epochs=args.epochs,
                    render_duration=args.render_duration,
                    audio=args.audio,
                    input_fps=args.input_fps,
                    render_as=args.render_as,
                    overwrite=args.overwrite,
                )
            )
        )
    )


if __name__ == "__main__":
    sys.exit(main())
