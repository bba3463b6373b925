"""The review's files: ``OUT_review.html``, one page that opens from the file system in any
browser, its thumbnails in the folder ``OUT_review/`` beside it, with ``OUT_review.json``
(``review_data``: the rows and their warnings) and ``OUT_shots.toml``.

The page (the Jinja2 template ``review.html``, filled in here, autoescaped) holds the figures as
text and a few lines of script to filter the rows by warning and sort them by a column; its images
are the JPEG files beside it (a feature film's thousands of shots make a page of a few MB, not of a
hundred, and a render keeps no picture in memory for it). Nothing is fetched, so it works offline
and from ``file://``; move the page with its folder. A column is one entry of ``COLUMNS`` (header,
the row's figure it sorts by, the macro of ``cells.html`` that draws its cell): another figure is
one more entry and its macro.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import jinja2

from ...io.files import atomic_dir, atomic_file
from . import carried
from .decisions import Decisions
from .facts import (
    COLOURED,
    GREY_CHROMA,
    PALE_GATE,
    RESIDUAL_PX,
    SEAM_JUMP,
    SOURCES,
    WARNINGS,
    Review,
)
from .shots_toml import shots_text


class Column(NamedTuple):
    """A column of the page: its header, the row's figure it sorts by (None: not sortable), the
    macro of ``cells.html`` that draws its cell, the cell's class, and whether it is shown only
    with a colour release, or with stills."""

    header: str
    sort: str | None
    cell: str
    css: str = ""
    release_only: bool = False
    stills_only: bool = False

    @property
    def data(self) -> str:
        """The sort figure's name as a data- attribute's (and the script's dataset key)."""
        return self.sort.replace("_", "")


COLUMNS = [
    Column("Shot", "shot", "shot", "num"),
    Column("Frames", "first", "frames", "num"),
    Column("B&W", None, "bw"),
    Column("filmcolor: first, middle, last", None, "colour", "thumbs"),
    Column("Colour release", None, "release", release_only=True),
    Column("Still", "carried", "still", stills_only=True),
    Column("Source", "release_share", "source", "source"),
    Column("Registration", "residual_px", "registration", "num", release_only=True),
    Column("Gate", "gate", "gate", "num"),
    Column("Colour error", "error_ratio", "error", "num", release_only=True),
    Column("Flicker", "flicker", "flicker", "num"),
    Column("Warnings", "warning_count", "warnings"),
    Column("Shots file", None, "changes"),
]


@dataclass
class Done:
    """What a render rendered and what it reused (as an earlier render left it): frames by shot."""

    rendered: dict[int, int] = field(default_factory=dict)
    reused: dict[int, int] = field(default_factory=dict)

    @classmethod
    def of(cls, segments: list, records: dict[str, dict]) -> Done:
        """From the plan's segments and their records (``reused`` in those found)."""
        done = cls()
        for s in segments:
            record = records[s.key]
            into = done.reused if record.get("reused") else done.rendered
            into[s.shot] = into.get(s.shot, 0) + record["frames"]
        for shot in done.rendered:  # a shot is rendered if any part of it was
            done.rendered[shot] += done.reused.pop(shot, 0)
        return done

    def describe(self) -> str:
        """A line saying it."""
        line = f"rendered {_count(self.rendered)}"
        if self.rendered:
            line += f" ({shot_list(self.rendered)})"
        return line + f"; reused {_count(self.reused)} as the last render left them"

    def to_json(self) -> dict:
        return {"rendered": sorted(self.rendered), "reused": sorted(self.reused)}


def _count(shots: dict[int, int]) -> str:
    return f"{len(shots)} shot(s), {sum(shots.values())} frames"


def shot_list(shots) -> str:
    """Shot numbers as runs: 4, 12-13."""
    runs: list[list[int]] = []
    for s in sorted(shots):
        if runs and runs[-1][1] == s - 1:
            runs[-1][1] = s
        else:
            runs.append([s, s])
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in runs)


PAGE_ROWS = 50  # rows shown at a time: a feature's page opens at once, its pages a click apart


def _figure(value, spec: str = ".2f", none: str = "–") -> str:
    """A figure as the page writes it (``fmt`` in the templates): ``none`` where there is none."""
    return none if value is None else format(value, spec)


_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader(__package__, "."),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_TEMPLATES.filters["fmt"] = _figure


def _names(thumbs: dict) -> list[str]:
    """The files of one shot's thumbnails."""
    return [
        n for n in (thumbs["bw"], *thumbs["colour"], thumbs["release"], thumbs.get("still")) if n
    ]


def _timeline(data: dict) -> list[dict]:
    """The timeline's runs, each with its width (% of the film) and whether a cut starts it."""
    total = max(data["frames"], 1)
    runs, shot = [], None
    for run in data["timeline"]:
        n = run["last"] - run["first"] + 1
        runs.append(dict(run, width=100 * n / total, cut=shot is not None and run["shot"] != shot))
        shot = run["shot"]
    return runs


