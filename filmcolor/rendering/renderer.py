"""Colorize a black-and-white film (or a photograph) with a trained model, at the film's own
resolution.

The film streams through four stages, each in its own thread (``io.stream``): decoding its luma
with ffmpeg, predicting colour in batches, smoothing and composing, encoding. For each frame:

1. The picture inside any bars (found once from the film's keyframes) is brought to half the film's
   size (the chroma planes') and the model predicts its CIE a*b* at the model's size
   (``predictor``).
2. The colour is smoothed over time, following motion (optical flow), with a window that never
   reaches across a shot cut (``smoothing``): less flicker.
3. The smoothed colour is upsampled bilinearly to the chroma planes, put on the film's own lightness
   and written as chroma beside the film's own luma plane, untouched, so every detail of the
   original picture is kept; bars stay black (``compose``). With the colour release, its own
   colour takes the place of the model's wherever it has the frame (``release``), unless the shots
   file says otherwise for the shot (``review.shots``, ``review.decisions``).

The luma is decoded and kept at the source's depth, the colour composed in float on it, and the
frame written in the output's own planes (``planes``). The output is a video file or an image
sequence, chosen by its name (``io.formats``), with the film's audio or another file's, and the
source's timecode (``io.outputs``).

``render_film`` does it in three steps: ``plan.plan_render`` decides everything before the first
frame (the output, the shots and their decisions, the pieces, cut at shots, and their segments, a
shot each, named by what reaches them); ``run_render`` renders the segments the work folder lacks
(``pipeline``, here or in processes of their own), so a render again after a change renders only
the shots it reaches; and ``finish_render`` joins them under a temporary name renamed when
complete (an error or Ctrl-C leaves no partial output, only the finished segments to resume
from), and writes the review: ``OUT_review.html``, ``OUT_review.json`` and ``OUT_shots.toml``
(``review``), and the timeline, ``OUT.otio`` (``review.timeline``).
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path

from tqdm import tqdm

from ..alignment.folder import AlignedFolder
from ..alignment.stills import is_stills
from ..errors import FilmcolorError, VideoError
from ..io.files import atomic_file
from ..io.formats import is_sequence_output
from ..io.outputs import atomic_output, finish_sequence
from ..io.sequence import is_sequence
from ..io.video import probe
from ..model.checkpoint import LoadedModel, load_model
from ..settings import RenderSettings, with_options
from .image import render_image
from .jobs import Runner, run_pieces
from .pieces import Segment, join
from .plan import RenderPlan, Sources, check_new, identity, plan_render
from .predictor import ColourFn, Predictor
from .release.source import load_release
from .review.decisions import Decisions
from .review.facts import Review
from .review.page import Done, write_review
from .review.report_plot import release_plot
from .review.shots import read_shots
from .review.timeline import write_timeline
from .stills.loading import find_render_stills, shots_file_stills
from .stills.source import Stills, transfers

log = logging.getLogger("filmcolor")

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}


@dataclass
class RenderResult:
    """What ``render`` wrote: the file, its frame count and the seconds it took; with a colour
    release, what took its colour (``Release.report``); the review page of a film."""

    out: Path
    frames: int
    seconds: float
    release: dict | None = None
    review: Path | None = None
    done: Done | None = None  # what was rendered and what reused

    def summary(self) -> list[str]:
        """What the command line says when a render is done, a line each."""
        rate = self.frames / self.seconds if self.seconds else 0
        lines = [
            f"wrote {self.out} ({self.frames} frame(s) in {self.seconds:.1f} s, {rate:.1f} fps)"
        ]
        if r := self.release:
            lines.append(
                f"colour from the release on {r['release_frames']} frames, from the model on "
                f"{r['model_frames']} (the release's share of the film's colour: "
                f"{r['covered']:.0%}); see {self.out.with_name(self.out.stem + '_report.png')}"
            )
            offsets = [v["chroma_px"] for v in r["shots"].values() if v.get("shift_px")]
            if offsets:
                x, y = (sorted(o[i] for o in offsets) for i in (0, 1))
                lines.append(
                    f"the release's chroma lay {x[len(x) // 2]:+.2f}, {y[len(y) // 2]:+.2f} px "
                    f"(x, y; median of {len(x)} shots, x from {x[0]:+.2f} to {x[-1]:+.2f}) off "
                    "its luma; corrected"
                )
        if self.done and self.done.reused:  # a render again
            lines.append(self.done.describe())
        if self.review:
            lines.append(
                f"review it shot by shot: {self.review} (decide in OUT_shots.toml, then --shots)"
            )
        return lines


def render(
    src: str | Path,
    out: str | Path,
    settings: RenderSettings | None = None,
    *,
    model: str | Path | None = None,
    reference: str | Path | list | None = None,
    aligned: str | Path | list | None = None,
    runner: Runner | None = None,
    shots: str | Path | None = None,
    audio: str | Path | None = None,
    overwrite: bool = False,
    progress: bool = False,
    **options,
) -> RenderResult:
    """Colorize ``src`` (a film: a video file or a folder of frames; or a photograph by its
    suffix) into ``out`` (a video file or an image sequence) with a trained ``model`` (a run
    folder or checkpoint; the latest run by default). ``settings`` (or single ``options`` such as
    ``smooth=0``) say how; see ``RenderSettings``.

    With a colour release of the film as ``reference``, every frame it has takes its colour from
    it, and the model colours the rest (``reference``); ``aligned`` is the folder ``filmcolor
    align`` wrote for these two files, or None to align them now. Stills as ``reference`` (a
    picture, a folder or pattern of them) are found in the film and each one's colour carried
    through its shot (``stills``); a release and stills together (a list) are both used, a still
    ruling its shot, each with its aligned folder in ``aligned`` (a list). ``shots`` is a file of
    decisions per shot (``shots``). ``audio`` is the sound to put with the film (a WAV, ... or
    another video's audio) in place of its own. ``runner``: see ``render_film``."""
    settings = with_options(settings, RenderSettings, options)
    src, out = Path(src), Path(out)
    image = src.suffix.lower() in IMAGE_SUFFIXES and not is_sequence(src)
    if image != (out.suffix.lower() in IMAGE_SUFFIXES and not is_sequence_output(out)):
        raise FilmcolorError(
            f"{out}: an {'image' if image else 'film'} must be written as "
            + (
                "an image (.png, .jpg, ...)"
                if image
                else "a video (.mp4, .mov, .mxf, .mkv, ...) or an image sequence (a folder, or "
                "a pattern such as DIR/%06d.tif)"
            )
        )
    check_new(out, overwrite)
    decisions = Decisions(read_shots(shots)) if shots is not None else Decisions()
    if image and (reference is not None or shots is not None):
        raise FilmcolorError(f"{src}: --reference and --shots are for a film, not a photograph")
    (video, video_aligned), (stills, stills_aligned) = _references(reference, aligned)
    pictures = decisions.stills()
    found = None
    if not image and (stills is not None or pictures):  # stills first: a bad one stops it soon
        film = probe(src, settings.input_fps)
        in_shots = shots_file_stills(film, pictures)  # a shots file's stills, carried if found
        decisions.carry(in_shots)
        found = find_render_stills(film, stills, stills_aligned, [*in_shots.values()])
    loaded = load_model(model, settings.strength)
    predictor = Predictor(loaded, settings.device)
    if image:
        seconds = render_image(src, out, predictor, settings.side_by_side, overwrite)
        return RenderResult(out, 1, seconds)
    made_from = {"model": identity(loaded.path), "model_film": model_film(loaded)}
    sources = Sources(predictor, decisions=decisions, made_from=made_from)
    if video is not None:
        film = probe(src, settings.input_fps)
        sources.release = load_release(
            film, video, video_aligned, loaded.net, loaded.size, progress
        )
        sources.made_from["reference"] = identity(Path(video))
    if found is not None:
        sources.stills = Stills(film, found, transfers(film, found, predictor))
        sources.made_from["stills"] = [identity(Path(s.file)) for s in found]
    return render_film(
        src,
        out,
        sources,
        settings,
        audio=audio,
        runner=runner,
        overwrite=overwrite,
        progress=progress,
    )


def model_film(loaded: LoadedModel) -> dict | None:
    """The B&W film a model was trained on (its aligned folder names it), or None if unknown."""
    try:
        data = Path(loaded.hparams["data"]) / "manifest.json"
        made = json.loads(data.read_text())["inputs"]["bw"]
        keep = ("width", "height", "frames")
        return {"name": Path(made["path"]).name, **{k: made[k] for k in keep}}
    except (KeyError, TypeError, OSError, ValueError):
        return None


def _references(reference, aligned) -> tuple[tuple, tuple]:
    """The colour release and the stills among ``reference`` (a path or several: at most one of
    each), each with its aligned folder among ``aligned`` (a stills folder is the stills')."""
    refs, folders = (
        [] if x is None else [x] if isinstance(x, (str, Path)) else list(x)
        for x in (reference, aligned)
    )
    video = [Path(r) for r in refs if not is_stills(r)]
    stills = [Path(r) for r in refs if is_stills(r)]
    if len(video) > 1 or len(stills) > 1:
        raise FilmcolorError(
            f"{refs[-1]}: --reference takes one colour release and one set of stills at most"
        )
    if len(folders) > len(refs):
        raise FilmcolorError(f"{folders[-1]}: --aligned without a --reference it was aligned with")
    for_stills = [f for f in folders if AlignedFolder(f).views() is not None]
    for_video = [f for f in folders if f not in for_stills]
    return (
        (video[0] if video else None, for_video[0] if for_video else None),
        (stills[0] if stills else None, for_stills[0] if for_stills else None),
    )


def render_film(
    src: str | Path,
    out: str | Path,
    colour: ColourFn | Sources,
    settings: RenderSettings | None = None,
    *,
    audio: str | Path | None = None,
    runner: Runner | None = None,
    overwrite: bool = False,
    progress: bool = False,
) -> RenderResult:
    """Colorize the film ``src`` into ``out`` with any ``colour`` function (the model's is a
    ``Predictor``), or from ``Sources`` (a colour function, the colour release where it has the
    frame, the shots file's decisions): plan (``plan.plan_render``), render the pieces left
    (``run_render``), join them and write the review (``finish_render``); all or nothing.
    ``audio``: see ``render``. ``runner`` renders the pieces left (``jobs.run_pieces`` by default:
    ``settings.jobs`` at a time, here; ``ray.ray_runner`` runs them on a Ray cluster)."""
    sources = colour if isinstance(colour, Sources) else Sources(colour)
    plan = plan_render(
        src,
        out,
        sources,
        settings or RenderSettings(),
        audio=audio,
        overwrite=overwrite,
        progress=progress,
    )
    t0 = time.perf_counter()
    records = run_render(plan, runner, progress)
    return finish_render(plan, records, overwrite, t0)


def run_render(
    plan: RenderPlan, runner: Runner | None = None, progress: bool = False
) -> dict[str, dict]:
    """Render the plan's segments that its work folder lacks, a run of a piece's at a time; every
    segment's record, by its key (``reused`` in those found). On failure the finished segments
    stay, for the next run to reuse."""
    work = plan.work
    work.claim(plan.identity())
    records = {}
    for s in plan.segments:
        if found := work.finished(s):
            records[s.key] = {**found, "reused": True}
    todo = [plan.job(plan.pieces[run[0].piece], run) for run in _runs(plan.segments, records)]
    reused = sum(r["frames"] for r in records.values())
    if records:
        log.info(
            "%d of %d shots' segments as the last render left them; rendering the rest",
            len(records),
            len(plan.segments),
        )
    bar = tqdm(
        total=sum(s.frames for s in plan.segments),
        initial=reused,
        unit="frame",
        desc="rendering",
        disable=not progress,
    )
    try:
        with bar:
            jobs = plan.settings.jobs
            for result in (runner or run_pieces)(todo, jobs, bar.update):
                records.update(result["segments"])
    except BaseException:
        if not any(work.finished(s) for s in plan.segments):
            work.remove()  # nothing to resume from
        raise
    return records


def _runs(segments: list[Segment], records: dict) -> list[list[Segment]]:
    """The segments not in ``records``, in runs of one piece's consecutive frames."""
    runs: list[list[Segment]] = []
    for s in segments:
        if s.key in records:
            continue
        if runs and runs[-1][-1].piece == s.piece and runs[-1][-1].stop == s.first:
            runs[-1].append(s)
        else:
            runs.append([s])
    return runs


def finish_render(
    plan: RenderPlan, records: dict[str, dict], overwrite: bool, t0: float
) -> RenderResult:
    """The rendered segments joined into the output (with its sound), the release's report
    picture, the review's files and the timeline (``OUT.otio``); the work folder kept for the next
    render, without what this plan does not use (a preview, ``--only``, keeps the other shots'
    segments). ``t0``: when rendering began."""
    info, out, work, segments = plan.info, plan.out, plan.work, plan.segments
    settings, release = plan.settings, plan.sources.release
    frames = sum(r["frames"] for r in records.values())
    whole = not (settings.start or settings.duration or settings.only)
    if whole and frames < 0.98 * info.frames:
        raise VideoError(
            f"{info.path}: truncated or corrupt: decoded {frames} of {info.frames} frames"
        )
    sound = None if settings.only else plan.output.sound
    if plan.output.fmt.sequence:
        with atomic_output(plan.output.fmt, overwrite) as folder:
            output = replace(plan.output, sound=sound)
            finish_sequence(output, [work.video(s) for s in segments], folder, info.fps)
    else:
        final = work.path / f"joined{out.suffix}"
        join(
            [work.video(s) for s in segments],
            final,
            frames=[records[s.key]["frames"] for s in segments],
            fps=info.fps,
            sound=sound,
            timecode=plan.output.timecode,
        )
        os.replace(final, out)
    summary = None
    if release is not None:
        summary = release.report()
        for r in records.values():
            summary["shots"].update({int(k): v for k, v in r["shots"].items()})
        summary["shots"] = dict(sorted(summary["shots"].items()))
        with atomic_file(out.with_name(f"{out.stem}_report.png"), overwrite=True) as tmp:
            note = f"colour release: {release.fields}; decoded with {release.decoding.describe()}"
            if release.overlay is not None:
                note += "; overlay (logo) left out, filled from around it"
            fps = float(info.fps)
            name = info.path.name
            release_plot(tmp, release.weight, release.shot, summary["shots"], fps, name, note)
    parts = [records[s.key]["review"] for s in segments]
    review = Review.merged(info.fps, release is not None, parts, work.thumbs)
    done = Done.of(segments, records)
    page = write_review(
        out, review, plan.sources.decisions, info.path, plan.first, summary, plan.by_hand, done
    )
    write_timeline(plan, json.loads(out.with_name(f"{out.stem}_review.json").read_text()))
    work.clean(None if settings.only else segments)
    return RenderResult(out, frames, time.perf_counter() - t0, summary, page, done)
