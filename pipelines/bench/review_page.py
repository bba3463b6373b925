"""A feature film's review page in headless Chromium: how soon a page of many shots is usable.

    python -m pipelines.bench.review_page [--shots 1500] [-o SCRATCH]

Writes the review of a made-up film of ``--shots`` shots (every column filled, a warning on one
shot in seven, thumbnails as small JPEG files), opens it in headless Chromium
(``pipelines.tools.browser``) and prints, from the browser's navigation timing, when the page was
interactive (its script run: DOMContentLoaded) and loaded (the shown rows' thumbnails too), and
how long choosing a filter and turning a page took. Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import cv2
import numpy as np

from filmcolor.rendering.review.facts import WARNINGS, timecode
from filmcolor.rendering.review.page import review_page, write_json

from ..tools import browser as web
from .common import emit, machine

SHOT_FRAMES = 72  # a 100-minute film's 1,500 shots: about 4 s each


def synthetic_review(folder: Path, shots: int) -> Path:
    """A review page (and its JSON) of ``shots`` made-up shots in ``folder``; its path."""
    thumbs_dir = folder / "film_review"
    thumbs_dir.mkdir(parents=True, exist_ok=True)
    picture = thumbs_dir / "picture.jpg"
    grey = np.random.default_rng(0).integers(0, 255, (90, 160, 3), np.uint8)
    cv2.imwrite(str(picture), cv2.GaussianBlur(grey, (0, 0), 4))
    rows, thumbs, timeline = [], {}, []
    for s in range(shots):
        first = s * SHOT_FRAMES
        last = first + SHOT_FRAMES - 1
        lacks = s % 50 == 3
        rows.append(
            {
                "shot": s, "first": first, "last": last, "frames": SHOT_FRAMES,
                "start": timecode(first, 24), "end": timecode(last, 24),
                "source": "model" if lacks else "release",
                "sources": {"model" if lacks else "release": SHOT_FRAMES},
                "release_share": 0.0 if lacks else 1.0, "release_frames": 0 if lacks else 72,
                "release_lacks": lacks, "default_colour": "model" if lacks else "release",
                "gate": 0.8, "gate_min": 0.6, "model_gate": 0.8, "chroma": 12.0, "flicker": 0.4,
                "seam_jump": None, "model_error": 9.0, "error": 3.0, "grey_error": 14.0,
                "error_ratio": 0.21, "shift_px": None if lacks else [0.2, -0.1],
                "response": 0.5, "residual_px": 0.3, "chroma_px": [0.0, 0.0],
                "shift_by_hand": False, "overrides": {"strength": 0.5} if s % 90 == 1 else {},
                "warnings": ["pale"] if s % 7 == 0 else [], "rendered": s % 100 == 5,
            }
        )  # fmt: skip
        names = [f"shot-{s:05d}-{what}.jpg" for what in ("bw", "first", "middle", "last", "rel")]
        for name in names:
            os.link(picture, thumbs_dir / name)
        thumbs[s] = {
            "bw": names[0],
            "colour": names[1:4],
            "frames": [first, first + 36, last],
            "release": None if lacks else names[4],
            "size": (160, 90),
        }
        timeline.append({"shot": s, "source": rows[-1]["source"], "first": first, "last": last})
    data = {
        "film": "bw.mp4", "output": "film.mp4", "fps": "24", "frames": shots * SHOT_FRAMES,
        "start_frame": 0, "release": True, "stills": 0, "shots_file": None,
        "done": {"rendered": [r["shot"] for r in rows if r["rendered"]], "reused": []},
        "warnings": WARNINGS, "timeline": timeline, "shots": rows,
    }  # fmt: skip
    write_json(folder / "film_review.json", data)
    page = folder / "film_review.html"
    page.write_text(review_page(data, thumbs, thumbs_dir.name))
    return page


TIMED = """
const t0 = performance.now();
const filter = document.getElementById("filter");
filter.value = "warning"; filter.dispatchEvent(new Event("change"));
document.body.getBoundingClientRect();
const t1 = performance.now();
document.getElementById("next").click();
document.body.getBoundingClientRect();
const t2 = performance.now();
return [t1 - t0, t2 - t1];
"""


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shots", type=int, default=1500)
    ap.add_argument("-o", "--out", type=Path, help="scratch folder (default: a temporary one)")
    args = ap.parse_args(argv)
    if why := web.missing():
        raise SystemExit(why)
    folder = args.out or Path(tempfile.mkdtemp(prefix="bench-review-page-"))
    page = synthetic_review(folder, args.shots)
    with web.Browser() as browser:
        problems = browser.open(page)
        nav = browser.script(
            "const n = performance.getEntriesByType('navigation')[0];"
            "return [n.domInteractive, n.domContentLoadedEventEnd, n.loadEventEnd];"
        )
        filtered, paged = browser.script(TIMED)
        rows = len(browser.visible_rows())
    record = {
        "machine": machine(),
        "shots": args.shots,
        "page_bytes": page.stat().st_size,
        "interactive_s": nav[1] / 1000,
        "loaded_s": nav[2] / 1000,
        "filter_s": filtered / 1000,
        "next_page_s": paged / 1000,
        "rows_shown": rows,
        "console_errors": problems,
    }
    print(f"{args.shots} shots, {page.stat().st_size / 1e6:.1f} MB page; {machine()}\n")
    print("| | s |\n|---|---|")
    print(f"| interactive (DOMContentLoaded, its script run) | {nav[1] / 1000:.2f} |")
    print(f"| loaded (the first page's thumbnails too) | {nav[2] / 1000:.2f} |")
    print(f"| a filter chosen | {filtered / 1000:.3f} |")
    print(f"| the next page | {paged / 1000:.3f} |")
    emit(record)


if __name__ == "__main__":
    main()
