"""The render as an editor's timeline: ``OUT.otio`` (OpenTimelineIO), and where OTIO's adapter is
installed, ``OUT.edl`` (CMX 3600). Final Cut Pro X XML is converted from ``OUT.otio`` on request
(``otioconvert -i OUT.otio -o OUT.fcpxml``): its adapter's time grows with the square of the
clips (14 s for 414 shots on 2 cores; minutes at a feature's 1,500), too much for every render.

Finishing happens in an editor (DaVinci Resolve, Premiere, Avid), which reads timelines. The
timeline lines up three video tracks, shot by shot: the rendered film (``OUT``), the B&W film it
was rendered from, and, with ``--reference``, the colour release at the frames the render took
its colour from (a gap where the release lacks the shot). Each clip is a shot, named by its number
(``shot 12``), with its colour source (release, blend, model, grey) and the review's figures in its
metadata (``filmcolor``); each warning of the review is a marker on the rendered film's clip. An
EDL holds one track, so ``OUT.edl`` lists the rendered film's shots alone, their warnings as
comments.
"""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

log = logging.getLogger("filmcolor")

MARKER_COLOURS = {"residual": "RED", "seam": "ORANGE", "grey": "PURPLE", "pale": "YELLOW"}
ADAPTERS = {".edl": "cmx_3600"}


def timeline(
    data: dict,
    fps: Fraction,
    master: Path,
    film: Path,
    first: int,
    release: tuple[Path, Fraction, int, list[int]] | None = None,
):
    """The timeline of a review's ``data`` (``OUT_review.json``): the rendered film ``master``,
    the ``film`` (its frame ``first`` is the render's frame 0) and the colour ``release`` (its
    file, its frame rate, its frame count and the release frame shown with each rendered frame,
    -1 where none)."""
    import opentimelineio as otio

    rate = float(fps)

    def span(start: int, n: int, r: float = rate):
        return otio.opentime.TimeRange(
            otio.opentime.RationalTime(start, r), otio.opentime.RationalTime(n, r)
        )

    def media(path: Path, frames: int, r: float = rate):
        return otio.schema.ExternalReference(
            target_url=Path(path).resolve().as_uri(), available_range=span(0, frames, r)
        )

    rows = data["shots"]
    total = rows[-1]["last"] + 1 if rows else 0
    tracks = {"filmcolor": otio.schema.Track("filmcolor"), "B&W": otio.schema.Track("B&W")}
    if release is not None:
        tracks["colour release"] = otio.schema.Track("colour release")
    master_ref, film_ref = media(master, total), media(film, first + total)
    at = 0  # where the next clip starts in the rendered film (a preview: its shots in a row)
    for row in rows:
        n, name = row["frames"], f"shot {row['shot']}"
        meta = {"filmcolor": _meta(row)}
        clip = otio.schema.Clip(name, master_ref.clone(), span(at, n), meta)
        for w in row["warnings"]:
            marker = otio.schema.Marker(
                f"⚠ {w}", span(at, n), MARKER_COLOURS.get(w, "RED"), {"filmcolor": {"warning": w}}
            )
            marker.comment = data["warnings"][w]
            clip.markers.append(marker)
        tracks["filmcolor"].append(clip)
        bw = otio.schema.Clip(name, film_ref.clone(), span(first + row["first"], n), meta)
        tracks["B&W"].append(bw)
        if release is not None:
            tracks["colour release"].append(_release_clip(otio, release, row, name, meta, span))
        at += n
    made = otio.schema.Timeline(f"{data['film']} rendered as {data['output']}")
    made.global_start_time = otio.opentime.RationalTime(0, rate)
    made.tracks.extend(tracks.values())
    return made


def _meta(row: dict) -> dict:
    keep = ("shot", "first", "last", "source", "sources", "release_share", "error_ratio", "gate")
    return {k: row.get(k) for k in keep} | {"warnings": row["warnings"]}


def _release_clip(otio, release, row, name, meta, span):
    """The release's frames of a shot, from the first it shows to the last; a gap where none."""
    path, rate, count, shown = release
    frames = [f for f in shown[row["first"] : row["last"] + 1] if f >= 0]
    if not frames:
        return otio.schema.Gap(source_range=span(0, row["frames"]))
    ref = otio.schema.ExternalReference(
        target_url=Path(path).resolve().as_uri(), available_range=span(0, count, float(rate))
    )
    # from the release's frame shown first, at its own rate, and as long as the shot (the film's
    # frames at the film's rate), so that the track stays cut as the others
    long = span(0, row["frames"]).duration.rescaled_to(float(rate))
    source = otio.opentime.TimeRange(otio.opentime.RationalTime(frames[0], float(rate)), long)
    return otio.schema.Clip(name, ref, source, meta)


def write_timeline(plan, data: dict) -> list[Path]:
    """``OUT.otio`` beside the rendered film, and ``OUT.edl`` where its adapter is installed;
    the files written."""
    import opentimelineio as otio

    info, out, release = plan.info, plan.out, plan.sources.release
    rel = None
    if release is not None:
        stop = plan.first + data["frames"]
        shown = release.frame_of[plan.first : stop].tolist()
        rel = (release.info.path, release.info.fps, release.info.frames, shown)
    made = timeline(data, info.fps, out, info.path, plan.first, rel)
    stem = out.with_suffix("") if out.suffix else out
    written = [stem.with_name(stem.name + ".otio")]
    otio.adapters.write_to_file(made, str(written[0]))
    names = {a.name for a in otio.plugins.ActiveManifest().adapters}
    for suffix, adapter in ADAPTERS.items():
        if adapter not in names:
            log.info("no OpenTimelineIO adapter %s installed: no %s written", adapter, suffix)
            continue
        path = stem.with_name(stem.name + suffix)
        one = made if adapter != "cmx_3600" else _master_only(otio, made)
        try:  # another project's adapter: what it cannot write costs the render nothing
            otio.adapters.write_to_file(one, str(path), adapter_name=adapter)
        except Exception as e:
            log.warning("%s: not written (OpenTimelineIO's %s: %s)", path, adapter, e)
            continue
        written.append(path)
    return written


def _master_only(otio, made):
    """The timeline with its rendered film's track alone (an EDL holds one)."""
    one = otio.schema.Timeline(made.name, global_start_time=made.global_start_time)
    one.tracks.append(made.tracks[0].clone())
    return one
