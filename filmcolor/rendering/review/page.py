"""The review's files: ``OUT_review.html``, one page that opens from the file system in any
browser, its thumbnails in the folder ``OUT_review/`` beside it, with ``OUT_review.json``
(``review_data``: the rows and their warnings) and ``OUT_shots.toml``.

The page (``review.html``, filled in here) holds the figures as text and a few lines of script to
filter the rows by warning and sort them by a column; its images are the JPEG files beside it
(a feature film's thousands of shots make a page of a few MB, not of a hundred, and a render
keeps no picture in memory for it). Nothing is fetched, so it works offline and from ``file://``;
move the page with its folder. A column is one entry of
``COLUMNS`` (header, the row's figure it sorts by, how a cell shows it): another figure is one
more entry.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from html import escape
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from ...io.files import atomic_dir, atomic_file
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
from .shots import shots_text


def _img(src: str | None, alt: str, size: tuple[int, int]) -> str:
    if src is None:
        return '<span class="none">no release frame here</span>'
    return f'<img src="{escape(src)}" alt="{escape(alt)}" width="{size[0]}" height="{size[1]}">'


def _names(thumbs: dict) -> list[str]:
    """The files of one shot's thumbnails."""
    return [n for n in (thumbs["bw"], *thumbs["colour"], thumbs["release"]) if n]


def _under(folder: str, thumbs: dict) -> dict:
    """One shot's thumbnails with each name made a link from the page into ``folder``."""

    def link(name):
        return None if name is None else f"{quote(folder)}/{quote(name)}"

    return {
        **thumbs,
        "bw": link(thumbs["bw"]),
        "colour": [link(c) for c in thumbs["colour"]],
        "release": link(thumbs["release"]),
    }


def _f(value, digits: int = 2, suffix: str = "") -> str:
    return "–" if value is None else f"{value:.{digits}f}{suffix}"


def _frames(row: dict, thumbs: dict) -> str:
    return (
        f"{row['first']}–{row['last']}<br><small>{row['start']}<br>{row['end']}<br>"
        f"{row['frames']} frames</small>"
    )


def _bw(row: dict, thumbs: dict) -> str:
    return _img(
        thumbs["bw"], f"shot {row['shot']}, B&W, frame {thumbs['frames'][1]}", thumbs["size"]
    )


def _colour(row: dict, thumbs: dict) -> str:
    names = ("first", "middle", "last")
    return "".join(
        _img(data, f"shot {row['shot']}, filmcolor, {name} frame {k}", thumbs["size"])
        for data, name, k in zip(thumbs["colour"], names, thumbs["frames"])
    )


def _release(row: dict, thumbs: dict) -> str:
    if row["release_lacks"]:
        return '<span class="lacks">not in the release</span>'
    alt = f"shot {row['shot']}, colour release, frame {thumbs['frames'][1]}"
    return _img(thumbs["release"], alt, thumbs["size"])


def _source(row: dict, thumbs: dict) -> str:
    n, badge = row["frames"], f'<span class="badge {row["source"]}">{row["source"]}</span>'
    parts = ", ".join(f"{k} {c / n:.0%}" for k, c in row["sources"].items())
    if len(row["sources"]) > 1:
        badge += f"<br><small>{parts}<br>release's share {row['release_share']:.0%}</small>"
    return badge


def _registration(row: dict, thumbs: dict) -> str:
    if row["shift_px"] is None:
        return "–"
    x, y = row["shift_px"]
    how = "by hand" if row["shift_by_hand"] else f"response {_f(row['response'])}"
    text = (
        f"shift {x:+.2f}, {y:+.2f} px<br><small>{how}</small><br>left {_f(row['residual_px'])} px"
    )
    if row.get("chroma_px") is not None:  # the release's chroma against its luma, corrected
        cx, cy = row["chroma_px"]
        text += f"<br><small>chroma {cx:+.2f}, {cy:+.2f} px</small>"
    return text


def _gate(row: dict, thumbs: dict) -> str:
    if row["gate"] is None:
        return "–"
    return f"{row['gate']:.2f}<br><small>min {row['gate_min']:.2f}</small>"


def _error(row: dict, thumbs: dict) -> str:
    if row.get("error") is None:
        return "–"
    return (
        f"{_f(row['error_ratio'])}× grey<br><small>shown {row['error']:.1f}<br>"
        f"grey {row['grey_error']:.1f}<br>model {row['model_error']:.1f}</small>"
    )


def _flicker(row: dict, thumbs: dict) -> str:
    seam = "" if row["seam_jump"] is None else f"<br><small>seam {row['seam_jump']:.1f}</small>"
    return f"{_f(row['flicker'])}{seam}"


def _warnings(row: dict, thumbs: dict) -> str:
    marks = [
        f'<span class="warn" title="{escape(WARNINGS[w])}">⚠ {w}</span>' for w in row["warnings"]
    ]
    if row["release_lacks"]:
        marks.append('<span class="lacks">∅ not in the release</span>')
    return "<br>".join(marks)


def _changes(row: dict, thumbs: dict) -> str:
    return "<br>".join(f"{escape(k)}: {escape(str(v))}" for k, v in row["overrides"].items())


