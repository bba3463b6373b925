"""What a render decides before its first frame (``RenderPlan``): the film and the frames to
render, where the colour comes from (``Sources``), how the output is written, the picture inside
any bars, the shots and the decisions for each, and the pieces the film is rendered in.

Deciding reads the film's keyframes (the picture area) and, without a colour release, finds its
shot cuts once (kept in the work folder, so a resumed render does not look again); it writes
nothing else. The same command always makes the same plan, which is what lets a render resume.
Each shot of each piece is a segment named by a key (``keys``): the film and the segment's frames,
the colour function (the model's file), the colour release's frames, placement and transfer for
the shot, the shots file's decisions that reach it (and the still it names), and the settings that
reach any frame. A segment whose key is in the work folder is reused as it is.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

import numpy as np

from .. import __version__
from ..alignment.analysis import PictureArea, shot_ids
from ..colour import chroma, rgb_to_grey
from ..errors import FilmcolorError, VideoError
from ..geometry import Box
from ..io.audio import sound_length
from ..io.files import check_new_output
from ..io.formats import output_path
from ..io.outputs import FilmOutput, film_output
from ..io.timestamps import RATES
from ..io.video import FrameReader, VideoInfo, probe
from ..settings import RenderSettings, as_json
from .image import COLOUR_WARNING
from .pieces import Piece, Segment, Work, cut_pieces, cut_segments, film_cuts, key_of
from .pipeline import PieceJob
from .predictor import ColourFn
from .release.source import Release
from .review.decisions import Decisions
from .stills.source import Stills

log = logging.getLogger("filmcolor")


@dataclass
class Sources:
    """Where a film's colour comes from: ``colour``, any ``ColourFn`` (the model's is a
    ``Predictor``), where it has the frame the colour ``release``, and in the shots of ``stills``
    their colour carried through the shot, as the shots file's ``decisions`` say; ``made_from``
    names them (the model's, the release's and the stills' files), so that a render resumes only
    the pieces of a render of the same things."""

    colour: ColourFn
    release: Release | None = None
    decisions: Decisions = field(default_factory=Decisions)
    made_from: dict | None = None
    stills: Stills | None = None  # stills, whose colour is carried through their shots


@dataclass
class RenderPlan:
    """A render decided: film frames [first, stop) of ``info`` coloured from ``sources`` into
    ``output``, in ``pieces``, each cut into ``segments`` at its shots (named by their keys; with
    ``--only``, those of its shots alone); ``shot`` numbers each of the film's frames, ``box`` is
    the picture inside any bars and ``by_hand`` the shots whose release a shots file placed by
    hand."""

    info: VideoInfo
    settings: RenderSettings
    sources: Sources
    output: FilmOutput
    work: Work
    box: Box
    first: int
    stop: int
    shot: np.ndarray
    pieces: list[Piece]
    by_hand: set[int]
    segments: list[Segment] = field(default_factory=list)

    @property
    def out(self) -> Path:
        """The output: a file, or an image sequence's folder."""
        return self.output.fmt.path

    def identity(self) -> dict:
        """What film this render is of, and the film its model was trained on, for its work
        folder (``check_film``)."""
        made_from = self.sources.made_from or {}
        return {
            "film": identity(self.info.path),
            "frames": [self.first, self.stop],
            "model_film": made_from.get("model_film"),
        }

    def keys(self, segments: list[Segment]) -> list[Segment]:
        """``segments`` named by what reaches their frames (see the module's docstring)."""
        colour, release = self.sources.colour, self.sources.release
        ignored = ("jobs", "segment", "only", "start", "duration")
        common = {
            "film": identity(self.info.path),
            "render_first": self.first,
            "colour": self.sources.made_from
            or {"function": getattr(colour, "__qualname__", type(colour).__name__)},
            "settings": {k: v for k, v in as_json(self.settings).items() if k not in ignored},
            "box": list(self.box),
            "output": self._output(),
            "filmcolor_version": __version__,
        }
        decisions = self.sources.decisions
        spans = _spans(self.shot[self.first : self.stop])
        out = []
        for seg in segments:
            # what reaches any frame of the shot: a shot cut by a piece's boundary is rendered
            # again whole, its parts in order (its registration and still carry on)
            a, b = spans[seg.shot]
            last = seg.stop == self.info.frames and self.settings.duration is None
            made = {
                **common,
                "frames": [seg.first, seg.stop, seg.shot, last],
                "release": None
                if release is None
                else _release_of(release, seg.shot, self.first + a, self.first + b + 1),
                "decisions": decisions.reaching(a, b),
            }
            out.append(Segment(seg.piece, seg.first, seg.stop, seg.shot, key_of(made)))
        return out

    def _output(self) -> dict:
        o = self.output
        fmt = o.fmt
        made = {"codec": fmt.codec, "pix_fmt": fmt.pix_fmt, "options": fmt.options}
        made.update(suffix=self.out.suffix, colour=o.colour, sequence=fmt.sequence)
        if fmt.sequence:  # the frames' numbers and timecodes are in the files
            made.update(name=fmt.name, number=o.first_number, timecode=o.timecode)
        return made

    def job(self, piece: Piece, segments: list[Segment]) -> PieceJob:
        """What rendering ``segments`` (a run of ``piece``'s) needs, here or in another process."""
        return PieceJob(
            self.info,
            self.sources.colour,
            self.sources.release,
            self.settings,
            self.box,
            piece,
            segments,
            self.work,
            self.output,
            # the last piece of a render with no end of its own is read to the film's end (the
            # frame count a container states can be off)
            to_the_end=segments[-1].stop == self.info.frames and self.settings.duration is None,
            decisions=self.sources.decisions,
            start=self.first,
            shot=self.shot,
            stills=self.sources.stills,
        )


def plan_render(
    src: str | Path,
    out: str | Path,
    sources: Sources,
    settings: RenderSettings,
    *,
    audio: str | Path | None = None,
    overwrite: bool = False,
    progress: bool = False,
) -> RenderPlan:
    """The plan of rendering the film ``src`` into ``out`` (``render_film`` says what each
    argument is); FilmcolorError for what cannot be rendered, before any work."""
    src, out = Path(src), Path(out)
    info = probe(src, settings.input_fps)
    if info.sequence and not info.sequence.fps and not settings.input_fps and audio:
        rate = _rate_of_sound(info, audio) or info.fps
        info = replace(info, fps=rate, duration=info.frames / float(rate))
    start, duration = settings.start, settings.duration
    if start is not None and start >= info.duration:
        raise FilmcolorError(f"{src}: --start {start} is past its end ({info.duration:.1f} s)")
    if info.width % 2 or info.height % 2:
        raise VideoError(
            f"{src}: its frame size {info.width}x{info.height} is odd, which video in yuv420p "
            f"cannot store; crop it first (ffmpeg -i {src.name} -vf "
            "crop=iw-mod(iw\\,2):ih-mod(ih\\,2) ...)"
        )
    check_new(out, overwrite)
    work = Work(output_path(out))  # as output.fmt.path
    check_film(work, out, info.path, sources.made_from)  # before the work folder is written
    film = {**identity(src), "start": start, "duration": duration}
    *box, colourfulness = work.kept("picture", film, lambda: [*_scan(info, start, duration)])
    box = tuple(box)
    if colourfulness > COLOUR_WARNING:
        log.warning(
            "%s looks like a colour film; its luminance is used as the black-and-white picture", src
        )
    fps = float(info.fps)
    first = int(np.ceil((start or 0) * fps - 1e-6))
    stop = info.frames
    if start is not None or duration is not None:
        stop = first + int(
            round(min(duration or info.duration, info.duration - (start or 0)) * fps)
        )
    output = film_output(
        info,
        out,
        first=first,
        count=stop - first,
        codec=settings.codec,
        pix_fmt=settings.pix_fmt,
        crf=settings.crf,
        preset=settings.preset,
        audio=audio,
        timecode=settings.timecode,
        start=start,
        duration=duration,
        width=info.width * (2 if settings.side_by_side else 1),
    )
    release, decisions = sources.release, sources.decisions
    if release is not None:  # the alignment's cuts, and shots
        shot = release.shot
        cuts = (np.flatnonzero(np.diff(shot)) + 1).tolist()
    else:
        film = {**identity(src), "frames": [first, stop]}
        cuts = work.kept("cuts", film, lambda: film_cuts(info, first, stop, progress))
        shot = shot_ids(stop, cuts)
    spans = _spans(shot[first:stop])
    decisions.resolve(stop - first, spans, _has(release, first, stop, spans))
    by_hand = decisions.place(release, first) if release is not None else set()
    pieces = cut_pieces(first, stop, max(1, round(settings.segment * fps)), cuts)
    plan = RenderPlan(
        info, settings, sources, output, work, box, first, stop, shot, pieces, by_hand
    )
    segments = cut_segments(pieces, shot)
    if settings.only is not None:
        chosen = only_shots(settings.only, spans)
        segments = [s for s in segments if s.shot in chosen]
    plan.segments = plan.keys(segments)
    return plan


def only_shots(only: str, spans: dict[int, tuple[int, int]]) -> set[int]:
    """The shots ``--only`` names ("12", "12,14-16"); a FilmcolorError for one the film lacks."""
    chosen: set[int] = set()
    for part in only.split(","):
        a, _, b = part.strip().partition("-")
        if not (a.isdigit() and (b.isdigit() or not b)) or int(b or a) < int(a):
            raise FilmcolorError(f"--only {only}: shots by number, e.g. --only 12,14-16")
        chosen.update(range(int(a), int(b or a) + 1))
    if missing := sorted(chosen - spans.keys()):
        raise FilmcolorError(
            f"--only {only}: shot {missing[0]} is not in this film (its shots are "
            f"{min(spans)}-{max(spans)})"
        )
    return chosen


def check_film(work: Work, out: Path, film: Path, made_from: dict | None) -> None:
    """Refuse to replace an output that another film was rendered into (as its work folder, or
    else its review, says), or that was rendered with a model of another film than this render's
    (``made_from``: ``Sources.made_from``), even with ``--overwrite``: a mistyped input or model
    must not cost a render."""
    if not output_path(out).exists():
        return
    before = work.made_from()
    if before and "film" in before:
        was = Path(before["film"]["path"])
        same = was == film.resolve()
    else:
        try:
            was = Path(json.loads(out.with_name(f"{out.stem}_review.json").read_text())["film"])
        except (OSError, ValueError, KeyError, TypeError):
            return
        same = was.name == film.name  # a review names the film alone
    if not same:
        # two films of one name (bw.mp4 in two folders) are told apart by their paths
        then, now = (was, film.resolve()) if was.name == film.name else (was.name, film.name)
        raise FilmcolorError(
            f"{out}: was rendered from {then}, not {now}; remove it (and "
            f"{work.path.name}/) or choose another output"
        )
    model, then = (made_from or {}).get("model_film"), (before or {}).get("model_film")
    if model and then and model != then:
        path = Path(made_from["model"]["path"])
        raise FilmcolorError(
            f"{path}: a model of {model['name']}, but {out.name} was rendered with a model of "
            f"{then['name']}; pass that film's model, or remove {out.name} to start afresh"
        )


def _rate_of_sound(info: VideoInfo, audio: str | Path) -> Fraction | None:
    """The rate at which a scan's frames, whose files say none, last as long as its sound: the
    standard rate that does within half a percent (a 23.976 scan is not played at 24)."""
    length = sound_length(audio)
    if not length:
        return None
    rate = min(RATES, key=lambda r: abs(info.frames / length - float(r)))
    if abs(info.frames / length / float(rate) - 1) > 0.005:
        log.warning(
            "%s: %d frames at %s fps last %.1f s, its sound %s %.1f s: give --input-fps",
            info.path, info.frames, info.fps, info.duration, Path(audio).name, length,
        )  # fmt: skip
        return None
    if rate != info.fps:
        log.info("%s: its frames say no rate; its sound's length gives %s fps", info.path, rate)
    return rate


def check_new(out: Path, overwrite: bool) -> None:
    """Refuse an output that exists, unless asked; an empty folder is a sequence's to fill."""
    target = output_path(out)
    if not (target.is_dir() and not any(target.iterdir())):
        check_new_output(target, overwrite, "output")


def identity(path: Path) -> dict:
    """A file as a render's work folder remembers it: its path, size and time."""
    stat = Path(path).stat()
    return {"path": str(Path(path).resolve()), "bytes": stat.st_size, "modified": stat.st_mtime_ns}


def _release_of(release: Release, s: int, a: int, b: int) -> dict:
    """What of the colour release reaches shot ``s`` (film frames [a, b)): its frames, their
    weights, the placement, the decoding and the shot's transfer of the model's colour."""
    shot = release.shots.get(s)
    transfer = shot.transfer if shot is not None else None
    overlay = release.overlay
    return {
        "file": identity(release.info.path),
        "frame_of": key_of({"v": release.frame_of[a:b].tolist()}),
        "weight": key_of({"v": np.round(release.weight[a:b], 6).tolist()}),
        "placement": [list(release.scale), list(release.offset)],
        "decoding": repr(release.decoding),
        "overlay": None if overlay is None else key_of({"v": overlay.tobytes().hex()}),
        "transfer": None if transfer is None else np.round(transfer, 6).tolist(),
    }


def _scan(
    info: VideoInfo, start: float | None, duration: float | None, most: int = 320
) -> tuple[float, float, float, float, float]:
    """Picture area (a ``Box``) and mean colourfulness of the film (or excerpt), from its first
    ``most`` keyframes.

    Decoding keyframes alone is quick, and encoders put them at shot changes, so they sample the
    film."""
    area, colour, n = PictureArea(128), 0.0, 0
    with FrameReader(
        info, size=(128, 128), keyframes=True, start=start, duration=duration, batch=16
    ) as reader:
        for batch in reader:
            area.update(rgb_to_grey(batch))
            colour += float(np.abs(chroma(batch)).mean()) * len(batch)
            n += len(batch)
            if n >= most:
                break
    return *area.box(), colour / max(n, 1)


def _spans(shot: np.ndarray) -> dict[int, tuple[int, int]]:
    """The first and last frame (of the rendered film) of each shot."""
    ends = np.flatnonzero(np.diff(shot)) + 1
    firsts, lasts = np.r_[0, ends], np.r_[ends - 1, len(shot) - 1]
    return {int(shot[a]): (int(a), int(b)) for a, b in zip(firsts, lasts)}


def _has(
    release: Release | None, first: int, stop: int, spans: dict[int, tuple[int, int]]
) -> dict[int, bool] | None:
    """Whether the colour release has any frame of each shot of ``spans`` (None without one)."""
    if release is None:
        return None
    present = release.frame_of[first:stop] >= 0
    return {s: bool(present[a : b + 1].any()) for s, (a, b) in spans.items()}
