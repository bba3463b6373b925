"""The stills of a render: found in the film, or read from what ``filmcolor align`` found; a shots
file's stills found in the film."""

from __future__ import annotations

import logging
from pathlib import Path

from ...alignment.folder import AlignedFolder
from ...alignment.stills import Still, find_stills, still_files
from ...errors import AlignmentError, FilmcolorError
from ...io.video import VideoInfo

log = logging.getLogger("filmcolor")


def find_render_stills(
    film: VideoInfo, path: str | Path | None, aligned: str | Path | None, extra: list[Still] = ()
) -> list[Still]:
    """The stills ``path`` names (a picture, a folder or pattern of them; None: none) as they lie
    on ``film``, in film order: from ``aligned`` (a folder ``filmcolor align FILM STILLS`` wrote)
    or found now; with ``extra`` stills (a shots file's) besides, a still found twice used once."""
    stills = []
    if path is not None:
        files = still_files(path)
        if aligned is not None:
            stills = _from_folder(film, files, Path(aligned))
        else:
            stills = find_stills(film, files).stills
    frames = {s.frame for s in stills}
    stills = sorted([*stills, *(s for s in extra if s.frame not in frames)], key=lambda s: s.frame)
    log.info(
        "%d still(s): %s",
        len(stills),
        ", ".join(f"{Path(s.file).name} at frame {s.frame}" for s in stills),
    )
    return stills


def shots_file_stills(film: VideoInfo, stills: dict[int, Path]) -> dict[int, Still]:
    """The shots file's ``stills`` (shot: picture) found in ``film``, by shot; one that matches no
    frame (a picture of another take, say) is left out: its shot's model colour takes its colour's
    mean and spread, as before stills were carried."""
    found = {}
    for shot, path in sorted(stills.items()):
        try:
            found[shot] = find_stills(film, [Path(path)]).stills[0]
        except AlignmentError as e:
            log.info("shot %d: %s; its colour's mean and spread are matched instead", shot, e)
    return found


def _from_folder(film: VideoInfo, files: list[Path], aligned: Path) -> list[Still]:
    """The stills an aligned folder found, checked to be of this film and these files."""
    manifest = AlignedFolder(aligned).manifest
    made = manifest.inputs["bw"]
    if not manifest.stills:
        raise FilmcolorError(
            f"{aligned}: was aligned with a colour release, not stills; align the film with the "
            "stills (or leave out --aligned)"
        )
    if (made["width"], made["height"], made["frames"]) != (film.width, film.height, film.frames):
        raise FilmcolorError(
            f"{aligned}: was aligned from {made['path']}, not {film.path}; align these two "
            "(or leave out --aligned)"
        )
    stills = [Still.from_json(s) for s in manifest.stills]
    names = {Path(s.file).name for s in stills}
    missing = [f.name for f in files if f.name not in names]
    if missing:
        raise FilmcolorError(
            f"{aligned}: has no still {missing[0]}; align the film with these stills again (or "
            "leave out --aligned)"
        )
    by_name = {f.name: f for f in files}
    return [
        Still(str(by_name[Path(s.file).name]), s.frame, s.box, s.crop, s.score)
        for s in stills
        if Path(s.file).name in by_name
    ]