def review_page(data: dict, thumbs: dict[int, dict], folder: str) -> str:
    """The page's HTML from ``review_data``'s ``data`` and each shot's thumbnails, files in
    ``folder`` (relative to the page)."""
    rows = data["shots"]
    frames = data["frames"]
    return _TEMPLATES.get_template("review.html").render(
        data=data,
        title=f"filmcolor review: {data['output']}",
        rows=[(dict(r, warning_count=len(r["warnings"])), thumbs[r["shot"]]) for r in rows],
        columns=[
            c
            for c in COLUMNS
            if (data["release"] or not c.release_only) and (data["stills"] or not c.stills_only)
        ],
        folder=folder,
        kinds=SOURCES,
        timeline=_timeline(data),
        warned=sum(1 for r in rows if r["warnings"]),
        share=sum(r["release_share"] * r["frames"] for r in rows) / max(frames, 1),
        lacks=sum(r["release_lacks"] for r in rows),
        changed=sum(1 for r in rows if r["overrides"]),
        rendered=shot_list(r["shot"] for r in rows if r["rendered"]),
        reused=sum(r["rendered"] is False for r in rows),
        page_rows=PAGE_ROWS,
    )


def warnings(row: dict) -> list[str]:
    """The warnings (``WARNINGS``' keys) a shot's figures raise."""
    out = []
    if (row.get("residual_px") or 0) > RESIDUAL_PX:
        out.append("residual")
    if (row.get("seam_jump") or 0) > SEAM_JUMP:
        out.append("seam")
    if row["chroma"] < GREY_CHROMA and (row.get("grey_error") or 0) >= COLOURED:
        out.append("grey")
    chosen_grey = row.get("overrides", {}).get("colour") == "grey"
    gate = row["model_gate"]
    pale = gate is not None and gate < PALE_GATE and row["release_share"] < 0.5
    if pale and not chosen_grey and "carried" not in row:  # a still's shot: the model fills in
        out.append("pale")
    if carried.warned(row):
        out.append("lost")
    return out


def _rounded(value):
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    return value


def review_data(
    review: Review,
    *,
    film: str,
    out: str,
    start_frame: int,
    registration: dict | None,
    changes: Callable[[dict], dict],
    shots_file: Path | None,
    by_hand: set[int],
    done: Done | None = None,
) -> dict:
    """What ``OUT_review.json`` holds: the film, the warnings' meanings and thresholds, the
    timeline and one row per shot with its registration (``Release.report()["shots"]``), what
    the shots file changed (``changes(row)``), its warnings and whether this render rendered it
    or reused it (``done``)."""
    rows = []
    for row in review.done:
        reg = (registration or {}).get(row["shot"])
        row = dict(row)
        row["shift_px"] = reg["shift_px"] if reg else None
        row["response"] = reg["response"] if reg and row["shot"] not in by_hand else None
        row["residual_px"] = reg["residual_px"] if reg else None
        row["chroma_px"] = reg.get("chroma_px") if reg else None
        row["shift_by_hand"] = row["shot"] in by_hand
        row["overrides"] = changes(row)
        row["warnings"] = warnings(row)
        row["rendered"] = None if done is None else row["shot"] not in done.reused
        rows.append(row)
    return _rounded(
        {
            "film": film,
            "output": out,
            "fps": str(review.fps),
            "frames": rows[-1]["last"] + 1 if rows else 0,
            "start_frame": start_frame,
            "release": review.release,
            "stills": sum("carried" in r for r in rows),
            "shots_file": None if shots_file is None else str(shots_file),
            "done": None if done is None else done.to_json(),
            "warnings": WARNINGS,
            "timeline": review.timeline(),
            "shots": rows,
        }
    )


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=1) + "\n")


def write_page(page: Path, data: dict, review: Review) -> None:
    """The page and, beside it, the folder of its thumbnails (the page's name without
    ``.html``), each replaced whole; the thumbnails are linked (or copied) from the review's."""
    folder = page.with_suffix("")
    with atomic_dir(folder, overwrite=True) as tmp:
        for thumbs in review.thumbs.values():
            for name in _names(thumbs):
                try:
                    os.link(review.folder / name, tmp / name)
                except OSError:
                    shutil.copyfile(review.folder / name, tmp / name)
        with atomic_file(page, overwrite=True) as html:
            html.write_text(review_page(data, review.thumbs, folder.name))


def write_review(
    out: Path,
    review: Review,
    decisions: Decisions,
    film: Path,
    start_frame: int,
    release: dict | None,
    by_hand: set[int],
    done: Done | None = None,
) -> Path:
    """``OUT_review.json``, ``OUT_review.html`` and ``OUT_shots.toml`` beside the rendered film
    ``out`` (the shots file is left alone when it is the one this render read); ``release`` is
    ``Release.report()``. Returns the page's path."""
    shots_file = decisions.file.path if decisions.file else None
    data = review_data(
        review,
        film=Path(film).name,
        out=out.name,
        start_frame=start_frame,
        registration=release["shots"] if release else None,
        changes=lambda row: decisions.changes(row["first"], row["last"], row["default_colour"]),
        shots_file=shots_file,
        by_hand=by_hand,
        done=done,
    )
    page = out.with_name(f"{out.stem}_review.html")
    with atomic_file(out.with_name(f"{out.stem}_review.json"), overwrite=True) as tmp:
        write_json(tmp, data)
    write_page(page, data, review)
    toml = out.with_name(f"{out.stem}_shots.toml")
    if shots_file is None or toml.resolve() != shots_file.resolve():
        header = f"{Path(film).name} rendered as {out.name}"
        with atomic_file(toml, overwrite=True) as tmp:
            tmp.write_text(shots_text(data["shots"], decisions, header, toml.parent))
    return page
