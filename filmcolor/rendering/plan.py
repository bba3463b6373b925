"""What a render decides before its first frame (``RenderPlan``): the film and the frames to
render, where the colour comes from (``Sources``), how the output is written, the picture inside
any bars, the shots and the decisions for each, and the pieces the film is rendered in.

Deciding reads the film's keyframes (the picture area) and, without a colour release, finds its
shot cuts once (kept in the work folder, so a resumed render does not look again); it writes
nothing else. The same command always makes the same plan, which is what lets a render resume.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..alignment.analysis import PictureArea, shot_ids
from ..colour import chroma, rgb_to_grey
from ..errors import FilmcolorError, VideoError
from ..geometry import Box
from ..io.files import check_new_output
from ..io.formats import output_path
from ..io.outputs import FilmOutput, film_output
from ..io.video import FrameReader, VideoInfo, probe
from ..settings import RenderSettings, as_json
from .image import COLOUR_WARNING
from .pieces import Piece, Work, cut_pieces, film_cuts
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
    ``output``, in ``pieces``; ``shot`` numbers each of the film's frames, ``box`` is the picture
    inside any bars and ``by_hand`` the shots whose release a shots file placed by hand."""

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

    @property
    def out(self) -> Path:
        """The output: a file, or an image sequence's folder."""
        return self.output.fmt.path

    def identity(self) -> dict:
        """What this render is, for its work folder: pieces left by any other are not reused."""
        colour = self.sources.colour
        return {
            "film": identity(self.info.path),
            "colour": self.sources.made_from
            or {"function": getattr(colour, "__qualname__", type(colour).__name__)},
            "settings": {k: v for k, v in as_json(self.settings).items() if k != "jobs"},
            "shots": self.sources.decisions.identity(),
            "box": list(self.box),
            "pieces": [[p.first, p.stop] for p in self.pieces],
        }

    def job(self, piece: Piece) -> PieceJob:
        """What rendering ``piece`` needs, to run here or in another process."""
        return PieceJob(
            self.info,
            self.sources.colour,
            self.sources.release,
            self.settings,
            self.box,
            piece,
            self.work,
            self.output,
            # the last piece of a render with no end of its own is read to the film's end (the
            # frame count a container states can be off)
            to_the_end=piece.stop == self.info.frames and self.settings.duration is None,
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
    box, colourfulness = _scan(info, start, duration)
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
    work = Work(output.fmt.path)
    release, decisions = sources.release, sources.decisions
    if release is not None:  # the alignment's cuts, and shots
        shot = release.shot
        cuts = (np.flatnonzero(np.diff(shot)) + 1).tolist()
    else:
        film = {**identity(src), "frames": [first, stop]}
        cuts = work.cuts(film, lambda: film_cuts(info, first, stop, progress))
        shot = shot_ids(stop, cuts)
    spans = _spans(shot[first:stop])
    decisions.resolve(stop - first, spans, _has(release, first, stop, spans))
    by_hand = decisions.place(release, first) if release is not None else set()
    pieces = cut_pieces(first, stop, max(1, round(settings.segment * fps)), cuts)
    return RenderPlan(
        info, settings, sources, output, work, box, first, stop, shot, pieces, by_hand
    )


def check_new(out: Path, overwrite: bool) -> None:
    """Refuse an output that exists, unless asked; an empty folder is a sequence's to fill."""
    target = output_path(out)
    if not (target.is_dir() and not any(target.iterdir())):
        check_new_output(target, overwrite, "output")


def identity(path: Path) -> dict:
    """A file as a render's work folder remembers it: its path, size and time."""
    stat = Path(path).stat()
    return {"path": str(Path(path).resolve()), "bytes": stat.st_size, "modified": stat.st_mtime_ns}


def _scan(
    info: VideoInfo, start: float | None, duration: float | None, most: int = 320
) -> tuple[Box, float]:
    """Picture area and mean colourfulness of the film (or excerpt), from its first ``most``
    keyframes.

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
    return area.box(), colour / max(n, 1)


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
