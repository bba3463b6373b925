"""The review: figures per shot from each frame's facts, OUT_review.json, and the page in a real
browser (headless Chromium: thumbnails load, one row per shot, the filter works, valid HTML)."""

import json
import os

import cv2
import numpy as np
import pytest

from filmcolor.colour import LIGHTNESS, lab_to_rgb
from filmcolor.io.video import probe
from filmcolor.rendering.review.facts import FrameFacts, Review, timecode
from filmcolor.rendering.review.page import PAGE_ROWS, review_data, write_json, write_page
from pipelines.bench.review_page import synthetic_review as feature_review
from pipelines.tools import browser as web

# shot, frames, frames the release has (the first ones), what it shows, model a*b*, gate
RELEASE_AB, MODEL_AB = (25.0, 10.0), (-20.0, 30.0)
SHOTS = [
    (0, 20, 20, "release", MODEL_AB, 0.9),  # the release's colour; registration left 2 px
    (1, 20, 0, "model", MODEL_AB, 0.3),  # the release lacks it, the gate pales the model
    (2, 30, 15, "seam", MODEL_AB, 0.9),  # release, then the model's quite other colour
    (3, 10, 10, "grey", MODEL_AB, 0.9),  # set to grey, where the release is in colour
]


def _picture(k: int) -> np.ndarray:
    rng = np.random.default_rng(k)
    return cv2.GaussianBlur(rng.integers(40, 220, (60, 80)).astype(np.uint8), (0, 0), 3)


def synthetic_review(folder, name="synthetic"):
    """A review of a made-up film of SHOTS with a colour release, written as a page and JSON."""
    review = Review(24, release=True, folder=folder / "thumbs")
    i = 0
    for shot, n, has_n, how, model_ab, gate in SHOTS:
        for j in range(n):
            half = _picture(i)
            model = np.full((*half.shape, 2), model_ab, np.float32)
            release = np.full_like(model, RELEASE_AB)
            has = j < has_n
            weight = float(has and how != "grey")
            if how == "seam" and has and j >= 10:  # the release's share falls over 5 frames
                weight = (has_n - j) / 6
            ab = weight * release + (1 - weight) * model
            strength = 0.0 if how == "grey" else 1.0
            ab = ab * strength
            rgb = lab_to_rgb(LIGHTNESS[half], release)
            review.add(
                FrameFacts(
                    i, shot, half, model, ab, weight, has, gate, strength, lambda rgb=rgb: rgb
                )
            )
            i += 1
    review.finish()
    registration = {0: {"shift_px": [0.5, -1.0], "response": 0.4, "residual_px": 2.0}}
    data = review_data(
        review,
        film="bw.mp4",
        out=f"{name}.mp4",
        start_frame=0,
        registration=registration,
        changes=lambda row: {"colour": "grey"} if row["shot"] == 3 else {},
        shots_file=None,
        by_hand=set(),
    )
    write_json(folder / f"{name}_review.json", data)
    page = folder / f"{name}_review.html"
    write_page(page, data, review)
    return page, data


def test_the_review_sums_up_each_shot_and_marks_what_is_out_of_range(tmp_path):
    _, data = synthetic_review(tmp_path)
    rows = {r["shot"]: r for r in data["shots"]}
    assert [(r["first"], r["last"]) for r in data["shots"]] == [
        (0, 19),
        (20, 39),
        (40, 69),
        (70, 79),
    ]
    assert rows[2]["start"] == "00:00:01:16" and timecode(24 * 3661 + 5, 24) == "01:01:01:05"
    assert {s: r["warnings"] for s, r in rows.items()} == {
        0: ["residual"],
        1: ["pale"],
        2: ["seam"],
        3: ["grey"],
    }
    assert [s for s, r in rows.items() if r["release_lacks"]] == [1]
    assert rows[0]["source"] == "release" and rows[0]["error"] < 0.5 < rows[0]["model_error"]
    assert rows[3]["source"] == "grey" and abs(rows[3]["error_ratio"] - 1) < 0.05
    assert rows[2]["sources"] == {"release": 10, "blend": 5, "model": 15}
    assert abs(rows[2]["seam_jump"] - np.hypot(45, 20)) < 1
    assert rows[1]["gate"] == pytest.approx(0.3) and rows[1]["release_frames"] == 0
    covered = sum(t["last"] - t["first"] + 1 for t in data["timeline"])
    assert covered == data["frames"] == 80