Cell = Callable[[dict, dict], str]
# header, sort key (a row figure; None: not sortable), cell, cell class, only with a release
COLUMNS: list[tuple[str, str | None, Cell, str, bool]] = [
    ("Shot", "shot", lambda row, t: str(row["shot"]), "num", False),
    ("Frames", "first", _frames, "num", False),
    ("B&W", None, _bw, "", False),
    ("filmcolor: first, middle, last", None, _colour, "thumbs", False),
    ("Colour release", None, _release, "", True),
    ("Source", "release_share", _source, "source", False),
    ("Registration", "residual_px", _registration, "num", True),
    ("Gate", "gate", _gate, "num", False),
    ("Colour error", "error_ratio", _error, "num", True),
    ("Flicker", "flicker", _flicker, "num", False),
    ("Warnings", "warning_count", _warnings, "", False),
    ("Shots file", None, _changes, "", False),
]


def _key(name: str) -> str:
    """A row figure's name as a data- attribute's (and the script's dataset key)."""
    return name.replace("_", "")


def _row(row: dict, thumbs: dict, columns: list) -> str:
    figures = dict(row, warning_count=len(row["warnings"]))
    attrs = {
        "id": f"shot-{row['shot']}",
        "class": "shot changed" if row["overrides"] else "shot",
        "data-warnings": " ".join(row["warnings"]),
        "data-lacks": "1" if row["release_lacks"] else "0",
        "data-changed": "1" if row["overrides"] else "0",
    }
    for _, key, *_ in columns:
        if key is not None:
            value = figures.get(key)
            attrs[f"data-{_key(key)}"] = "" if value is None else f"{value:g}"
    cells = "".join(
        f"<td{f' class={chr(34)}{cls}{chr(34)}' if cls else ''}>{cell(row, thumbs)}</td>"
        for _, _, cell, cls, _ in columns
    )
    head = " ".join(f'{k}="{escape(v)}"' for k, v in attrs.items())
    return f"<tr {head}>{cells}</tr>"


def _timeline(data: dict) -> str:
    total = max(data["frames"], 1)
    out, shot = [], None
    for run in data["timeline"]:
        n = run["last"] - run["first"] + 1
        cut = " cut" if shot is not None and run["shot"] != shot else ""
        shot = run["shot"]
        label = f"shot {shot}, frames {run['first']}-{run['last']}: {run['source']}"
        out.append(
            f'<a class="{run["source"]}{cut}" href="#shot-{shot}" title="{label}" '
            f'aria-label="{label}" style="width: {100 * n / total:.4f}%"></a>'
        )
    return "".join(out)


def review_page(data: dict, thumbs: dict[int, dict], folder: str) -> str:
    """The page's HTML from ``review_data``'s ``data`` and each shot's thumbnails, files in
    ``folder`` (relative to the page)."""
    rows = data["shots"]
    title = f"filmcolor review: {data['output']}"
    frames = data["frames"]
    warned = sum(1 for r in rows if r["warnings"])
    release = data["release"]
    summary = [
        f"{escape(data['film'])} rendered as {escape(data['output'])}: {frames} frames "
        f"({data['fps']} fps), {len(rows)} shots, {warned} with warnings."
    ]
    if release:
        share = sum(r["release_share"] * r["frames"] for r in rows) / max(frames, 1)
        lacks = sum(r["release_lacks"] for r in rows)
        summary.append(
            f"The colour release gives {share:.0%} of the film's colour; it lacks {lacks} shot(s)."
        )
    if data["shots_file"]:
        changed = sum(1 for r in rows if r["overrides"])
        summary.append(f"Decisions from {escape(data['shots_file'])} change {changed} shot(s).")
    legend = "".join(f'<span class="key {k}"></span>{k}' for k in SOURCES)
    columns = [c for c in COLUMNS if release or not c[4]]
    options = [("all", "all shots"), ("warning", "shots with a warning")]
    options += [(k, f"⚠ {k}") for k in WARNINGS]
    if release:
        options.append(("lacks", "shots the release lacks"))
    options.append(("changed", "shots the shots file changes"))
    filters = "".join(f'<option value="{k}">{escape(v)}</option>' for k, v in options)
    head = "".join(
        f'<th data-key="{_key(key)}"><button type="button">{escape(name)}</button></th>'
        if key
        else f"<th>{escape(name)}</th>"
        for name, key, *_ in columns
    )
    page = resources.files(__package__).joinpath("review.html").read_text()
    fill = {
        "title": escape(title),
        "summary": " ".join(summary),
        "legend": legend,
        "timeline": _timeline(data),
        "filters": filters,
        "count": f"{len(rows)} of {len(rows)} shots shown",
        "head": head,
        "rows": "\n".join(_row(r, _under(folder, thumbs[r["shot"]]), columns) for r in rows),
    }
    for name, value in fill.items():
        page = page.replace("{{" + name + "}}", value)
    return page


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
    if gate is not None and gate < PALE_GATE and row["release_share"] < 0.5 and not chosen_grey:
        out.append("pale")
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
) -> dict:
    """What ``OUT_review.json`` holds: the film, the warnings' meanings and thresholds, the
    timeline and one row per shot with its registration (``Release.report()["shots"]``), what
    the shots file changed (``changes(row)``) and its warnings."""
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
        rows.append(row)
    return _rounded(
        {
            "film": film,
            "output": out,
            "fps": str(review.fps),
            "frames": rows[-1]["last"] + 1 if rows else 0,
            "start_frame": start_frame,
            "release": review.release,
            "shots_file": None if shots_file is None else str(shots_file),
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