def test_a_render_writes_its_review_beside_it(easy_pair, plain_render):
    data = json.loads(plain_render.with_name("film_review.json").read_text())
    rows = data["shots"]
    assert (
        rows[0]["first"] == 0
        and rows[-1]["last"] + 1 == data["frames"] == probe(easy_pair / "bw.mp4").frames
    )
    assert all(a["last"] + 1 == b["first"] for a, b in zip(rows, rows[1:]))
    assert data["release"] is False and not any(r["release_lacks"] for r in rows)
    assert all(r["source"] == "model" and r["chroma"] > 20 for r in rows[1:])
    page = plain_render.with_name("film_review.html").read_text()
    thumbs = sorted(plain_render.with_name("film_review").glob("*.jpg"))
    assert len(thumbs) == 4 * len(rows), "B&W and three filmcolor frames per shot, as files"
    assert all(f'src="film_review/{t.name}"' in page for t in thumbs)
    assert "data:image" not in page and len(page) < 10_000 + 2_000 * len(rows)
    work = plain_render.with_name(f".{plain_render.name}.segments")
    kept = sorted(p.name for p in (work / "review").iterdir())
    assert len(kept) == len(thumbs), "the work folder keeps the segments' thumbnails, for reuse"


# ----------------------------------------------------------------------------- in a browser


def _need_browser():
    why = web.missing()
    if why:
        if os.environ.get("CI"):
            pytest.fail(f"{why} (CI must install it)", pytrace=False)
        pytest.skip(why)


@pytest.fixture(scope="module")
def browser():
    _need_browser()
    with web.Browser() as b:
        yield b


@pytest.fixture(scope="module")
def pages(plain_render, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pages")
    return {
        "plain": plain_render.with_name("film_review.html"),
        "synthetic": synthetic_review(folder)[0],
    }


@pytest.mark.browser
def test_the_page_opens_with_every_thumbnail_one_row_per_shot_and_no_error(browser, pages):
    for name, page in pages.items():
        found = web.check_page(browser, page)
        assert found["wrong"] == [], name
        data = json.loads(page.with_name(page.name.replace(".html", ".json")).read_text())
        shown = sum(not r["release_lacks"] for r in data["shots"]) if data["release"] else 0
        assert found["images"] == 4 * len(data["shots"]) + shown
        assert found["rows"] == [r["shot"] for r in data["shots"]]


@pytest.mark.browser
def test_the_filter_shows_the_shots_with_a_warning(browser, pages):
    browser.open(pages["synthetic"])
    for value, shots in (("lacks", [1]), ("pale", [1]), ("seam", [2]), ("warning", [0, 1, 2, 3])):
        browser.choose("filter", value)
        assert browser.visible_rows() == shots
        assert browser.script("return document.getElementById('shown').textContent") == (
            f"{len(shots)} of 4 shots shown"
        )
    browser.choose("filter", "changed")
    assert browser.visible_rows() == [3]
    browser.click("th[data-key='errorratio'] button")
    browser.choose("filter", "all")
    errors = browser.script(
        "return [...document.querySelectorAll('#shots tbody tr')].map(r => r.dataset.errorratio);"
    )
    assert errors[-1] == "" and [float(e) for e in errors[:-1]] == sorted(map(float, errors[:-1]))
    assert browser.problems() == []


@pytest.mark.browser
def test_a_long_film_s_page_shows_a_page_of_rows_at_a_time_and_reaches_every_one(browser, tmp_path):
    page = feature_review(tmp_path, 120)
    found = web.check_page(browser, page)
    assert found["wrong"] == [] and found["rows"] == list(range(120))
    browser.open(page)
    assert browser.visible_rows() == list(range(PAGE_ROWS))
    assert found["images"] == 5 * PAGE_ROWS - 1, "only the shown rows' thumbnails load"
    assert browser.script("return document.getElementById('pages').textContent") == "of 3"
    browser.click(".timeline a[href='#shot-117']")  # a shot on the last page
    assert browser.visible_rows() == list(range(100, 120))
    assert browser.script("return document.getElementById('next').disabled")
    browser.click("#previous")
    assert browser.visible_rows() == list(range(50, 100))
    browser.choose("filter", "rendered")
    assert browser.visible_rows() == [5, 105]
    assert browser.problems() == []


@pytest.mark.browser
def test_a_screenshot_of_the_whole_page(browser, pages, tmp_path):
    browser.open(pages["plain"])
    path = os.environ.get("REVIEW_SCREENSHOT") or tmp_path / "review.png"
    width, height = browser.screenshot(path)
    png = cv2.imread(str(path))
    assert png.shape[:2] == (height, width) and height > 800, "the whole page, not the window"


@pytest.mark.browser
def test_the_pages_are_valid_html_and_the_checks_catch_a_broken_page(browser, pages, tmp_path):
    bad = tmp_path / "bad_review.html"
    bad.write_text(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>b</title></head>'
        '<body><img src="missing.jpg" alt="a"><img src="data:image/jpeg;base64,AAAA" alt="b">'
        "<table><div>stray</div></table><script>console.error('boom');</script></body></html>"
    )
    problems = " | ".join(browser.open(bad))
    assert "boom" in problems and "ERR_FILE_NOT_FOUND" in problems
    assert browser.broken_images() == ["a", "b"]
    errors = web.validate([*pages.values(), bad])
    assert errors and all(e.startswith("bad_review.html:") for e in errors)
